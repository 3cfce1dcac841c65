/**
 * The incident channel's whole life in Slack, as outbox items: creation (channel, topic, invites, pinned
 * headline, bookmarks), the headline kept current, announcements, replies to the reporter, updates,
 * and the archive with its closing summary. It decides what to send; the outbox sends it; the Slack
 * sender (src/integrations/slack) knows the API. When items are sent, what they made (the channel,
 * the headline) is written into the incident record.
 */
import type { Disposable, Event } from '../events';
import { IncidentError } from '../errors';
import type { Incident } from '../incident/types';
import type { IncidentService } from '../incidentService';
import type { OutboxItem, OutboxItemInput, OutboxRef } from '../outbox/types';
import { channelLink, splitForSlack } from './mrkdwn';
import {
  announcementText,
  channelName,
  channelTopic,
  closingSummary,
  DEFAULT_CHANNEL_TEMPLATE,
  headlineMessage,
  ReplyTemplate,
  replyText,
  updateText,
  UpdateKind,
} from './render';

export interface SlackSettings {
  readonly channelNameTemplate: string;
  readonly privateChannels: boolean;
  /** By severity (SEV1..SEV4) and 'default'. */
  readonly announceChannels: Readonly<Record<string, readonly string[]>>;
  /** Emails or user ids invited to every channel. */
  readonly invite: readonly string[];
  readonly bookmarks: readonly { readonly title: string; readonly link: string }[];
  /** Minutes between updates, by severity. */
  readonly cadenceMinutes: Readonly<Record<string, number>>;
}

export const DEFAULT_SLACK_SETTINGS: SlackSettings = {
  channelNameTemplate: DEFAULT_CHANNEL_TEMPLATE,
  privateChannels: false,
  announceChannels: { SEV1: ['#incidents'], SEV2: ['#incidents'] },
  invite: [],
  bookmarks: [],
  cadenceMinutes: { SEV1: 15, SEV2: 30, SEV3: 60, SEV4: 240 },
};

/** What the coordinator needs of the outbox. */
export interface OutboxPort {
  enqueue(incidentId: string, input: OutboxItemInput): Promise<OutboxItem>;
  items(incidentId?: string): readonly OutboxItem[];
  readonly onDidChange: Event<unknown>;
}

/**
 * Calls in flight at once over all lanes: a new channel's topic, invites and bookmarks go beside the
 * create → post → pin chain, so its creation takes the chain's three round trips, not nine.
 */
export const OUTBOX_CONCURRENCY = 6;

/** Slack allows about one message a second per channel; the outbox paces each lane to that. */
export const POST_INTERVAL_MS = 1000;

export const lanes = {
  /** Creation, the headline, updates, the summary and the archive: one channel, strictly in order. */
  channel: (incidentId: string) => `slack:${incidentId}`,
  topic: (incidentId: string) => `slack:${incidentId}:topic`,
  invite: (incidentId: string) => `slack:${incidentId}:invite`,
  /** Each bookmark in a lane of its own: they do not depend on each other. */
  bookmark: (incidentId: string, n: number) => `slack:${incidentId}:bookmark:${n}`,
  announce: (channel: string) => `slack:announce:${channel.replace(/^#/, '').toLowerCase()}`,
  reply: (channel: string) => `slack:reply:${channel}`,
};

type Ref = string | OutboxRef;

const HEADLINE = 'headline';

function isLive(i: OutboxItem): boolean {
  return i.state !== 'discarded';
}

const isEmailOrUserId = (s: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) || /^[UW][A-Z0-9]{2,}$/.test(s);

export interface Planned {
  readonly items: readonly OutboxItem[];
  /** What a person should know (emails that are not Slack users are found only when sent). */
  readonly notes: readonly string[];
}

export class SlackCoordinator implements Disposable {
  private readonly subscriptions: Disposable[] = [];
  /** The headline's content as last enqueued, by incident, so a change that does not show is not sent. */
  private readonly shown = new Map<string, string>();
  private readonly recorded = new Set<string>();
  /** Refreshes run one after another, so two quick changes cannot enqueue out of order. */
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly service: IncidentService,
    private readonly outbox: OutboxPort,
    private readonly settings: () => SlackSettings,
  ) {
    this.subscriptions.push(
      outbox.onDidChange(() => void this.recordResults()),
      service.onDidChange((e) => {
        if (!e.local) return;
        for (const id of e.ids) {
          this.refreshing = this.refreshing.then(() => this.keepHeadlineCurrent(id)).catch((err) => console.error('Incident Commander: headline refresh failed', err));
        }
      }),
    );
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }

  private incident(id: string | undefined): Incident {
    const target = this.service.resolveId(id);
    const incident = this.service.get(target);
    if (!incident) throw new IncidentError(`The incident ${target} cannot be read.`, 'corrupt-record');
    return incident;
  }

  private liveItems(incidentId: string, op: string, marker?: string): OutboxItem[] {
    return this.outbox.items(incidentId).filter((i) => i.op === op && isLive(i) && (marker === undefined || i.args.marker === marker));
  }

  /** The channel: its id once known, else a reference to the creation still in the outbox. */
  channelRef(incident: Incident): Ref | undefined {
    if (incident.slack?.channelId) return incident.slack.channelId;
    const create = this.liveItems(incident.id, 'slack.createChannel').at(-1);
    return create ? { $ref: create.id, path: 'channel.id' } : undefined;
  }

  private requireChannel(incident: Incident): Ref {
    const ref = this.channelRef(incident);
    if (!ref) throw new IncidentError(`${incident.id} has no Slack channel yet: create it first ("Incident: Create the Slack Channel").`, 'invalid-input');
    if (incident.slack?.archived) throw new IncidentError(`The Slack channel of ${incident.id} is archived.`, 'invalid-input');
    return ref;
  }

  private headlineRef(incident: Incident): Ref | undefined {
    if (incident.slack?.headlineTs) return incident.slack.headlineTs;
    const post = this.liveItems(incident.id, 'slack.postMessage', HEADLINE).at(-1);
    return post ? { $ref: post.id, path: 'ts' } : undefined;
  }

  nextUpdateDue(incident: Incident): Date | undefined {
    if (incident.status === 'resolved' || incident.status === 'closed') return undefined;
    const minutes = this.settings().cadenceMinutes[incident.severity ?? ''] ?? this.settings().cadenceMinutes.default;
    if (!minutes) return undefined;
    const from = Date.parse(incident.slack?.lastUpdateAt ?? incident.timestamps.declared);
    return new Date(from + minutes * 60_000);
  }

  private headlineKey(incident: Incident): string {
    const h = headlineMessage(incident, { nextUpdateDue: this.nextUpdateDue(incident) });
    return JSON.stringify(h.blocks) + channelTopic(incident);
  }

  /** Procedure 1.4: the channel, its topic, the people, the pinned headline, the bookmarks. */
  async createChannel(incidentId: string | undefined, options: { private?: boolean } = {}): Promise<Planned> {
    const incident = this.incident(incidentId);
    const existing = this.channelRef(incident);
    if (existing) {
      throw new IncidentError(
        incident.slack?.channelName ? `${incident.id} already has the channel #${incident.slack.channelName}.` : `The channel of ${incident.id} is already being created (see its outbox).`,
        'invalid-input',
      );
    }
    const s = this.settings();
    const name = channelName(s.channelNameTemplate, incident);
    const id = incident.id;
    const create = await this.outbox.enqueue(id, {
      lane: lanes.channel(id),
      op: 'slack.createChannel',
      args: { name, is_private: options.private ?? s.privateChannels },
      summary: `Create #${name}`,
    });
    const channel: OutboxRef = { $ref: create.id, path: 'channel.id' };
    const items: OutboxItem[] = [create];
    const notes: string[] = [];
    const headline = headlineMessage(incident, { nextUpdateDue: this.nextUpdateDue(incident) });
    this.shown.set(id, this.headlineKey(incident));
    const post = await this.outbox.enqueue(id, {
      lane: lanes.channel(id),
      op: 'slack.postMessage',
      args: { channel, text: headline.text, blocks: headline.blocks, marker: HEADLINE },
      summary: `Headline in #${name}`,
      // The first message of a new channel: nothing to pace it after (pacing would wait on the creation).
    });
    // Beside the chain create → post → pin, and not waiting on it: topic, invites, bookmarks. Queued together
    // (one write to the outbox's log), each in a lane of its own.
    const side: OutboxItemInput[] = [
      { lane: lanes.channel(id), op: 'slack.pin', args: { channel, timestamp: { $ref: post.id, path: 'ts' } }, summary: `Pin the headline in #${name}` },
      { lane: lanes.topic(id), op: 'slack.setTopic', args: { channel, topic: channelTopic(incident) }, summary: `Topic of #${name}` },
    ];
    const people = [...Object.values(incident.roles), ...s.invite].filter((p): p is string => typeof p === 'string' && isEmailOrUserId(p.trim())).map((p) => p.trim());
    const skipped = Object.values(incident.roles).filter((p) => p && !isEmailOrUserId(p));
    if (skipped.length) notes.push(`Not invited (not an email or Slack user id): ${skipped.join(', ')}.`);
    if (people.length) {
      side.push({
        lane: lanes.invite(id),
        op: 'slack.invite',
        args: { channel, emails: [...new Set(people.filter((p) => p.includes('@')))], users: [...new Set(people.filter((p) => !p.includes('@')))] },
        summary: `Invite ${people.length} ${people.length === 1 ? 'person' : 'people'} to #${name}`,
      });
    }
    const marks = [
      ...(incident.bridge.url ? [{ title: 'Bridge', link: incident.bridge.url }] : []),
      ...(incident.problemRecord && /^https?:/.test(incident.problemRecord) ? [{ title: 'Problem record', link: incident.problemRecord }] : []),
      ...s.bookmarks.map((b) => ({ title: b.title, link: b.link.replace(/\{id\}/g, incident.id) })),
    ].filter((b) => /^https?:\/\//.test(b.link));
    for (const [n, b] of marks.entries()) {
      side.push({ lane: lanes.bookmark(id, n), op: 'slack.bookmark', args: { channel, title: b.title, link: b.link }, summary: `Bookmark ${b.title} in #${name}` });
    }
    items.push(post, ...(await Promise.all(side.map((input) => this.outbox.enqueue(id, input)))));
    return { items, notes };
  }

  /** Procedure 1.5 "Update incident artifacts": the headline and the topic as the record is now. */
  async refreshHeadline(incidentId: string | undefined): Promise<Planned> {
    const incident = this.incident(incidentId);
    const channel = this.requireChannel(incident);
    const ts = this.headlineRef(incident);
    const headline = headlineMessage(incident, { nextUpdateDue: this.nextUpdateDue(incident) });
    this.shown.set(incident.id, this.headlineKey(incident));
    // Each change gets its own call, in the channel's lane, so the last one Slack sees is the latest. (Editing a
    // call still waiting could race with its send starting.)
    const items: OutboxItem[] = [];
    if (ts) {
      items.push(
        await this.outbox.enqueue(incident.id, {
          lane: lanes.channel(incident.id),
          op: 'slack.updateMessage',
          args: { channel, ts, text: headline.text, blocks: headline.blocks },
          summary: `Headline of ${incident.id}: ${incident.severity ?? 'SEV?'} · ${incident.status}`,
        }),
      );
    }
    const topic = channelTopic(incident);
    items.push(await this.outbox.enqueue(incident.id, { lane: lanes.topic(incident.id), op: 'slack.setTopic', args: { channel, topic }, summary: `Topic: ${topic}` }));
    return { items, notes: [] };
  }

  /** Every change of severity, status, commander, services (anything the headline shows) updates it. */
  async keepHeadlineCurrent(incidentId: string): Promise<void> {
    const incident = this.service.get(incidentId);
    if (!incident || incident.slack?.archived || !this.channelRef(incident) || !this.headlineRef(incident)) return;
    const key = this.headlineKey(incident);
    const before = this.shown.get(incidentId);
    if (before === undefined) {
      this.shown.set(incidentId, key); // first sight after a reload: what Slack shows is not known; leave it until a change
      return;
    }
    if (before !== key) await this.refreshHeadline(incidentId);
  }

  private announceTargets(incident: Incident): string[] {
    const map = this.settings().announceChannels;
    return [...(map[incident.severity ?? 'default'] ?? map.default ?? [])].map((c) => c.trim()).filter(Boolean);
  }

  /** Procedure 1.6: an announcement in the channels set for the severity, linking the incident channel. */
  async announce(incidentId: string | undefined, text?: string, channels?: readonly string[]): Promise<Planned> {
    const incident = this.incident(incidentId);
    const targets = channels?.length ? [...channels] : this.announceTargets(incident);
    if (targets.length === 0) {
      throw new IncidentError(`No announcement channels are set for ${incident.severity ?? 'an incident without severity'} (setting incidentCommander.slack.announceChannels).`, 'invalid-input');
    }
    const channel = this.channelRef(incident);
    const items: OutboxItem[] = [];
    for (const target of targets) {
      const mention = typeof channel === 'string' ? channelLink(channel) : undefined;
      items.push(
        await this.outbox.enqueue(incident.id, {
          lane: lanes.announce(target),
          op: 'slack.postMessage',
          args: { channel: target, text: announcementText(incident, text, mention), ...(typeof channel === 'object' ? { linkChannel: channel } : {}) },
          summary: `Announce ${incident.id} in ${target}`,
          minIntervalMs: POST_INTERVAL_MS,
        }),
      );
    }
    return { items, notes: [] };
  }

  /** Procedure 1.1.2 / 1.1.3: a reply in the reporter's thread. */
  async replyToReporter(incidentId: string | undefined, target: { channel: string; ts: string; threadTs?: string }, template: ReplyTemplate, text?: string): Promise<Planned> {
    const incident = this.incident(incidentId);
    const item = await this.outbox.enqueue(incident.id, {
      lane: lanes.reply(target.channel),
      op: 'slack.postMessage',
      args: { channel: target.channel, thread_ts: target.threadTs ?? target.ts, text: replyText(incident, template, text) },
      summary: `Reply to the ${template === 'customer' ? 'customer' : 'service owner'} in their thread`,
      minIntervalMs: POST_INTERVAL_MS,
    });
    return { items: [item], notes: [] };
  }

  /** Procedure 1.6 / 3.1.9: an update (or TCE) in the incident channel, optionally announced too. */
  async postUpdate(incidentId: string | undefined, text: string, kind: UpdateKind = 'status', alsoAnnounce = false): Promise<Planned> {
    if (typeof text !== 'string' || !text.trim()) throw new IncidentError('An empty update is not posted.', 'invalid-input');
    const incident = this.incident(incidentId);
    const channel = this.requireChannel(incident);
    const body = updateText(incident, text, kind);
    const parts = splitForSlack(body);
    const items: OutboxItem[] = [];
    for (const [i, part] of parts.entries()) {
      const n = parts.length > 1 ? ` (${i + 1}/${parts.length})` : '';
      items.push(
        await this.outbox.enqueue(incident.id, {
          lane: lanes.channel(incident.id),
          op: 'slack.postMessage',
          args: { channel, text: part + (n ? `\n_${n.trim()}_` : ''), marker: 'update' },
          summary: `${kind === 'tce' ? 'TCE' : 'Update'}${n}: ${text.trim().slice(0, 60)}`,
          minIntervalMs: POST_INTERVAL_MS,
        }),
      );
    }
    const notes = parts.length > 1 ? [`The update is ${body.length.toLocaleString('en')} characters, more than one Slack message holds; it goes as ${parts.length} messages, in order.`] : [];
    if (alsoAnnounce) items.push(...(await this.announce(incident.id, text)).items);
    return { items, notes };
  }

  /** Procedure 4.4: a closing summary, then the archive. */
  async archive(incidentId: string | undefined): Promise<Planned> {
    const incident = this.incident(incidentId);
    const channel = this.requireChannel(incident);
    const summary = await this.outbox.enqueue(incident.id, {
      lane: lanes.channel(incident.id),
      op: 'slack.postMessage',
      args: { channel, text: closingSummary(incident), marker: 'summary' },
      summary: `Closing summary in #${incident.slack?.channelName ?? 'the channel'}`,
      minIntervalMs: POST_INTERVAL_MS,
    });
    const archive = await this.outbox.enqueue(incident.id, { lane: lanes.channel(incident.id), op: 'slack.archive', args: { channel }, summary: `Archive #${incident.slack?.channelName ?? 'the channel'}` });
    return { items: [summary, archive], notes: [] };
  }

  /** Writes what sent items made into the incident record: the channel, the headline, the archive, the last update. */
  async recordResults(): Promise<void> {
    for (const item of this.outbox.items()) {
      if (item.state !== 'sent' || this.recorded.has(item.id) || !item.op.startsWith('slack.')) continue;
      this.recorded.add(item.id);
      const incident = this.service.get(item.incidentId);
      if (!incident) continue;
      const r = item.result ?? {};
      let slack: Record<string, unknown> | undefined;
      if (item.op === 'slack.createChannel') {
        const c = r.channel as { id?: string; name?: string } | undefined;
        if (c?.id && incident.slack?.channelId !== c.id) slack = { channelId: c.id, channelName: c.name };
      } else if (item.op === 'slack.postMessage' && item.args.marker === HEADLINE && typeof r.ts === 'string' && incident.slack?.headlineTs !== r.ts) {
        slack = { headlineTs: r.ts };
      } else if (item.op === 'slack.postMessage' && item.args.marker === 'update') {
        const at = item.createdAt;
        if (!incident.slack?.lastUpdateAt || incident.slack.lastUpdateAt < at) slack = { lastUpdateAt: at };
      } else if (item.op === 'slack.archive' && !incident.slack?.archived) {
        slack = { archived: true };
      }
      if (slack) {
        try {
          await this.service.change(item.incidentId, { kind: 'setFields', fields: { slack } });
        } catch {
          this.recorded.delete(item.id); // the record cannot be written now (corrupt, locked): try again on the next change
        }
      }
    }
  }
}

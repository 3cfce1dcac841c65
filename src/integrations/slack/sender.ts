/**
 * Carries out the outbox's Slack operations. Every message it posts carries message metadata naming the
 * outbox item, so that after a crash, a reload or a lost reply the item can be found in the channel's
 * history instead of being posted twice.
 */
import type { OutboxItem, OutboxSender, SendOutcome } from '../../core/outbox/types';
import { SlackApi, SlackCallResult } from './client';

/** The event type of the metadata on every message the extension posts. */
export const METADATA_EVENT_TYPE = 'incident_commander_outbox';

export type SlackOp =
  | 'slack.createChannel'
  | 'slack.setTopic'
  | 'slack.invite'
  | 'slack.postMessage'
  | 'slack.updateMessage'
  | 'slack.pin'
  | 'slack.bookmark'
  | 'slack.archive';


/** How many suffixed names (-2, -3, ...) a channel creation tries when the name is taken. */
const NAME_ATTEMPTS = 10;

type Args = Record<string, unknown>;

function failed(r: Extract<SlackCallResult, { ok: false }>): SendOutcome {
  if (!r.retry) return { kind: 'permanent', code: r.code, message: r.message };
  // A 429 is answered before Slack acts; a 5xx or a network error may come after it did.
  return { kind: 'retry', code: r.code, message: r.message, delivered: r.code === 'ratelimited' ? 'no' : 'unknown', ...(r.retryAfterMs ? { retryAfterMs: r.retryAfterMs } : {}) };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));

export function suffixed(name: string, attempt: number): string {
  if (attempt === 0) return name;
  const suffix = `-${attempt + 1}`;
  return name.slice(0, 80 - suffix.length).replace(/[-_]+$/, '') + suffix;
}

export class SlackSender implements OutboxSender {
  /** `api()` gives a client for the current token, or undefined when there is none. */
  constructor(private readonly api: () => Promise<SlackApi | undefined>) {}

  async send(item: OutboxItem, args: Args): Promise<SendOutcome> {
    const api = await this.api();
    if (!api) return { kind: 'retry', code: 'not_connected', message: 'Waiting for Slack: no token is set ("Incident: Connect Slack").', delivered: 'no' };
    switch (item.op as SlackOp) {
      case 'slack.createChannel':
        return this.createChannel(api, args);
      case 'slack.setTopic':
        return this.simple(api, 'conversations.setTopic', { channel: args.channel, topic: args.topic }, (d) => ({ channel: args.channel, topic: (d.channel as Args | undefined)?.topic ?? args.topic }));
      case 'slack.invite':
        return this.invite(api, args);
      case 'slack.postMessage':
        return this.post(api, item, args);
      case 'slack.updateMessage':
        return this.simple(api, 'chat.update', { channel: args.channel, ts: args.ts, text: args.text, ...(args.blocks ? { blocks: args.blocks } : {}) }, (d) => ({ channel: d.channel, ts: d.ts }));
      case 'slack.pin': {
        const r = await api.call('pins.add', { channel: args.channel, timestamp: args.timestamp });
        if (r.ok || r.code === 'already_pinned') return { kind: 'sent', result: { channel: args.channel, ts: args.timestamp } };
        return failed(r);
      }
      case 'slack.bookmark':
        return this.simple(api, 'bookmarks.add', { channel_id: args.channel, title: args.title, type: 'link', link: args.link }, (d) => ({ bookmarkId: (d.bookmark as Args | undefined)?.id }));
      case 'slack.archive': {
        const r = await api.call('conversations.archive', { channel: args.channel });
        if (r.ok || r.code === 'already_archived') return { kind: 'sent', result: { channel: args.channel, archived: true } };
        return failed(r);
      }
      default:
        return { kind: 'permanent', code: 'unknown_op', message: `Incident Commander does not know how to do '${item.op}' in Slack.` };
    }
  }

  /** Undefined: certainly not delivered. Throws when Slack could not be asked, so the outbox asks again later. */
  async findDelivered(item: OutboxItem, args: Args): Promise<Record<string, unknown> | undefined> {
    const api = await this.api();
    if (!api) throw new Error('Slack is not connected; cannot check for an earlier delivery yet.');
    if (item.op === 'slack.postMessage') return this.findMessage(api, item, args);
    if (item.op === 'slack.bookmark') {
      const r = await api.call('bookmarks.list', { channel_id: args.channel });
      if (!r.ok) throw new Error(`Could not check Slack for an earlier bookmark (${r.code}); will try again.`);
      const found = ((r.data.bookmarks as Args[] | undefined) ?? []).find((b) => b.link === args.link && b.title === args.title);
      return found ? { bookmarkId: found.id } : undefined;
    }
    if (item.op === 'slack.createChannel') return this.findChannel(api, item, args);
    // The other operations are idempotent: doing them again changes nothing (or is answered
    // already_in_channel / already_pinned / already_archived, taken as done).
    return undefined;
  }

  /**
   * A creation whose reply was lost may have made the channel: look for one of the names it would have
   * taken, created by this bot no earlier than the item, before making another.
   */
  private async findChannel(api: SlackApi, item: OutboxItem, args: Args): Promise<Record<string, unknown> | undefined> {
    const me = await api.call('auth.test');
    if (!me.ok) throw new Error(`Could not check Slack for an earlier channel (${me.code}); will try again.`);
    const names = new Set(Array.from({ length: NAME_ATTEMPTS }, (_, i) => suffixed(str(args.name), i)));
    const since = Math.floor(Date.parse(item.createdAt) / 1000) - 5;
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const r = await api.call('conversations.list', { types: 'public_channel,private_channel', exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) });
      if (!r.ok) throw new Error(`Could not check Slack for an earlier channel (${r.code}); will try again.`);
      for (const c of (r.data.channels as Args[] | undefined) ?? []) {
        if (names.has(str(c.name)) && c.creator === me.data.user_id && Number(c.created ?? 0) >= since) return { channel: { id: c.id, name: c.name } };
      }
      cursor = (r.data.response_metadata as { next_cursor?: string } | undefined)?.next_cursor || undefined;
      if (!cursor) break;
    }
    return undefined;
  }

  private async simple(api: SlackApi, method: string, args: Args, result: (data: Args) => Args): Promise<SendOutcome> {
    const r = await api.call(method, args);
    return r.ok ? { kind: 'sent', result: result(r.data) } : failed(r);
  }

  private async createChannel(api: SlackApi, args: Args): Promise<SendOutcome> {
    const base = str(args.name);
    for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
      const name = suffixed(base, attempt);
      const r = await api.call('conversations.create', { name, is_private: args.is_private === true });
      if (r.ok) {
        const channel = r.data.channel as Args;
        return { kind: 'sent', result: { channel: { id: channel.id, name: channel.name } } };
      }
      if (r.code !== 'name_taken') return failed(r);
    }
    return { kind: 'permanent', code: 'name_taken', message: `The channel names ${base} to ${suffixed(base, NAME_ATTEMPTS - 1)} are all taken; edit the name and retry.` };
  }

  private async invite(api: SlackApi, args: Args): Promise<SendOutcome> {
    const users = new Set<string>(Array.isArray(args.users) ? (args.users as string[]) : []);
    const unknown: string[] = [];
    const emails = Array.isArray(args.emails) ? (args.emails as string[]) : [];
    // The look-ups do not depend on each other: one round trip for all of them.
    const lookups = await Promise.all(emails.map((email) => api.call('users.lookupByEmail', { email })));
    for (const [i, r] of lookups.entries()) {
      if (r.ok) users.add(str((r.data.user as Args | undefined)?.id));
      else if (r.code === 'users_not_found') unknown.push(emails[i]);
      else return failed(r);
    }
    if (users.size > 0) {
      const r = await api.call('conversations.invite', { channel: args.channel, users: [...users].join(',') });
      if (!r.ok && r.code !== 'already_in_channel' && r.code !== 'cant_invite_self') return failed(r);
    }
    return { kind: 'sent', result: { channel: args.channel, invited: [...users], unknownEmails: unknown } };
  }

  private async post(api: SlackApi, item: OutboxItem, args: Args): Promise<SendOutcome> {
    const metadata = { event_type: METADATA_EVENT_TYPE, event_payload: { item_id: item.id, incident_id: item.incidentId } };
    // An announcement made before the channel existed links it once it does.
    const link = typeof args.linkChannel === 'string' && /^[CG][A-Z0-9]+$/.test(args.linkChannel) ? `\nFollow along in <#${args.linkChannel}>.` : '';
    const r = await api.call('chat.postMessage', {
      channel: args.channel,
      text: str(args.text) + link,
      ...(args.blocks ? { blocks: args.blocks } : {}),
      ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}),
      unfurl_links: false,
      metadata,
    });
    return r.ok ? { kind: 'sent', result: { channel: r.data.channel, ts: r.data.ts } } : failed(r);
  }

  private async findMessage(api: SlackApi, item: OutboxItem, args: Args): Promise<Record<string, unknown> | undefined> {
    const inThread = typeof args.thread_ts === 'string' && args.thread_ts;
    const r = inThread
      ? await api.call('conversations.replies', { channel: args.channel, ts: args.thread_ts, include_all_metadata: true, limit: 200 })
      : await api.call('conversations.history', { channel: args.channel, include_all_metadata: true, limit: 200 });
    if (!r.ok) throw new Error(`Could not check Slack for an earlier delivery (${r.code}); will try again.`);
    for (const m of (r.data.messages as Args[] | undefined) ?? []) {
      const meta = m.metadata as { event_type?: string; event_payload?: { item_id?: string } } | undefined;
      if (meta?.event_type === METADATA_EVENT_TYPE && meta.event_payload?.item_id === item.id) {
        return { channel: (r.data.channel as string | undefined) ?? args.channel, ts: m.ts };
      }
    }
    return undefined;
  }
}

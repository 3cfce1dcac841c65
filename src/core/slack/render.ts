/** What the incident looks like in Slack: channel names, the topic, the headline message, summaries. */
import type { Incident } from '../incident/types';
import { escapeMrkdwn, link } from './mrkdwn';

export const DEFAULT_CHANNEL_TEMPLATE = 'inc-{date}-{slug}';
export const CHANNEL_NAME_MAX = 80;

/** Lowercase letters, digits, '-' and '_' only: what Slack accepts in a channel name. */
export function slugify(text: string, max = 40): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  return slug.slice(0, max).replace(/[-_]+$/g, '');
}

/**
 * Fills a template such as `inc-{date}-{slug}` ({date} yyyymmdd of the declaration, {id} the incident id,
 * {n} its number of the day, {slug} the title, {severity}) and makes the result a valid channel name.
 * `attempt` > 0 adds a suffix (-2, -3, ...) for when the name is taken.
 */
export function channelName(template: string, incident: Incident, attempt = 0): string {
  const m = /^INC-(\d{8})-(\d+)$/.exec(incident.id);
  const date = m?.[1] ?? incident.timestamps.declared.slice(0, 10).replace(/-/g, '');
  const values: Record<string, string> = {
    date,
    id: incident.id.toLowerCase(),
    n: m?.[2] ?? '1',
    slug: slugify(incident.title) || 'incident',
    severity: (incident.severity ?? '').toLowerCase(),
  };
  const filled = (template.trim() || DEFAULT_CHANNEL_TEMPLATE).replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
  const suffix = attempt > 0 ? `-${attempt + 1}` : '';
  let name = slugify(filled, CHANNEL_NAME_MAX) || `inc-${date}`;
  name = name.slice(0, CHANNEL_NAME_MAX - suffix.length).replace(/[-_]+$/g, '');
  return name + suffix;
}

/** "SEV2 · active · IC alice" (Slack topics are plain text, at most 250 characters). */
export function channelTopic(incident: Incident): string {
  const parts = [incident.severity ?? 'SEV?', incident.status];
  if (incident.roles.commander) parts.push(`IC ${incident.roles.commander}`);
  const topic = `${parts.join(' · ')} · ${incident.title}`;
  return topic.length > 250 ? `${topic.slice(0, 249)}…` : topic;
}

export interface HeadlineOptions {
  readonly nextUpdateDue?: Date;
  readonly now?: Date;
}

type Block = Record<string, unknown>;

const field = (label: string, value: string): Block => ({ type: 'mrkdwn', text: `*${label}*\n${value}` });

function utc(d: Date): string {
  return `${d.toISOString().slice(11, 16)} UTC`;
}

/** The pinned headline: title, severity, status, IC, services, bridge, next update due. */
export function headlineMessage(incident: Incident, options: HeadlineOptions = {}): { text: string; blocks: Block[] } {
  const title = escapeMrkdwn(incident.title);
  const severity = incident.severity ?? 'SEV?';
  const ic = incident.roles.commander ? escapeMrkdwn(incident.roles.commander) : 'not assigned';
  const services = incident.services.length ? escapeMrkdwn(incident.services.join(', ')) : 'not known yet';
  const bridge = incident.bridge.url ? link(incident.bridge.url, 'Join the bridge') : incident.bridge.needed === false ? 'not needed' : 'none yet';
  const fields = [
    field('Severity', severity),
    field('Status', incident.status),
    field('Incident commander', ic),
    field('Impacted services', services),
    field('Bridge', bridge),
    field('Next update due', options.nextUpdateDue ? utc(options.nextUpdateDue) : incident.status === 'resolved' || incident.status === 'closed' ? 'none' : 'not scheduled'),
  ];
  const header = `${incident.id}: ${incident.title}`;
  return {
    text: `${escapeMrkdwn(incident.id)} · ${severity} · ${incident.status}: ${title}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header.length > 150 ? `${header.slice(0, 149)}…` : header, emoji: true } },
      { type: 'section', fields },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Declared ${utc(new Date(incident.timestamps.declared))} · kept current by Incident Commander` }] },
    ],
  };
}

export type UpdateKind = 'status' | 'tce';

/** A status update or a technical customer escalation (TCE) as posted. */
export function updateText(incident: Incident, text: string, kind: UpdateKind = 'status'): string {
  const label = kind === 'tce' ? 'Technical customer escalation' : 'Status update';
  return `*${label}* · ${escapeMrkdwn(incident.id)} · ${incident.severity ?? 'SEV?'} · ${incident.status}\n${escapeMrkdwn(text)}`;
}

export function announcementText(incident: Incident, text: string | undefined, channelMention: string | undefined): string {
  const head = `:rotating_light: *${escapeMrkdwn(incident.id)}* · ${incident.severity ?? 'SEV?'} · ${incident.status}: ${escapeMrkdwn(incident.title)}`;
  const body = text?.trim() ? `\n${escapeMrkdwn(text.trim())}` : '';
  const where = channelMention ? `\nFollow along in ${channelMention}.` : '';
  return head + body + where;
}

export const REPLY_TEMPLATES = {
  customer: 'Thanks for reporting this. We are investigating it as incident {id} and will keep you posted here.',
  owner: 'Thanks. We have begun the incident management process for this as {id} ({severity}).',
} as const;

export type ReplyTemplate = keyof typeof REPLY_TEMPLATES;

export function replyText(incident: Incident, template: ReplyTemplate, custom?: string): string {
  const raw = custom?.trim() || REPLY_TEMPLATES[template];
  return escapeMrkdwn(raw.replace(/\{id\}/g, incident.id).replace(/\{severity\}/g, incident.severity ?? 'severity not set yet').replace(/\{title\}/g, incident.title));
}

export function closingSummary(incident: Incident): string {
  const lines = [
    `*${escapeMrkdwn(incident.id)} is ${incident.status}.* ${escapeMrkdwn(incident.title)}`,
    `Severity ${incident.severity ?? 'not set'} · declared ${utc(new Date(incident.timestamps.declared))}` +
      (incident.timestamps.mitigated ? ` · mitigated ${utc(new Date(incident.timestamps.mitigated))}` : '') +
      (incident.timestamps.resolved ? ` · resolved ${utc(new Date(incident.timestamps.resolved))}` : ''),
  ];
  if (incident.problemRecord) lines.push(`Problem record: ${link(incident.problemRecord)}`);
  lines.push('This channel is being archived. Thank you, everyone.');
  return lines.join('\n');
}

/** Parses a Slack message permalink (https://x.slack.com/archives/C123/p1733300000000100[?thread_ts=...]). */
export function parsePermalink(permalink: string): { channel: string; ts: string; threadTs?: string } | undefined {
  const m = /\/archives\/([CGD][A-Z0-9]+)\/p(\d{10})(\d{6})(?:\?(.*))?$/.exec(permalink.trim());
  if (!m) return undefined;
  const ts = `${m[2]}.${m[3]}`;
  const threadTs = m[4] ? new URLSearchParams(m[4]).get('thread_ts') ?? undefined : undefined;
  return { channel: m[1], ts, ...(threadTs ? { threadTs } : {}) };
}

/** Pure functions over the incident record: declaring, changing, validating. No I/O here. */
import { IncidentError } from '../errors';
import {
  Change,
  CUSTOMER_IMPACTS,
  CustomerImpact,
  DeclareInput,
  FieldChanges,
  Incident,
  INCIDENT_SCHEMA_VERSION,
  REPORTER_KINDS,
  Reporter,
  ROLES,
  SEVERITIES,
  STATUSES,
  Severity,
  Status,
  TIMELINE_SCHEMA_VERSION,
  TimelineEvent,
  TimelineEventType,
  Timestamps,
} from './types';

export const MAX_TITLE_LENGTH = 2000;
export const MAX_NOTE_LENGTH = 100_000;

export function isStatus(v: unknown): v is Status {
  return typeof v === 'string' && (STATUSES as readonly string[]).includes(v);
}

export function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}

/** Accepts "SEV2", "sev2", "2" and 2. */
export function parseSeverity(v: unknown): Severity | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) v = String(v);
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toUpperCase();
  const candidate = /^\d$/.test(s) ? `SEV${s}` : s;
  return isSeverity(candidate) ? candidate : undefined;
}

function requireText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string') throw new IncidentError(`${what} must be text.`, 'invalid-input');
  if (value.trim().length === 0) throw new IncidentError(`${what} cannot be empty.`, 'invalid-input');
  if (value.length > max) throw new IncidentError(`${what} is ${value.length} characters long; at most ${max} are kept.`, 'invalid-input');
  return value;
}

function list(value: unknown, what: string): string[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((s) => typeof s !== 'string')) {
    throw new IncidentError(`${what} must be a list of names.`, 'invalid-input');
  }
  const seen = new Set<string>();
  for (const s of items as string[]) {
    const t = s.trim();
    if (t) seen.add(t);
  }
  return [...seen];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new IncidentError(`${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)}).`, 'invalid-input');
}

function normalizeReporter(value: unknown): Reporter | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { kind: oneOf(value, REPORTER_KINDS, 'The reporter') };
  if (typeof value === 'object') {
    const r = value as Record<string, unknown>;
    const reporter: Reporter = { kind: oneOf(r.kind, REPORTER_KINDS, 'The reporter kind') };
    return {
      ...reporter,
      ...(typeof r.name === 'string' && r.name.trim() ? { name: r.name.trim() } : {}),
      ...(typeof r.link === 'string' && r.link.trim() ? { link: r.link.trim() } : {}),
    };
  }
  throw new IncidentError('The reporter must be customer, service-owner or alert.', 'invalid-input');
}

function event(type: TimelineEventType, actor: string, at: string, data: Record<string, unknown>): TimelineEvent {
  return { v: TIMELINE_SCHEMA_VERSION, at, actor, type, data };
}

export interface Applied {
  readonly incident: Incident;
  readonly events: readonly TimelineEvent[];
}

/** Builds a new incident record; throws IncidentError for input a person must correct. */
export function declareIncident(
  input: DeclareInput,
  id: string,
  actor: string,
  now: Date,
  playbook: { id: string; version: string },
): Applied {
  const title = requireText(input?.title, 'The incident title', MAX_TITLE_LENGTH).trim();
  if (input.severity !== undefined && !isSeverity(input.severity)) {
    throw new IncidentError(`The severity must be one of ${SEVERITIES.join(', ')}.`, 'invalid-input');
  }
  const customerImpact =
    input.customerImpact === undefined ? undefined : oneOf<CustomerImpact>(input.customerImpact, CUSTOMER_IMPACTS, 'The customer impact');
  if (input.production !== undefined && typeof input.production !== 'boolean') {
    throw new IncidentError('production must be true or false.', 'invalid-input');
  }
  const at = now.toISOString();
  const commander = typeof input.commander === 'string' && input.commander.trim() ? input.commander.trim() : actor;
  const incident: Incident = {
    schemaVersion: INCIDENT_SCHEMA_VERSION,
    id,
    title,
    status: 'triage',
    ...(input.severity ? { severity: input.severity } : {}),
    ...(input.production !== undefined ? { production: input.production } : {}),
    bridge: {},
    services: input.services ? list(input.services, 'The impacted services') : [],
    locations: [],
    ...(customerImpact ? { customerImpact } : {}),
    ...(input.reporter !== undefined ? { reporter: normalizeReporter(input.reporter) } : {}),
    roles: { commander },
    timestamps: { declared: at },
    steps: {},
    playbook: { id: playbook.id, version: playbook.version },
    revision: 1,
    updatedAt: at,
  };
  const data: Record<string, unknown> = { title, commander };
  if (incident.severity) data.severity = incident.severity;
  if (incident.services.length) data.services = incident.services;
  if (incident.reporter) data.reporter = incident.reporter;
  if (incident.production !== undefined) data.production = incident.production;
  if (incident.customerImpact) data.customerImpact = incident.customerImpact;
  return { incident, events: [event('declared', actor, at, data)] };
}

const STATUS_TIMESTAMP: Partial<Record<Status, keyof Timestamps>> = {
  mitigated: 'mitigated',
  resolved: 'resolved',
  closed: 'closed',
};

/**
 * Applies one change to the latest record. Returns the same record and no events when the change
 * changes nothing (ticking a step that is already ticked), so a repeated command writes nothing.
 * `knownStep` says whether a step id exists in the incident's playbook.
 */
export function applyChange(incident: Incident, change: Change, actor: string, now: Date, knownStep: (id: string) => boolean): Applied {
  const at = now.toISOString();
  const bump = (next: Omit<Incident, 'revision' | 'updatedAt'>, events: TimelineEvent[]): Applied => ({
    incident: { ...next, revision: incident.revision + 1, updatedAt: at },
    events,
  });
  const unchanged: Applied = { incident, events: [] };

  switch (change?.kind) {
    case 'acknowledge': {
      if (incident.timestamps.acknowledged) return unchanged;
      const status = incident.status === 'triage' ? 'active' : incident.status;
      const events = [event('acknowledged', actor, at, {})];
      if (status !== incident.status) events.push(event('status-changed', actor, at, { from: incident.status, to: status }));
      return bump({ ...incident, status, timestamps: { ...incident.timestamps, acknowledged: at } }, events);
    }
    case 'setStatus': {
      const status = oneOf(change.status, STATUSES, 'The status');
      if (status === incident.status) return unchanged;
      const timestamps: Record<string, string | undefined> = { ...incident.timestamps };
      const key = STATUS_TIMESTAMP[status];
      if (key && !timestamps[key]) timestamps[key] = at;
      // Resolving implies mitigation; closing implies resolution. Fill what was skipped, keep what was set.
      if ((status === 'resolved' || status === 'closed') && !timestamps.mitigated) timestamps.mitigated = at;
      if (status === 'closed' && !timestamps.resolved) timestamps.resolved = at;
      if (status !== 'triage' && !timestamps.acknowledged) timestamps.acknowledged = at;
      return bump({ ...incident, status, timestamps: timestamps as unknown as Timestamps }, [
        event('status-changed', actor, at, { from: incident.status, to: status }),
      ]);
    }
    case 'setSeverity': {
      const severity = parseSeverity(change.severity);
      if (!severity) throw new IncidentError(`The severity must be one of ${SEVERITIES.join(', ')} (got ${JSON.stringify(change.severity)}).`, 'invalid-input');
      if (severity === incident.severity) return unchanged;
      const data: Record<string, unknown> = { from: incident.severity ?? null, to: severity };
      if (change.reason?.trim()) data.reason = change.reason.trim();
      return bump({ ...incident, severity }, [event('severity-changed', actor, at, data)]);
    }
    case 'toggleStep': {
      if (typeof change.stepId !== 'string' || !knownStep(change.stepId)) {
        throw new IncidentError(`There is no step '${String(change.stepId)}' in the playbook of ${incident.id}.`, 'unknown-step');
      }
      if (typeof change.done !== 'boolean') throw new IncidentError('done must be true or false.', 'invalid-input');
      const before = incident.steps[change.stepId];
      const note = change.note?.trim() ? requireText(change.note, 'The note', MAX_NOTE_LENGTH) : undefined;
      if ((before?.done ?? false) === change.done && !note) return unchanged;
      const state = { done: change.done, by: actor, at, ...(note ? { note } : {}) };
      const data: Record<string, unknown> = { stepId: change.stepId, done: change.done };
      if (note) data.note = note;
      return bump({ ...incident, steps: { ...incident.steps, [change.stepId]: state } }, [event('step-toggled', actor, at, data)]);
    }
    case 'addNote': {
      const text = requireText(change.text, 'The note', MAX_NOTE_LENGTH);
      if (change.stepId !== undefined && !knownStep(change.stepId)) {
        throw new IncidentError(`There is no step '${change.stepId}' in the playbook of ${incident.id}.`, 'unknown-step');
      }
      return bump(incident, [event('note-added', actor, at, { text, ...(change.stepId ? { stepId: change.stepId } : {}) })]);
    }
    case 'assignRole': {
      const role = oneOf(change.role, ROLES, 'The role');
      const person = requireText(change.person, 'The person', 200).trim();
      if (incident.roles[role] === person) return unchanged;
      return bump({ ...incident, roles: { ...incident.roles, [role]: person } }, [
        event('role-assigned', actor, at, { role, from: incident.roles[role] ?? null, to: person }),
      ]);
    }
    case 'setFields':
      return applyFields(incident, change.fields, actor, at, bump, unchanged);
    default:
      throw new IncidentError(`Unknown change ${JSON.stringify((change as { kind?: unknown })?.kind)}.`, 'invalid-input');
  }
}

function applyFields(
  incident: Incident,
  fields: FieldChanges,
  actor: string,
  at: string,
  bump: (next: Omit<Incident, 'revision' | 'updatedAt'>, events: TimelineEvent[]) => Applied,
  unchanged: Applied,
): Applied {
  if (!fields || typeof fields !== 'object') throw new IncidentError('Nothing to change was given.', 'invalid-input');
  let next: Incident = incident;
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  const set = <K extends keyof Incident>(key: K, value: Incident[K], label = key as string) => {
    if (JSON.stringify(next[key]) === JSON.stringify(value)) return;
    changed[label] = { from: next[key] ?? null, to: value ?? null };
    next = { ...next, [key]: value };
  };
  if (fields.title !== undefined) set('title', requireText(fields.title, 'The incident title', MAX_TITLE_LENGTH).trim());
  if (fields.production !== undefined) {
    if (typeof fields.production !== 'boolean') throw new IncidentError('production must be true or false.', 'invalid-input');
    set('production', fields.production);
  }
  if (fields.bridgeNeeded !== undefined || fields.bridgeUrl !== undefined) {
    if (fields.bridgeNeeded !== undefined && typeof fields.bridgeNeeded !== 'boolean') {
      throw new IncidentError('bridge needed must be true or false.', 'invalid-input');
    }
    const url = fields.bridgeUrl === undefined ? next.bridge.url : fields.bridgeUrl.trim() || undefined;
    if (url !== undefined && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(url)) {
      throw new IncidentError(`The bridge URL '${url}' is not a URL (e.g. https://meet.example.com/abc or tel:+15551234).`, 'invalid-input');
    }
    const needed = fields.bridgeNeeded ?? (url ? true : next.bridge.needed);
    set('bridge', { ...(needed !== undefined ? { needed } : {}), ...(url ? { url } : {}) });
  }
  if (fields.services !== undefined) set('services', list(fields.services, 'The impacted services'));
  if (fields.locations !== undefined) set('locations', list(fields.locations, 'The clusters and datacenters'));
  if (fields.customerImpact !== undefined) set('customerImpact', oneOf(fields.customerImpact, CUSTOMER_IMPACTS, 'The customer impact'));
  if (fields.reporter !== undefined) set('reporter', normalizeReporter(fields.reporter));
  if (fields.problemRecord !== undefined) set('problemRecord', requireText(fields.problemRecord, 'The problem record', 2000).trim());
  if (fields.slack !== undefined) {
    if (!fields.slack || typeof fields.slack !== 'object') throw new IncidentError('The Slack link must be an object.', 'invalid-input');
    const merged = { ...next.slack, ...fields.slack };
    for (const [k, val] of Object.entries(merged)) if (val === undefined) delete (merged as Record<string, unknown>)[k];
    set('slack', merged);
  }
  const keys = Object.keys(changed);
  if (keys.length === 0) return unchanged;
  return bump(next, keys.map((field) => event('field-changed', actor, at, { field, ...changed[field] })));
}

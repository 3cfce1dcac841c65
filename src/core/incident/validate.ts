/** Checks a parsed incident.json before it is trusted. Unknown extra fields are kept (written by a newer minor version). */
import * as v from 'valibot';
import { CUSTOMER_IMPACTS, Incident, INCIDENT_SCHEMA_VERSION, REPORTER_KINDS, SEVERITIES, STATUSES } from './types';

const text = v.string();
const optionalText = v.optional(v.string());

const IncidentSchema = v.looseObject({
  schemaVersion: v.literal(INCIDENT_SCHEMA_VERSION),
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)),
  title: text,
  status: v.picklist(STATUSES),
  severity: v.optional(v.picklist(SEVERITIES)),
  production: v.optional(v.boolean()),
  bridge: v.looseObject({ needed: v.optional(v.boolean()), url: optionalText }),
  services: v.array(text),
  locations: v.array(text),
  customerImpact: v.optional(v.picklist(CUSTOMER_IMPACTS)),
  reporter: v.optional(v.looseObject({ kind: v.picklist(REPORTER_KINDS), name: optionalText, link: optionalText })),
  roles: v.record(v.string(), v.string()),
  timestamps: v.looseObject({
    declared: text,
    acknowledged: optionalText,
    mitigated: optionalText,
    resolved: optionalText,
    closed: optionalText,
  }),
  steps: v.record(v.string(), v.looseObject({ done: v.boolean(), by: optionalText, at: optionalText, note: optionalText })),
  playbook: v.looseObject({ id: text, version: text }),
  problemRecord: optionalText,
  slack: v.optional(
    v.looseObject({ channelId: optionalText, channelName: optionalText, headlineTs: optionalText, archived: v.optional(v.boolean()), lastUpdateAt: optionalText }),
  ),
  revision: v.pipe(v.number(), v.integer(), v.minValue(1)),
  updatedAt: text,
});

export type IncidentCheck = { ok: true; incident: Incident } | { ok: false; reason: string; newer?: boolean };

export function checkIncident(value: unknown): IncidentCheck {
  if (value && typeof value === 'object' && typeof (value as { schemaVersion?: unknown }).schemaVersion === 'number') {
    const version = (value as { schemaVersion: number }).schemaVersion;
    if (version > INCIDENT_SCHEMA_VERSION) {
      return { ok: false, newer: true, reason: `it has schema version ${version}, written by a newer Incident Commander; this one reads ${INCIDENT_SCHEMA_VERSION}` };
    }
  }
  const result = v.safeParse(IncidentSchema, value);
  if (result.success) return { ok: true, incident: result.output as unknown as Incident };
  const issue = result.issues[0];
  const where = issue.path?.map((p) => String(p.key)).join('.') || 'the top level';
  return { ok: false, reason: `${where}: ${issue.message}` };
}

/** The incident record: what is stored in `.incidents/<id>/incident.json`. */

export const INCIDENT_SCHEMA_VERSION = 1;
export const TIMELINE_SCHEMA_VERSION = 1;

export const STATUSES = ['triage', 'active', 'mitigated', 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const REPORTER_KINDS = ['customer', 'service-owner', 'alert'] as const;
export type ReporterKind = (typeof REPORTER_KINDS)[number];

export const CUSTOMER_IMPACTS = ['none', 'internal', 'external'] as const;
export type CustomerImpact = (typeof CUSTOMER_IMPACTS)[number];

export const ROLES = ['commander', 'deputy', 'scribe', 'comms'] as const;
export type Role = (typeof ROLES)[number];

/** Statuses in which an incident still needs its commander. */
export const OPEN_STATUSES: readonly Status[] = ['triage', 'active', 'mitigated'];

export interface StepState {
  readonly done: boolean;
  readonly by?: string;
  readonly at?: string;
  readonly note?: string;
}

export interface Reporter {
  readonly kind: ReporterKind;
  readonly name?: string;
  /** Where the report came from: a Slack permalink, a ticket, an alert URL. */
  readonly link?: string;
}

export interface SlackLink {
  readonly channelId?: string;
  readonly channelName?: string;
  /** The pinned headline message kept current. */
  readonly headlineTs?: string;
  readonly archived?: boolean;
  /** When the last update was posted (for "next update due"). */
  readonly lastUpdateAt?: string;
}

export interface Timestamps {
  readonly declared: string;
  readonly acknowledged?: string;
  readonly mitigated?: string;
  readonly resolved?: string;
  readonly closed?: string;
}

export interface Incident {
  readonly schemaVersion: typeof INCIDENT_SCHEMA_VERSION;
  readonly id: string;
  readonly title: string;
  readonly status: Status;
  readonly severity?: Severity;
  readonly production?: boolean;
  readonly bridge: { readonly needed?: boolean; readonly url?: string };
  readonly services: readonly string[];
  /** Clusters and datacenters. */
  readonly locations: readonly string[];
  readonly customerImpact?: CustomerImpact;
  readonly reporter?: Reporter;
  /** commander, deputy, scribe, comms: a person's name or handle each. */
  readonly roles: Readonly<Partial<Record<Role, string>>>;
  readonly timestamps: Timestamps;
  /** Checklist state by step id. */
  readonly steps: Readonly<Record<string, StepState>>;
  readonly playbook: { readonly id: string; readonly version: string };
  readonly problemRecord?: string;
  /** The incident's Slack channel, once created. */
  readonly slack?: SlackLink;
  /** Increases by one with every change written; lets readers tell old from new. */
  readonly revision: number;
  readonly updatedAt: string;
}

export type TimelineEventType =
  | 'declared'
  | 'acknowledged'
  | 'status-changed'
  | 'severity-changed'
  | 'step-toggled'
  | 'note-added'
  | 'role-assigned'
  | 'field-changed';

/** One line of `timeline.jsonl`. Append-only. */
export interface TimelineEvent {
  readonly v: typeof TIMELINE_SCHEMA_VERSION;
  readonly at: string;
  readonly actor: string;
  readonly type: TimelineEventType;
  readonly data: Readonly<Record<string, unknown>>;
}

/** What a person gives when declaring an incident. */
export interface DeclareInput {
  readonly title: string;
  readonly severity?: Severity;
  readonly services?: readonly string[];
  readonly reporter?: ReporterKind | Reporter;
  readonly production?: boolean;
  readonly customerImpact?: CustomerImpact;
  readonly commander?: string;
}

/** The editable plain fields. */
export interface FieldChanges {
  readonly title?: string;
  readonly production?: boolean;
  readonly bridgeNeeded?: boolean;
  readonly bridgeUrl?: string;
  readonly services?: readonly string[];
  readonly locations?: readonly string[];
  readonly customerImpact?: CustomerImpact;
  readonly reporter?: Reporter;
  readonly problemRecord?: string;
  /** Merged into what is recorded of the Slack channel. */
  readonly slack?: SlackLink;
}

/** Every way an incident can change. The store applies one at a time, under a lock, to the latest record. */
export type Change =
  | { readonly kind: 'acknowledge' }
  | { readonly kind: 'setStatus'; readonly status: Status }
  | { readonly kind: 'setSeverity'; readonly severity: Severity; readonly reason?: string }
  | { readonly kind: 'toggleStep'; readonly stepId: string; readonly done: boolean; readonly note?: string }
  | { readonly kind: 'addNote'; readonly text: string; readonly stepId?: string }
  | { readonly kind: 'assignRole'; readonly role: Role; readonly person: string }
  | { readonly kind: 'setFields'; readonly fields: FieldChanges };

/**
 * The durable outbox's data: an item is one call that changes something outside (a Slack post, later a
 * PagerDuty call), written to `<root>/<incidentId>/outbox.jsonl` before it is sent. See outbox.ts for the design.
 */

export type OutboxItemState = 'pending' | 'sending' | 'sent' | 'failed' | 'discarded';

/** Why the last attempt did not succeed. */
export interface OutboxItemError {
  readonly code: string;
  readonly message: string;
  /** The service refused it for good (invalid_auth, channel_not_found, a bad reference): a person must act. */
  readonly permanent: boolean;
  readonly at: string;
  /**
   * The request may have reached the service (a timeout, a lost reply, a thrown exception): before the next
   * attempt the sender's findDelivered is consulted. False when the service certainly did not act (429, refused).
   */
  readonly uncertain?: boolean;
  /** The service asked to wait this long (HTTP 429 Retry-After): the whole lane waits. */
  readonly retryAfterMs?: number;
}

/** A reference, inside args, to a result of an earlier item: `{ $ref: '<item id>', path: 'channel.id' }`. */
export interface OutboxRef {
  readonly $ref: string;
  /** Dotted path into the referenced item's result; absent: the whole result. */
  readonly path?: string;
}

/** What enqueue is given. */
export interface OutboxItemInput {
  /** Items with the same lane go one at a time, in order ('slack:C123', 'slack:incident:INC-…'). */
  readonly lane: string;
  /** What the sender does, e.g. 'slack.postMessage'. */
  readonly op: string;
  /** JSON; may hold OutboxRef objects, resolved at send time from the referenced items' results. */
  readonly args: Readonly<Record<string, unknown>>;
  /** For people: "Update to #inc-…: Rolled back". */
  readonly summary: string;
  /** Pacing of this item's lane: at least this long after the lane's previous attempt (1000 for Slack posts). */
  readonly minIntervalMs?: number;
}

/** The part of an item written in its `enqueued` line; never changes except args/summary by `edited`. */
export interface OutboxItemBase extends OutboxItemInput {
  /** Unique and sortable (`<time36>-<seq36>-<random>`); also the idempotency key the sender may pass on. */
  readonly id: string;
  readonly incidentId: string;
  readonly createdAt: string;
}

export interface OutboxItem extends OutboxItemBase {
  readonly state: OutboxItemState;
  /** Sends started (`attempt` lines); findDelivered checks are not counted. */
  readonly attempts: number;
  /** Set while pending after a retryable failure: not sent before this. */
  readonly nextAttemptAt?: string;
  readonly lastError?: OutboxItemError;
  /** What the service answered (e.g. { channel, ts }); what references to this item read. */
  readonly result?: Readonly<Record<string, unknown>>;
  /** Sent, and known so by the sender's findDelivered after a crash or a lost reply (not sent again). */
  readonly recovered?: boolean;
  // Derived by Outbox.items() (not in the log):
  /** It cannot go on until a person acts on another item: the failed head of its lane, or a failed referenced item. */
  readonly blockedBy?: { readonly id: string; readonly reason: string };
  /** Failed, blocked, or tried at least maxAttemptsBeforeAttention times without success. */
  readonly needsAttention?: boolean;
}

export type SendOutcome =
  | { kind: 'sent'; result: Record<string, unknown> }
  /**
   * Network error, 5xx, 429. `delivered`: 'no' when the service certainly did not act (429, connection refused),
   * so no findDelivered check is needed before the next attempt; 'unknown' (the default) otherwise.
   */
  | { kind: 'retry'; code: string; message: string; retryAfterMs?: number; delivered?: 'no' | 'unknown' }
  /** invalid_auth, channel_not_found, ...: the item fails and blocks its lane until a person acts. */
  | { kind: 'permanent'; code: string; message: string };

export interface OutboxSender {
  /** `args` are the item's args with references resolved. A throw counts as a retry with an unknown delivery. */
  send(item: OutboxItem, args: Record<string, unknown>): Promise<SendOutcome>;
  /**
   * Exactly once: for an item found 'sending' after a crash or reload, or after a lost reply, looks for it at the
   * destination (e.g. by message metadata carrying item.id); returns its result if it was delivered.
   * Without it, such an item is sent again (at least once; item.id remains an idempotency key).
   */
  findDelivered?(item: OutboxItem, args: Record<string, unknown>): Promise<Record<string, unknown> | undefined>;
}

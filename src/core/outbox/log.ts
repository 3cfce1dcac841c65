/**
 * The outbox's file format: `<root>/<incidentId>/outbox.jsonl`, append-only, one JSON object a line, each with
 * `v: 1` and a `type`:
 *   enqueued         { item }                    the whole item as given (id, incidentId, lane, op, args, summary, createdAt, minIntervalMs?)
 *   attempt          { id, at }                  a send is starting (written and flushed before the request goes out)
 *   sent             { id, at, result, recovered? }  the service took it (recovered: found by findDelivered, not re-sent)
 *   retry-scheduled  { id, at, error, nextAttemptAt }  a retryable failure; not tried again before nextAttemptAt
 *   failed           { id, at, error }           a permanent failure: the lane waits for a person
 *   requeued         { id, at }                  a person's "retry" (failed → pending, or pending: now, without waiting)
 *   edited           { id, at, args?, summary? } a person's correction of a pending or failed item (a failed one becomes pending)
 *   discarded        { id, at }                  a person dropped it
 * The state of an item is the fold of its lines (replay). An item whose last line is `attempt` is 'sending': it was
 * in flight when its writer stopped (or is in flight now, in the writer's process). Lines that are torn or junk are
 * skipped and reported, never rewritten; a line of a newer `v` is skipped with that reason.
 * Conflicting lines from two windows resolve the same way everywhere: `sent` wins over everything (it is what
 * happened); `edited`/`requeued`/`discarded` of an item that is already sent are ignored.
 */
import { OutboxItem, OutboxItemBase, OutboxItemError } from './types';

export const OUTBOX_FILE = 'outbox.jsonl';
export const OUTBOX_LOG_VERSION = 1;

export type OutboxEvent =
  | { readonly v: 1; readonly type: 'enqueued'; readonly at: string; readonly item: OutboxItemBase }
  | { readonly v: 1; readonly type: 'attempt'; readonly id: string; readonly at: string }
  | { readonly v: 1; readonly type: 'sent'; readonly id: string; readonly at: string; readonly result: Record<string, unknown>; readonly recovered?: boolean }
  | { readonly v: 1; readonly type: 'retry-scheduled'; readonly id: string; readonly at: string; readonly error: OutboxItemError; readonly nextAttemptAt: string }
  | { readonly v: 1; readonly type: 'failed'; readonly id: string; readonly at: string; readonly error: OutboxItemError }
  | { readonly v: 1; readonly type: 'requeued'; readonly id: string; readonly at: string }
  | { readonly v: 1; readonly type: 'edited'; readonly id: string; readonly at: string; readonly args?: Record<string, unknown>; readonly summary?: string }
  | { readonly v: 1; readonly type: 'discarded'; readonly id: string; readonly at: string };

export type OutboxEventType = OutboxEvent['type'];

/** A line that was not applied. */
export interface SkippedLine {
  readonly line: number;
  readonly reason: string;
}

export function encodeEvent(e: OutboxEvent): string {
  return JSON.stringify(e);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isString = (x: unknown): x is string => typeof x === 'string';
const isTime = (x: unknown): x is string => typeof x === 'string' && !Number.isNaN(Date.parse(x));

function checkError(x: unknown): x is OutboxItemError {
  return isObject(x) && isString(x.code) && isString(x.message) && typeof x.permanent === 'boolean' && isTime(x.at);
}

function checkItem(x: unknown): string | undefined {
  if (!isObject(x)) return 'no item';
  if (!isString(x.id) || !x.id) return 'item without id';
  if (!isString(x.incidentId) || !isString(x.lane) || !x.lane || !isString(x.op) || !x.op || !isString(x.summary)) return 'item without incidentId, lane, op or summary';
  if (!isObject(x.args)) return 'item args are not an object';
  if (!isTime(x.createdAt)) return 'item without createdAt';
  if (x.minIntervalMs !== undefined && !(typeof x.minIntervalMs === 'number' && x.minIntervalMs >= 0)) return 'item with a bad minIntervalMs';
  return undefined;
}

/** Reads one line; an error is the reason to skip it. */
export function parseEventLine(text: string): { ok: true; event: OutboxEvent } | { ok: false; reason: string } {
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'incomplete or invalid JSON (torn by a crash?)' };
  }
  if (!isObject(e) || !isString(e.type)) return { ok: false, reason: 'not an outbox event' };
  if (typeof e.v !== 'number') return { ok: false, reason: 'no version (v)' };
  if (e.v > OUTBOX_LOG_VERSION) return { ok: false, reason: `written by a newer version (v${e.v})` };
  if (e.v !== OUTBOX_LOG_VERSION) return { ok: false, reason: `unknown version v${e.v}` };
  if (!isTime(e.at)) return { ok: false, reason: `${e.type} without a time` };
  if (e.type === 'enqueued') {
    const bad = checkItem(e.item);
    return bad ? { ok: false, reason: bad } : { ok: true, event: e as OutboxEvent };
  }
  if (!isString(e.id)) return { ok: false, reason: `${e.type} without an item id` };
  switch (e.type) {
    case 'attempt':
    case 'requeued':
    case 'discarded':
      return { ok: true, event: e as OutboxEvent };
    case 'sent':
      return isObject(e.result) ? { ok: true, event: e as OutboxEvent } : { ok: false, reason: 'sent without a result' };
    case 'retry-scheduled':
      return checkError(e.error) && isTime(e.nextAttemptAt) ? { ok: true, event: e as OutboxEvent } : { ok: false, reason: 'retry-scheduled without error or nextAttemptAt' };
    case 'failed':
      return checkError(e.error) ? { ok: true, event: e as OutboxEvent } : { ok: false, reason: 'failed without an error' };
    case 'edited':
      if (e.args !== undefined && !isObject(e.args)) return { ok: false, reason: 'edited args are not an object' };
      if (e.summary !== undefined && !isString(e.summary)) return { ok: false, reason: 'edited summary is not text' };
      return { ok: true, event: e as OutboxEvent };
    default:
      return { ok: false, reason: `unknown event type '${e.type}'` };
  }
}

/** An item as replayed, with what the scheduler needs beyond the item itself. */
export interface ReplayRecord {
  item: OutboxItem;
  /** Position of its enqueued line in the log: the order within the incident. */
  readonly seq: number;
  /** The last attempt may have been delivered (it has no outcome yet, or ended in an uncertain retry). */
  uncertain: boolean;
  /** Retries since it was enqueued, requeued or edited: the backoff exponent. */
  retries: number;
}

export interface LaneTiming {
  /** Start of the lane's last attempt (ms): pacing. */
  lastAttemptAt?: number;
  /** A rate limit (retryAfterMs) on the lane: nothing in it goes before this (ms). */
  notBefore?: number;
  /** When that rate limit was recorded (ms). */
  notBeforeSetAt?: number;
}

/** Replays an outbox log incrementally: feed it complete lines as they are read. */
export class OutboxReplay {
  readonly records = new Map<string, ReplayRecord>();
  readonly order: string[] = [];
  readonly skipped: SkippedLine[] = [];
  readonly lanes = new Map<string, LaneTiming>();
  private lineNo = 0;

  /** incidentId: the folder the log lies in; an item that says otherwise is skipped. */
  constructor(readonly incidentId?: string) {}

  get lines(): number {
    return this.lineNo;
  }

  /** Applies whole lines (a trailing line without newline counts as whole). Returns the ids of items that changed. */
  feed(text: string): Set<string> {
    const changed = new Set<string>();
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      this.lineNo++;
      const line = text.slice(start, end).trim();
      start = end + 1;
      if (!line) continue;
      const parsed = parseEventLine(line);
      if (!parsed.ok) {
        this.skipped.push({ line: this.lineNo, reason: parsed.reason });
        continue;
      }
      const result = this.apply(parsed.event);
      if (typeof result === 'object') this.skipped.push({ line: this.lineNo, reason: result.skip });
      else if (result) changed.add(result);
    }
    return changed;
  }

  /** Applies one event: the id it changed, undefined if it changed nothing, or why it was skipped. */
  apply(e: OutboxEvent): string | undefined | { skip: string } {
    if (e.type === 'enqueued') {
      const base = e.item;
      if (this.incidentId !== undefined && base.incidentId !== this.incidentId) return { skip: `item ${base.id} says it belongs to ${base.incidentId}` };
      if (this.records.has(base.id)) return { skip: `item ${base.id} enqueued twice` };
      const item: OutboxItem = {
        id: base.id,
        incidentId: base.incidentId,
        lane: base.lane,
        op: base.op,
        args: base.args,
        summary: base.summary,
        createdAt: base.createdAt,
        ...(base.minIntervalMs !== undefined ? { minIntervalMs: base.minIntervalMs } : {}),
        state: 'pending',
        attempts: 0,
      };
      this.records.set(base.id, { item, seq: this.order.length, uncertain: false, retries: 0 });
      this.order.push(base.id);
      return base.id;
    }
    const rec = this.records.get(e.id);
    if (!rec) return { skip: `${e.type} of an unknown item ${e.id}` };
    const { item } = rec;
    const done = item.state === 'sent';
    const set = (patch: Partial<OutboxItem>, drop: (keyof OutboxItem)[] = []) => {
      const next: Record<string, unknown> = { ...item, ...patch };
      for (const k of drop) delete next[k];
      rec.item = next as unknown as OutboxItem;
      return e.id;
    };
    switch (e.type) {
      case 'attempt': {
        if (done || item.state === 'discarded') return undefined; // a late writer; what happened stands
        const lane = this.lane(item.lane);
        const at = Date.parse(e.at);
        lane.lastAttemptAt = Math.max(lane.lastAttemptAt ?? 0, at);
        rec.uncertain = true;
        return set({ state: 'sending', attempts: item.attempts + 1 }, ['nextAttemptAt']);
      }
      case 'sent':
        rec.uncertain = false;
        return set({ state: 'sent', result: e.result, ...(e.recovered ? { recovered: true } : {}) }, ['nextAttemptAt']);
      case 'retry-scheduled': {
        if (done || item.state === 'discarded' || item.state === 'failed') return undefined;
        rec.uncertain = e.error.uncertain === true || (rec.uncertain && item.state !== 'sending');
        rec.retries++;
        if (e.error.retryAfterMs !== undefined) {
          const lane = this.lane(item.lane);
          const until = Date.parse(e.nextAttemptAt);
          if (until > (lane.notBefore ?? -Infinity)) {
            lane.notBefore = until;
            lane.notBeforeSetAt = Date.parse(e.at);
          }
        }
        return set({ state: 'pending', nextAttemptAt: e.nextAttemptAt, lastError: e.error });
      }
      case 'failed':
        if (done || item.state === 'discarded') return undefined;
        rec.uncertain = false;
        return set({ state: 'failed', lastError: e.error }, ['nextAttemptAt']);
      case 'requeued':
        if (item.state !== 'failed' && item.state !== 'pending') return undefined;
        rec.retries = 0;
        return set({ state: 'pending' }, ['nextAttemptAt']);
      case 'edited': {
        if (item.state !== 'failed' && item.state !== 'pending') return undefined;
        rec.retries = 0;
        const patch: Partial<OutboxItem> = { state: 'pending' };
        if (e.args !== undefined) (patch as { args: unknown }).args = e.args;
        if (e.summary !== undefined) (patch as { summary: unknown }).summary = e.summary;
        return set(patch, ['nextAttemptAt']);
      }
      case 'discarded':
        if (done || item.state === 'discarded') return undefined;
        rec.uncertain = false;
        return set({ state: 'discarded' }, ['nextAttemptAt']);
    }
  }

  items(): OutboxItem[] {
    return this.order.map((id) => this.records.get(id)!.item);
  }

  private lane(name: string): LaneTiming {
    let t = this.lanes.get(name);
    if (!t) this.lanes.set(name, (t = {}));
    return t;
  }
}

/** Replays a whole log. */
export function replayOutbox(raw: string, incidentId?: string): { items: OutboxItem[]; skipped: SkippedLine[]; replay: OutboxReplay } {
  const replay = new OutboxReplay(incidentId);
  replay.feed(raw);
  return { items: replay.items(), skipped: replay.skipped, replay };
}

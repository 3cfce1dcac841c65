/**
 * The durable outbox: every call that changes something outside (Slack now, PagerDuty later) is first written to
 * `<root>/<incidentId>/outbox.jsonl` (log.ts), then sent. Nothing is lost or sent twice, whatever the network, the
 * service or a crash does.
 *
 * Design
 *  - The file is the truth. Every change (enqueue, attempt, outcome, a person's retry/edit/discard) is appended and
 *    flushed (appendLines), then the file's new bytes are read back and replayed; the items in memory are always
 *    the replay of the file, including lines another window appended. Nothing is ever rewritten; torn or junk lines
 *    are skipped and reported (problems()).
 *  - Write-ahead: `enqueued` is on disk before enqueue() returns; `attempt` is on disk before the request goes out.
 *    An item whose last line is `attempt` and that this process is not sending was in flight when a process died.
 *  - Exactly once: before sending an item that may already have been delivered (it was found 'sending', or its last
 *    attempt ended with a retry of unknown delivery: timeout, lost reply, thrown error), sender.findDelivered is asked
 *    (e.g. Slack message metadata carrying item.id); if it finds the item, `sent` is recorded with its result
 *    (recovered) and nothing is sent. A sender without findDelivered gets at-least-once, with item.id as an
 *    idempotency key. A retry with `delivered: 'no'` (429, connection refused) skips the check.
 *  - Lanes: items of one lane are sent strictly in order, one at a time; the lane's head is the earliest item (log
 *    order within an incident; across incidents createdAt, then id) that is neither sent nor discarded. A head that failed
 *    permanently blocks its lane (later items stay pending, shown blockedBy) until a person retries, edits or
 *    discards it. Different lanes run concurrently, at most maxConcurrent (4) sends at a time.
 *  - Backoff: a retry waits min(maxMs, baseMs · factor^(n-1)) · (1 - jitter · random()), n = retries since the item
 *    was enqueued/requeued/edited; with retryAfterMs (429) at least that long, and the whole lane waits that long
 *    (recorded in the log, so it holds after a reload and after a person's retry): no burst of 429s.
 *    minIntervalMs paces a lane: an item goes no sooner than that after the lane's previous attempt.
 *  - References: args may hold `{ $ref: '<item id>', path: 'channel.id' }`, resolved at send time from the
 *    referenced item's result. An item whose reference is not yet sent waits (its lane with it); a reference to a
 *    failed item blocks it (blockedBy, until that item is retried); a reference to a discarded item, or to a result
 *    without that path, fails it permanently with a clear error (edit or discard it).
 *  - Two windows (processes) on one root: only the holder of the lease `<root>/.outbox.lock` sends. The lease is a
 *    file created exclusively, holding a random token; the holder touches it every heartbeatMs (2 s) and checks its
 *    token before each send; a lease not touched for staleMs (10 s) was left by a dead process and is broken
 *    (renamed aside, then checked, so two breakers cannot both win). The other window still enqueues (appends) and
 *    shows items; each window re-reads the logs on every heartbeat and when told (reload(incidentId), from a file
 *    watcher), so the holder sends what the other enqueued. When the holder stops it releases the lease after its
 *    in-flight sends are recorded; the other takes it over at its next heartbeat and resumes, checking anything left
 *    'sending' with findDelivered. Residual risk, documented: a holder frozen for more than staleMs (a laptop lid)
 *    with a request already on the wire can race the new holder; findDelivered and the idempotency key cover it.
 *  - Time is injectable (clock, timers): tests run on virtual time (testing.ts ManualTime). The lease's times are
 *    written into the lock file's mtime with the same clock.
 */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { IncidentError } from '../errors';
import { Disposable, Emitter, Event } from '../events';
import { isSafeIncidentId } from '../incident/ids';
import { appendLines } from '../store/atomic';
import { incidentFoldersWith } from '../store/incidentStore';
import { LaneTiming, OUTBOX_FILE, OUTBOX_LOG_VERSION, OutboxEvent, OutboxReplay, ReplayRecord, SkippedLine, encodeEvent, parseEventLine } from './log';
import { OutboxItem, OutboxItemBase, OutboxItemError, OutboxItemInput, OutboxRef, OutboxSender, SendOutcome } from './types';

export const LEASE_FILE = '.outbox.lock';

export interface OutboxClock {
  now(): number;
}

export interface OutboxTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BackoffOptions {
  /** First retry delay. Default 1000. */
  readonly baseMs?: number;
  /** Longest delay. Default 60000. */
  readonly maxMs?: number;
  /** Growth per retry. Default 2. */
  readonly factor?: number;
  /** 0..1: the delay is cut by up to this fraction at random. Default 0.2. */
  readonly jitter?: number;
  /** Random numbers in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

export interface LeaseOptions {
  /** Default `<root>/.outbox.lock`. */
  readonly file?: string;
  /** A lease not refreshed for this long is taken to be a dead window's. Default 10000. */
  readonly staleMs?: number;
  /** Lease refresh and log re-read interval. Default 2000. */
  readonly heartbeatMs?: number;
}

export interface OutboxOptions {
  /** The incidents' folder: logs at `<root>/<incidentId>/outbox.jsonl`. */
  readonly root: string;
  readonly sender: OutboxSender;
  readonly clock?: OutboxClock;
  readonly timers?: OutboxTimers;
  readonly backoff?: BackoffOptions;
  /** An item tried this many times without success is flagged needsAttention (it keeps being retried). Default 5. */
  readonly maxAttemptsBeforeAttention?: number;
  /** Sends at a time over all lanes. Default 4. */
  readonly maxConcurrent?: number;
  /** A send or findDelivered not answered in this long counts as a retry of unknown delivery. Default 30000. */
  readonly sendTimeoutMs?: number;
  readonly lease?: LeaseOptions;
}

export interface OutboxLoadReport {
  readonly incidentId: string;
  readonly items: number;
  /** Lines not applied (torn, junk, newer version): left in the file as they are. */
  readonly skipped: readonly SkippedLine[];
}

export interface OutboxEdit {
  readonly args?: Readonly<Record<string, unknown>>;
  readonly summary?: string;
}

interface IncidentLog {
  readonly incidentId: string;
  readonly file: string;
  replay: OutboxReplay;
  /** Bytes of the file replayed so far. */
  offset: number;
  ino?: number;
  /** The last line replayed had no newline after it (so a newline that follows is not a line of its own). */
  midLine: boolean;
  /** Bytes at the end without a newline that are not (yet) an event: torn, or being written by another window. */
  tornTail: boolean;
  chain: Promise<unknown>;
  /** Events waiting for the file, written together at its next turn (see append). */
  batch?: { events: OutboxEvent[]; done?: Promise<void> };
}

type Resolution =
  | { kind: 'ok'; args: Record<string, unknown> }
  | { kind: 'wait'; on: string }
  | { kind: 'blocked'; on: string; reason: string }
  | { kind: 'fail'; code: string; message: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function isOutboxRef(x: unknown): x is OutboxRef {
  if (!isObject(x) || typeof x.$ref !== 'string') return false;
  const keys = Object.keys(x);
  return keys.every((k) => k === '$ref' || k === 'path') && (x.path === undefined || typeof x.path === 'string');
}

/** The ids args refer to. */
export function refsOf(value: unknown, out: string[] = []): string[] {
  if (isOutboxRef(value)) out.push(value.$ref);
  else if (Array.isArray(value)) for (const v of value) refsOf(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) refsOf(v, out);
  return out;
}

function readPath(value: unknown, dotted: string | undefined): { found: boolean; value?: unknown } {
  if (dotted === undefined || dotted === '') return { found: true, value };
  let cur: unknown = value;
  for (const part of dotted.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, part)) cur = cur[part];
    else return { found: false };
    if (cur === undefined) return { found: false };
  }
  return { found: true, value: cur };
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A cross-process lease: a lock file with a token, refreshed by touching it; stale after staleMs without a touch. */
export class OutboxLease {
  readonly token = randomBytes(8).toString('hex');
  private heldFlag = false;

  constructor(
    readonly file: string,
    private readonly clock: OutboxClock,
    readonly staleMs: number,
  ) {}

  get held(): boolean {
    return this.heldFlag;
  }

  /** Takes the lease if it is free, ours, or stale. */
  async acquire(): Promise<boolean> {
    for (let round = 0; round < 3; round++) {
      try {
        await fs.mkdir(path.dirname(this.file), { recursive: true });
        const handle = await fs.open(this.file, 'wx');
        try {
          await handle.writeFile(JSON.stringify({ token: this.token, pid: process.pid, at: new Date(this.clock.now()).toISOString() }) + '\n');
        } finally {
          await handle.close();
        }
        await this.touch();
        this.heldFlag = true;
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = await this.read(this.file);
      if (!seen) continue; // released meanwhile
      if (seen.token === this.token) {
        await this.touch();
        this.heldFlag = true;
        return true;
      }
      if (this.clock.now() - seen.mtimeMs <= this.staleMs) {
        this.heldFlag = false;
        return false;
      }
      // Stale: move it aside; if what was moved is not what was judged stale, a live window just took it: put it back.
      const aside = `${this.file}.${this.token}.stale`;
      try {
        await fs.rename(this.file, aside);
      } catch {
        continue;
      }
      const moved = await this.read(aside);
      if (moved && (moved.token !== seen.token || moved.mtimeMs !== seen.mtimeMs)) {
        await fs.link(aside, this.file).catch(() => undefined);
      }
      await fs.rm(aside, { force: true });
    }
    this.heldFlag = false;
    return false;
  }

  /** Still ours? Touches it if so. */
  async refresh(): Promise<boolean> {
    if (!(await this.verify())) return false;
    try {
      await this.touch();
    } catch {
      this.heldFlag = false;
    }
    return this.heldFlag;
  }

  /** Reads the lock file: is the lease ours? */
  async verify(): Promise<boolean> {
    const seen = await this.read(this.file);
    this.heldFlag = seen?.token === this.token;
    return this.heldFlag;
  }

  async release(): Promise<void> {
    if (await this.verify()) await fs.rm(this.file, { force: true });
    this.heldFlag = false;
  }

  private async touch(): Promise<void> {
    const t = this.clock.now() / 1000;
    await fs.utimes(this.file, t, t);
  }

  private async read(file: string): Promise<{ token?: string; mtimeMs: number } | undefined> {
    try {
      const [raw, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
      let token: string | undefined;
      try {
        const parsed = JSON.parse(raw) as { token?: unknown };
        if (typeof parsed.token === 'string') token = parsed.token;
      } catch {
        // An empty or torn lock file: not ours; judged by its age.
      }
      return { token, mtimeMs: st.mtimeMs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}

const realTimers: OutboxTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class Outbox implements Disposable {
  readonly root: string;
  readonly lease: OutboxLease;
  private readonly sender: OutboxSender;
  private readonly clock: OutboxClock;
  private readonly timers: OutboxTimers;
  private readonly backoff: Required<BackoffOptions>;
  private readonly maxAttemptsBeforeAttention: number;
  private readonly maxConcurrent: number;
  private readonly sendTimeoutMs: number;
  private readonly heartbeatMs: number;

  private readonly logs = new Map<string, IncidentLog>();
  /** Items this process is working on (checking, sending, recording a failure), and their lanes. */
  private readonly inFlight = new Set<string>();
  private readonly laneBusy = new Set<string>();
  /** After an unexpected error (the disk), a lane rests before it is tried again: lane → [until, errors]. */
  private readonly laneHold = new Map<string, [number, number]>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly settleWaiters = new Set<() => void>();
  private readonly changes = new Emitter<readonly OutboxItem[]>();
  private running = false;
  private disposed = false;
  private scanRoot = false;
  private draining = false;
  private drainAgain = false;
  private wake?: { handle: unknown; at: number };
  private heartbeat?: unknown;
  private idSeq = 0;
  /** kick(): waits set before this are not waited for. */
  private waitsClearedAt = -Infinity;

  /** The items that changed (as they are now). */
  readonly onDidChange: Event<readonly OutboxItem[]> = this.changes.event;

  constructor(options: OutboxOptions) {
    this.root = options.root;
    this.sender = options.sender;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.timers = options.timers ?? realTimers;
    const b = options.backoff ?? {};
    this.backoff = {
      baseMs: b.baseMs ?? 1000,
      maxMs: b.maxMs ?? 60_000,
      factor: b.factor ?? 2,
      jitter: Math.min(1, Math.max(0, b.jitter ?? 0.2)),
      random: b.random ?? Math.random,
    };
    this.maxAttemptsBeforeAttention = options.maxAttemptsBeforeAttention ?? 5;
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 4);
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    this.heartbeatMs = options.lease?.heartbeatMs ?? 2000;
    this.lease = new OutboxLease(options.lease?.file ?? path.join(this.root, LEASE_FILE), this.clock, options.lease?.staleMs ?? 10_000);
  }

  // ---- reading ---------------------------------------------------------------------------------------------

  /** Reads the outboxes of these incidents (on start, after a reload). */
  async load(incidentIds: readonly string[]): Promise<OutboxLoadReport[]> {
    const reports: OutboxLoadReport[] = [];
    for (const id of incidentIds) {
      const log = this.log(id);
      await this.exclusive(log, () => this.sync(log));
      reports.push({ incidentId: id, items: log.replay.order.length, skipped: this.problems(id) });
    }
    this.pump();
    return reports;
  }

  /** Reads every `<root>/<id>/outbox.jsonl`; from then on, heartbeats also pick up new incidents' outboxes. */
  async loadAll(): Promise<OutboxLoadReport[]> {
    this.scanRoot = true;
    return this.load(await this.incidentsOnDisk());
  }

  /** Re-reads an incident's log (another window appended to it). Cheap when nothing changed. */
  async reload(incidentId: string): Promise<void> {
    const log = this.log(incidentId);
    await this.exclusive(log, () => this.sync(log));
    this.pump();
  }

  /** Items of one incident in their order, or of all loaded incidents by creation. */
  items(incidentId?: string): OutboxItem[] {
    const heads = this.laneHeads();
    if (incidentId !== undefined) {
      const log = this.logs.get(incidentId);
      return log ? log.replay.order.map((id) => this.view(log.replay.records.get(id)!, heads)) : [];
    }
    const all: OutboxItem[] = [];
    for (const log of this.logs.values()) for (const id of log.replay.order) all.push(this.view(log.replay.records.get(id)!, heads));
    return all.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  item(id: string): OutboxItem | undefined {
    const rec = this.record(id);
    return rec && this.view(rec, this.laneHeads());
  }

  /** Items not yet delivered nor given up: pending or sending. */
  pendingCount(incidentId?: string): number {
    let n = 0;
    for (const log of this.logs.values()) {
      if (incidentId !== undefined && log.incidentId !== incidentId) continue;
      for (const rec of log.replay.records.values()) if (rec.item.state === 'pending' || rec.item.state === 'sending') n++;
    }
    return n;
  }

  /** Lines of the incident's log that were not applied. */
  problems(incidentId: string): SkippedLine[] {
    const log = this.logs.get(incidentId);
    if (!log) return [];
    const out = [...log.replay.skipped];
    if (log.tornTail) out.push({ line: log.replay.lines + 1, reason: 'incomplete last line (torn by a crash, or being written)' });
    return out;
  }

  /** Does this window hold the lease (is it the one sending)? */
  get isSender(): boolean {
    return this.running && this.lease.held;
  }

  // ---- changing --------------------------------------------------------------------------------------------

  /** Writes the item to the incident's log (flushed) and returns it; then sending is kicked. */
  async enqueue(incidentId: string, input: OutboxItemInput): Promise<OutboxItem> {
    this.assertOpen();
    if (!isSafeIncidentId(incidentId)) throw new IncidentError(`'${String(incidentId)}' is not an incident id.`, 'unknown-incident');
    if (!input || typeof input.lane !== 'string' || !input.lane.trim()) throw new IncidentError('An outbox item needs a lane.', 'invalid-input');
    if (typeof input.op !== 'string' || !input.op.trim()) throw new IncidentError('An outbox item needs an op.', 'invalid-input');
    if (typeof input.summary !== 'string') throw new IncidentError('An outbox item needs a summary.', 'invalid-input');
    if (input.minIntervalMs !== undefined && !(Number.isFinite(input.minIntervalMs) && input.minIntervalMs >= 0)) {
      throw new IncidentError(`minIntervalMs must be a number of milliseconds ≥ 0 (got ${String(input.minIntervalMs)}).`, 'invalid-input');
    }
    const args = this.checkArgs(input.args);
    const log = this.log(incidentId);
    await this.exclusive(log, () => this.sync(log));
    for (const ref of refsOf(args)) {
      if (!this.record(ref)) throw new IncidentError(`The outbox item refers to ${ref}, which is not in the outbox; nothing was queued.`, 'invalid-input');
    }
    const now = this.clock.now();
    const id = `${now.toString(36).padStart(9, '0')}-${(this.idSeq++ % 36 ** 4).toString(36).padStart(4, '0')}-${randomBytes(3).toString('hex')}`;
    const item: OutboxItemBase = {
      id,
      incidentId,
      lane: input.lane,
      op: input.op,
      args,
      summary: input.summary,
      createdAt: new Date(now).toISOString(),
      ...(input.minIntervalMs !== undefined ? { minIntervalMs: input.minIntervalMs } : {}),
    };
    await this.append(incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'enqueued', at: item.createdAt, item }]);
    return this.item(id)!;
  }

  /** A person's "retry": a failed item back to pending (unblocking its lane), or a waiting one now, without its backoff. */
  async retry(id: string): Promise<OutboxItem> {
    const rec = await this.changeable(id, 'retried');
    await this.append(rec.item.incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'requeued', id, at: this.iso() }]);
    return this.item(id)!;
  }

  /** A person drops a failed or pending item: it is never sent; its lane goes on. */
  async discard(id: string): Promise<OutboxItem> {
    const rec = await this.changeable(id, 'discarded');
    await this.append(rec.item.incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'discarded', id, at: this.iso() }]);
    return this.item(id)!;
  }

  /** A person corrects a failed or pending item; a failed one becomes pending (its lane is unblocked). */
  async edit(id: string, change: OutboxEdit): Promise<OutboxItem> {
    const rec = await this.changeable(id, 'edited');
    const event: { v: 1; type: 'edited'; id: string; at: string; args?: Record<string, unknown>; summary?: string } = { v: OUTBOX_LOG_VERSION, type: 'edited', id, at: this.iso() };
    if (change.args !== undefined) {
      const args = this.checkArgs(change.args);
      for (const ref of refsOf(args)) this.checkRef(rec, ref);
      event.args = args;
    }
    if (change.summary !== undefined) {
      if (typeof change.summary !== 'string' || !change.summary.trim()) throw new IncidentError('The summary cannot be empty; nothing was changed.', 'invalid-input');
      event.summary = change.summary;
    }
    if (event.args === undefined && event.summary === undefined) throw new IncidentError('Nothing to change: give args or a summary.', 'invalid-input');
    await this.append(rec.item.incidentId, [event]);
    return this.item(id)!;
  }

  // ---- running ---------------------------------------------------------------------------------------------

  /** Starts sending (if this window gets the lease) and the heartbeat. */
  async start(): Promise<void> {
    this.assertOpen();
    if (this.running) return;
    this.running = true;
    this.scheduleHeartbeat();
    this.pump();
  }

  /**
   * Something outside changed (Slack was connected): sends now what waits only for time (a backoff, a
   * retryAfter, a rest after an error). Pacing (minIntervalMs) still holds. Only the window that sends acts on it.
   */
  kick(): void {
    this.waitsClearedAt = this.clock.now();
    this.laneHold.clear();
    this.pump();
  }

  /** Stops sending: waits for the sends in flight to be recorded, then releases the lease. */
  async stop(): Promise<void> {
    this.running = false;
    this.clearWake();
    if (this.heartbeat !== undefined) this.timers.clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    await this.waitForIdle();
    await this.lease.release().catch(() => undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of [...this.settleWaiters]) w();
    void this.stop();
    this.changes.dispose();
  }

  /**
   * Resolves, with the items as they are then, when each of them is sent, failed, discarded or blocked (waiting for
   * a person), or when timeoutMs passes, whichever is first. Never rejects.
   */
  whenSettled(ids: readonly string[], timeoutMs: number): Promise<OutboxItem[]> {
    return new Promise((resolve) => {
      let done = false;
      const current = () => ids.map((id) => this.item(id)).filter((i): i is OutboxItem => i !== undefined);
      const finish = () => {
        if (done) return;
        done = true;
        this.timers.clearTimeout(timer);
        this.settleWaiters.delete(check);
        resolve(current());
      };
      const check = () => {
        if (this.disposed || current().every((i) => i.state === 'sent' || i.state === 'failed' || i.state === 'discarded' || i.blockedBy)) finish();
      };
      const timer = this.timers.setTimeout(finish, Math.max(0, timeoutMs));
      this.settleWaiters.add(check);
      check();
    });
  }

  /** For tests: resolves when nothing is in progress (no drain, no send, no write); timers may still be pending. */
  async waitForIdle(): Promise<void> {
    for (;;) {
      if (this.tasks.size > 0) {
        await Promise.allSettled([...this.tasks]);
        continue;
      }
      await new Promise((r) => setImmediate(r));
      if (this.tasks.size === 0 && !this.draining) return;
    }
  }

  // ---- the log ---------------------------------------------------------------------------------------------

  private log(incidentId: string): IncidentLog {
    let log = this.logs.get(incidentId);
    if (!log) {
      if (!isSafeIncidentId(incidentId)) throw new IncidentError(`'${String(incidentId)}' is not an incident id.`, 'unknown-incident');
      log = {
        incidentId,
        file: path.join(this.root, incidentId, OUTBOX_FILE),
        replay: new OutboxReplay(incidentId),
        offset: 0,
        midLine: false,
        tornTail: false,
        chain: Promise.resolve(),
      };
      this.logs.set(incidentId, log);
    }
    return log;
  }

  /** Runs fn after the log's previous operations (one at a time per file in this process). */
  private exclusive<T>(log: IncidentLog, fn: () => Promise<T>): Promise<T> {
    const run = log.chain.then(fn, fn);
    log.chain = run.catch(() => undefined);
    return this.track(run);
  }

  /**
   * Appends and flushes events, then replays them. Group commit: appends asked for while the file is busy
   * join one batch, written and flushed once, in the order they were asked for; each caller resolves
   * when its events are on disk. (Six items starting at once cost one flush, not six.)
   */
  private async append(incidentId: string, events: readonly OutboxEvent[]): Promise<void> {
    const log = this.log(incidentId);
    let batch = log.batch;
    if (!batch) {
      const open: { events: OutboxEvent[]; done?: Promise<void> } = { events: [] };
      log.batch = batch = open;
      open.done = this.exclusive(log, async () => {
        if (log.batch === open) log.batch = undefined; // later appends start the next batch
        await fs.mkdir(path.dirname(log.file), { recursive: true });
        await appendLines(log.file, open.events.map(encodeEvent));
        await this.sync(log);
      });
    }
    batch.events.push(...events);
    await batch.done;
    this.pump();
  }

  /** Replays what was appended to the file since last time (all of it if the file was replaced). */
  private async sync(log: IncidentLog): Promise<void> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(log.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        if (log.offset > 0) this.reset(log);
        return;
      }
      throw err;
    }
    const changed = new Set<string>();
    try {
      const st = await handle.stat();
      if (st.size < log.offset || (log.ino !== undefined && st.ino !== log.ino)) {
        for (const id of log.replay.order) changed.add(id);
        this.reset(log);
      }
      log.ino = st.ino;
      if (st.size === log.offset) return;
      const buf = Buffer.alloc(st.size - log.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, log.offset);
      let bytes = buf.subarray(0, bytesRead);
      if (log.midLine && bytes.length > 0) {
        if (bytes[0] === 0x0a) {
          bytes = bytes.subarray(1);
          log.offset++;
        }
        log.midLine = false;
      }
      const lastNl = bytes.lastIndexOf(0x0a);
      if (lastNl >= 0) {
        for (const id of log.replay.feed(bytes.subarray(0, lastNl + 1).toString('utf8'))) changed.add(id);
        log.offset += lastNl + 1;
      }
      const rest = bytes.subarray(lastNl + 1);
      log.tornTail = false;
      if (rest.length > 0) {
        const text = rest.toString('utf8');
        if (text.trim() && parseEventLine(text.trim()).ok) {
          // A whole event without its newline (a hand edit): replay it; a newline appended later is not a line.
          for (const id of log.replay.feed(text)) changed.add(id);
          log.offset += rest.length;
          log.midLine = true;
        } else if (text.trim()) {
          log.tornTail = true; // not consumed: it may still be being written; if torn, the next append ends it
        } else {
          log.offset += rest.length;
        }
      }
    } finally {
      await handle.close();
    }
    if (changed.size > 0) this.changed(changed);
  }

  private reset(log: IncidentLog): void {
    log.replay = new OutboxReplay(log.incidentId);
    log.offset = 0;
    log.midLine = false;
    log.tornTail = false;
    log.ino = undefined;
  }

  private changed(ids: Set<string>): void {
    const heads = this.laneHeads();
    const items: OutboxItem[] = [];
    for (const id of ids) {
      const rec = this.record(id);
      if (rec) items.push(this.view(rec, heads));
    }
    for (const w of [...this.settleWaiters]) w();
    if (items.length > 0) this.changes.fire(items);
    this.pump();
  }

  private async syncAll(): Promise<void> {
    if (this.scanRoot) for (const id of await this.incidentsOnDisk()) this.log(id);
    await Promise.all([...this.logs.values()].map((log) => this.exclusive(log, () => this.sync(log))));
  }

  private incidentsOnDisk(): Promise<string[]> {
    return incidentFoldersWith(this.root, OUTBOX_FILE);
  }

  private record(id: string): ReplayRecord | undefined {
    for (const log of this.logs.values()) {
      const rec = log.replay.records.get(id);
      if (rec) return rec;
    }
    return undefined;
  }

  // ---- scheduling ------------------------------------------------------------------------------------------

  private pump(): void {
    if (!this.running || this.disposed) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    this.track(
      (async () => {
        try {
          do {
            this.drainAgain = false;
            await this.drainOnce();
          } while (this.drainAgain && this.running);
        } catch (err) {
          console.error('Incident Commander: outbox', err);
        } finally {
          this.draining = false;
        }
      })(),
    );
  }

  private async drainOnce(): Promise<void> {
    if (!this.lease.held) {
      if (!(await this.lease.acquire())) return;
      await this.syncAll(); // what the previous holder did
    }
    if (!this.running) return;
    const now = this.clock.now();
    const timing = this.laneTimings();
    let wakeAt = Infinity;
    for (const [lane, rec] of this.laneHeads()) {
      if (this.laneBusy.has(lane)) continue;
      if (this.inFlight.size >= this.maxConcurrent) break; // a finishing send kicks again
      const item = rec.item;
      if (item.state === 'failed') continue; // blocked until a person acts
      const resolved = this.resolve(item);
      if (resolved.kind === 'wait' || resolved.kind === 'blocked') continue; // the referenced item's change kicks
      const due = this.dueAt(lane, rec, timing.get(lane));
      if (due > now) {
        wakeAt = Math.min(wakeAt, due);
        continue;
      }
      if (resolved.kind === 'fail') {
        const error: OutboxItemError = { code: resolved.code, message: resolved.message, permanent: true, at: this.iso() };
        this.launch(lane, item.id, () => this.append(item.incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'failed', id: item.id, at: error.at, error }]));
      } else {
        this.launch(lane, item.id, () => this.deliver(item.id, resolved.args));
      }
    }
    this.scheduleWake(wakeAt);
  }

  /** The earliest item of each lane that is neither sent nor discarded. */
  private laneHeads(): Map<string, ReplayRecord> {
    const heads = new Map<string, ReplayRecord>();
    for (const log of this.logs.values()) {
      const seen = new Set<string>();
      for (const id of log.replay.order) {
        const rec = log.replay.records.get(id)!;
        const { state, lane } = rec.item;
        if (state === 'sent' || state === 'discarded' || seen.has(lane)) continue;
        seen.add(lane);
        const cur = heads.get(lane);
        if (!cur || rec.item.createdAt < cur.item.createdAt || (rec.item.createdAt === cur.item.createdAt && rec.item.id < cur.item.id)) heads.set(lane, rec);
      }
    }
    return heads;
  }

  private laneTimings(): Map<string, LaneTiming> {
    const merged = new Map<string, LaneTiming>();
    for (const log of this.logs.values()) {
      for (const [lane, t] of log.replay.lanes) {
        const m = merged.get(lane) ?? {};
        if (t.lastAttemptAt !== undefined) m.lastAttemptAt = Math.max(m.lastAttemptAt ?? 0, t.lastAttemptAt);
        if (t.notBefore !== undefined && t.notBefore > (m.notBefore ?? -Infinity)) {
          m.notBefore = t.notBefore;
          m.notBeforeSetAt = t.notBeforeSetAt;
        }
        merged.set(lane, m);
      }
    }
    return merged;
  }

  private dueAt(lane: string, rec: ReplayRecord, timing: LaneTiming | undefined): number {
    const { item } = rec;
    const cleared = this.waitsClearedAt;
    let due = 0;
    if (item.nextAttemptAt && !(item.lastError && Date.parse(item.lastError.at) <= cleared)) due = Date.parse(item.nextAttemptAt);
    if (timing?.notBefore !== undefined && !((timing.notBeforeSetAt ?? Infinity) <= cleared)) due = Math.max(due, timing.notBefore);
    if (item.minIntervalMs && timing?.lastAttemptAt !== undefined && item.state !== 'sending') due = Math.max(due, timing.lastAttemptAt + item.minIntervalMs);
    const hold = this.laneHold.get(lane);
    if (hold) due = Math.max(due, hold[0]);
    return due;
  }

  private resolve(item: OutboxItem): Resolution {
    let problem: Resolution | undefined;
    const walk = (value: unknown): unknown => {
      if (problem) return undefined;
      if (isOutboxRef(value)) {
        const target = this.record(value.$ref)?.item;
        const what = target ? `"${target.summary}" (${target.id})` : value.$ref;
        if (!target) problem = { kind: 'fail', code: 'ref_unknown', message: `It refers to ${value.$ref}, which is not in the outbox. Edit or discard it.` };
        else if (target.state === 'discarded') problem = { kind: 'fail', code: 'ref_discarded', message: `It needs the result of ${what}, which was discarded. Edit or discard it.` };
        else if (target.state === 'failed') problem = { kind: 'blocked', on: target.id, reason: `It needs the result of ${what}, which failed: ${target.lastError?.message ?? 'unknown error'}. Retry, edit or discard that one.` };
        else if (target.state !== 'sent') problem = { kind: 'wait', on: target.id };
        else {
          const got = readPath(target.result, value.path);
          if (!got.found) problem = { kind: 'fail', code: 'ref_missing', message: `It needs '${value.path}' from the result of ${what}, which has none. Edit or discard it.` };
          return got.value;
        }
        return undefined;
      }
      if (Array.isArray(value)) return value.map(walk);
      if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
      return value;
    };
    const args = walk(item.args) as Record<string, unknown>;
    return problem ?? { kind: 'ok', args };
  }

  private launch(lane: string, id: string, fn: () => Promise<void>): void {
    this.laneBusy.add(lane);
    this.inFlight.add(id);
    this.track(
      (async () => {
        try {
          await fn();
          this.laneHold.delete(lane);
        } catch (err) {
          // The log could not be written (disk full, folder gone): the lane rests and tries again; what is on disk stands.
          const errors = (this.laneHold.get(lane)?.[1] ?? 0) + 1;
          this.laneHold.set(lane, [this.clock.now() + this.delay(errors), errors]);
          console.error('Incident Commander: outbox', err);
        } finally {
          this.laneBusy.delete(lane);
          this.inFlight.delete(id);
          this.pump();
        }
      })(),
    );
  }

  /** One go at an item: the exactly-once check if it may have been delivered, then the attempt and its outcome. */
  private async deliver(id: string, args: Record<string, unknown>): Promise<void> {
    const rec = this.record(id)!;
    const item = rec.item;
    if (rec.uncertain && this.sender.findDelivered) {
      let found: Record<string, unknown> | undefined;
      try {
        found = await this.withTimeout(this.sender.findDelivered(item, args), 'findDelivered');
      } catch (err) {
        await this.scheduleRetry(rec, { code: 'find_delivered_failed', message: `Could not check whether it was already delivered: ${errorMessage(err)}`, delivered: 'unknown' });
        return;
      }
      if (found) {
        await this.append(item.incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'sent', id, at: this.iso(), result: isObject(found) ? found : { value: found }, recovered: true }]);
        return;
      }
    }
    if (!(await this.lease.verify())) return; // another window took over: it sends
    await this.append(item.incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'attempt', id, at: this.iso() }]);
    const now = this.record(id)!;
    // Changed by another window meanwhile (discarded, edited): not sent; the next round sees it as it is.
    if (now.item.state !== 'sending' || now.item.args !== item.args) return;
    let outcome: SendOutcome;
    try {
      outcome = await this.withTimeout(this.sender.send(now.item, args), 'send');
    } catch (err) {
      const timeout = (err as { code?: string }).code === 'timeout';
      outcome = { kind: 'retry', code: timeout ? 'timeout' : 'exception', message: errorMessage(err), delivered: 'unknown' };
    }
    if (!outcome || typeof outcome !== 'object') outcome = { kind: 'retry', code: 'bad_outcome', message: 'The sender gave no outcome.', delivered: 'unknown' };
    switch (outcome.kind) {
      case 'sent':
        await this.append(item.incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'sent', id, at: this.iso(), result: isObject(outcome.result) ? outcome.result : {} }]);
        return;
      case 'permanent': {
        const error: OutboxItemError = { code: String(outcome.code), message: String(outcome.message), permanent: true, at: this.iso() };
        await this.append(item.incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'failed', id, at: error.at, error }]);
        return;
      }
      case 'retry':
        await this.scheduleRetry(this.record(id)!, outcome);
        return;
      default:
        await this.scheduleRetry(this.record(id)!, { code: 'bad_outcome', message: `The sender gave an unknown outcome.`, delivered: 'unknown' });
    }
  }

  private async scheduleRetry(rec: ReplayRecord, o: { code: string; message: string; retryAfterMs?: number; delivered?: 'no' | 'unknown' }): Promise<void> {
    const now = this.clock.now();
    let wait = this.delay(rec.retries + 1);
    const retryAfterMs = typeof o.retryAfterMs === 'number' && o.retryAfterMs > 0 ? o.retryAfterMs : undefined;
    if (retryAfterMs !== undefined) wait = Math.max(wait, retryAfterMs);
    const at = new Date(now).toISOString();
    const error: OutboxItemError = {
      code: String(o.code),
      message: String(o.message),
      permanent: false,
      at,
      uncertain: o.delivered !== 'no',
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
    await this.append(rec.item.incidentId, [{ v: OUTBOX_LOG_VERSION, type: 'retry-scheduled', id: rec.item.id, at, error, nextAttemptAt: new Date(now + Math.ceil(wait)).toISOString() }]);
  }

  /** Backoff for the n-th retry (n ≥ 1). */
  private delay(n: number): number {
    const { baseMs, maxMs, factor, jitter, random } = this.backoff;
    const raw = Math.min(maxMs, baseMs * Math.pow(factor, Math.max(0, n - 1)));
    return raw * (1 - jitter * Math.min(1, Math.max(0, random())));
  }

  private withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => reject(Object.assign(new Error(`${what} gave no answer in ${this.sendTimeoutMs} ms`), { code: 'timeout' })), this.sendTimeoutMs);
      Promise.resolve(p).then(
        (v) => {
          this.timers.clearTimeout(timer);
          resolve(v);
        },
        (err) => {
          this.timers.clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  private scheduleWake(at: number): void {
    if (this.wake && this.wake.at === at) return;
    this.clearWake();
    if (at === Infinity || !this.running) return;
    const handle = this.timers.setTimeout(() => {
      this.wake = undefined;
      this.pump();
    }, Math.max(0, at - this.clock.now()));
    this.wake = { handle, at };
  }

  private clearWake(): void {
    if (this.wake) this.timers.clearTimeout(this.wake.handle);
    this.wake = undefined;
  }

  private scheduleHeartbeat(): void {
    if (!this.running) return;
    const handle = this.timers.setTimeout(() => {
      this.track(
        (async () => {
          try {
            if (this.lease.held) await this.lease.refresh();
            await this.syncAll();
          } catch (err) {
            console.error('Incident Commander: outbox heartbeat', err);
          } finally {
            this.pump();
            this.scheduleHeartbeat();
          }
        })(),
      );
    }, this.heartbeatMs);
    (handle as { unref?: () => void })?.unref?.();
    this.heartbeat = handle;
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private view(rec: ReplayRecord, heads: Map<string, ReplayRecord>): OutboxItem {
    const item = rec.item;
    if (item.state === 'sent' || item.state === 'discarded') return item;
    let blockedBy: { id: string; reason: string } | undefined;
    const head = heads.get(item.lane);
    if (head && head !== rec && head.item.state === 'failed') {
      blockedBy = { id: head.item.id, reason: `Waiting behind "${head.item.summary}", which failed: ${head.item.lastError?.message ?? 'unknown error'}.` };
    } else if (head === rec && item.state === 'pending') {
      const r = this.resolve(item);
      if (r.kind === 'blocked') blockedBy = { id: r.on, reason: r.reason };
    }
    const needsAttention = item.state === 'failed' || blockedBy !== undefined || item.attempts >= this.maxAttemptsBeforeAttention;
    if (!blockedBy && !needsAttention) return item;
    return { ...item, ...(blockedBy ? { blockedBy } : {}), ...(needsAttention ? { needsAttention } : {}) };
  }

  private async changeable(id: string, verb: string): Promise<ReplayRecord> {
    this.assertOpen();
    const found = this.record(id);
    if (found) await this.reload(found.item.incidentId);
    const rec = this.record(id);
    if (!rec) throw new IncidentError(`There is no outbox item ${id}.`, 'invalid-input');
    const { state, summary } = rec.item;
    if (this.inFlight.has(id) || state === 'sending') throw new IncidentError(`"${summary}" is being sent right now; it cannot be ${verb}. Try again in a moment.`, 'invalid-input');
    if (state === 'sent' || state === 'discarded') throw new IncidentError(`"${summary}" was already ${state}; it cannot be ${verb}.`, 'invalid-input');
    return rec;
  }

  private checkArgs(args: unknown): Record<string, unknown> {
    if (!isObject(args)) throw new IncidentError('Outbox args must be an object.', 'invalid-input');
    let json: string;
    try {
      json = JSON.stringify(args);
    } catch (err) {
      throw new IncidentError(`Outbox args must be JSON: ${errorMessage(err)}`, 'invalid-input');
    }
    return JSON.parse(json) as Record<string, unknown>;
  }

  /** A reference an edit adds must not wait on the item itself, directly or through others, nor on a later item of its lane. */
  private checkRef(rec: ReplayRecord, ref: string): void {
    const target = this.record(ref);
    if (!target) throw new IncidentError(`The outbox item refers to ${ref}, which is not in the outbox; nothing was changed.`, 'invalid-input');
    const seen = new Set<string>();
    const reaches = (r: ReplayRecord): boolean => {
      if (r === rec) return true;
      if (seen.has(r.item.id)) return false;
      seen.add(r.item.id);
      return refsOf(r.item.args).some((id) => {
        const next = this.record(id);
        return next !== undefined && reaches(next);
      });
    };
    if (reaches(target)) throw new IncidentError(`A reference to ${ref} would make "${rec.item.summary}" wait for itself; nothing was changed.`, 'invalid-input');
    if (target.item.lane === rec.item.lane && target.item.state !== 'sent' && target.item.createdAt > rec.item.createdAt) {
      throw new IncidentError(`${ref} comes later in the same lane; "${rec.item.summary}" would wait for it forever. Nothing was changed.`, 'invalid-input');
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.tasks.add(p);
    const done = () => this.tasks.delete(p);
    p.then(done, done);
    return p;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private assertOpen(): void {
    if (this.disposed) throw new IncidentError('The outbox is closed.', 'invalid-input');
  }
}

// A fake Slack Web API on 127.0.0.1, as strict as the real one: methods and arguments are checked against
// Slack's OpenAPI description (spec.ts), state and errors follow Slack's method docs (workspace.ts), and
// faults (latency, 500s, 429s, resets, a stall, lost replies) are drawn from a seeded PRNG so a run can be
// repeated. See README.md beside this file.
//
//   const fake = await startFakeSlack({ seed: 7 });
//   const client = new WebClient('xoxb-test', { slackApiUrl: fake.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
//   ...
//   await fake.close();
import { seededRandom } from '../../../src/core/outbox/testing';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadMethodTable, validateArgs, type MethodTable } from './spec';
import {
  Workspace,
  type Answer,
  type FakeBookmark,
  type FakeChannel,
  type FakeChannelSeed,
  type FakeMessage,
  type FakePin,
  type FakeUser,
  type FakeUserSeed,
} from './workspace';

export { BOT_ID, BOT_USER_ID, TEAM_ID, WORKSPACE_URL } from './workspace';
export type { FakeBookmark, FakeChannel, FakeChannelSeed, FakeMessage, FakePin, FakeUser, FakeUserSeed } from './workspace';

/** Faults and limits; all can be given at start and changed at run time (setFaults, POST /_fake/faults). */
export interface FaultOptions {
  /** Milliseconds added to every API call (default 0). */
  latencyMs?: number;
  /** Share of calls answered HTTP 500 before the method runs (0..1, default 0). */
  error500Rate?: number;
  /** Share of calls answered 429 `ratelimited` with Retry-After before the method runs (0..1, default 0). */
  rateLimitRate?: number;
  /** Retry-After, in seconds, of the injected 429s (default 1). */
  retryAfterSeconds?: number;
  /** Share of calls whose socket is destroyed without an answer, before the method runs (0..1, default 0). */
  resetRate?: number;
  /**
   * One call hangs: the call made after `afterCalls` further calls (counted from when this is set) runs
   * at once, and its answer is held `ms` milliseconds. `null` disarms it.
   */
  stallOnce?: { afterCalls: number; ms: number } | null;
  /**
   * Share of calls that run (their change is applied) and whose answer is then lost: HTTP 500 or a reset
   * socket (see failAfterApplyAs). The "lost reply" case exactly-once delivery must survive. Default 0.
   */
  failAfterApplyRate?: number;
  /** How a lost reply looks (default 'either': drawn 50/50 from the PRNG). */
  failAfterApplyAs?: 'error500' | 'reset' | 'either';
  /** Only these methods are faulted (null: all, the default). The PRNG is drawn for every call regardless. */
  faultMethods?: string[] | null;
  /** chat.postMessage per channel: sustained messages per second (default 1; 0 turns the limit off). */
  postPerChannelPerSecond?: number;
  /** chat.postMessage per channel: messages allowed in a burst above the rate (default 3). */
  postBurst?: number;
  /** Re-seeds the PRNG (default seed 1). */
  seed?: number;
}

export interface FakeSlackOptions extends FaultOptions {
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** Accepted tokens: a list, or a predicate. Default: any token starting `xoxb-` except `xoxb-invalid`. */
  tokens?: readonly string[] | ((token: string) => boolean);
  /** Refuse arguments a method does not declare (default true); false drops them (listed in the call record). */
  strictArgs?: boolean;
  /** The OpenAPI file to use instead of the shared one or the copy beside this file. */
  specPath?: string;
  /** Workspace seed: replaces the default users / channels (see workspace.ts DEFAULT_USERS, DEFAULT_CHANNELS). */
  users?: readonly FakeUserSeed[];
  channels?: readonly FakeChannelSeed[];
  /** A fixed clock for timestamps and `created`: tsBase seconds + 100 µs a timestamp (default: the wall clock, as Slack). */
  tsBase?: number;
  /** Millisecond clock of the per-channel post limiter (default Date.now); tests can step it. */
  now?: () => number;
}

/** Everything the fake saw, one entry a request to /api/. */
export interface FakeCall {
  seq: number;
  method: string;
  /** Arguments as checked and converted (as sent, when refused before that); the token is never kept. */
  args: Record<string, unknown>;
  /** HTTP status sent; null when the socket was reset (or the fake closed) without an answer. */
  status: number | null;
  /** 'ok', the Slack error code ('invalid_auth', 'ratelimited', ...), 'http_500', 'reset' or 'pending'. */
  outcome: string;
  /** The fault that shaped the answer, if any. */
  fault?: 'error500' | 'reset' | 'ratelimited' | 'per_channel_limit' | 'stall' | 'fail_after_apply_500' | 'fail_after_apply_reset';
  /** Whether the method ran and succeeded (so it may have changed state). */
  applied: boolean;
  /** Arguments dropped because strictArgs is off. */
  ignoredArgs?: string[];
  startedAt: number;
  durationMs?: number;
}

export interface FaultState extends Required<Omit<FaultOptions, 'stallOnce' | 'faultMethods'>> {
  stallOnce: { afterCalls: number; ms: number; armedAtCall: number } | null;
  faultMethods: string[] | null;
}

export interface FakeSlackState {
  url: string;
  channels: FakeChannel[];
  /** Per channel id, oldest first, thread replies included. */
  messages: Record<string, FakeMessage[]>;
  pins: Record<string, FakePin[]>;
  bookmarks: Record<string, FakeBookmark[]>;
  users: FakeUser[];
  calls: FakeCall[];
  faults: FaultState;
}

export interface FakeSlack {
  /** Base URL for `slackApiUrl`: `http://127.0.0.1:<port>/api/`. */
  readonly url: string;
  readonly port: number;
  /** Every API request so far, in arrival order. */
  readonly calls: readonly FakeCall[];
  /** A snapshot of everything (the same as GET /_fake/state). */
  readonly state: FakeSlackState;
  /** Stored messages of a channel (id, `#name` or name), oldest first, thread replies included. */
  messages(channel: string): FakeMessage[];
  channels(): FakeChannel[];
  channel(ref: string): FakeChannel | undefined;
  pins(channel: string): FakePin[];
  bookmarks(channel: string): FakeBookmark[];
  users(): FakeUser[];
  /** Changes faults and limits from now on (merged into the current ones); returns the result. */
  setFaults(faults: FaultOptions): FaultState;
  faults(): FaultState;
  /** Back to the seeded workspace, no calls, the start options' faults, the PRNG re-seeded. */
  reset(): void;
  clearCalls(): void;
  /** Stores a message as a human (default U0ALICE) would post it. */
  addMessage(channel: string, message: { text: string; user?: string; thread_ts?: string; metadata?: FakeMessage['metadata'] }): FakeMessage;
  addChannel(seed: FakeChannelSeed): FakeChannel;
  addUser(seed: FakeUserSeed): FakeUser;
  /** Resolves when `n` API calls have been answered (or ended without an answer). */
  waitForCalls(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const FAULT_KEYS: ReadonlySet<string> = new Set([
  'latencyMs', 'error500Rate', 'rateLimitRate', 'retryAfterSeconds', 'resetRate', 'stallOnce', 'failAfterApplyRate',
  'failAfterApplyAs', 'faultMethods', 'postPerChannelPerSecond', 'postBurst', 'seed',
]);

const MAX_BODY = 8 * 1024 * 1024;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere (the outbox tests' own). */
export const prng: (seed: number) => () => number = seededRandom;

/** Checks fault options (unknown keys and out-of-range values throw, so a typo cannot silently do nothing). */
export function checkFaults(f: unknown): FaultOptions {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new TypeError('faults must be an object');
  const o = f as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FAULT_KEYS.has(k)) throw new TypeError(`unknown fault option: ${k}`);
  const rate = (k: string) => {
    if (o[k] !== undefined && (typeof o[k] !== 'number' || !(o[k] >= 0 && o[k] <= 1))) throw new TypeError(`${k} must be a number from 0 to 1`);
  };
  const nonNegative = (k: string) => {
    if (o[k] !== undefined && (typeof o[k] !== 'number' || !(o[k] >= 0) || !Number.isFinite(o[k]))) throw new TypeError(`${k} must be a number >= 0`);
  };
  ['error500Rate', 'rateLimitRate', 'resetRate', 'failAfterApplyRate'].forEach(rate);
  ['latencyMs', 'retryAfterSeconds', 'postPerChannelPerSecond', 'postBurst'].forEach(nonNegative);
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isInteger(o.seed))) throw new TypeError('seed must be an integer');
  if (o.failAfterApplyAs !== undefined && !['error500', 'reset', 'either'].includes(o.failAfterApplyAs as string)) {
    throw new TypeError("failAfterApplyAs must be 'error500', 'reset' or 'either'");
  }
  if (o.faultMethods !== undefined && o.faultMethods !== null && (!Array.isArray(o.faultMethods) || o.faultMethods.some((m) => typeof m !== 'string'))) {
    throw new TypeError('faultMethods must be a list of method names or null');
  }
  if (o.stallOnce !== undefined && o.stallOnce !== null) {
    const s = o.stallOnce as Record<string, unknown>;
    if (typeof s !== 'object' || !Number.isInteger(s.afterCalls) || (s.afterCalls as number) < 0 || typeof s.ms !== 'number' || s.ms < 0) {
      throw new TypeError('stallOnce must be { afterCalls: integer >= 0, ms: number >= 0 } or null');
    }
  }
  return o as FaultOptions;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const table: MethodTable = loadMethodTable(options.specPath);
  const strictArgs = options.strictArgs ?? true;
  const acceptToken =
    typeof options.tokens === 'function'
      ? options.tokens
      : Array.isArray(options.tokens)
        ? (t: string) => (options.tokens as readonly string[]).includes(t)
        : (t: string) => t.startsWith('xoxb-') && t !== 'xoxb-invalid';
  const now = options.now ?? Date.now;
  const workspace = new Workspace({ users: options.users, channels: options.channels, tsBase: options.tsBase });

  const defaults: FaultState = {
    latencyMs: 0,
    error500Rate: 0,
    rateLimitRate: 0,
    retryAfterSeconds: 1,
    resetRate: 0,
    stallOnce: null,
    failAfterApplyRate: 0,
    failAfterApplyAs: 'either',
    faultMethods: null,
    postPerChannelPerSecond: 1,
    postBurst: 3,
    seed: 1,
  };
  const startFaults: FaultOptions = {};
  for (const k of FAULT_KEYS) if ((options as Record<string, unknown>)[k] !== undefined) (startFaults as Record<string, unknown>)[k] = (options as Record<string, unknown>)[k];
  checkFaults(startFaults);

  let faults: FaultState = { ...defaults };
  let random = prng(faults.seed);
  let calls: FakeCall[] = [];
  /** API calls since start or reset (not cleared by clearCalls): what stallOnce counts. */
  let apiCallCount = 0;
  let buckets = new Map<string, { tokens: number; at: number }>();
  let closed = false;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const callWaiters = new Set<() => void>();

  function applyFaults(f: FaultOptions): FaultState {
    checkFaults(f);
    const next: FaultState = { ...faults };
    for (const [k, v] of Object.entries(f)) {
      if (v === undefined) continue;
      if (k === 'stallOnce') next.stallOnce = v === null ? null : { afterCalls: v.afterCalls, ms: v.ms, armedAtCall: apiCallCount };
      else if (k === 'faultMethods') next.faultMethods = v === null ? null : [...v];
      else (next as unknown as Record<string, unknown>)[k] = v;
    }
    if (f.seed !== undefined) random = prng(f.seed);
    faults = next;
    return snapshotFaults();
  }
  const snapshotFaults = (): FaultState => structuredClone(faults);
  applyFaults(startFaults);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const entry = {
        resolve,
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
      };
      timers.add(entry);
    });

  /** Token bucket per channel for chat.postMessage; returns seconds to wait, or 0 when the post may go. */
  function takePostToken(channelKey: string): number {
    const rate = faults.postPerChannelPerSecond;
    if (rate <= 0) return 0;
    const capacity = Math.max(1, faults.postBurst);
    const t = now();
    const bucket = buckets.get(channelKey) ?? { tokens: capacity, at: t };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 1000) * rate);
    bucket.at = t;
    buckets.set(channelKey, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  }

  function finish(call: FakeCall): void {
    call.durationMs = Date.now() - call.startedAt;
    for (const w of callWaiters) w();
  }

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function resetSocket(req: http.IncomingMessage): void {
    const socket = req.socket as Socket & { resetAndDestroy?: () => void };
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  interface Processed {
    status: number;
    body: Answer;
    headers?: Record<string, string>;
    args: Record<string, unknown>;
    applied: boolean;
    fault?: FakeCall['fault'];
    ignoredArgs?: string[];
  }

  /** Everything after the infrastructure faults: method, body, auth, arguments, limits, then the method. */
  function processCall(method: string, url: URL, req: http.IncomingMessage, body: Buffer): Processed {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) raw[k] = v;
    const refuse = (error: string, extra: Record<string, unknown> = {}, status = 200): Processed => ({
      status,
      body: { ok: false, error, ...extra },
      args: redact(raw),
      applied: false,
    });
    const spec = table.methods.get(method);
    if (!spec) return refuse('unknown_method', { req_method: method }, 404);

    const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    let json = false;
    if (body.length > 0) {
      if (contentType === 'application/x-www-form-urlencoded') {
        for (const [k, v] of new URLSearchParams(body.toString('utf8'))) raw[k] = v;
      } else if (contentType === 'application/json') {
        json = true;
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return refuse('invalid_json');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return refuse('invalid_json');
        if (!spec.acceptsJson) {
          return refuse('invalid_arguments', {
            response_metadata: { messages: [`[ERROR] ${method} does not accept application/json bodies; send application/x-www-form-urlencoded`] },
          });
        }
        Object.assign(raw, parsed);
      } else if (contentType === '') {
        return refuse('missing_post_type');
      } else {
        return refuse('invalid_post_type', {
          response_metadata: { messages: [`[ERROR] the fake accepts application/x-www-form-urlencoded and application/json, not ${contentType}`] },
        });
      }
    }

    // Auth: a Bearer header, or (not with JSON bodies, as Slack) a token argument.
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? (json ? undefined : typeof raw.token === 'string' && raw.token !== '' ? raw.token : undefined);
    delete raw.token;
    if (token === undefined) return refuse('not_authed');
    if (!acceptToken(token)) return refuse('invalid_auth');

    const checked = validateArgs(spec, raw, strictArgs);
    if (!checked.ok) return refuse(checked.error, { response_metadata: { messages: checked.messages } });
    const args = checked.args;

    if (method === 'chat.postMessage') {
      const key = workspace.resolveChannel(String(args.channel))?.id ?? String(args.channel);
      const wait = takePostToken(key);
      if (wait > 0) {
        return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'Retry-After': String(wait) }, args, applied: false, fault: 'per_channel_limit' };
      }
    }

    const answer =
      workspace.call(method, args) ??
      ({ ok: false, error: 'fake_not_implemented', response_metadata: { messages: [`[ERROR] the fake Slack does not implement ${method} (it is a real method)`] } } as Answer);
    const ignoredArgs = checked.ignored.length > 0 ? checked.ignored : undefined;
    if (ignoredArgs) answer.response_metadata = { ...(answer.response_metadata as object), warnings: ignoredArgs.map((a) => `unknown_argument:${a}`) };
    return { status: 200, body: answer, args, applied: answer.ok === true, ignoredArgs };
  }

  async function handleApi(method: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const call: FakeCall = { seq: calls.length + 1, method, args: peekArgs(url, req, body), status: null, outcome: 'pending', applied: false, startedAt: Date.now() };
    calls.push(call);
    apiCallCount += 1;
    const callIndex = apiCallCount - 1;
    // Always five draws, in this order, so a seed gives the same faults whatever the rates are.
    const [rReset, r500, r429, rLost, rLostKind] = [random(), random(), random(), random(), random()];
    const faultable = faults.faultMethods === null || faults.faultMethods.includes(method);
    let stallMs = 0;
    const stall = faults.stallOnce;
    if (stall && callIndex === stall.armedAtCall + stall.afterCalls) {
      stallMs = stall.ms;
      faults.stallOnce = null;
    }
    const lostRate = faults.failAfterApplyRate;
    const lostAs = faults.failAfterApplyAs;
    const retryAfter = faults.retryAfterSeconds;

    await sleep(faults.latencyMs);
    if (closed) return endUnanswered(call);

    if (faultable && rReset < faults.resetRate) {
      Object.assign(call, { outcome: 'reset', fault: 'reset' });
      resetSocket(req);
      return finish(call);
    }
    if (faultable && r500 < faults.error500Rate) {
      Object.assign(call, { status: 500, outcome: 'http_500', fault: 'error500' });
      send(res, 500, { ok: false, error: 'fatal_error' });
      return finish(call);
    }
    if (faultable && r429 < faults.rateLimitRate) {
      Object.assign(call, { status: 429, outcome: 'ratelimited', fault: 'ratelimited' });
      send(res, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(retryAfter) });
      return finish(call);
    }

    const p = processCall(method, url, req, body);
    call.args = p.args;
    call.applied = p.applied;
    if (p.ignoredArgs) call.ignoredArgs = p.ignoredArgs;

    if (faultable && p.status !== 404 && rLost < lostRate) {
      const asReset = lostAs === 'reset' || (lostAs === 'either' && rLostKind < 0.5);
      if (asReset) {
        Object.assign(call, { outcome: 'reset', fault: 'fail_after_apply_reset' });
        resetSocket(req);
      } else {
        Object.assign(call, { status: 500, outcome: 'http_500', fault: 'fail_after_apply_500' });
        send(res, 500, { ok: false, error: 'fatal_error' });
      }
      return finish(call);
    }

    if (stallMs > 0) {
      call.fault = 'stall';
      await sleep(stallMs);
      if (closed) return endUnanswered(call);
    }
    call.status = p.status;
    call.outcome = p.body.ok ? 'ok' : String(p.body.error);
    if (p.fault) call.fault = p.fault;
    send(res, p.status, p.body, p.headers);
    finish(call);
  }

  function endUnanswered(call: FakeCall): void {
    call.outcome = call.outcome === 'pending' ? 'closed' : call.outcome;
    finish(call);
  }

  function snapshot(): FakeSlackState {
    const perChannel = <T>(m: Map<string, T[]>) => Object.fromEntries([...m].map(([k, v]) => [k, structuredClone(v)]));
    return {
      url: fake.url,
      channels: fake.channels(),
      messages: perChannel(workspace.messages),
      pins: perChannel(workspace.pins),
      bookmarks: perChannel(workspace.bookmarks),
      users: fake.users(),
      calls: structuredClone(calls),
      faults: snapshotFaults(),
    };
  }

  function reset(): void {
    workspace.reset();
    calls = [];
    apiCallCount = 0;
    buckets = new Map();
    faults = { ...defaults };
    random = prng(faults.seed);
    applyFaults(startFaults);
  }

  function handleControl(path: string, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const parse = (): unknown => (body.length === 0 ? {} : JSON.parse(body.toString('utf8')));
    try {
      if (path === '/_fake/state' && req.method === 'GET') return send(res, 200, snapshot());
      if (path === '/_fake/faults' && req.method === 'GET') return send(res, 200, { ok: true, faults: snapshotFaults() });
      if (path === '/_fake/faults' && req.method === 'POST') return send(res, 200, { ok: true, faults: applyFaults(parse() as FaultOptions) });
      if (path === '/_fake/reset' && req.method === 'POST') {
        reset();
        return send(res, 200, { ok: true });
      }
      if (path === '/_fake/message' && req.method === 'POST') {
        const m = parse() as { channel?: unknown; text?: unknown; user?: unknown; thread_ts?: unknown };
        if (typeof m.channel !== 'string' || typeof m.text !== 'string') throw new TypeError('needs { channel, text, user?, thread_ts? }');
        const message = workspace.addMessage(m.channel, {
          text: m.text,
          user: typeof m.user === 'string' ? m.user : undefined,
          thread_ts: typeof m.thread_ts === 'string' ? m.thread_ts : undefined,
        });
        return send(res, 200, { ok: true, message });
      }
      send(res, 404, { ok: false, error: 'unknown_control', routes: ['GET /_fake/state', 'GET|POST /_fake/faults', 'POST /_fake/reset', 'POST /_fake/message'] });
    } catch (err) {
      send(res, 400, { ok: false, error: 'bad_request', message: err instanceof Error ? err.message : String(err) });
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (tooBig) return send(res, 413, { ok: false, error: 'request_too_large' });
      const body = Buffer.concat(chunks);
      if (url.pathname.startsWith('/_fake/')) return handleControl(url.pathname, req, res, body);
      if (url.pathname.startsWith('/api/') && url.pathname.length > 5) {
        const method = decodeURIComponent(url.pathname.slice('/api/'.length));
        handleApi(method, url, req, res, body).catch((err) => {
          send(res, 500, { ok: false, error: 'fake_crashed', message: String(err?.stack ?? err) });
        });
        return;
      }
      send(res, 404, { ok: false, error: 'unknown_method', req_method: url.pathname });
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/api/`;

  const channelId = (ref: string): string => {
    const ch = workspace.resolveChannel(ref);
    if (!ch) throw new Error(`fake Slack: no channel ${ref} (channels: ${[...workspace.channels.values()].map((c) => `${c.id} #${c.name}`).join(', ')})`);
    return ch.id;
  };

  const fake: FakeSlack = {
    url,
    port,
    get calls() {
      return calls;
    },
    get state() {
      return snapshot();
    },
    messages: (ref) => structuredClone(workspace.messages.get(channelId(ref))!),
    channels: () => [...workspace.channels.values()].map((c) => structuredClone(c)),
    channel: (ref) => {
      const ch = workspace.resolveChannel(ref);
      return ch && structuredClone(ch);
    },
    pins: (ref) => structuredClone(workspace.pins.get(channelId(ref))!),
    bookmarks: (ref) => structuredClone(workspace.bookmarks.get(channelId(ref))!),
    users: () => [...workspace.users.values()].map((u) => structuredClone(u)),
    setFaults: (f) => applyFaults(f),
    faults: () => snapshotFaults(),
    reset,
    clearCalls: () => {
      calls = [];
    },
    addMessage: (ref, m) => structuredClone(workspace.addMessage(ref, m)),
    addChannel: (seed) => structuredClone(workspace.addChannel(seed)),
    addUser: (seed) => structuredClone(workspace.addUser(seed)),
    waitForCalls: (n, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        const done = () => calls.filter((c) => c.outcome !== 'pending').length >= n;
        if (done()) return resolve();
        const timer = setTimeout(() => {
          callWaiters.delete(check);
          reject(new Error(`fake Slack: ${n} calls not answered within ${timeoutMs} ms (have ${calls.length})`));
        }, timeoutMs);
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          callWaiters.delete(check);
          resolve();
        };
        callWaiters.add(check);
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) {
        clearTimeout(t.timer);
        t.resolve();
      }
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}

function redact(args: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...args };
  delete copy.token;
  return copy;
}

/** Best-effort arguments of a request, for the call record of one refused or faulted before parsing. */
function peekArgs(url: URL, req: http.IncomingMessage, body: Buffer): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  try {
    if (type === 'application/x-www-form-urlencoded') Object.assign(args, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    else if (type === 'application/json' && body.length > 0) {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(args, parsed);
    }
  } catch {}
  return redact(args);
}

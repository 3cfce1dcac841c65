// Small helpers for tests that talk to the fake Slack over raw HTTP (no client library in between).
import type { FakeSlack } from './server';
import { loadSlackWebApi, silentLogger, type WebClientLike, type WebClientOptions } from './webClient';

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { ok?: boolean; error?: string };
}

/** POSTs a form body (values JSON-encoded when not strings, as @slack/web-api does) with a Bearer token. */
export async function postForm(
  fake: FakeSlack,
  method: string,
  args: Record<string, unknown>,
  opts: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) if (v !== undefined) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const token = opts.token === undefined ? 'xoxb-test' : opts.token;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...opts.headers };
  return answer(await fetch(fake.url + method, { method: 'POST', headers, body: form.toString() }));
}

/** POSTs a JSON body with a Bearer token (Slack's only way to authenticate a JSON body). */
export async function postJson(fake: FakeSlack, method: string, body: unknown, opts: { token?: string | null } = {}): Promise<RawAnswer> {
  const token = opts.token === undefined ? 'xoxb-test' : opts.token;
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  return answer(await fetch(fake.url + method, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
}

export async function answer(res: Response): Promise<RawAnswer> {
  const text = await res.text();
  let body: RawAnswer['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = { ok: false, error: `not JSON: ${text.slice(0, 80)}` };
  }
  return { status: res.status, headers: res.headers, body };
}

/** The real WebClient against the fake: no retries, 429s rejected, quiet. Throws when the package is missing. */
export function webClient(fake: FakeSlack, token = 'xoxb-test', options: WebClientOptions = {}): WebClientLike {
  const api = loadSlackWebApi();
  if (!api) throw new Error('@slack/web-api is not installed');
  return new api.WebClient(token, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: silentLogger, ...options });
}

/** The rejection of a WebClient call, for asserting on its code and data. */
export async function rejection(p: Promise<unknown>): Promise<{ code?: string; data?: Record<string, unknown>; statusCode?: number; retryAfter?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected the call to be refused, it succeeded');
}

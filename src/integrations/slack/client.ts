/**
 * Slack through @slack/web-api, configured so that the outbox, not the library, decides about retries:
 * no retries inside the client, rate-limited calls rejected at once with their Retry-After, a timeout
 * on every call. Never imports 'vscode'; the token and the base URL are given.
 */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '@slack/web-api';
import { DEFAULT_SLACK_API_URL } from './url';

export { DEFAULT_SLACK_API_URL };

/** The answer of a Slack call, or why it failed, in the outbox's terms. */
export type SlackCallResult =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; retry: boolean; code: string; message: string; retryAfterMs?: number };

/** Platform errors that the same call may get past if tried again later. */
const TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

const MESSAGES: Record<string, string> = {
  invalid_auth: 'Slack refused the token (invalid_auth). Set a valid bot token with "Incident: Connect Slack".',
  not_authed: 'No Slack token was sent (not_authed). Set one with "Incident: Connect Slack".',
  token_revoked: 'The Slack token was revoked. Set a new one with "Incident: Connect Slack".',
  account_inactive: 'The Slack token belongs to a deactivated account.',
  missing_scope: 'The Slack bot lacks a permission (scope) this needs.',
  channel_not_found: 'Slack cannot find that channel (channel_not_found): check its name, or invite the bot.',
  not_in_channel: 'The bot is not in that channel (not_in_channel): invite it with /invite @your-bot.',
  is_archived: 'That channel is archived (is_archived).',
  msg_too_long: 'The message is longer than Slack accepts (msg_too_long).',
  name_taken: 'A channel of that name exists already (name_taken).',
};

/** A logger that drops everything: the library must never write a token, or a request, to a log. */
const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

export function classifySlackError(err: unknown): Extract<SlackCallResult, { ok: false }> {
  const e = err as { code?: string; data?: { error?: string; response_metadata?: { messages?: string[] } }; retryAfter?: number; statusCode?: number; original?: Error; message?: string };
  switch (e?.code) {
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      const detail = e.data?.response_metadata?.messages?.join('; ');
      return { ok: false, retry: TRANSIENT.has(code), code, message: (MESSAGES[code] ?? `Slack answered ${code}.`) + (detail ? ` ${detail}` : '') };
    }
    case ErrorCode.RateLimitedError:
      return { ok: false, retry: true, code: 'ratelimited', message: `Slack asked to wait ${e.retryAfter ?? '?'} s (rate limited).`, retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
    case ErrorCode.HTTPError: {
      const status = e.statusCode ?? 0;
      const retry = status >= 500 || status === 429 || status === 408;
      return { ok: false, retry, code: `http_${status}`, message: `Slack answered HTTP ${status}.` };
    }
    case ErrorCode.RequestError:
      return { ok: false, retry: true, code: 'network', message: `Slack could not be reached: ${e.original?.message ?? e.message ?? 'network error'}.` };
    default:
      return { ok: false, retry: true, code: 'network', message: `Slack could not be reached: ${e?.message ?? String(err)}.` };
  }
}

export interface SlackApiOptions {
  readonly token: string;
  readonly apiUrl?: string;
  /** Per call; an interactive command must never hang. */
  readonly timeoutMs?: number;
}

/** A thin, typed face over WebClient.apiCall that never throws. */
export class SlackApi {
  private readonly client: WebClient;

  constructor(options: SlackApiOptions) {
    const url = options.apiUrl?.trim() || DEFAULT_SLACK_API_URL;
    this.client = new WebClient(options.token, {
      slackApiUrl: url.endsWith('/') ? url : `${url}/`,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: options.timeoutMs ?? 15_000,
      logger: silent,
      logLevel: LogLevel.ERROR,
    });
  }

  async call(method: string, args: Record<string, unknown> = {}): Promise<SlackCallResult> {
    try {
      const data = (await this.client.apiCall(method, args)) as unknown as Record<string, unknown>;
      return { ok: true, data };
    } catch (err) {
      return classifySlackError(err);
    }
  }
}

// Loads the real @slack/web-api WebClient for the fake's tests without a compile-time dependency on it:
// the type-check passes whether or not the package is installed, and tests that need it are skipped
// (with this reason) when it is not.
export interface WebClientLike {
  apiCall(method: string, options?: Record<string, unknown>): Promise<Record<string, unknown> & { ok?: boolean }>;
  paginate(method: string, options?: Record<string, unknown>): AsyncIterable<Record<string, unknown>>;
}

export interface WebClientOptions {
  slackApiUrl?: string;
  retryConfig?: { retries: number; factor?: number; minTimeout?: number; maxTimeout?: number };
  rejectRateLimitedCalls?: boolean;
  timeout?: number;
  logLevel?: string;
  logger?: { debug(...a: unknown[]): void; info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void; setLevel(l: unknown): void; getLevel(): unknown; setName(n: string): void };
}

export type WebClientConstructor = new (token?: string, options?: WebClientOptions) => WebClientLike;

export interface SlackWebApi {
  WebClient: WebClientConstructor;
  ErrorCode: Record<string, string>;
}

let loaded: SlackWebApi | undefined;
let failure: string | undefined;

/** The package, or undefined (see webApiMissing()). */
export function loadSlackWebApi(): SlackWebApi | undefined {
  if (loaded || failure) return loaded;
  try {
    loaded = require('@slack/web-api') as SlackWebApi;
  } catch (err) {
    failure = `@slack/web-api is not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  return loaded;
}

/** A skip reason when the package cannot be loaded, else false (for node:test's `skip` option). */
export function webApiMissing(): string | false {
  loadSlackWebApi();
  return failure ?? false;
}

/** A quiet logger: the WebClient logs refused calls as errors, which would clutter test output. */
export const silentLogger: NonNullable<WebClientOptions['logger']> = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel() {
    return 'error';
  },
  setName() {},
};

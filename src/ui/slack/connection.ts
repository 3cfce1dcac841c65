/**
 * The Slack connection: the bot token in SecretStorage only (never in settings, files, logs or a
 * webview), the API base URL from settings, and the client built from them on demand.
 */
import * as vscode from 'vscode';
import type { SlackApi } from '../../integrations/slack/client';
import { DEFAULT_SLACK_API_URL } from '../../integrations/slack/url';
import { slackModule } from './lazy';

export const SLACK_TOKEN_KEY = 'incidentCommander.slack.botToken';

export interface SlackIdentity {
  readonly team: string;
  readonly user: string;
  readonly url?: string;
}

export class SlackConnection implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the token is set or removed, in this window or another (SecretStorage tells all windows). */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private cached: { token: string; url: string; api: SlackApi } | undefined;
  private tokenCache: Promise<string | undefined> | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly extensionPath: string,
  ) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key !== SLACK_TOKEN_KEY) return;
      this.tokenCache = undefined;
      this.cached = undefined;
      this.changed.fire();
    });
  }

  apiUrl(): string {
    return vscode.workspace.getConfiguration('incidentCommander').get<string>('slack.apiUrl', DEFAULT_SLACK_API_URL).trim() || DEFAULT_SLACK_API_URL;
  }

  token(): Promise<string | undefined> {
    return (this.tokenCache ??= Promise.resolve(this.secrets.get(SLACK_TOKEN_KEY)).then((t) => t || undefined));
  }

  async isConnected(): Promise<boolean> {
    return (await this.token()) !== undefined;
  }

  /** A client for the current token and URL, or undefined when no token is set. */
  async api(): Promise<SlackApi | undefined> {
    const token = await this.token();
    if (!token) return undefined;
    const url = this.apiUrl();
    if (this.cached?.token !== token || this.cached.url !== url) {
      this.cached = { token, url, api: new (slackModule(this.extensionPath).SlackApi)({ token, apiUrl: url }) };
    }
    return this.cached.api;
  }

  /** Checks a token with auth.test; stores it only when Slack accepts it. */
  async connect(token: string): Promise<SlackIdentity> {
    const trimmed = token.trim();
    if (!/^xox[a-z]-/.test(trimmed)) throw new Error('That is not a Slack token: a bot token starts with "xoxb-". Nothing was saved.');
    const api = new (slackModule(this.extensionPath).SlackApi)({ token: trimmed, apiUrl: this.apiUrl(), timeoutMs: 10_000 });
    const r = await api.call('auth.test');
    if (!r.ok) {
      if (r.code === 'invalid_auth' || r.code === 'not_authed' || r.code === 'token_revoked' || r.code === 'account_inactive') {
        throw new Error(`Slack refused this token (${r.code}). Nothing was saved; check that you copied the Bot User OAuth Token.`);
      }
      throw new Error(`Slack could not check the token (${r.code}): ${r.message} Nothing was saved; try again when Slack can be reached.`);
    }
    await this.secrets.store(SLACK_TOKEN_KEY, trimmed);
    this.tokenCache = Promise.resolve(trimmed);
    this.cached = undefined;
    this.changed.fire();
    return { team: String(r.data.team ?? '?'), user: String(r.data.user ?? '?'), url: typeof r.data.url === 'string' ? r.data.url : undefined };
  }

  async disconnect(): Promise<void> {
    await this.secrets.delete(SLACK_TOKEN_KEY);
    this.tokenCache = Promise.resolve(undefined);
    this.cached = undefined;
    this.changed.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

import * as vscode from 'vscode';
import { DEFAULT_SLACK_SETTINGS, SlackSettings } from '../../core/slack/coordinator';

/** The Slack settings as they are now (read on every use: settings can change at any time). */
export function readSlackSettings(): SlackSettings {
  const c = vscode.workspace.getConfiguration('incidentCommander');
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const announce = c.get<Record<string, unknown>>('slack.announceChannels', {}) ?? {};
  const cadence = c.get<Record<string, unknown>>('updateCadenceMinutes', {}) ?? {};
  return {
    channelNameTemplate: c.get<string>('slack.channelNameTemplate', DEFAULT_SLACK_SETTINGS.channelNameTemplate),
    privateChannels: c.get<boolean>('slack.privateChannels', false),
    announceChannels: Object.fromEntries(Object.entries(announce).map(([k, v]) => [k, list(v)])),
    invite: list(c.get('slack.invite', [])),
    bookmarks: (c.get<unknown[]>('slack.bookmarks', []) ?? []).filter(
      (b): b is { title: string; link: string } => !!b && typeof (b as { title?: unknown }).title === 'string' && typeof (b as { link?: unknown }).link === 'string',
    ),
    cadenceMinutes: Object.fromEntries(Object.entries(cadence).filter(([, v]) => typeof v === 'number' && v > 0)) as Record<string, number>,
  };
}

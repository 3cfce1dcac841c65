/**
 * The Slack commands. Each enqueues its calls in the outbox (nothing is lost if Slack or the network
 * fails), then waits a little, with progress, for them to go out; whatever is still waiting goes on in
 * the background and shows under the incident in the tree.
 */
import * as vscode from 'vscode';
import { IncidentError } from '../../core/errors';
import type { IncidentService } from '../../core/incidentService';
import type { Outbox } from '../../core/outbox/outbox';
import type { OutboxItem } from '../../core/outbox/types';
import { Planned, SlackCoordinator } from '../../core/slack/coordinator';
import { parsePermalink, REPLY_TEMPLATES, ReplyTemplate } from '../../core/slack/render';
import type { UpdateKind } from '../../core/slack/render';
import { Args, optionalBoolean, optionalString } from '../args';
import { SlackConnection } from './connection';

/** How long an interactive command waits for its calls before leaving them to the outbox. */
export const COMMAND_WAIT_MS = 20_000;

export interface SlackCommandDeps {
  readonly service: IncidentService;
  readonly outbox: Outbox;
  readonly coordinator: SlackCoordinator;
  readonly connection: SlackConnection;
  readonly register: (id: string, handler: (args: Args, raw: unknown) => Promise<unknown>) => vscode.Disposable;
  readonly ask: (prompt: string, options?: { value?: string; placeHolder?: string; allowEmpty?: boolean; password?: boolean }) => Promise<string>;
  readonly interactive: (raw: unknown) => boolean;
}

export interface SlackCommandResult {
  readonly items: readonly { id: string; state: string; summary: string; error?: string }[];
  readonly sent: boolean;
  readonly notes: readonly string[];
}

function summarize(items: readonly OutboxItem[], notes: readonly string[]): SlackCommandResult {
  return {
    items: items.map((i) => ({ id: i.id, state: i.state, summary: i.summary, ...(i.lastError ? { error: i.lastError.message } : {}) })),
    sent: items.every((i) => i.state === 'sent'),
    notes,
  };
}

export function registerSlackCommands(deps: SlackCommandDeps): vscode.Disposable[] {
  const { service, outbox, coordinator, connection, register, ask } = deps;
  const target = (args: Args) => service.resolveId(optionalString(args, 'incidentId'));

  /** Waits for planned items with progress; tells the person what went, what waits and what failed. */
  const deliver = async (title: string, plan: Planned, interactive: boolean, args: Args = {}): Promise<SlackCommandResult> => {
    const ids = plan.items.map((i) => i.id);
    // Automation may say how long to wait (waitMs: 0 returns as soon as the calls are queued).
    const waitMs = typeof args.waitMs === 'number' && args.waitMs >= 0 ? Math.min(args.waitMs, COMMAND_WAIT_MS) : COMMAND_WAIT_MS;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let done = 0;
      const sub = outbox.onDidChange(() => {
        const now = outbox.items().filter((i) => ids.includes(i.id) && i.state === 'sent').length;
        if (now > done) {
          progress.report({ increment: ((now - done) * 100) / ids.length, message: `${now}/${ids.length}` });
          done = now;
        }
      });
      try {
        await Promise.race([outbox.whenSettled(ids, waitMs), new Promise<void>((r) => token.onCancellationRequested(() => r()))]);
      } finally {
        sub.dispose();
      }
    });
    const items = outbox.items().filter((i) => ids.includes(i.id));
    const result = summarize(items, plan.notes);
    for (const n of plan.notes) void vscode.window.showInformationMessage(n);
    // A refusal was already told by the outbox, once, with retry / edit / discard: nothing more to say for it.
    const failed = items.some((i) => i.state === 'failed');
    const waiting = items.filter((i) => i.state === 'pending' || i.state === 'sending');
    if (failed) return result;
    if (waiting.length > 0) {
      const why = (await connection.isConnected()) ? 'Slack is slow or refusing for now; they are retried' : 'Slack is not connected ("Incident: Connect Slack")';
      if (interactive) void vscode.window.showWarningMessage(`${title}: ${waiting.length} of ${items.length} calls are waiting in the outbox (${why}). Nothing is lost; they go out on their own.`);
    } else if (interactive) {
      // Done is the normal case: a quiet word in the status bar, not one more notification to close.
      vscode.window.setStatusBarMessage(`$(check) ${title}: done`, 5000);
    }
    return result;
  };

  return [
    register('incidentCommander.setSlackToken', async (args, raw) => {
      const token = optionalString(args, 'token') ?? (await ask('Slack bot token (starts with xoxb-). It is kept in VS Code\'s secret storage only.', { password: true, placeHolder: 'xoxb-…' }));
      const me = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking the token with Slack…' }, () => connection.connect(token));
      // What waited for a token goes now rather than at its next try.
      outbox.kick();
      if (deps.interactive(raw) || !('token' in args)) void vscode.window.showInformationMessage(`Slack connected: workspace ${me.team}, as ${me.user}.`);
      return { team: me.team, user: me.user };
    }),

    register('incidentCommander.clearSlackToken', async () => {
      await connection.disconnect();
      void vscode.window.showInformationMessage('Slack disconnected: the token was removed. Messages wait in the outbox until Slack is connected again.');
      return true;
    }),

    register('incidentCommander.createChannel', async (args, raw) => {
      const plan = await coordinator.createChannel(target(args), { private: optionalBoolean(args, 'private') });
      return deliver('Creating the Slack channel', plan, deps.interactive(raw), args);
    }),

    register('incidentCommander.updateArtifacts', async (args, raw) => {
      const plan = await coordinator.refreshHeadline(target(args));
      return deliver('Updating the headline and topic', plan, deps.interactive(raw), args);
    }),

    register('incidentCommander.announce', async (args, raw) => {
      const id = target(args);
      let text = optionalString(args, 'text');
      if (text === undefined && deps.interactive(raw)) text = await ask('Announcement (optional: the headline says what, severity and status)', { allowEmpty: true });
      const channels = Array.isArray(args.channels) ? (args.channels as string[]) : undefined;
      return deliver('Announcing the incident', await coordinator.announce(id, text, channels), deps.interactive(raw), args);
    }),

    register('incidentCommander.replyToReporter', async (args, raw) => {
      const id = target(args);
      const incident = service.get(id)!;
      let where: { channel: string; ts: string; threadTs?: string } | undefined;
      const permalink = optionalString(args, 'permalink');
      const channel = optionalString(args, 'channel');
      const ts = optionalString(args, 'ts');
      if (permalink !== undefined) {
        where = parsePermalink(permalink);
        if (!where) throw new IncidentError(`'${permalink}' is not a Slack message link (https://…slack.com/archives/C…/p…).`, 'invalid-input');
      } else if (channel && ts) {
        where = { channel, ts };
      } else {
        const link = await ask("Link to the reporter's Slack message (Copy link in Slack)", { value: incident.reporter?.link && parsePermalink(incident.reporter.link) ? incident.reporter.link : undefined });
        where = parsePermalink(link);
        if (!where) throw new IncidentError(`'${link}' is not a Slack message link.`, 'invalid-input');
      }
      const given = optionalString(args, 'template');
      const template: ReplyTemplate = given === 'customer' || given === 'owner' ? given : incident.reporter?.kind === 'service-owner' ? 'owner' : 'customer';
      if (given !== undefined && given !== template) throw new IncidentError("template must be 'customer' or 'owner'.", 'invalid-input');
      let text = optionalString(args, 'text');
      if (text === undefined && deps.interactive(raw)) {
        text = await ask('The reply (edit it before it is sent)', { value: REPLY_TEMPLATES[template].replace(/\{id\}/g, incident.id).replace(/\{severity\}/g, incident.severity ?? 'severity not set yet') });
      }
      return deliver('Replying to the reporter', await coordinator.replyToReporter(id, where, template, text), deps.interactive(raw), args);
    }),

    register('incidentCommander.postUpdate', async (args, raw) => {
      const id = target(args);
      const kind = (optionalString(args, 'kind') ?? 'status') as UpdateKind;
      if (kind !== 'status' && kind !== 'tce') throw new IncidentError("kind must be 'status' or 'tce'.", 'invalid-input');
      let text = optionalString(args, 'text');
      if (text === undefined) text = await ask(kind === 'tce' ? 'Technical customer escalation' : 'Update for the incident channel (what changed, what is next)');
      if (!text.trim()) throw new IncidentError('An empty update is not posted.', 'invalid-input');
      const plan = await coordinator.postUpdate(id, text, kind, optionalBoolean(args, 'alsoAnnounce') ?? false);
      await service.change(id, { kind: 'addNote', text: `${kind === 'tce' ? 'TCE' : 'Update'} for the Slack channel: ${text}` });
      return deliver('Posting the update', plan, deps.interactive(raw), args);
    }),

    register('incidentCommander.archiveChannel', async (args, raw) => {
      const id = target(args);
      const incident = service.get(id)!;
      if (deps.interactive(raw)) {
        const ok = await vscode.window.showWarningMessage(`Post the closing summary and archive #${incident.slack?.channelName ?? 'the channel'}?`, { modal: true }, 'Archive');
        if (ok !== 'Archive') return undefined;
      }
      return deliver('Archiving the channel', await coordinator.archive(id), deps.interactive(raw), args);
    }),

    register('incidentCommander.gatherFromChannel', async (args, raw) => {
      const id = target(args);
      const incident = service.get(id)!;
      const channel = incident.slack?.channelId;
      if (!channel) throw new IncidentError(`${id} has no Slack channel yet (or it is still being created).`, 'invalid-input');
      const api = await connection.api();
      if (!api) throw new IncidentError('Slack is not connected: run "Incident: Connect Slack" first.', 'invalid-input');
      const limit = typeof args.limit === 'number' && args.limit > 0 ? Math.min(Math.floor(args.limit), 999) : 100;
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Reading the incident channel…' }, () => api.call('conversations.history', { channel, limit }));
      if (!r.ok) throw new IncidentError(r.message, 'invalid-input');
      type Message = { ts: string; text?: string; user?: string; bot_id?: string; pinned_to?: string[] };
      const messages = ((r.data.messages as Message[] | undefined) ?? []).filter((m) => m.text && !m.bot_id).reverse();
      const when = (ts: string) => new Date(Number(ts.split('.')[0]) * 1000).toISOString();
      let chosen: Message[];
      if (deps.interactive(raw)) {
        const picks = await vscode.window.showQuickPick(
          messages.map((m) => ({ label: (m.text ?? '').slice(0, 120), description: `${m.user ?? '?'} · ${when(m.ts).slice(11, 16)} UTC`, picked: !!m.pinned_to?.includes(channel), m })),
          { canPickMany: true, placeHolder: 'Take which messages into the timeline? (pinned ones are ticked)', ignoreFocusOut: true },
        );
        if (!picks) return undefined;
        chosen = picks.map((p) => p.m);
      } else {
        chosen = messages.filter((m) => m.pinned_to?.includes(channel));
      }
      for (const m of chosen) {
        await service.change(id, { kind: 'addNote', text: `From Slack (${m.user ?? 'someone'}, ${when(m.ts)}${m.pinned_to?.includes(channel) ? ', pinned' : ''}): ${m.text}` });
      }
      return { messages: messages.map((m) => ({ ts: m.ts, user: m.user, text: m.text, pinned: !!m.pinned_to?.includes(channel) })), added: chosen.length };
    }),

    register('incidentCommander.retryOutboxItem', async (args) => {
      const itemId = optionalString(args, 'itemId');
      if (!itemId) throw new IncidentError('itemId is required.', 'invalid-input');
      await outbox.retry(itemId);
      return itemId;
    }),

    register('incidentCommander.discardOutboxItem', async (args, raw) => {
      const itemId = optionalString(args, 'itemId');
      if (!itemId) throw new IncidentError('itemId is required.', 'invalid-input');
      const item = outbox.items().find((i) => i.id === itemId);
      if (deps.interactive(raw)) {
        const ok = await vscode.window.showWarningMessage(`Discard "${item?.summary ?? itemId}"? It will not be sent.`, { modal: true }, 'Discard');
        if (ok !== 'Discard') return undefined;
      }
      await outbox.discard(itemId);
      return itemId;
    }),

    register('incidentCommander.editOutboxItem', async (args) => {
      const itemId = optionalString(args, 'itemId');
      const item = outbox.items().find((i) => i.id === itemId);
      if (!item) throw new IncidentError(`There is no outbox item '${String(itemId)}'.`, 'invalid-input');
      const key = typeof item.args.text === 'string' ? 'text' : typeof item.args.name === 'string' ? 'name' : typeof item.args.channel === 'string' ? 'channel' : undefined;
      if (!key) throw new IncidentError('This item has nothing a person can edit; retry or discard it.', 'invalid-input');
      const value = optionalString(args, key) ?? (await ask(`Edit ${key} of "${item.summary}"`, { value: String(item.args[key]) }));
      await outbox.edit(item.id, { args: { ...item.args, [key]: value } });
      if (item.state === 'failed') await outbox.retry(item.id);
      return item.id;
    }),
  ];
}

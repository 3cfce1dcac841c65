/**
 * The composition root: builds the object graph, registers everything with the context, and
 * returns the API for other extensions and tests. Activation does no I/O it can leave for later.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Incident } from './core/incident/types';
import { IncidentService, IncidentsChanged } from './core/incidentService';
import { IncidentStore, LoadResult } from './core/store/incidentStore';
import { Outbox } from './core/outbox/outbox';
import type { OutboxItem } from './core/outbox/types';
import { OUTBOX_CONCURRENCY, SlackCoordinator } from './core/slack/coordinator';
import { ask, commandRegistrar, isInteractive, registerCommands } from './ui/commands';
import { registerSlackCommands } from './ui/slack/commands';
import { SlackConnection } from './ui/slack/connection';
import { LazySlackSender } from './ui/slack/sender';
import { readSlackSettings } from './ui/slack/settings';
import { IncidentTreeNode, IncidentTreeProvider } from './ui/incidentTree';
import { PlaybookSource, WORKSPACE_PLAYBOOK_FILE } from './ui/playbookSource';
import { IncidentStatusBar } from './ui/statusBar';
import { storageRoot, watchStorage } from './ui/storage';

export interface IncidentCommanderApi {
  listIncidents(): Incident[];
  getIncident(id: string): Incident | undefined;
  readonly onDidChangeIncidents: vscode.Event<IncidentsChanged>;
  /** Everything, unreadable records included (for diagnostics and tests). */
  listRecords(): readonly LoadResult[];
  /** Resolves when the records have been read from disk. */
  ready(): Promise<void>;
  readonly storageRoot: string;
  readonly activeIncidentId: string | undefined;
  readonly playbookSource: 'default' | 'workspace';
  /** Every call waiting for, sent to or refused by Slack, by incident (for tests and status displays). */
  outboxItems(incidentId?: string): readonly OutboxItem[];
  /** The Incidents tree's data, as the view renders it (for tests and for extensions that show the checklist). */
  readonly tree: vscode.TreeDataProvider<IncidentTreeNode>;
  /** Milliseconds `activate()` took, for the benchmark. */
  readonly activationMs: number;
}

function actor(): string {
  const configured = vscode.workspace.getConfiguration('incidentCommander').get<string>('userName', '').trim();
  if (configured) return configured;
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function activate(context: vscode.ExtensionContext): IncidentCommanderApi {
  const started = performance.now();
  const playbooks = new PlaybookSource(context.extensionPath);
  const root = storageRoot(context);
  const service = new IncidentService(new IncidentStore(root), {
    actor,
    playbook: () => playbooks.playbook,
    state: context.workspaceState,
  });
  const connection = new SlackConnection(context.secrets, context.extensionPath);
  let connected = false;
  const outbox = new Outbox({ root, sender: new LazySlackSender(context.extensionPath, connection), maxConcurrent: OUTBOX_CONCURRENCY });
  const coordinator = new SlackCoordinator(service, outbox, readSlackSettings);
  const tree = new IncidentTreeProvider(service, {
    items: (id) => outbox.items(id),
    onDidChange: (listener) => outbox.onDidChange(() => listener()),
    connected: () => connected,
  });
  const treeView = vscode.window.createTreeView<IncidentTreeNode>('incidentCommander.incidents', {
    treeDataProvider: tree,
    showCollapseAll: true,
    manageCheckboxStateManually: true,
  });
  const refreshConnection = async () => {
    connected = await connection.isConnected();
    void vscode.commands.executeCommand('setContext', 'incidentCommander.slackConnected', connected);
    tree.refresh();
  };

  const setContext = () => {
    void vscode.commands.executeCommand('setContext', 'incidentCommander.hasIncidents', service.list().length > 0);
  };

  const onIncidentFiles = (id: string) => {
    void service.reload(id);
    void outbox.reload(id).catch(() => undefined);
  };
  const watcher = watchStorage(root, onIncidentFiles, () => void loadPlaybook());
  const loadPlaybook = async () => {
    const errors = await playbooks.load(path.join(root, WORKSPACE_PLAYBOOK_FILE), vscode.workspace.isTrusted);
    if (errors > 0) {
      const choice = await vscode.window.showWarningMessage(
        `The workspace playbook has ${errors} problem${errors === 1 ? '' : 's'}; the default procedure is used until they are fixed.`,
        'Show Problems',
      );
      if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
    }
  };

  context.subscriptions.push(
    playbooks,
    service,
    tree,
    treeView,
    new IncidentStatusBar(service),
    ...registerCommands({ service, tree, treeView }),
    ...registerSlackCommands({ service, outbox, coordinator, connection, register: commandRegistrar(service), ask, interactive: isInteractive }),
    connection,
    coordinator,
    outbox,
    connection.onDidChange(() => void refreshConnection()),
    outbox.onDidChange((items) => notifyRefusals(items)),
    service.onDidChange(setContext),
    playbooks.onDidChange(() => tree.refresh()),
    treeView.onDidChangeCheckboxState(async (e) => {
      for (const [node, state] of e.items) {
        if (node.nodeType !== 'step') continue;
        try {
          await service.change(node.incidentId, { kind: 'toggleStep', stepId: node.stepId, done: state === vscode.TreeItemCheckboxState.Checked });
        } catch (err) {
          void vscode.window.showErrorMessage((err as Error).message);
          tree.refresh();
        }
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void loadPlaybook()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('incidentCommander.storageFolder') && storageRoot(context) !== root) {
        // Records, timelines and the outbox move together: a reload picks the new folder up for all of them.
        const choice = await vscode.window.showInformationMessage('The incident storage folder changed; reload the window to use it.', 'Reload Window');
        if (choice) await vscode.commands.executeCommand('workbench.action.reloadWindow');
      }
    }),
    { dispose: () => watcher.dispose() },
  );

  // Reading the records and the workspace playbook waits until activation has returned.
  /** A refusal (invalid_auth, channel_not_found, …) is told once, with the three ways on. */
  const told = new Set<string>();
  const notifyRefusals = (items: readonly OutboxItem[]) => {
    for (const item of items) {
      if (item.state !== 'failed' || told.has(`${item.id}:${item.attempts}`)) continue;
      told.add(`${item.id}:${item.attempts}`);
      void vscode.window.showErrorMessage(`Slack refused "${item.summary}": ${item.lastError?.message ?? 'unknown error'}`, 'Retry', 'Edit', 'Discard').then((choice) => {
        const command = choice === 'Retry' ? 'incidentCommander.retryOutboxItem' : choice === 'Edit' ? 'incidentCommander.editOutboxItem' : choice === 'Discard' ? 'incidentCommander.discardOutboxItem' : undefined;
        if (command) void vscode.commands.executeCommand(command, { nodeType: 'outboxItem', incidentId: item.incidentId, itemId: item.id });
      });
    }
  };

  const ready = Promise.all([service.ready(), loadPlaybook(), refreshConnection(), outbox.loadAll().then(() => outbox.start())]).then(
    () => {
      void vscode.commands.executeCommand('setContext', 'incidentCommander.loaded', true);
      setContext();
    },
    (err) => {
      void vscode.commands.executeCommand('setContext', 'incidentCommander.loaded', true);
      void vscode.window.showErrorMessage(`Incident Commander could not read ${root}: ${(err as Error).message}`);
    },
  );

  const activationMs = performance.now() - started;
  return {
    listIncidents: () => service.incidents(),
    getIncident: (id) => service.get(id),
    onDidChangeIncidents: service.onDidChange,
    listRecords: () => service.list(),
    outboxItems: (id) => outbox.items(id),
    ready: () => ready,
    get storageRoot() {
      return root;
    },
    get activeIncidentId() {
      return service.activeId;
    },
    get playbookSource() {
      return playbooks.source;
    },
    tree,
    activationMs,
  };
}

export function deactivate(): void {}

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
import { registerCommands } from './ui/commands';
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
  let root = storageRoot(context);
  const service = new IncidentService(new IncidentStore(root), {
    actor,
    playbook: () => playbooks.playbook,
    state: context.workspaceState,
  });
  const tree = new IncidentTreeProvider(service);
  const treeView = vscode.window.createTreeView<IncidentTreeNode>('incidentCommander.incidents', {
    treeDataProvider: tree,
    showCollapseAll: true,
    manageCheckboxStateManually: true,
  });

  const setContext = () => {
    void vscode.commands.executeCommand('setContext', 'incidentCommander.hasIncidents', service.list().length > 0);
  };

  let watcher = watchStorage(root, (id) => void service.reload(id), () => void loadPlaybook());
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
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('incidentCommander.storageFolder')) {
        root = storageRoot(context);
        watcher.dispose();
        watcher = watchStorage(root, (id) => void service.reload(id), () => void loadPlaybook());
        service.useStore(new IncidentStore(root));
        void loadPlaybook();
      }
    }),
    { dispose: () => watcher.dispose() },
  );

  // Reading the records and the workspace playbook waits until activation has returned.
  const ready = Promise.all([service.ready(), loadPlaybook()]).then(
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

/** Where the records live, and watching them change on disk (git pull, another window). */
import * as path from 'node:path';
import * as vscode from 'vscode';

/** `<first workspace folder>/<incidentCommander.storageFolder>`, or the extension's global storage with no folder open. */
export function storageRoot(context: vscode.ExtensionContext): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && folder.uri.scheme === 'file') {
    const configured = vscode.workspace.getConfiguration('incidentCommander', folder.uri).get<string>('storageFolder', '.incidents').trim() || '.incidents';
    return path.resolve(folder.uri.fsPath, configured);
  }
  return path.join(context.globalStorageUri.fsPath, 'incidents');
}

/**
 * Calls back with the incident id whose files changed, at most once per id per `delayMs`,
 * and with undefined for the playbook file.
 */
export function watchStorage(root: string, onIncident: (id: string) => void, onPlaybook: () => void, delayMs = 100): vscode.Disposable {
  const pending = new Map<string, NodeJS.Timeout>();
  const schedule = (key: string, fn: () => void) => {
    clearTimeout(pending.get(key));
    pending.set(
      key,
      setTimeout(() => {
        pending.delete(key);
        fn();
      }, delayMs),
    );
  };
  const base = vscode.Uri.file(root);
  const records = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(base, '*/{incident.json,timeline.jsonl}'));
  const onRecord = (uri: vscode.Uri) => {
    const id = path.basename(path.dirname(uri.fsPath));
    schedule(id, () => onIncident(id));
  };
  // A folder added or removed whole (git pull, rm -r) may report only the folder, not the files in it.
  const folders = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(base, '*'), false, true, false);
  const onFolder = (uri: vscode.Uri) => {
    const id = path.basename(uri.fsPath);
    if (id !== 'playbook.yaml') schedule(id, () => onIncident(id));
  };
  const playbook = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(base, 'playbook.yaml'));
  const onPb = () => schedule('\0playbook', onPlaybook);
  const subs = [
    records,
    records.onDidCreate(onRecord),
    records.onDidChange(onRecord),
    records.onDidDelete(onRecord),
    folders,
    folders.onDidCreate(onFolder),
    folders.onDidDelete(onFolder),
    playbook,
    playbook.onDidCreate(onPb),
    playbook.onDidChange(onPb),
    playbook.onDidDelete(onPb),
  ];
  return new vscode.Disposable(() => {
    for (const t of pending.values()) clearTimeout(t);
    for (const s of subs) s.dispose();
  });
}

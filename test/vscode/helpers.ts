// Shared by the extension-host tests.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { IncidentCommanderApi } from '../../src/extension';

export const EXTENSION_ID = 'ims.incident-commander';

export async function api(): Promise<IncidentCommanderApi> {
  const ext = vscode.extensions.getExtension<IncidentCommanderApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  const a = await ext.activate();
  await a.ready();
  return a;
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder');
  return folder.uri.fsPath;
}

/** Polls until `check` returns a truthy value (file watchers are asynchronous). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 8000): Promise<NonNullable<T>> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function run<T = unknown>(command: string, args?: unknown): Promise<T> {
  return Promise.resolve(vscode.commands.executeCommand<T>(command, args));
}

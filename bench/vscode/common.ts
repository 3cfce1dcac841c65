// Shared by the benchmark modules the extension host loads as extensionTestsPath (built to out/bench/vscode/).
// They write their numbers as JSON to process.env.IC_BENCH_OUT (code-server's environment reaches the host).
import { statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'ims.incident-commander';

export interface ApiShape {
  readonly activationMs: number;
  ready(): Promise<void>;
  readonly playbookSource: 'default' | 'workspace';
  readonly storageRoot: string;
  readonly tree: vscode.TreeDataProvider<unknown>;
  listIncidents(): { id: string }[];
}

export function writeResult(result: unknown): void {
  const out = process.env.IC_BENCH_OUT;
  if (!out) throw new Error('IC_BENCH_OUT is not set');
  writeFileSync(out, JSON.stringify(result, null, 2));
}

export interface LoadedModule {
  readonly file: string;
  readonly bytes: number;
}

/** The modules of the extension's own dist/ that are in require.cache now, with their size on disk. */
export function loadedDistModules(extensionPath: string): LoadedModule[] {
  const dist = path.join(extensionPath, 'dist') + path.sep;
  return Object.keys(require.cache)
    .filter((f) => f.startsWith(dist))
    .sort()
    .map((f) => ({ file: path.relative(extensionPath, f), bytes: statSync(f).size }));
}

/** The extension host's performance marks for this extension (VS Code's own, 1 ms resolution). */
export function extensionMarks(): Record<string, number> {
  const perf = (globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } }).MonacoPerformanceMarks;
  const marks: Record<string, number> = {};
  for (const m of perf?.getMarks() ?? []) {
    if (m.name.endsWith(`/${EXTENSION_ID}`) || m.name === 'code/timeOrigin') marks[m.name.replace(`/${EXTENSION_ID}`, '')] = m.startTime;
  }
  return marks;
}

/** Module load (require of dist/extension.js) and activate() call as VS Code's extension host timed them. */
export function hostTimings(marks: Record<string, number>): { moduleLoadMs?: number; activateCallMs?: number } {
  const d = (a: string, b: string) => (marks[a] !== undefined && marks[b] !== undefined ? marks[b] - marks[a] : undefined);
  return {
    moduleLoadMs: d('code/extHost/willLoadExtensionCode', 'code/extHost/didLoadExtensionCode'),
    activateCallMs: d('code/extHost/willActivateExtension', 'code/extHost/didActivateExtension'),
  };
}

export async function getApi(): Promise<{ extension: vscode.Extension<ApiShape>; api: ApiShape; wasActive: boolean }> {
  const extension = vscode.extensions.getExtension<ApiShape>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded in the extension host`);
  const wasActive = extension.isActive;
  const api = await extension.activate();
  return { extension, api, wasActive };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function stats(xs: number[]): { median: number; min: number; max: number; n: number; samples: number[] } {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length, samples: xs.map((x) => Math.round(x * 1000) / 1000) };
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Runs one benchmark module (an extensionTestsPath built to out/bench/vscode/) in a fresh code-server:
// fresh server process, fresh user-data-dir and extensions-dir (startCodeServer's defaults), so a fresh
// extension host. The module writes its numbers to IC_BENCH_OUT; this returns them parsed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startCodeServer, watchAutomation } from '../test/host/codeServer.mjs';

export const BENCH_RESULTS = join(REPO_ROOT, 'bench', 'results');
export const LOG_DIR = join(BENCH_RESULTS, 'logs');

/**
 * @param {{ browser: import('playwright-core').Browser, workspace: string, ext?: string (extensionDevelopmentPath), testsPath: string, label: string,
 *           timeoutMs?: number, env?: Record<string, string> }} options
 */
export async function runInHost({ browser, workspace, ext = REPO_ROOT, testsPath, label, timeoutMs = 120_000, env = {} }) {
  mkdirSync(LOG_DIR, { recursive: true });
  const tmp = mkdtempSync(join(os.tmpdir(), 'ic-bench-host-'));
  const outFile = join(tmp, 'result.json');
  const logLines = [];
  const started = Date.now();
  let server;
  let context;
  let exitCode;
  try {
    server = await startCodeServer({ workspace, env: { ...env, IC_BENCH_OUT: outFile }, logFile: join(LOG_DIR, `code-server-${label}.log`) });
    context = await browser.newContext();
    const page = await context.newPage();
    const { exited } = await watchAutomation(page, logLines);
    await page.goto(server.workbenchUrl(workspace, { extensionDevelopmentPath: ext, extensionTestsPath: testsPath }), { waitUntil: 'domcontentloaded' });
    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    exitCode = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (exitCode === 'timeout') throw new Error(`${label}: the extension host did not finish within ${timeoutMs / 1000} s (logs in ${LOG_DIR})`);
    let result;
    try {
      result = JSON.parse(readFileSync(outFile, 'utf8'));
    } catch {
      throw new Error(`${label}: no result written (exit code ${exitCode}); see ${LOG_DIR}`);
    }
    if (!result.ok) throw new Error(`${label}: ${result.error}`);
    if (exitCode !== 0) throw new Error(`${label}: run() rejected (exit code ${exitCode})`);
    return { ...result, wallMs: Date.now() - started };
  } finally {
    writeFileSync(join(LOG_DIR, `workbench-${label}.log`), logLines.join('\n') + '\n');
    await context?.close().catch(() => {});
    await server?.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}

// Runs the extension's extension-host tests (out/test/vscode/index.js, built by `node scripts/build.mjs --tests`)
// inside code-server's real extension host, driven by Debian chromium:
//   1. starts code-server on the workspace with IC_TEST_RESULTS (a JSON results file) and IC_TEST_WORKSPACE in
//      its environment (code-server's environment reaches the extension host);
//   2. opens http://127.0.0.1:PORT/?folder=<ws>&payload=[[extensionDevelopmentPath, vscode-remote://…<repo>],
//      [extensionTestsPath, vscode-remote://…/out/test/vscode/index.js]]; the workbench loads the extension in
//      development mode and calls index.js's run();
//   3. waits for window.codeAutomationExit(code) (exposed before goto), printing each test as it finishes;
//   4. returns { passed, failed, failures: [{ title, error }], exitCode, durationMs } from the results file.
//
//   node test/host/runExtensionTests.mjs [workspace]    (default: a temp copy of the demo workspace)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, RESULTS_DIR, copyDemoWorkspace, launchBrowser, startCodeServer, watchAutomation } from './codeServer.mjs';

export const TESTS_INDEX = join(REPO_ROOT, 'out', 'test', 'vscode', 'index.js');

/**
 * @param {{ workspace: string, timeoutMs?: number, env?: Record<string,string>, settings?: Record<string,unknown>,
 *           log?: (line: string) => void }} options
 * @returns {Promise<{ passed: number, failed: number, failures: { title: string, error: string }[], exitCode: number|null, durationMs: number }>}
 */
export async function runExtensionTests({ workspace, timeoutMs = 5 * 60_000, env = {}, settings = {}, log = (l) => console.log(l) }) {
  if (!existsSync(TESTS_INDEX)) throw new Error(`${TESTS_INDEX} is missing: run node scripts/build.mjs --tests first`);
  const started = Date.now();
  mkdirSync(RESULTS_DIR, { recursive: true });
  const tmp = mkdtempSync(join(os.tmpdir(), 'ic-vscode-tests-'));
  const resultsFile = join(tmp, 'results.json');
  const progressFile = `${resultsFile}.progress`;
  const workbenchLog = join(RESULTS_DIR, 'vscode-workbench.log');
  const logLines = [];

  let server;
  let browser;
  let progressTimer;
  let printed = 0;
  const printProgress = () => {
    if (!existsSync(progressFile)) return;
    const lines = readFileSync(progressFile, 'utf8').split('\n').filter(Boolean);
    for (; printed < lines.length; printed++) log(`  ${lines[printed]}`);
  };

  let exitCode = null;
  try {
    server = await startCodeServer({
      workspace,
      env: { ...env, IC_TEST_RESULTS: resultsFile, IC_TEST_WORKSPACE: workspace },
      settings,
      logFile: join(RESULTS_DIR, 'code-server-vscode-tier.log'),
    });
    browser = await launchBrowser();
    const page = await browser.newPage();
    const { exited } = await watchAutomation(page, logLines);

    const url = server.workbenchUrl(workspace, { extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: TESTS_INDEX });
    progressTimer = setInterval(printProgress, 250);
    await page.goto(url, { waitUntil: 'domcontentloaded' });

    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    printProgress();
    if (outcome === 'timeout') {
      await page.screenshot({ path: join(RESULTS_DIR, 'vscode-tier-timeout.png') }).catch(() => {});
      throw new Error(`extension-host tests did not finish within ${timeoutMs / 1000} s`);
    }
    exitCode = outcome;
  } finally {
    clearInterval(progressTimer);
    writeFileSync(workbenchLog, logLines.join('\n') + '\n');
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
  }

  let results;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    results = {
      passed: 0,
      failed: 1,
      failures: [{ title: 'extension-host test run', error: `no results written (exit code ${exitCode}); see ${workbenchLog} and ${server?.logFile}` }],
    };
  }
  if (exitCode !== 0 && results.failed === 0) {
    results.failed = 1;
    results.failures.push({ title: 'extension-host test run', error: `run() rejected (exit code ${exitCode}); see ${workbenchLog}` });
  }
  rmSync(tmp, { recursive: true, force: true });
  return { passed: results.passed, failed: results.failed, failures: results.failures, exitCode, durationMs: Date.now() - started };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const workspace = process.argv[2] ?? copyDemoWorkspace();
  runExtensionTests({ workspace })
    .then((r) => {
      for (const f of r.failures) console.log(`\n✗ ${f.title}\n${f.error}`);
      console.log(`${r.passed} passed, ${r.failed} failed (${(r.durationMs / 1000).toFixed(1)} s)`);
      process.exit(r.failed > 0 ? 1 : 0);
    })
    .catch((err) => {
      console.error(err?.stack ?? err);
      process.exit(1);
    });
}

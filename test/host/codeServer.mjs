// Starts code-server (VS Code 1.100.3's server + web workbench, installed by scripts/test-host.mjs) and the
// Debian chromium that drives it. Shared by the extension-host tier (runExtensionTests.mjs), the UI tier
// (test/ui/harness.mjs) and `npm start`.
//
//   const server = await startCodeServer({ workspace, env: { IC_X: '1' }, settings: { 'a.b': true } });
//   server.url        http://127.0.0.1:<port>/
//   server.folderUrl(payload?)   the workbench URL for the workspace, with an optional `payload`
//   await server.stop()
//
//   const browser = await launchBrowser();  // playwright-core Browser
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_SERVER_ENTRY } from '../../scripts/test-host.mjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'test-results');
export const EXTENSION_ID = 'ims.incident-commander';
export const DEMO_WORKSPACE = join(REPO_ROOT, 'test', 'fixtures', 'demo-workspace');

/**
 * Copies the committed demo workspace to `dest` (default: a fresh temp dir) so tests never write into the
 * fixture. Returns the copy's path.
 */
export function copyDemoWorkspace(dest) {
  dest ??= join(mkdtempSync(join(os.tmpdir(), 'ic-workspace-')), 'demo-workspace');
  cpSync(DEMO_WORKSPACE, dest, { recursive: true });
  return dest;
}

/** A free TCP port on 127.0.0.1 (asks the OS, then releases it for code-server). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

async function waitForHttp(url, { timeoutMs, isAlive, logFile }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`code-server exited before answering; see ${logFile}`);
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      if (res.status > 0) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms (${lastError?.message ?? ''}); see ${logFile}`);
}

/**
 * The workbench URL that opens `folder`, optionally with a `payload` (VS Code's web workbench reads
 * extensionDevelopmentPath / extensionTestsPath from it; paths become vscode-remote:// URIs on this server).
 * @param {number} port
 * @param {string} folder absolute path on this machine
 * @param {{ extensionDevelopmentPath?: string, extensionTestsPath?: string }} [payload]
 */
export function workbenchUrl(port, folder, payload = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${resolve(p)}`;
  const entries = [];
  if (payload.extensionDevelopmentPath) entries.push(['extensionDevelopmentPath', remote(payload.extensionDevelopmentPath)]);
  if (payload.extensionTestsPath) entries.push(['extensionTestsPath', remote(payload.extensionTestsPath)]);
  let url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(resolve(folder))}`;
  if (entries.length > 0) url += `&payload=${encodeURIComponent(JSON.stringify(entries))}`;
  return url;
}

/**
 * Starts code-server on a free port (or `port`) with a fresh user-data-dir.
 * @param {{
 *   workspace: string,                 folder to open (code-server's default folder)
 *   env?: Record<string,string>,       extra environment; reaches the extension host's process.env
 *   settings?: Record<string,unknown>, written to <user-data-dir>/User/settings.json before the start
 *   extensionsDir?: string,            --extensions-dir (default: a fresh temp dir, removed on stop)
 *   userDataDir?: string,              --user-data-dir (default: a fresh temp dir, removed on stop; a given one
 *                                      is kept, and its existing User/settings.json is merged, not replaced)
 *   port?: number,
 *   logFile?: string,                  code-server's stdout+stderr (default test-results/code-server-<port>.log)
 *   timeoutMs?: number,                how long to wait for HTTP (default 60 s)
 * }} options
 * @returns {Promise<{ url: string, port: number, pid: number, userDataDir: string, extensionsDir: string, logFile: string, exited: Promise<void>,
 *   workbenchUrl: (folder?: string, payload?: object) => string, stop: () => Promise<void> }>}
 */
export async function startCodeServer({ workspace, env = {}, settings = {}, extensionsDir, userDataDir, port, logFile, timeoutMs = 60_000 }) {
  if (!workspace) throw new Error('startCodeServer: workspace is required');
  port ??= await freePort();
  const tempRoot = mkdtempSync(join(os.tmpdir(), 'ic-code-server-'));
  const ownsUserData = !userDataDir;
  userDataDir ??= join(tempRoot, 'user-data');
  extensionsDir ??= join(tempRoot, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // A reused user-data-dir (npm start) keeps the user's own settings; the given ones are laid over them.
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  let existing = {};
  if (!ownsUserData && existsSync(settingsFile)) {
    try { existing = JSON.parse(readFileSync(settingsFile, 'utf8')); } catch { existing = {}; }
  }
  writeFileSync(
    settingsFile,
    JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', ...existing, ...settings }, null, 2),
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  logFile ??= join(RESULTS_DIR, `code-server-${port}.log`);
  const fd = openSync(logFile, 'w');
  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    resolve(workspace),
  ];
  const child = spawn(process.execPath, args, {
    cwd: tempRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
    detached: true, // own process group, so stop() kills the server and its extension hosts together
  });
  closeSync(fd);
  let exited = false;
  const exitedPromise = new Promise((r) => child.once('exit', () => { exited = true; r(); }));

  const killGroup = (signal) => {
    try { process.kill(-child.pid, signal); } catch { /* already gone */ }
  };
  const onParentExit = () => killGroup('SIGKILL');
  process.once('exit', onParentExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onParentExit);
    if (!exited) {
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(t);
    }
    killGroup('SIGKILL'); // stragglers in the group (extension host, pty host)
    rmSync(tempRoot, { recursive: true, force: true, maxRetries: 3 }); // holds the default user-data and extensions dirs only
  };

  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForHttp(`${url}healthz`, { timeoutMs, isAlive: () => !exited, logFile });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    pid: child.pid,
    userDataDir,
    extensionsDir,
    logFile,
    /** Resolves when the code-server process exits. */
    exited: exitedPromise,
    workbenchUrl: (folder = workspace, payload) => workbenchUrl(port, folder, payload),
    stop,
  };
}

/**
 * Debian's chromium through playwright-core (playwright cannot download a browser here).
 * @param {{ headless?: boolean, args?: string[] }} [options]
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchBrowser({ headless = true, args = [] } = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
      ...args,
    ],
  });
}

/**
 * Prepares a workbench page for a run of extension code: collects the page's console and the workbench's
 * log lines into `logLines`, and exposes `codeAutomationExit` before any navigation.
 * @returns {Promise<number>} resolves with the exit code the workbench reports (0 when run() resolved).
 */
export async function watchAutomation(page, logLines) {
  page.on('console', (msg) => logLines.push(`[console.${msg.type()}] ${msg.text()}`));
  page.on('pageerror', (err) => logLines.push(`[pageerror] ${err?.stack ?? err}`));
  let onExit;
  const exited = new Promise((resolve) => (onExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code) => onExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    logLines.push(`[${type}] ${Array.isArray(args) ? args.map(String).join(' ') : String(args)}`);
  });
  return { exited };
}

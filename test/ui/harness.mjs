// Harness for UI tests: drives the real VS Code workbench (code-server) in Debian chromium as a person would.
//
// A UI test file is a plain ES module run as its own process (scripts/test.mjs runs every test/ui/*.test.mjs
// as `node test/ui/<file>`; you can run one the same way after `node scripts/build.mjs --tests`):
//
//   import { test, assert } from './harness.mjs';
//
//   test('declare an incident from the palette', async ({ open }) => {
//     const wb = await open();                       // code-server + chromium, extension loaded, NO tests
//     await wb.openViewContainer('Incidents');       // activity-bar item by its title
//     await wb.runCommand('Incident: Declare an Incident');
//     await wb.quickPick('SEV2');                    // type into the open quick input, pick the row, Enter
//     await wb.treeRow('Acknowledge the page').waitFor();
//     await wb.clickCheckbox('Acknowledge the page');
//     assert.match(await wb.statusBarText(), /SEV2/);
//     await wb.screenshot('declared');               // test-results/declared.png
//   });
//
// Each test gets a fresh workbench per open(): a temp copy of test/fixtures/demo-workspace (wb.workspace), a
// fresh user-data-dir, and the extension loaded in development mode from the repo root via the workbench's
// `payload` URL parameter ([["extensionDevelopmentPath", "vscode-remote://127.0.0.1:PORT<repo>"]]; without an
// extensionTestsPath the workbench just runs it; the title bar says "[Extension Development Host]").
// Everything opened is closed after the test; a failing test leaves test-results/<test name>-failure.png.
// Tests in a file run one after another. The file's last stdout line is `IC_UI_RESULT {"passed":..,"failed":..,
// "failures":[..]}`, which scripts/test.mjs reads; the exit code is 1 if any test failed.
//
// Locators (checked in code-server 4.100.3 / VS Code 1.100.3):
//   workbench           .monaco-workbench
//   tree / list rows    .monaco-list-row (label text inside)
//   tree checkbox       .custom-view-tree-node-item-checkbox (inside the row)
//   activity bar item   .activitybar .action-item a.action-label[aria-label^="<title>"]
//   quick input         .quick-input-widget; its rows .quick-input-list .monaco-list-row
//   status bar          #workbench\.parts\.statusbar, items .statusbar-item
//   notifications       .notification-toast
//   webviews            one of page.frames() (see wb.webviewFrame)
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_ID, REPO_ROOT, RESULTS_DIR, copyDemoWorkspace, launchBrowser, startCodeServer } from '../host/codeServer.mjs';

export { assert, EXTENSION_ID, REPO_ROOT, RESULTS_DIR };

/** Titles of the activity-bar containers package.json contributes: their icons show once the extension is loaded. */
function contributedContainerTitles() {
  try {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    return (pkg.contributes?.viewsContainers?.activitybar ?? []).map((c) => c.title).filter(Boolean);
  } catch {
    return [];
  }
}

const safeName = (name) => name.replace(/[^a-z0-9._-]+/gi, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'screenshot';

/**
 * Starts code-server on a temp copy of the demo workspace, opens the workbench with the extension loaded for
 * development, waits until it is ready. Call wb.close() when done (test() does it for you).
 * @param {{ settings?: Record<string,unknown>, env?: Record<string,string>, workspace?: string,
 *           extension?: boolean, viewport?: { width: number, height: number }, timeoutMs?: number }} [options]
 *   extension: false opens the workbench without the extension.
 */
export async function openWorkbench({ settings = {}, env = {}, workspace, extension = true, viewport = { width: 1400, height: 900 }, timeoutMs = 60_000 } = {}) {
  workspace ??= copyDemoWorkspace();
  const server = await startCodeServer({ workspace, settings, env: { IC_TEST_WORKSPACE: workspace, ...env } });
  let browser;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(15_000);
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e?.stack ?? e}`));
    const url = server.workbenchUrl(workspace, extension ? { extensionDevelopmentPath: REPO_ROOT } : {});
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const wb = new Workbench({ server, browser, page, workspace, consoleLines, url });
    await wb.waitForWorkbench(timeoutMs);
    if (extension) await wb.waitForExtension(timeoutMs);
    return wb;
  } catch (err) {
    await browser?.close().catch(() => {});
    await server.stop().catch(() => {});
    throw err;
  }
}

export class Workbench {
  constructor({ server, browser, page, workspace, consoleLines, url }) {
    /** @type {import('playwright-core').Page} */
    this.page = page;
    this.browser = browser;
    this.server = server;
    /** Absolute path of this workbench's (temporary) workspace folder. */
    this.workspace = workspace;
    this.consoleLines = consoleLines;
    this.url = url;
  }

  /** Waits for the workbench and for the extension host to have started (the status bar is drawn). */
  async waitForWorkbench(timeoutMs = 60_000) {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    // The explorer shows the folder once the remote connection is up.
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /**
   * Waits until the extension under development is registered: the activity-bar containers its package.json
   * contributes (e.g. "Incidents") are drawn. Resolves at once if it contributes none.
   */
  async waitForExtension(timeoutMs = 60_000) {
    for (const title of contributedContainerTitles()) {
      await this.activityBarItem(title).waitFor({ state: 'visible', timeout: timeoutMs });
    }
  }

  /** The activity-bar item of a view container, by its title. */
  activityBarItem(title) {
    return this.page.locator(`.activitybar .action-item a.action-label[aria-label^="${title}"]`).first();
  }

  /** Runs a command through the command palette: F1, type `title` (as shown, e.g. "Incident: Declare an Incident"), Enter. */
  async runCommand(title) {
    await this.page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 }, force: true }).catch(() => {});
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    // Enter runs the focused row; the list filters asynchronously, so wait until that row is the command.
    await this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused').filter({ hasText: title }).first().waitFor({ state: 'visible' });
    await this.page.keyboard.press('Enter');
  }

  /** Rows of the open quick input (palette, quick pick), optionally those containing `text`. */
  quickInputRow(text) {
    const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    return text === undefined ? rows : rows.filter({ hasText: text });
  }

  /** In an open quick pick: types `text` and presses Enter once the row Enter would pick matches `text`. */
  async quickPick(text) {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    // A quick pick has rows; waiting for them keeps the text out of an input box that is still closing.
    await this.quickInputRow().first().waitFor({ state: 'visible' });
    await input.fill(text);
    // The list filters asynchronously: wait until the row that Enter would pick (the focused one) matches.
    await this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused').filter({ hasText: text }).first().waitFor({ state: 'visible' });
    await this.page.keyboard.press('Enter');
  }

  /** Fills a free-text input box (showInputBox), presses Enter, and waits until the box has taken it. */
  async inputBox(text) {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    await this.page.keyboard.press('Enter');
    await this.waitFor(async () => !(await input.isVisible()) || (await input.inputValue()) !== text, { message: `the input box to take "${text}"` });
  }

  /** Opens a view container from the activity bar by its title (e.g. "Incidents"). */
  async openViewContainer(title) {
    const item = this.activityBarItem(title);
    await item.waitFor({ state: 'visible' });
    const expanded = await item.locator('xpath=..').getAttribute('aria-expanded').catch(() => null);
    const checked = await item.locator('xpath=..').getAttribute('aria-checked').catch(() => null);
    if (expanded !== 'true' && checked !== 'true') await item.click();
    await this.page.locator('.sidebar .composite.title').filter({ hasText: title.toUpperCase() }).first().waitFor({ state: 'visible' }).catch(() => {});
  }

  /** All tree / list rows (`.monaco-list-row`) in the side bar, or those containing `label`. */
  treeRows(label) {
    const rows = this.page.locator('.sidebar .monaco-list-row');
    return label === undefined ? rows : rows.filter({ hasText: label });
  }

  /** The first side-bar row containing `label`. */
  treeRow(label) {
    return this.treeRows(label).first();
  }

  /** Labels of the side-bar rows, in order. */
  async treeLabels() {
    return (await this.treeRows().allInnerTexts()).map((t) => t.split('\n')[0].trim());
  }

  /** Clicks the checkbox of the tree row containing `label` (fires TreeView.onDidChangeCheckboxState). */
  async clickCheckbox(label) {
    const box = this.treeRow(label).locator('.custom-view-tree-node-item-checkbox');
    await box.waitFor({ state: 'visible' });
    await box.click();
  }

  /** Whether the tree row's checkbox is ticked. */
  async isChecked(label) {
    const box = this.treeRow(label).locator('.custom-view-tree-node-item-checkbox');
    const aria = await box.getAttribute('aria-checked');
    if (aria !== null) return aria === 'true';
    return /\bchecked\b/.test((await box.getAttribute('class')) ?? '');
  }

  /** The status bar's whole text. */
  async statusBarText() {
    return (await this.page.locator('#workbench\\.parts\\.statusbar').innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Status bar items, or those containing `text`. */
  statusBarItem(text) {
    const items = this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item');
    return text === undefined ? items : items.filter({ hasText: text });
  }

  /** Texts of the notification toasts currently shown. */
  async notifications() {
    return (await this.page.locator('.notification-toast').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** Waits until a notification toast containing `text` shows; returns its locator. */
  async waitForNotification(text, timeout = 15_000) {
    const toast = this.page.locator('.notification-toast').filter({ hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout });
    return toast;
  }

  /** Tab labels of the open editors. */
  async editorTabs() {
    return (await this.page.locator('.tabs-container .tab .label-name').allInnerTexts()).map((t) => t.trim());
  }

  /**
   * The frame of a webview whose document contains `selector` (webviews are nested iframes; code-server serves
   * them from its own origin, so Playwright can fill and click in them).
   */
  async webviewFrame(selector, timeout = 15_000) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (await frame.locator(selector).count().catch(() => 0)) return frame;
      }
      await this.page.waitForTimeout(200);
    }
    throw new Error(`no webview frame has ${selector}`);
  }

  /** Reads a file of the workspace copy (relative path), or undefined if absent. */
  readWorkspaceFile(rel) {
    const file = join(this.workspace, rel);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  /** Polls `fn` until it returns a truthy value (returned) or throws after `timeout`. */
  async waitFor(fn, { timeout = 15_000, interval = 200, message = 'condition' } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (err) {
        last = err;
      }
      await this.page.waitForTimeout(interval);
    }
    throw new Error(`timed out waiting for ${message}${last ? `: ${last.message}` : ''}`);
  }

  /** Screenshot of the whole page into test-results/<name>.png; returns the path. */
  async screenshot(name) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, `${safeName(name)}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  async close() {
    await this.browser.close().catch(() => {});
    await this.server.stop().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------
// The tiny runner.

const tests = [];
let scheduled = false;

/**
 * Registers a UI test. `fn` receives { open, name }: open(options) = openWorkbench(options), closed after
 * the test. Tests run in registration order once the file's top level has finished.
 * @param {string} name
 * @param {(t: { open: typeof openWorkbench, name: string }) => Promise<void>} fn
 * @param {{ timeoutMs?: number }} [options] default 120 s
 */
export function test(name, fn, { timeoutMs = 120_000 } = {}) {
  tests.push({ name, fn, timeoutMs });
  if (!scheduled) {
    scheduled = true;
    setImmediate(runAll);
  }
}

async function runOne({ name, fn, timeoutMs }) {
  const opened = [];
  const open = async (options) => {
    const wb = await openWorkbench(options);
    opened.push(wb);
    return wb;
  };
  let timer;
  try {
    await Promise.race([
      fn({ open, name }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs))),
    ]);
  } catch (err) {
    for (const wb of opened) await wb.screenshot(`${name}-failure`).catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
    for (const wb of opened) await wb.close();
  }
}

async function runAll() {
  let passed = 0;
  const failures = [];
  const file = process.argv[1] ?? '';
  const only = process.env.IC_UI_GREP ? new RegExp(process.env.IC_UI_GREP) : undefined;
  for (const t of tests) {
    if (only && !only.test(t.name)) continue;
    const started = Date.now();
    try {
      await runOne(t);
      passed++;
      console.log(`  ✓ ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failures.push({ title: t.name, error: err?.stack ?? String(err) });
      console.log(`  ✗ ${t.name}\n${String(err?.stack ?? err).replace(/^/gm, '      ')}`);
    }
  }
  console.log(`IC_UI_RESULT ${JSON.stringify({ file, passed, failed: failures.length, failures })}`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

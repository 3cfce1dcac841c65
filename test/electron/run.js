// `npm run test:electron`: the extension-host tests (out/test/vscode/index.js) in VS Code desktop, downloaded by
// @vscode/test-electron 2.5.x (Node 20 compatible). Needs a machine that can download VS Code and run Electron
// (on Linux CI: a display, e.g. xvfb-run). Not part of `npm test`, which runs the same tests in code-server.
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { runTests } = require('@vscode/test-electron');

async function main() {
  const root = path.resolve(__dirname, '..', '..');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ic-electron-'));
  const workspace = path.join(tmp, 'demo-workspace');
  fs.cpSync(path.join(root, 'test', 'fixtures', 'demo-workspace'), workspace, { recursive: true });
  const results = path.join(root, 'test-results', 'electron-results.json');
  try {
    await runTests({
      version: process.env.VSCODE_VERSION || '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'vscode', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { IC_TEST_RESULTS: results, IC_TEST_WORKSPACE: workspace },
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error('Extension tests failed:', err?.message ?? err);
  process.exit(1);
});

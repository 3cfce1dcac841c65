// `npm start`: the extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3) in your browser.
//   1. npm install if node_modules is missing or older than package-lock.json; the code-server host if missing;
//   2. builds dist/ (node scripts/build.mjs);
//   3. copies test/fixtures/demo-workspace to ~/.incident-commander-demo/workspace if it is not there yet
//      (kept between runs, so incidents you declare stay; delete the folder to start over);
//   4. starts code-server on 127.0.0.1:$PORT (default 8080) and prints the URL that opens the workspace with
//      the extension loaded in development mode from this repo (the workbench's `payload` parameter);
//   5. stays in the foreground until Ctrl-C. Rebuild (npm run build) and reload the browser tab to see changes.
// Environment: PORT, IC_DEMO_DIR (default ~/.incident-commander-demo).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestHost } from './test-host.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT || 8080);
const demoDir = process.env.IC_DEMO_DIR || join(os.homedir(), '.incident-commander-demo');
const log = (msg) => console.log(`[start] ${msg}`);

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[start] ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || (existsSync(lock) && statSync(installed).mtimeMs < statSync(lock).mtimeMs)) {
  log('npm install');
  sh('npm', ['install', '--no-audit', '--no-fund']);
}
await ensureTestHost();
log('building');
sh(process.execPath, ['scripts/build.mjs', '--tests']);

// A Slack to try the Slack commands on, offline: the tests' fake, on loopback. Any token starting xoxb- works.
const { createRequire } = await import('node:module');
const { startFakeSlack } = createRequire(import.meta.url)(join(root, 'out', 'test', 'fakes', 'slack', 'server.js'));
const slack = await startFakeSlack({ port: Number(process.env.SLACK_PORT || 0) });

const { DEMO_WORKSPACE, copyDemoWorkspace, startCodeServer } = await import('../test/host/codeServer.mjs');
const workspace = join(demoDir, 'workspace');
if (!existsSync(workspace)) {
  mkdirSync(demoDir, { recursive: true });
  copyDemoWorkspace(workspace);
  log(`copied ${DEMO_WORKSPACE} to ${workspace}`);
}

const server = await startCodeServer({
  workspace,
  port,
  userDataDir: join(demoDir, 'user-data'),
  extensionsDir: join(demoDir, 'extensions'),
  logFile: join(demoDir, 'code-server.log'),
  settings: {
    'incidentCommander.slack.apiUrl': slack.url,
    'incidentCommander.slack.announceChannels': { SEV1: ['#incidents'], SEV2: ['#incidents'], SEV3: ['#incidents'], SEV4: [], default: ['#incidents'] },
  },
});
const url = server.workbenchUrl(workspace, { extensionDevelopmentPath: root });
console.log(`
Incident Commander is running in code-server (VS Code 1.100.3), workspace ${workspace}.
Open this URL in a browser (it loads the extension from ${root}):

  ${url}

A demo Slack runs at ${slack.url} (the settings point at it): run "Incident: Connect Slack" with any
token that starts with xoxb- (say xoxb-demo), then create a channel for an incident. What it received:
  ${slack.url.replace(/api\/$/, '')}_fake/state

Log: ${server.logFile}. Press Ctrl-C to stop.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping');
  await server.stop();
  await slack.close();
  process.exit(0);
};
server.exited.then(() => {
  if (stopping) return;
  console.error(`[start] code-server exited; see ${server.logFile}`);
  process.exit(1);
});
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
setInterval(() => {}, 1 << 30); // stay in the foreground

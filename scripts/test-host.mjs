// Makes sure the real-VS-Code test host exists: code-server 4.100.3 (VS Code 1.100.3) installed from
// npm into <repo>/.vscode-test/code-server-4.100.3/, outside the extension's own dependencies.
// The checked notes on running a real VS Code offline (shared/notes/real-vscode-offline.md, beside the repo) say why each step is needed.
//
//   node scripts/test-host.mjs          install if missing (fast no-op when already installed)
//   node scripts/test-host.mjs --force  reinstall
//
//   import { ensureTestHost } from './test-host.mjs';
//   const host = await ensureTestHost();   // { dir, entry, version }
//
// Steps, each skipped when already done:
//   1. Debian packages (apt-get update + install, only for packages dpkg says are missing).
//   2. The ripgrep cache archive @vscode/ripgrep's postinstall looks for, built from Debian's rg, so it
//      does not try to download rg from GitHub.
//   3. `npm install code-server@4.100.3` in the host folder, with unsafe-perm (root) and yes (npx node-gyp),
//      and install scripts allowed: npm 11 blocks dependency install scripts unless approved, and
//      code-server's postinstall (which runs `npm install` in lib/vscode and builds native modules) is
//      the install. The host folder's package.json approves them (allowScripts); the two nested projects
//      code-server's postinstall installs get the same allowScripts before `npm rebuild` runs it.
//   4. A check that the result works (lib/vscode/node_modules, native modules, `--version`), then a marker
//      file. Without the marker, a half-finished install is wiped and redone.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// IC_TEST_HOST_DIR moves the host elsewhere (e.g. a CI cache directory).
export const HOST_DIR = process.env.IC_TEST_HOST_DIR || join(REPO_ROOT, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
export const CODE_SERVER_DIR = join(HOST_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');
const MARKER = join(HOST_DIR, '.install-complete.json');
const LOG = join(HOST_DIR, 'install.log');

// fonts-liberation: chromium only recommends fonts, and the UI tests and screenshots need text drawn.
const DEBIAN_PACKAGES = ['libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'ripgrep', 'chromium', 'fonts-liberation'];
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_VERSION = 'v13.0.0-10';

// Packages in code-server's tree (and lib/vscode's) whose install scripts the host needs.
// Used as allowScripts in the host's package.json and in lib/vscode's and lib/vscode/extensions' package.json.
const ALLOWED_SCRIPTS = [
  'code-server', '@vscode/ripgrep', 'node-pty', '@parcel/watcher', 'kerberos', 'native-watchdog',
  '@vscode/spdlog', '@vscode/deviceid', '@vscode/policy-watcher', '@vscode/windows-registry', 'native-keymap',
  'argon2', 'esbuild', '@vscode/vsce-sign', 'keytar', 'node-addon-api',
];
// Windows-only: denied explicitly so npm does not list it as "not yet covered".
const DENIED_SCRIPTS = ['@vscode/windows-process-tree'];
const allowScripts = () => ({
  ...Object.fromEntries(ALLOWED_SCRIPTS.map((name) => [name, true])),
  ...Object.fromEntries(DENIED_SCRIPTS.map((name) => [name, false])),
});

const log = (msg) => console.log(`[test-host] ${msg}`);

function isInstalled() {
  if (!existsSync(MARKER) || !existsSync(CODE_SERVER_ENTRY)) return false;
  try {
    return JSON.parse(readFileSync(MARKER, 'utf8')).version === CODE_SERVER_VERSION;
  } catch {
    return false;
  }
}

function missingDebianPackages() {
  if (!existsSync('/usr/bin/dpkg-query')) return [];
  return DEBIAN_PACKAGES.filter((pkg) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  const asRoot = process.getuid?.() === 0;
  const wrap = (args) => (asRoot ? ['env', ...args] : ['sudo', '-n', 'env', ...args]);
  const run = (args) => {
    const [cmd, ...rest] = wrap(['DEBIAN_FRONTEND=noninteractive', ...args]);
    execFileSync(cmd, rest, { stdio: ['ignore', 'inherit', 'inherit'] });
  };
  run(['apt-get', 'update', '-q']);
  run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing]);
  const still = missingDebianPackages();
  if (still.length > 0) throw new Error(`Debian packages still missing: ${still.join(' ')}`);
}

/** @vscode/ripgrep's postinstall takes rg from this cached archive instead of downloading it. */
function ensureRipgrepCache() {
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[process.arch];
  if (!target) throw new Error(`no ripgrep target known for ${process.arch}`);
  const cacheDir = join(os.tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = join(cacheDir, `ripgrep-${RIPGREP_VERSION}-${target}.tar.gz`);
  if (existsSync(archive) && statSync(archive).size > 0) return;
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => existsSync(p));
  if (!rg) throw new Error('ripgrep (rg) not found; install the Debian package ripgrep');
  log(`ripgrep cache archive from ${rg}`);
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(os.tmpdir(), 'rg-archive-'));
  copyFileSync(rg, join(staging, 'rg'));
  execFileSync('tar', ['-czf', `${archive}.partial`, '-C', staging, 'rg']);
  execFileSync('mv', ['-f', `${archive}.partial`, archive]);
  rmSync(staging, { recursive: true, force: true });
}

function runLogged(cmd, args, options) {
  return new Promise((resolve, reject) => {
    const out = [];
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      writeFileSync(LOG, text);
      if (code === 0) resolve(text);
      else {
        const tail = text.split('\n').slice(-40).join('\n');
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code}; last lines of ${LOG}:\n${tail}`));
      }
    });
  });
}

function verifyInstall() {
  const vscodeDir = join(CODE_SERVER_DIR, 'lib', 'vscode');
  const need = [
    CODE_SERVER_ENTRY,
    join(vscodeDir, 'node_modules'),
    join(vscodeDir, 'out', 'server-main.js'),
    join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
  ];
  for (const p of need) if (!existsSync(p)) throw new Error(`code-server install incomplete: ${p} is missing`);
  // Native modules the server loads: their postinstall must have run.
  const probe = spawnSync(process.execPath, ['-e', "require('node-pty'); require('@vscode/spdlog'); require('@parcel/watcher')"], {
    cwd: vscodeDir,
    encoding: 'utf8',
  });
  if (probe.status !== 0) throw new Error(`code-server's native modules do not load:\n${probe.stderr.slice(-2000)}`);
  const version = spawnSync(process.execPath, [CODE_SERVER_ENTRY, '--version'], { encoding: 'utf8', timeout: 60_000 });
  if (version.status !== 0 || !version.stdout.includes(CODE_SERVER_VERSION)) {
    throw new Error(`code-server --version failed: ${version.stdout}${version.stderr}`);
  }
  return version.stdout.split('\n').find((l) => l.startsWith(CODE_SERVER_VERSION))?.trim() ?? CODE_SERVER_VERSION;
}

/**
 * Makes sure code-server is installed in HOST_DIR. Idempotent; returns quickly when the marker is there.
 * @param {{ force?: boolean }} [options]
 * @returns {Promise<{ dir: string, entry: string, version: string }>}
 */
export async function ensureTestHost({ force = false } = {}) {
  const result = { dir: CODE_SERVER_DIR, entry: CODE_SERVER_ENTRY, version: CODE_SERVER_VERSION };
  if (!force && isInstalled() && missingDebianPackages().length === 0) return result;

  const started = Date.now();
  ensureDebianPackages();
  if (!force && isInstalled()) return result;
  ensureRipgrepCache();

  log(`installing code-server@${CODE_SERVER_VERSION} into ${HOST_DIR} (about a minute)`);
  rmSync(HOST_DIR, { recursive: true, force: true });
  mkdirSync(HOST_DIR, { recursive: true });
  writeFileSync(
    join(HOST_DIR, 'package.json'),
    JSON.stringify(
      {
        name: 'incident-commander-test-host',
        private: true,
        description: 'code-server as a real VS Code to run the extension tests in; not part of the product',
        allowScripts: allowScripts(),
      },
      null,
      2,
    ) + '\n',
  );
  const env = {
    ...process.env,
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses to run as root otherwise
    npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`; the machine's npm config says yes=false
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_ignore_scripts: 'false',
  };
  // npm 11 runs a dependency's install scripts only if the project's package.json approves it (allowScripts);
  // it rejects --allow-scripts / npm_config_allow_scripts in project installs, and would pass an .npmrc value
  // on to code-server's nested installs as an environment variable, which they then reject. So:
  //   1. install with --ignore-scripts (code-server's files land, nothing runs yet);
  //   2. add the same allowScripts to the two projects code-server's postinstall runs `npm install` in
  //      (lib/vscode and lib/vscode/extensions);
  //   3. `npm rebuild`: runs the approved scripts, code-server's postinstall among them.
  const npmArgs = ['--no-audit', '--no-fund', '--foreground-scripts'];
  log('npm install code-server (files only)');
  await runLogged('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts', '--no-package-lock', ...npmArgs], {
    cwd: HOST_DIR,
    env,
  });
  for (const project of [join(CODE_SERVER_DIR, 'lib', 'vscode'), join(CODE_SERVER_DIR, 'lib', 'vscode', 'extensions')]) {
    const file = join(project, 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    pkg.allowScripts = { ...pkg.allowScripts, ...allowScripts() };
    writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
  }
  log('npm rebuild: code-server postinstall (installs lib/vscode, builds native modules)');
  await runLogged('npm', ['rebuild', ...npmArgs], { cwd: HOST_DIR, env });
  const versionLine = verifyInstall();
  writeFileSync(MARKER, JSON.stringify({ version: CODE_SERVER_VERSION, installedAt: new Date().toISOString(), versionLine }) + '\n');
  log(`code-server ${versionLine} ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  ensureTestHost({ force: process.argv.includes('--force') })
    .then((h) => log(`ok: ${h.entry} (${((Date.now() - started) / 1000).toFixed(1)} s)`))
    .catch((err) => {
      console.error(`[test-host] failed: ${err?.message ?? err}`);
      process.exit(1);
    });
}

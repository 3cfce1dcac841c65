// npm run bench: builds the extension as packaged (minified dist/) plus out/ (transpiled src/ and bench/) in a
// private snapshot of the sources (see build()), runs the benchmarks and prints  name | measured | target | ok.  Targets are goals, not tests: a missed
// target prints MISSED and the exit code stays 0; the exit code is non-zero only when a benchmark could not run.
// The table (with all samples) is also written to bench/results/latest.json.
//
//   node scripts/bench.mjs [--starts N] [--skip-build] [--only node|host]
//
// Benchmarks (see bench/):
//   activate()            median/min/max of the API's activationMs over N (10) fresh code-server starts,
//                         each with a fresh user-data-dir (so a fresh extension host) and a fresh workspace copy
//                         holding 3 incidents (bench/vscode/activation.ts)
//   module load           extension host's own performance marks around require(dist/extension.js) (informative)
//   activation code       bytes of dist/ modules in require.cache right after activation
//   open 10k-event incident   IncidentStore.load + readTimeline, plain Node (bench/node.ts)
//   tree 500 steps        getChildren/getTreeItem over a 500-step workspace playbook, in the host (bench/vscode/suite.ts)
//   toggle persisted      IncidentStore.update in plain Node, and incidentCommander.toggleStep in the host
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(REPO, 'bench', 'results');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const STARTS = Number(opt('--starts', '10'));
const ONLY = opt('--only', 'all');
const SKIP_BUILD = argv.includes('--skip-build');

const t0 = Date.now();
const log = (msg) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
const ms = (x) => (x === undefined || x === null ? '?' : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`);
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

const rows = [];
const errors = [];
/** target: { max, unit } or { min, unit }, or undefined for informative rows. */
function row(name, value, display, target, extra = {}) {
  const within = target === undefined ? undefined : target.min !== undefined ? value >= target.min : value <= target.max;
  const ok = target === undefined ? undefined : within && extra.okExtra !== false;
  rows.push({ name, value, unit: target?.unit ?? extra.unit, measured: display, target: target ? target.display : '—', ok, ...extra.details && { details: extra.details } });
}
function errorRow(name, err) {
  errors.push({ name, error: err?.stack ?? String(err) });
  rows.push({ name, value: null, measured: 'ERROR', target: '', ok: false, error: String(err?.message ?? err) });
}

/**
 * The build goes into a private snapshot of the sources (a temp dir holding package.json, src/, bench/,
 * playbooks/, media/, scripts/build.mjs and a node_modules symlink), not into the checkout's dist/ and out/:
 * other people build there at the same time, and a development build landing in dist/ mid-run would be
 * measured instead of the packaged one. The snapshot is the extensionDevelopmentPath of every host run.
 */
function build() {
  const dir = mkdtempSync(join(os.tmpdir(), 'ic-bench-build-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const p of ['package.json', 'tsconfig.json', 'scripts/build.mjs', 'src', 'bench', 'playbooks', 'media', 'test']) {
    if (existsSync(join(REPO, p))) cpSync(join(REPO, p), join(dir, p), { recursive: true, filter: (f) => !f.startsWith(join(REPO, 'bench', 'results')) });
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  log(`building a snapshot of the sources in ${dir}: node scripts/build.mjs --production --tests`);
  const r = spawnSync(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--production', '--tests'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`build failed (exit ${r.status})`);
  for (const f of ['dist/extension.js', 'dist/playbook-parser.js', 'dist/default-playbook.json', 'out/bench/node.js', 'out/bench/vscode/activation.js', 'out/bench/vscode/suite.js', 'out/src/core/store/incidentStore.js']) {
    if (!existsSync(join(dir, f))) throw new Error(`build did not produce ${f}`);
  }
  if (/sourceMappingURL/.test(readFileSync(join(dir, 'dist', 'extension.js'), 'utf8'))) throw new Error('dist/extension.js is not a production build');
  return dir;
}

/** Runs a plain-Node benchmark script of out/bench/ in a process of its own and returns the JSON it writes. */
function runNodeBench(ext, script, what) {
  log(what);
  const tmp = mkdtempSync(join(os.tmpdir(), 'ic-bench-'));
  const out = join(tmp, 'result.json');
  try {
    const r = spawnSync(process.execPath, [join(ext, 'out', 'bench', script), out, join(ext, 'dist', 'default-playbook.json')], { cwd: ext, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`out/bench/${script} exited ${r.status}`);
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const nodeBenchmarks = (ext) => runNodeBench(ext, 'node.js', 'plain Node: open a 10,000-event incident (×20), toggle a step (×100)');
const slackBenchmarks = (ext) => runNodeBench(ext, 'slack.js', 'plain Node against the fake Slack (+100 ms a call): channel creation, 100 updates to 5 channels');

async function hostBenchmarks(ext) {
  const { ensureTestHost } = await import('./test-host.mjs');
  await ensureTestHost();
  const { launchBrowser } = await import('../test/host/codeServer.mjs');
  const { runInHost } = await import('../bench/host.mjs');
  const { makeWorkspace, bigPlaybookYaml } = await import('../bench/fixtures.mjs');
  const browser = await launchBrowser();
  const starts = [];
  let startError;
  let suite;
  let suiteError;
  const cleanup = [];
  try {
    for (let i = 0; i < STARTS; i++) {
      const workspace = await makeWorkspace({ ext, incidents: 3 });
      cleanup.push(dirname(workspace));
      try {
        const r = await runInHost({ browser, workspace, ext, testsPath: join(ext, 'out', 'bench', 'vscode', 'activation.js'), label: `start-${i + 1}` });
        starts.push(r);
        log(`fresh start ${i + 1}/${STARTS}: activate() ${ms(r.activationMs)}, module load ${ms(r.moduleLoadMs)}, ${r.wasActive ? 'activated by its event' : 'activated by the bench'} (${(r.wallMs / 1000).toFixed(1)} s)`);
      } catch (err) {
        startError = err;
        log(`fresh start ${i + 1} failed: ${err.message}`);
        break;
      }
    }
    log('one code-server run with a 500-step workspace playbook: tree walks, 100 toggles through the command');
    const workspace = await makeWorkspace({ ext, incidents: 3, playbookYaml: bigPlaybookYaml() });
    cleanup.push(dirname(workspace));
    try {
      suite = await runInHost({ browser, workspace, ext, testsPath: join(ext, 'out', 'bench', 'vscode', 'suite.js'), label: 'suite', timeoutMs: 180_000 });
      log(`suite done (${(suite.wallMs / 1000).toFixed(1)} s)`);
    } catch (err) {
      suiteError = err;
      log(`suite failed: ${err.message}`);
    }
  } finally {
    await browser.close().catch(() => {});
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  }
  return { starts, startError, suite, suiteError };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function printTable() {
  const head = ['name', 'measured', 'target', 'ok'];
  const body = rows.map((r) => [r.name, r.measured, r.target, r.ok === undefined ? '—' : r.ok ? 'ok' : r.measured === 'ERROR' ? 'ERROR' : 'MISSED']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log('');
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log('');
}

async function main() {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const info = { startedAt: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavgAtStart: os.loadavg(), starts: STARTS };
  // --skip-build: measure the checkout's own dist/ and out/ as they are (built by someone else).
  const ext = SKIP_BUILD ? REPO : build();
  info.extensionPath = ext;
  let distModules;
  let playbookLoaded;

  if (ONLY === 'all' || ONLY === 'host') {
    const host = await hostBenchmarks(ext);
    const { starts, startError, suite, suiteError } = host;
    if (starts.length === STARTS && !startError) {
      const act = starts.map((s) => s.activationMs);
      row(`activate() (${STARTS} fresh code-server + user-data-dir)`, median(act), `median ${ms(median(act))} (min ${ms(Math.min(...act))}, max ${ms(Math.max(...act))})`, { max: 20, unit: 'ms', display: '≤ 20 ms' }, {
        details: { samples: act, activatedByEvent: starts.filter((s) => s.wasActive).length, incidentsInWorkspace: starts[0].incidents },
      });
      const load = starts.map((s) => s.moduleLoadMs).filter((x) => typeof x === 'number');
      if (load.length) row('  module load: require(dist/extension.js) (host marks, 1 ms res.)', median(load), `median ${median(load)} ms (min ${Math.min(...load)}, max ${Math.max(...load)})`, undefined, { unit: 'ms', details: { samples: load } });
      const call = starts.map((s) => s.activateCallMs).filter((x) => typeof x === 'number');
      if (call.length) row('  activate() call as the host timed it (host marks)', median(call), `median ${median(call)} ms (min ${Math.min(...call)}, max ${Math.max(...call)})`, undefined, { unit: 'ms', details: { samples: call } });

      distModules = starts[0].afterActivation;
      const bytes = distModules.reduce((a, m) => a + m.bytes, 0);
      const parserAfterActivation = starts.some((s) => s.afterActivation.some((m) => m.file.endsWith('playbook-parser.js')));
      const parserAfterReady = starts.some((s) => s.afterReady.some((m) => m.file.endsWith('playbook-parser.js')));
      const okExtra = !parserAfterActivation && !parserAfterReady;
      row('code loaded by activation (dist/ in require.cache)', bytes, `${kb(bytes)} in ${distModules.length} module(s)${okExtra ? '' : ' — playbook-parser.js LOADED'}`, { max: 150 * 1024, unit: 'bytes', display: '≤ 150 KB, no playbook-parser.js' }, {
        okExtra,
        details: { modules: distModules, parserAfterActivation, parserAfterReady, afterReady: starts[0].afterReady },
      });
    } else {
      errorRow('activate() (fresh starts)', startError ?? new Error(`only ${starts.length}/${STARTS} starts ran`));
      errorRow('code loaded by activation', startError ?? new Error('no fresh start ran'));
    }
    if (suite) {
      const t = suite.tree;
      row(`tree full walk: 1 incident, ${t.fullWalk.nodes} nodes (500-step playbook)`, t.fullWalk.median, `median ${ms(t.fullWalk.median)} (min ${ms(t.fullWalk.min)}, max ${ms(t.fullWalk.max)})`, { max: 10, unit: 'ms', display: '≤ 10 ms' }, { details: t.fullWalk });
      row(`tree one level: incident → its ${t.oneLevel.nodes} children`, t.oneLevel.median, `median ${ms(t.oneLevel.median)} (min ${ms(t.oneLevel.min)}, max ${ms(t.oneLevel.max)})`, { max: 10, unit: 'ms', display: '≤ 10 ms' }, { details: t.oneLevel });
      row(`  tree whole: ${t.wholeTree.incidents} incidents, ${t.wholeTree.nodes} nodes`, t.wholeTree.median, `median ${ms(t.wholeTree.median)} (min ${ms(t.wholeTree.min)}, max ${ms(t.wholeTree.max)})`, undefined, { unit: 'ms', details: t.wholeTree });
      const c = suite.toggleCommand;
      row(`toggle persisted: toggleStep command in host (×${c.n})`, c.median, `median ${ms(c.median)} (min ${ms(c.min)}, max ${ms(c.max)})`, { max: 5, unit: 'ms', display: '≤ 5 ms' }, { details: c });
      playbookLoaded = suite.loadedWithPlaybook;
    } else {
      errorRow('tree 500 steps / toggle command (host suite)', suiteError);
    }
  }

  if (ONLY === 'all' || ONLY === 'node') {
    try {
      const n = nodeBenchmarks(ext);
      row(`open incident: load + readTimeline, ${n.open.events} events (Node, ×${n.open.n})`, n.open.median, `median ${ms(n.open.median)} (min ${ms(n.open.min)}, max ${ms(n.open.max)})`, { max: 100, unit: 'ms', display: '≤ 100 ms' }, { details: n.open });
      row(`toggle persisted: IncidentStore.update (Node, ×${n.toggle.n})`, n.toggle.median, `median ${ms(n.toggle.median)} (min ${ms(n.toggle.min)}, max ${ms(n.toggle.max)})`, { max: 5, unit: 'ms', display: '≤ 5 ms' }, { details: n.toggle });
      const st = n.serviceToggle;
      row(`  toggle via IncidentService.change (Node, ×${st.n})`, st.median, `median ${ms(st.median)} (min ${ms(st.min)}, max ${ms(st.max)})`, undefined, { unit: 'ms', details: st });
    } catch (err) {
      errorRow('plain-Node store benchmarks', err);
    }
  }

  if (ONLY === 'all' || ONLY === 'node' || ONLY === 'slack') {
    try {
      const { creation: c, drain: d } = slackBenchmarks(ext);
      row(
        `Slack channel creation (${c.items} calls: create, topic, invite, pinned headline, bookmarks)`,
        c.roundTrips,
        `${c.roundTrips.toFixed(2)} round trips (${ms(c.wallMs)}); one after another: ${c.sequentialRoundTrips.toFixed(2)} (${ms(c.sequentialMs)})`,
        { max: 4, unit: 'round trips', display: '≤ 4 round trips' },
        { details: c },
      );
      row(
        `Slack outbox drain: ${d.sent}/${d.total} updates to 5 channels`,
        d.perChannelRate,
        `${d.perChannelRate.toFixed(3)} msg/s/channel (slowest channel), ${d.limited} × 429, ${(d.elapsedMs / 1000).toFixed(1)} s${d.inOrder ? '' : ', OUT OF ORDER'}`,
        { min: 0.9, unit: 'msg/s', display: '≥ 0.9 msg/s/channel, no 429 burst' },
        { okExtra: d.limited <= 2 && d.inOrder && d.sent === d.total, details: d },
      );
    } catch (err) {
      errorRow('Slack benchmarks', err);
    }
  }

  // Order: as the brief numbers them.
  const order = ['activate()', '  module load', '  activate() call', 'code loaded', 'open incident', 'tree full', 'tree one', '  tree whole', 'toggle persisted: IncidentStore', '  toggle via', 'toggle persisted: toggleStep', 'tree 500', 'plain-Node', 'Slack'];
  const rank = (r) => {
    const i = order.findIndex((p) => r.name.startsWith(p));
    return i < 0 ? order.length : i;
  };
  rows.sort((a, b) => rank(a) - rank(b));

  printTable();
  if (distModules) {
    console.log('dist/ modules in require.cache right after activation (workspace without playbook.yaml):');
    for (const m of distModules) console.log(`  ${m.file.padEnd(28)} ${String(m.bytes).padStart(8)} bytes`);
  }
  if (playbookLoaded) {
    console.log('with a workspace playbook.yaml (informative; the parser bundle is loaded on demand):');
    for (const m of playbookLoaded) console.log(`  ${m.file.padEnd(28)} ${String(m.bytes).padStart(8)} bytes`);
  }
  const load = os.loadavg()[0];
  info.loadavgAtEnd = os.loadavg();
  console.log(`\nload average ${info.loadavgAtStart[0].toFixed(2)} at start, ${load.toFixed(2)} at end on ${info.cpus} CPUs${Math.max(load, info.loadavgAtStart[0]) > info.cpus ? ': the machine was busy with other work, so timings are noisy' : ''}`);
  const missed = rows.filter((r) => r.ok === false && r.measured !== 'ERROR');
  if (missed.length) console.log(`\nMISSED ${missed.length} target(s): ${missed.map((r) => r.name.trim()).join('; ')}`);
  for (const e of errors) console.error(`\nERROR (${e.name}):\n${e.error}`);

  const file = join(RESULTS_DIR, 'latest.json');
  writeFileSync(file, JSON.stringify({ ...info, durationMs: Date.now() - t0, rows, errors }, null, 2) + '\n');
  log(`wrote ${file}; ${errors.length ? `${errors.length} benchmark(s) could not run` : 'all benchmarks ran'}`);
  process.exit(errors.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  try {
    writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify({ error: String(err?.stack ?? err), rows }, null, 2) + '\n');
  } catch {}
  process.exit(2);
});

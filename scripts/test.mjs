// `npm test`: everything, from a bare machine to one line of results.
//
//   node scripts/test.mjs                 install what is missing, build, type-check, lint, then all tiers
//   node scripts/test.mjs --tier unit     build, then tier 1 only (node --test over out/test/unit/**/*.test.js)
//   node scripts/test.mjs --tier vscode   build, then tier 2 only (extension-host tests in code-server)
//   node scripts/test.mjs --tier ui       build, then tier 3 only (test/ui/*.test.mjs driving the workbench)
//   node scripts/test.mjs --tier check    build, then type-check and lint only
//
// The last line is always `N passed, N failed` (summed over the steps and tiers; a type-check, lint or build
// failure, or a tier that crashed, counts as at least one failure); the exit code is 1 if anything failed.
// Reports land in test-results/ (unit.tap, code-server logs, screenshots).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'test-results');
const argv = process.argv.slice(2);
const tierArg = argv.includes('--tier') ? argv[argv.indexOf('--tier') + 1] : argv.find((a) => a.startsWith('--tier='))?.slice(7);
const TIERS = ['check', 'unit', 'vscode', 'ui'];
if (tierArg && !TIERS.includes(tierArg)) {
  console.error(`unknown tier "${tierArg}" (one of ${TIERS.join(', ')})`);
  console.log('0 passed, 1 failed');
  process.exit(2);
}
const wanted = (tier) => !tierArg || tierArg === tier;

/** @type {{ name: string, passed: number, failed: number, seconds: number, note?: string }[]} */
const summary = [];
const heading = (text) => console.log(`\n=== ${text} ===`);

/** Runs a command; resolves { code, output }. Streams output unless quiet (then returns it). */
function run(cmd, args, { quiet = false, env, onLine } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let pending = '';
    const onData = (stream) => (d) => {
      const text = d.toString('utf8');
      output += text;
      if (onLine) {
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const line of lines) onLine(line);
      } else if (!quiet) stream.write(text);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    child.on('error', (err) => resolve({ code: 127, output: `${output}${err.message}\n` }));
    child.on('close', (code, signal) => {
      if (onLine && pending) onLine(pending);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

async function step(name, fn) {
  const started = Date.now();
  let result;
  try {
    result = await fn();
  } catch (err) {
    console.log(`✗ ${name} crashed: ${err?.stack ?? err}`);
    result = { passed: 0, failed: 1, note: 'crashed' };
  }
  summary.push({ name, seconds: (Date.now() - started) / 1000, ...result });
  return result;
}

function walk(dir, filter, out = []) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries.sort()) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) walk(file, filter, out);
    else if (filter(name)) out.push(file);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

async function installDependencies() {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  const stale = !existsSync(installed) || (existsSync(lock) && statSync(installed).mtimeMs < statSync(lock).mtimeMs);
  if (!stale) return true;
  heading('npm install (node_modules missing or older than package-lock.json)');
  const { code } = await run('npm', ['install', '--no-audit', '--no-fund']);
  return code === 0;
}

async function build() {
  heading('build: node scripts/build.mjs --tests');
  rmSync(join(root, 'out'), { recursive: true, force: true }); // no stale tests from deleted sources
  const { code } = await run(process.execPath, ['scripts/build.mjs', '--tests']);
  return code === 0;
}

async function typecheckAndLint() {
  heading('type-check (tsc --noEmit -p .) and lint (eslint)');
  const lintDirs = ['src', 'test', 'bench', 'scripts'].filter((d) => existsSync(join(root, d)));
  const [tsc, eslint] = await Promise.all([
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { quiet: true }),
    run(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--no-error-on-unmatched-pattern', ...lintDirs, 'eslint.config.mjs'], { quiet: true }),
  ]);
  let passed = 0;
  let failed = 0;
  for (const [name, r] of [['type-check', tsc], ['lint', eslint]]) {
    if (r.code === 0) {
      passed++;
      console.log(`  ✓ ${name}`);
      if (r.output.trim()) console.log(r.output.trimEnd()); // eslint warnings
    } else {
      failed++;
      console.log(`  ✗ ${name}\n${r.output.trimEnd()}`);
    }
  }
  return { passed, failed };
}

async function unitTier() {
  heading('tier 1: unit tests (node --test)');
  const files = walk(join(root, 'out', 'test', 'unit'), (n) => n.endsWith('.test.js'));
  if (files.length === 0) {
    console.log('  no unit tests (out/test/unit/**/*.test.js)');
    return { passed: 0, failed: 0, note: 'no tests' };
  }
  const tap = join(resultsDir, 'unit.tap');
  rmSync(tap, { force: true });
  const { code } = await run(process.execPath, [
    '--test',
    '--enable-source-maps',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${relative(root, tap)}`,
    ...files.map((f) => relative(root, f)),
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  const passed = count('pass');
  let failed = count('fail') + count('cancelled');
  if (code !== 0 && failed === 0) failed = 1; // node --test crashed or a file failed outside any test
  if (!text) return { passed, failed: Math.max(failed, 1), note: 'no TAP report' };
  return { passed, failed };
}

async function vscodeTier() {
  heading('tier 2: extension-host tests in code-server (VS Code 1.100.3)');
  const { ensureTestHost } = await import('./test-host.mjs');
  await ensureTestHost();
  const { copyDemoWorkspace } = await import('../test/host/codeServer.mjs');
  const { runExtensionTests } = await import('../test/host/runExtensionTests.mjs');
  const workspace = copyDemoWorkspace();
  try {
    const r = await runExtensionTests({ workspace });
    for (const f of r.failures) console.log(`\n  ✗ ${f.title}\n${String(f.error).replace(/^/gm, '      ')}`);
    return { passed: r.passed, failed: r.failed };
  } finally {
    rmSync(dirname(workspace), { recursive: true, force: true });
  }
}

async function uiTier() {
  heading('tier 3: UI tests (workbench in chromium)');
  const files = readdirSync(join(root, 'test', 'ui')).filter((n) => n.endsWith('.test.mjs')).sort();
  if (files.length === 0) return { passed: 0, failed: 0, note: 'no tests' };
  const { ensureTestHost } = await import('./test-host.mjs');
  await ensureTestHost();
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    console.log(`  ${file}`);
    let result;
    const { code } = await run(process.execPath, [join('test', 'ui', file)], {
      onLine: (line) => {
        if (line.startsWith('IC_UI_RESULT ')) {
          try { result = JSON.parse(line.slice('IC_UI_RESULT '.length)); } catch { /* counted below */ }
        } else console.log(line);
      },
    });
    if (!result) {
      console.log(`  ✗ ${file} crashed (exit ${code}) before reporting results`);
      failed++;
      continue;
    }
    passed += result.passed;
    failed += result.failed;
    if (code !== 0 && result.failed === 0) failed++;
  }
  return { passed, failed };
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  mkdirSync(resultsDir, { recursive: true });
  const installed = await step('install', async () => ((await installDependencies()) ? { passed: 0, failed: 0 } : { passed: 0, failed: 1, note: 'npm install failed' }));
  const built = installed.failed === 0 && (await step('build', async () => ((await build()) ? { passed: 0, failed: 0 } : { passed: 0, failed: 1, note: 'build failed' }))).failed === 0;
  if (!built) {
    console.log('\nbuild failed: no tests were run');
  } else {
    if (wanted('check')) await step('type-check + lint', typecheckAndLint);
    if (wanted('unit')) await step('tier 1 unit', unitTier);
    if (wanted('vscode')) await step('tier 2 vscode', vscodeTier);
    if (wanted('ui')) await step('tier 3 ui', uiTier);
  }

  const total = summary.reduce((acc, s) => ({ passed: acc.passed + s.passed, failed: acc.failed + s.failed }), { passed: 0, failed: 0 });
  heading(`summary (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  for (const s of summary) {
    if (s.name === 'install' && !s.failed && s.seconds < 1) continue;
    const mark = s.failed ? '✗' : '✓';
    const counts = s.passed || s.failed ? `${s.passed} passed, ${s.failed} failed` : s.note ?? 'ok';
    console.log(`${mark} ${s.name.padEnd(18)} ${counts.padEnd(24)} ${s.seconds.toFixed(1)} s${s.note && (s.passed || s.failed) ? ` (${s.note})` : ''}`);
  }
  console.log(`${total.passed} passed, ${total.failed} failed`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});

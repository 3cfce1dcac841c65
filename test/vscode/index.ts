// The tests module the extension host loads (extensionTestsPath = out/test/vscode/index.js). VS Code calls
// run() once the workbench is up; the promise it returns decides the exit code (0 resolved, 1 rejected).
//
// Runs mocha (BDD interface: describe/it, 20 s per test) over every out/test/vscode/**/*.test.js and writes
//   { passed, failed, failures: [{ title, error }], tests: [{ title, state, durationMs }] }
// to process.env.IC_TEST_RESULTS. Each finished test is also appended as one line ("✓ title" / "✗ title")
// to IC_TEST_RESULTS + '.progress', which test/host/runExtensionTests.mjs prints as the run goes.
// process.env.IC_TEST_WORKSPACE is the (temporary) workspace folder the tests may write into.
import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Mocha from 'mocha';

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) findTests(file, out);
    else if (name.endsWith('.test.js')) out.push(file);
  }
  return out;
}

interface Failure {
  title: string;
  error: string;
}

export function run(): Promise<void> {
  const resultsFile = process.env.IC_TEST_RESULTS;
  const progressFile = resultsFile ? `${resultsFile}.progress` : undefined;
  if (resultsFile) mkdirSync(dirname(resultsFile), { recursive: true });
  const progress = (line: string) => {
    console.log(line);
    if (progressFile) appendFileSync(progressFile, `${line}\n`);
  };

  const mocha = new Mocha({ ui: 'bdd', timeout: 20_000, color: false, reporter: 'spec' });
  const files = findTests(__dirname);
  for (const file of files) mocha.addFile(file);

  const failures: Failure[] = [];
  const tests: { title: string; state: string; durationMs?: number }[] = [];
  let passed = 0;
  const write = (extra: Partial<Failure> = {}) => {
    if (!resultsFile) return;
    const all = extra.title ? [...failures, extra as Failure] : failures;
    writeFileSync(resultsFile, JSON.stringify({ passed, failed: all.length, failures: all, tests }, null, 2));
  };

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failedCount) => {
        write();
        if (failedCount > 0 || failures.length > 0) reject(new Error(`${failures.length || failedCount} extension-host test(s) failed`));
        else resolve();
      });
      runner.on('pass', (test) => {
        passed++;
        tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
        progress(`✓ ${test.fullTitle()}`);
      });
      runner.on('fail', (test, err: Error) => {
        const title = test.fullTitle();
        failures.push({ title, error: err?.stack ?? String(err) });
        tests.push({ title, state: 'failed', durationMs: test.duration });
        progress(`✗ ${title}`);
      });
    } catch (err) {
      // A test file that throws while loading lands here.
      write({ title: 'loading the extension-host tests', error: (err as Error)?.stack ?? String(err) });
      progress('✗ loading the extension-host tests');
      reject(err);
    }
  });
}

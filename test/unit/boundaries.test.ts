// The core, the integrations, the webviews' code and the protocol never import 'vscode'.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';

const root = path.join(__dirname, '../../..');
const VSCODE_IMPORT = /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/;

function tsFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

it('no file under src/core, src/integrations, src/webview or src/protocol imports vscode', () => {
  const files = ['core', 'integrations', 'webview', 'protocol'].flatMap((d) => tsFiles(path.join(root, 'src', d)));
  assert.ok(files.length > 5, `expected to find the core's files, found ${files.length}`);
  const offenders = files.filter((f) => VSCODE_IMPORT.test(readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
  assert.deepEqual(offenders, []);
});

it('the check itself recognises each form of import', () => {
  for (const s of [`import * as vscode from 'vscode';`, `import { window } from "vscode"`, `const v = require('vscode')`, `await import('vscode')`]) {
    assert.match(s, VSCODE_IMPORT);
  }
  assert.doesNotMatch(`import { x } from './vscode-like'`, VSCODE_IMPORT);
});

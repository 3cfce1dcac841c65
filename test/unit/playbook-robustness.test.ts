// parsePlaybook never throws, whatever it is given, and refuses what it cannot use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlaybook } from '../../src/core/playbook/parse';
import type { PlaybookParseResult } from '../../src/core/playbook/types';

/** Deterministic pseudo-random bytes (mulberry32) so a failure can be replayed. */
function junk(seed: number, length: number): string {
  let a = seed >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out += String.fromCharCode(((t ^ (t >>> 14)) >>> 0) % 256);
  }
  return out;
}

function assertWellFormed(result: PlaybookParseResult, label: string): void {
  assert.ok(Array.isArray(result.diagnostics), label);
  for (const d of result.diagnostics) {
    assert.ok(d.line >= 1 && d.column >= 1, `${label}: ${JSON.stringify(d)}`);
    assert.ok(d.endLine > d.line || (d.endLine === d.line && d.endColumn >= d.column), `${label}: ${JSON.stringify(d)}`);
    assert.equal(typeof d.message, 'string');
    assert.ok(d.message.length > 0);
  }
  if (result.diagnostics.some((d) => d.severity === 'error')) assert.equal(result.playbook, undefined, label);
}

const inputs: Array<[string, string]> = [
  ['empty', ''],
  ['newline', '\n'],
  ['NUL bytes', '\0\0\0'],
  ['control characters', '\x01\x02\x03\x7f\ufffe\uffff'],
  ['lone surrogate', '\ud800: \udfff'],
  ['top-level list', '- a\n- b\n'],
  ['top-level number', '42'],
  ['top-level null', '~'],
  ['top-level true', 'true'],
  ['flow junk', '{[}]:,&*!|>%@`'],
  ['anchor junk', '&a [*a, *a]'],
  ['undefined alias', 'phases: *nope\n'],
  ['self alias', 'a: &x\n  b: *x\n'],
  ['tags', 'schemaVersion: !!binary aGVsbG8=\nid: !foo x\n'],
  ['deep flow nesting', '['.repeat(50_000)],
  ['deep block nesting', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')],
  ['deep steps', 'schemaVersion: 1\nid: x\ntitle: t\nphases:\n' + Array.from({ length: 400 }, (_, i) => `${'  '.repeat(i + 1)}- id: s${i}\n${'  '.repeat(i + 2)}number: "1"\n${'  '.repeat(i + 2)}title: T\n${'  '.repeat(i + 2)}steps:`).join('\n')],
  ['__proto__ keys', 'schemaVersion: 1\nid: x\ntitle: t\n__proto__: { polluted: true }\nconstructor: 1\nphases:\n  - id: a\n    number: "1"\n    title: A\n    __proto__: 1\n'],
  ['numeric keys', '1: 2\n? [a]\n: b\n'],
  ['steps as mapping', 'schemaVersion: 1\nid: x\ntitle: t\nphases: { a: 1 }\n'],
  ['when as list', 'schemaVersion: 1\nid: x\ntitle: t\nphases:\n  - id: a\n    number: "1"\n    title: A\n    when: [reporter]\n'],
  ['multiple documents', '---\na: 1\n---\nb: 2\n...\n'],
  ['directive only', '%YAML 1.2\n---\n'],
  ['just under the size limit', `schemaVersion: 1\n# ${'x'.repeat(999_000)}\n`],
];

for (const [label, text] of inputs) {
  test(`never throws: ${label}`, () => {
    const result = parsePlaybook(text);
    assertWellFormed(result, label);
    assert.equal(result.playbook, undefined, label);
    assert.ok(result.diagnostics.length > 0, `${label} gave no diagnostic`);
  });
}

test('never throws: random bytes', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const text = junk(seed, 1 + (seed * 37) % 2000);
    let result: PlaybookParseResult | undefined;
    assert.doesNotThrow(() => {
      result = parsePlaybook(text);
    }, `seed ${seed}`);
    assert.ok(result);
    assertWellFormed(result, `seed ${seed}`);
    assert.equal(result.playbook, undefined, `seed ${seed}`);
  }
});

test('never throws: values that are not text at all', () => {
  for (const value of [undefined, null, 42, {}, [], Buffer.from('schemaVersion: 1')]) {
    const result = parsePlaybook(value as unknown as string);
    assert.equal(result.playbook, undefined);
    assert.deepEqual(result.diagnostics.map((d) => [d.line, d.column, d.message]), [[1, 1, 'The playbook could not be read: it is not text.']]);
  }
});

test('never throws: 10 MB of text', () => {
  const text = 'schemaVersion: 1\nphases:\n' + '  - id: a-b\n    title: hello world\n'.repeat(300_000);
  assert.ok(text.length > 10_000_000);
  const result = parsePlaybook(text);
  assert.equal(result.playbook, undefined);
  assert.match(result.diagnostics[0].message, /too large/);
});

test('never throws: every prefix of a valid file', () => {
  const text = 'schemaVersion: 1\nid: x\ntitle: t\nphases:\n  - id: a\n    number: "1"\n    title: "A: b"\n    when: { reporter: [customer] }\n    steps: [{ id: b, number: "1", title: B }]\n';
  for (let i = 0; i <= text.length; i++) assertWellFormed(parsePlaybook(text.slice(0, i)), `prefix ${i}`);
  assert.ok(parsePlaybook(text).playbook);
});

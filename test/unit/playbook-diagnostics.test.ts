// Diagnostics of parsePlaybook: each kind of mistake, at the exact line and column of the offending node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MAX_PLAYBOOK_LENGTH, parsePlaybook } from '../../src/core/playbook/parse';
import type { PlaybookParseResult } from '../../src/core/playbook/types';

const fixtures = path.join(__dirname, '../../..', 'test/fixtures/playbooks');
const fixture = (name: string): string => readFileSync(path.join(fixtures, name), 'utf8');

type Row = [line: number, column: number, endLine: number, endColumn: number, message: string];

function rows(result: PlaybookParseResult): Row[] {
  return result.diagnostics.map((d) => [d.line, d.column, d.endLine, d.endColumn, d.message]);
}

/** Parses a fixture, checks it is refused, and returns its diagnostics as rows. */
function refused(name: string): Row[] {
  const result = parsePlaybook(fixture(name));
  assert.equal(result.playbook, undefined, `${name} must not give a playbook`);
  for (const d of result.diagnostics) assert.equal(d.severity, 'error');
  return rows(result);
}

const STEP_KEYS = 'id, number, title, detail, inputs, outputs, action, actionArgs, when, steps';
const WHEN_FIELDS = 'reporter, customerImpact, severity, production, status, bridgeNeeded';

test('a valid file gives a playbook and converts numbers, trims titles and normalises when', () => {
  const result = parsePlaybook(fixture('minimal.yaml'));
  assert.deepEqual(result.diagnostics, []);
  const pb = result.playbook;
  assert.ok(pb);
  assert.equal(pb.version, '2');
  assert.equal(pb.phases[0].title, 'First phase');
  const a = pb.phases[0].children[0];
  assert.deepEqual(
    { id: a.id, number: a.number, path: a.path, when: a.when, action: a.action, actionArgs: a.actionArgs },
    {
      id: 'first-a',
      number: '1',
      path: '1.1',
      when: { severity: ['1', 'sev2'], production: [true] },
      action: 'ext.doA',
      actionArgs: { n: 3, flag: false, s: 'x' },
    },
  );
  assert.equal(pb.phases[0].children[1].path, '1.2');
  assert.deepEqual(pb.phases[1].children, []);
  assert.deepEqual(pb.phases[1].inputs, ['In one']);
  assert.deepEqual(pb.phases[1].outputs, ['Out one', 'Out two']);
  assert.equal('detail' in a, false, 'absent optional fields are left out, not undefined');
});

test('YAML syntax errors are reported where the parser found them', () => {
  assert.deepEqual(refused('syntax-error.yaml'), [[8, 1, 8, 1, 'YAML syntax: Missing closing "quote']]);
  assert.deepEqual(refused('duplicate-key.yaml'), [[4, 1, 4, 2, 'YAML syntax: Map keys must be unique']]);
  assert.deepEqual(rows(parsePlaybook('id: x\nphases: [\n')), [
    [3, 1, 3, 1, 'YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ]);
  const tabs = rows(parsePlaybook('schemaVersion: 1\nphases:\n\t- id: a\n'));
  assert.equal(tabs.length >= 1, true);
  assert.deepEqual(tabs[0].slice(0, 2), [3, 1]);
  assert.match(tabs[0][4], /^YAML syntax: .*tab/i);
});

test('more than one YAML document is an error', () => {
  const r = parsePlaybook('schemaVersion: 1\n---\nid: two\n');
  assert.equal(r.playbook, undefined);
  assert.equal(r.diagnostics[0].line, 2);
  assert.match(r.diagnostics[0].message, /multiple documents/);
});

test('unknown keys are each reported at the key, with a suggestion for a likely typo', () => {
  assert.deepEqual(refused('unknown-keys.yaml'), [
    [4, 1, 4, 12, "Unknown key 'description' in the playbook. Allowed: schemaVersion, id, title, version, phases."],
    [8, 5, 8, 10, `Unknown key 'titel' in phase 'p1'. Did you mean 'title'? Allowed: ${STEP_KEYS}.`],
    [14, 9, 14, 14, `Unknown key 'color' in step 's1'. Allowed: ${STEP_KEYS}.`],
    [15, 9, 15, 14, `Unknown key 'owner' in step 's1'. Allowed: ${STEP_KEYS}.`],
  ]);
});

test('missing id, number and title are reported on the first line of the object', () => {
  assert.deepEqual(refused('missing-fields.yaml'), [
    [1, 1, 1, 17, "The playbook is missing 'id' (a unique kebab-case id, such as 'ack-page')."],
    [4, 5, 4, 11, `Phase 'p1' is missing 'number' (its number in the procedure at this level, such as "1").`],
    [7, 9, 7, 20, "Step 1.1 is missing 'id' (a unique kebab-case id, such as 'ack-page')."],
    [9, 9, 9, 21, "Step 'no-title' is missing 'title' (the procedure's wording for it)."],
  ]);
  assert.deepEqual(refused('no-schema-version.yaml'), [
    [1, 1, 1, 8, "The playbook is missing 'schemaVersion' (write 'schemaVersion: 1')."],
  ]);
});

test('wrong types are reported at the value, or at the key when the value is empty', () => {
  assert.deepEqual(refused('wrong-types.yaml'), [
    [7, 12, 7, 21, "'title' of phase 'p1' must be text, but it is a list."],
    [8, 13, 8, 15, "'detail' of phase 'p1' must be text, but it is the number 42."],
    [9, 13, 9, 28, "'inputs' of phase 'p1' must be a list, but it is the text 'Incident Record'."],
    [
      12,
      17,
      12,
      22,
      `'number' of step 's1' must be this level's number only, without dots or spaces (write "5", not "1.5"); the full path is computed.`,
    ],
    [14, 23, 14, 36, "Item 2 of 'outputs' of step 's1' must be text, but it is a mapping."],
    [16, 17, 16, 21, `'number' of step 's2' must be this step's number in the procedure, such as "5", but it is true.`],
    [17, 9, 17, 14, "'title' of step 's2' must be text, but it is empty."],
    [18, 29, 18, 40, "'actionArgs.role' of step 's2' must be text, a number or true/false, but it is a list."],
  ]);
});

test('ids that are not kebab-case are reported at the id', () => {
  assert.deepEqual(refused('bad-ids.yaml'), [
    [2, 5, 2, 17, "Playbook id 'Bad Playbook' is not kebab-case (lowercase letters and digits joined by hyphens, such as 'ims')."],
    [5, 9, 5, 21, "Step id 'Handle_Alert' is not kebab-case (lowercase letters and digits joined by hyphens, such as 'ack-page')."],
    [9, 13, 9, 22, "Step id 'ack--page' is not kebab-case (lowercase letters and digits joined by hyphens, such as 'ack-page')."],
    [12, 13, 12, 15, "'id' of step 1.2 must be text, but it is the number 42."],
  ]);
});

test('a duplicate id is reported at each later use, naming the line of the first', () => {
  assert.deepEqual(refused('duplicate-ids.yaml'), [
    [12, 13, 12, 21, "Step id 'ack-page' is already used on line 9."],
    [19, 13, 19, 25, "Step id 'handle-alert' is already used on line 5."],
    [22, 13, 22, 21, "Step id 'ack-page' is already used on line 9."],
  ]);
});

test('duplicate ids are found even when the schema has other complaints', () => {
  const text = 'schemaVersion: 1\nid: x\ntitle: t\nphases:\n  - id: a\n    number: "1"\n    title: A\n    bogus: 1\n  - id: a\n    number: "2"\n    title: B\n';
  assert.deepEqual(rows(parsePlaybook(text)), [
    [8, 5, 8, 10, `Unknown key 'bogus' in phase 'a'. Allowed: ${STEP_KEYS}.`],
    [9, 9, 9, 10, "Step id 'a' is already used on line 5."],
  ]);
});

test('unknown and malformed when fields are reported at the field or its value', () => {
  assert.deepEqual(refused('bad-when.yaml'), [
    [10, 7, 10, 15, `Unknown condition field 'priority' in 'when' of phase 'p1'. Allowed: ${WHEN_FIELDS}.`],
    [11, 7, 11, 14, `Unknown condition field 'sevrity' in 'when' of phase 'p1'. Did you mean 'severity'? Allowed: ${WHEN_FIELDS}.`],
    [16, 29, 16, 34, "'when.production' of step 's1' must be true, false or a list of them, such as [true], but it lists the text 'yes'."],
    [16, 50, 16, 52, "'when.bridgeNeeded' of step 's1' lists no values, so the step would never apply; list at least one or remove it."],
    [16, 62, 16, 70, "'when.status' of step 's1' must be a list of values such as [value], but it is a mapping."],
  ]);
});

test('an unsupported schemaVersion is reported at its value', () => {
  assert.deepEqual(refused('schema-version.yaml'), [
    [2, 16, 2, 17, 'Unsupported schemaVersion 2; this version of Incident Commander reads schemaVersion 1.'],
  ]);
  assert.deepEqual(rows(parsePlaybook('schemaVersion: one\nid: a\ntitle: t\nphases: []\n')).slice(0, 1), [
    [1, 16, 1, 19, "schemaVersion must be the number 1, but it is the text 'one'."],
  ]);
});

test('empty phases are reported at the list', () => {
  assert.deepEqual(refused('empty-phases.yaml'), [[4, 9, 4, 11, "The playbook has no phases; add at least one under 'phases:'."]]);
  assert.deepEqual(rows(parsePlaybook('schemaVersion: 1\nid: a\ntitle: t\nphases:\n')), [
    [4, 1, 4, 7, "The playbook's 'phases' must be a list, but it is empty."],
  ]);
});

test('an action that is not a command id is reported at the action', () => {
  assert.deepEqual(refused('bad-action.yaml'), [
    [12, 17, 12, 29, "Action 'ack the page' of step 's1' does not look like a command id (such as 'incidentCommander.acknowledge')."],
    [16, 17, 16, 34, "Action 'incidentCommander' of step 's2' does not look like a command id (such as 'incidentCommander.acknowledge')."],
  ]);
});

test('a top level that is not a mapping is reported on its first line', () => {
  assert.deepEqual(refused('top-level-list.yaml'), [
    [1, 1, 1, 9, 'The playbook must be a mapping with schemaVersion, id, title and phases, but it is a list.'],
  ]);
  assert.deepEqual(rows(parsePlaybook('just some words')), [
    [1, 1, 1, 16, "The playbook must be a mapping with schemaVersion, id, title and phases, but it is the text 'just some words'."],
  ]);
  assert.deepEqual(rows(parsePlaybook('schemaVersion: 1\nid: a\ntitle: t\nphases:\n  - just a string\n')), [
    [5, 5, 5, 18, "Phase 1 must be a mapping (key: value lines), but it is the text 'just a string'."],
  ]);
});

test('positions count from 1 and are right with CRLF line ends and a BOM', () => {
  const text = '\uFEFFschemaVersion: 1\r\nid: x\r\ntitle: t\r\nphases:\r\n  - id: a\r\n    number: "1"\r\n    title: A\r\n    oops: 1\r\n';
  assert.deepEqual(rows(parsePlaybook(text)), [[8, 5, 8, 9, `Unknown key 'oops' in phase 'a'. Allowed: ${STEP_KEYS}.`]]);
});

test('an empty or comment-only file says what it needs', () => {
  for (const text of ['', '   \n\n', '# nothing here\n']) {
    assert.deepEqual(rows(parsePlaybook(text)), [
      [1, 1, 1, 1, 'The playbook file is empty; it needs schemaVersion, id, title and phases (see playbooks/ims.yaml).'],
    ]);
  }
});

test('a file over the size limit is refused unread', () => {
  const big = `schemaVersion: 1\n# ${'x'.repeat(10 * 1024 * 1024)}\n`;
  const r = parsePlaybook(big);
  assert.equal(r.playbook, undefined);
  assert.deepEqual(rows(r), [[1, 1, 1, 1, 'The playbook file is too large (10.5 MB); playbooks are limited to 1 MB.']]);
  assert.equal(MAX_PLAYBOOK_LENGTH, 1_000_000);
});

test('a step reached through an alias is located at the alias', () => {
  const text = [
    'schemaVersion: 1',
    'id: x',
    'title: t',
    'phases:',
    '  - &p',
    '    id: a',
    '    number: "1"',
    '    title: A',
    '  - *p',
    '',
  ].join('\n');
  assert.deepEqual(rows(parsePlaybook(text)), [[9, 5, 9, 7, "Step id 'a' is already used on line 6."]]);
});

test('a YAML warning is reported but does not refuse the playbook; version defaults to "1"', () => {
  const r = parsePlaybook('schemaVersion: 1\nid: x\ntitle: !foo T\nphases:\n  - id: a\n    number: "1"\n    title: A\n');
  assert.deepEqual(r.diagnostics, [
    { severity: 'warning', message: 'YAML syntax: Unresolved tag: !foo', line: 3, column: 8, endLine: 3, endColumn: 12 },
  ]);
  assert.ok(r.playbook);
  assert.equal(r.playbook.title, 'T');
  assert.equal(r.playbook.version, '1');
  assert.deepEqual(r.playbook.phases.map((p) => [p.id, p.path, p.children.length]), [['a', '1', 0]]);
});

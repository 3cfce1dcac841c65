// The shipped default playbook (playbooks/ims.yaml) against the users' procedure, line by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parsePlaybook, PLAYBOOK_FILE_SCHEMA_VERSION } from '../../src/core/playbook/parse';
import { stepIndex, walkSteps } from '../../src/core/playbook/query';
import type { Playbook, Step } from '../../src/core/playbook/types';

const root = path.join(__dirname, '../../..');
const yamlText = readFileSync(path.join(root, 'playbooks/ims.yaml'), 'utf8');
const procedureText = readFileSync(path.join(root, 'test/fixtures/ims-procedure.txt'), 'utf8');

interface ProcedureLine {
  readonly path: string;
  readonly title: string;
  readonly lineNumber: number;
}

/** The procedure's numbered lines, with dotted paths from their tab indentation. */
function readProcedure(text: string): { steps: ProcedureLine[]; io: Map<string, { inputs: string[]; outputs: string[] }> } {
  const steps: ProcedureLine[] = [];
  const io = new Map<string, { inputs: string[]; outputs: string[] }>();
  const numbers: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const numbered = /^(\t*)(\d+)\.\s(.*)$/.exec(line);
    if (numbered) {
      const depth = numbered[1].length;
      assert.ok(depth <= numbers.length, `line ${i + 1} skips a level`);
      numbers.length = depth;
      numbers.push(numbered[2]);
      steps.push({ path: numbers.join('.'), title: numbered[3].trim(), lineNumber: i + 1 });
      return;
    }
    const put = /^(\t*)(Input|Output) = (.*)$/.exec(line);
    if (put) {
      const owner = numbers.slice(0, put[1].length).join('.');
      const entry = io.get(owner) ?? { inputs: [], outputs: [] };
      const items = put[3].split(',').map((s) => s.trim());
      if (put[2] === 'Input') entry.inputs.push(...items);
      else entry.outputs.push(...items);
      io.set(owner, entry);
    }
  });
  return { steps, io };
}

function shipped(): Playbook {
  const result = parsePlaybook(yamlText);
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.playbook);
  return result.playbook;
}

test('the fixture is a byte-for-byte copy of the shared procedure', () => {
  const shared = path.join(root, '../shared/procedure/ims-procedure.txt');
  let original: Buffer | undefined;
  try {
    original = readFileSync(shared);
  } catch {
    // the shared folder is outside the repo; when it is not there the fixture stands alone
  }
  if (original) assert.ok(original.equals(readFileSync(path.join(root, 'test/fixtures/ims-procedure.txt'))));
  // Known facts of the text: phase 1 has two steps numbered 5, and 3.1.10 exists.
  assert.match(procedureText, /^\t5\. Assess initial CAN$/m);
  assert.match(procedureText, /^\t5\. Update incident artifacts$/m);
  assert.match(procedureText, /^\t\t10\. Repeat IC loop until the incident is resolved\.$/m);
});

test('the shipped playbook parses with no diagnostics', () => {
  const result = parsePlaybook(yamlText);
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.playbook);
  assert.equal(result.playbook.schemaVersion, PLAYBOOK_FILE_SCHEMA_VERSION);
  assert.equal(result.playbook.id, 'ims');
  assert.equal(result.playbook.title, 'Incident management procedure');
  assert.equal(result.playbook.version, '1');
  assert.deepEqual(
    result.playbook.phases.map((p) => [p.number, p.title]),
    [
      ['1', 'Handle alert + Create incident'],
      ['2', 'Assemble responders'],
      ['3', 'Begin Incident command loop'],
      ['4', 'Resolve the incident'],
    ],
  );
});

test('the procedure reader sees every numbered line of the text', () => {
  const { steps } = readProcedure(procedureText);
  const numberedLines = procedureText.split('\n').filter((l) => /^\t*\d+\. /.test(l)).length;
  assert.equal(steps.length, numberedLines);
  assert.equal(steps.length, 55);
  assert.deepEqual(steps[0], { path: '1', title: 'Handle alert + Create incident', lineNumber: 2 });
  assert.deepEqual(steps[2], { path: '1.1.1', title: 'Ack the page', lineNumber: 4 });
  assert.equal(steps.filter((s) => s.path === '1.5').length, 2);
});

test('every step of the procedure is in the playbook, in order, with its path and exact wording', () => {
  const playbook = shipped();
  const { steps } = readProcedure(procedureText);
  const walked = walkSteps(playbook).map((e) => ({ path: e.step.path, title: e.step.title }));
  for (let i = 0; i < steps.length; i++) {
    assert.deepEqual(walked[i], { path: steps[i].path, title: steps[i].title }, `procedure line ${steps[i].lineNumber}`);
  }
  // And nothing the procedure does not have.
  assert.equal(walked.length, steps.length);
});

test('the number of each step is the last part of its path', () => {
  for (const { step, parent } of walkSteps(shipped())) {
    assert.equal(step.path, parent ? `${parent.path}.${step.number}` : step.number);
    assert.match(step.number, /^\d+$/);
  }
});

test('ids are kebab-case and unique across the file, and the two 1.5 steps are distinct', () => {
  const playbook = shipped();
  const entries = walkSteps(playbook);
  const ids = entries.map((e) => e.step.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  const fives = entries.filter((e) => e.step.path === '1.5').map((e) => e.step);
  assert.equal(fives.length, 2);
  assert.deepEqual(
    fives.map((s) => [s.id, s.title, s.children.length]),
    [
      ['assess-initial-can', 'Assess initial CAN', 3],
      ['update-artifacts', 'Update incident artifacts', 0],
    ],
  );
  assert.equal(stepIndex(playbook).size, ids.length);
});

test('the Input / Output lines are the inputs and outputs of phase 2', () => {
  const playbook = shipped();
  const { io } = readProcedure(procedureText);
  assert.deepEqual([...io.keys()], ['2']);
  const phase2 = playbook.phases[1];
  assert.equal(phase2.path, '2');
  assert.deepEqual(phase2.inputs, ['Incident Record', 'Slack IR channel']);
  assert.deepEqual(phase2.outputs, ['Pagerduty pages', 'Slack mentions']);
  assert.deepEqual(phase2.inputs, io.get('2')?.inputs);
  assert.deepEqual(phase2.outputs, io.get('2')?.outputs);
  for (const { step } of walkSteps(playbook)) {
    if (step !== phase2) assert.equal(step.inputs ?? step.outputs, undefined, step.path);
  }
});

test('actions and their arguments sit on the steps the procedure implies', () => {
  const playbook = shipped();
  const byPath = (p: string): Step[] => walkSteps(playbook).filter((e) => e.step.path === p).map((e) => e.step);
  const actions = walkSteps(playbook)
    .filter((e) => e.step.action)
    .map((e) => [e.step.path, e.step.id, e.step.action, e.step.actionArgs]);
  assert.deepEqual(actions, [
    ['1.1.1', 'ack-page', 'incidentCommander.acknowledge', undefined],
    ['1.1.2', 'reply-customer', 'incidentCommander.replyToReporter', { template: 'customer' }],
    ['1.1.3', 'reply-service-owner', 'incidentCommander.replyToReporter', { template: 'owner' }],
    ['1.2.3', 'identify-impacted-services', 'incidentCommander.setServices', undefined],
    ['1.2.4', 'identify-impacted-locations', 'incidentCommander.setLocations', undefined],
    ['1.3.1', 'determine-severity', 'incidentCommander.setSeverity', undefined],
    ['1.3.2', 'determine-production', 'incidentCommander.setProduction', undefined],
    ['1.3.3', 'determine-bridge', 'incidentCommander.setBridge', undefined],
    ['1.4.1', 'create-channel-tickets', 'incidentCommander.createChannel', undefined],
    ['1.5.1', 'gather-initial-understanding', 'incidentCommander.gatherFromChannel', undefined],
    ['1.5.2', 'consider-customer-impact', 'incidentCommander.setCustomerImpact', undefined],
    ['1.5', 'update-artifacts', 'incidentCommander.updateArtifacts', undefined],
    ['1.6', 'announce-incident', 'incidentCommander.announce', undefined],
    ['3.1.2', 'recent-actions', 'incidentCommander.addNote', undefined],
    ['3.1.3', 'current-status', 'incidentCommander.addNote', undefined],
    ['3.1.5.4', 'ic-fatigue', 'incidentCommander.setRole', { role: 'commander' }],
    ['3.1.8', 'assess-severity-escalate', 'incidentCommander.setSeverity', undefined],
    ['3.1.9', 'send-updates', 'incidentCommander.postUpdate', undefined],
    ['4.2', 'resolve-record', 'incidentCommander.setStatus', { status: 'resolved' }],
    ['4.3', 'associate-problem-record', 'incidentCommander.setProblemRecord', undefined],
    ['4.4', 'archive-channel', 'incidentCommander.archiveChannel', undefined],
    ['4.5', 'confirm-completed', 'incidentCommander.setStatus', { status: 'closed' }],
  ]);
  // The 1.5.2 with the action is under "Assess initial CAN", the first of the two 1.5 steps.
  assert.equal(byPath('1.5.2').length, 1);
  assert.equal(byPath('1.5')[0].children[1].action, 'incidentCommander.setCustomerImpact');
});

test('conditions sit on the reporter- and impact-specific steps only', () => {
  const conditions = walkSteps(shipped())
    .filter((e) => e.step.when)
    .map((e) => [e.step.path, e.step.when]);
  assert.deepEqual(conditions, [
    ['1.1.2', { reporter: ['customer'] }],
    ['1.1.3', { reporter: ['service-owner'] }],
    ['3.1.7', { customerImpact: ['external'] }],
  ]);
});

test('details are short guidance, one or two sentences', () => {
  const playbook = shipped();
  let withDetail = 0;
  for (const { step } of walkSteps(playbook)) {
    if (step.detail === undefined) continue;
    withDetail += 1;
    assert.ok(step.detail.length <= 200, `${step.path} detail is ${step.detail.length} characters`);
    assert.ok((step.detail.match(/[.!?](\s|$)/g) ?? []).length <= 2, `${step.path} detail has more than two sentences`);
  }
  assert.ok(withDetail >= 40, `only ${withDetail} steps have a detail`);
});

test('the built default playbook matches the parsed source', () => {
  let built: string | undefined;
  try {
    built = readFileSync(path.join(root, 'dist/default-playbook.json'), 'utf8');
  } catch {
    return; // not built in this checkout
  }
  assert.deepEqual(JSON.parse(built), JSON.parse(JSON.stringify(shipped())));
});

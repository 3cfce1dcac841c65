// Conditions (stepApplies) and the query helpers over a playbook's step tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { conditionMatches, stepApplies } from '../../src/core/playbook/conditions';
import type { ConditionSubject } from '../../src/core/playbook/conditions';
import { parsePlaybook } from '../../src/core/playbook/parse';
import { CONDITION_FIELDS } from '../../src/core/playbook/schema';
import { ancestry, findEntry, findStep, leafSteps, progress, stepIndex, walkSteps } from '../../src/core/playbook/query';
import type { Playbook, Step } from '../../src/core/playbook/types';

const root = path.join(__dirname, '../../..');

function shipped(): Playbook {
  const r = parsePlaybook(readFileSync(path.join(root, 'playbooks/ims.yaml'), 'utf8'));
  assert.ok(r.playbook);
  return r.playbook;
}

function step(id: string, children: Step[] = [], extra: Partial<Step> = {}): Step {
  return { id, number: '1', path: id, title: id, children, ...extra };
}

// A small tree:  a(a1, a2(a2x, a2y)), b
const tree: Playbook = {
  schemaVersion: 1,
  id: 't',
  title: 'T',
  version: '1',
  phases: [
    step('a', [step('a1'), step('a2', [step('a2x'), step('a2y', [], { when: { reporter: ['customer'] } })])]),
    step('b', [], { when: { production: [true] } }),
  ],
};

// ---- conditions

test('a step without when applies to everything', () => {
  assert.equal(stepApplies(step('x'), {}), true);
  assert.equal(stepApplies(step('x'), { reporter: 'customer', production: false }), true);
  assert.equal(stepApplies(step('x', [], { when: {} }), { reporter: 'customer' }), true);
});

test('a listed field must match one of its values', () => {
  const s = step('x', [], { when: { reporter: ['customer', 'service-owner'] } });
  assert.equal(stepApplies(s, { reporter: 'customer' }), true);
  assert.equal(stepApplies(s, { reporter: 'service-owner' }), true);
  assert.equal(stepApplies(s, { reporter: 'monitoring' }), false);
  assert.equal(stepApplies(s, { reporter: 'Customer' }), false, 'values compare exactly');
});

test('an unknown field does not rule the step out', () => {
  const s = step('x', [], { when: { reporter: ['customer'], production: [true] } });
  assert.equal(stepApplies(s, {}), true);
  assert.equal(stepApplies(s, { severity: 'sev1' }), true);
  assert.equal(stepApplies(s, { reporter: undefined, production: true }), true);
  assert.equal(stepApplies(s, { reporter: null, production: null } as unknown as ConditionSubject), true);
});

test('every listed field must match (and)', () => {
  const s = step('x', [], { when: { reporter: ['customer'], production: [true] } });
  assert.equal(stepApplies(s, { reporter: 'customer', production: true }), true);
  assert.equal(stepApplies(s, { reporter: 'customer', production: false }), false);
  assert.equal(stepApplies(s, { reporter: 'monitoring', production: true }), false);
  assert.equal(stepApplies(s, { reporter: 'customer' }), true);
  assert.equal(stepApplies(s, { production: false }), false);
});

test('boolean fields match booleans, not their text', () => {
  const s = step('x', [], { when: { bridgeNeeded: [false] } });
  assert.equal(stepApplies(s, { bridgeNeeded: false }), true);
  assert.equal(stepApplies(s, { bridgeNeeded: true }), false);
  assert.equal(conditionMatches({ production: [true] }, { production: 'true' as unknown as boolean }), false);
});

test('every condition field is tested', () => {
  const subject: ConditionSubject = {
    reporter: 'r',
    customerImpact: 'c',
    severity: 's',
    production: true,
    status: 'st',
    bridgeNeeded: true,
  };
  for (const field of CONDITION_FIELDS) {
    const other = typeof subject[field] === 'boolean' ? false : 'other';
    assert.equal(conditionMatches({ [field]: [subject[field]] }, subject), true, field);
    assert.equal(conditionMatches({ [field]: [other] }, subject), false, field);
  }
  assert.deepEqual([...CONDITION_FIELDS], ['reporter', 'customerImpact', 'severity', 'production', 'status', 'bridgeNeeded']);
});

test('the shipped conditional steps follow the reporter and the customer impact', () => {
  const pb = shipped();
  const applies = (id: string, subject: ConditionSubject): boolean => {
    const s = findStep(pb, id);
    assert.ok(s, id);
    return stepApplies(s, subject);
  };
  assert.equal(applies('reply-customer', { reporter: 'customer' }), true);
  assert.equal(applies('reply-customer', { reporter: 'service-owner' }), false);
  assert.equal(applies('reply-service-owner', { reporter: 'service-owner' }), true);
  assert.equal(applies('reply-service-owner', { reporter: 'customer' }), false);
  assert.equal(applies('reply-service-owner', {}), true);
  assert.equal(applies('assess-unified-command', { customerImpact: 'external' }), true);
  assert.equal(applies('assess-unified-command', { customerImpact: 'none' }), false);
  assert.equal(applies('ack-page', { reporter: 'customer', customerImpact: 'none' }), true);
});

// ---- query

test('walkSteps is depth-first pre-order with depth and parent', () => {
  const walked = walkSteps(tree).map((e) => [e.step.id, e.depth, e.parent?.id]);
  assert.deepEqual(walked, [
    ['a', 0, undefined],
    ['a1', 1, 'a'],
    ['a2', 1, 'a'],
    ['a2x', 2, 'a2'],
    ['a2y', 2, 'a2'],
    ['b', 0, undefined],
  ]);
  assert.deepEqual(
    walkSteps(tree.phases[0].children[1]).map((e) => [e.step.id, e.depth]),
    [
      ['a2', 0],
      ['a2x', 1],
      ['a2y', 1],
    ],
  );
  assert.deepEqual(walkSteps([]), []);
});

test('findStep, findEntry, stepIndex and ancestry', () => {
  assert.equal(findStep(tree, 'a2y')?.id, 'a2y');
  assert.equal(findStep(tree, 'missing'), undefined);
  assert.deepEqual(
    (({ step: s, parent, depth }) => [s.id, parent?.id, depth])(findEntry(tree, 'a2x') ?? { step: step('none'), depth: -1 }),
    ['a2x', 'a2', 2],
  );
  const index = stepIndex(tree);
  assert.deepEqual([...index.keys()], ['a', 'a1', 'a2', 'a2x', 'a2y', 'b']);
  assert.equal(index.get('a1')?.parent?.id, 'a');
  assert.equal(index.get('b')?.parent, undefined);
  assert.equal(index.get('a2y')?.depth, 2);
  assert.deepEqual(ancestry(tree, 'a2y').map((s) => s.id), ['a', 'a2', 'a2y']);
  assert.deepEqual(ancestry(tree, 'nope'), []);

  const pb = shipped();
  assert.equal(findStep(pb, 'ic-fatigue')?.path, '3.1.5.4');
  assert.deepEqual(ancestry(pb, 'ic-fatigue').map((s) => s.path), ['3', '3.1', '3.1.5', '3.1.5.4']);
});

test('leafSteps are the steps without children, in order', () => {
  assert.deepEqual(leafSteps(tree).map((s) => s.id), ['a1', 'a2x', 'a2y', 'b']);
  const pb = shipped();
  const leaves = leafSteps(pb);
  assert.equal(leaves.length, 42);
  assert.equal(leaves[0].path, '1.1.1');
  assert.equal(leaves[leaves.length - 1].path, '4.5');
  assert.ok(leaves.some((s) => s.id === 'update-artifacts'), 'a step with no sub-steps is a leaf');
});

test('progress counts the given steps and every applying descendant', () => {
  const none = (): boolean => false;
  assert.deepEqual(progress(tree, none), { done: 0, total: 6 });
  assert.deepEqual(progress(tree.phases[0], none), { done: 0, total: 5 });
  assert.deepEqual(progress(tree.phases, none), { done: 0, total: 6 });
  const done = new Set(['a1', 'a2x', 'b']);
  assert.deepEqual(progress(tree, (s) => done.has(s.id)), { done: 3, total: 6 });
  // A parent is not done because its children are.
  assert.deepEqual(progress(tree.phases[0].children[1], (s) => s.id !== 'a2'), { done: 2, total: 3 });
});

test('progress leaves out steps that do not apply, and everything under them', () => {
  const subject: ConditionSubject = { reporter: 'monitoring', production: false };
  const applies = (s: Step): boolean => stepApplies(s, subject);
  assert.deepEqual(progress(tree, () => true, applies), { done: 4, total: 4 });
  assert.deepEqual(progress(tree, () => true, (s) => s.id !== 'a2'), { done: 3, total: 3 });
  assert.deepEqual(progress(tree, () => true, (s) => s.id !== 'a'), { done: 1, total: 1 });

  const pb = shipped();
  const all = walkSteps(pb).length;
  assert.equal(all, 55);
  assert.deepEqual(progress(pb, () => false), { done: 0, total: 55 });
  const customer = (s: Step): boolean => stepApplies(s, { reporter: 'customer', customerImpact: 'internal' });
  assert.deepEqual(progress(pb, (s) => s.path.startsWith('1.'), customer), { done: 20, total: 53 });
});

/** A synthetic playbook of `phases` phases of `steps` steps of `subs` sub-steps. */
function synthetic(phases: number, steps: number, subs: number): Playbook {
  const make = (id: string, p: string, children: Step[]): Step => ({ id, number: p.split('.').pop() ?? p, path: p, title: id, children });
  return {
    schemaVersion: 1,
    id: 'big',
    title: 'Big',
    version: '1',
    phases: Array.from({ length: phases }, (_, i) =>
      make(`p${i}`, `${i + 1}`, Array.from({ length: steps }, (_, j) =>
        make(`p${i}-s${j}`, `${i + 1}.${j + 1}`, Array.from({ length: subs }, (_, k) => make(`p${i}-s${j}-${k}`, `${i + 1}.${j + 1}.${k + 1}`, []))),
      )),
    ),
  };
}

// Speed is measured in bench/ (npm run bench), not asserted here.
test('index and walk of a 500-step playbook cover every step once', () => {
  const pb = synthetic(5, 9, 10); // 5 + 45 + 450 = 500 steps
  assert.equal(walkSteps(pb).length, 500);
  assert.equal(stepIndex(pb).size, 500);
  assert.equal(new Set(walkSteps(pb).map((e) => e.step.id)).size, 500);
  assert.ok(findStep(pb, 'p4-s8-9'));
  assert.equal(findStep(pb, 'p4-s8-10'), undefined);
});

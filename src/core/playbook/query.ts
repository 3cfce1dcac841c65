/**
 * Reading a playbook's step tree: walking, looking up, counting progress.
 * Nothing here imports 'vscode'. All helpers are iterative (no recursion) and linear in the
 * number of steps.
 */
import type { Playbook, Step } from './types';

export interface StepEntry {
  readonly step: Step;
  /** The enclosing step; undefined for a phase. */
  readonly parent?: Step;
  /** 0 for a phase, 1 for its steps, and so on. */
  readonly depth: number;
}

type Roots = Playbook | Step | readonly Step[];

function rootsOf(from: Roots): readonly Step[] {
  if (Array.isArray(from)) return from as readonly Step[];
  if ('phases' in from) return from.phases;
  return [from as Step];
}

/**
 * Every step in depth-first pre-order (a step before its children, siblings in file order),
 * starting from the playbook's phases (or from the given steps, whose depth is then 0).
 */
export function walkSteps(from: Roots): StepEntry[] {
  const out: StepEntry[] = [];
  const roots = rootsOf(from);
  const stack: StepEntry[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ step: roots[i], parent: undefined, depth: 0 });
  while (stack.length > 0) {
    const entry = stack.pop() as StepEntry;
    out.push(entry);
    const children = entry.step.children;
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({ step: children[i], parent: entry.step, depth: entry.depth + 1 });
    }
  }
  return out;
}

/** Map from step id to its entry, in walk order. When ids repeat (the parser refuses that) the first wins. */
export function stepIndex(from: Roots): Map<string, StepEntry> {
  const index = new Map<string, StepEntry>();
  for (const entry of walkSteps(from)) if (!index.has(entry.step.id)) index.set(entry.step.id, entry);
  return index;
}

const cachedIndexes = new WeakMap<object, Map<string, StepEntry>>();

function cachedIndex(playbook: Playbook): Map<string, StepEntry> {
  let index = cachedIndexes.get(playbook);
  if (!index) {
    index = stepIndex(playbook);
    cachedIndexes.set(playbook, index);
  }
  return index;
}

/** The step with this id, or undefined. Indexes the playbook once (playbooks are immutable). */
export function findStep(playbook: Playbook, id: string): Step | undefined {
  return cachedIndex(playbook).get(id)?.step;
}

/** The entry (step, parent, depth) of this id, or undefined; from the same cached index as findStep. */
export function findEntry(playbook: Playbook, id: string): StepEntry | undefined {
  return cachedIndex(playbook).get(id);
}

/** The steps from the phase down to (and including) the step with this id; empty when unknown. */
export function ancestry(playbook: Playbook, id: string): Step[] {
  const index = cachedIndex(playbook);
  const chain: Step[] = [];
  let entry = index.get(id);
  while (entry) {
    chain.push(entry.step);
    entry = entry.parent ? index.get(entry.parent.id) : undefined;
  }
  return chain.reverse();
}

/** Steps with no children, in walk order. */
export function leafSteps(from: Roots): Step[] {
  return walkSteps(from)
    .filter((e) => e.step.children.length === 0)
    .map((e) => e.step);
}

export interface Progress {
  readonly done: number;
  readonly total: number;
}

/**
 * Counts the given step(s) and all their descendants that apply:
 * - every counted step counts once in `total`, whether it has children or not (parents are
 *   checklist items too), and once in `done` when `isDone(step)` is true;
 * - a step for which `applies(step)` is false is not counted, and neither is anything under
 *   it (a hidden step hides its sub-steps);
 * - `applies` defaults to "everything applies"; `isDone` is asked of each counted step on its
 *   own: a parent is not done because its children are.
 * Pass a playbook to count the whole procedure, a phase for one phase.
 */
export function progress(
  steps: Roots,
  isDone: (step: Step) => boolean,
  applies: (step: Step) => boolean = () => true,
): Progress {
  let done = 0;
  let total = 0;
  const stack: Step[] = [...rootsOf(steps)];
  while (stack.length > 0) {
    const step = stack.pop() as Step;
    if (!applies(step)) continue;
    total += 1;
    if (isDone(step)) done += 1;
    for (const child of step.children) stack.push(child);
  }
  return { done, total };
}

// extensionTestsPath for the one combined extension-host run: the workspace holds a 500-step
// .incidents/playbook.yaml. Measures the tree walk over that playbook and checkbox toggles through
// the command, each toggle checked against the record on disk.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extensionMarks, getApi, hostTimings, loadedDistModules, stats, waitFor, writeResult } from './common';

type Node = { nodeType: string; incidentId: string; stepId?: string };

const WALK_RUNS = 20;
const TOGGLES = 100;

function isThenable<T>(x: unknown): x is PromiseLike<T> {
  return !!x && typeof (x as PromiseLike<T>).then === 'function';
}

async function children(tree: vscode.TreeDataProvider<Node>, node?: Node): Promise<Node[]> {
  const r = tree.getChildren(node);
  const v = isThenable<Node[] | null | undefined>(r) ? await r : r;
  return v ?? [];
}

async function item(tree: vscode.TreeDataProvider<Node>, node: Node): Promise<vscode.TreeItem> {
  const r = tree.getTreeItem(node);
  return isThenable<vscode.TreeItem>(r) ? await r : r;
}

/** getTreeItem of `node` and getChildren + getTreeItem of everything under it; returns the node count. */
async function walk(tree: vscode.TreeDataProvider<Node>, node: Node): Promise<number> {
  let count = 1;
  await item(tree, node);
  for (const child of await children(tree, node)) count += await walk(tree, child);
  return count;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

export async function run(): Promise<void> {
  try {
    const { extension, api, wasActive } = await getApi();
    const tree = api.tree as vscode.TreeDataProvider<Node>;
    await api.ready();
    await waitFor("api.playbookSource === 'workspace'", () => api.playbookSource === 'workspace');
    const loadedWithPlaybook = loadedDistModules(extension.extensionPath);

    const incidentId = (await vscode.commands.executeCommand('incidentCommander.declare', {
      title: 'Benchmark: 500-step playbook',
      severity: 'SEV2',
    })) as string;
    if (typeof incidentId !== 'string') throw new Error(`declare returned ${String(incidentId)}`);

    const roots = await children(tree);
    const incidentNode = roots.find((n) => n.nodeType === 'incident' && n.incidentId === incidentId);
    if (!incidentNode) throw new Error(`${incidentId} is not among the tree's ${roots.length} top-level nodes`);

    /** Times `fn` WALK_RUNS times; returns the samples and the count of the last run. */
    const repeat = async (fn: () => Promise<number>): Promise<[number[], number]> => {
      const samples: number[] = [];
      let count = 0;
      for (let i = 0; i < WALK_RUNS; i++) {
        const [ms, n] = await time(fn);
        samples.push(ms);
        count = n;
      }
      return [samples, count];
    };
    // Full walk of the declared incident: the root level, then the incident and its whole checklist.
    const [fullWalk, nodes] = await repeat(async () => {
      await children(tree);
      return walk(tree, incidentNode);
    });
    // One level: expanding the incident (getChildren of it + getTreeItem of each child: the phases, and whatever else it shows).
    const [oneLevel, phases] = await repeat(async () => {
      const kids = await children(tree, incidentNode);
      for (const k of kids) await item(tree, k);
      return kids.length;
    });
    // The whole tree, every incident in the workspace (informative).
    const [wholeTree, wholeNodes] = await repeat(async () => {
      let c = 0;
      for (const r of await children(tree)) c += await walk(tree, r);
      return c;
    });

    // Checkbox toggles through the command: the promise resolves after the record is written.
    const stepIds: string[] = [];
    const collect = async (n: Node, depth: number) => {
      for (const c of await children(tree, n)) {
        if (depth > 0 && c.stepId) stepIds.push(c.stepId);
        await collect(c, depth + 1);
      }
    };
    await collect(incidentNode, 0);
    const recordFile = path.join(api.storageRoot, incidentId, 'incident.json');
    const toggles: number[] = [];
    for (let i = 0; i < TOGGLES; i++) {
      const stepId = stepIds[i % stepIds.length];
      const done = Math.floor(i / stepIds.length) % 2 === 0;
      const [ms] = await time(() => Promise.resolve(vscode.commands.executeCommand('incidentCommander.toggleStep', { incidentId, stepId, done })));
      toggles.push(ms);
      const onDisk = JSON.parse(readFileSync(recordFile, 'utf8')) as { steps: Record<string, { done: boolean }> };
      if ((onDisk.steps[stepId]?.done ?? false) !== done) throw new Error(`toggle ${i} (${stepId} → ${done}) is not in ${recordFile} after the command resolved`);
    }

    writeResult({
      ok: true,
      wasActive,
      activationMs: api.activationMs,
      ...hostTimings(extensionMarks()),
      playbookSource: api.playbookSource,
      loadedWithPlaybook,
      incidentId,
      tree: {
        fullWalk: { ...stats(fullWalk), nodes },
        oneLevel: { ...stats(oneLevel), nodes: phases },
        wholeTree: { ...stats(wholeTree), nodes: wholeNodes, incidents: roots.length },
      },
      toggleCommand: { ...stats(toggles), steps: stepIds.length },
    });
  } catch (err) {
    writeResult({ ok: false, error: (err as Error)?.stack ?? String(err) });
    throw err;
  }
}

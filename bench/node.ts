// Plain-Node benchmarks of the store (no editor): built to out/bench/node.js by `node scripts/build.mjs --tests`.
//   node out/bench/node.js <result.json> <default-playbook.json>
// 1. opening an incident with 10,000 timeline events: IncidentStore.load + readTimeline (fresh store each run);
// 2. a checkbox toggle persisted: IncidentStore.update(toggleStep) until the atomic write is done.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IncidentStore } from '../src/core/store/incidentStore';
import { IncidentService } from '../src/core/incidentService';
import type { Playbook, Step } from '../src/core/playbook/types';
import type { TimelineEvent } from '../src/core/incident/types';

const OPEN_RUNS = 20;
const EVENTS = 10_000;
const TOGGLES = 100;
const ACTOR = 'bench';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const stats = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length, samples: xs.map((x) => Math.round(x * 1000) / 1000) });

function stepIds(playbook: Playbook): string[] {
  const out: string[] = [];
  const visit = (steps: readonly Step[], depth: number) => {
    for (const s of steps) {
      if (depth > 0) out.push(s.id);
      visit(s.children, depth + 1);
    }
  };
  visit(playbook.phases, 0);
  return out;
}

/** 10,000 events of the kinds a long incident collects, in the store's own line format. */
function syntheticEvents(n: number, ids: string[], start: Date): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(start.getTime() + i * 1000).toISOString();
    let e: TimelineEvent;
    switch (i % 4) {
      case 0:
        e = { v: 1, at, actor: `person-${i % 7}`, type: 'step-toggled', data: { stepId: ids[i % ids.length], done: i % 8 === 0 } };
        break;
      case 1:
        e = { v: 1, at, actor: `person-${i % 7}`, type: 'note-added', data: { text: `Checked dashboard ${i}: error rate still elevated in eu-west-1, p99 latency ${200 + (i % 300)} ms; rolling back canary.` } };
        break;
      case 2:
        e = { v: 1, at, actor: `person-${i % 7}`, type: 'field-changed', data: { field: 'services', from: ['checkout'], to: ['checkout', `svc-${i % 13}`] } };
        break;
      default:
        e = { v: 1, at, actor: `person-${i % 7}`, type: 'status-changed', data: { from: 'triage', to: 'active' } };
    }
    lines.push(JSON.stringify(e));
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const [outFile, playbookFile] = process.argv.slice(2);
  if (!outFile || !playbookFile) throw new Error('usage: node out/bench/node.js <result.json> <default-playbook.json>');
  const playbook = JSON.parse(readFileSync(playbookFile, 'utf8')) as Playbook;
  const ids = stepIds(playbook);
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'ic-bench-node-')), '.incidents');
  try {
    const store = new IncidentStore(root);
    const known = () => true;

    // --- opening an incident with 10,000 events
    const big = await store.declare({ title: 'Long-running incident', severity: 'SEV1', services: ['checkout'] }, ACTOR, playbook);
    for (const id of ids.slice(0, 20)) await store.update(big.id, { kind: 'toggleStep', stepId: id, done: true }, ACTOR, known);
    const timeline = store.timelineFile(big.id);
    appendFileSync(timeline, syntheticEvents(EVENTS - 21, ids, new Date()));
    const lines = readFileSync(timeline, 'utf8').split('\n').filter(Boolean).length;
    const open: number[] = [];
    let eventsRead = 0;
    for (let i = 0; i < OPEN_RUNS; i++) {
      const fresh = new IncidentStore(root);
      const t0 = performance.now();
      const loaded = await fresh.load(big.id);
      const read = await fresh.readTimeline(big.id);
      open.push(performance.now() - t0);
      if (!loaded.ok) throw loaded.error;
      eventsRead = read.events.length;
      if (read.skipped.length > 0) throw new Error(`${read.skipped.length} timeline lines skipped`);
    }

    // --- toggles persisted
    const small = await store.declare({ title: 'Toggle benchmark', severity: 'SEV3' }, ACTOR, playbook);
    const toggles: number[] = [];
    for (let i = 0; i < TOGGLES; i++) {
      const stepId = ids[i % ids.length];
      const done = Math.floor(i / ids.length) % 2 === 0;
      const t0 = performance.now();
      await store.update(small.id, { kind: 'toggleStep', stepId, done }, ACTOR, known);
      toggles.push(performance.now() - t0);
      const onDisk = JSON.parse(readFileSync(store.incidentFile(small.id), 'utf8')) as { steps: Record<string, { done: boolean }> };
      if ((onDisk.steps[stepId]?.done ?? false) !== done) throw new Error(`toggle ${i} not on disk after update() resolved`);
    }

    // --- the same through IncidentService.change (what the command calls; no editor): informative
    const service = new IncidentService(new IncidentStore(root), { actor: () => ACTOR, playbook: () => playbook });
    await service.ready();
    const viaService = await service.declare({ title: 'Toggle benchmark (service)', severity: 'SEV3' });
    const serviceToggles: number[] = [];
    for (let i = 0; i < TOGGLES; i++) {
      const stepId = ids[i % ids.length];
      const done = Math.floor(i / ids.length) % 2 === 0;
      const t0 = performance.now();
      await service.change(viaService.id, { kind: 'toggleStep', stepId, done });
      serviceToggles.push(performance.now() - t0);
    }
    service.dispose();

    writeFileSync(
      outFile,
      JSON.stringify(
        { ok: true, open: { ...stats(open), events: eventsRead, lines }, toggle: { ...stats(toggles), steps: ids.length }, serviceToggle: stats(serviceToggles), dir: root },
        null,
        2,
      ),
    );
  } finally {
    rmSync(path.dirname(root), { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});

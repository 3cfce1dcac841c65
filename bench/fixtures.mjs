// Workspaces for the benchmarks: temp copies of test/fixtures/demo-workspace with a few incidents in them
// (written through the real IncidentStore from out/src), and a generated 500-step playbook.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, copyDemoWorkspace } from '../test/host/codeServer.mjs';

const require = createRequire(import.meta.url);

/** @param {string} ext the built extension (dist/, out/): the checkout or bench's private build */
export function defaultPlaybook(ext = REPO_ROOT) {
  return JSON.parse(readFileSync(join(ext, 'dist', 'default-playbook.json'), 'utf8'));
}

function checkableStepIds(playbook) {
  const out = [];
  const visit = (steps, depth) => {
    for (const s of steps) {
      if (depth > 0) out.push(s.id);
      visit(s.children, depth + 1);
    }
  };
  visit(playbook.phases, 0);
  return out;
}

/**
 * A temp copy of the demo workspace with `incidents` incidents under .incidents/ (different severities and
 * states, some steps ticked, a few notes), and `.incidents/playbook.yaml` only when `playbookYaml` is given.
 */
export async function makeWorkspace({ ext = REPO_ROOT, incidents = 3, playbookYaml } = {}) {
  const workspace = copyDemoWorkspace();
  const root = join(workspace, '.incidents');
  const { IncidentStore } = require(join(ext, 'out', 'src', 'core', 'store', 'incidentStore.js'));
  const store = new IncidentStore(root);
  const playbook = defaultPlaybook(ext);
  const ids = checkableStepIds(playbook);
  const known = () => true;
  const severities = ['SEV1', 'SEV2', 'SEV3', 'SEV4'];
  for (let n = 0; n < incidents; n++) {
    const incident = await store.declare(
      { title: `Bench incident ${n + 1}: checkout errors in eu-west-${n + 1}`, severity: severities[n % 4], services: ['checkout', 'payments'], reporter: 'alert' },
      'bench',
      { id: playbook.id, version: playbook.version },
    );
    for (const stepId of ids.slice(0, 5 + n * 3)) await store.update(incident.id, { kind: 'toggleStep', stepId, done: true }, 'bench', known);
    await store.update(incident.id, { kind: 'addNote', text: 'Rolled back the canary; watching error rates.' }, 'bench', known);
    if (n === incidents - 1 && incidents > 1) await store.update(incident.id, { kind: 'setStatus', status: 'resolved' }, 'bench', known);
  }
  if (playbookYaml === undefined) {
    rmSync(join(root, 'playbook.yaml'), { force: true }); // should the fixture ever ship one
  } else {
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'playbook.yaml'), playbookYaml);
  }
  return workspace;
}

/**
 * A valid playbook of `phases` × `steps` × `subSteps` (default 10 × 10 × 4: 10 phases, 100 steps, 400 sub-steps,
 * so 500 checkable steps under 10 phases). Some steps carry a `when` or an `action`, as real ones do.
 */
export function bigPlaybookYaml({ phases = 10, steps = 10, subSteps = 4 } = {}) {
  const q = (s) => JSON.stringify(s);
  const out = ['schemaVersion: 1', 'id: bench-big', 'title: Benchmark playbook (500 steps)', 'version: "1"', 'phases:'];
  for (let p = 1; p <= phases; p++) {
    out.push(`  - id: phase-${p}`, `    number: "${p}"`, `    title: ${q(`Phase ${p}: stabilise, communicate, recover`)}`);
    out.push(`    detail: ${q(`Everything that belongs to phase ${p} of the procedure.`)}`, '    inputs: [Incident Record]', '    outputs: [Timeline]', '    steps:');
    for (let s = 1; s <= steps; s++) {
      out.push(`      - id: step-${p}-${s}`, `        number: "${s}"`, `        title: ${q(`Step ${p}.${s}: check the dashboards and the recent changes`)}`);
      out.push(`        detail: ${q('Look at error rates, latency and saturation; note what you find on the timeline.')}`);
      if (s % 5 === 0) out.push('        when: { severity: [SEV1, SEV2] }');
      if (s % 3 === 0) out.push('        action: incidentCommander.addNote');
      out.push('        steps:');
      for (let u = 1; u <= subSteps; u++) {
        out.push(`          - id: step-${p}-${s}-${u}`, `            number: "${u}"`, `            title: ${q(`Sub-step ${p}.${s}.${u}: confirm and record`)}`);
        if (u === 4) out.push('            when: { production: [true] }');
      }
    }
  }
  return out.join('\n') + '\n';
}

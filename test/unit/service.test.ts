import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { IncidentService, compareForList } from '../../src/core/incidentService';
import { IncidentStore, LoadResult } from '../../src/core/store/incidentStore';
import type { Playbook } from '../../src/core/playbook/types';
import { formatElapsed, statusBarText } from '../../src/ui/format';
import { asArgs, isAutomation, optionalList } from '../../src/ui/args';
import { fixedClock, tempDir } from './helpers/tmp';

const playbook: Playbook = {
  schemaVersion: 1,
  id: 'test',
  title: 'Test',
  version: '1',
  phases: [{ id: 'p1', number: '1', path: '1', title: 'Phase', children: [{ id: 's1', number: '1', path: '1.1', title: 'Step', children: [] }] }],
};

function service(root = tempDir()) {
  const state = new Map<string, unknown>();
  const svc = new IncidentService(new IncidentStore(root, fixedClock('2026-12-04T03:00:00Z')), {
    actor: () => 'alice',
    playbook: () => playbook,
    state: { get: <T>(k: string) => state.get(k) as T | undefined, update: (k, v) => void state.set(k, v) },
  });
  return { svc, root, state };
}

describe('the incident service', () => {
  it('declaring makes the new incident active and tells listeners', async () => {
    const { svc } = service();
    const seen: string[][] = [];
    svc.onDidChange((e) => seen.push([...e.ids]));
    const a = await svc.declare({ title: 'one' });
    assert.equal(svc.activeId, a.id);
    assert.deepEqual(seen.at(-1), [a.id]);
  });

  it('changes go to the active incident unless another is named', async () => {
    const { svc } = service();
    const a = await svc.declare({ title: 'one' });
    const b = await svc.declare({ title: 'two' });
    await svc.setActive(a.id);
    await svc.change(undefined, { kind: 'toggleStep', stepId: 's1', done: true });
    await svc.change(b.id, { kind: 'setSeverity', severity: 'SEV1' });
    assert.equal(svc.get(a.id)?.steps.s1.done, true);
    assert.equal(svc.get(b.id)?.severity, 'SEV1');
    assert.equal(svc.get(a.id)?.severity, undefined);
  });

  it('with no incident, a change says to declare one first', async () => {
    const { svc } = service();
    await assert.rejects(svc.change(undefined, { kind: 'acknowledge' }), /no active incident\. Declare one first/);
  });

  it('refuses a step that is not in the playbook in force', async () => {
    const { svc } = service();
    await svc.declare({ title: 'one' });
    await assert.rejects(svc.change(undefined, { kind: 'toggleStep', stepId: 'ack-page', done: true }), /no step 'ack-page'/);
  });

  it('reload picks up a change written by another store on the same folder, and fires only when it changed', async () => {
    const { svc, root } = service();
    const a = await svc.declare({ title: 'one' });
    let fired = 0;
    svc.onDidChange(() => fired++);
    await svc.reload(a.id);
    assert.equal(fired, 0, 'our own write is not a change');
    await new IncidentStore(root).update(a.id, { kind: 'setStatus', status: 'active' }, 'bob', () => true);
    await svc.reload(a.id);
    assert.equal(svc.get(a.id)?.status, 'active');
    assert.equal(fired, 1);
    await svc.reload('../../etc');
    assert.equal(fired, 1);
  });

  it('a corrupt record is listed as unreadable, and the next open incident becomes active', async () => {
    const { svc, root } = service();
    const a = await svc.declare({ title: 'one' });
    const b = await svc.declare({ title: 'two' });
    const file = path.join(root, b.id, 'incident.json');
    require('node:fs').writeFileSync(file, 'garbage');
    await svc.refresh();
    const r = svc.result(b.id);
    assert.ok(r && !r.ok);
    assert.equal(svc.activeId, a.id);
    await assert.rejects(svc.change(b.id, { kind: 'acknowledge' }), /cannot be read/);
    assert.equal(readFileSync(file, 'utf8'), 'garbage');
  });

  it('lists open incidents first by severity, then unreadable, then ended ones', () => {
    const inc = (id: string, status: string, severity?: string): LoadResult => ({ ok: true, incident: { id, status, severity } as never });
    const rows: LoadResult[] = [
      inc('INC-20261204-1', 'closed', 'SEV1'),
      inc('INC-20261204-2', 'active', 'SEV3'),
      { ok: false, id: 'INC-20261204-3', file: 'f', error: new Error('x') as never },
      inc('INC-20261204-4', 'triage'),
      inc('INC-20261204-5', 'mitigated', 'SEV1'),
      inc('INC-20261204-6', 'active', 'SEV3'),
    ];
    const order = rows.sort(compareForList).map((r) => (r.ok ? r.incident.id : r.id).slice(-1));
    assert.deepEqual(order, ['5', '6', '2', '4', '3', '1']);
  });
});

describe('display helpers', () => {
  it('formats time since declared', () => {
    const from = '2026-12-04T03:00:00Z';
    const at = (s: number) => new Date(Date.parse(from) + s * 1000);
    assert.equal(formatElapsed(from, at(42)), '42s');
    assert.equal(formatElapsed(from, at(12 * 60 + 5)), '12m');
    assert.equal(formatElapsed(from, at(65 * 60)), '1h 05m');
    assert.equal(formatElapsed(from, at(51 * 3600)), '2d 3h');
    assert.equal(formatElapsed(from, at(-10)), '0s');
  });
  it('the status bar shows id, severity, status and time', () => {
    const incident = { id: 'INC-20261204-1', severity: 'SEV2', status: 'active', timestamps: { declared: '2026-12-04T03:00:00Z' } } as never;
    assert.equal(statusBarText(incident, new Date('2026-12-04T03:12:00Z')), 'INC-20261204-1 · SEV2 · active · 12m');
    const closed = { id: 'X', status: 'closed', timestamps: { declared: '2026-12-04T03:00:00Z' } } as never;
    assert.equal(statusBarText(closed, new Date()), 'X · SEV? · closed');
  });
  it('tells automation arguments from tree nodes', () => {
    assert.equal(isAutomation({ title: 'x' }), true);
    assert.equal(isAutomation({ nodeType: 'step', incidentId: 'a' }), false);
    assert.equal(isAutomation(undefined), false);
    assert.deepEqual(asArgs('x'), {});
    assert.deepEqual(optionalList({ s: 'a, b,,' }, 's'), ['a', 'b']);
    assert.throws(() => optionalList({ s: 3 }, 's'), /list of names/);
  });
});

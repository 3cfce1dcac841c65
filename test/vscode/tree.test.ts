// The Incidents tree as VS Code receives it: incidents, phases, steps with checkboxes and progress.
import * as assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { IncidentTreeNode } from '../../src/ui/incidentTree';
import { api, run } from './helpers';

async function items(parent?: IncidentTreeNode): Promise<[IncidentTreeNode, vscode.TreeItem][]> {
  const a = await api();
  const children = (await a.tree.getChildren(parent)) ?? [];
  return Promise.all(children.map(async (c) => [c, await a.tree.getTreeItem(c)] as [IncidentTreeNode, vscode.TreeItem]));
}

function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

describe('the Incidents tree', () => {
  let id: string;
  before(async () => {
    id = await run<string>('incidentCommander.declare', { title: 'Tree test', severity: 'SEV1', reporter: 'customer' });
  });

  it('lists open incidents first, worst severity first, with id, severity, status and progress', async () => {
    await run('incidentCommander.declare', { title: 'Quiet one', severity: 'SEV4' });
    const closed = await run<string>('incidentCommander.declare', { title: 'Old one', severity: 'SEV1' });
    await run('incidentCommander.setStatus', { incidentId: closed, status: 'closed' });
    await run('incidentCommander.setActive', { incidentId: id });
    const top = await items();
    const ids = top.map(([n]) => n.incidentId);
    const i = ids.indexOf(id);
    assert.ok(i >= 0);
    assert.ok(ids.indexOf(closed) > ids.lastIndexOf(ids.find((x) => (top.find(([n]) => n.incidentId === x)![1].contextValue ?? '').includes('open'))!));
    const [, item] = top[i];
    assert.equal(label(item), 'Tree test');
    assert.match(String(item.description), new RegExp(`^${id} · SEV1 · triage · 0/\\d+$`));
    assert.match(item.contextValue ?? '', /\bincident\b.*\bopen\b.*\bactive\b/);
  });

  it('shows the phases of the procedure under an incident, and steps with checkboxes under them', async () => {
    const top = await items();
    const incident = top.find(([n]) => n.incidentId === id)![0];
    const phases = await items(incident);
    assert.deepEqual(phases.map(([, it]) => label(it)), [
      '1 Handle alert + Create incident',
      '2 Assemble responders',
      '3 Begin Incident command loop',
      '4 Resolve the incident',
      'Timeline',
    ]);
    assert.equal(phases[0][1].checkboxState, undefined);
    const steps = await items(phases[0][0]);
    const labels = steps.map(([, it]) => label(it));
    assert.ok(labels.includes('1.1 Ack the alert'));
    assert.equal(labels.filter((l) => l.startsWith('1.5 ')).length, 2, 'both steps numbered 5 are shown');
    const ack = await items(steps[0][0]);
    const [, page] = ack[0];
    assert.equal(label(page), '1.1.1 Ack the page');
    assert.equal((page.checkboxState as { state: vscode.TreeItemCheckboxState }).state, vscode.TreeItemCheckboxState.Unchecked);
    assert.match(page.contextValue ?? '', /\baction\b/);
    assert.match(String(steps[0][1].description), /^0\/\d+$/);
  });

  it('ticking a step checks it and counts it in the progress', async () => {
    await run('incidentCommander.toggleStep', { incidentId: id, stepId: 'ack-page', done: true });
    const incident = (await items()).find(([n]) => n.incidentId === id)!;
    const phase1 = (await items(incident[0]))[0];
    const ackAlert = (await items(phase1[0]))[0];
    const [, page] = (await items(ackAlert[0]))[0];
    assert.equal((page.checkboxState as { state: vscode.TreeItemCheckboxState }).state, vscode.TreeItemCheckboxState.Checked);
    assert.match(String(ackAlert[1].description), /^1\/\d+/);
    assert.match(String(incident[1].description), / · 1\/\d+$/);
  });

  it('a step whose condition does not hold says n/a and is not counted', async () => {
    // Reported by a customer: the reply to a service owner (1.1.3) does not apply.
    const incident = (await items()).find(([n]) => n.incidentId === id)!;
    const phase1 = (await items(incident[0]))[0];
    const ackAlert = (await items(phase1[0]))[0];
    const subs = await items(ackAlert[0]);
    const owner = subs.find(([, it]) => label(it).startsWith('1.1.3 '))!;
    const customer = subs.find(([, it]) => label(it).startsWith('1.1.2 '))!;
    assert.match(String(owner[1].description), /n\/a/);
    assert.doesNotMatch(String(customer[1].description ?? ''), /n\/a/);
    assert.match(String(ackAlert[1].description), /^1\/2\b/, '1.1.1 and 1.1.2 count, 1.1.3 does not');
  });

  it('getParent leads from a sub-step back to its incident (for reveal)', async () => {
    const a = await api();
    const incident = (await items()).find(([n]) => n.incidentId === id)![0];
    const phase1 = (await items(incident))[0][0];
    const ackAlert = (await items(phase1))[0][0];
    const page = (await items(ackAlert))[0][0];
    assert.equal(await a.tree.getParent!(page), ackAlert);
    assert.equal(await a.tree.getParent!(ackAlert), phase1);
    assert.equal(await a.tree.getParent!(phase1), incident);
    assert.equal(await a.tree.getParent!(incident), undefined);
  });

  it("the timeline shows every change newest first, and says when a line could not be read", async () => {
    const a = await api();
    await run('incidentCommander.addNote', { incidentId: id, text: 'rolled back 4.2.1' });
    const incident = (await items()).find(([n]) => n.incidentId === id)![0];
    const timelineNode = (await items(incident)).find(([, it]) => label(it) === 'Timeline')![0];
    let entries = await items(timelineNode);
    assert.deepEqual(entries.map(([, it]) => label(it)).slice(0, 3), ['Note: rolled back 4.2.1', 'Done: 1.1.1 Ack the page', 'Declared: Tree test (SEV1)']);
    assert.match(String(entries[0][1].description), / · \d\d:\d\d$/);
    // A crash tore a line; the next change still lands, and the tree says one line was skipped.
    appendFileSync(`${a.storageRoot}/${id}/timeline.jsonl`, '{"v":1,"at":"2026-12-04T03:00:00Z","type":"note-ad');
    await run('incidentCommander.addNote', { incidentId: id, text: 'after the crash' });
    entries = await items(timelineNode);
    assert.equal(label(entries[0][1]), '1 line of timeline.jsonl could not be read');
    assert.match(String(entries[0][1].tooltip), /line \d+: incomplete or invalid JSON/);
    assert.equal(label(entries[1][1]), 'Note: after the crash');
  });

  it('the Incidents container opens', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.incidentCommander');
    await run('incidentCommander.reveal', { incidentId: id });
  });
});

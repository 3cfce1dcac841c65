// The commands and the API, end to end in a real extension host, checked against the files on disk.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Incident } from '../../src/core/incident/types';
import { api, run, workspaceFolder } from './helpers';

function record(root: string, id: string): Incident {
  return JSON.parse(readFileSync(path.join(root, id, 'incident.json'), 'utf8')) as Incident;
}

function timeline(root: string, id: string): { type: string; actor: string; data: Record<string, unknown> }[] {
  return readFileSync(path.join(root, id, 'timeline.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('commands', () => {
  let root: string;
  let id: string;

  before(async () => {
    const a = await api();
    root = a.storageRoot;
  });

  it('stores records under the first workspace folder in .incidents', async () => {
    assert.equal(root, path.join(workspaceFolder(), '.incidents'));
    assert.equal((await api()).playbookSource, 'default');
  });

  it('declare with an argument object runs without prompts, writes the files and makes it active', async () => {
    id = await run<string>('incidentCommander.declare', {
      title: 'Checkout fails for EU customers',
      severity: 'SEV2',
      services: ['checkout-api'],
      reporter: 'service-owner',
      production: true,
      customerImpact: 'external',
    });
    assert.match(id, /^INC-\d{8}-\d+$/);
    const r = record(root, id);
    assert.equal(r.schemaVersion, 1);
    assert.equal(r.title, 'Checkout fails for EU customers');
    assert.equal(r.severity, 'SEV2');
    assert.equal(r.status, 'triage');
    assert.deepEqual(r.services, ['checkout-api']);
    assert.equal(r.reporter?.kind, 'service-owner');
    assert.equal(r.customerImpact, 'external');
    assert.equal(timeline(root, id)[0].type, 'declared');
    const a = await api();
    assert.equal(a.activeIncidentId, id);
    assert.equal(a.getIncident(id)?.title, r.title);
    assert.ok(a.listIncidents().some((i) => i.id === id));
  });

  it('an empty title is refused with a message and nothing is written', async () => {
    const before = readdirSync(root).sort();
    await assert.rejects(run('incidentCommander.declare', { title: '   ' }), /title cannot be empty/);
    assert.deepEqual(readdirSync(root).sort(), before);
  });

  it('a 500-character emoji title is kept as typed, the id and folder stay safe', async () => {
    const title = '🔥 '.repeat(100) + '/../'.repeat(50);
    const other = await run<string>('incidentCommander.declare', { title });
    assert.match(other, /^INC-\d{8}-\d+$/);
    assert.equal(record(root, other).title, title.trim());
    assert.ok(existsSync(path.join(root, other, 'incident.json')));
    await run('incidentCommander.setActive', { incidentId: id });
    assert.equal((await api()).activeIncidentId, id);
  });

  it('toggleStep ticks and unticks a step of the active incident, with who and when', async () => {
    await run('incidentCommander.toggleStep', { stepId: 'ack-page', done: true, note: 'acked in PagerDuty' });
    let r = record(root, id);
    assert.equal(r.steps['ack-page'].done, true);
    assert.equal(r.steps['ack-page'].note, 'acked in PagerDuty');
    assert.ok(r.steps['ack-page'].by);
    await run('incidentCommander.toggleStep', { incidentId: id, stepId: 'ack-page', done: false });
    r = record(root, id);
    assert.equal(r.steps['ack-page'].done, false);
    const toggles = timeline(root, id).filter((e) => e.type === 'step-toggled');
    assert.deepEqual(toggles.map((e) => e.data.done), [true, false]);
  });

  it('an unknown step or incident is a clear error', async () => {
    await assert.rejects(run('incidentCommander.toggleStep', { stepId: 'no-such-step', done: true }), /no step 'no-such-step'/);
    await assert.rejects(run('incidentCommander.toggleStep', { incidentId: 'INC-19990101-1', stepId: 'ack-page', done: true }), /no incident 'INC-19990101-1'/);
    await assert.rejects(run('incidentCommander.setSeverity', { severity: 'SEV9' }), /SEV1, SEV2, SEV3, SEV4/);
  });

  it('setSeverity, setStatus and addNote change the record and the timeline', async () => {
    await run('incidentCommander.setSeverity', { severity: 'SEV1', reason: 'US affected too' });
    await run('incidentCommander.setStatus', { status: 'mitigated' });
    await run('incidentCommander.addNote', { text: 'rolled back 4.2.1 <!channel>' });
    const r = record(root, id);
    assert.equal(r.severity, 'SEV1');
    assert.equal(r.status, 'mitigated');
    assert.ok(r.timestamps.mitigated);
    const t = timeline(root, id);
    assert.deepEqual(t.find((e) => e.type === 'severity-changed')?.data, { from: 'SEV2', to: 'SEV1', reason: 'US affected too' });
    assert.equal(t.find((e) => e.type === 'note-added')?.data.text, 'rolled back 4.2.1 <!channel>');
    await assert.rejects(run('incidentCommander.addNote', { text: '' }), /empty note/);
  });

  it('the field commands record impact, bridge, roles and the problem record', async () => {
    await run('incidentCommander.setServices', { services: ['checkout-api', 'payments'] });
    await run('incidentCommander.setLocations', { locations: 'eu-west-1, dc-fra' });
    await run('incidentCommander.setProduction', { production: false });
    await run('incidentCommander.setBridge', { needed: true, url: 'https://meet.example.com/inc' });
    await run('incidentCommander.setCustomerImpact', { customerImpact: 'internal' });
    await run('incidentCommander.setRole', { role: 'scribe', person: 'dana' });
    await run('incidentCommander.setProblemRecord', { url: 'https://tracker.example.com/PRB-7' });
    const r = record(root, id);
    assert.deepEqual(r.services, ['checkout-api', 'payments']);
    assert.deepEqual(r.locations, ['eu-west-1', 'dc-fra']);
    assert.equal(r.production, false);
    assert.deepEqual(r.bridge, { needed: true, url: 'https://meet.example.com/inc' });
    assert.equal(r.customerImpact, 'internal');
    assert.equal(r.roles.scribe, 'dana');
    assert.equal(r.problemRecord, 'https://tracker.example.com/PRB-7');
    await assert.rejects(run('incidentCommander.setBridge', { url: 'meet me' }), /not a URL/);
  });

  it("a step's action runs from the step and ticks it", async () => {
    const other = await run<string>('incidentCommander.declare', { title: 'Action test' });
    const result = await run('incidentCommander.runStepAction', { incidentId: other, stepId: 'ack-page' });
    assert.equal(result, other);
    const r = record(root, other);
    assert.equal(r.status, 'active');
    assert.ok(r.timestamps.acknowledged);
    assert.equal(r.steps['ack-page'].done, true);
    await run('incidentCommander.setActive', { incidentId: id });
  });

  it('every action named by the default playbook is a registered command', async () => {
    const pkg = vscode.extensions.getExtension('ims.incident-commander')!.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
    const registered = new Set(await vscode.commands.getCommands(true));
    const pb = JSON.parse(readFileSync(path.join(vscode.extensions.getExtension('ims.incident-commander')!.extensionPath, 'dist', 'default-playbook.json'), 'utf8'));
    const actions: string[] = [];
    const visit = (steps: { action?: string; children: unknown[] }[]) => {
      for (const s of steps) {
        if (s.action) actions.push(s.action);
        visit(s.children as never);
      }
    };
    visit(pb.phases);
    assert.ok(actions.length >= 10, `only ${actions.length} actions`);
    for (const a of actions) {
      assert.ok(contributed.has(a), `${a} is not contributed`);
      assert.ok(registered.has(a), `${a} is not registered`);
    }
  });

  it('openRecord opens incident.json in an editor', async () => {
    await run('incidentCommander.openRecord', { incidentId: id });
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor);
    assert.equal(editor.document.uri.fsPath, path.join(root, id, 'incident.json'));
    assert.match(editor.document.getText(), new RegExp(`"id": "${id}"`));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the walkthrough has its three steps, each completed by its command, with its page shipped', async () => {
    const ext = vscode.extensions.getExtension('ims.incident-commander')!;
    const walk = (ext.packageJSON as { contributes: { walkthroughs: { id: string; steps: { id: string; completionEvents: string[] }[] }[] } }).contributes.walkthroughs[0];
    assert.deepEqual(walk.steps.map((s) => s.id), ['connectSlack', 'declare', 'createChannel']);
    assert.deepEqual(walk.steps.map((s) => s.completionEvents[0]), ['onCommand:incidentCommander.setSlackToken', 'onCommand:incidentCommander.declare', 'onCommand:incidentCommander.createChannel']);
    // Opening it must not fail. (Which tab code-server shows it in is not checked: its welcome editor keeps
    // the title of the walkthrough it opened first.)
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${ext.id}#${walk.id}`, false);
    for (const step of walk.steps) assert.ok(existsSync(path.join(ext.extensionPath, (step as { media?: { markdown?: string } }).media?.markdown ?? '-')), step.id);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('every contributed command has the Incident category and an icon', () => {
    const pkg = vscode.extensions.getExtension('ims.incident-commander')!.packageJSON as { contributes: { commands: { command: string; category?: string; icon?: string }[] } };
    for (const c of pkg.contributes.commands) {
      assert.equal(c.category, 'Incident', c.command);
      assert.ok(c.icon, `${c.command} has no icon`);
    }
  });
});

// Records as files: changes on disk refresh the views, unreadable records are shown and kept,
// and a workspace playbook with mistakes gives diagnostics while the default is used.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { IncidentStore } from '../../src/core/store/incidentStore';
import { api, run, waitFor } from './helpers';

describe('records on disk', () => {
  it('a change written by another window (another process) shows up', async () => {
    const a = await api();
    const id = await run<string>('incidentCommander.declare', { title: 'Other window' });
    // Another writer: the core store itself, as a second window would use it.
    await new IncidentStore(a.storageRoot).update(id, { kind: 'setSeverity', severity: 'SEV3' }, 'other-window', () => true);
    await waitFor('the severity written on disk to reach the API', () => a.getIncident(id)?.severity === 'SEV3');
  });

  it('a record that appears on disk (git pull) is listed', async () => {
    const a = await api();
    const source = new IncidentStore(a.storageRoot);
    const pulled = await source.declare({ title: 'Pulled from git' }, 'teammate', { id: 'ims', version: '1' });
    await waitFor('the pulled incident to be listed', () => a.listIncidents().some((i) => i.id === pulled.id));
  });

  it('toggles from here and from another process on the same incident lose neither change', async () => {
    const a = await api();
    const id = await run<string>('incidentCommander.declare', { title: 'Two windows' });
    const other = new IncidentStore(a.storageRoot);
    const mine = ['ack-page', 'correlate-signals', 'check-ongoing-changes', 'identify-impacted-services'];
    await Promise.all([
      ...mine.map((stepId) => run('incidentCommander.toggleStep', { incidentId: id, stepId, done: true })),
      ...['determine-severity', 'determine-production', 'determine-bridge'].map((stepId) =>
        other.update(id, { kind: 'toggleStep', stepId, done: true }, 'other-window', () => true),
      ),
    ]);
    const r = JSON.parse(readFileSync(path.join(a.storageRoot, id, 'incident.json'), 'utf8'));
    assert.equal(Object.values(r.steps).filter((s) => (s as { done: boolean }).done).length, 7);
    await waitFor('the view to have all seven', () => Object.keys(a.getIncident(id)?.steps ?? {}).length === 7);
  });

  it('a corrupt incident.json is listed as unreadable, refused for changes, and left as it was', async () => {
    const a = await api();
    const id = 'INC-20000101-1';
    const dir = path.join(a.storageRoot, id);
    mkdirSync(dir, { recursive: true });
    const junk = '{ "schemaVersion": 1, "id": "INC-20000101-1", "title": "half written';
    writeFileSync(path.join(dir, 'incident.json'), junk);
    await waitFor('the unreadable record to be listed', () => a.listRecords().some((r) => !r.ok && r.id === id));
    await assert.rejects(run('incidentCommander.setStatus', { incidentId: id, status: 'closed' }), /cannot be read.*left as it is/);
    assert.equal(readFileSync(path.join(dir, 'incident.json'), 'utf8'), junk);
    const node = (await a.tree.getChildren())!.find((n) => n.incidentId === id)!;
    const item = await a.tree.getTreeItem(node);
    assert.equal(item.description, 'cannot be read');
    rmSync(dir, { recursive: true, force: true });
    await waitFor('the removed record to leave the list', () => !a.listRecords().some((r) => !r.ok && r.id === id));
  });
});

describe('the workspace playbook', () => {
  const file = () => path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.incidents', 'playbook.yaml');

  after(() => rmSync(file(), { force: true }));

  it('a broken playbook gives diagnostics with their line and column, and the default is used', async () => {
    const a = await api();
    writeFileSync(file(), ['schemaVersion: 1', 'id: team', 'title: Team procedure', 'version: "1"', 'phases:', '  - id: only', '    number: "1"', '    colour: red', ''].join('\n'));
    const diags = await waitFor('diagnostics for playbook.yaml', () => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(file()));
      return d.length > 0 ? d : undefined;
    });
    const unknown = diags.find((d) => /colour/.test(d.message));
    assert.ok(unknown, diags.map((d) => d.message).join('; '));
    assert.equal(unknown.range.start.line, 7, 'line 8 in the file, 0-based here');
    assert.equal(unknown.range.start.character, 4);
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(a.playbookSource, 'default');
  });

  it('a valid playbook replaces the default, and the tree shows its steps', async () => {
    const a = await api();
    writeFileSync(
      file(),
      ['schemaVersion: 1', 'id: team', 'title: Team procedure', 'version: "2"', 'phases:', '  - id: only-phase', '    number: "1"', '    title: Look', '    steps:', '      - id: look-at-it', '        number: "1"', '        title: Look at it', ''].join('\n'),
    );
    await waitFor('the workspace playbook to be used', () => a.playbookSource === 'workspace');
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(file())), []);
    const incident = (await a.tree.getChildren())!.find((n) => n.nodeType === 'incident')!;
    const phases = (await a.tree.getChildren(incident))!.filter((n) => n.nodeType === 'step');
    assert.equal(phases.length, 1);
    assert.equal((await a.tree.getTreeItem(phases[0])).label, '1 Look');
    rmSync(file());
    await waitFor('the default playbook to come back', () => a.playbookSource === 'default');
  });

  it('in an untrusted folder the workspace playbook is not read, and the default is used', async () => {
    const { PlaybookSource } = require('../../src/ui/playbookSource') as typeof import('../../src/ui/playbookSource');
    const extensionPath = vscode.extensions.getExtension('ims.incident-commander')!.extensionPath;
    const source = new PlaybookSource(extensionPath);
    try {
      writeFileSync(file(), 'phases: [ this is not even valid');
      assert.equal(await source.load(file(), false), 0, 'not parsed, so no problems reported');
      assert.equal(source.source, 'default');
      assert.equal(source.playbook.id, 'ims');
      assert.ok((await source.load(file(), true)) > 0, 'the same file, trusted, is parsed and has problems');
    } finally {
      source.dispose();
      rmSync(file(), { force: true });
    }
  });
});

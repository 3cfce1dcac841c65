// The Incidents view as a person uses it: open the container, declare from the command palette,
// tick a step's checkbox, and see the active incident in the status bar. Screenshots land in test-results/.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, assert } from './harness.mjs';

function incidentIds(workspace) {
  try {
    return readdirSync(join(workspace, '.incidents')).filter((n) => n.startsWith('INC-'));
  } catch {
    return [];
  }
}

test('declare an incident from the palette, tick a step, see it in the status bar', async ({ open }) => {
  const wb = await open();

  await wb.openViewContainer('Incidents');
  const welcome = wb.page.locator('.sidebar .welcome-view-content');
  await welcome.filter({ hasText: 'No incidents yet' }).waitFor({ state: 'visible' });
  assert.equal(await welcome.getByRole('button', { name: 'Declare an incident' }).count(), 1, 'the welcome view offers to declare one');
  await wb.screenshot('incidents-empty');

  await wb.runCommand('Incident: Declare an Incident');
  await wb.inputBox('Checkout fails for EU customers 🔥');
  await wb.quickPick('SEV2');
  await wb.treeRow('Checkout fails for EU customers').waitFor({ state: 'visible' });
  const [id] = await wb.waitFor(() => (incidentIds(wb.workspace).length === 1 ? incidentIds(wb.workspace) : undefined), { message: 'the record on disk' });
  assert.match(id, /^INC-\d{8}-1$/);
  const row = await wb.treeRow('Checkout fails for EU customers').innerText();
  assert.match(row, new RegExp(`${id} · SEV2 · triage · 0/\\d+`));
  await wb.treeRow('1.1.1 Ack the page').waitFor({ state: 'visible' });
  await wb.screenshot('incident-declared');

  assert.equal(await wb.isChecked('1.1.1 Ack the page'), false);
  await wb.clickCheckbox('1.1.1 Ack the page');
  const record = await wb.waitFor(
    () => {
      const r = JSON.parse(wb.readWorkspaceFile(`.incidents/${id}/incident.json`) ?? '{}');
      return r.steps?.['ack-page']?.done ? r : undefined;
    },
    { message: 'the tick to reach incident.json' },
  );
  assert.equal(record.title, 'Checkout fails for EU customers 🔥');
  await wb.waitFor(async () => wb.isChecked('1.1.1 Ack the page'), { message: 'the checkbox to show ticked' });
  await wb.waitFor(async () => /\b1\/\d+/.test(await wb.treeRow('Checkout fails for EU customers').innerText()), { message: 'progress 1/N' });
  const timeline = wb.readWorkspaceFile(`.incidents/${id}/timeline.jsonl`).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(timeline.map((e) => e.type), ['declared', 'step-toggled']);
  await wb.screenshot('step-ticked');

  const status = wb.statusBarItem(id);
  await status.waitFor({ state: 'visible' });
  assert.match(await status.innerText(), new RegExp(`${id} · SEV2 · triage · \\d+s`));
  await wb.screenshot('status-bar');

  // Clicking it brings the incident back into view: the side bar opens on it, selected.
  await wb.runCommand('View: Show Explorer');
  await wb.page.locator('.sidebar .monaco-list-row').filter({ hasText: 'catalog-info.yaml' }).first().waitFor({ state: 'visible' });
  await status.click();
  await wb.page.locator('.sidebar .monaco-list-row.selected').filter({ hasText: 'Checkout fails for EU customers' }).waitFor({ state: 'visible' });
});

test('a broken workspace playbook shows in the Problems panel with its line', async ({ open }) => {
  const wb = await open();
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(join(wb.workspace, '.incidents'), { recursive: true });
  writeFileSync(join(wb.workspace, '.incidents', 'playbook.yaml'), 'schemaVersion: 1\nid: team\ntitle: Team\nphases:\n  - id: Bad Id\n    number: "1"\n    title: Look\n');
  await wb.runCommand('Incident: Declare an Incident');
  await wb.inputBox('Playbook check');
  await wb.quickPick('Not known yet');
  await wb.waitForNotification('The workspace playbook has');
  await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const problem = wb.page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'Bad Id' }).first();
  await problem.waitFor({ state: 'visible' });
  assert.match(await problem.innerText(), /\[Ln 5, Col 9\]|5:9|Ln 5/);
  // Meanwhile the default procedure is in force.
  await wb.openViewContainer('Incidents');
  await wb.treeRow('1 Handle alert + Create incident').waitFor({ state: 'visible' });
  await wb.screenshot('playbook-problems');
});

// Slack as a person uses it, against the fake Slack on loopback: connect with a token typed into a
// password box, declare, create the channel, post updates, and reload the window while they are on
// their way: each arrives exactly once, in order.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, test, assert } from './harness.mjs';

const require = createRequire(import.meta.url);
const { startFakeSlack } = require(join(REPO_ROOT, 'out', 'test', 'fakes', 'slack', 'server.js'));

test('updates on their way when the window reloads arrive exactly once, in order', async ({ open }) => {
  const fake = await startFakeSlack({ postPerChannelPerSecond: 1 });
  try {
    const wb = await open({ settings: { 'incidentCommander.slack.apiUrl': fake.url, 'incidentCommander.slack.announceChannels': { default: ['#incidents'] } } });
    await wb.runCommand('Incident: Connect Slack (Set Bot Token)');
    await wb.inputBox('xoxb-ui-test-token');
    await wb.waitForNotification('Slack connected: workspace Fake Workspace');
    // The token went to secret storage: never into a file of the workspace or the user settings.
    assert.doesNotMatch(wb.readWorkspaceFile('.vscode/settings.json') ?? '', /xoxb-/);

    await wb.runCommand('Incident: Declare an Incident');
    await wb.inputBox('Payments API 502s');
    await wb.quickPick('SEV2');
    await wb.runCommand('Incident: Create the Slack Channel');
    const channel = await wb.waitFor(() => fake.channels().find((c) => c.name.endsWith('payments-api-502s')), { message: 'the channel in Slack', timeout: 30_000 });
    await wb.waitFor(() => fake.pins(channel.id).length === 1, { message: 'the pinned headline', timeout: 30_000 });
    await wb.openViewContainer('Incidents');
    await wb.screenshot('slack-channel-created');

    // Slack slows down: each call takes 1.5 s, so updates are still on their way when the window reloads.
    fake.setFaults({ latencyMs: 1500 });
    for (let n = 1; n <= 4; n++) {
      await wb.runCommand('Incident: Post an Update to Slack');
      await wb.inputBox(`update ${n}`);
    }
    await wb.treeRow('Slack:').waitFor({ state: 'visible' });
    await wb.screenshot('slack-outbox-waiting');
    await Promise.all([wb.page.waitForEvent('framenavigated', { timeout: 30_000 }), wb.runCommand('Developer: Reload Window')]);
    await wb.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await wb.waitForExtension();
    fake.setFaults({ latencyMs: 0 });

    const updates = () => fake.messages(channel.id).map((m) => m.text).filter((t) => /\*Status update\*/.test(t)).map((t) => t.split('\n')[1]);
    await wb.waitFor(() => updates().length >= 4, { message: 'all four updates in Slack', timeout: 60_000 });
    // Give a duplicate the time to show up, if one were coming.
    await wb.page.waitForTimeout(3000);
    assert.deepEqual(updates(), ['update 1', 'update 2', 'update 3', 'update 4']);
    await wb.openViewContainer('Incidents');
    await wb.screenshot('slack-after-reload');
  } finally {
    await fake.close();
  }
}, { timeoutMs: 240_000 });

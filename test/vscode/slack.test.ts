// Every Slack command end to end in the real extension host, against the strict fake Slack on loopback.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { FakeSlack } from '../fakes/slack/server';
import { api, run, waitFor } from './helpers';

const { startFakeSlack } = require('../fakes/slack/server') as typeof import('../fakes/slack/server');

type Result = { items: { id: string; state: string; summary: string; error?: string }[]; sent: boolean; notes: string[] };

describe('Slack', function () {
  this.timeout(60_000);
  let fake: FakeSlack;
  let id: string;
  const config = () => vscode.workspace.getConfiguration('incidentCommander');

  before(async () => {
    fake = await startFakeSlack({ postPerChannelPerSecond: 0 });
    await config().update('slack.apiUrl', fake.url, vscode.ConfigurationTarget.Global);
    await config().update('slack.bookmarks', [{ title: 'Runbook', link: 'https://runbooks.example.com/{id}' }], vscode.ConfigurationTarget.Global);
    await run('incidentCommander.clearSlackToken');
  });

  after(async () => {
    await run('incidentCommander.clearSlackToken');
    await config().update('slack.apiUrl', undefined, vscode.ConfigurationTarget.Global);
    await config().update('slack.bookmarks', undefined, vscode.ConfigurationTarget.Global);
    await fake.close();
  });

  it('a wrong token is refused with a clear message and not stored', async () => {
    await assert.rejects(run('incidentCommander.setSlackToken', { token: 'xoxb-invalid' }), /refused this token \(invalid_auth\)\. Nothing was saved/);
    await assert.rejects(run('incidentCommander.setSlackToken', { token: 'hunter2' }), /not a Slack token/);
  });

  it('without a token, an update waits in the outbox and the tree says so; connecting sends it', async () => {
    id = await run<string>('incidentCommander.declare', { title: 'Checkout <!channel> down & out', severity: 'SEV2', commander: 'alice@example.com', services: ['checkout-api'] });
    await run('incidentCommander.setBridge', { url: 'https://meet.example.com/inc' });
    const created = await run<Result>('incidentCommander.createChannel', {});
    assert.equal(created.sent, false);
    assert.ok(created.items.length >= 5, JSON.stringify(created.items));
    const a = await api();
    const incidentNode = (await a.tree.getChildren())!.find((n) => n.incidentId === id)!;
    const outboxNode = (await a.tree.getChildren(incidentNode))!.find((n) => n.nodeType === 'outbox');
    assert.ok(outboxNode, 'an outbox node under the incident');
    assert.match(String((await a.tree.getTreeItem(outboxNode)).label), /waiting for Slack \(not connected\)/);
    assert.equal(fake.channels().filter((c) => c.name.startsWith('inc-')).length, 0);

    const me = await run<{ team: string; user: string }>('incidentCommander.setSlackToken', { token: 'xoxb-test-token' });
    assert.deepEqual(me, { team: 'Fake Workspace', user: 'incident-bot' });
    await waitFor('the channel to be recorded on the incident', () => a.getIncident(id)?.slack?.headlineTs, 20_000);
  });

  it('creating the channel sets its topic, invites the commander, pins the headline and bookmarks the links', async () => {
    const a = await api();
    const slack = a.getIncident(id)!.slack!;
    const channel = fake.channel(slack.channelId!)!;
    assert.match(channel.name, /^inc-\d{8}-checkout-channel-down-out$/);
    assert.equal(slack.channelName, channel.name);
    await waitFor('the topic', () => channel.topic.value.startsWith('SEV2 · triage · IC alice@example.com'));
    await waitFor('the invite', () => fake.channel(slack.channelId!)!.members.includes('U0ALICE'));
    const headline = fake.messages(slack.channelId!).find((m) => m.ts === slack.headlineTs)!;
    assert.match(headline.text, /Checkout &lt;!channel&gt; down &amp; out/);
    assert.equal(headline.metadata?.event_type, 'incident_commander_outbox');
    assert.deepEqual(fake.pins(slack.channelId!).map((p) => p.ts), [slack.headlineTs]);
    await waitFor('the bookmarks', () => fake.bookmarks(slack.channelId!).length === 2);
    assert.deepEqual(fake.bookmarks(slack.channelId!).map((b) => [b.title, b.link]).sort(), [['Bridge', 'https://meet.example.com/inc'], ['Runbook', `https://runbooks.example.com/${id}`]]);
    assert.deepEqual(a.outboxItems(id).filter((i) => i.state !== 'sent'), []);
  });

  it('a taken channel name gets a suffix', async () => {
    const other = await run<string>('incidentCommander.declare', { title: 'Name clash', severity: 'SEV4' });
    const date = other.slice(4, 12);
    fake.addChannel({ name: `inc-${date}-name-clash` });
    const r = await run<Result>('incidentCommander.createChannel', { incidentId: other });
    assert.equal(r.sent, true, JSON.stringify(r.items));
    const a = await api();
    await waitFor('the suffixed name recorded', () => a.getIncident(other)?.slack?.channelName === `inc-${date}-name-clash-2`);
    await run('incidentCommander.setActive', { incidentId: id });
  });

  it('the headline and topic follow severity and status changes', async () => {
    const a = await api();
    const { channelId, headlineTs } = a.getIncident(id)!.slack!;
    await run('incidentCommander.setSeverity', { severity: 'SEV1', reason: 'all regions' });
    await run('incidentCommander.setStatus', { status: 'active' });
    await waitFor('the headline to say SEV1 · active', () => {
      const m = fake.messages(channelId!).find((x) => x.ts === headlineTs);
      return m && /SEV1 · active/.test(m.text);
    });
    await waitFor('the topic to say SEV1 · active', () => fake.channel(channelId!)!.topic.value.startsWith('SEV1 · active'));
  });

  it('a new commander or services change the headline too, and updateArtifacts refreshes it on demand', async () => {
    const a = await api();
    const { channelId, headlineTs } = a.getIncident(id)!.slack!;
    await run('incidentCommander.setRole', { role: 'commander', person: 'bob@example.com' });
    await run('incidentCommander.setServices', { services: ['checkout-api', 'payments-gateway'] });
    const headline = () => JSON.stringify(fake.messages(channelId!).find((x) => x.ts === headlineTs)?.blocks ?? []);
    await waitFor('the headline to name the new commander and services', () => headline().includes('bob@example.com') && headline().includes('payments-gateway'));
    const before = fake.calls.filter((c) => c.method === 'chat.update').length;
    const r = await run<Result>('incidentCommander.updateArtifacts', {});
    assert.equal(r.sent, true);
    assert.deepEqual(r.items.map((i) => i.summary.split(':')[0]), [`Headline of ${id}`, 'Topic']);
    assert.equal(fake.calls.filter((c) => c.method === 'chat.update').length, before + 1);
  });

  it('an update is posted escaped, carries the outbox id as metadata, and is noted on the timeline', async () => {
    const a = await api();
    const channelId = a.getIncident(id)!.slack!.channelId!;
    const r = await run<Result>('incidentCommander.postUpdate', { text: 'Rolled back 4.2.1 <!here> <@U0BOB>', kind: 'status' });
    assert.equal(r.sent, true);
    const m = fake.messages(channelId).at(-1)!;
    assert.match(m.text, /^\*Status update\* · INC-\d{8}-\d+ · SEV1 · active\nRolled back 4\.2\.1 &lt;!here&gt; &lt;@U0BOB&gt;$/);
    assert.equal((m.metadata?.event_payload as { item_id?: string })?.item_id, r.items[0].id);
    await assert.rejects(run('incidentCommander.postUpdate', { text: '  ' }), /empty update/);
  });

  it('a 45,000-character update goes as two messages, in order, and says so', async () => {
    const a = await api();
    const channelId = a.getIncident(id)!.slack!.channelId!;
    const before = fake.messages(channelId).length;
    const text = Array.from({ length: 5000 }, (_, i) => `word${i}`).join(" ");
    assert.ok(text.length > 40_000 && text.length < 79_000, String(text.length));
    const r = await run<Result>('incidentCommander.postUpdate', { text, kind: 'tce' });
    assert.equal(r.items.length, 2);
    assert.match(r.notes[0], /2 messages/);
    const posted = fake.messages(channelId).slice(before);
    assert.equal(posted.length, 2);
    assert.match(posted[0].text, /^\*Technical customer escalation\*/);
    assert.match(posted[0].text, /_\(1\/2\)_$/);
    assert.match(posted[1].text, /word4999\n_\(2\/2\)_$/);
  });

  it('announce posts to the channels set for the severity, linking the incident channel', async () => {
    const a = await api();
    const channelId = a.getIncident(id)!.slack!.channelId!;
    const r = await run<Result>('incidentCommander.announce', { text: 'EU and US checkout failing' });
    assert.equal(r.sent, true);
    const m = fake.messages('C0ANNOUNCE').at(-1)!;
    assert.match(m.text, /EU and US checkout failing\nFollow along in <#C[A-Z0-9]+>\.$/);
    assert.ok(m.text.includes(`<#${channelId}>`));
  });

  it('through 500s, 429s, resets and lost replies, updates from the command arrive exactly once and in order', async function () {
    // The extension's own backoff doubles from 1 s to 60 s; to keep the run short the test does what a person
    // can do from the tree, "retry now", on whatever waits for its backoff. (Tier 1 runs the same outbox
    // through the full mix of the issue with a short backoff.)
    this.timeout(120_000);
    const a = await api();
    const channelId = a.getIncident(id)!.slack!.channelId!;
    const before = fake.messages(channelId).length;
    fake.setFaults({ error500Rate: 0.3, rateLimitRate: 0.1, retryAfterSeconds: 1, resetRate: 0.05, failAfterApplyRate: 0.05, seed: 11 });
    const nudge = setInterval(() => {
      for (const i of a.outboxItems(id)) if (i.state === 'pending' && i.attempts > 0 && !i.lastError?.retryAfterMs) void run('incidentCommander.retryOutboxItem', { itemId: i.id }).catch(() => undefined);
    }, 1500);
    try {
      const ids: string[] = [];
      for (let n = 1; n <= 6; n++) ids.push(...(await run<Result>('incidentCommander.postUpdate', { text: `fault run ${n}`, waitMs: 0 })).items.map((i) => i.id));
      await waitFor('all six to be sent', () => ids.every((x) => a.outboxItems(id).find((i) => i.id === x)?.state === 'sent'), 100_000).catch((err) => {
        const items = a.outboxItems(id).filter((i) => i.state !== 'sent' && i.state !== 'discarded');
        throw new Error(`${err.message}: ${JSON.stringify(items.map((i) => [i.summary, i.state, i.attempts, i.nextAttemptAt, i.lastError?.code, i.blockedBy?.id]))} calls ${fake.calls.slice(-30).map((c) => `${c.method}:${c.outcome}`).join(' ')}`);
      });
    } finally {
      clearInterval(nudge);
      fake.setFaults({ error500Rate: 0, rateLimitRate: 0, resetRate: 0, failAfterApplyRate: 0 });
      // Whatever still waits for its backoff goes now, so the next tests do not queue behind it.
      for (const i of a.outboxItems(id).filter((x) => x.state === 'pending')) await run('incidentCommander.retryOutboxItem', { itemId: i.id }).catch(() => undefined);
    }
    const texts = fake.messages(channelId).slice(before).map((m) => m.text.split('\n')[1]).filter((t) => t?.startsWith('fault run'));
    assert.deepEqual(texts, Array.from({ length: 6 }, (_, n) => `fault run ${n + 1}`));
    assert.ok(fake.calls.some((c) => c.fault === 'error500') && fake.calls.some((c) => c.fault === 'ratelimited'));
  });

  it("replyToReporter answers in the reporter's thread; a channel the bot is not in is refused and the item stays", async () => {
    const report = fake.addMessage('C0ANNOUNCE', { text: 'checkout is broken for me', user: 'U0BOB' });
    const permalink = `https://fake-workspace.slack.com/archives/C0ANNOUNCE/p${report.ts.replace('.', '')}`;
    const r = await run<Result>('incidentCommander.replyToReporter', { permalink, template: 'customer' });
    assert.equal(r.sent, true);
    const reply = fake.messages('C0ANNOUNCE').at(-1)!;
    assert.equal(reply.thread_ts, report.ts);
    assert.match(reply.text, /investigating it as incident INC-/);

    const elsewhere = fake.addMessage('C0NOTIN', { text: 'me too', user: 'U0CAROL' });
    const refused = await run<Result>('incidentCommander.replyToReporter', { channel: 'C0NOTIN', ts: elsewhere.ts, template: 'owner', text: 'On it' });
    assert.equal(refused.sent, false);
    assert.equal(refused.items[0].state, 'failed');
    assert.match(refused.items[0].error!, /not in that channel \(not_in_channel\)/);
    const a = await api();
    assert.equal(a.outboxItems(id).find((i) => i.id === refused.items[0].id)?.state, 'failed', 'kept, visible');
    await run('incidentCommander.discardOutboxItem', { itemId: refused.items[0].id });
    assert.equal(a.outboxItems(id).find((i) => i.id === refused.items[0].id)?.state, 'discarded');
  });

  it('gatherFromChannel takes the pinned messages into the timeline', async () => {
    const a = await api();
    const channelId = a.getIncident(id)!.slack!.channelId!;
    const fact = fake.addMessage(channelId, { text: 'DB failover finished at 03:20', user: 'U0BOB' });
    fake.addMessage(channelId, { text: 'chatter', user: 'U0CAROL' });
    const pin = await fetch(`${fake.url}pins.add`, { method: 'POST', headers: { Authorization: 'Bearer xoxb-human', 'Content-Type': 'application/x-www-form-urlencoded' }, body: `channel=${channelId}&timestamp=${fact.ts}` });
    assert.equal(((await pin.json()) as { ok: boolean }).ok, true);
    const r = await run<{ added: number; messages: { text: string; pinned: boolean }[] }>('incidentCommander.gatherFromChannel', {});
    assert.equal(r.added, 1);
    assert.ok(r.messages.some((m) => m.text === 'chatter' && !m.pinned));
    const lines = readFileSync(`${a.storageRoot}/${id}/timeline.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.some((e) => e.type === 'note-added' && /From Slack \(U0BOB, .*pinned\): DB failover finished at 03:20/.test(e.data.text)));
  });

  it('archiving posts a closing summary, then archives, and the record says so', async () => {
    const a = await api();
    const channelId = a.getIncident(id)!.slack!.channelId!;
    await run('incidentCommander.setStatus', { status: 'resolved' });
    const r = await run<Result>('incidentCommander.archiveChannel', {});
    assert.equal(r.sent, true, JSON.stringify(r.items));
    assert.match(fake.messages(channelId).at(-1)!.text, /is resolved\.\*.*\n.*\nThis channel is being archived/s);
    assert.equal(fake.channel(channelId)!.is_archived, true);
    await waitFor('the record to say archived', () => a.getIncident(id)?.slack?.archived === true);
    await assert.rejects(run('incidentCommander.postUpdate', { text: 'late' }), /archived/);
  });

  it('the token never reaches settings or the workspace files', async () => {
    const a = await api();
    const scan = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? scan(`${dir}/${d.name}`) : [`${dir}/${d.name}`]));
    for (const f of scan(a.storageRoot)) assert.doesNotMatch(readFileSync(f, 'utf8'), /xoxb-test-token/, f);
    const settings = `${vscode.workspace.workspaceFolders![0].uri.fsPath}/.vscode/settings.json`;
    if (existsSync(settings)) assert.doesNotMatch(readFileSync(settings, 'utf8'), /xoxb-/);
    assert.doesNotMatch(JSON.stringify(config()), /xoxb-test-token/);
  });
});

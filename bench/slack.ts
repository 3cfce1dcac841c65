// Plain-Node benchmarks of the Slack path against the fake Slack with 100 ms added to every call:
//   node out/bench/slack.js <result.json>
// 1. creating the channel (create, topic, invite, pinned headline, bookmarks) through the coordinator and the
//    outbox: wall time in round trips, beside what the same calls would take one after another;
// 2. draining 100 updates to 5 channels: the rate per channel against Slack's ~1 message/s/channel, and the 429s.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IncidentService } from '../src/core/incidentService';
import { Outbox } from '../src/core/outbox/outbox';
import type { Playbook } from '../src/core/playbook/types';
import { DEFAULT_SLACK_SETTINGS, OUTBOX_CONCURRENCY, POST_INTERVAL_MS, SlackCoordinator } from '../src/core/slack/coordinator';
import { IncidentStore } from '../src/core/store/incidentStore';
import { SlackApi } from '../src/integrations/slack/client';
import { SlackSender } from '../src/integrations/slack/sender';
import { startFakeSlack } from '../test/fakes/slack/server';

const LATENCY_MS = 100;

async function creation(playbook: Playbook) {
  const fake = await startFakeSlack({ latencyMs: LATENCY_MS });
  const root = mkdtempSync(path.join(os.tmpdir(), 'ic-bench-slack-'));
  const service = new IncidentService(new IncidentStore(root), { actor: () => 'bench', playbook: () => playbook });
  const api = new SlackApi({ token: 'xoxb-bench', apiUrl: fake.url });
  const outbox = new Outbox({ root, sender: new SlackSender(async () => api), maxConcurrent: OUTBOX_CONCURRENCY });
  const coordinator = new SlackCoordinator(service, outbox, () => ({
    ...DEFAULT_SLACK_SETTINGS,
    invite: ['bob@example.com'],
    bookmarks: [{ title: 'Runbook', link: 'https://runbooks.example.com/{id}' }],
  }));
  try {
    await outbox.start();
    const incident = await service.declare({ title: 'Bench channel', severity: 'SEV2', commander: 'alice@example.com' });
    await service.change(incident.id, { kind: 'setFields', fields: { bridgeUrl: 'https://meet.example.com/bench' } });
    fake.clearCalls();
    const started = performance.now();
    const plan = await coordinator.createChannel(incident.id);
    const items = await outbox.whenSettled(plan.items.map((i) => i.id), 30_000);
    const wallMs = performance.now() - started;
    const unsent = items.filter((i) => i.state !== 'sent');
    if (unsent.length) throw new Error(`not all sent: ${unsent.map((i) => `${i.summary}: ${i.state}`).join(', ')}`);
    const t0 = fake.calls[0]?.startedAt ?? 0;
    const calls = fake.calls.map((c) => ({ method: c.method, startMs: c.startedAt - t0, durationMs: c.durationMs ?? LATENCY_MS, outcome: c.outcome }));
    const sequentialMs = calls.reduce((a, c) => a + c.durationMs, 0);
    return { wallMs, roundTrips: wallMs / LATENCY_MS, sequentialMs, sequentialRoundTrips: sequentialMs / LATENCY_MS, calls, items: items.length };
  } finally {
    coordinator.dispose();
    outbox.dispose();
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function drain() {
  // Slack's own limit: about one message a second per channel (a burst of a few allowed).
  const fake = await startFakeSlack({ latencyMs: LATENCY_MS, postPerChannelPerSecond: 1, postBurst: 3 });
  const root = mkdtempSync(path.join(os.tmpdir(), 'ic-bench-drain-'));
  const channels = Array.from({ length: 5 }, (_, i) => fake.addChannel({ name: `drain-${i}`, botIsMember: true }).id);
  const api = new SlackApi({ token: 'xoxb-bench', apiUrl: fake.url });
  const outbox = new Outbox({ root, sender: new SlackSender(async () => api) });
  try {
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      for (const channel of channels) {
        ids.push((await outbox.enqueue('INC-20261204-1', { lane: `slack:${channel}`, op: 'slack.postMessage', args: { channel, text: `update ${n}` }, summary: `update ${n}`, minIntervalMs: POST_INTERVAL_MS })).id);
      }
    }
    fake.clearCalls();
    const started = performance.now();
    await outbox.start();
    const items = await outbox.whenSettled(ids, 120_000);
    const elapsedMs = performance.now() - started;
    const sent = items.filter((i) => i.state === 'sent').length;
    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage');
    const limited = posts.filter((c) => c.outcome === 'ratelimited').length;
    // Rate per channel: messages over the time from the first to the last answer, per channel.
    const perChannel = channels.map((ch) => {
      const ok = posts.filter((c) => c.args.channel === ch && c.outcome === 'ok');
      const first = ok[0]?.startedAt ?? 0;
      const last = ok.at(-1)?.startedAt ?? 0;
      return ok.length > 1 ? (ok.length - 1) / ((last - first) / 1000) : 0;
    });
    const inOrder = channels.every((ch) => fake.messages(ch).map((m) => m.text).join() === Array.from({ length: 20 }, (_, n) => `update ${n}`).join());
    return { elapsedMs, sent, total: ids.length, limited, perChannelRate: Math.min(...perChannel), perChannel, inOrder };
  } finally {
    outbox.dispose();
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main() {
  const [out, playbookFile] = process.argv.slice(2);
  const playbook = JSON.parse(readFileSync(playbookFile, 'utf8')) as Playbook;
  const result = { creation: await creation(playbook), drain: await drain() };
  writeFileSync(out, JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

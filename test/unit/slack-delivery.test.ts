// The outbox, the Slack sender and the real @slack/web-api client against the strict fake Slack, with
// the faults the issue names: every message arrives exactly once and in order per channel.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox } from '../../src/core/outbox/outbox';
import { SlackApi } from '../../src/integrations/slack/client';
import { SlackSender } from '../../src/integrations/slack/sender';
import { startFakeSlack } from '../fakes/slack/server';
import { tempDir } from './helpers/tmp';

const INCIDENT = 'INC-20261204-1';

async function settle(outbox: Outbox, ids: string[], timeoutMs: number) {
  const items = await outbox.whenSettled(ids, timeoutMs);
  return items;
}

describe('delivery to Slack through the outbox', () => {
  it('100 updates across 5 channels, with 30% 500s, 10% 429s, resets, lost replies and a 5 s stall, arrive exactly once and in order', async () => {
    const fake = await startFakeSlack({ postPerChannelPerSecond: 0, seed: 7 });
    const channels = Array.from({ length: 5 }, (_, i) => fake.addChannel({ name: `load-${i}`, botIsMember: true }).id);
    fake.setFaults({ error500Rate: 0.3, rateLimitRate: 0.1, retryAfterSeconds: 1, resetRate: 0.05, failAfterApplyRate: 0.05, stallOnce: { afterCalls: 20, ms: 5000 } });
    const root = tempDir();
    const api = new SlackApi({ token: 'xoxb-load', apiUrl: fake.url, timeoutMs: 8000 });
    const outbox = new Outbox({ root, sender: new SlackSender(async () => api), backoff: { baseMs: 20, maxMs: 400 }, sendTimeoutMs: 10_000 });
    try {
      await outbox.start();
      const ids: string[] = [];
      for (let n = 0; n < 20; n++) {
        for (const channel of channels) {
          const item = await outbox.enqueue(INCIDENT, { lane: `slack:${channel}`, op: 'slack.postMessage', args: { channel, text: `update ${n} to ${channel}` }, summary: `update ${n}` });
          ids.push(item.id);
        }
      }
      const items = await settle(outbox, ids, 120_000);
      assert.deepEqual(items.filter((i) => i.state !== 'sent').map((i) => [i.summary, i.state, i.lastError?.code]), []);
      for (const channel of channels) {
        const texts = fake.messages(channel).map((m) => m.text);
        assert.deepEqual(texts, Array.from({ length: 20 }, (_, n) => `update ${n} to ${channel}`), `channel ${channel}`);
      }
      const faults = fake.calls.filter((c) => c.fault).map((c) => c.fault);
      assert.ok(faults.includes('error500') && faults.includes('ratelimited') && faults.includes('reset') && faults.includes('stall'), faults.join(','));
      assert.ok(faults.some((f) => f?.startsWith('fail_after_apply')), 'at least one lost reply was recovered');
      assert.ok(items.some((i) => i.recovered), 'found in the history instead of sent again');
    } finally {
      outbox.dispose();
      await fake.close();
    }
  });

  it('a window that dies with messages in flight: the next one delivers each exactly once', async () => {
    const fake = await startFakeSlack({ postPerChannelPerSecond: 0, latencyMs: 30 });
    const channel = fake.addChannel({ name: 'reload', botIsMember: true }).id;
    // Every other answer is lost after Slack acted: the first window cannot know what went.
    fake.setFaults({ failAfterApplyRate: 0.5, seed: 3 });
    const root = tempDir();
    const api = new SlackApi({ token: 'xoxb-a', apiUrl: fake.url });
    const lease = { staleMs: 300, heartbeatMs: 100 };
    const first = new Outbox({ root, sender: new SlackSender(async () => api), backoff: { baseMs: 2000, maxMs: 2000 }, lease });
    await first.start();
    const ids: string[] = [];
    for (let n = 0; n < 10; n++) ids.push((await first.enqueue(INCIDENT, { lane: `slack:${channel}`, op: 'slack.postMessage', args: { channel, text: `m${n}` }, summary: `m${n}` })).id);
    await fake.waitForCalls(3, 5000);
    // The window dies: no clean stop, the lease is left behind.
    first.dispose();
    fake.setFaults({ failAfterApplyRate: 0 });
    const second = new Outbox({ root, sender: new SlackSender(async () => new SlackApi({ token: 'xoxb-b', apiUrl: fake.url })), backoff: { baseMs: 20, maxMs: 100 }, lease });
    try {
      await second.loadAll();
      await second.start();
      const items = await second.whenSettled(ids, 30_000);
      assert.deepEqual(items.map((i) => i.state), Array(10).fill('sent'));
      assert.deepEqual(fake.messages(channel).map((m) => m.text), Array.from({ length: 10 }, (_, n) => `m${n}`));
    } finally {
      second.dispose();
      await fake.close();
    }
  });

  it('an invalid token is a clear, permanent refusal, and the message stays queued and visible', async () => {
    const fake = await startFakeSlack();
    const root = tempDir();
    const outbox = new Outbox({ root, sender: new SlackSender(async () => new SlackApi({ token: 'xoxb-invalid', apiUrl: fake.url })) });
    try {
      await outbox.start();
      const item = await outbox.enqueue(INCIDENT, { lane: 'slack:C0ANNOUNCE', op: 'slack.postMessage', args: { channel: 'C0ANNOUNCE', text: 'hello' }, summary: 'hello' });
      const [after] = await outbox.whenSettled([item.id], 10_000);
      assert.equal(after.state, 'failed');
      assert.equal(after.lastError?.code, 'invalid_auth');
      assert.match(after.lastError?.message ?? '', /refused the token/);
      assert.equal(outbox.items(INCIDENT).length, 1);
      assert.equal(fake.messages('C0ANNOUNCE').length, 0);
    } finally {
      outbox.dispose();
      await fake.close();
    }
  });

  it('a channel whose creation reply was lost is found, not made twice', async () => {
    const fake = await startFakeSlack();
    fake.setFaults({ failAfterApplyRate: 1, faultMethods: ['conversations.create'], failAfterApplyAs: 'error500' });
    const root = tempDir();
    const api = new SlackApi({ token: 'xoxb-c', apiUrl: fake.url });
    const outbox = new Outbox({ root, sender: new SlackSender(async () => api), backoff: { baseMs: 20, maxMs: 50 } });
    try {
      await outbox.start();
      const create = await outbox.enqueue(INCIDENT, { lane: 'slack:INC', op: 'slack.createChannel', args: { name: 'inc-lost-reply', is_private: false }, summary: 'create' });
      await fake.waitForCalls(1, 5000);
      fake.setFaults({ failAfterApplyRate: 0 });
      const [after] = await outbox.whenSettled([create.id], 10_000);
      assert.equal(after.state, 'sent');
      assert.equal((after.result?.channel as { name?: string })?.name, 'inc-lost-reply');
      assert.deepEqual(fake.channels().filter((c) => c.name.startsWith('inc-lost-reply')).map((c) => c.name), ['inc-lost-reply']);
    } finally {
      outbox.dispose();
      await fake.close();
    }
  });
});

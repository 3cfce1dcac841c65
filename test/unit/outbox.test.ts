import assert from 'node:assert/strict';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { IncidentError } from '../../src/core/errors';
import { Outbox, OutboxOptions } from '../../src/core/outbox/outbox';
import { ManualTime, seededRandom } from '../../src/core/outbox/testing';
import { OutboxItem, OutboxSender, SendOutcome } from '../../src/core/outbox/types';
import { tempDir } from './helpers/tmp';

const INC = 'INC-20261204-1';

type Script = (item: OutboxItem, args: Record<string, unknown>, n: number) => SendOutcome | 'lost' | Promise<SendOutcome | 'lost'>;

/** A destination that counts deliveries, and a sender to it whose answers a test scripts. */
class FakeSender implements OutboxSender {
  readonly delivered = new Map<string, Record<string, unknown>>();
  readonly deliveries: string[] = [];
  readonly sends: { id: string; lane: string; args: Record<string, unknown>; at: number }[] = [];
  readonly finds: string[] = [];
  private readonly tries = new Map<string, number>();
  constructor(
    private readonly time: { now(): number },
    public script: Script = () => ({ kind: 'sent', result: {} }),
  ) {}
  deliver(item: OutboxItem, result: Record<string, unknown> = { ts: `ts-${item.id}` }): Record<string, unknown> {
    this.deliveries.push(item.id);
    this.delivered.set(item.id, result);
    return result;
  }
  async send(item: OutboxItem, args: Record<string, unknown>): Promise<SendOutcome> {
    const n = (this.tries.get(item.id) ?? 0) + 1;
    this.tries.set(item.id, n);
    this.sends.push({ id: item.id, lane: item.lane, args, at: this.time.now() });
    const out = await this.script(item, args, n);
    if (out === 'lost') {
      this.deliver(item);
      return { kind: 'retry', code: 'timeout', message: 'the reply was lost' };
    }
    if (out.kind === 'sent') this.deliver(item, out.result);
    return out;
  }
  async findDelivered(item: OutboxItem): Promise<Record<string, unknown> | undefined> {
    this.finds.push(item.id);
    return this.delivered.get(item.id);
  }
  sentIds(): string[] {
    return this.sends.map((s) => s.id);
  }
}

function setup(overrides: Partial<OutboxOptions> & { script?: Script; time?: ManualTime; root?: string } = {}) {
  const time = overrides.time ?? new ManualTime();
  const root = overrides.root ?? tempDir('ic-outbox-');
  const sender = (overrides.sender as FakeSender | undefined) ?? new FakeSender(time, overrides.script);
  const outbox = new Outbox({ root, sender, clock: time, timers: time, backoff: { baseMs: 100, maxMs: 2000, jitter: 0 }, ...overrides });
  return { time, root, sender, outbox };
}

/** Runs virtual time until `done()`, letting the outboxes finish their file work between timers. */
async function runUntil(time: ManualTime, outboxes: Outbox[], done: () => boolean, maxMs = 30 * 60_000): Promise<void> {
  const end = time.now() + maxMs;
  for (;;) {
    for (const o of outboxes) await o.waitForIdle();
    if (done()) return;
    const next = time.nextAt();
    if (next === undefined || next > end) throw new Error(`stuck: nothing left to run after ${maxMs} ms of virtual time`);
    time.runNext();
  }
}

const settled = (o: Outbox, ids?: string[]) => () => o.items().filter((i) => !ids || ids.includes(i.id)).every((i) => i.state === 'sent' || i.state === 'failed' || i.state === 'discarded');
const post = (lane: string, text: string, extra: Partial<{ minIntervalMs: number; args: Record<string, unknown> }> = {}) => ({
  lane,
  op: 'slack.postMessage',
  args: extra.args ?? { text },
  summary: `Post: ${text}`,
  ...(extra.minIntervalMs !== undefined ? { minIntervalMs: extra.minIntervalMs } : {}),
});
const lines = (root: string, id = INC) =>
  readFileSync(path.join(root, id, 'outbox.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** Waits (real time, a few ms at most) until cond holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('outbox: write-ahead', { timeout: 30_000 }, () => {
  it('writes the item to outbox.jsonl, flushed, before enqueue returns; the attempt is on disk before the send', async () => {
    const { outbox, root, sender, time } = setup();
    const item = await outbox.enqueue(INC, post('slack:C1', 'hello'));
    const written = lines(root);
    assert.equal(written.length, 1);
    assert.equal(written[0].v, 1);
    assert.equal(written[0].type, 'enqueued');
    assert.equal(written[0].item.id, item.id);
    assert.deepEqual(written[0].item.args, { text: 'hello' });
    assert.equal(item.state, 'pending');
    assert.equal(outbox.pendingCount(INC), 1);
    assert.equal(sender.sends.length, 0, 'not started: nothing sent');
    sender.script = (i) => {
      const onDisk = lines(root).map((l) => `${l.type}:${l.id ?? l.item?.id}`);
      assert.ok(onDisk.includes(`attempt:${i.id}`), 'attempt written before the send');
      return { kind: 'sent', result: { ts: '1.2' } };
    };
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    assert.deepEqual(
      lines(root).map((l) => l.type),
      ['enqueued', 'attempt', 'sent'],
    );
    assert.deepEqual(outbox.item(item.id)?.result, { ts: '1.2' });
    assert.equal(outbox.pendingCount(), 0);
    await outbox.stop();
  });

  it('gives unique ids that sort in creation order', async () => {
    const { outbox } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await outbox.enqueue(INC, post('l', `m${i}`))).id);
    assert.equal(new Set(ids).size, 30);
    assert.deepEqual([...ids].sort(), ids);
    outbox.dispose();
  });

  it('refuses bad input and writes nothing', async () => {
    const { outbox, root } = setup();
    await assert.rejects(outbox.enqueue('../etc', post('l', 'x')), IncidentError);
    await assert.rejects(outbox.enqueue(INC, { ...post('l', 'x'), lane: '' }), IncidentError);
    await assert.rejects(outbox.enqueue(INC, { ...post('l', 'x'), args: [] as unknown as Record<string, unknown> }), IncidentError);
    await assert.rejects(outbox.enqueue(INC, post('l', 'x', { args: { channel: { $ref: 'nope', path: 'channel.id' } } })), /not in the outbox/);
    await assert.rejects(fs.access(path.join(root, INC, 'outbox.jsonl')));
    outbox.dispose();
  });
});

describe('outbox: lanes', { timeout: 30_000 }, () => {
  it('sends each lane strictly in order, one at a time, whatever retries happen', async () => {
    const rnd = seededRandom(7);
    const perLane = new Map<string, number>();
    let overlap = 0;
    const { outbox, sender, time } = setup({
      script: async (item) => {
        const n = (perLane.get(item.lane) ?? 0) + 1;
        perLane.set(item.lane, n);
        if (n > 1) overlap++;
        await new Promise((r) => setImmediate(r));
        perLane.set(item.lane, n - 1);
        return rnd() < 0.4 ? { kind: 'retry', code: '5xx', message: 'oops', delivered: 'no' } : { kind: 'sent', result: {} };
      },
    });
    const order = new Map<string, string[]>();
    for (let i = 0; i < 30; i++) {
      const lane = `slack:C${i % 3}`;
      const it = await outbox.enqueue(INC, post(lane, `m${i}`));
      order.set(lane, [...(order.get(lane) ?? []), it.id]);
    }
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    assert.equal(overlap, 0, 'never two sends at once in a lane');
    for (const [lane, ids] of order) {
      const delivered = sender.deliveries.filter((id) => ids.includes(id));
      assert.deepEqual(delivered, ids, `order in ${lane}`);
    }
    assert.ok(sender.sends.length > 30, 'some retries happened');
    await outbox.stop();
  });

  it('runs different lanes concurrently, at most maxConcurrent at a time', async () => {
    const waiting: (() => void)[] = [];
    const { outbox, sender, time } = setup({
      maxConcurrent: 4,
      script: () => new Promise<SendOutcome>((resolve) => waiting.push(() => resolve({ kind: 'sent', result: {} }))),
    });
    for (let i = 0; i < 6; i++) await outbox.enqueue(INC, post(`lane-${i}`, `m${i}`));
    await outbox.start();
    await until(() => sender.sends.length === 4, '4 sends in flight');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sender.sends.length, 4, 'the cap holds');
    assert.equal(new Set(sender.sends.map((s) => s.lane)).size, 4);
    assert.equal(outbox.items().filter((i) => i.state === 'sending').length, 4);
    waiting.splice(0).forEach((f) => f());
    await until(() => sender.sends.length === 6, 'the other two');
    waiting.splice(0).forEach((f) => f());
    await runUntil(time, [outbox], settled(outbox));
    assert.equal(sender.deliveries.length, 6);
    await outbox.stop();
  });

  it('a permanent failure blocks its lane until retried; other lanes go on', async () => {
    let refuse = true;
    const { outbox, sender, time } = setup({
      script: (item) => (item.summary.endsWith('a1') && refuse ? { kind: 'permanent', code: 'channel_not_found', message: 'No such channel.' } : { kind: 'sent', result: {} }),
    });
    const a1 = await outbox.enqueue(INC, post('A', 'a1'));
    const a2 = await outbox.enqueue(INC, post('A', 'a2'));
    const b1 = await outbox.enqueue(INC, post('B', 'b1'));
    await outbox.start();
    await runUntil(time, [outbox], () => outbox.item(a1.id)?.state === 'failed' && outbox.item(b1.id)?.state === 'sent');
    time.advance(60_000);
    await outbox.waitForIdle();
    const blocked = outbox.item(a2.id)!;
    assert.equal(blocked.state, 'pending');
    assert.equal(blocked.blockedBy?.id, a1.id);
    assert.match(blocked.blockedBy!.reason, /No such channel/);
    assert.equal(blocked.needsAttention, true);
    const failed = outbox.item(a1.id)!;
    assert.equal(failed.lastError?.code, 'channel_not_found');
    assert.equal(failed.lastError?.permanent, true);
    // Lanes A and B run side by side: which of a1 and b1 reaches the sender first is not fixed.
    assert.deepEqual([...sender.sentIds()].sort(), [a1.id, b1.id].sort());
    // Waiting interactively does not hang on a blocked lane.
    const got = await outbox.whenSettled([a1.id, a2.id], 1_000_000);
    assert.deepEqual(got.map((i) => i.state), ['failed', 'pending']);
    refuse = false;
    await outbox.retry(a1.id);
    await runUntil(time, [outbox], settled(outbox));
    assert.deepEqual(sender.deliveries, [b1.id, a1.id, a2.id]);
    assert.ok(lines(outbox.root).some((l) => l.type === 'requeued' && l.id === a1.id));
    await outbox.stop();
  });

  it('an edit unblocks the lane and sends the corrected args', async () => {
    const { outbox, sender, time } = setup({
      script: (_i, args) => (args.channel === 'bad' ? { kind: 'permanent', code: 'channel_not_found', message: 'No such channel.' } : { kind: 'sent', result: {} }),
    });
    const a1 = await outbox.enqueue(INC, post('A', 'a1', { args: { channel: 'bad', text: 'hi' } }));
    const a2 = await outbox.enqueue(INC, post('A', 'a2'));
    await outbox.start();
    await runUntil(time, [outbox], () => outbox.item(a1.id)?.state === 'failed');
    const edited = await outbox.edit(a1.id, { args: { channel: 'C42', text: 'hi' }, summary: 'Post to C42' });
    assert.equal(edited.state, 'pending');
    assert.equal(edited.summary, 'Post to C42');
    await runUntil(time, [outbox], settled(outbox));
    assert.deepEqual(sender.deliveries, [a1.id, a2.id]);
    assert.deepEqual(sender.sends.at(-2)!.args, { channel: 'C42', text: 'hi' });
    await outbox.stop();
  });

  it('a discard unblocks the lane; the discarded item is never sent', async () => {
    const { outbox, sender, time } = setup({
      script: (item) => (item.summary.endsWith('a1') ? { kind: 'permanent', code: 'not_in_channel', message: 'Not in the channel.' } : { kind: 'sent', result: {} }),
    });
    const a1 = await outbox.enqueue(INC, post('A', 'a1'));
    const a2 = await outbox.enqueue(INC, post('A', 'a2'));
    await outbox.start();
    await runUntil(time, [outbox], () => outbox.item(a1.id)?.state === 'failed');
    await outbox.discard(a1.id);
    await runUntil(time, [outbox], settled(outbox));
    assert.equal(outbox.item(a1.id)?.state, 'discarded');
    assert.deepEqual(sender.deliveries, [a2.id]);
    await assert.rejects(outbox.retry(a1.id), /already discarded/);
    await assert.rejects(outbox.edit(a2.id, { summary: 'x' }), /already sent/);
    await assert.rejects(outbox.discard('nope'), /no outbox item/);
    await outbox.stop();
  });
});

describe('outbox: timing', { timeout: 30_000 }, () => {
  it('backs off exponentially, with jitter, up to maxMs', async () => {
    const { outbox, sender, time } = setup({
      backoff: { baseMs: 1000, factor: 2, maxMs: 8000, jitter: 0.5, random: () => 0.5 },
      script: (_i, _a, n) => (n <= 5 ? { kind: 'retry', code: 'network', message: 'reset', delivered: 'no' } : { kind: 'sent', result: {} }),
    });
    await outbox.enqueue(INC, post('A', 'x'));
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    const at = sender.sends.map((s) => s.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    assert.deepEqual(gaps, [750, 1500, 3000, 6000, 6000]);
    assert.equal(outbox.items()[0].attempts, 6);
    await outbox.stop();
  });

  it('waits at least retryAfterMs, and the whole lane waits with it', async () => {
    const { outbox, sender, time } = setup({
      backoff: { baseMs: 10, jitter: 0 },
      script: (item, _a, n) => (item.summary.endsWith('b1') || n > 1 ? { kind: 'sent', result: {} } : { kind: 'retry', code: 'ratelimited', message: '429', retryAfterMs: 5000, delivered: 'no' }),
    });
    const t0 = time.now();
    const a1 = await outbox.enqueue(INC, post('A', 'a1'));
    const a2 = await outbox.enqueue(INC, post('A', 'a2'));
    const b1 = await outbox.enqueue(INC, post('B', 'b1'));
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    const first = (id: string, k = 0) => sender.sends.filter((s) => s.id === id)[k].at - t0;
    assert.equal(first(a1.id), 0);
    assert.ok(first(a1.id, 1) >= 5000, `retried after ${first(a1.id, 1)} ms`);
    assert.ok(first(a2.id) >= 5000);
    assert.equal(first(b1.id), 0, 'another lane is not held');
    assert.equal(sender.finds.length, 0, "a 429 was not delivered: no check needed");
    await outbox.stop();
  });

  it('a lane held by a 429 stays held when its head is discarded', async () => {
    const { outbox, sender, time } = setup({
      backoff: { baseMs: 10, jitter: 0 },
      script: (item) => (item.summary.endsWith('a1') ? { kind: 'retry', code: 'ratelimited', message: '429', retryAfterMs: 5000, delivered: 'no' } : { kind: 'sent', result: {} }),
    });
    const t0 = time.now();
    const a1 = await outbox.enqueue(INC, post('A', 'a1'));
    const a2 = await outbox.enqueue(INC, post('A', 'a2'));
    await outbox.start();
    await runUntil(time, [outbox], () => outbox.item(a1.id)?.attempts === 1 && outbox.item(a1.id)?.state === 'pending');
    time.advance(100);
    await outbox.discard(a1.id);
    await runUntil(time, [outbox], settled(outbox));
    const at = sender.sends.find((s) => s.id === a2.id)!.at - t0;
    assert.ok(at >= 5000, `a2 went after ${at} ms`);
    await outbox.stop();
  });

  it('kick() (Slack connected) sends what waits for time now', async () => {
    let connected = false;
    const { outbox, sender, time } = setup({
      script: () => (connected ? { kind: 'sent', result: {} } : { kind: 'retry', code: 'not_connected', message: 'no token', retryAfterMs: 60_000, delivered: 'no' }),
    });
    const t0 = time.now();
    await outbox.enqueue(INC, post('A', 'a1'));
    await outbox.start();
    await runUntil(time, [outbox], () => sender.sends.length === 1);
    time.advance(1000);
    connected = true;
    outbox.kick();
    await runUntil(time, [outbox], settled(outbox));
    assert.equal(sender.sends[1].at - t0, 1000);
    await outbox.stop();
  });

  it('paces a lane by minIntervalMs; other lanes are not paced', async () => {
    const { outbox, sender, time } = setup();
    const t0 = time.now();
    for (let i = 0; i < 3; i++) await outbox.enqueue(INC, post('A', `a${i}`, { minIntervalMs: 1000 }));
    for (let i = 0; i < 3; i++) await outbox.enqueue(INC, post('B', `b${i}`));
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    const times = (lane: string) => sender.sends.filter((s) => s.lane === lane).map((s) => s.at - t0);
    assert.deepEqual(times('A'), [0, 1000, 2000]);
    assert.deepEqual(times('B'), [0, 0, 0]);
    await outbox.stop();
  });
});

describe('outbox: references', { timeout: 30_000 }, () => {
  it('resolves { $ref } from the referenced result; the referring item waits until it is sent', async () => {
    const { outbox, sender, time } = setup({
      script: (item, _a, n) =>
        item.op === 'slack.createChannel' ? (n < 3 ? { kind: 'retry', code: '5xx', message: 'busy', delivered: 'no' } : { kind: 'sent', result: { channel: { id: 'C9', name: 'inc-1' } } }) : { kind: 'sent', result: { ts: '1.1' } },
    });
    const create = await outbox.enqueue(INC, { lane: 'topic', op: 'slack.createChannel', args: { name: 'inc-1' }, summary: 'Create #inc-1' });
    const hello = await outbox.enqueue(INC, post('posts', 'hello', { args: { channel: { $ref: create.id, path: 'channel.id' }, text: 'hello', whole: { $ref: create.id } } }));
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    assert.deepEqual(sender.deliveries, [create.id, hello.id]);
    const sent = sender.sends.find((s) => s.id === hello.id)!;
    assert.deepEqual(sent.args, { channel: 'C9', text: 'hello', whole: { channel: { id: 'C9', name: 'inc-1' } } });
    assert.deepEqual(outbox.item(hello.id)!.args.channel, { $ref: create.id, path: 'channel.id' }, 'the log keeps the reference');
    assert.equal(sender.sends.filter((s) => s.id === hello.id).length, 1);
    await outbox.stop();
  });

  it('a reference to a failed item blocks; retrying that item unblocks', async () => {
    let refuse = true;
    const { outbox, sender, time } = setup({
      script: (item) => (item.op === 'slack.createChannel' && refuse ? { kind: 'permanent', code: 'name_taken', message: 'The name is taken.' } : { kind: 'sent', result: { channel: { id: 'C7' } } }),
    });
    const create = await outbox.enqueue(INC, { lane: 'x', op: 'slack.createChannel', args: {}, summary: 'Create' });
    const hello = await outbox.enqueue(INC, post('y', 'hello', { args: { channel: { $ref: create.id, path: 'channel.id' } } }));
    await outbox.start();
    await runUntil(time, [outbox], () => outbox.item(create.id)?.state === 'failed');
    const waiting = outbox.item(hello.id)!;
    assert.equal(waiting.state, 'pending');
    assert.equal(waiting.blockedBy?.id, create.id);
    assert.match(waiting.blockedBy!.reason, /failed: The name is taken/);
    refuse = false;
    await outbox.retry(create.id);
    await runUntil(time, [outbox], settled(outbox));
    assert.deepEqual(sender.sends.find((s) => s.id === hello.id)!.args, { channel: 'C7' });
    await outbox.stop();
  });

  it('a reference to a discarded item, or to a missing path, fails the item with a clear error', async () => {
    const { outbox, sender, time } = setup({
      script: (item) => (item.op === 'slack.createChannel' ? { kind: 'permanent', code: 'name_taken', message: 'taken' } : { kind: 'sent', result: { ts: '1' } }),
    });
    const create = await outbox.enqueue(INC, { lane: 'x', op: 'slack.createChannel', args: {}, summary: 'Create' });
    const other = await outbox.enqueue(INC, post('z', 'first'));
    const hello = await outbox.enqueue(INC, post('y', 'hello', { args: { channel: { $ref: create.id, path: 'channel.id' } } }));
    const missing = await outbox.enqueue(INC, post('w', 'missing', { args: { channel: { $ref: other.id, path: 'channel.id' } } }));
    await outbox.start();
    await runUntil(time, [outbox], () => outbox.item(create.id)?.state === 'failed' && outbox.item(missing.id)?.state === 'failed');
    assert.equal(outbox.item(missing.id)!.lastError?.code, 'ref_missing');
    await outbox.discard(create.id);
    await runUntil(time, [outbox], settled(outbox));
    const h = outbox.item(hello.id)!;
    assert.equal(h.state, 'failed');
    assert.equal(h.lastError?.code, 'ref_discarded');
    assert.match(h.lastError!.message, /discarded/);
    assert.equal(sender.sends.filter((s) => s.id === hello.id || s.id === missing.id).length, 0);
    await outbox.stop();
  });

  it('refuses an edit that would make an item wait for itself', async () => {
    const { outbox } = setup();
    const a = await outbox.enqueue(INC, post('x', 'a'));
    const b = await outbox.enqueue(INC, post('y', 'b', { args: { after: { $ref: a.id } } }));
    await assert.rejects(outbox.edit(a.id, { args: { after: { $ref: b.id } } }), /wait for itself/);
    await assert.rejects(outbox.edit(a.id, { args: { after: { $ref: a.id } } }), /wait for itself/);
    outbox.dispose();
  });
});

describe('outbox: exactly once', { timeout: 30_000 }, () => {
  it('after a lost reply, asks findDelivered before sending again, and records what it found', async () => {
    const { outbox, sender, time } = setup({ script: (_i, _a, n) => (n === 1 ? 'lost' : { kind: 'sent', result: {} }) });
    const a = await outbox.enqueue(INC, post('A', 'a'));
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    assert.deepEqual(sender.deliveries, [a.id]);
    assert.equal(sender.sends.length, 1);
    assert.deepEqual(sender.finds, [a.id]);
    const item = outbox.item(a.id)!;
    assert.equal(item.state, 'sent');
    assert.equal(item.recovered, true);
    assert.deepEqual(item.result, { ts: `ts-${a.id}` });
    await outbox.stop();
  });

  it('a send that never answers times out and is checked before it is sent again', async () => {
    const { outbox, sender, time } = setup({
      sendTimeoutMs: 5000,
      script: (item, _a, n) => (n === 1 ? new Promise(() => sender.deliver(item)) : { kind: 'sent', result: {} }),
    });
    const a = await outbox.enqueue(INC, post('A', 'a'));
    await outbox.start();
    await until(() => sender.sends.length === 1, 'the first send');
    time.advance(5000);
    await runUntil(time, [outbox], settled(outbox));
    assert.equal(sender.sends.length, 1);
    assert.equal(sender.deliveries.length, 1);
    assert.equal(outbox.item(a.id)!.recovered, true);
    assert.ok(lines(outbox.root).some((l) => l.type === 'retry-scheduled' && l.error.code === 'timeout' && l.error.uncertain === true));
    await outbox.stop();
  });

  it('without findDelivered, an uncertain item is sent again (at least once)', async () => {
    const time = new ManualTime();
    const fake = new FakeSender(time, (_i, _a, n) => (n === 1 ? 'lost' : { kind: 'sent', result: {} }));
    const sender: OutboxSender = { send: (i, a) => fake.send(i, a) };
    const { outbox } = setup({ time, sender });
    await outbox.enqueue(INC, post('A', 'a'));
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    assert.equal(fake.deliveries.length, 2);
    await outbox.stop();
  });

  for (const deliveredBeforeCrash of [true, false]) {
    it(`replays after a crash with an item left 'sending' (${deliveredBeforeCrash ? 'it had reached Slack' : 'it had not'}): findDelivered decides, no duplicate`, async () => {
      const root = tempDir('ic-outbox-');
      const deadTime = new ManualTime();
      // The first window: its send never answers; then it "dies" (its time never moves again, its lease is not released).
      const destination = new FakeSender(deadTime, (item) => {
        if (deliveredBeforeCrash) destination.deliver(item);
        return new Promise(() => undefined);
      });
      const first = new Outbox({ root, sender: destination, clock: deadTime, timers: deadTime });
      const a = await first.enqueue(INC, post('A', 'a'));
      const b = await first.enqueue(INC, post('A', 'b'));
      await first.start();
      await until(() => destination.sends.length === 1 && lines(root).some((l) => l.type === 'attempt'), 'the attempt on disk and the request out');

      const time = new ManualTime(deadTime.now() + 1000);
      const sender = new FakeSender(time);
      for (const [id, r] of destination.delivered) sender.delivered.set(id, r);
      const second = new Outbox({ root, sender, clock: time, timers: time });
      const [report] = await second.load([INC]);
      assert.equal(report.items, 2);
      assert.deepEqual(report.skipped, []);
      assert.equal(second.item(a.id)!.state, 'sending');
      assert.equal(second.item(a.id)!.attempts, 1);
      await second.start();
      await second.waitForIdle();
      assert.equal(second.isSender, false, 'the dead window still holds a fresh lease');
      assert.equal(sender.sends.length + sender.finds.length, 0);
      await runUntil(time, [second], settled(second));
      assert.ok(time.now() - deadTime.now() >= 10_000, 'took over only once the lease was stale');
      assert.deepEqual(sender.finds, [a.id]);
      assert.deepEqual(sender.sentIds(), deliveredBeforeCrash ? [b.id] : [a.id, b.id]);
      assert.equal(second.item(a.id)!.recovered, deliveredBeforeCrash ? true : undefined);
      const delivered = [...destination.deliveries, ...sender.deliveries];
      assert.deepEqual(delivered, [a.id, b.id]);
      await second.stop();
      first.dispose();
    });
  }
});

describe('outbox: the file', { timeout: 30_000 }, () => {
  it('skips torn, junk and newer lines, reports them, and never rewrites the file', async () => {
    const { outbox, root, sender, time } = setup();
    const item = (id: string) => ({ v: 1, type: 'enqueued', at: '2026-12-04T03:00:00.000Z', item: { id, incidentId: INC, lane: 'A', op: 'slack.postMessage', args: { text: id }, summary: id, createdAt: '2026-12-04T03:00:00.000Z' } });
    const raw = [
      JSON.stringify(item('i1')),
      '{"v":1,"type":"attempt","id":"i',
      JSON.stringify(item('i2')),
      'junk',
      JSON.stringify({ v: 2, type: 'teleported', id: 'i1', at: '2026-12-04T03:00:00.000Z' }),
      JSON.stringify({ v: 1, type: 'sent', id: 'ghost', at: '2026-12-04T03:00:00.000Z', result: {} }),
      '',
    ].join('\n');
    await fs.mkdir(path.join(root, INC), { recursive: true });
    writeFileSync(path.join(root, INC, 'outbox.jsonl'), raw);
    const [report] = await outbox.loadAll();
    assert.equal(report.items, 2);
    assert.deepEqual(
      report.skipped.map((s) => s.line),
      [2, 4, 5, 6],
    );
    assert.match(report.skipped[0].reason, /torn/);
    assert.match(report.skipped[2].reason, /newer version \(v2\)/);
    assert.match(report.skipped[3].reason, /unknown item ghost/);
    assert.equal(readFileSync(path.join(root, INC, 'outbox.jsonl'), 'utf8'), raw);
    await outbox.start();
    await runUntil(time, [outbox], settled(outbox));
    assert.deepEqual(sender.deliveries, ['i1', 'i2']);
    assert.ok(readFileSync(path.join(root, INC, 'outbox.jsonl'), 'utf8').startsWith(raw), 'only appended to');
    await outbox.stop();
  });

  it('a torn last line is reported, and the next append leaves it alone on its line', async () => {
    const { outbox, root } = setup();
    const a = await outbox.enqueue(INC, post('A', 'a'));
    await fs.appendFile(path.join(root, INC, 'outbox.jsonl'), '{"v":1,"type":"sent","id":"' + a.id);
    const fresh = new Outbox({ root, sender: new FakeSender({ now: Date.now }) });
    await fresh.load([INC]);
    assert.match(fresh.problems(INC)[0].reason, /incomplete last line/);
    const b = await fresh.enqueue(INC, post('A', 'b'));
    assert.deepEqual(fresh.items(INC).map((i) => [i.id, i.state]), [[a.id, 'pending'], [b.id, 'pending']]);
    assert.deepEqual(fresh.problems(INC).map((p) => p.line), [2]);
    assert.match(fresh.problems(INC)[0].reason, /torn/);
    outbox.dispose();
    fresh.dispose();
  });
});

describe('outbox: two windows', { timeout: 30_000 }, () => {
  it('only the window holding the lease sends; the other shows the items; each item goes once', async () => {
    const time = new ManualTime();
    const root = tempDir('ic-outbox-');
    const destination = new FakeSender(time);
    const senders = [new FakeSender(time), new FakeSender(time)];
    const windows = senders.map(
      (s) =>
        new Outbox({
          root,
          clock: time,
          timers: time,
          sender: {
            send: (i, a) => {
              s.sends.push({ id: i.id, lane: i.lane, args: a, at: time.now() });
              return destination.send(i, a);
            },
            findDelivered: (i) => destination.findDelivered(i),
          },
        }),
    );
    const [a, b] = windows;
    await a.start();
    await a.waitForIdle();
    await b.start();
    await b.waitForIdle();
    assert.equal(a.isSender, true);
    assert.equal(b.isSender, false);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push((await a.enqueue(INC, post(`L${i % 2}`, `from a ${i}`))).id);
      ids.push((await b.enqueue(INC, post(`L${i % 2}`, `from b ${i}`))).id);
    }
    await runUntil(time, windows, () => ids.every((id) => a.item(id)?.state === 'sent'));
    await b.reload(INC);
    assert.ok(ids.every((id) => b.item(id)?.state === 'sent'), 'the other window sees them sent');
    assert.equal(senders[1].sends.length, 0, 'the window without the lease sent nothing');
    assert.deepEqual([...destination.deliveries].sort(), [...ids].sort());
    // Per lane, in the order they were written.
    for (const lane of ['L0', 'L1']) {
      const inLog = b.items(INC).filter((i) => i.lane === lane).map((i) => i.id);
      assert.deepEqual(destination.deliveries.filter((id) => inLog.includes(id)), inLog);
    }
    // The sending window closes: the other takes over at its next heartbeat.
    await a.stop();
    const later = [await b.enqueue(INC, post('L0', 'later')), await b.enqueue(INC, post('L1', 'later'))].map((i) => i.id);
    await runUntil(time, [b], () => later.every((id) => b.item(id)?.state === 'sent'));
    assert.equal(b.isSender, true);
    assert.equal(destination.deliveries.length, 22);
    assert.equal(new Set(destination.deliveries).size, 22);
    b.dispose();
    a.dispose();
  });

  it('a lease that is ours is kept fresh by the heartbeat; a foreign fresh one is respected, a stale one broken', async () => {
    const time = new ManualTime();
    const { outbox, root, sender } = setup({ time });
    writeFileSync(path.join(root, '.outbox.lock'), JSON.stringify({ token: 'someone-else' }) + '\n');
    const t = time.now() / 1000;
    await fs.utimes(path.join(root, '.outbox.lock'), t, t);
    await outbox.enqueue(INC, post('A', 'a'));
    await outbox.start();
    time.advance(9000);
    await outbox.waitForIdle();
    assert.equal(sender.sends.length, 0);
    await runUntil(time, [outbox], settled(outbox));
    assert.equal(outbox.isSender, true);
    assert.ok(time.now() - t * 1000 > 10_000);
    // Our lease stays fresh while we run.
    time.advance(30_000);
    await outbox.waitForIdle();
    const { mtimeMs } = await fs.stat(path.join(root, '.outbox.lock'));
    assert.ok(time.now() - mtimeMs <= 2000, 'touched by the heartbeat');
    await outbox.stop();
    await assert.rejects(fs.access(path.join(root, '.outbox.lock')), 'released on stop');
  });
});

describe('outbox: waiting and events', { timeout: 30_000 }, () => {
  it('whenSettled resolves when the items settle, or at the timeout, or on dispose: it never hangs', async () => {
    let answer: SendOutcome = { kind: 'retry', code: '5xx', message: 'down', delivered: 'no' };
    const { outbox, time } = setup({ script: () => answer });
    const a = await outbox.enqueue(INC, post('A', 'a'));
    await outbox.start();
    const waited = outbox.whenSettled([a.id], 20_000);
    let done = false;
    void waited.then(() => (done = true));
    await runUntil(time, [outbox], () => outbox.item(a.id)!.attempts >= 3);
    assert.equal(done, false);
    time.advance(20_000);
    const got = await waited;
    assert.equal(got[0].state, 'pending');
    answer = { kind: 'sent', result: {} };
    const second = outbox.whenSettled([a.id, 'unknown-id'], 1_000_000);
    await runUntil(time, [outbox], settled(outbox));
    assert.equal((await second)[0].state, 'sent');
    await outbox.stop();
    const b = await outbox.enqueue(INC, post('B', 'b'));
    const third = outbox.whenSettled([b.id], 1_000_000);
    outbox.dispose();
    assert.equal((await third)[0].state, 'pending');
  });

  it('onDidChange tells which items changed; needsAttention after many attempts', async () => {
    const { outbox, time } = setup({ maxAttemptsBeforeAttention: 3, script: () => ({ kind: 'retry', code: '5xx', message: 'down', delivered: 'no' }) });
    const seen: string[] = [];
    outbox.onDidChange((items) => seen.push(...items.map((i) => `${i.state}:${i.attempts}`)));
    const a = await outbox.enqueue(INC, post('A', 'a'));
    await outbox.start();
    await runUntil(time, [outbox], () => outbox.item(a.id)!.attempts >= 3);
    assert.deepEqual(seen.slice(0, 4), ['pending:0', 'sending:1', 'pending:1', 'sending:2']);
    assert.equal(outbox.item(a.id)!.needsAttention, true);
    await outbox.stop();
  });
});

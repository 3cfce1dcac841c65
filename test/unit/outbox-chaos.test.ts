// A fault-heavy randomized run: 100 items over 5 lanes (and two incidents) through a sender that fails 30% of
// the time, rate-limits 10%, loses 10% of its replies after delivering, and (in the crash runs) dies mid-request,
// with a new window taking over from the file. Every item must reach the destination exactly once, in lane order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox } from '../../src/core/outbox/outbox';
import { ManualTime, seededRandom } from '../../src/core/outbox/testing';
import { OutboxItem, OutboxSender, SendOutcome } from '../../src/core/outbox/types';
import { tempDir } from './helpers/tmp';

const INCIDENTS = ['INC-20261204-1', 'INC-20261204-2'];
const LANES = 5;
const ITEMS = 100;

class Destination {
  readonly byLane = new Map<string, string[]>();
  readonly count = new Map<string, number>();
  readonly results = new Map<string, Record<string, unknown>>();
  deliver(item: OutboxItem): Record<string, unknown> {
    this.count.set(item.id, (this.count.get(item.id) ?? 0) + 1);
    this.byLane.set(item.lane, [...(this.byLane.get(item.lane) ?? []), item.id]);
    const result = { ts: `ts-${item.id}` };
    this.results.set(item.id, result);
    return result;
  }
}

interface Life {
  dead: boolean;
  died: Promise<void>;
  die(): void;
}

function newLife(): Life {
  let die!: () => void;
  const died = new Promise<void>((r) => (die = r));
  const life: Life = { dead: false, died, die: () => ((life.dead = true), die()) };
  return life;
}

const never = <T>() => new Promise<T>(() => undefined);

/** Decisions per (item, attempt), so a run does not depend on how file work interleaves. */
function sender(seed: number, dest: Destination, life: Life, crashes: boolean, stats: Record<string, number>): OutboxSender {
  const roll = (item: OutboxItem, salt: number) => seededRandom(seed * 7919 + Number(item.summary.split('#')[1]) * 104729 + salt)();
  const tries = new Map<string, number>();
  const checks = new Map<string, number>();
  return {
    async send(item): Promise<SendOutcome> {
      if (life.dead) return never();
      const n = item.attempts; // persisted: a new window does not replay the same fate
      tries.set(item.id, n);
      await new Promise((r) => setImmediate(r));
      const r = roll(item, n);
      if (r < 0.3) return (stats.retry++, { kind: 'retry', code: 'http_503', message: 'unavailable' });
      if (r < 0.4) return (stats.ratelimited++, { kind: 'retry', code: 'ratelimited', message: '429', retryAfterMs: 500 + Math.floor(roll(item, n + 500) * 2500), delivered: 'no' });
      if (r < 0.5) {
        dest.deliver(item);
        stats.lost++;
        return { kind: 'retry', code: 'timeout', message: 'the reply was lost' };
      }
      if (crashes && stats.windows <= 6 && r < 0.53) {
        dest.deliver(item); // reached Slack, then the window died before hearing back
        stats.crashAfter++;
        life.die();
        return never();
      }
      if (crashes && stats.windows <= 6 && r < 0.56) {
        stats.crashBefore++;
        life.die();
        return never();
      }
      return { kind: 'sent', result: dest.deliver(item) };
    },
    async findDelivered(item) {
      if (life.dead) return never();
      stats.finds++;
      const k = (checks.get(item.id) ?? 0) + 1;
      checks.set(item.id, k);
      if (roll(item, 99_991 * k + 7 * stats.windows) < 0.1) throw new Error('network down while checking');
      return dest.results.get(item.id);
    },
  };
}

async function chaos(seed: number, crashes: boolean) {
  const root = tempDir('ic-outbox-chaos-');
  const rnd = seededRandom(seed);
  const dest = new Destination();
  const stats: Record<string, number> = { retry: 0, ratelimited: 0, lost: 0, crashAfter: 0, crashBefore: 0, finds: 0, windows: 1 };
  let time = new ManualTime(Date.UTC(2026, 11, 4, 3));
  let life = newLife();
  const open = () => new Outbox({ root, sender: sender(seed, dest, life, crashes, stats), clock: time, timers: time, backoff: { random: rnd } });
  let outbox = open();
  const expected = new Map<string, string[]>();
  let enqueued = 0;
  const enqueue = async (n: number) => {
    for (let k = 0; k < n && enqueued < ITEMS; k++) {
      const lane = `slack:lane-${Math.floor(rnd() * LANES)}`;
      const incident = INCIDENTS[Math.floor(rnd() * INCIDENTS.length)];
      const item = await outbox.enqueue(incident, { lane, op: 'slack.postMessage', args: { text: `m${enqueued}` }, summary: `message #${enqueued}`, minIntervalMs: rnd() < 0.3 ? 1000 : undefined });
      enqueued++;
      expected.set(lane, [...(expected.get(lane) ?? []), item.id]);
      if (rnd() < 0.3) time.advance(Math.floor(rnd() * 200));
    }
  };
  await enqueue(40);
  await outbox.start();
  const delivered = () => [...dest.count.keys()].length;
  for (let step = 0; ; step++) {
    assert.ok(step < 20_000, `the run ends (${JSON.stringify(stats)}, ${delivered()} delivered)`);
    await Promise.race([outbox.waitForIdle(), life.died]);
    if (life.dead) {
      // The window died with a request on the wire. A new one starts on the same files, a moment later.
      await new Promise((r) => setTimeout(r, 2));
      time = new ManualTime(time.now() + 1 + Math.floor(rnd() * 3000));
      life = newLife();
      outbox = open();
      stats.windows++;
      await outbox.loadAll();
      await outbox.start();
      continue;
    }
    if (enqueued === ITEMS && delivered() === ITEMS && outbox.items().every((i) => i.state === 'sent')) break;
    if (enqueued < ITEMS && rnd() < 0.2) {
      await enqueue(1 + Math.floor(rnd() * 4));
      continue;
    }
    assert.ok(time.runNext(), 'something is always scheduled while items wait');
  }
  await outbox.stop();
  return { dest, expected, stats, outbox };
}

describe('outbox under faults', { timeout: 30_000 }, () => {
  for (const [seed, crashes] of [
    [1, false],
    [2, false],
    [3, true],
    [4, true],
    [5, true],
  ] as const) {
    it(`seed ${seed}${crashes ? ', with crashes' : ''}: 100 items over 5 lanes arrive exactly once, in order per lane`, async () => {
      const { dest, expected, stats, outbox } = await chaos(seed, crashes);
      const twice = [...dest.count].filter(([, n]) => n !== 1);
      assert.deepEqual(twice, [], 'no item delivered twice');
      assert.equal(dest.count.size, ITEMS);
      for (const [lane, ids] of expected) assert.deepEqual(dest.byLane.get(lane), ids, `order in ${lane}`);
      // The faults did happen, and the outbox caught the lost replies.
      assert.ok(stats.retry > 10 && stats.ratelimited > 3 && stats.lost > 3, JSON.stringify(stats));
      const recovered = outbox.items().filter((i) => i.recovered).length;
      assert.ok(recovered >= stats.lost, `recovered ${recovered} of ${stats.lost} lost replies`);
      if (crashes) assert.ok(stats.windows > 1, JSON.stringify(stats));
    });
  }
});

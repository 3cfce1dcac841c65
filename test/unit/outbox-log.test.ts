import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutboxReplay, parseEventLine, replayOutbox } from '../../src/core/outbox/log';

const INC = 'INC-20261204-1';
const at = (s: number) => new Date(Date.UTC(2026, 11, 4, 3, 0, s)).toISOString();
const enq = (id: string, lane = 'A', extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, type: 'enqueued', at: at(0), item: { id, incidentId: INC, lane, op: 'slack.postMessage', args: { text: id }, summary: `post ${id}`, createdAt: at(0), ...extra } });
const ev = (type: string, id: string, s: number, extra: Record<string, unknown> = {}) => JSON.stringify({ v: 1, type, id, at: at(s), ...extra });
const err = (s: number, extra: Record<string, unknown> = {}) => ({ code: 'x', message: 'boom', permanent: false, at: at(s), ...extra });

describe('outbox log replay', { timeout: 30_000 }, () => {
  it('folds each item to its state; an item whose last line is attempt is sending', () => {
    const raw = [
      enq('a'),
      enq('b'),
      enq('c'),
      enq('d'),
      enq('e'),
      ev('attempt', 'a', 1),
      ev('sent', 'a', 2, { result: { ts: '1' } }),
      ev('attempt', 'b', 1),
      ev('attempt', 'c', 1),
      ev('retry-scheduled', 'c', 2, { error: err(2, { uncertain: true }), nextAttemptAt: at(9) }),
      ev('attempt', 'd', 1),
      ev('failed', 'd', 2, { error: { ...err(2), permanent: true } }),
      ev('discarded', 'e', 3),
    ].join('\n');
    const { items, skipped, replay } = replayOutbox(raw, INC);
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      items.map((i) => [i.id, i.state, i.attempts]),
      [
        ['a', 'sent', 1],
        ['b', 'sending', 1],
        ['c', 'pending', 1],
        ['d', 'failed', 1],
        ['e', 'discarded', 0],
      ],
    );
    assert.deepEqual(items[0].result, { ts: '1' });
    assert.equal(items[2].nextAttemptAt, at(9));
    assert.equal(replay.records.get('b')!.uncertain, true, 'in flight when the writer stopped: may have been delivered');
    assert.equal(replay.records.get('c')!.uncertain, true);
    assert.equal(replay.records.get('d')!.uncertain, false);
    assert.equal(replay.lanes.get('A')!.lastAttemptAt, Date.parse(at(1)));
  });

  it('requeued and edited bring a failed item back; edits and discards after sent are ignored; sent wins', () => {
    const raw = [
      enq('a'),
      ev('attempt', 'a', 1),
      ev('failed', 'a', 2, { error: { ...err(2), permanent: true } }),
      ev('edited', 'a', 3, { args: { text: 'fixed' }, summary: 'fixed' }),
      enq('b'),
      ev('attempt', 'b', 4),
      ev('failed', 'b', 5, { error: { ...err(5), permanent: true } }),
      ev('requeued', 'b', 6),
      enq('c'),
      ev('attempt', 'c', 7),
      ev('discarded', 'c', 8), // another window's discard while this one was sending it
      ev('sent', 'c', 9, { result: {} }),
      ev('edited', 'c', 10, { args: { text: 'late' } }),
      ev('discarded', 'c', 11),
      ev('requeued', 'c', 12),
    ].join('\n');
    const { items, skipped } = replayOutbox(raw, INC);
    assert.deepEqual(skipped, []);
    assert.deepEqual(items.map((i) => i.state), ['pending', 'pending', 'sent']);
    assert.deepEqual(items[0].args, { text: 'fixed' });
    assert.equal(items[0].summary, 'fixed');
    assert.deepEqual(items[2].args, { text: 'c' });
  });

  it('a rate limit holds the lane until its nextAttemptAt', () => {
    const raw = [enq('a'), ev('attempt', 'a', 1), ev('retry-scheduled', 'a', 2, { error: err(2, { retryAfterMs: 30_000 }), nextAttemptAt: at(32) })].join('\n');
    const { replay } = replayOutbox(raw, INC);
    assert.equal(replay.lanes.get('A')!.notBefore, Date.parse(at(32)));
    assert.equal(replay.records.get('a')!.uncertain, false, 'a 429 was not delivered');
  });

  it('skips and reports torn, junk, unknown, newer and misplaced lines', () => {
    const raw = [
      enq('a'),
      '{"v":1,"type":"att',
      '[1,2]',
      JSON.stringify({ v: 1, type: 'teleported', id: 'a', at: at(1) }),
      JSON.stringify({ v: 3, type: 'attempt', id: 'a', at: at(1) }),
      JSON.stringify({ type: 'attempt', id: 'a', at: at(1) }),
      ev('sent', 'zzz', 1, { result: {} }),
      ev('sent', 'a', 1),
      enq('a'),
      JSON.stringify({ v: 1, type: 'enqueued', at: at(0), item: { id: 'x', incidentId: 'INC-20261204-2', lane: 'A', op: 'o', args: {}, summary: '', createdAt: at(0) } }),
      enq('y', 'A', { args: 'not an object' }),
      '',
      '   ',
    ].join('\n');
    const { items, skipped } = replayOutbox(raw, INC);
    assert.deepEqual(items.map((i) => [i.id, i.state]), [['a', 'pending']]);
    assert.deepEqual(
      skipped.map((s) => [s.line, s.reason]),
      [
        [2, 'incomplete or invalid JSON (torn by a crash?)'],
        [3, 'not an outbox event'],
        [4, "unknown event type 'teleported'"],
        [5, 'written by a newer version (v3)'],
        [6, 'no version (v)'],
        [7, 'sent of an unknown item zzz'],
        [8, 'sent without a result'],
        [9, 'item a enqueued twice'],
        [10, 'item x says it belongs to INC-20261204-2'],
        [11, 'item args are not an object'],
      ],
    );
  });

  it('replays incrementally exactly as in one go', () => {
    const all = [enq('a'), ev('attempt', 'a', 1), 'junk', ev('sent', 'a', 2, { result: { ok: 1 } }), enq('b')];
    const whole = replayOutbox(all.join('\n'), INC);
    const r = new OutboxReplay(INC);
    const changed = all.map((line) => [...r.feed(line + '\n')]);
    assert.deepEqual(r.items(), whole.items);
    assert.deepEqual(r.skipped, whole.skipped);
    assert.deepEqual(changed, [['a'], ['a'], [], ['a'], ['b']]);
  });

  it('parseEventLine checks each event type', () => {
    assert.equal(parseEventLine(ev('retry-scheduled', 'a', 1, { error: err(1) })).ok, false);
    assert.equal(parseEventLine(ev('failed', 'a', 1, { error: { code: 'x' } })).ok, false);
    assert.equal(parseEventLine(ev('edited', 'a', 1, { args: [1] })).ok, false);
    assert.equal(parseEventLine(JSON.stringify({ v: 1, type: 'attempt', id: 'a', at: 'yesterday' })).ok, false);
    assert.equal(parseEventLine(ev('requeued', 'a', 1)).ok, true);
  });
});

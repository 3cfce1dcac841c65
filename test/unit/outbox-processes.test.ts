// Two real processes (two windows) on one folder, each enqueuing and running an outbox: the lease lets only one
// send at a time, the logs carry the other's items over, and every item reaches the destination exactly once.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { replayOutbox } from '../../src/core/outbox/log';
import { tempDir } from './helpers/tmp';

const run = promisify(execFile);
const INC = 'INC-20261204-1';
const outboxModule = path.join(__dirname, '../../src/core/outbox/outbox.js');

// The child: `node -e <script> <root> <name> <count> <total>`; exits once every item in the log is sent.
const child = `
const fs = require('node:fs');
const path = require('node:path');
const { Outbox } = require(${JSON.stringify(outboxModule)});
const [root, name, count, total] = process.argv.slice(1);
const deliveries = path.join(root, 'deliveries.txt');
const delivered = () => { try { return fs.readFileSync(deliveries, 'utf8').split('\\n').filter(Boolean); } catch { return []; } };
const deliver = (item) => { fs.appendFileSync(deliveries, item.lane + ' ' + item.id + ' ' + name + '\\n'); return { ts: item.id }; };
const sender = {
  async send(item) {
    const r = Math.random();
    if (r < 0.3) return { kind: 'retry', code: 'http_503', message: 'unavailable', delivered: 'no' };
    if (r < 0.4) { deliver(item); return { kind: 'retry', code: 'timeout', message: 'lost reply' }; }
    return { kind: 'sent', result: deliver(item) };
  },
  async findDelivered(item) {
    return delivered().some((l) => l.split(' ')[1] === item.id) ? { ts: item.id } : undefined;
  },
};
(async () => {
  const outbox = new Outbox({ root, sender, backoff: { baseMs: 5, maxMs: 40 }, lease: { heartbeatMs: 40, staleMs: 1000 } });
  await outbox.start();
  for (let i = 0; i < Number(count); i++) {
    await outbox.enqueue(${JSON.stringify(INC)}, { lane: 'L' + (i % 3), op: 'test.post', args: { i }, summary: name + ' ' + i });
  }
  const started = Date.now();
  for (;;) {
    await outbox.reload(${JSON.stringify(INC)});
    const items = outbox.items(${JSON.stringify(INC)});
    if (items.length === Number(total) && items.every((i) => i.state === 'sent')) break;
    if (Date.now() - started > 20000) { console.error('gave up: ' + JSON.stringify(items.map((i) => i.state))); process.exit(2); }
    await new Promise((r) => setTimeout(r, 20));
  }
  await outbox.stop();
  process.exit(0);
})().catch((err) => { console.error(err); process.exit(1); });
`;

it('two processes on one root: each item is delivered once, in order per lane', { timeout: 60_000 }, async () => {
  const root = tempDir('ic-outbox-procs-');
  const spawn = (name: string) => run(process.execPath, ['-e', child, root, name, '20', '40'], { timeout: 40_000 });
  await Promise.all([spawn('one'), spawn('two')]);
  const lines = readFileSync(path.join(root, 'deliveries.txt'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
  const ids = lines.map((l) => l[1]);
  assert.equal(ids.length, 40, 'forty deliveries');
  assert.equal(new Set(ids).size, 40, 'none twice');
  const { items, skipped } = replayOutbox(readFileSync(path.join(root, INC, 'outbox.jsonl'), 'utf8'), INC);
  assert.deepEqual(skipped, []);
  assert.equal(items.length, 40);
  assert.ok(items.every((i) => i.state === 'sent'));
  for (const lane of ['L0', 'L1', 'L2']) {
    assert.deepEqual(
      lines.filter((l) => l[0] === lane).map((l) => l[1]),
      items.filter((i) => i.lane === lane).map((i) => i.id),
      `order in ${lane}`,
    );
  }
  // Both windows' items went out; who sent them depends on who held the lease.
  assert.deepEqual(new Set(items.map((i) => i.summary.split(' ')[0])), new Set(['one', 'two']));
});

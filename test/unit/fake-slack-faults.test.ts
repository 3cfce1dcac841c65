// The fake Slack's faults and limits (seeded, repeatable), its observation and control over HTTP, the
// process entry point, and where its method table comes from.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { checkFaults, prng, startFakeSlack, type FakeSlack } from '../fakes/slack/server';
import { loadMethodTable, specCandidates, SUPPLEMENT, validateArgs } from '../fakes/slack/spec';
import { postForm, rejection, webClient } from '../fakes/slack/testing';
import { webApiMissing } from '../fakes/slack/webClient';

const skip = webApiMissing();
const repoRoot = path.join(__dirname, '../../..'); // from out/test/unit/

async function post(fake: FakeSlack, text: string, channel = 'C0ANNOUNCE') {
  try {
    const r = await postForm(fake, 'chat.postMessage', { channel, text });
    return r.status === 200 ? String(r.body.error ?? 'ok') : `http_${r.status}`;
  } catch {
    return 'reset';
  }
}

describe('fake Slack: faults', () => {
  it('adds latencyMs to every call', async () => {
    const fake = await startFakeSlack({ latencyMs: 60 });
    try {
      const started = Date.now();
      assert.equal((await postForm(fake, 'auth.test', {})).body.ok, true);
      assert.ok(Date.now() - started >= 55, `took ${Date.now() - started} ms`);
      fake.setFaults({ latencyMs: 0 });
      await postForm(fake, 'auth.test', {});
      const [slow, fast] = fake.calls.map((c) => c.durationMs!);
      assert.ok(slow >= 55 && fast < 55, `server-side durations ${slow} and ${fast} ms`);
    } finally {
      await fake.close();
    }
  });

  it('answers HTTP 500 before the method runs: nothing changes', { skip }, async () => {
    const fake = await startFakeSlack({ error500Rate: 1 });
    try {
      const err = await rejection(webClient(fake).apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'lost?' }));
      assert.equal(err.code, 'slack_webapi_http_error');
      assert.equal(err.statusCode, 500);
      const raw = await postForm(fake, 'conversations.create', { name: 'never' });
      assert.equal(raw.status, 500);
      assert.equal(fake.messages('C0ANNOUNCE').length, 0);
      assert.equal(fake.channel('never'), undefined);
      assert.deepEqual(fake.calls.map((c) => [c.method, c.status, c.outcome, c.fault, c.applied]), [
        ['chat.postMessage', 500, 'http_500', 'error500', false],
        ['conversations.create', 500, 'http_500', 'error500', false],
      ]);
      assert.equal(fake.calls[0].args.text, 'lost?', 'the call record keeps the arguments');
    } finally {
      await fake.close();
    }
  });

  it('resets the socket without an answer before the method runs: nothing changes', { skip }, async () => {
    const fake = await startFakeSlack({ resetRate: 1 });
    try {
      await assert.rejects(postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x' }));
      const err = await rejection(webClient(fake).apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'y' }));
      assert.equal(err.code, 'slack_webapi_request_error');
      assert.equal(fake.messages('C0ANNOUNCE').length, 0);
      assert.deepEqual(fake.calls.map((c) => [c.status, c.outcome, c.applied]), [[null, 'reset', false], [null, 'reset', false]]);
    } finally {
      await fake.close();
    }
  });

  it('answers 429 ratelimited with Retry-After, and WebClient reports it: nothing changes', { skip }, async () => {
    const fake = await startFakeSlack({ rateLimitRate: 1, retryAfterSeconds: 7 });
    try {
      const raw = await postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x' });
      assert.equal(raw.status, 429);
      assert.equal(raw.headers.get('retry-after'), '7');
      assert.deepEqual(raw.body, { ok: false, error: 'ratelimited' });
      const err = await rejection(webClient(fake).apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'y' }));
      assert.equal(err.code, 'slack_webapi_rate_limited_error');
      assert.equal(err.retryAfter, 7);
      assert.equal(fake.messages('C0ANNOUNCE').length, 0);
    } finally {
      await fake.close();
    }
  });

  it('failAfterApplyRate applies the change, then loses the answer (500 or reset)', { skip }, async () => {
    const fake = await startFakeSlack({ failAfterApplyRate: 1, failAfterApplyAs: 'error500' });
    try {
      const err = await rejection(webClient(fake).apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'applied' }));
      assert.equal(err.statusCode, 500);
      assert.deepEqual(fake.messages('C0ANNOUNCE').map((m) => m.text), ['applied']);
      assert.deepEqual([fake.calls[0].applied, fake.calls[0].fault], [true, 'fail_after_apply_500']);
      fake.setFaults({ failAfterApplyAs: 'reset' });
      await assert.rejects(postForm(fake, 'conversations.create', { name: 'made-anyway' }));
      assert.equal(fake.channel('made-anyway')?.name, 'made-anyway');
      assert.deepEqual([fake.calls[1].applied, fake.calls[1].fault, fake.calls[1].status], [true, 'fail_after_apply_reset', null]);
      // A retry now meets the applied state.
      fake.setFaults({ failAfterApplyRate: 0 });
      assert.equal((await postForm(fake, 'conversations.create', { name: 'made-anyway' })).body.error, 'name_taken');
    } finally {
      await fake.close();
    }
  });

  it('stallOnce holds one answer, after the given number of calls', async () => {
    const fake = await startFakeSlack({ stallOnce: { afterCalls: 1, ms: 200 } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await postForm(fake, 'auth.test', {})).body.ok, true);
      const times = fake.calls.map((c) => c.durationMs!);
      assert.ok(times[0] < 150 && times[2] < 150, `${times}`);
      assert.ok(times[1] >= 195, `the second call should stall: ${times}`);
      assert.deepEqual(fake.calls.map((c) => c.fault), [undefined, 'stall', undefined]);
      assert.equal(fake.faults().stallOnce, null, 'it fires once');
    } finally {
      await fake.close();
    }
  });

  it('a stalled write is applied at once; only its answer is late (a client timeout meets a done change)', { skip }, async () => {
    const fake = await startFakeSlack();
    try {
      fake.setFaults({ stallOnce: { afterCalls: 0, ms: 300 } });
      const err = await rejection(webClient(fake, 'xoxb-test', { timeout: 80 }).apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'slow' }));
      assert.equal(err.code, 'slack_webapi_request_error');
      assert.deepEqual(fake.messages('C0ANNOUNCE').map((m) => m.text), ['slow']);
    } finally {
      await fake.close();
    }
  });

  it('faultMethods limits faults to the named methods', async () => {
    const fake = await startFakeSlack({ error500Rate: 1, faultMethods: ['chat.postMessage'] });
    try {
      assert.equal((await postForm(fake, 'auth.test', {})).status, 200);
      assert.equal((await postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x' })).status, 500);
    } finally {
      await fake.close();
    }
  });

  it('draws faults from a seeded PRNG: the same seed gives the same sequence', async () => {
    const run = async (seed: number) => {
      const fake = await startFakeSlack({ seed, error500Rate: 0.3, rateLimitRate: 0.2, resetRate: 0.1, postPerChannelPerSecond: 0 });
      try {
        const outcomes: string[] = [];
        for (let i = 0; i < 24; i++) outcomes.push(await post(fake, `m${i}`));
        return { outcomes, stored: fake.messages('C0ANNOUNCE').map((m) => m.text) };
      } finally {
        await fake.close();
      }
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.outcomes, c.outcomes);
    for (const kind of ['ok', 'http_500', 'http_429', 'reset']) assert.ok(a.outcomes.includes(kind), `${kind} in ${a.outcomes}`);
    // Exactly the calls answered ok were applied.
    assert.deepEqual(a.stored, a.outcomes.flatMap((o, i) => (o === 'ok' ? [`m${i}`] : [])));
    // Re-seeding at run time restarts the sequence.
    assert.deepEqual(Array.from({ length: 3 }, prng(42)), Array.from({ length: 3 }, prng(42)));
  });
});

describe('fake Slack: the per-channel post limit', () => {
  it('answers 429 with Retry-After past its burst, per channel, without storing', { skip }, async () => {
    let clock = 1_000_000;
    const fake = await startFakeSlack({ postBurst: 3, now: () => clock });
    try {
      const client = webClient(fake);
      for (let i = 0; i < 3; i++) await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: `b${i}` });
      const raw = await postForm(fake, 'chat.postMessage', { channel: '#incidents', text: 'too fast' });
      assert.equal(raw.status, 429);
      assert.equal(raw.headers.get('retry-after'), '1');
      assert.equal(raw.body.error, 'ratelimited');
      const err = await rejection(client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'still too fast' }));
      assert.equal(err.code, 'slack_webapi_rate_limited_error');
      assert.equal(err.retryAfter, 1);
      assert.equal(fake.calls.at(-1)?.fault, 'per_channel_limit');
      assert.equal(fake.messages('C0ANNOUNCE').length, 3);
      // Another channel has its own allowance.
      const other = await client.apiCall('conversations.create', { name: 'other' });
      assert.equal((await client.apiCall('chat.postMessage', { channel: (other.channel as { id: string }).id, text: 'fine' })).ok, true);
      // One second later there is room for one more.
      clock += 1000;
      assert.equal((await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'later' })).ok, true);
      assert.equal((await postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'again too fast' })).status, 429);
      assert.deepEqual(fake.messages('C0ANNOUNCE').map((m) => m.text), ['b0', 'b1', 'b2', 'later']);
    } finally {
      await fake.close();
    }
  });

  it('follows postPerChannelPerSecond, and 0 turns it off', async () => {
    let clock = 0;
    const fake = await startFakeSlack({ postPerChannelPerSecond: 4, postBurst: 1, now: () => clock });
    try {
      assert.equal(await post(fake, 'a'), 'ok');
      assert.equal(await post(fake, 'b'), 'http_429');
      clock += 250;
      assert.equal(await post(fake, 'c'), 'ok');
      fake.setFaults({ postPerChannelPerSecond: 0 });
      for (let i = 0; i < 10; i++) assert.equal(await post(fake, `n${i}`), 'ok');
    } finally {
      await fake.close();
    }
  });

  it('is on by default: 1 a second with a burst of 3', async () => {
    const fake = await startFakeSlack();
    try {
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push(await post(fake, `m${i}`));
      assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'http_429', 'http_429']);
    } finally {
      await fake.close();
    }
  });
});

describe('fake Slack: observation and control over HTTP', () => {
  let fake: FakeSlack;
  const base = () => fake.url.replace(/\/api\/$/, '');
  before(async () => {
    fake = await startFakeSlack({ seed: 5 });
  });
  after(() => fake.close());

  it('GET /_fake/state returns channels, messages, pins, bookmarks, calls and faults', async () => {
    const posted = await postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'seen', metadata: { event_type: 'e', event_payload: { k: 'v' } } });
    await postForm(fake, 'pins.add', { channel: 'C0ANNOUNCE', timestamp: String(posted.body.ts) });
    await postForm(fake, 'bookmarks.add', { channel_id: 'C0ANNOUNCE', title: 'T', type: 'link', link: 'https://example.com' });
    const state = (await (await fetch(`${base()}/_fake/state`)).json()) as Record<string, Record<string, unknown[]> & unknown[]>;
    assert.deepEqual((state.messages.C0ANNOUNCE as { text: string; metadata: unknown }[]).map((m) => [m.text, m.metadata]), [['seen', { event_type: 'e', event_payload: { k: 'v' } }]]);
    assert.equal((state.pins.C0ANNOUNCE as { ts: string }[])[0].ts, posted.body.ts);
    assert.equal((state.bookmarks.C0ANNOUNCE as { title: string }[])[0].title, 'T');
    assert.ok((state.channels as { name: string }[]).some((c) => c.name === 'general'));
    assert.deepEqual((state.calls as { method: string }[]).map((c) => c.method), ['chat.postMessage', 'pins.add', 'bookmarks.add']);
    assert.equal((state.faults as unknown as { seed: number }).seed, 5);
  });

  it('POST /_fake/faults changes faults at run time and refuses unknown options', async () => {
    const set = await fetch(`${base()}/_fake/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error500Rate: 1 }) });
    assert.equal(set.status, 200);
    assert.equal(((await set.json()) as { faults: { error500Rate: number } }).faults.error500Rate, 1);
    assert.equal((await postForm(fake, 'auth.test', {})).status, 500);
    const typo = await fetch(`${base()}/_fake/faults`, { method: 'POST', body: JSON.stringify({ error500rate: 0 }) });
    assert.equal(typo.status, 400);
    assert.match(((await typo.json()) as { message: string }).message, /unknown fault option: error500rate/);
    const range = await fetch(`${base()}/_fake/faults`, { method: 'POST', body: JSON.stringify({ resetRate: 2 }) });
    assert.equal(range.status, 400);
    await fetch(`${base()}/_fake/faults`, { method: 'POST', body: JSON.stringify({ error500Rate: 0 }) });
    assert.equal((await postForm(fake, 'auth.test', {})).status, 200);
  });

  it('POST /_fake/message adds a human message; POST /_fake/reset restores the seeded workspace', async () => {
    const added = await fetch(`${base()}/_fake/message`, { method: 'POST', body: JSON.stringify({ channel: '#incidents', text: 'human', user: 'U0BOB' }) });
    assert.equal(((await added.json()) as { message: { user: string } }).message.user, 'U0BOB');
    await postForm(fake, 'conversations.create', { name: 'temp' });
    assert.ok(fake.messages('C0ANNOUNCE').some((m) => m.text === 'human'));
    const reset = await fetch(`${base()}/_fake/reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    assert.equal(fake.messages('C0ANNOUNCE').length, 0);
    assert.equal(fake.channel('temp'), undefined);
    assert.equal(fake.calls.length, 0);
    assert.equal(fake.faults().error500Rate, 0);
  });

  it('names the channels it has when asked about one it has not', () => {
    assert.throws(() => fake.messages('#nope'), /no channel #nope \(channels: C0ANNOUNCE #incidents/);
  });

  it('checks fault options in code too', () => {
    assert.throws(() => fake.setFaults({ stallOnce: { afterCalls: -1, ms: 5 } }), /stallOnce/);
    assert.throws(() => checkFaults({ failAfterApplyAs: 'sometimes' }), /failAfterApplyAs/);
    assert.throws(() => fake.setFaults({ latencyMS: 5 } as never), /unknown fault option: latencyMS/);
  });
});

describe('fake Slack: as a process', () => {
  it('prints FAKE_SLACK_URL and serves until killed', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'out/test/fakes/slack/main.js'), '--port', '0', '--seed', '9'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! });
        rl.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
        setTimeout(() => reject(new Error('no line within 5 s')), 5000).unref();
      });
      const m = /^FAKE_SLACK_URL=(http:\/\/127\.0\.0\.1:\d+\/api\/)$/.exec(line);
      assert.ok(m, line);
      const res = await fetch(`${m[1]}auth.test`, { method: 'POST', headers: { Authorization: 'Bearer xoxb-x' } });
      assert.equal(((await res.json()) as { user_id: string }).user_id, 'U0BOT');
      const state = (await (await fetch(m[1].replace(/api\/$/, '_fake/state'))).json()) as { faults: { seed: number } };
      assert.equal(state.faults.seed, 9);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses unknown options', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'out/test/fakes/slack/main.js'), '--prot', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /unknown option --prot/);
  });
});

describe('fake Slack: the method table', () => {
  it('loads the shared description when present, else the copy beside the fake (identical)', () => {
    const [shared, copy] = specCandidates();
    assert.equal(shared, path.join(repoRoot, '../shared/specs/slack-web-api.openapi-v2.json'));
    assert.equal(copy, path.join(repoRoot, 'test/fakes/slack/slack-web-api.openapi-v2.json'));
    const fromCopy = loadMethodTable(copy);
    assert.equal(fromCopy.methods.size, 174 + 4, '174 described methods + bookmarks.add/edit/list/remove');
    assert.equal(readFileSync(path.join(repoRoot, 'test/fakes/slack/slack-web-api.LICENSE'), 'utf8').startsWith('MIT License'), true);
    try {
      assert.equal(readFileSync(shared, 'utf8'), readFileSync(copy, 'utf8'), 'the copy matches the shared file');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  });

  it('takes arguments and types from the description, with the supplement merged', () => {
    const { methods } = loadMethodTable();
    const post = methods.get('chat.postMessage')!;
    assert.deepEqual([post.args.get('channel')?.required, post.args.get('blocks')?.type, post.args.get('unfurl_links')?.type], [true, 'json-array', 'boolean']);
    assert.deepEqual(post.args.get('metadata'), { name: 'metadata', type: 'json-object', required: false, source: 'supplement' });
    assert.equal(methods.get('conversations.history')!.args.get('include_all_metadata')?.type, 'boolean');
    assert.equal(methods.get('conversations.history')!.args.get('limit')?.type, 'integer');
    assert.equal(methods.get('conversations.history')!.acceptsJson, false);
    assert.deepEqual(
      [...methods.get('bookmarks.add')!.args.values()].filter((a) => a.required).map((a) => a.name),
      ['channel_id', 'title', 'type'],
    );
    for (const name of Object.keys(SUPPLEMENT)) assert.ok(methods.has(name), name);
    assert.equal(methods.has('token'), false);
    const checked = validateArgs(methods.get('conversations.history')!, { channel: 'C1', limit: '5', inclusive: '1', latest: '1733300000.000100' }, true);
    assert.deepEqual(checked, { ok: true, args: { channel: 'C1', limit: 5, inclusive: true, latest: '1733300000.000100' }, ignored: [] });
  });
});

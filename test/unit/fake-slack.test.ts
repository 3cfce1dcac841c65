// The fake Slack refuses what Slack refuses: methods and arguments from Slack's OpenAPI description (plus
// the documented supplement), auth, and each method's own rules and state. Driven by the real WebClient
// (@slack/web-api) and by raw fetch.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/server';
import { postForm, postJson, rejection, webClient } from '../fakes/slack/testing';
import { webApiMissing, type WebClientLike } from '../fakes/slack/webClient';

const skip = webApiMissing();

/** One fake for the describe block it is called in, its workspace reset before each test; hands over the fake and a WebClient on it. */
function withFake(options: Parameters<typeof startFakeSlack>[0], use: (fake: FakeSlack, client: WebClientLike) => void): void {
  let fake: FakeSlack | undefined;
  before(async () => {
    fake = await startFakeSlack(options);
    use(fake, (skip ? undefined : webClient(fake)) as WebClientLike);
  });
  after(() => fake?.close());
  beforeEach(() => fake?.reset());
}

describe('fake Slack: the API surface', () => {
  let fake: FakeSlack;
  let client: WebClientLike;
  withFake({}, (f, c) => {
    fake = f;
    client = c;
  });

  it('listens on 127.0.0.1 with a base URL ending in /api/', () => {
    assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    assert.ok(fake.port > 0);
  });

  it('answers auth.test with the bot identity', { skip }, async () => {
    const r = await client.apiCall('auth.test');
    assert.equal(r.ok, true);
    assert.equal(r.url, 'https://fake-workspace.slack.com/');
    assert.equal(r.team, 'Fake Workspace');
    assert.equal(r.user, 'incident-bot');
    assert.equal(r.team_id, 'T0FAKE');
    assert.equal(r.user_id, 'U0BOT');
    assert.equal(r.bot_id, 'B0BOT');
  });

  it('answers an unknown method with HTTP 404 unknown_method', { skip }, async () => {
    const raw = await postForm(fake, 'chat.postMesage', { channel: 'C0ANNOUNCE', text: 'x' });
    assert.equal(raw.status, 404);
    assert.deepEqual(raw.body, { ok: false, error: 'unknown_method', req_method: 'chat.postMesage' });
    const err = await rejection(client.apiCall('conversations.creat', { name: 'x' }));
    assert.equal(err.code, 'slack_webapi_http_error');
    assert.equal(err.statusCode, 404);
    assert.equal(fake.channels().some((c) => c.name === 'x'), false);
  });

  it('refuses a missing required argument with invalid_arguments and Slack\'s message (HTTP 200)', { skip }, async () => {
    const raw = await postForm(fake, 'chat.postMessage', { text: 'no channel' });
    assert.equal(raw.status, 200);
    assert.deepEqual(raw.body, { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: channel'] } });
    const err = await rejection(client.apiCall('users.lookupByEmail', {}));
    assert.equal(err.code, 'slack_webapi_platform_error');
    assert.equal(err.data?.error, 'invalid_arguments');
    assert.deepEqual((err.data?.response_metadata as { messages: string[] }).messages, ['[ERROR] missing required field: email']);
    // Required per Slack's method docs although the 2021 description leaves it optional.
    const history = await postForm(fake, 'conversations.history', {});
    assert.deepEqual(history.body.response_metadata, { messages: ['[ERROR] missing required field: channel'] });
    // An empty value is no value.
    const empty = await postForm(fake, 'chat.update', { channel: 'C0ANNOUNCE', ts: '', text: 'x' });
    assert.deepEqual(empty.body.response_metadata, { messages: ['[ERROR] missing required field: ts'] });
  });

  it('refuses wrong types: booleans, integers, numbers and JSON-encoded arguments', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['conversations.create', { name: 'typed', is_private: 'yes' }, 'is_private'],
      ['conversations.history', { channel: 'C0ANNOUNCE', limit: 'ten' }, 'limit'],
      ['conversations.history', { channel: 'C0ANNOUNCE', limit: '1.5' }, 'limit'],
      ['conversations.history', { channel: 'C0ANNOUNCE', oldest: 'yesterday' }, 'oldest'],
      ['chat.postMessage', { channel: 'C0ANNOUNCE', blocks: '[{"type":"section"' }, 'blocks'],
      ['chat.postMessage', { channel: 'C0ANNOUNCE', blocks: '{"type":"section"}' }, 'blocks'],
      ['chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', attachments: '{"text":"a"}' }, 'attachments'],
      ['chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', metadata: '[1,2]' }, 'metadata'],
      ['chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', metadata: 'event_type=x' }, 'metadata'],
      ['chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', unfurl_links: 'no' }, 'unfurl_links'],
    ];
    for (const [method, args, field] of cases) {
      const r = await postForm(fake, method, args);
      assert.equal(r.status, 200, method);
      assert.equal(r.body.error, 'invalid_arguments', `${method} ${JSON.stringify(args)}`);
      const messages = (r.body.response_metadata as { messages: string[] }).messages;
      assert.equal(messages.length, 1);
      assert.match(messages[0], new RegExp(`^\\[ERROR\\] .* for field: ${field}$`));
    }
    assert.equal(fake.messages('C0ANNOUNCE').length, 0);
    assert.equal(fake.channel('typed'), undefined);
    // The right types pass: 1/0/true/false for booleans, JSON strings for JSON arguments.
    assert.equal((await postForm(fake, 'conversations.create', { name: 'typed', is_private: '1' })).body.ok, true);
    assert.equal(fake.channel('typed')?.is_private, true);
    const ok = await postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', blocks: '[{"type":"divider"}]', unfurl_links: '0' });
    assert.equal(ok.body.ok, true);
  });

  it('refuses an argument the method does not declare, but takes the supplement\'s newer ones', { skip }, async () => {
    const typo = await rejection(client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', thread_tss: '1.2' }));
    assert.equal(typo.data?.error, 'invalid_arguments');
    assert.deepEqual((typo.data?.response_metadata as { messages: string[] }).messages, [
      '[ERROR] unknown argument: thread_tss (chat.postMessage does not take it)',
    ]);
    assert.equal(fake.messages('C0ANNOUNCE').length, 0);
    // metadata (chat.postMessage, chat.update), include_all_metadata (history, replies), bookmarks.*: the supplement.
    const posted = await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', metadata: { event_type: 'e', event_payload: {} } });
    await client.apiCall('chat.update', { channel: 'C0ANNOUNCE', ts: posted.ts, text: 'y', metadata: { event_type: 'e', event_payload: { n: 1 } } });
    await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', include_all_metadata: true });
    await client.apiCall('conversations.replies', { channel: 'C0ANNOUNCE', ts: posted.ts, include_all_metadata: false });
    assert.equal((await client.apiCall('bookmarks.list', { channel_id: 'C0ANNOUNCE' })).ok, true);
    // team_id is what WebClient adds for a teamId; it is accepted everywhere.
    assert.equal((await postForm(fake, 'auth.test', { team_id: 'T0FAKE' })).body.ok, true);
  });

  it('drops undeclared arguments with a warning when strictArgs is off', async () => {
    const lax = await startFakeSlack({ strictArgs: false });
    try {
      const r = await postForm(lax, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', colour: 'red' });
      assert.equal(r.body.ok, true);
      assert.deepEqual((r.body.response_metadata as { warnings: string[] }).warnings, ['unknown_argument:colour']);
      assert.deepEqual(lax.calls[0].ignoredArgs, ['colour']);
      assert.equal('colour' in lax.messages('C0ANNOUNCE')[0], false);
    } finally {
      await lax.close();
    }
  });

  it('takes JSON bodies with a Bearer token on write methods only', async () => {
    const r = await postJson(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'json', blocks: [{ type: 'divider' }], metadata: { event_type: 'e', event_payload: { a: 1 } } });
    assert.equal(r.body.ok, true);
    assert.deepEqual(fake.messages('C0ANNOUNCE')[0].blocks, [{ type: 'divider' }]);
    // JSON arguments are typed too.
    const bad = await postJson(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', blocks: { type: 'divider' } });
    assert.equal(bad.body.error, 'invalid_arguments');
    const badText = await postJson(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: { nested: true } });
    assert.equal(badText.body.error, 'invalid_arguments');
    // A token in a JSON body is not read (Slack: JSON needs the Authorization header).
    const bodyToken = await postJson(fake, 'chat.postMessage', { token: 'xoxb-test', channel: 'C0ANNOUNCE', text: 'x' }, { token: null });
    assert.equal(bodyToken.body.error, 'not_authed');
    // Read methods take form bodies only.
    const read = await postJson(fake, 'conversations.history', { channel: 'C0ANNOUNCE' });
    assert.equal(read.body.error, 'invalid_arguments');
    assert.match(String((read.body.response_metadata as { messages: string[] }).messages[0]), /does not accept application\/json/);
    assert.equal((await postJson(fake, 'chat.postMessage', '{"channel":')).body.error, 'invalid_json');
    const plain = await fetch(fake.url + 'auth.test', { method: 'POST', headers: { Authorization: 'Bearer xoxb-test', 'Content-Type': 'text/xml' }, body: '<x/>' });
    assert.equal(((await plain.json()) as { error: string }).error, 'invalid_post_type');
    assert.equal(fake.messages('C0ANNOUNCE').length, 1);
  });

  it('accepts GET with query arguments, as Slack does', async () => {
    const res = await fetch(`${fake.url}conversations.info?channel=C0ANNOUNCE`, { headers: { Authorization: 'Bearer xoxb-test' } });
    const body = (await res.json()) as { ok: boolean; channel: { name: string } };
    assert.equal(body.ok, true);
    assert.equal(body.channel.name, 'incidents');
  });
});

describe('fake Slack: auth', () => {
  let fake: FakeSlack;
  before(async () => {
    fake = await startFakeSlack();
  });
  after(() => fake.close());

  it('answers not_authed without a token and invalid_auth for a refused one (HTTP 200)', { skip }, async () => {
    const none = await postForm(fake, 'auth.test', {}, { token: null });
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, { ok: false, error: 'not_authed' });
    for (const token of ['xoxb-invalid', 'xoxp-user-token', 'garbage']) {
      const r = await postForm(fake, 'auth.test', {}, { token });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { ok: false, error: 'invalid_auth' }, token);
    }
    const err = await rejection(webClient(fake, 'xoxb-invalid').apiCall('auth.test'));
    assert.equal(err.data?.error, 'invalid_auth');
    assert.equal((await webClient(fake, 'xoxb-anything').apiCall('auth.test')).ok, true);
  });

  it('takes the token as a form field too', async () => {
    const r = await postForm(fake, 'auth.test', { token: 'xoxb-in-form' }, { token: null });
    assert.equal(r.body.ok, true);
    assert.equal('token' in fake.calls.at(-1)!.args, false, 'the call record keeps no token');
  });

  it('checks auth before arguments, so a bad token never learns about the arguments', async () => {
    const r = await postForm(fake, 'chat.postMessage', {}, { token: 'xoxb-invalid' });
    assert.equal(r.body.error, 'invalid_auth');
  });

  it('accepts only the configured tokens when given a list', async () => {
    const strict = await startFakeSlack({ tokens: ['xoxb-only-this'] });
    try {
      assert.equal((await postForm(strict, 'auth.test', {}, { token: 'xoxb-only-this' })).body.ok, true);
      assert.equal((await postForm(strict, 'auth.test', {}, { token: 'xoxb-other' })).body.error, 'invalid_auth');
    } finally {
      await strict.close();
    }
  });
});

describe('fake Slack: channels, topics, invitations, users', () => {
  let fake: FakeSlack;
  let client: WebClientLike;
  withFake({}, (f, c) => {
    fake = f;
    client = c;
  });

  it('creates a channel with a C… id the bot is a member of', { skip }, async () => {
    const r = await client.apiCall('conversations.create', { name: 'inc-20261204-1', is_private: false });
    const channel = r.channel as Record<string, unknown>;
    assert.match(String(channel.id), /^C[A-Z0-9]{8,}$/);
    assert.equal(channel.name, 'inc-20261204-1');
    assert.equal(channel.is_archived, false);
    assert.equal(channel.is_private, false);
    assert.equal(typeof channel.created, 'number');
    assert.equal(fake.channel('inc-20261204-1')?.members.includes('U0BOT'), true);
    const priv = await client.apiCall('conversations.create', { name: 'secret_room', is_private: true });
    assert.equal((priv.channel as { is_private: boolean }).is_private, true);
  });

  it('enforces Slack\'s channel name rules', async () => {
    const expect = async (name: string | undefined, error: string) => {
      const r = await postForm(fake, 'conversations.create', name === undefined ? {} : { name });
      assert.equal(r.body.error, error, `name ${JSON.stringify(name)}`);
    };
    await expect(undefined, 'invalid_name_required');
    await expect('Incident-1', 'invalid_name_specials');
    await expect('inc 1', 'invalid_name_specials');
    await expect('inc.1', 'invalid_name_specials');
    await expect('#inc', 'invalid_name_specials');
    await expect('---', 'invalid_name_punctuation');
    await expect('a'.repeat(81), 'invalid_name_maxlength');
    assert.equal((await postForm(fake, 'conversations.create', { name: 'a'.repeat(80) })).body.ok, true);
    assert.equal((await postForm(fake, 'conversations.create', { name: 'ok_name-2' })).body.ok, true);
  });

  it('answers name_taken for an existing name, archived channels included', { skip }, async () => {
    await client.apiCall('conversations.create', { name: 'dup' });
    const before = fake.channels().length;
    const err = await rejection(client.apiCall('conversations.create', { name: 'dup' }));
    assert.equal(err.data?.error, 'name_taken');
    const archived = await rejection(client.apiCall('conversations.create', { name: 'old-incidents' }));
    assert.equal(archived.data?.error, 'name_taken');
    assert.equal(fake.channels().length, before);
  });

  it('sets a topic of at most 250 characters', { skip }, async () => {
    const r = await client.apiCall('conversations.setTopic', { channel: 'C0ANNOUNCE', topic: 't'.repeat(250) });
    assert.equal((r.channel as { topic: { value: string } }).topic.value, 't'.repeat(250));
    const err = await rejection(client.apiCall('conversations.setTopic', { channel: 'C0ANNOUNCE', topic: 'u'.repeat(251) }));
    assert.equal(err.data?.error, 'too_long');
    assert.equal(fake.channel('C0ANNOUNCE')?.topic.value, 't'.repeat(250));
    assert.equal((await rejection(client.apiCall('conversations.setTopic', { channel: 'C0NOTIN', topic: 'x' }))).data?.error, 'not_in_channel');
    assert.equal((await rejection(client.apiCall('conversations.setTopic', { channel: 'C0NOPE', topic: 'x' }))).data?.error, 'channel_not_found');
  });

  it('invites users by comma-separated ids, refusing unknown, self and existing members', { skip }, async () => {
    const expectError = async (users: string, error: string) => {
      const err = await rejection(client.apiCall('conversations.invite', { channel: 'C0ANNOUNCE', users }));
      assert.equal(err.data?.error, error, users);
    };
    await expectError('U0NOBODY', 'user_not_found');
    await expectError('U0BOB,U0NOBODY', 'user_not_found');
    await expectError('U0BOT', 'cant_invite_self');
    await expectError('U0ALICE', 'already_in_channel');
    assert.deepEqual(fake.channel('C0ANNOUNCE')?.members, ['U0BOT', 'U0ALICE'], 'refused invitations change nothing');
    const ok = await client.apiCall('conversations.invite', { channel: 'C0ANNOUNCE', users: 'U0BOB, U0CAROL' });
    assert.equal(ok.ok, true);
    assert.deepEqual(fake.channel('C0ANNOUNCE')?.members, ['U0BOT', 'U0ALICE', 'U0BOB', 'U0CAROL']);
    assert.equal((await rejection(client.apiCall('conversations.invite', { channel: 'C0NOTIN', users: 'U0BOB' }))).data?.error, 'not_in_channel');
  });

  it('looks users up by email', { skip }, async () => {
    const r = await client.apiCall('users.lookupByEmail', { email: 'alice@example.com' });
    assert.equal((r.user as { id: string }).id, 'U0ALICE');
    assert.equal(((await client.apiCall('users.lookupByEmail', { email: 'Bob@Example.com' })).user as { id: string }).id, 'U0BOB');
    assert.equal((await rejection(client.apiCall('users.lookupByEmail', { email: 'mallory@example.com' }))).data?.error, 'users_not_found');
  });

  it('describes a channel with conversations.info', { skip }, async () => {
    const r = await client.apiCall('conversations.info', { channel: 'C0NOTIN', include_num_members: true });
    const channel = r.channel as Record<string, unknown>;
    assert.equal(channel.name, 'general');
    assert.equal(channel.is_member, false);
    assert.equal(channel.is_general, true);
    assert.equal(channel.num_members, 3);
    assert.equal((await rejection(client.apiCall('conversations.info', { channel: 'C0NOPE' }))).data?.error, 'channel_not_found');
  });

  it('archives a channel once, never #general, and then refuses posts to it', { skip }, async () => {
    const created = await client.apiCall('conversations.create', { name: 'to-archive' });
    const id = (created.channel as { id: string }).id;
    assert.equal((await client.apiCall('conversations.archive', { channel: id })).ok, true);
    assert.equal(fake.channel(id)?.is_archived, true);
    assert.equal((await rejection(client.apiCall('conversations.archive', { channel: id }))).data?.error, 'already_archived');
    assert.equal((await rejection(client.apiCall('conversations.archive', { channel: 'C0NOTIN' }))).data?.error, 'cant_archive_general');
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: id, text: 'late' }))).data?.error, 'is_archived');
    assert.equal(fake.messages(id).length, 0);
  });
});

describe('fake Slack: messages', () => {
  let fake: FakeSlack;
  let client: WebClientLike;
  withFake({ postPerChannelPerSecond: 0 }, (f, c) => {
    fake = f;
    client = c;
  });

  it('posts by channel id, #name or name, and stores the message', { skip }, async () => {
    const a = await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'by id' });
    const b = await client.apiCall('chat.postMessage', { channel: '#incidents', text: 'by #name' });
    const c = await client.apiCall('chat.postMessage', { channel: 'incidents', text: 'by name' });
    for (const r of [a, b, c]) assert.equal(r.channel, 'C0ANNOUNCE');
    assert.ok(Math.abs(Number(a.ts) - Date.now() / 1000) < 60, `ts ${a.ts} is wall-clock time, as Slack's`);
    assert.ok(b.ts! > a.ts! && c.ts! > b.ts!, 'timestamps increase');
    assert.match(String(c.ts), /^\d{10}\.\d{6}$/);
    const stored = fake.messages('#incidents');
    assert.deepEqual(stored.map((m) => m.text), ['by id', 'by #name', 'by name']);
    assert.deepEqual(
      { user: stored[0].user, bot_id: stored[0].bot_id, ts: stored[0].ts },
      { user: 'U0BOT', bot_id: 'B0BOT', ts: a.ts },
    );
    assert.equal((a.message as { text: string }).text, 'by id');
  });

  it('hands out fixed, repeatable timestamps with tsBase', async () => {
    const fixed = await startFakeSlack({ tsBase: 1_733_300_000 });
    try {
      const a = await postForm(fixed, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'a' });
      const b = await postForm(fixed, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'b' });
      assert.deepEqual([a.body.ts, b.body.ts], ['1733300000.000100', '1733300000.000200']);
      const created = await postForm(fixed, 'conversations.create', { name: 'fixed' });
      assert.equal((created.body.channel as { created: number }).created, 1_733_300_000);
    } finally {
      await fixed.close();
    }
  });

  it('refuses unknown channels, channels the bot is not in, and archived ones', { skip }, async () => {
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: 'C0NOPE', text: 'x' }))).data?.error, 'channel_not_found');
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: '#nope', text: 'x' }))).data?.error, 'channel_not_found');
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: 'C0NOTIN', text: 'x' }))).data?.error, 'not_in_channel');
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: '#general', text: 'x' }))).data?.error, 'not_in_channel');
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: 'C0ARCHIVED', text: 'x' }))).data?.error, 'is_archived');
    assert.equal(fake.messages('C0NOTIN').length + fake.messages('C0ARCHIVED').length, 0);
  });

  it('needs text, blocks or attachments, and refuses text over 40,000 characters', { skip }, async () => {
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE' }))).data?.error, 'no_text');
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: '   ' }))).data?.error, 'no_text');
    assert.equal((await rejection(client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x'.repeat(40_001) }))).data?.error, 'msg_too_long');
    assert.equal(fake.messages('C0ANNOUNCE').length, 0);
    await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x'.repeat(40_000) });
    await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] });
    await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', attachments: [{ fallback: 'f', text: 'a' }] });
    assert.equal(fake.messages('C0ANNOUNCE').length, 3);
  });

  it('refuses more than 50 blocks and blocks without a type', async () => {
    const many = await postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) });
    assert.equal(many.body.error, 'invalid_blocks');
    const untyped = await postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', blocks: [{ text: 'no type' }] });
    assert.equal(untyped.body.error, 'invalid_blocks');
    assert.equal(fake.messages('C0ANNOUNCE').length, 0);
  });

  it('threads replies under an existing message and refuses an unknown thread_ts', { skip }, async () => {
    const parent = await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'parent' });
    const err = await rejection(client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'r', thread_ts: '1733300000.999999' }));
    assert.equal(err.data?.error, 'thread_not_found');
    const reply = await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'reply', thread_ts: parent.ts });
    assert.equal((reply.message as { thread_ts: string }).thread_ts, parent.ts);
    const stored = fake.messages('C0ANNOUNCE');
    assert.equal(stored.length, 2);
    assert.equal(stored[0].reply_count, 1);
    assert.equal(stored[1].thread_ts, parent.ts);
    // History shows the parent only; replies shows both, parent first.
    const history = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE' });
    assert.deepEqual((history.messages as { text: string }[]).map((m) => m.text), ['parent']);
    const replies = await client.apiCall('conversations.replies', { channel: 'C0ANNOUNCE', ts: parent.ts });
    assert.deepEqual((replies.messages as { text: string }[]).map((m) => m.text), ['parent', 'reply']);
    assert.equal((await rejection(client.apiCall('conversations.replies', { channel: 'C0ANNOUNCE', ts: '1.000001' }))).data?.error, 'thread_not_found');
  });

  it('stores metadata and returns it from history only with include_all_metadata', { skip }, async () => {
    const metadata = { event_type: 'incident_commander_item', event_payload: { item_id: 'it-1', incident_id: 'INC-1' } };
    const posted = await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'with metadata', metadata });
    assert.deepEqual(fake.messages('C0ANNOUNCE')[0].metadata, metadata);
    const plain = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE' });
    assert.equal('metadata' in (plain.messages as object[])[0], false);
    const without = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', include_all_metadata: false });
    assert.equal('metadata' in (without.messages as object[])[0], false);
    const withMeta = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', include_all_metadata: true });
    assert.deepEqual((withMeta.messages as { metadata: unknown; ts: string }[])[0], { ...(withMeta.messages as object[])[0], metadata, ts: posted.ts });
    const replies = await client.apiCall('conversations.replies', { channel: 'C0ANNOUNCE', ts: posted.ts, include_all_metadata: true });
    assert.deepEqual((replies.messages as { metadata: unknown }[])[0].metadata, metadata);
  });

  it('refuses metadata without event_type or an object event_payload', async () => {
    for (const metadata of [{ event_payload: {} }, { event_type: 'e' }, { event_type: 'e', event_payload: [1] }, { event_type: '', event_payload: {} }]) {
      const r = await postForm(fake, 'chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x', metadata });
      assert.equal(r.body.error, 'invalid_metadata_schema', JSON.stringify(metadata));
    }
    assert.equal(fake.messages('C0ANNOUNCE').length, 0);
  });

  it('updates only existing messages of the bot', { skip }, async () => {
    const posted = await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'v1' });
    const human = fake.addMessage('C0ANNOUNCE', { text: 'from alice' });
    assert.equal((await rejection(client.apiCall('chat.update', { channel: 'C0ANNOUNCE', ts: '1733300099.000100', text: 'x' }))).data?.error, 'message_not_found');
    assert.equal((await rejection(client.apiCall('chat.update', { channel: 'C0ANNOUNCE', ts: human.ts, text: 'x' }))).data?.error, 'cant_update_message');
    assert.equal((await rejection(client.apiCall('chat.update', { channel: 'C0NOPE', ts: posted.ts, text: 'x' }))).data?.error, 'channel_not_found');
    assert.equal((await rejection(client.apiCall('chat.update', { channel: 'C0ANNOUNCE', ts: posted.ts, text: 'x'.repeat(40_001) }))).data?.error, 'msg_too_long');
    const r = await client.apiCall('chat.update', { channel: 'C0ANNOUNCE', ts: posted.ts, text: 'v2', blocks: [{ type: 'divider' }] });
    assert.equal(r.text, 'v2');
    const [stored, other] = fake.messages('C0ANNOUNCE');
    assert.equal(stored.text, 'v2');
    assert.deepEqual(stored.blocks, [{ type: 'divider' }]);
    assert.equal(stored.edited?.user, 'U0BOT');
    assert.equal(other.text, 'from alice');
  });

  it('gives permalinks for existing messages', { skip }, async () => {
    const posted = await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'x' });
    const r = await client.apiCall('chat.getPermalink', { channel: 'C0ANNOUNCE', message_ts: posted.ts });
    assert.equal(r.permalink, `https://fake-workspace.slack.com/archives/C0ANNOUNCE/p${String(posted.ts).replace('.', '')}`);
    assert.equal((await rejection(client.apiCall('chat.getPermalink', { channel: 'C0ANNOUNCE', message_ts: '1.000001' }))).data?.error, 'message_not_found');
  });

  it('pins a message once', { skip }, async () => {
    const posted = await client.apiCall('chat.postMessage', { channel: 'C0ANNOUNCE', text: 'pin me' });
    assert.equal((await client.apiCall('pins.add', { channel: 'C0ANNOUNCE', timestamp: posted.ts })).ok, true);
    assert.equal((await rejection(client.apiCall('pins.add', { channel: 'C0ANNOUNCE', timestamp: posted.ts }))).data?.error, 'already_pinned');
    assert.equal((await rejection(client.apiCall('pins.add', { channel: 'C0ANNOUNCE', timestamp: '1733300000.555555' }))).data?.error, 'message_not_found');
    assert.equal((await rejection(client.apiCall('pins.add', { channel: 'C0ANNOUNCE' }))).data?.error, 'no_item_specified');
    assert.deepEqual(fake.pins('C0ANNOUNCE').map((p) => p.ts), [posted.ts]);
  });

  it('adds, lists, edits and removes link bookmarks', { skip }, async () => {
    const r = await client.apiCall('bookmarks.add', { channel_id: 'C0ANNOUNCE', title: 'Record', type: 'link', link: 'https://example.com/inc/1' });
    const bookmark = r.bookmark as { id: string; title: string; link: string; type: string; channel_id: string };
    assert.match(bookmark.id, /^Bk[A-Z0-9]+$/);
    assert.deepEqual([bookmark.title, bookmark.link, bookmark.type, bookmark.channel_id], ['Record', 'https://example.com/inc/1', 'link', 'C0ANNOUNCE']);
    assert.equal((await rejection(client.apiCall('bookmarks.add', { channel_id: 'C0ANNOUNCE', title: 'x', type: 'message', link: 'https://x' }))).data?.error, 'invalid_bookmark_type');
    assert.equal((await rejection(client.apiCall('bookmarks.add', { channel_id: 'C0ANNOUNCE', title: 'x', type: 'link', link: 'example.com' }))).data?.error, 'invalid_link');
    assert.equal((await rejection(client.apiCall('bookmarks.add', { channel_id: 'C0ANNOUNCE', title: 'x', type: 'link' }))).data?.error, 'invalid_link');
    assert.equal((await rejection(client.apiCall('bookmarks.add', { channel_id: 'incidents', title: 'x', type: 'link', link: 'https://x' }))).data?.error, 'channel_not_found');
    assert.equal((await rejection(client.apiCall('bookmarks.add', { channel_id: 'C0ANNOUNCE', type: 'link', link: 'https://x' }))).data?.error, 'invalid_arguments');
    assert.deepEqual(fake.bookmarks('C0ANNOUNCE').map((b) => b.id), [bookmark.id]);
    await client.apiCall('bookmarks.edit', { channel_id: 'C0ANNOUNCE', bookmark_id: bookmark.id, title: 'Incident record' });
    const listed = await client.apiCall('bookmarks.list', { channel_id: 'C0ANNOUNCE' });
    assert.deepEqual((listed.bookmarks as { title: string }[]).map((b) => b.title), ['Incident record']);
    await client.apiCall('bookmarks.remove', { channel_id: 'C0ANNOUNCE', bookmark_id: bookmark.id });
    assert.equal((await rejection(client.apiCall('bookmarks.remove', { channel_id: 'C0ANNOUNCE', bookmark_id: bookmark.id }))).data?.error, 'not_found');
    assert.equal(fake.bookmarks('C0ANNOUNCE').length, 0);
  });
});

describe('fake Slack: conversations.history', () => {
  let fake: FakeSlack;
  let client: WebClientLike;
  let ts: string[];
  before(async () => {
    fake = await startFakeSlack();
    if (!skip) client = webClient(fake);
    ts = Array.from({ length: 7 }, (_, i) => fake.addMessage('C0ANNOUNCE', { text: `m${i}` }).ts);
  });
  after(() => fake.close());

  const texts = (r: Record<string, unknown>) => (r.messages as { text: string }[]).map((m) => m.text);

  it('lists newest first with a default limit of 100', { skip }, async () => {
    const r = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE' });
    assert.deepEqual(texts(r), ['m6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);
    assert.equal(r.has_more, false);
  });

  it('pages with limit and cursor (WebClient.paginate follows next_cursor)', { skip }, async () => {
    const first = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', limit: 3 });
    assert.deepEqual(texts(first), ['m6', 'm5', 'm4']);
    assert.equal(first.has_more, true);
    const cursor = (first.response_metadata as { next_cursor: string }).next_cursor;
    assert.ok(cursor);
    const second = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', limit: 3, cursor });
    assert.deepEqual(texts(second), ['m3', 'm2', 'm1']);
    const pages: string[][] = [];
    for await (const page of client.paginate('conversations.history', { channel: 'C0ANNOUNCE', limit: 2 })) pages.push(texts(page));
    assert.deepEqual(pages, [['m6', 'm5'], ['m4', 'm3'], ['m2', 'm1'], ['m0']]);
    assert.equal((await rejection(client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', cursor: 'bm9wZQ==' }))).data?.error, 'invalid_cursor');
  });

  it('caps limit at 999', async () => {
    const many = await startFakeSlack();
    try {
      for (let i = 0; i < 1005; i++) many.addMessage('C0ANNOUNCE', { text: `n${i}` });
      const r = await postForm(many, 'conversations.history', { channel: 'C0ANNOUNCE', limit: 5000 });
      assert.equal((r.body.messages as unknown[]).length, 999);
      assert.equal(r.body.has_more, true);
    } finally {
      await many.close();
    }
  });

  it('bounds by oldest and latest, exclusive unless inclusive', { skip }, async () => {
    const r = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', oldest: ts[1], latest: ts[4] });
    assert.deepEqual(texts(r), ['m3', 'm2']);
    const inclusive = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', oldest: ts[1], latest: ts[4], inclusive: true });
    assert.deepEqual(texts(inclusive), ['m4', 'm3', 'm2', 'm1']);
    const since = await client.apiCall('conversations.history', { channel: 'C0ANNOUNCE', oldest: ts[5] });
    assert.deepEqual(texts(since), ['m6']);
  });

  it('refuses unknown channels and channels the bot is not in', { skip }, async () => {
    assert.equal((await rejection(client.apiCall('conversations.history', { channel: 'C0NOPE' }))).data?.error, 'channel_not_found');
    assert.equal((await rejection(client.apiCall('conversations.history', { channel: 'C0NOTIN' }))).data?.error, 'not_in_channel');
  });
});

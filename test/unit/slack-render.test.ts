import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declareIncident } from '../../src/core/incident/record';
import { channelLink, escapeMrkdwn, link, mentionUser, splitForSlack } from '../../src/core/slack/mrkdwn';
import { announcementText, channelName, channelTopic, headlineMessage, parsePermalink, replyText, slugify, updateText } from '../../src/core/slack/render';

const incident = (title = 'Checkout fails <!channel> & EU', extra = {}) => ({
  ...declareIncident({ title, severity: 'SEV2', services: ['checkout-api'], commander: 'alice' }, 'INC-20261204-3', 'alice', new Date('2026-12-04T03:00:00Z'), { id: 'ims', version: '1' }).incident,
  ...extra,
});

describe('mrkdwn', () => {
  it('escapes what a person typed so nothing is executed', () => {
    assert.equal(escapeMrkdwn('<!channel> <@U123> <http://x|y> & co'), '&lt;!channel&gt; &lt;@U123&gt; &lt;http://x|y&gt; &amp; co');
    assert.equal(escapeMrkdwn('&amp;'), '&amp;amp;');
  });
  it('makes mentions and links only from real ids and http(s) URLs', () => {
    assert.equal(mentionUser('U0ALICE'), '<@U0ALICE>');
    assert.throws(() => mentionUser('!channel'));
    assert.equal(channelLink('C0123'), '<#C0123>');
    assert.throws(() => channelLink('here'));
    assert.equal(link('https://meet.example.com/x', 'Join <now>'), '<https://meet.example.com/x|Join &lt;now&gt;>');
    assert.equal(link('javascript:alert(1)', 'x'), 'x (javascript:alert(1))');
  });
  it('splits a 100,000-character text into parts Slack accepts, losing no word', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i}`);
    const text = words.join(' ');
    const parts = splitForSlack(text);
    assert.ok(parts.length >= 3);
    for (const p of parts) assert.ok(p.length <= 39_900, String(p.length));
    assert.deepEqual(parts.join(' ').split(' '), words);
    assert.deepEqual(splitForSlack('short'), ['short']);
  });
  it('does not cut an escape sequence in two', () => {
    const text = 'a'.repeat(95) + '&amp;' + 'b'.repeat(50);
    const parts = splitForSlack(text, 98);
    assert.ok(parts.every((p) => !/&[a-z]{0,3}$/.test(p)), JSON.stringify(parts.map((p) => p.slice(-6))));
    assert.equal(parts.join(''), text);
  });
});

describe('channel names', () => {
  it('fills the default template with the date and a slug of the title', () => {
    assert.equal(channelName('inc-{date}-{slug}', incident('Checkout fails for EU customers!')), 'inc-20261204-checkout-fails-for-eu-customers');
  });
  it('keeps to lowercase letters, digits, - and _, and 80 characters, with suffixes that fit', () => {
    const long = incident('Ünïcødé 🔥 '.repeat(30));
    const n = channelName('{id}-{slug}-{severity}', long, 3);
    assert.match(n, /^[a-z0-9_-]{1,80}$/);
    assert.ok(n.endsWith('-4'));
    assert.equal(channelName('{slug}', incident('🔥🔥🔥')), 'incident');
    assert.equal(slugify('  Hello, World!  '), 'hello-world');
  });
});

describe('messages', () => {
  it('the headline carries title, severity, status, IC, services, bridge and next update, all escaped', () => {
    const inc = incident(undefined, { bridge: { needed: true, url: 'https://meet.example.com/x' } });
    const h = headlineMessage(inc, { nextUpdateDue: new Date('2026-12-04T03:30:00Z') });
    const json = JSON.stringify(h.blocks);
    assert.match(h.text, /INC-20261204-3 · SEV2 · triage: Checkout fails &lt;!channel&gt; &amp; EU/);
    // mrkdwn fields are escaped; the header is plain_text, which Slack shows as typed and never parses.
    assert.equal((h.blocks[0] as { text: { type: string; text: string } }).text.type, 'plain_text');
    assert.doesNotMatch(JSON.stringify(h.blocks.slice(1)), /<!channel>/);
    for (const s of ['*Severity*\\nSEV2', '*Status*\\ntriage', '*Incident commander*\\nalice', '*Impacted services*\\ncheckout-api', '<https://meet.example.com/x|Join the bridge>', '03:30 UTC']) {
      assert.ok(json.includes(s), s);
    }
  });
  it('the topic is plain and short', () => {
    assert.equal(channelTopic(incident('Checkout down')), 'SEV2 · triage · IC alice · Checkout down');
    assert.ok(channelTopic(incident('x'.repeat(400))).length <= 250);
  });
  it('updates, announcements and replies escape the text', () => {
    const inc = incident('t');
    assert.equal(updateText(inc, 'rolled back <!here>'), '*Status update* · INC-20261204-3 · SEV2 · triage\nrolled back &lt;!here&gt;');
    assert.match(updateText(inc, 'x', 'tce'), /^\*Technical customer escalation\*/);
    assert.match(announcementText(inc, 'EU only <@U1>', '<#C0123>'), /EU only &lt;@U1&gt;\nFollow along in <#C0123>\.$/);
    assert.equal(replyText(inc, 'customer'), 'Thanks for reporting this. We are investigating it as incident INC-20261204-3 and will keep you posted here.');
    assert.equal(replyText(inc, 'owner', 'On it: {id} <!channel>'), 'On it: INC-20261204-3 &lt;!channel&gt;');
  });
  it('parses message permalinks, threads included', () => {
    assert.deepEqual(parsePermalink('https://acme.slack.com/archives/C0123ABC/p1733300000000100'), { channel: 'C0123ABC', ts: '1733300000.000100' });
    assert.deepEqual(parsePermalink('https://acme.slack.com/archives/C0123ABC/p1733300000000200?thread_ts=1733300000.000100&cid=C0123ABC'), {
      channel: 'C0123ABC',
      ts: '1733300000.000200',
      threadTs: '1733300000.000100',
    });
    assert.equal(parsePermalink('https://example.com/nope'), undefined);
  });
});

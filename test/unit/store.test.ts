import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CorruptRecordError, IncidentError } from '../../src/core/errors';
import { appendLines, withFileLock, writeFileAtomic } from '../../src/core/store/atomic';
import { IncidentStore, parseTimeline } from '../../src/core/store/incidentStore';
import { fixedClock, tempDir } from './helpers/tmp';

const run = promisify(execFile);
const pb = { id: 'ims', version: '1' };
const any = () => true;

describe('the store', () => {
  it('declares incidents as files with schema versions, numbered per day', async () => {
    const root = path.join(tempDir(), '.incidents');
    const store = new IncidentStore(root, fixedClock('2026-12-04T03:00:00Z'));
    const a = await store.declare({ title: 'first' }, 'alice', pb);
    const b = await store.declare({ title: 'second' }, 'alice', pb);
    assert.equal(a.id, 'INC-20261204-1');
    assert.equal(b.id, 'INC-20261204-2');
    const json = JSON.parse(readFileSync(path.join(root, a.id, 'incident.json'), 'utf8'));
    assert.equal(json.schemaVersion, 1);
    assert.equal(json.title, 'first');
    const lines = readFileSync(path.join(root, a.id, 'timeline.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]).v, 1);
    assert.equal(JSON.parse(lines[0]).type, 'declared');
    assert.deepEqual((await store.ids()).sort(), [a.id, b.id]);
  });

  it('writes nothing for a refused declaration', async () => {
    const root = path.join(tempDir(), '.incidents');
    const store = new IncidentStore(root);
    await assert.rejects(store.declare({ title: ' ' }, 'alice', pb), IncidentError);
    assert.equal(existsSync(root), false);
  });

  it('keeps an emoji and 500-character title in the record while the folder name stays the id', async () => {
    const root = tempDir();
    const store = new IncidentStore(root);
    const title = '🔥/../' + 'x'.repeat(494);
    const inc = await store.declare({ title }, 'alice', pb);
    assert.equal(inc.title, title);
    assert.deepEqual(readdirSync(root), [inc.id]);
    const loaded = await store.load(inc.id);
    assert.equal(loaded.ok && loaded.incident.title, title);
  });

  it('applies changes and appends them to the timeline', async () => {
    const store = new IncidentStore(tempDir());
    const inc = await store.declare({ title: 't' }, 'alice', pb);
    await store.update(inc.id, { kind: 'toggleStep', stepId: 'ack-page', done: true }, 'bob', any);
    await store.update(inc.id, { kind: 'addNote', text: 'hello' }, 'bob', any);
    const loaded = await store.load(inc.id);
    assert.ok(loaded.ok);
    assert.equal(loaded.incident.steps['ack-page'].done, true);
    assert.equal(loaded.incident.revision, 3, 'a note counts as a change of the record');
    const t = await store.readTimeline(inc.id);
    assert.deepEqual(t.events.map((e) => e.type), ['declared', 'step-toggled', 'note-added']);
    assert.deepEqual(t.skipped, []);
  });

  it('a change that changes nothing writes nothing', async () => {
    const store = new IncidentStore(tempDir());
    const inc = await store.declare({ title: 't' }, 'alice', pb);
    const before = readFileSync(store.incidentFile(inc.id), 'utf8');
    await store.update(inc.id, { kind: 'setFields', fields: { services: [] } }, 'bob', any);
    assert.equal(readFileSync(store.incidentFile(inc.id), 'utf8'), before);
    assert.equal((await store.readTimeline(inc.id)).events.length, 1);
  });

  it('an unknown incident or step is a clear error', async () => {
    const store = new IncidentStore(tempDir());
    await assert.rejects(store.update('INC-20990101-1', { kind: 'acknowledge' }, 'a', any), /There is no incident INC-20990101-1/);
    await assert.rejects(store.update('../etc', { kind: 'acknowledge' }, 'a', any), /not an incident id/);
    const inc = await store.declare({ title: 't' }, 'alice', pb);
    await assert.rejects(store.update(inc.id, { kind: 'toggleStep', stepId: 'zzz', done: true }, 'a', () => false), /no step 'zzz'/);
  });

  it('leaves a corrupt incident.json exactly as it was and names it', async () => {
    const store = new IncidentStore(tempDir());
    const inc = await store.declare({ title: 't' }, 'alice', pb);
    const file = store.incidentFile(inc.id);
    const broken = '{"schemaVersion": 1, "id": "' + inc.id + '", "title": "t", oops';
    writeFileSync(file, broken);
    const loaded = await store.load(inc.id);
    assert.equal(loaded.ok, false);
    assert.ok(!loaded.ok && loaded.error instanceof CorruptRecordError);
    assert.match(!loaded.ok ? loaded.error.message : '', new RegExp(`${inc.id}.*incident\\.json.*not valid JSON`));
    await assert.rejects(store.update(inc.id, { kind: 'acknowledge' }, 'a', any), CorruptRecordError);
    assert.equal(readFileSync(file, 'utf8'), broken);
    assert.equal((await store.readTimeline(inc.id)).events.length, 1, 'nothing appended for a refused change');
  });

  it('refuses a record of a newer schema without touching it', async () => {
    const store = new IncidentStore(tempDir());
    const inc = await store.declare({ title: 't' }, 'alice', pb);
    const file = store.incidentFile(inc.id);
    const newer = JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), schemaVersion: 2 });
    writeFileSync(file, newer);
    const loaded = await store.load(inc.id);
    assert.ok(!loaded.ok && loaded.error.code === 'newer-schema');
    await assert.rejects(store.update(inc.id, { kind: 'acknowledge' }, 'a', any), /newer/);
    assert.equal(readFileSync(file, 'utf8'), newer);
  });

  it('skips a torn timeline line with its line number, and keeps appending whole lines after it', async () => {
    const store = new IncidentStore(tempDir());
    const inc = await store.declare({ title: 't' }, 'alice', pb);
    const tl = store.timelineFile(inc.id);
    await fs.appendFile(tl, '{"v":1,"at":"2026-12-04T03:00:00Z","actor":"x","type":"note-ad');
    await store.update(inc.id, { kind: 'addNote', text: 'after the crash' }, 'bob', any);
    const t = await store.readTimeline(inc.id);
    assert.deepEqual(t.events.map((e) => e.type), ['declared', 'note-added']);
    assert.equal(t.events[1].data.text, 'after the crash');
    assert.equal(t.skipped.length, 1);
    assert.equal(t.skipped[0].line, 2);
    assert.match(t.skipped[0].reason, /torn/);
  });

  it('two processes changing one incident lose neither change', async () => {
    const store = new IncidentStore(tempDir());
    const inc = await store.declare({ title: 't' }, 'alice', pb);
    const writer = path.join(__dirname, 'helpers', 'writer.js');
    await Promise.all([
      run(process.execPath, [writer, store.root, inc.id, 'left', '40']),
      run(process.execPath, [writer, store.root, inc.id, 'right', '40']),
    ]);
    const loaded = await store.load(inc.id);
    assert.ok(loaded.ok);
    const done = Object.keys(loaded.incident.steps);
    assert.equal(done.length, 80);
    assert.equal(loaded.incident.revision, 81);
    assert.equal((await store.readTimeline(inc.id)).events.length, 81);
    assert.equal(existsSync(path.join(store.dir(inc.id), '.lock')), false);
  });

  it('two processes declaring at once get different ids', async () => {
    const root = tempDir();
    const script = `const {IncidentStore}=require(${JSON.stringify(path.join(__dirname, '../../src/core/store/incidentStore.js'))});
      (async()=>{const s=new IncidentStore(process.argv[1]);for(let i=0;i<10;i++)await s.declare({title:'x'},'a',{id:'ims',version:'1'});})();`;
    await Promise.all([run(process.execPath, ['-e', script, root]), run(process.execPath, ['-e', script, root])]);
    const ids = await new IncidentStore(root).ids();
    assert.equal(ids.length, 20);
  });
});

describe('file primitives', () => {
  it('atomic writes leave no temporary files and replace the whole content', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir), ['a.json']);
  });
  it('appendLines writes whole lines', async () => {
    const file = path.join(tempDir(), 't.jsonl');
    await appendLines(file, ['a', 'b']);
    await appendLines(file, []);
    await appendLines(file, ['c']);
    assert.equal(readFileSync(file, 'utf8'), 'a\nb\nc\n');
  });
  it('a stale lock left by a crashed process is broken', async () => {
    const lock = path.join(tempDir(), '.lock');
    writeFileSync(lock, 'old');
    const past = new Date(Date.now() - 60_000);
    await fs.utimes(lock, past, past);
    assert.equal(await withFileLock(lock, async () => 42), 42);
    assert.equal(existsSync(lock), false);
  });
  it('a held lock makes a second holder wait, then time out clearly', async () => {
    const lock = path.join(tempDir(), '.lock');
    writeFileSync(lock, 'held');
    await assert.rejects(withFileLock(lock, async () => 1, { timeoutMs: 50 }), /Timed out after 50 ms/);
  });
  it('parseTimeline skips junk and newer lines', () => {
    const t = parseTimeline('{"v":1,"at":"x","type":"note-added","actor":"a","data":{}}\n[1]\n\n{"v":9,"at":"x","type":"y"}\nnot json');
    assert.equal(t.events.length, 1);
    assert.deepEqual(t.skipped.map((s) => s.line), [2, 4, 5]);
  });
});

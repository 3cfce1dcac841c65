import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncidentError } from '../../src/core/errors';
import { compareIncidentIds, formatIncidentId, isSafeIncidentId, nextIncidentNumber } from '../../src/core/incident/ids';
import { applyChange, declareIncident, parseSeverity } from '../../src/core/incident/record';
import { checkIncident } from '../../src/core/incident/validate';

const now = new Date('2026-12-04T03:00:00Z');
const pb = { id: 'ims', version: '1' };
const base = () => declareIncident({ title: 'Checkout down', severity: 'SEV2', services: ['checkout', ' checkout ', 'cart'] }, 'INC-20261204-1', 'alice', now, pb).incident;
const known = (id: string) => id.startsWith('s');

describe('incident ids', () => {
  it('formats the date in UTC and counts per day', () => {
    assert.equal(formatIncidentId(new Date('2026-12-04T23:59:59Z'), 3), 'INC-20261204-3');
    assert.equal(nextIncidentNumber(['INC-20261204-1', 'INC-20261204-9', 'INC-20261203-12', 'playbook.yaml'], now), 10);
    assert.equal(nextIncidentNumber([], now), 1);
  });
  it('sorts numerically within a day and by date across days', () => {
    const ids = ['INC-20261204-10', 'INC-20261204-9', 'INC-20261203-11', 'other'];
    assert.deepEqual([...ids].sort(compareIncidentIds), ['INC-20261203-11', 'INC-20261204-9', 'INC-20261204-10', 'other']);
  });
  it('refuses ids that are not one safe folder name', () => {
    for (const bad of ['', '..', '../x', 'a/b', '.hidden', 'a\\b', 'x'.repeat(101), 42]) assert.equal(isSafeIncidentId(bad), false, String(bad));
    assert.equal(isSafeIncidentId('INC-20261204-1'), true);
  });
});

describe('declaring', () => {
  it('builds a record with the commander, triage status and deduplicated services', () => {
    const { incident, events } = declareIncident({ title: '  Checkout down ', severity: 'SEV2', services: ['checkout', ' checkout ', 'cart'] }, 'INC-20261204-1', 'alice', now, pb);
    assert.equal(incident.title, 'Checkout down');
    assert.equal(incident.status, 'triage');
    assert.equal(incident.roles.commander, 'alice');
    assert.deepEqual(incident.services, ['checkout', 'cart']);
    assert.equal(incident.timestamps.declared, '2026-12-04T03:00:00.000Z');
    assert.equal(incident.revision, 1);
    assert.equal(events.length, 1);
    assert.equal(events[0].type, 'declared');
    assert.equal(checkIncident(incident).ok, true);
  });
  it('refuses an empty or blank title', () => {
    for (const title of ['', '   ', undefined as unknown as string]) {
      assert.throws(() => declareIncident({ title }, 'INC-1', 'a', now, pb), (e: unknown) => e instanceof IncidentError && e.code === 'invalid-input');
    }
  });
  it('keeps a 500-character or emoji title exactly as typed', () => {
    const long = 'ß'.repeat(250) + '🔥'.repeat(125);
    assert.equal(declareIncident({ title: long }, 'INC-1', 'a', now, pb).incident.title, long);
    assert.equal(declareIncident({ title: '🔥 💳 checkout 🇪🇺' }, 'INC-1', 'a', now, pb).incident.title, '🔥 💳 checkout 🇪🇺');
  });
  it('refuses an unknown severity, reporter or customer impact', () => {
    assert.throws(() => declareIncident({ title: 't', severity: 'SEV9' as never }, 'INC-1', 'a', now, pb), /SEV1, SEV2/);
    assert.throws(() => declareIncident({ title: 't', reporter: 'martian' as never }, 'INC-1', 'a', now, pb), /customer, service-owner, alert/);
    assert.throws(() => declareIncident({ title: 't', customerImpact: 'lots' as never }, 'INC-1', 'a', now, pb), /none, internal, external/);
  });
  it('parses severities people type', () => {
    assert.equal(parseSeverity('sev1'), 'SEV1');
    assert.equal(parseSeverity(3), 'SEV3');
    assert.equal(parseSeverity(' 4 '), 'SEV4');
    assert.equal(parseSeverity('SEV5'), undefined);
  });
});

describe('changes', () => {
  const later = new Date('2026-12-04T03:10:00Z');
  it('acknowledging moves triage to active once', () => {
    const a = applyChange(base(), { kind: 'acknowledge' }, 'bob', later, known);
    assert.equal(a.incident.status, 'active');
    assert.equal(a.incident.timestamps.acknowledged, later.toISOString());
    assert.deepEqual(a.events.map((e) => e.type), ['acknowledged', 'status-changed']);
    assert.equal(a.incident.revision, 2);
    const again = applyChange(a.incident, { kind: 'acknowledge' }, 'bob', later, known);
    assert.equal(again.events.length, 0);
    assert.equal(again.incident, a.incident);
  });
  it('closing fills the timestamps that were skipped and keeps those set', () => {
    const m = applyChange(base(), { kind: 'setStatus', status: 'mitigated' }, 'a', new Date('2026-12-04T04:00:00Z'), known).incident;
    const c = applyChange(m, { kind: 'setStatus', status: 'closed' }, 'a', new Date('2026-12-04T05:00:00Z'), known).incident;
    assert.equal(c.timestamps.mitigated, '2026-12-04T04:00:00.000Z');
    assert.equal(c.timestamps.resolved, '2026-12-04T05:00:00.000Z');
    assert.equal(c.timestamps.closed, '2026-12-04T05:00:00.000Z');
    assert.equal(c.timestamps.acknowledged, '2026-12-04T04:00:00.000Z');
  });
  it('records severity changes with their reason', () => {
    const a = applyChange(base(), { kind: 'setSeverity', severity: 'SEV1', reason: ' EU down too ' }, 'a', later, known);
    assert.deepEqual(a.events[0].data, { from: 'SEV2', to: 'SEV1', reason: 'EU down too' });
    assert.throws(() => applyChange(base(), { kind: 'setSeverity', severity: 'SEV0' as never }, 'a', later, known), /SEV1/);
  });
  it('ticks steps with who and when, refuses unknown steps', () => {
    const a = applyChange(base(), { kind: 'toggleStep', stepId: 's1', done: true, note: 'paged' }, 'bob', later, known);
    assert.deepEqual(a.incident.steps.s1, { done: true, by: 'bob', at: later.toISOString(), note: 'paged' });
    assert.throws(
      () => applyChange(base(), { kind: 'toggleStep', stepId: 'nope', done: true }, 'bob', later, known),
      (e: unknown) => e instanceof IncidentError && e.code === 'unknown-step' && /nope/.test(e.message),
    );
    const same = applyChange(a.incident, { kind: 'toggleStep', stepId: 's1', done: true }, 'bob', later, known);
    assert.equal(same.events.length, 0);
  });
  it('notes go to the timeline only and must not be empty', () => {
    const a = applyChange(base(), { kind: 'addNote', text: 'restarted pods' }, 'a', later, known);
    assert.equal(a.events[0].type, 'note-added');
    assert.deepEqual(a.events[0].data, { text: 'restarted pods' });
    assert.throws(() => applyChange(base(), { kind: 'addNote', text: '  ' }, 'a', later, known), /empty/);
  });
  it('field changes record from and to, and nothing when nothing changes', () => {
    const a = applyChange(base(), { kind: 'setFields', fields: { production: true, bridgeUrl: 'https://meet.example.com/x', locations: 'eu-1, us-2' as never } }, 'a', later, known);
    assert.equal(a.incident.production, true);
    assert.deepEqual(a.incident.bridge, { needed: true, url: 'https://meet.example.com/x' });
    assert.deepEqual(a.incident.locations, ['eu-1', 'us-2']);
    assert.deepEqual(a.events.map((e) => e.data.field), ['production', 'bridge', 'locations']);
    const again = applyChange(a.incident, { kind: 'setFields', fields: { production: true } }, 'a', later, known);
    assert.equal(again.events.length, 0);
    assert.throws(() => applyChange(base(), { kind: 'setFields', fields: { bridgeUrl: 'not a url' } }, 'a', later, known), /not a URL/);
  });
  it('assigns roles', () => {
    const a = applyChange(base(), { kind: 'assignRole', role: 'commander', person: 'carol' }, 'alice', later, known);
    assert.equal(a.incident.roles.commander, 'carol');
    assert.deepEqual(a.events[0].data, { role: 'commander', from: 'alice', to: 'carol' });
    assert.throws(() => applyChange(base(), { kind: 'assignRole', role: 'king' as never, person: 'x' }, 'a', later, known), /commander, deputy/);
  });
});

describe('validating a record read from disk', () => {
  it('names the field that is wrong', () => {
    const r = checkIncident({ ...base(), status: 'exploded' });
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /^status:/);
  });
  it('tells a newer schema from a corrupt one', () => {
    const r = checkIncident({ ...base(), schemaVersion: 7 });
    assert.equal(r.ok, false);
    assert.equal((r as { newer?: boolean }).newer, true);
  });
  it('keeps unknown extra fields', () => {
    const r = checkIncident({ ...base(), extra: 1 });
    assert.equal(r.ok && (r.incident as unknown as { extra: number }).extra, 1);
  });
});

describe('describing timeline events', () => {
  const { describeEvent } = require('../../src/core/incident/describe') as typeof import('../../src/core/incident/describe');
  const e = (type: string, data: Record<string, unknown>) => ({ v: 1 as const, at: '2026-12-04T03:00:00Z', actor: 'alice', type: type as never, data });
  it('says what happened in words', () => {
    assert.equal(describeEvent(e('declared', { title: 'Checkout down', severity: 'SEV2' })), 'Declared: Checkout down (SEV2)');
    assert.equal(describeEvent(e('severity-changed', { from: null, to: 'SEV1', reason: 'EU too' })), 'Severity not set → SEV1: EU too');
    assert.equal(describeEvent(e('status-changed', { from: 'triage', to: 'active' })), 'Status triage → active');
    assert.equal(describeEvent(e('step-toggled', { stepId: 'ack-page', done: true }), () => '1.1.1 Ack the page'), 'Done: 1.1.1 Ack the page');
    assert.equal(describeEvent(e('step-toggled', { stepId: 'gone', done: false })), 'Not done: gone');
    assert.equal(describeEvent(e('note-added', { text: 'rolled back' })), 'Note: rolled back');
    assert.equal(describeEvent(e('role-assigned', { role: 'scribe', from: null, to: 'dana' })), 'Scribe: dana');
    assert.equal(describeEvent(e('field-changed', { field: 'services', from: [], to: ['a', 'b'] })), 'Impacted services: a, b');
    assert.equal(describeEvent(e('future-thing', { x: 1 })), 'future-thing: {"x":1}');
  });
});

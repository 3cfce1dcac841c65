/**
 * The incident records as files:
 *   <root>/<id>/incident.json    the record (atomic replace)
 *   <root>/<id>/timeline.jsonl   append-only events, one JSON object a line
 * Every change is applied under a lock to the record as it is on disk now, so two windows
 * (two processes) changing the same incident lose neither change.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CorruptRecordError, IncidentError } from '../errors';
import { formatIncidentId, isSafeIncidentId, nextIncidentNumber } from '../incident/ids';
import { Applied, applyChange, declareIncident } from '../incident/record';
import { Change, DeclareInput, Incident, TIMELINE_SCHEMA_VERSION, TimelineEvent } from '../incident/types';
import { checkIncident } from '../incident/validate';
import { appendLines, withFileLock, writeFileAtomic } from './atomic';

export const INCIDENT_FILE = 'incident.json';
export const TIMELINE_FILE = 'timeline.jsonl';
const LOCK_FILE = '.lock';

export type LoadResult =
  | { readonly ok: true; readonly incident: Incident }
  | { readonly ok: false; readonly id: string; readonly file: string; readonly error: IncidentError };

export interface TimelineRead {
  readonly events: TimelineEvent[];
  /** Lines that could not be read (torn by a crash, edited by hand): skipped, never rewritten. */
  readonly skipped: { readonly line: number; readonly reason: string }[];
}

export interface StoreClock {
  now(): Date;
}

export class IncidentStore {
  constructor(
    readonly root: string,
    private readonly clock: StoreClock = { now: () => new Date() },
  ) {}

  dir(id: string): string {
    if (!isSafeIncidentId(id)) throw new IncidentError(`'${String(id)}' is not an incident id.`, 'unknown-incident');
    return path.join(this.root, id);
  }

  incidentFile(id: string): string {
    return path.join(this.dir(id), INCIDENT_FILE);
  }

  timelineFile(id: string): string {
    return path.join(this.dir(id), TIMELINE_FILE);
  }

  /** Ids of the folders that hold an incident.json, in no particular order. */
  ids(): Promise<string[]> {
    return incidentFoldersWith(this.root, INCIDENT_FILE);
  }

  async load(id: string): Promise<LoadResult> {
    const file = this.incidentFile(id);
    let raw: string;
    try {
      raw = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return { ok: false, id, file, error: new IncidentError(`There is no incident ${id} (no ${file}).`, 'unknown-incident') };
      }
      return { ok: false, id, file, error: new CorruptRecordError(file, (err as Error).message) };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      return { ok: false, id, file, error: new CorruptRecordError(file, `not valid JSON: ${(err as Error).message}`) };
    }
    const check = checkIncident(parsed);
    if (!check.ok) {
      const error = check.newer
        ? new IncidentError(`The incident record ${file} cannot be read: ${check.reason}. It was left as it is.`, 'newer-schema')
        : new CorruptRecordError(file, check.reason);
      return { ok: false, id, file, error };
    }
    if (check.incident.id !== id) {
      return { ok: false, id, file, error: new CorruptRecordError(file, `it says it is ${check.incident.id} but lies in the folder ${id}`) };
    }
    return { ok: true, incident: check.incident };
  }

  async loadAll(): Promise<LoadResult[]> {
    const ids = await this.ids();
    return Promise.all(ids.map((id) => this.load(id)));
  }

  async readTimeline(id: string): Promise<TimelineRead> {
    let raw: string;
    try {
      raw = await fs.readFile(this.timelineFile(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], skipped: [] };
      throw err;
    }
    return parseTimeline(raw);
  }

  /** Declares a new incident: allocates the next id of the day (safe against another window doing the same). */
  async declare(input: DeclareInput, actor: string, playbook: { id: string; version: string }): Promise<Incident> {
    const now = this.clock.now();
    // Validate before touching the disk: refused input writes nothing.
    declareIncident(input, formatIncidentId(now, 1), actor, now, playbook);
    await fs.mkdir(this.root, { recursive: true });
    let n = nextIncidentNumber(await fs.readdir(this.root), now);
    for (let attempt = 0; ; attempt++) {
      const id = formatIncidentId(now, n);
      try {
        await fs.mkdir(path.join(this.root, id));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 1000) {
          n++;
          continue;
        }
        throw err;
      }
      const applied = declareIncident(input, id, actor, now, playbook);
      await this.persist(id, applied);
      return applied.incident;
    }
  }

  /** Applies a change to the record as it is on disk now. A corrupt record is never written over. */
  async update(id: string, change: Change, actor: string, knownStep: (stepId: string) => boolean): Promise<Applied> {
    const dir = this.dir(id);
    try {
      return await withFileLock(path.join(dir, LOCK_FILE), async () => {
        const loaded = await this.load(id);
        if (!loaded.ok) throw loaded.error;
        const applied = applyChange(loaded.incident, change, actor, this.clock.now(), knownStep);
        if (applied.events.length > 0) await this.persist(id, applied);
        return applied;
      });
    } catch (err) {
      // The lock file cannot be made in a folder that does not exist.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new IncidentError(`There is no incident ${id}.`, 'unknown-incident');
      throw err;
    }
  }

  private async persist(id: string, applied: Applied): Promise<void> {
    // The timeline first: if the process dies between the two writes, the event is not lost.
    await appendLines(this.timelineFile(id), applied.events.map((e) => JSON.stringify(e)));
    await writeFileAtomic(this.incidentFile(id), JSON.stringify(applied.incident, null, 2) + '\n');
  }
}

/** Names of the incident folders under `root` that hold `file` (none when root does not exist yet). */
export async function incidentFoldersWith(root: string, file: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found = await Promise.all(
    names.filter(isSafeIncidentId).map(async (name) => {
      try {
        await fs.access(path.join(root, name, file));
        return name;
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((n): n is string => n !== undefined);
}

export function parseTimeline(raw: string): TimelineRead {
  const events: TimelineEvent[] = [];
  const skipped: { line: number; reason: string }[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < raw.length) {
    let end = raw.indexOf('\n', start);
    if (end === -1) end = raw.length;
    lineNo++;
    const line = raw.slice(start, end).trim();
    start = end + 1;
    if (!line) continue;
    try {
      const e = JSON.parse(line) as TimelineEvent;
      if (!e || typeof e !== 'object' || typeof e.type !== 'string' || typeof e.at !== 'string') {
        skipped.push({ line: lineNo, reason: 'not a timeline event' });
      } else if (typeof e.v === 'number' && e.v > TIMELINE_SCHEMA_VERSION) {
        skipped.push({ line: lineNo, reason: `written by a newer version (v${e.v})` });
      } else {
        events.push(e);
      }
    } catch {
      skipped.push({ line: lineNo, reason: 'incomplete or invalid JSON (torn by a crash?)' });
    }
  }
  return { events, skipped };
}

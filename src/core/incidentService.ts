/**
 * The application core: the incidents of one store, the active one, and every change to them.
 * Commands and views call this; it knows nothing of the editor.
 */
import { IncidentError } from './errors';
import { Emitter, Event } from './events';
import { compareIncidentIds, isSafeIncidentId } from './incident/ids';
import { Change, DeclareInput, Incident, OPEN_STATUSES, SEVERITIES } from './incident/types';
import { findStep } from './playbook/query';
import { Playbook } from './playbook/types';
import { IncidentStore, LoadResult, TimelineRead } from './store/incidentStore';

export interface KeyValueState {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void> | void;
}

export interface IncidentServiceOptions {
  /** Who is acting: recorded on every change. */
  readonly actor: () => string;
  /** The playbook in force. */
  readonly playbook: () => Playbook;
  /** Where the active incident's id is remembered (the workspace's state). */
  readonly state?: KeyValueState;
}

export interface IncidentsChanged {
  /** Ids whose record changed; empty when the whole list was re-read. */
  readonly ids: readonly string[];
  /** True when the change was made here (a command in this window), false when read from disk. */
  readonly local?: boolean;
}

const ACTIVE_KEY = 'incidentCommander.activeIncident';

export function isOpen(incident: Incident): boolean {
  return OPEN_STATUSES.includes(incident.status);
}

function severityRank(i: Incident): number {
  return i.severity ? SEVERITIES.indexOf(i.severity) : SEVERITIES.length;
}

/** Open incidents first (worst severity, then newest), unreadable records next, then the rest, newest first. */
export function compareForList(a: LoadResult, b: LoadResult): number {
  const group = (r: LoadResult) => (r.ok ? (isOpen(r.incident) ? 0 : 2) : 1);
  const ga = group(a);
  const gb = group(b);
  if (ga !== gb) return ga - gb;
  if (a.ok && b.ok) {
    if (ga === 0 && severityRank(a.incident) !== severityRank(b.incident)) return severityRank(a.incident) - severityRank(b.incident);
    return -compareIncidentIds(a.incident.id, b.incident.id);
  }
  return compareIncidentIds(a.ok ? a.incident.id : a.id, b.ok ? b.incident.id : b.id);
}

function idOf(r: LoadResult): string {
  return r.ok ? r.incident.id : r.id;
}

export class IncidentService {
  private readonly records = new Map<string, LoadResult>();
  /** The records in list order; rebuilt on the first read after a change. */
  private sorted: LoadResult[] | undefined;
  private readonly changed = new Emitter<IncidentsChanged>();
  readonly onDidChange: Event<IncidentsChanged> = this.changed.event;
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly currentStore: IncidentStore,
    private readonly options: IncidentServiceOptions,
  ) {}

  get store(): IncidentStore {
    return this.currentStore;
  }


  get playbook(): Playbook {
    return this.options.playbook();
  }

  /** Reads every record from disk once; later calls wait for the same read. */
  ready(): Promise<void> {
    return (this.loaded ??= this.refresh());
  }

  /** Re-reads every record (after a git pull, say). */
  async refresh(): Promise<void> {
    const all = await this.store.loadAll();
    this.records.clear();
    for (const r of all) this.records.set(idOf(r), r);
    this.sorted = undefined;
    this.changed.fire({ ids: [] });
  }

  /** Re-reads one record (a file watcher saw it change). */
  async reload(id: string): Promise<void> {
    if (!isSafeIncidentId(id)) return;
    const r = await this.store.load(id);
    const before = this.records.get(id);
    if (!r.ok && r.error.code === 'unknown-incident') {
      if (!before) return;
      this.set(id, undefined);
    } else {
      if (before?.ok && r.ok && before.incident.revision === r.incident.revision && before.incident.updatedAt === r.incident.updatedAt) return;
      this.set(id, r);
    }
    this.changed.fire({ ids: [id] });
  }

  /** Every record, in the order the list shows them. */
  list(): readonly LoadResult[] {
    return (this.sorted ??= [...this.records.values()].sort(compareForList));
  }

  private set(id: string, r: LoadResult | undefined): void {
    if (r) this.records.set(id, r);
    else this.records.delete(id);
    this.sorted = undefined;
  }

  incidents(): Incident[] {
    return this.list().flatMap((r) => (r.ok ? [r.incident] : []));
  }

  get(id: string): Incident | undefined {
    const r = this.records.get(id);
    return r?.ok ? r.incident : undefined;
  }

  result(id: string): LoadResult | undefined {
    return this.records.get(id);
  }

  /** The incident the commander is working on: the one chosen, else the newest open one. */
  get activeId(): string | undefined {
    const chosen = this.options.state?.get<string>(ACTIVE_KEY);
    if (chosen && this.records.get(chosen)?.ok) return chosen;
    return this.incidents().find(isOpen)?.id;
  }

  async setActive(id: string): Promise<void> {
    this.require(id);
    await this.options.state?.update(ACTIVE_KEY, id);
    this.changed.fire({ ids: [id] });
  }

  /** The given id, or the active incident's; a clear error when there is neither. */
  resolveId(id?: string): string {
    if (id !== undefined && id !== null && id !== '') {
      this.require(id);
      return id;
    }
    const active = this.activeId;
    if (!active) throw new IncidentError('There is no active incident. Declare one first, or name one with incidentId.', 'no-incident');
    return active;
  }

  private require(id: string): Incident {
    const r = this.records.get(id);
    if (!r) throw new IncidentError(`There is no incident '${String(id)}'.`, 'unknown-incident');
    if (!r.ok) throw r.error;
    return r.incident;
  }

  async declare(input: DeclareInput): Promise<Incident> {
    await this.ready();
    const pb = this.playbook;
    const incident = await this.store.declare(input, this.options.actor(), { id: pb.id, version: pb.version });
    this.set(incident.id, { ok: true, incident });
    await this.options.state?.update(ACTIVE_KEY, incident.id);
    this.changed.fire({ ids: [incident.id], local: true });
    return incident;
  }

  /** Applies a change to an incident (the active one when id is undefined). */
  async change(id: string | undefined, change: Change): Promise<Incident> {
    await this.ready();
    const target = this.resolveId(id);
    const playbook = this.playbook;
    try {
      const applied = await this.store.update(target, change, this.options.actor(), (stepId) => findStep(playbook, stepId) !== undefined);
      this.set(target, { ok: true, incident: applied.incident });
      if (applied.events.length > 0) this.changed.fire({ ids: [target], local: true });
      return applied.incident;
    } catch (err) {
      if (err instanceof IncidentError && (err.code === 'corrupt-record' || err.code === 'newer-schema')) await this.reload(target);
      throw err;
    }
  }

  timeline(id: string): Promise<TimelineRead> {
    return this.store.readTimeline(this.resolveId(id));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The sidebar tree: incidents, and under each the phases, steps and sub-steps of the playbook. */
import * as vscode from 'vscode';
import type { Incident } from '../core/incident/types';
import { IncidentService, isOpen } from '../core/incidentService';
import { stepApplies } from '../core/playbook/conditions';
import { progress, stepIndex } from '../core/playbook/query';
import type { Playbook, Step } from '../core/playbook/types';
import { describeEvent } from '../core/incident/describe';
import type { OutboxItem } from '../core/outbox/types';
import type { TimelineRead } from '../core/store/incidentStore';
import { formatClock, formatElapsed } from './format';
import { conditionSubject } from '../core/incident/subject';

export interface IncidentNode {
  readonly nodeType: 'incident';
  readonly incidentId: string;
}
export interface StepNode {
  readonly nodeType: 'step';
  readonly incidentId: string;
  readonly stepId: string;
}
export interface UnreadableNode {
  readonly nodeType: 'unreadable';
  readonly incidentId: string;
}
/** The incident's timeline, newest first, under the phases. */
export interface TimelineNode {
  readonly nodeType: 'timeline';
  readonly incidentId: string;
}
/** One event (its index in file order), a note of unreadable lines, or of older events not shown. */
export interface TimelineEntryNode {
  readonly nodeType: 'timelineEntry';
  readonly incidentId: string;
  readonly entry: number | 'skipped' | 'older';
}
/** What is waiting to go out (Slack), under its incident; absent when nothing is waiting. */
export interface OutboxNode {
  readonly nodeType: 'outbox';
  readonly incidentId: string;
}
export interface OutboxItemNode {
  readonly nodeType: 'outboxItem';
  readonly incidentId: string;
  readonly itemId: string;
}
export type IncidentTreeNode = IncidentNode | StepNode | UnreadableNode | TimelineNode | TimelineEntryNode | OutboxNode | OutboxItemNode;

/** What the tree shows of the outbox. */
export interface OutboxView {
  items(incidentId?: string): readonly OutboxItem[];
  readonly onDidChange: (listener: () => void) => { dispose(): void };
  /** Whether Slack has a token; without one, waiting items say so. */
  connected(): boolean;
}

/** How many of the newest events the tree shows; the file has them all. */
export const TIMELINE_SHOWN = 200;

const EVENT_ICON: Record<string, string> = {
  declared: 'flame',
  acknowledged: 'bell-slash',
  'status-changed': 'pulse',
  'severity-changed': 'warning',
  'step-toggled': 'check',
  'note-added': 'note',
  'role-assigned': 'account',
  'field-changed': 'edit',
};

const SEVERITY_ICON: Record<string, [string, string | undefined]> = {
  SEV1: ['flame', 'errorForeground'],
  SEV2: ['flame', 'editorWarning.foreground'],
  SEV3: ['warning', 'editorWarning.foreground'],
  SEV4: ['info', undefined],
};

export class IncidentTreeProvider implements vscode.TreeDataProvider<IncidentTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<IncidentTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Node objects are kept so the same element is handed back for the same id (reveal, checkbox events). */
  private readonly nodes = new Map<string, IncidentTreeNode>();
  private indexCache: { playbook: Playbook; index: ReturnType<typeof stepIndex> } | undefined;
  /** Timelines read from disk, by incident, for the revision they were read at. */
  private readonly timelines = new Map<string, { revision: number; read: TimelineRead }>();
  private readonly subscription: { dispose(): void };

  private readonly outboxSubscription: { dispose(): void } | undefined;

  constructor(
    private readonly service: IncidentService,
    private readonly outbox?: OutboxView,
  ) {
    this.subscription = service.onDidChange((e) => this.onIncidentsChanged(e.ids));
    // A draining outbox changes many times a second: re-render at most every 150 ms.
    this.outboxSubscription = outbox?.onDidChange(() => {
      this.outboxTimer ??= setTimeout(() => {
        this.outboxTimer = undefined;
        this.changed.fire(undefined);
      }, 150);
    });
  }

  private outboxTimer: NodeJS.Timeout | undefined;

  /** Items not yet sent (waiting, in flight, failed), oldest first. */
  private unsent(incidentId: string): OutboxItem[] {
    return (this.outbox?.items(incidentId) ?? []).filter((i) => i.state === 'pending' || i.state === 'sending' || i.state === 'failed');
  }

  private shown = { order: '', active: undefined as string | undefined };

  /**
   * Re-renders only the incidents that changed when the list keeps its order and its active incident
   * (a tick, a note); everything otherwise, since the rows move or their context changes.
   */
  private onIncidentsChanged(ids: readonly string[]): void {
    const order = this.service
      .list()
      .map((r) => (r.ok ? r.incident.id : `!${r.id}`))
      .join('\n');
    const active = this.service.activeId;
    const same = order === this.shown.order && active === this.shown.active;
    this.shown = { order, active };
    if (!same || ids.length === 0) {
      this.changed.fire(undefined);
      return;
    }
    for (const id of ids) this.changed.fire(this.service.get(id) ? this.incidentNode(id) : undefined);
  }

  /** Re-renders everything (the playbook changed, or a checkbox must snap back after a refused change). */
  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    clearTimeout(this.outboxTimer);
    this.outboxSubscription?.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }

  private index() {
    const playbook = this.service.playbook;
    if (this.indexCache?.playbook !== playbook) this.indexCache = { playbook, index: stepIndex(playbook) };
    return this.indexCache.index;
  }

  incidentNode(incidentId: string): IncidentNode {
    return this.node(incidentId, () => ({ nodeType: 'incident', incidentId }));
  }

  stepNode(incidentId: string, stepId: string): StepNode {
    return this.node(`${incidentId}/${stepId}`, () => ({ nodeType: 'step', incidentId, stepId }));
  }

  private timelineNode(incidentId: string): TimelineNode {
    return this.node(`${incidentId}/timeline`, () => ({ nodeType: 'timeline', incidentId }));
  }

  private outboxNode(incidentId: string): OutboxNode {
    return this.node(`${incidentId}/outbox`, () => ({ nodeType: 'outbox', incidentId }));
  }

  private node<T extends IncidentTreeNode>(key: string, make: () => T): T {
    let n = this.nodes.get(key) as T | undefined;
    if (!n) {
      n = make();
      this.nodes.set(key, n);
    }
    return n;
  }

  private async timeline(incidentId: string): Promise<TimelineRead> {
    const revision = this.service.get(incidentId)?.revision ?? -1;
    const cached = this.timelines.get(incidentId);
    if (cached && cached.revision === revision) return cached.read;
    const read = await this.service.store.readTimeline(incidentId);
    this.timelines.set(incidentId, { revision, read });
    return read;
  }

  getChildren(element?: IncidentTreeNode): IncidentTreeNode[] | Promise<IncidentTreeNode[]> {
    if (!element) {
      return this.service.list().map((r) =>
        r.ok ? this.incidentNode(r.incident.id) : this.node(`!${r.id}`, () => ({ nodeType: 'unreadable' as const, incidentId: r.id })),
      );
    }
    if (element.nodeType === 'incident') {
      const id = element.incidentId;
      const outbox = this.unsent(id).length > 0 ? [this.outboxNode(id)] : [];
      return [...outbox, ...this.service.playbook.phases.map((s) => this.stepNode(id, s.id)), this.timelineNode(id)];
    }
    if (element.nodeType === 'outbox') {
      return this.unsent(element.incidentId).map((i) => this.node(`${element.incidentId}/outbox/${i.id}`, () => ({ nodeType: 'outboxItem' as const, incidentId: element.incidentId, itemId: i.id })));
    }
    if (element.nodeType === 'timeline') return this.timelineChildren(element.incidentId);
    if (element.nodeType === 'step') {
      const entry = this.index().get(element.stepId);
      return entry ? entry.step.children.map((s) => this.stepNode(element.incidentId, s.id)) : [];
    }
    return [];
  }

  private async timelineChildren(incidentId: string): Promise<IncidentTreeNode[]> {
    const read = await this.timeline(incidentId);
    const entry = (e: TimelineEntryNode['entry']) => this.node(`${incidentId}/timeline/${e}`, () => ({ nodeType: 'timelineEntry' as const, incidentId, entry: e }));
    const nodes: IncidentTreeNode[] = [];
    if (read.skipped.length > 0) nodes.push(entry('skipped'));
    const first = Math.max(0, read.events.length - TIMELINE_SHOWN);
    for (let i = read.events.length - 1; i >= first; i--) nodes.push(entry(i));
    if (first > 0) nodes.push(entry('older'));
    return nodes;
  }

  getParent(element: IncidentTreeNode): IncidentTreeNode | undefined {
    if (element.nodeType === 'timeline' || element.nodeType === 'outbox') return this.incidentNode(element.incidentId);
    if (element.nodeType === 'outboxItem') return this.outboxNode(element.incidentId);
    if (element.nodeType === 'timelineEntry') return this.timelineNode(element.incidentId);
    if (element.nodeType !== 'step') return undefined;
    const parent = this.index().get(element.stepId)?.parent;
    return parent ? this.stepNode(element.incidentId, parent.id) : this.incidentNode(element.incidentId);
  }

  getTreeItem(element: IncidentTreeNode): vscode.TreeItem | Promise<vscode.TreeItem> {
    if (element.nodeType === 'incident') return this.incidentItem(element);
    if (element.nodeType === 'step') return this.stepItem(element);
    if (element.nodeType === 'timeline') return this.timelineItem(element);
    if (element.nodeType === 'timelineEntry') return this.timelineEntryItem(element);
    if (element.nodeType === 'outbox') return this.outboxItem(element);
    if (element.nodeType === 'outboxItem') return this.outboxEntryItem(element);
    return this.unreadableItem(element);
  }

  private incidentItem(element: IncidentNode): vscode.TreeItem {
    const incident = this.service.get(element.incidentId);
    if (!incident) return new vscode.TreeItem(element.incidentId);
    const active = this.service.activeId === incident.id;
    const item = new vscode.TreeItem(
      incident.title,
      active || isOpen(incident) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = incident.id;
    const p = this.progressOf(incident, this.service.playbook.phases.flatMap((phase) => phase.children));
    item.description = [incident.id, incident.severity ?? 'SEV?', incident.status, `${p.done}/${p.total}`].join(' · ');
    const [icon, color] = isOpen(incident) ? (SEVERITY_ICON[incident.severity ?? ''] ?? ['circle-outline', undefined]) : ['pass', 'testing.iconPassed'];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = ['incident', isOpen(incident) ? 'open' : 'ended', active ? 'active' : 'notActive', incident.slack?.channelId ? 'hasChannel' : 'noChannel'].join(' ');
    item.tooltip = this.incidentTooltip(incident, active);
    item.accessibilityInformation = { label: `${incident.id} ${incident.title}, ${incident.severity ?? 'severity not set'}, ${incident.status}` };
    return item;
  }

  private incidentTooltip(incident: Incident, active: boolean): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${incident.id}**${active ? ' (active)' : ''}\n\n`);
    md.appendText(incident.title);
    md.appendMarkdown('\n\n');
    const rows: [string, string | undefined][] = [
      ['Severity', incident.severity ?? 'not set'],
      ['Status', incident.status],
      ['Commander', incident.roles.commander],
      ['Services', incident.services.join(', ') || undefined],
      ['Clusters / datacenters', incident.locations.join(', ') || undefined],
      ['Customer impact', incident.customerImpact],
      ['Production', incident.production === undefined ? undefined : incident.production ? 'yes' : 'no'],
      ['Bridge', incident.bridge.url ?? (incident.bridge.needed === false ? 'not needed' : undefined)],
      ['Declared', `${formatClock(incident.timestamps.declared)} (${formatElapsed(incident.timestamps.declared, new Date())} ago)`],
    ];
    for (const [k, v] of rows) if (v) md.appendMarkdown(`- ${k}: `).appendText(v).appendMarkdown('\n');
    return md;
  }

  private stepItem(element: StepNode): vscode.TreeItem {
    const incident = this.service.get(element.incidentId);
    const entry = this.index().get(element.stepId);
    if (!incident || !entry) return new vscode.TreeItem(element.stepId);
    const { step, depth } = entry;
    const state = incident.steps[step.id];
    const applies = stepApplies(step, conditionSubject(incident));
    const label = `${step.path} ${step.title}`;
    const item = new vscode.TreeItem(label, step.children.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `${incident.id}/${step.id}`;
    const descriptions: string[] = [];
    if (step.children.length > 0) {
      const p = this.progressOf(incident, step.children);
      descriptions.push(`${p.done}/${p.total}`);
    }
    if (!applies) descriptions.push('n/a');
    if (state?.done && depth > 0) descriptions.push(`${state.by ?? ''} ${state.at ? formatClock(state.at) : ''}`.trim());
    item.description = descriptions.join(' · ') || undefined;
    if (depth > 0) {
      item.checkboxState = {
        state: state?.done ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked,
        tooltip: state?.done ? 'Mark as not done' : 'Mark as done',
        accessibilityInformation: { label: `${label}: ${state?.done ? 'done' : 'not done'}` },
      };
    } else {
      item.iconPath = new vscode.ThemeIcon('list-ordered');
    }
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${step.path}** `).appendText(step.title);
    if (step.detail) tooltip.appendMarkdown('\n\n').appendText(step.detail);
    if (step.inputs?.length) tooltip.appendMarkdown('\n\nInput: ').appendText(step.inputs.join(', '));
    if (step.outputs?.length) tooltip.appendMarkdown('\n\nOutput: ').appendText(step.outputs.join(', '));
    if (!applies) tooltip.appendMarkdown('\n\n*Does not apply to this incident as it is recorded now.*');
    if (state?.done) tooltip.appendMarkdown('\n\nDone by ').appendText(`${state.by ?? 'someone'} at ${state.at ?? '?'}`);
    if (state?.note) tooltip.appendMarkdown('\n\nNote: ').appendText(state.note);
    if (step.action) tooltip.appendMarkdown('\n\n$(play) This step has an action: use the play button or the context menu.');
    item.tooltip = tooltip;
    item.contextValue = ['step', depth === 0 ? 'phase' : '', step.action ? 'action' : '', state?.done ? 'done' : 'todo', applies ? '' : 'na']
      .filter(Boolean)
      .join(' ');
    return item;
  }

  private outboxItem(element: OutboxNode): vscode.TreeItem {
    const items = this.unsent(element.incidentId);
    const failed = items.filter((i) => i.state === 'failed').length;
    const connected = this.outbox?.connected() ?? true;
    const label = failed > 0 ? `Slack: ${failed} refused, ${items.length - failed} waiting` : connected ? `Slack: ${items.length} waiting` : `${items.length} waiting for Slack (not connected)`;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `${element.incidentId}/outbox`;
    item.iconPath = new vscode.ThemeIcon(failed > 0 ? 'error' : connected ? 'sync~spin' : 'debug-disconnect', failed > 0 ? new vscode.ThemeColor('errorForeground') : undefined);
    item.tooltip = failed > 0 ? 'Slack refused some calls: retry, edit or discard each. Later calls to the same channel wait behind them.' : connected ? 'Calls on their way to Slack; they are retried until they go.' : 'Connect Slack ("Incident: Connect Slack") and these go out, in order.';
    if (!connected) item.command = { command: 'incidentCommander.setSlackToken', title: 'Connect Slack' };
    item.contextValue = 'outbox';
    return item;
  }

  private outboxEntryItem(element: OutboxItemNode): vscode.TreeItem {
    const i = this.outbox?.items(element.incidentId).find((x) => x.id === element.itemId);
    const item = new vscode.TreeItem(i?.summary ?? element.itemId);
    item.id = `${element.incidentId}/outbox/${element.itemId}`;
    if (!i) return item;
    const state = i.state === 'failed' ? 'refused' : i.state === 'sending' ? 'sending' : i.blockedBy ? 'blocked' : i.attempts > 0 ? `retrying (${i.attempts})` : 'waiting';
    item.description = state + (i.lastError ? ` · ${i.lastError.code}` : '');
    item.iconPath = new vscode.ThemeIcon(i.state === 'failed' ? 'error' : i.state === 'sending' ? 'loading~spin' : 'clock', i.state === 'failed' ? new vscode.ThemeColor('errorForeground') : undefined);
    const tip = [`${i.summary}`, `${i.op} · ${i.state} · tried ${i.attempts} time${i.attempts === 1 ? '' : 's'}`];
    if (i.lastError) tip.push(i.lastError.message);
    if (i.blockedBy) tip.push(`Waiting behind: ${i.blockedBy.reason}`);
    if (i.nextAttemptAt && i.state === 'pending') tip.push(`Next try at ${formatClock(i.nextAttemptAt)}`);
    item.tooltip = tip.join('\n');
    item.contextValue = `outboxItem ${i.state}`;
    return item;
  }

  private timelineItem(element: TimelineNode): vscode.TreeItem {
    const item = new vscode.TreeItem('Timeline', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `${element.incidentId}/timeline`;
    item.iconPath = new vscode.ThemeIcon('history');
    const cached = this.timelines.get(element.incidentId)?.read;
    if (cached) item.description = `${cached.events.length} event${cached.events.length === 1 ? '' : 's'}${cached.skipped.length ? ` · ${cached.skipped.length} unreadable` : ''}`;
    item.tooltip = 'Every change to this incident, newest first (timeline.jsonl).';
    item.contextValue = 'timeline';
    return item;
  }

  private async timelineEntryItem(element: TimelineEntryNode): Promise<vscode.TreeItem> {
    const read = await this.timeline(element.incidentId);
    const open = { command: 'incidentCommander.openTimeline', title: 'Open the timeline', arguments: [{ incidentId: element.incidentId }] };
    if (element.entry === 'skipped') {
      const n = read.skipped.length;
      const item = new vscode.TreeItem(`${n} line${n === 1 ? '' : 's'} of timeline.jsonl could not be read`);
      item.id = `${element.incidentId}/timeline/skipped`;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('editorWarning.foreground'));
      item.tooltip = `Skipped, and left in the file as they are:\n${read.skipped.map((s) => `line ${s.line}: ${s.reason}`).join('\n')}`;
      item.command = open;
      return item;
    }
    if (element.entry === 'older') {
      const item = new vscode.TreeItem(`${read.events.length - TIMELINE_SHOWN} older events: open the timeline`);
      item.id = `${element.incidentId}/timeline/older`;
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = open;
      return item;
    }
    const e = read.events[element.entry];
    const title = (id: string) => {
      const step = this.index().get(id)?.step;
      return step ? `${step.path} ${step.title}` : undefined;
    };
    const item = new vscode.TreeItem(e ? describeEvent(e, title) : '?');
    item.id = `${element.incidentId}/timeline/${element.entry}`;
    if (e) {
      item.description = `${e.actor} · ${formatClock(e.at)}`;
      item.tooltip = `${e.at} by ${e.actor}\n${describeEvent(e, title)}`;
      item.iconPath = new vscode.ThemeIcon(EVENT_ICON[e.type] ?? 'circle-small');
    }
    item.contextValue = 'timelineEntry';
    return item;
  }

  private unreadableItem(element: UnreadableNode): vscode.TreeItem {
    const r = this.service.result(element.incidentId);
    const item = new vscode.TreeItem(element.incidentId, vscode.TreeItemCollapsibleState.None);
    item.id = `!${element.incidentId}`;
    item.description = 'cannot be read';
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    item.tooltip = r && !r.ok ? r.error.message : 'This record cannot be read.';
    item.contextValue = 'unreadable';
    item.command = { command: 'incidentCommander.openRecord', title: 'Open the record', arguments: [{ incidentId: element.incidentId }] };
    return item;
  }

  private progressOf(incident: Incident, steps: readonly Step[]) {
    const subject = conditionSubject(incident);
    return progress(
      steps,
      (s) => incident.steps[s.id]?.done === true,
      (s) => stepApplies(s, subject),
    );
  }
}

/** One line of plain text for a timeline event, as a person reads it. */
import type { TimelineEvent } from './types';

const text = (v: unknown): string => (v === null || v === undefined || v === '' ? '(none)' : Array.isArray(v) ? v.join(', ') || '(none)' : typeof v === 'object' ? JSON.stringify(v) : String(v));

const FIELD_NAMES: Record<string, string> = {
  bridge: 'Bridge',
  services: 'Impacted services',
  locations: 'Clusters / datacenters',
  customerImpact: 'Customer impact',
  production: 'Production',
  problemRecord: 'Problem record',
  reporter: 'Reporter',
  title: 'Title',
  slack: 'Slack channel',
};

/**
 * @param stepTitle names a step by its id ("1.1.1 Ack the page"); the id itself is shown when the
 * playbook in force no longer has the step.
 */
export function describeEvent(e: TimelineEvent, stepTitle: (stepId: string) => string | undefined = () => undefined): string {
  const d = e.data ?? {};
  switch (e.type) {
    case 'declared':
      return `Declared: ${text(d.title)}${d.severity ? ` (${text(d.severity)})` : ''}`;
    case 'acknowledged':
      return 'Acknowledged';
    case 'status-changed':
      return `Status ${text(d.from)} → ${text(d.to)}`;
    case 'severity-changed':
      return `Severity ${d.from ? text(d.from) : 'not set'} → ${text(d.to)}${d.reason ? `: ${text(d.reason)}` : ''}`;
    case 'step-toggled': {
      const step = typeof d.stepId === 'string' ? (stepTitle(d.stepId) ?? d.stepId) : '?';
      return `${d.done ? 'Done' : 'Not done'}: ${step}${d.note ? ` (${text(d.note)})` : ''}`;
    }
    case 'note-added': {
      const step = typeof d.stepId === 'string' ? (stepTitle(d.stepId) ?? d.stepId) : undefined;
      return step ? `Note on ${step}: ${text(d.text)}` : `Note: ${text(d.text)}`;
    }
    case 'role-assigned':
      return `${text(d.role).replace(/^./, (c) => c.toUpperCase())}: ${text(d.to)}${d.from ? ` (was ${text(d.from)})` : ''}`;
    case 'field-changed': {
      const field = typeof d.field === 'string' ? (FIELD_NAMES[d.field] ?? d.field) : 'Field';
      if (d.field === 'slack' && d.to && typeof d.to === 'object') {
        const to = d.to as { channelName?: string; archived?: boolean; headlineTs?: string };
        if (to.archived) return `Slack channel #${to.channelName ?? '?'} archived`;
        return `Slack channel #${to.channelName ?? '?'}${to.headlineTs ? ' (headline pinned)' : ''}`;
      }
      return `${field}: ${text(d.to)}`;
    }
    default:
      return `${String(e.type)}${Object.keys(d).length ? `: ${JSON.stringify(d)}` : ''}`;
  }
}

/**
 * When a step applies to an incident (its `when:`). Nothing here imports 'vscode'.
 */
import type { Condition, ConditionField, Step } from './types';

/**
 * The incident facts a `when` can test, as a plain object. Leave a field undefined while it is
 * not known yet: an unknown field never hides a step.
 */
export interface ConditionSubject {
  readonly reporter?: string;
  readonly customerImpact?: string;
  readonly severity?: string;
  readonly production?: boolean;
  readonly status?: string;
  readonly bridgeNeeded?: boolean;
}

const FIELDS: readonly ConditionField[] = ['reporter', 'customerImpact', 'severity', 'production', 'status', 'bridgeNeeded'];

/**
 * True when every field the condition lists matches one of its values on the subject.
 * A field the subject does not know (undefined or null) does not rule the step out, and a
 * missing or empty condition always applies. Values compare exactly (=== after no conversion).
 */
export function conditionMatches(when: Condition | undefined, subject: ConditionSubject): boolean {
  if (!when) return true;
  for (const field of FIELDS) {
    const values = when[field];
    if (values === undefined) continue;
    const actual = subject[field] as string | boolean | null | undefined;
    if (actual === undefined || actual === null) continue;
    if (!values.includes(actual)) return false;
  }
  return true;
}

/** Whether `step` applies to the incident described by `subject` (its own `when` only, not its ancestors'). */
export function stepApplies(step: Pick<Step, 'when'>, subject: ConditionSubject): boolean {
  return conditionMatches(step.when, subject);
}

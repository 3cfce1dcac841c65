import type { Incident } from './types';
import type { ConditionSubject } from '../playbook/conditions';

/** What a step's `when` sees of an incident. */
export function conditionSubject(incident: Incident): ConditionSubject {
  return {
    reporter: incident.reporter?.kind,
    customerImpact: incident.customerImpact,
    severity: incident.severity,
    production: incident.production,
    status: incident.status,
    bridgeNeeded: incident.bridge.needed,
  };
}

/**
 * Commands take an optional argument object (the automation API). From the tree they receive the
 * clicked node instead; both carry incidentId / stepId, so one reader serves both.
 */
import { IncidentError } from '../core/errors';

export type Args = Record<string, unknown>;

export function asArgs(value: unknown): Args {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Args) : {};
}

/** True when a caller gave an argument object (automation) rather than nothing or a tree node. */
export function isAutomation(value: unknown): boolean {
  return !!value && typeof value === 'object' && !Array.isArray(value) && !('nodeType' in value);
}

export function optionalString(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new IncidentError(`${key} must be text (got ${typeof v}).`, 'invalid-input');
  return v;
}

export function optionalBoolean(args: Args, key: string): boolean | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new IncidentError(`${key} must be true or false (got ${JSON.stringify(v)}).`, 'invalid-input');
  return v;
}

export function optionalList(args: Args, key: string): string[] | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new IncidentError(`${key} must be a list of names.`, 'invalid-input');
}

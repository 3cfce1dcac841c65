/**
 * The playbook file's schema (valibot). It checks shape and types only; parse.ts turns the
 * issues into located, human-readable diagnostics and checks what needs the whole file
 * (duplicate ids). Custom checks carry a message code (`CODE.*`) that parse.ts translates.
 * Nothing here imports 'vscode'.
 */
import * as v from 'valibot';
import type { Condition, ConditionField } from './types';

/** The file format version this code reads (`schemaVersion:` in the file). */
export const PLAYBOOK_FILE_SCHEMA_VERSION = 1 as const;

/** Fields a `when:` may test; keep in step with ConditionField in types.ts. */
export const CONDITION_FIELDS: readonly ConditionField[] = [
  'reporter',
  'customerImpact',
  'severity',
  'production',
  'status',
  'bridgeNeeded',
];
/** Condition fields whose values are true/false; the others are text. */
export const BOOLEAN_CONDITION_FIELDS: ReadonlySet<ConditionField> = new Set<ConditionField>(['production', 'bridgeNeeded']);

/** Keys allowed at the top of the file. */
export const ROOT_KEYS = ['schemaVersion', 'id', 'title', 'version', 'phases'] as const;
/** Keys allowed in a phase or step. */
export const STEP_KEYS = [
  'id',
  'number',
  'title',
  'detail',
  'inputs',
  'outputs',
  'action',
  'actionArgs',
  'when',
  'steps',
] as const;

/** Lowercase words of letters and digits joined by single hyphens: "ack-page", "step-2". */
export const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A VS Code command id: at least two dot-separated segments, no spaces ("incidentCommander.acknowledge"). */
export const COMMAND_ID = /^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)+$/;

/** Message codes of the custom checks; parse.ts writes the sentence. */
export const CODE = {
  mapping: '@mapping',
  schemaVersion: '@schemaVersion',
  number: '@number',
  numberFormat: '@numberFormat',
  version: '@version',
  emptyText: '@emptyText',
  kebab: '@kebab',
  command: '@command',
  emptyPhases: '@emptyPhases',
  whenText: '@whenText',
  whenBoolean: '@whenBoolean',
  whenEmpty: '@whenEmpty',
  actionArg: '@actionArg',
} as const;

/** A step as the schema outputs it (before paths are computed). */
export interface RawStep {
  id: string;
  number: string;
  title: string;
  detail?: string;
  inputs?: string[];
  outputs?: string[];
  action?: string;
  actionArgs?: Record<string, string | number | boolean>;
  when?: Condition;
  steps?: RawStep[];
}

export interface RawPlaybook {
  schemaVersion: 1;
  id: string;
  title: string;
  version?: string;
  phases: RawStep[];
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Rejects lists and scalars before a strictObject/record runs (valibot's objects accept arrays). */
function mapping<TSchema extends v.GenericSchema<Record<string, unknown>>>(schema: TSchema) {
  return v.pipe(v.custom<Record<string, unknown>>(isPlainObject, CODE.mapping), schema);
}

const trimmedText = v.pipe(v.string(), v.trim(), v.minLength(1, CODE.emptyText));
const textList = v.array(trimmedText);

const isWholeNumber = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** "5" (or 5, written without quotes): this level's number only. */
const stepNumber = v.pipe(
  v.custom<string | number>((x) => typeof x === 'string' || isWholeNumber(x), CODE.number),
  v.transform((x) => String(x).trim()),
  v.check((s) => s.length > 0 && !/[.\s]/.test(s), CODE.numberFormat),
);

const versionText = v.pipe(
  v.custom<string | number>((x) => (typeof x === 'string' && x.trim().length > 0) || typeof x === 'number', CODE.version),
  v.transform((x) => String(x).trim()),
);

const isTextValue = (x: unknown): x is string | number => typeof x === 'string' || typeof x === 'number';

/** `reporter: [customer, service-owner]` (a single value without brackets is accepted too). */
const whenTextValues = v.pipe(
  v.custom<string | number | Array<string | number>>(
    (x) => isTextValue(x) || (Array.isArray(x) && x.every(isTextValue)),
    CODE.whenText,
  ),
  v.transform((x) => (Array.isArray(x) ? x : [x]).map((s) => String(s))),
  v.check((a) => a.length > 0, CODE.whenEmpty),
);

/** `production: [true]` (or `production: true`). */
const whenBooleanValues = v.pipe(
  v.custom<boolean | boolean[]>(
    (x) => typeof x === 'boolean' || (Array.isArray(x) && x.every((b) => typeof b === 'boolean')),
    CODE.whenBoolean,
  ),
  v.transform((x) => (Array.isArray(x) ? x : [x])),
  v.check((a) => a.length > 0, CODE.whenEmpty),
);

const conditionSchema = mapping(
  v.strictObject({
    reporter: v.optional(whenTextValues),
    customerImpact: v.optional(whenTextValues),
    severity: v.optional(whenTextValues),
    production: v.optional(whenBooleanValues),
    status: v.optional(whenTextValues),
    bridgeNeeded: v.optional(whenBooleanValues),
  }),
);

const actionArgsSchema = mapping(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()], CODE.actionArg)));

export const StepSchema: v.GenericSchema<unknown, RawStep> = mapping(
  v.strictObject({
    id: v.pipe(v.string(), v.regex(KEBAB_CASE, CODE.kebab)),
    number: stepNumber,
    title: trimmedText,
    detail: v.optional(trimmedText),
    inputs: v.optional(textList),
    outputs: v.optional(textList),
    action: v.optional(v.pipe(v.string(), v.regex(COMMAND_ID, CODE.command))),
    actionArgs: v.optional(actionArgsSchema),
    when: v.optional(conditionSchema),
    steps: v.optional(v.array(v.lazy(() => StepSchema))),
  }),
) as v.GenericSchema<unknown, RawStep>;

export const PlaybookSchema: v.GenericSchema<unknown, RawPlaybook> = mapping(
  v.strictObject({
    schemaVersion: v.custom<1>((x) => x === PLAYBOOK_FILE_SCHEMA_VERSION, CODE.schemaVersion),
    id: v.pipe(v.string(), v.regex(KEBAB_CASE, CODE.kebab)),
    title: trimmedText,
    version: v.optional(versionText),
    phases: v.pipe(v.array(StepSchema), v.minLength(1, CODE.emptyPhases)),
  }),
) as v.GenericSchema<unknown, RawPlaybook>;

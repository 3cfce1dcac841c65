/**
 * The procedure as data. A playbook is a tree of steps; the top level are the phases.
 * Nothing here imports 'vscode'.
 */

/** Fields of an incident that a step's `when` may test. */
export type ConditionField = 'reporter' | 'customerImpact' | 'severity' | 'production' | 'status' | 'bridgeNeeded';

/**
 * A step applies when every listed field matches one of its values.
 * A field that is not yet known on the incident does not rule the step out:
 * at 3 a.m. it is safer to show a step than to hide it.
 */
export type Condition = Partial<Record<ConditionField, ReadonlyArray<string | boolean>>>;

export interface Step {
  /** Stable id, unique in the playbook (kebab-case). */
  readonly id: string;
  /** The procedure's own number at this level ("5"); not unique (phase 1 has two steps numbered 5). */
  readonly number: string;
  /** Full dotted number from the root ("1.5"). */
  readonly path: string;
  /** The procedure's wording. */
  readonly title: string;
  /** Longer guidance shown in the tooltip. */
  readonly detail?: string;
  /** Inputs / outputs the procedure names for a phase ("Input = Incident Record, ..."). */
  readonly inputs?: readonly string[];
  readonly outputs?: readonly string[];
  /** Command id that does this step's work. */
  readonly action?: string;
  /** Arguments passed to `action` ({ role: 'commander' }); only meaningful with an action. */
  readonly actionArgs?: Readonly<Record<string, string | number | boolean>>;
  readonly when?: Condition;
  readonly children: readonly Step[];
}

export interface Playbook {
  readonly schemaVersion: 1;
  readonly id: string;
  readonly title: string;
  readonly version: string;
  /** Top-level steps: the procedure's phases. */
  readonly phases: readonly Step[];
}

export type DiagnosticSeverity = 'error' | 'warning';

/** A problem found in a playbook file, positioned 1-based as editors show it. */
export interface PlaybookDiagnostic {
  readonly severity: DiagnosticSeverity;
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface PlaybookParseResult {
  /** The playbook, when the file was valid enough to use; undefined when it must not be used. */
  readonly playbook?: Playbook;
  readonly diagnostics: readonly PlaybookDiagnostic[];
}

/**
 * Reads a playbook file (YAML) into a Playbook, with diagnostics positioned at the offending
 * node (1-based lines and columns, as editors show them). Never throws.
 * Nothing here imports 'vscode'.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import * as v from 'valibot';
import type { Playbook, PlaybookDiagnostic, PlaybookParseResult, DiagnosticSeverity, Step } from './types';
import {
  BOOLEAN_CONDITION_FIELDS,
  CODE,
  CONDITION_FIELDS,
  PLAYBOOK_FILE_SCHEMA_VERSION,
  PlaybookSchema,
  ROOT_KEYS,
  STEP_KEYS,
  isPlainObject,
} from './schema';
import type { RawPlaybook, RawStep } from './schema';

export { PLAYBOOK_FILE_SCHEMA_VERSION } from './schema';

/** Larger files are refused unread: a real playbook is a few kilobytes, and 10 MB of YAML takes seconds. */
export const MAX_PLAYBOOK_LENGTH = 1_000_000;

type PathKey = string | number;
type Range = readonly [start: number, end: number];

/** Parses a playbook file. `playbook` is set only when there is no error diagnostic. */
export function parsePlaybook(text: string): PlaybookParseResult {
  try {
    if (typeof text !== 'string') {
      return { diagnostics: [diagnosticAtStart('The playbook could not be read: it is not text.')] };
    }
    return parseText(text);
  } catch (err) {
    // Deeply nested or otherwise pathological input can exhaust the stack in the YAML parser.
    const reason = err instanceof Error ? err.message : String(err);
    return { diagnostics: [diagnosticAtStart(`The playbook could not be read (${reason}).`)] };
  }
}

function diagnosticAtStart(message: string): PlaybookDiagnostic {
  return { severity: 'error', message, line: 1, column: 1, endLine: 1, endColumn: 1 };
}

function parseText(text: string): PlaybookParseResult {
  if (text.length > MAX_PLAYBOOK_LENGTH) {
    const mb = (text.length / 1_000_000).toFixed(1);
    return {
      diagnostics: [diagnosticAtStart(`The playbook file is too large (${mb} MB); playbooks are limited to 1 MB.`)],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locator = new Locator(doc, lineCounter, text);
  const diagnostics: PlaybookDiagnostic[] = [];

  for (const e of doc.errors) diagnostics.push(locator.at('error', yamlMessage(e.message), [e.pos[0], e.pos[1]]));
  for (const w of doc.warnings) diagnostics.push(locator.at('warning', yamlMessage(w.message), [w.pos[0], w.pos[1]]));
  if (doc.errors.length > 0) return { diagnostics: sorted(diagnostics) };

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    diagnostics.push(
      diagnosticAtStart(
        'The playbook file is empty; it needs schemaVersion, id, title and phases (see playbooks/ims.yaml).',
      ),
    );
    return { diagnostics: sorted(diagnostics) };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    diagnostics.push(diagnosticAtStart(`The playbook could not be read (${reason}).`));
    return { diagnostics: sorted(diagnostics) };
  }

  const result = v.safeParse(PlaybookSchema, data, { abortEarly: false });
  if (!result.success) {
    const reportedObjects = new Set<unknown>();
    for (const issue of result.issues) {
      diagnostics.push(...issueDiagnostics(issue, data, locator, reportedObjects));
    }
  }
  diagnostics.push(...duplicateIdDiagnostics(data, locator));

  const ordered = sorted(diagnostics);
  if (!result.success || ordered.some((d) => d.severity === 'error')) return { diagnostics: ordered };
  return { playbook: toPlaybook(result.output), diagnostics: ordered };
}

/** yaml's messages sometimes run on with a source excerpt; keep the first line. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0].trim();
  return first.length > 0 ? `YAML syntax: ${first}` : 'YAML syntax error.';
}

function sorted(diagnostics: PlaybookDiagnostic[]): PlaybookDiagnostic[] {
  return diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
}

// ---------------------------------------------------------------------------------------------
// Locating nodes

/** Finds the YAML node for a data path and turns offsets into 1-based positions. */
class Locator {
  private readonly lineStarts: readonly number[];

  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
    private readonly text: string,
  ) {
    this.lineStarts = lineCounter.lineStarts;
  }

  /** A diagnostic over [start, end) offsets, clipped to the start's line. */
  at(severity: DiagnosticSeverity, message: string, range: Range): PlaybookDiagnostic {
    const startOffset = Math.max(0, Math.min(range[0], this.text.length));
    let endOffset = Math.max(startOffset, Math.min(range[1], this.text.length));
    const lineEnd = this.lineEnd(startOffset);
    if (endOffset > lineEnd) endOffset = lineEnd;
    const start = this.lineCounter.linePos(startOffset);
    const end = this.lineCounter.linePos(endOffset);
    return { severity, message, line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
  }

  /** Offset of the end of the line holding `offset` (before "\r\n" / "\n"). */
  private lineEnd(offset: number): number {
    // lineStarts is sorted; find the first line start after offset.
    let lo = 0;
    let hi = this.lineStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid + 1;
      else hi = mid;
    }
    let end = lo < this.lineStarts.length ? this.lineStarts[lo] - 1 : this.text.length;
    if (end > offset && this.text[end - 1] === '\r') end -= 1;
    return Math.max(end, offset);
  }

  /**
   * Walks `path` from the document root. Returns the deepest node reached, the pair holding it
   * (when it is a map value) and whether the whole path resolved. Through an alias, positions
   * are those of the alias itself (the place the user wrote it).
   */
  resolve(path: readonly PathKey[]): { node?: YamlNode; pair?: Pair; complete: boolean; aliasNode?: YamlNode } {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    let aliasNode: YamlNode | undefined;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) {
        aliasNode ??= node;
        node = node.resolve(this.doc);
      }
      const key = path[i];
      let next: unknown;
      let nextPair: Pair | undefined;
      if (isMap(node)) {
        nextPair = node.items.find((p) => keyText(p.key) === String(key));
        next = nextPair?.value;
      } else if (isSeq(node) && typeof key === 'number') {
        next = node.items[key];
      }
      if (next === undefined && nextPair === undefined) {
        return { node: node as YamlNode | undefined, pair, complete: false, aliasNode };
      }
      node = next;
      pair = nextPair;
    }
    if (isAlias(node)) aliasNode ??= node;
    return { node: (node ?? undefined) as YamlNode | undefined, pair, complete: true, aliasNode };
  }

  /** The range of the value at `path`; its key when the value is empty; the nearest ancestor otherwise. */
  valueRange(path: readonly PathKey[]): Range {
    const { node, pair, complete, aliasNode } = this.resolve(path);
    if (aliasNode?.range) return [aliasNode.range[0], aliasNode.range[1]];
    if (!complete) return this.headRangeOf(node);
    const r = node?.range;
    if (r && r[1] > r[0]) return [r[0], r[1]];
    const keyRange = (pair?.key as YamlNode | null | undefined)?.range;
    if (keyRange) return [keyRange[0], keyRange[1]];
    if (r) return [r[0], r[1]];
    return [0, 0];
  }

  /** The range of the key `key` in the mapping at `mapPath`. */
  keyRange(mapPath: readonly PathKey[], key: string): Range {
    const { node, complete, aliasNode } = this.resolve(mapPath);
    if (aliasNode?.range) return [aliasNode.range[0], aliasNode.range[1]];
    if (complete && isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === key);
      const r = (pair?.key as YamlNode | null | undefined)?.range;
      if (r) return [r[0], r[1]];
    }
    return this.headRangeOf(node);
  }

  /** The first line of the mapping at `path`: where a missing key is reported. */
  headRange(path: readonly PathKey[]): Range {
    const { node, aliasNode } = this.resolve(path);
    if (aliasNode?.range) return [aliasNode.range[0], aliasNode.range[1]];
    return this.headRangeOf(node);
  }

  private headRangeOf(node: YamlNode | undefined): Range {
    if (!node?.range) return [0, 0];
    if (isMap(node) && node.items.length > 0 && node.flow !== true) {
      const first = node.items[0];
      const key = first.key as YamlNode | null;
      const value = first.value as YamlNode | null;
      const start = key?.range?.[0] ?? node.range[0];
      const end = value && !isCollection(value) && value.range ? value.range[1] : (key?.range?.[1] ?? node.range[1]);
      return [start, Math.max(start, end)];
    }
    return [node.range[0], node.range[1]];
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return undefined;
  return String(key);
}

// ---------------------------------------------------------------------------------------------
// Turning schema issues into sentences

type Issue = v.BaseIssue<unknown>;

function issuePath(issue: Issue): PathKey[] {
  return (issue.path ?? []).map((item) => item.key as PathKey);
}

/** Where a path lands: the enclosing phase/step (or the playbook) and the field inside it. */
interface Place {
  /** "step 'ack-page'", "step 1.2", "phase 'handle-alert'", "the playbook". */
  readonly owner: string;
  /** Path of the owner object. */
  readonly ownerPath: PathKey[];
  /** Path inside the owner ("title", "when", "reporter" ...); empty when the issue is the owner itself. */
  readonly field: PathKey[];
  /** Kind of object the field path ends in, for allowed-key lists. */
  readonly kind: 'root' | 'step';
}

function placeOf(path: readonly PathKey[], data: unknown): Place {
  // Steps live at phases[i] and then at steps[j] below them.
  let ownerEnd = 0;
  let cursor: unknown = data;
  const numbers: string[] = [];
  let lastId: string | undefined;
  let depth = -1;
  let i = 0;
  while (i + 1 < path.length && (path[i] === (depth < 0 ? 'phases' : 'steps')) && typeof path[i + 1] === 'number') {
    const list: unknown = isPlainObject(cursor) ? cursor[path[i] as string] : undefined;
    const item: unknown = Array.isArray(list) ? list[path[i + 1] as number] : undefined;
    depth += 1;
    const index = (path[i + 1] as number) + 1;
    const raw = isPlainObject(item) ? item : undefined;
    const num = raw && (typeof raw.number === 'string' || typeof raw.number === 'number') ? String(raw.number).trim() : '';
    numbers.push(num !== '' && !/[.\s]/.test(num) ? num : String(index));
    lastId = raw && typeof raw.id === 'string' && raw.id.trim() !== '' ? raw.id : undefined;
    cursor = item;
    i += 2;
    ownerEnd = i;
  }
  if (depth < 0) return { owner: 'the playbook', ownerPath: [], field: [...path], kind: 'root' };
  const noun = depth === 0 ? 'phase' : 'step';
  const owner = lastId !== undefined ? `${noun} '${lastId}'` : `${noun} ${numbers.join('.')}`;
  return { owner, ownerPath: path.slice(0, ownerEnd), field: path.slice(ownerEnd), kind: 'step' };
}

function fieldName(field: readonly PathKey[]): string {
  let name = '';
  let item: number | undefined;
  for (const k of field) {
    if (typeof k === 'number') item = k + 1;
    else name = name ? `${name}.${k}` : k;
  }
  if (item !== undefined && typeof field[field.length - 1] === 'number') return `item ${item} of '${name}'`;
  return `'${name}'`;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value.trim() === '' ? 'blank text' : `the text '${clip(value)}'`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  return typeof value;
}

/** "it lists the text 'yes'" for a list with a wrong item, "it is a mapping" otherwise. */
function listedBadly(input: unknown, ok: (x: unknown) => boolean): string {
  if (Array.isArray(input)) {
    const bad = input.find((x) => !ok(x));
    if (bad !== undefined || input.some((x) => x === undefined)) return `it lists ${describe(bad)}`;
  }
  return `it is ${describe(input)}`;
}

function clip(s: string, max = 60): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "'title' of step 'ack-page'" or "the playbook's 'title'". */
function subject(place: Place): string {
  if (place.field.length === 0) return place.owner;
  const f = fieldName(place.field);
  return place.kind === 'root' && place.ownerPath.length === 0 ? `the playbook's ${f}` : `${f} of ${place.owner}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  array: 'a list',
  strict_object: 'a mapping',
  record: 'a mapping',
  number: 'a number',
  boolean: 'true or false',
};

function issueDiagnostics(issue: Issue, data: unknown, locator: Locator, reported: Set<unknown>): PlaybookDiagnostic[] {
  const path = issuePath(issue);
  const last = issue.path?.[issue.path.length - 1];

  // Keys: unknown ones (strictObject reports only the first, so list them all here) and missing ones.
  if (issue.kind === 'schema' && issue.type === 'strict_object' && last && last.origin === 'key') {
    const mapPath = path.slice(0, -1);
    const key = String(last.key);
    const place = placeOf(mapPath, data);
    const inWhen = place.field.length === 1 && place.field[0] === 'when';
    if (issue.expected === 'never') {
      if (reported.has(last.input)) return [];
      reported.add(last.input);
      const allowed: readonly string[] = inWhen ? CONDITION_FIELDS : place.kind === 'root' ? ROOT_KEYS : STEP_KEYS;
      const obj = isPlainObject(last.input) ? last.input : {};
      return Object.keys(obj)
        .filter((k) => !allowed.includes(k))
        .map((k) => {
          const hint = closest(k, allowed);
          const where = inWhen ? `'when' of ${place.owner}` : place.owner;
          const what = inWhen ? 'condition field' : 'key';
          const message =
            `Unknown ${what} '${k}' in ${where}.` + (hint ? ` Did you mean '${hint}'?` : '') + ` Allowed: ${allowed.join(', ')}.`;
          return locator.at('error', message, locator.keyRange(mapPath, k));
        });
    }
    const need = MISSING_HINTS[key] ?? '';
    const message = `${capitalize(place.field.length === 0 ? place.owner : subject(place))} is missing '${key}'${need}.`;
    return [locator.at('error', message, locator.headRange(mapPath))];
  }

  const place = placeOf(path, data);
  const fieldKey = place.field.filter((k) => typeof k === 'string').pop();
  const range = locator.valueRange(path);
  const what = subject(place);
  const got = describe(issue.input);
  let message: string;
  switch (issue.message) {
    case CODE.mapping:
      message =
        place.field.length === 0 && place.kind === 'root'
          ? `The playbook must be a mapping with schemaVersion, id, title and phases, but it is ${got}.`
          : `${capitalize(what)} must be a mapping (key: value lines), but it is ${got}.`;
      break;
    case CODE.schemaVersion:
      message =
        typeof issue.input === 'number'
          ? `Unsupported schemaVersion ${issue.input}; this version of Incident Commander reads schemaVersion ${PLAYBOOK_FILE_SCHEMA_VERSION}.`
          : `schemaVersion must be the number ${PLAYBOOK_FILE_SCHEMA_VERSION}, but it is ${got}.`;
      break;
    case CODE.number:
      message = `${capitalize(what)} must be this step's number in the procedure, such as "5", but it is ${got}.`;
      break;
    case CODE.numberFormat:
      message = `${capitalize(what)} must be this level's number only, without dots or spaces (write "5", not "1.5"); the full path is computed.`;
      break;
    case CODE.version:
      message = `${capitalize(what)} must be text such as "1", but it is ${got}.`;
      break;
    case CODE.emptyText:
      message = `${capitalize(what)} must not be blank.`;
      break;
    case CODE.kebab:
      message =
        place.kind === 'root' && place.field.length === 1
          ? `Playbook id '${clip(String(issue.input))}' is not kebab-case (lowercase letters and digits joined by hyphens, such as 'ims').`
          : `Step id '${clip(String(issue.input))}' is not kebab-case (lowercase letters and digits joined by hyphens, such as 'ack-page').`;
      break;
    case CODE.command:
      message = `Action '${clip(String(issue.input))}' of ${place.owner} does not look like a command id (such as 'incidentCommander.acknowledge').`;
      break;
    case CODE.emptyPhases:
      message = 'The playbook has no phases; add at least one under \'phases:\'.';
      break;
    case CODE.whenText:
      message = `${capitalize(what)} must be a list of values such as [${fieldKey === 'reporter' ? 'customer' : 'value'}], but ${listedBadly(issue.input, (x) => typeof x === 'string' || typeof x === 'number')}.`;
      break;
    case CODE.whenBoolean:
      message = `${capitalize(what)} must be true, false or a list of them, such as [true], but ${listedBadly(issue.input, (x) => typeof x === 'boolean')}.`;
      break;
    case CODE.whenEmpty:
      message = `${capitalize(what)} lists no values, so the step would never apply; list at least one or remove it.`;
      break;
    case CODE.actionArg:
      message = `${capitalize(what)} must be text, a number or true/false, but it is ${got}.`;
      break;
    default: {
      const expected = TYPE_WORDS[issue.type];
      message = expected
        ? `${capitalize(what)} must be ${expected}, but it is ${got}.`
        : `${capitalize(what)} is not valid (${issue.message}).`;
    }
  }
  return [locator.at('error', message, range)];
}

const MISSING_HINTS: Record<string, string> = {
  id: " (a unique kebab-case id, such as 'ack-page')",
  number: ' (its number in the procedure at this level, such as "1")',
  title: " (the procedure's wording for it)",
  schemaVersion: ` (write 'schemaVersion: ${PLAYBOOK_FILE_SCHEMA_VERSION}')`,
  phases: ' (the list of the procedure\'s phases)',
};

/** The allowed name nearest to a misspelt one, when it is close enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= (word.length <= 3 ? 1 : 2) ? best : undefined;
}

/** Edit distance counting a swap of neighbours as one edit ("titel" is 1 from "title"). */
function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

// ---------------------------------------------------------------------------------------------
// Checks across the file

/** Every step id after its first use is an error naming the line of the first. */
function duplicateIdDiagnostics(data: unknown, locator: Locator): PlaybookDiagnostic[] {
  const out: PlaybookDiagnostic[] = [];
  const firstLine = new Map<string, number>();
  const open = new Set<unknown>(); // lists being visited: guards against alias cycles
  const visit = (list: unknown, listPath: PathKey[]): void => {
    if (!Array.isArray(list) || open.has(list)) return;
    open.add(list);
    list.forEach((item: unknown, index) => {
      if (!isPlainObject(item)) return;
      const itemPath = [...listPath, index];
      if (typeof item.id === 'string') {
        const at = locator.at('error', '', locator.valueRange([...itemPath, 'id']));
        const first = firstLine.get(item.id);
        if (first === undefined) firstLine.set(item.id, at.line);
        else out.push({ ...at, message: `Step id '${clip(item.id)}' is already used on line ${first}.` });
      }
      visit(item.steps, [...itemPath, 'steps']);
    });
    open.delete(list);
  };
  if (isPlainObject(data)) visit(data.phases, ['phases']);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building the playbook

function toPlaybook(raw: RawPlaybook): Playbook {
  return {
    schemaVersion: PLAYBOOK_FILE_SCHEMA_VERSION,
    id: raw.id,
    title: raw.title,
    version: raw.version ?? '1',
    phases: raw.phases.map((p) => toStep(p, '')),
  };
}

function toStep(raw: RawStep, parentPath: string): Step {
  const path = parentPath ? `${parentPath}.${raw.number}` : raw.number;
  const step: { -readonly [K in keyof Step]: Step[K] } = { id: raw.id, number: raw.number, path, title: raw.title, children: [] };
  if (raw.detail !== undefined) step.detail = raw.detail;
  if (raw.inputs !== undefined) step.inputs = raw.inputs;
  if (raw.outputs !== undefined) step.outputs = raw.outputs;
  if (raw.action !== undefined) step.action = raw.action;
  if (raw.actionArgs !== undefined) step.actionArgs = raw.actionArgs;
  if (raw.when !== undefined) step.when = normalizeWhen(raw.when);
  step.children = (raw.steps ?? []).map((c) => toStep(c, path));
  return step;
}

/** Drops absent fields so `when` holds only what the file lists. */
function normalizeWhen(when: NonNullable<RawStep['when']>): NonNullable<Step['when']> {
  const out: Record<string, ReadonlyArray<string | boolean>> = {};
  for (const field of CONDITION_FIELDS) {
    const values = when[field];
    if (values !== undefined) out[field] = BOOLEAN_CONDITION_FIELDS.has(field) ? values : values.map(String);
  }
  return out;
}

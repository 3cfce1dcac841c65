// The fake Slack's idea of which methods exist and which arguments they take: Slack's own OpenAPI 2.0
// description (slackapi/slack-api-specs, MIT, see slack-web-api.LICENSE), plus a small supplement for what
// Slack added after it stopped updating that file in 2021. Every request is checked against this table
// before a method runs, so a request the real Slack would refuse is refused here too.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export type ArgType = 'string' | 'boolean' | 'integer' | 'number' | 'json-array' | 'json-object';

export interface ArgSpec {
  name: string;
  type: ArgType;
  required: boolean;
  /** Where the declaration comes from: the OpenAPI file, or the supplement below. */
  source: 'spec' | 'supplement';
}

export interface MethodSpec {
  name: string;
  /** The verb the description lists; the fake (like Slack) accepts GET and POST for every method. */
  httpMethod: 'get' | 'post';
  /** Whether the method takes `application/json` bodies (Slack: only the write methods do). */
  acceptsJson: boolean;
  args: Map<string, ArgSpec>;
  source: 'spec' | 'supplement';
}

export const SPEC_FILE = 'slack-web-api.openapi-v2.json';

interface SupplementArg {
  type: ArgType;
  required?: boolean;
}

interface SupplementEntry {
  /** Slack's method page this entry follows. */
  doc: string;
  /** For methods the OpenAPI file lacks: verb and JSON acceptance (Slack's "Content types" facts). */
  httpMethod?: 'get' | 'post';
  acceptsJson?: boolean;
  /** New methods: every argument but `token`. Methods already described: the arguments added since. */
  args: Record<string, SupplementArg>;
}

/**
 * What the OpenAPI file (frozen in 2021) does not describe, taken from Slack's method documentation.
 * Methods absent from the file are added whole; for methods it has, the listed arguments are added.
 */
export const SUPPLEMENT: Readonly<Record<string, SupplementEntry>> = {
  'bookmarks.add': {
    doc: 'https://docs.slack.dev/reference/methods/bookmarks.add',
    httpMethod: 'post',
    acceptsJson: true,
    args: {
      channel_id: { type: 'string', required: true },
      title: { type: 'string', required: true },
      type: { type: 'string', required: true }, // only 'link' is accepted
      link: { type: 'string' }, // required in practice for type=link (else invalid_link)
      emoji: { type: 'string' },
      entity_id: { type: 'string' },
      access_level: { type: 'string' },
      parent_id: { type: 'string' },
    },
  },
  'bookmarks.edit': {
    doc: 'https://docs.slack.dev/reference/methods/bookmarks.edit',
    httpMethod: 'post',
    acceptsJson: true,
    args: {
      bookmark_id: { type: 'string', required: true },
      channel_id: { type: 'string', required: true },
      title: { type: 'string' },
      link: { type: 'string' },
      emoji: { type: 'string' },
    },
  },
  'bookmarks.list': {
    doc: 'https://docs.slack.dev/reference/methods/bookmarks.list',
    httpMethod: 'post',
    acceptsJson: true,
    args: { channel_id: { type: 'string', required: true } },
  },
  'bookmarks.remove': {
    doc: 'https://docs.slack.dev/reference/methods/bookmarks.remove',
    httpMethod: 'post',
    acceptsJson: true,
    args: {
      bookmark_id: { type: 'string', required: true },
      channel_id: { type: 'string', required: true },
      quip_section_id: { type: 'string' },
    },
  },
  'chat.postMessage': {
    doc: 'https://docs.slack.dev/reference/methods/chat.postMessage (message metadata: https://docs.slack.dev/messaging/message-metadata)',
    args: {
      metadata: { type: 'json-object' }, // { event_type: string, event_payload: object }
      markdown_text: { type: 'string' }, // at most 12,000 characters, not together with text or blocks
    },
  },
  'chat.update': {
    doc: 'https://docs.slack.dev/reference/methods/chat.update',
    args: { metadata: { type: 'json-object' } },
  },
  'conversations.history': {
    doc: 'https://docs.slack.dev/reference/methods/conversations.history',
    args: { include_all_metadata: { type: 'boolean' } },
  },
  'conversations.replies': {
    doc: 'https://docs.slack.dev/reference/methods/conversations.replies',
    args: { include_all_metadata: { type: 'boolean' } },
  },
};

/**
 * Arguments Slack's method pages mark required that the OpenAPI file leaves optional (it marks almost
 * nothing required for the conversations.* family). `conversations.create` `name` is deliberately not
 * here: Slack answers a missing name with its own error, `invalid_name_required`.
 */
export const REQUIRED_PER_DOCS: Readonly<Record<string, readonly string[]>> = {
  'conversations.history': ['channel'],
  'conversations.replies': ['channel', 'ts'],
  'conversations.info': ['channel'],
  'conversations.archive': ['channel'],
  'conversations.unarchive': ['channel'],
  'conversations.join': ['channel'],
  'conversations.setTopic': ['channel', 'topic'],
  'conversations.invite': ['channel', 'users'],
};

/**
 * Arguments the file types as plain strings that are JSON-encoded structures (Block Kit, legacy
 * attachments, metadata): their value must parse to this shape.
 */
export const JSON_ARGS: Readonly<Record<string, 'json-array' | 'json-object'>> = {
  blocks: 'json-array',
  attachments: 'json-array',
  metadata: 'json-object',
};

/** Accepted on every method: the token, and the `team_id` that @slack/web-api adds when given `teamId`. */
export const GLOBAL_ARGS: ReadonlySet<string> = new Set(['token', 'team_id']);

/** Where the description is looked for, in order: the shared specs folder beside the repo, then the copy here. */
export function specCandidates(): string[] {
  const repoRoot = path.join(__dirname, '../../../..'); // from out/test/fakes/slack/
  return [
    path.join(repoRoot, '../shared/specs', SPEC_FILE),
    path.join(repoRoot, 'test/fakes/slack', SPEC_FILE),
    path.join(__dirname, SPEC_FILE), // when run from the sources
  ];
}

interface OpenApiParameter {
  name: string;
  in: string;
  type?: string;
  required?: boolean;
}
interface OpenApiOperation {
  consumes?: string[];
  parameters?: OpenApiParameter[];
}
interface OpenApiDocument {
  swagger?: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export interface MethodTable {
  file: string;
  methods: Map<string, MethodSpec>;
}

const cache = new Map<string, MethodTable>();

/** Loads (once per file) the OpenAPI description and merges the supplement. */
export function loadMethodTable(specPath?: string): MethodTable {
  const file = specPath ?? specCandidates().find((p) => existsSync(p));
  if (!file) throw new Error(`fake Slack: no ${SPEC_FILE} found (looked in ${specCandidates().join(', ')})`);
  const cached = cache.get(file);
  if (cached) return cached;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  if (doc.swagger !== '2.0' || typeof doc.paths !== 'object') throw new Error(`fake Slack: ${file} is not an OpenAPI 2.0 description`);
  const methods = new Map<string, MethodSpec>();
  for (const [p, ops] of Object.entries(doc.paths)) {
    const name = p.replace(/^\//, '');
    const [verb, op] = Object.entries(ops)[0] ?? [];
    if (!verb || !op) continue;
    const args = new Map<string, ArgSpec>();
    for (const param of op.parameters ?? []) {
      if (param.name === 'token' || (param.in !== 'formData' && param.in !== 'query')) continue;
      const declared = param.type === 'boolean' || param.type === 'integer' || param.type === 'number' ? param.type : 'string';
      const type: ArgType = declared === 'string' && JSON_ARGS[param.name] ? JSON_ARGS[param.name] : declared;
      args.set(param.name, { name: param.name, type, required: param.required === true, source: 'spec' });
    }
    methods.set(name, {
      name,
      httpMethod: verb === 'get' ? 'get' : 'post',
      acceptsJson: (op.consumes ?? []).includes('application/json'),
      args,
      source: 'spec',
    });
  }
  for (const [name, entry] of Object.entries(SUPPLEMENT)) {
    let method = methods.get(name);
    if (!method) {
      method = { name, httpMethod: entry.httpMethod ?? 'post', acceptsJson: entry.acceptsJson ?? true, args: new Map(), source: 'supplement' };
      methods.set(name, method);
    }
    for (const [arg, a] of Object.entries(entry.args)) {
      method.args.set(arg, { name: arg, type: a.type, required: a.required === true, source: 'supplement' });
    }
  }
  for (const [name, required] of Object.entries(REQUIRED_PER_DOCS)) {
    const method = methods.get(name);
    if (!method) continue;
    for (const arg of required) {
      const a = method.args.get(arg);
      if (a) a.required = true;
    }
  }
  const table = { file, methods };
  cache.set(file, table);
  return table;
}

export type Validation =
  | { ok: true; args: Record<string, unknown>; ignored: string[] }
  | { ok: false; error: 'invalid_arguments'; messages: string[] };

/**
 * Checks the arguments of one call (token already removed) and converts them: booleans to booleans,
 * integers to numbers, JSON-typed arguments to their parsed value; `number` arguments (timestamps) stay
 * strings so no precision is lost. Form values are strings; JSON bodies may carry typed values.
 * strictArgs: an argument the method does not declare is refused (else it is dropped and reported in `ignored`).
 */
export function validateArgs(method: MethodSpec, raw: Record<string, unknown>, strictArgs: boolean): Validation {
  const messages: string[] = [];
  const args: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const spec of method.args.values()) {
    const value = raw[spec.name];
    const absent = value === undefined || value === null || value === '';
    if (absent) {
      if (spec.required) messages.push(`[ERROR] missing required field: ${spec.name}`);
      continue;
    }
    const converted = convert(spec.type, value);
    if (converted.ok) args[spec.name] = converted.value;
    else messages.push(`[ERROR] ${converted.message} for field: ${spec.name}`);
  }
  for (const name of Object.keys(raw)) {
    if (method.args.has(name)) continue;
    if (GLOBAL_ARGS.has(name)) {
      if (name !== 'token' && raw[name] !== undefined) args[name] = String(raw[name]);
      continue;
    }
    if (strictArgs) messages.push(`[ERROR] unknown argument: ${name} (${method.name} does not take it)`);
    else ignored.push(name);
  }
  if (messages.length > 0) return { ok: false, error: 'invalid_arguments', messages };
  return { ok: true, args, ignored };
}

type Converted = { ok: true; value: unknown } | { ok: false; message: string };

function convert(type: ArgType, value: unknown): Converted {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false, message: `expected a string, got ${Array.isArray(value) ? 'an array' : 'an object'}` };
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === '1' || value === 1) return { ok: true, value: true };
      if (value === 'false' || value === '0' || value === 0) return { ok: true, value: false };
      return { ok: false, message: `expected a boolean (true, false, 1 or 0), got ${shown}` };
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return { ok: true, value: Number(value) };
      return { ok: false, message: `expected an integer, got ${shown}` };
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value: String(value) };
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return { ok: true, value };
      return { ok: false, message: `expected a number, got ${shown}` };
    case 'json-array':
    case 'json-object': {
      let parsed: unknown = value;
      if (typeof value === 'string') {
        try {
          parsed = JSON.parse(value);
        } catch {
          return { ok: false, message: `expected JSON, could not parse ${shown}` };
        }
      }
      const isArray = Array.isArray(parsed);
      const isObject = typeof parsed === 'object' && parsed !== null && !isArray;
      if (type === 'json-array' && !isArray) return { ok: false, message: 'expected a JSON array' };
      if (type === 'json-object' && !isObject) return { ok: false, message: 'expected a JSON object' };
      return { ok: true, value: parsed };
    }
  }
}

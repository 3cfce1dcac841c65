// The fake Slack workspace: users, channels, messages, pins and bookmarks, and the methods that act on
// them. Arguments arrive already checked and converted by spec.ts; every answer is what Slack would say,
// `ok:false` errors included (the server sends them with HTTP 200, as Slack does).

export const BOT_USER_ID = 'U0BOT';
export const BOT_ID = 'B0BOT';
export const APP_ID = 'A0FAKE';
export const TEAM_ID = 'T0FAKE';
export const TEAM_NAME = 'Fake Workspace';
export const WORKSPACE_URL = 'https://fake-workspace.slack.com/';

export const MAX_TEXT = 40_000;
export const MAX_MARKDOWN_TEXT = 12_000;
export const MAX_TOPIC = 250;
export const MAX_CHANNEL_NAME = 80;
export const MAX_BLOCKS = 50;

export interface FakeUser {
  id: string;
  name: string;
  real_name: string;
  email?: string;
  is_bot: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_archived: boolean;
  is_general: boolean;
  created: number;
  creator: string;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  /** User ids; the bot is a member when BOT_USER_ID is here. */
  members: string[];
}

export interface FakeMessage {
  type: 'message';
  subtype?: string;
  ts: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  edited?: { user: string; ts: string };
  pinned_to?: string[];
  username?: string;
}

export interface FakePin {
  channel: string;
  ts: string;
  created: number;
  created_by: string;
}

export interface FakeBookmark {
  id: string;
  channel_id: string;
  title: string;
  link: string;
  emoji: string | null;
  icon_url: string | null;
  type: 'link';
  entity_id: string | null;
  date_created: number;
  date_updated: number;
  rank: string;
  last_updated_by_user_id: string;
  last_updated_by_team_id: string;
  shortcut_id: string | null;
  app_id: string | null;
}

export interface FakeUserSeed {
  id: string;
  name: string;
  email?: string;
  real_name?: string;
  is_bot?: boolean;
}

export interface FakeChannelSeed {
  id?: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  is_general?: boolean;
  /** Whether the bot is a member (default true). */
  botIsMember?: boolean;
  members?: string[];
  topic?: string;
}

export const DEFAULT_USERS: readonly FakeUserSeed[] = [
  { id: BOT_USER_ID, name: 'incident-bot', real_name: 'Incident Bot', is_bot: true },
  { id: 'U0ALICE', name: 'alice', email: 'alice@example.com', real_name: 'Alice Example' },
  { id: 'U0BOB', name: 'bob', email: 'bob@example.com', real_name: 'Bob Example' },
  { id: 'U0CAROL', name: 'carol', email: 'carol@example.com', real_name: 'Carol Example' },
];

export const DEFAULT_CHANNELS: readonly FakeChannelSeed[] = [
  { id: 'C0ANNOUNCE', name: 'incidents', botIsMember: true, members: ['U0ALICE'] },
  { id: 'C0NOTIN', name: 'general', is_general: true, botIsMember: false, members: ['U0ALICE', 'U0BOB', 'U0CAROL'] },
  { id: 'C0RANDOM', name: 'random', botIsMember: false, members: ['U0ALICE'] },
  { id: 'C0ARCHIVED', name: 'old-incidents', is_archived: true, botIsMember: true },
];

export interface WorkspaceOptions {
  users?: readonly FakeUserSeed[];
  channels?: readonly FakeChannelSeed[];
  /**
   * Fixed clock: message timestamps are tsBase seconds + 100 µs per timestamp handed out
   * ("1733300000.000100", "1733300000.000200", ...), and `created` times follow them. Default: the wall
   * clock, as Slack (timestamps are then still unique and increasing).
   */
  tsBase?: number;
}

export type Answer = { ok: boolean; error?: string } & Record<string, unknown>;
type Args = Record<string, unknown>;

const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({ ok: false, error, ...extra });

/** Timestamp "1733300000.000100" as microseconds, or undefined when it is not one. */
export function tsMicros(ts: string): bigint | undefined {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(ts);
  if (!m) return undefined;
  return BigInt(m[1]) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

const chars = (s: string) => [...s].length;

export class Workspace {
  users = new Map<string, FakeUser>();
  channels = new Map<string, FakeChannel>();
  /** Per channel id, oldest first (timestamps only grow). */
  messages = new Map<string, FakeMessage[]>();
  pins = new Map<string, FakePin[]>();
  bookmarks = new Map<string, FakeBookmark[]>();
  private tick = 0;
  private lastMicros = 0n;
  private channelSeq = 0;
  private bookmarkSeq = 0;

  constructor(private readonly options: WorkspaceOptions = {}) {
    this.reset();
  }

  reset(): void {
    this.users.clear();
    this.channels.clear();
    this.messages.clear();
    this.pins.clear();
    this.bookmarks.clear();
    this.tick = 0;
    this.lastMicros = 0n;
    this.channelSeq = 0;
    this.bookmarkSeq = 0;
    for (const u of this.options.users ?? DEFAULT_USERS) this.addUser(u);
    if (!this.users.has(BOT_USER_ID)) this.addUser(DEFAULT_USERS[0]);
    for (const c of this.options.channels ?? DEFAULT_CHANNELS) this.addChannel(c);
  }

  /** The next message timestamp: unique and increasing (wall clock, or tsBase + 100 µs steps). */
  nextTs(): string {
    this.tick += 1;
    let micros: bigint;
    if (this.options.tsBase !== undefined) micros = BigInt(this.options.tsBase) * 1_000_000n + BigInt(this.tick) * 100n;
    else {
      micros = BigInt(Date.now()) * 1000n;
      if (micros <= this.lastMicros) micros = this.lastMicros + 1n;
    }
    this.lastMicros = micros;
    return `${micros / 1_000_000n}.${String(micros % 1_000_000n).padStart(6, '0')}`;
  }

  /** Unix seconds of "now": the wall clock, or the fixed clock's (follows the timestamps handed out). */
  nowSeconds(): number {
    if (this.options.tsBase === undefined) return Math.floor(Date.now() / 1000);
    return this.options.tsBase + Math.floor((this.tick * 100) / 1_000_000);
  }

  addUser(seed: FakeUserSeed): FakeUser {
    const user: FakeUser = { id: seed.id, name: seed.name, real_name: seed.real_name ?? seed.name, is_bot: seed.is_bot ?? false };
    if (seed.email) user.email = seed.email;
    this.users.set(user.id, user);
    return user;
  }

  addChannel(seed: FakeChannelSeed): FakeChannel {
    this.channelSeq += 1;
    const id = seed.id ?? `C0F${String(this.channelSeq).padStart(7, '0')}`;
    const members = [...new Set([...(seed.botIsMember === false ? [] : [BOT_USER_ID]), ...(seed.members ?? [])])];
    const now = this.nowSeconds();
    const channel: FakeChannel = {
      id,
      name: seed.name,
      is_private: seed.is_private ?? false,
      is_archived: seed.is_archived ?? false,
      is_general: seed.is_general ?? false,
      created: now,
      creator: BOT_USER_ID,
      topic: { value: seed.topic ?? '', creator: seed.topic ? BOT_USER_ID : '', last_set: seed.topic ? now : 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      members,
    };
    this.channels.set(id, channel);
    this.messages.set(id, []);
    this.pins.set(id, []);
    this.bookmarks.set(id, []);
    return channel;
  }

  /** A channel by id, `#name` or `name` (Slack's chat.postMessage accepts all three). */
  resolveChannel(ref: string): FakeChannel | undefined {
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    for (const c of this.channels.values()) if (c.name === name) return c;
    return undefined;
  }

  /** Stores a message as someone else would post it (for tests: a human's message, a thread to reply to). */
  addMessage(channelRef: string, m: { text: string; user?: string; thread_ts?: string; metadata?: FakeMessage['metadata'] }): FakeMessage {
    const ch = this.resolveChannel(channelRef);
    if (!ch) throw new Error(`fake Slack: no channel ${channelRef}`);
    const message: FakeMessage = { type: 'message', ts: this.nextTs(), user: m.user ?? 'U0ALICE', team: TEAM_ID, text: m.text };
    if (m.user === BOT_USER_ID) Object.assign(message, { bot_id: BOT_ID, app_id: APP_ID });
    if (m.metadata) message.metadata = m.metadata;
    if (m.thread_ts) {
      const parent = this.findMessage(ch.id, m.thread_ts);
      if (!parent) throw new Error(`fake Slack: no message ${m.thread_ts} in ${ch.name}`);
      this.attachReply(parent, message);
    }
    this.messages.get(ch.id)!.push(message);
    return message;
  }

  findMessage(channelId: string, ts: string): FakeMessage | undefined {
    return this.messages.get(channelId)?.find((m) => m.ts === ts);
  }

  private attachReply(parent: FakeMessage, reply: FakeMessage): void {
    parent.thread_ts = parent.ts;
    reply.thread_ts = parent.ts;
    reply.parent_user_id = parent.user;
    parent.reply_count = (parent.reply_count ?? 0) + 1;
    parent.reply_users = [...new Set([...(parent.reply_users ?? []), reply.user])];
    parent.reply_users_count = parent.reply_users.length;
    parent.latest_reply = reply.ts;
  }

  /** Runs one method; `undefined` when the fake does not implement it (the method itself exists). */
  call(method: string, args: Args): Answer | undefined {
    const handler = this.handlers[method];
    return handler ? handler(args) : undefined;
  }

  implemented(): string[] {
    return Object.keys(this.handlers).sort();
  }

  private readonly handlers: Record<string, (args: Args) => Answer> = {
    'auth.test': () => ({
      ok: true,
      url: WORKSPACE_URL,
      team: TEAM_NAME,
      user: 'incident-bot',
      team_id: TEAM_ID,
      user_id: BOT_USER_ID,
      bot_id: BOT_ID,
      is_enterprise_install: false,
    }),
    'users.lookupByEmail': (a) => {
      const email = String(a.email).toLowerCase();
      const user = [...this.users.values()].find((u) => u.email?.toLowerCase() === email);
      return user ? { ok: true, user: this.renderUser(user) } : fail('users_not_found');
    },
    'users.info': (a) => {
      const user = this.users.get(String(a.user));
      return user ? { ok: true, user: this.renderUser(user) } : fail('user_not_found');
    },
    'conversations.create': (a) => {
      const name = typeof a.name === 'string' ? a.name : '';
      if (name === '') return fail('invalid_name_required');
      if (chars(name) > MAX_CHANNEL_NAME) return fail('invalid_name_maxlength');
      if (!/^[a-z0-9_-]+$/.test(name)) return fail('invalid_name_specials');
      if (/^[-_]+$/.test(name)) return fail('invalid_name_punctuation');
      if ([...this.channels.values()].some((c) => c.name === name)) return fail('name_taken');
      const channel = this.addChannel({ name, is_private: a.is_private === true });
      return { ok: true, channel: this.renderChannel(channel) };
    },
    'conversations.info': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      const channel = this.renderChannel(ch);
      if (a.include_num_members === true) channel.num_members = ch.members.length;
      return { ok: true, channel };
    },
    'conversations.list': (a) => {
      const types = String(a.types ?? 'public_channel').split(',').map((t) => t.trim());
      const list = [...this.channels.values()].filter(
        (c) => (c.is_private ? types.includes('private_channel') && c.members.includes(BOT_USER_ID) : types.includes('public_channel')) &&
          !(a.exclude_archived === true && c.is_archived),
      );
      const page = this.pageByIndex(list, a, 100, 1000);
      if ('error' in page) return fail(page.error);
      return { ok: true, channels: page.items.map((c) => this.renderChannel(c)), response_metadata: { next_cursor: page.next } };
    },
    'conversations.setTopic': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (ch.is_archived) return fail('is_archived');
      if (!ch.members.includes(BOT_USER_ID)) return fail('not_in_channel');
      const topic = String(a.topic);
      if (chars(topic) > MAX_TOPIC) return fail('too_long');
      ch.topic = { value: topic, creator: BOT_USER_ID, last_set: this.nowSeconds() };
      return { ok: true, channel: this.renderChannel(ch) };
    },
    'conversations.invite': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (ch.is_archived) return fail('is_archived');
      if (!ch.members.includes(BOT_USER_ID)) return fail('not_in_channel');
      const ids = String(a.users).split(',').map((u) => u.trim()).filter((u) => u !== '');
      if (ids.length === 0) return fail('no_user');
      if (ids.length > 1000) return fail('too_many_users');
      // All or nothing: the first problem refuses the whole call.
      for (const id of ids) {
        if (id === BOT_USER_ID) return fail('cant_invite_self');
        if (!this.users.has(id)) return fail('user_not_found');
        if (ch.members.includes(id)) return fail('already_in_channel');
      }
      ch.members.push(...new Set(ids));
      return { ok: true, channel: this.renderChannel(ch) };
    },
    'conversations.join': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (ch.is_archived) return fail('is_archived');
      if (ch.members.includes(BOT_USER_ID)) {
        return { ok: true, channel: this.renderChannel(ch), warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } };
      }
      if (ch.is_private) return fail('method_not_supported_for_channel_type');
      ch.members.push(BOT_USER_ID);
      return { ok: true, channel: this.renderChannel(ch) };
    },
    'conversations.archive': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (ch.is_general) return fail('cant_archive_general');
      if (ch.is_archived) return fail('already_archived');
      if (!ch.members.includes(BOT_USER_ID)) return fail('not_in_channel');
      ch.is_archived = true;
      return { ok: true };
    },
    'conversations.unarchive': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (!ch.is_archived) return fail('not_archived');
      ch.is_archived = false;
      return { ok: true };
    },
    'conversations.history': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (!ch.members.includes(BOT_USER_ID)) return fail('not_in_channel');
      const inChannel = this.messages.get(ch.id)!.filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast');
      const page = this.pageByTs([...inChannel].reverse(), a, 'newest-first');
      if ('error' in page) return fail(page.error);
      return this.pageAnswer(page, a, { pin_count: this.pins.get(ch.id)!.length, channel_actions_ts: null, channel_actions_count: 0 });
    },
    'conversations.replies': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (!ch.members.includes(BOT_USER_ID)) return fail('not_in_channel');
      const found = this.findMessage(ch.id, String(a.ts));
      if (!found) return fail('thread_not_found');
      const parentTs = found.thread_ts ?? found.ts;
      const all = this.messages.get(ch.id)!;
      const parent = all.find((m) => m.ts === parentTs)!;
      const replies = all.filter((m) => m.thread_ts === parentTs && m.ts !== parentTs);
      const page = this.pageByTs(replies, a, 'oldest-first');
      if ('error' in page) return fail(page.error);
      if (a.cursor === undefined) page.items.unshift(parent); // the parent leads the first page
      return this.pageAnswer(page, a, {});
    },
    'chat.postMessage': (a) => {
      const ch = this.resolveChannel(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (ch.is_archived) return fail('is_archived');
      if (!ch.members.includes(BOT_USER_ID)) return fail('not_in_channel');
      const content = this.checkContent(a, 'post');
      if (content.refused) return content.refused;
      let parent: FakeMessage | undefined;
      if (a.thread_ts !== undefined) {
        const found = this.findMessage(ch.id, String(a.thread_ts));
        if (!found) return fail('thread_not_found');
        parent = found.thread_ts && found.thread_ts !== found.ts ? this.findMessage(ch.id, found.thread_ts) : found;
      }
      const message: FakeMessage = {
        type: 'message',
        ts: this.nextTs(),
        user: BOT_USER_ID,
        bot_id: BOT_ID,
        app_id: APP_ID,
        team: TEAM_ID,
        text: content.text,
      };
      if (content.blocks) message.blocks = content.blocks;
      if (content.attachments) message.attachments = content.attachments;
      if (content.metadata) message.metadata = content.metadata;
      if (typeof a.username === 'string') message.username = a.username;
      if (parent) {
        this.attachReply(parent, message);
        if (a.reply_broadcast === true) message.subtype = 'thread_broadcast';
      }
      this.messages.get(ch.id)!.push(message);
      return { ok: true, channel: ch.id, ts: message.ts, message: this.renderMessage(message, true) };
    },
    'chat.update': (a) => {
      const ch = this.resolveChannel(String(a.channel));
      if (!ch) return fail('channel_not_found');
      const message = this.findMessage(ch.id, String(a.ts));
      if (!message) return fail('message_not_found');
      if (message.user !== BOT_USER_ID) return fail('cant_update_message');
      if (ch.is_archived) return fail('is_archived');
      const content = this.checkContent(a, 'update');
      if (content.refused) return content.refused;
      if (a.text !== undefined) message.text = content.text;
      if (content.blocks) message.blocks = content.blocks;
      if (content.attachments) message.attachments = content.attachments;
      if (content.metadata) message.metadata = content.metadata;
      message.edited = { user: BOT_USER_ID, ts: this.nextTs() };
      return { ok: true, channel: ch.id, ts: message.ts, text: message.text, message: this.renderMessage(message, true) };
    },
    'chat.delete': (a) => {
      const ch = this.resolveChannel(String(a.channel));
      if (!ch) return fail('channel_not_found');
      const list = this.messages.get(ch.id)!;
      const i = list.findIndex((m) => m.ts === String(a.ts));
      if (i < 0) return fail('message_not_found');
      if (list[i].user !== BOT_USER_ID) return fail('cant_delete_message');
      list.splice(i, 1);
      this.pins.set(ch.id, this.pins.get(ch.id)!.filter((p) => p.ts !== String(a.ts)));
      return { ok: true, channel: ch.id, ts: String(a.ts) };
    },
    'chat.getPermalink': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      const message = this.findMessage(ch.id, String(a.message_ts));
      if (!message) return fail('message_not_found');
      let permalink = `${WORKSPACE_URL}archives/${ch.id}/p${message.ts.replace('.', '')}`;
      if (message.thread_ts && message.thread_ts !== message.ts) permalink += `?thread_ts=${message.thread_ts}&cid=${ch.id}`;
      return { ok: true, channel: ch.id, permalink };
    },
    'pins.add': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (a.timestamp === undefined) return fail('no_item_specified');
      if (ch.is_archived) return fail('is_archived');
      if (!ch.members.includes(BOT_USER_ID)) return fail('not_in_channel');
      const message = this.findMessage(ch.id, String(a.timestamp));
      if (!message) return fail('message_not_found');
      const pins = this.pins.get(ch.id)!;
      if (pins.some((p) => p.ts === message.ts)) return fail('already_pinned');
      pins.push({ channel: ch.id, ts: message.ts, created: this.nowSeconds(), created_by: BOT_USER_ID });
      message.pinned_to = [ch.id];
      return { ok: true };
    },
    'pins.remove': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      if (a.timestamp === undefined) return fail('no_item_specified');
      const pins = this.pins.get(ch.id)!;
      const i = pins.findIndex((p) => p.ts === String(a.timestamp));
      if (i < 0) return fail('no_pin');
      pins.splice(i, 1);
      const message = this.findMessage(ch.id, String(a.timestamp));
      if (message) delete message.pinned_to;
      return { ok: true };
    },
    'pins.list': (a) => {
      const ch = this.channels.get(String(a.channel));
      if (!ch) return fail('channel_not_found');
      const items = this.pins.get(ch.id)!.map((p) => ({
        type: 'message',
        channel: ch.id,
        created: p.created,
        created_by: p.created_by,
        message: this.renderMessage(this.findMessage(ch.id, p.ts)!, false),
      }));
      return { ok: true, items };
    },
    'bookmarks.add': (a) => {
      const ch = this.channels.get(String(a.channel_id));
      if (!ch) return fail('channel_not_found');
      if (ch.is_archived) return fail('is_archived');
      if (!ch.members.includes(BOT_USER_ID)) return fail('not_in_channel');
      if (a.type !== 'link') return fail('invalid_bookmark_type');
      if (typeof a.link !== 'string' || !/^https?:\/\/\S+$/.test(a.link)) return fail('invalid_link');
      if (a.emoji !== undefined && !/^:[a-z0-9_+'-]+:$/.test(String(a.emoji))) return fail('invalid_emoji');
      this.bookmarkSeq += 1;
      const bookmark: FakeBookmark = {
        id: `Bk0F${String(this.bookmarkSeq).padStart(8, '0')}`,
        channel_id: ch.id,
        title: String(a.title),
        link: a.link,
        emoji: a.emoji === undefined ? null : String(a.emoji),
        icon_url: null,
        type: 'link',
        entity_id: null,
        date_created: this.nowSeconds(),
        date_updated: 0,
        rank: String.fromCharCode(0x60 + Math.min(this.bookmarks.get(ch.id)!.length + 1, 26)),
        last_updated_by_user_id: BOT_USER_ID,
        last_updated_by_team_id: TEAM_ID,
        shortcut_id: null,
        app_id: APP_ID,
      };
      this.bookmarks.get(ch.id)!.push(bookmark);
      return { ok: true, bookmark: { ...bookmark } };
    },
    'bookmarks.edit': (a) => {
      const ch = this.channels.get(String(a.channel_id));
      if (!ch) return fail('channel_not_found');
      const bookmark = this.bookmarks.get(ch.id)!.find((b) => b.id === a.bookmark_id);
      if (!bookmark) return fail('not_found');
      if (a.link !== undefined && !/^https?:\/\/\S+$/.test(String(a.link))) return fail('invalid_link');
      if (a.emoji !== undefined && !/^:[a-z0-9_+'-]+:$/.test(String(a.emoji))) return fail('invalid_emoji');
      if (a.title !== undefined) bookmark.title = String(a.title);
      if (a.link !== undefined) bookmark.link = String(a.link);
      if (a.emoji !== undefined) bookmark.emoji = String(a.emoji);
      bookmark.date_updated = this.nowSeconds();
      return { ok: true, bookmark: { ...bookmark } };
    },
    'bookmarks.list': (a) => {
      const ch = this.channels.get(String(a.channel_id));
      if (!ch) return fail('channel_not_found');
      return { ok: true, bookmarks: this.bookmarks.get(ch.id)!.map((b) => ({ ...b })) };
    },
    'bookmarks.remove': (a) => {
      const ch = this.channels.get(String(a.channel_id));
      if (!ch) return fail('channel_not_found');
      const list = this.bookmarks.get(ch.id)!;
      const i = list.findIndex((b) => b.id === a.bookmark_id);
      if (i < 0) return fail('not_found');
      list.splice(i, 1);
      return { ok: true };
    },
  };

  /** Text, blocks, attachments, markdown_text and metadata of a new or edited message, checked as Slack does. */
  private checkContent(
    a: Args,
    _kind: 'post' | 'update',
  ): { refused: Answer } | { refused?: undefined; text: string; blocks?: unknown[]; attachments?: unknown[]; metadata?: FakeMessage['metadata'] } {
    const refuse = (error: string, extra: Record<string, unknown> = {}) => ({ refused: fail(error, extra) });
    const text = typeof a.text === 'string' ? a.text : '';
    const markdown = typeof a.markdown_text === 'string' ? a.markdown_text : undefined;
    const blocks = Array.isArray(a.blocks) && a.blocks.length > 0 ? a.blocks : undefined;
    const attachments = Array.isArray(a.attachments) && a.attachments.length > 0 ? a.attachments : undefined;
    if (markdown !== undefined && (text !== '' || blocks)) return refuse('markdown_text_conflict');
    if (text.trim() === '' && markdown === undefined && !blocks && !attachments) return refuse('no_text');
    if (chars(text) > MAX_TEXT) return refuse('msg_too_long');
    if (markdown !== undefined && chars(markdown) > MAX_MARKDOWN_TEXT) return refuse('msg_too_long');
    if (blocks) {
      if (blocks.length > MAX_BLOCKS) return refuse('invalid_blocks', { response_metadata: { messages: [`[ERROR] no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`] } });
      const bad = blocks.findIndex((b) => typeof b !== 'object' || b === null || Array.isArray(b) || typeof (b as { type?: unknown }).type !== 'string');
      if (bad >= 0) return refuse('invalid_blocks', { response_metadata: { messages: [`[ERROR] a block needs a string type [json-pointer:/blocks/${bad}]`] } });
    }
    let metadata: FakeMessage['metadata'];
    if (a.metadata !== undefined) {
      const m = a.metadata as { event_type?: unknown; event_payload?: unknown };
      const payloadOk = typeof m.event_payload === 'object' && m.event_payload !== null && !Array.isArray(m.event_payload);
      if (typeof m.event_type !== 'string' || m.event_type === '' || !payloadOk) return refuse('invalid_metadata_schema');
      metadata = { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> };
    }
    return { text: markdown ?? text, blocks, attachments, metadata };
  }

  renderMessage(m: FakeMessage, withMetadata: boolean): Record<string, unknown> {
    const copy = structuredClone(m) as Partial<FakeMessage>;
    if (!withMetadata) delete copy.metadata;
    return copy as Record<string, unknown>;
  }

  renderChannel(c: FakeChannel): Record<string, unknown> {
    return {
      id: c.id,
      name: c.name,
      name_normalized: c.name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: c.is_private,
      is_archived: c.is_archived,
      is_general: c.is_general,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_member: c.members.includes(BOT_USER_ID),
      created: c.created,
      creator: c.creator,
      unlinked: 0,
      topic: { ...c.topic },
      purpose: { ...c.purpose },
      previous_names: [],
      context_team_id: TEAM_ID,
    };
  }

  renderUser(u: FakeUser): Record<string, unknown> {
    return {
      id: u.id,
      team_id: TEAM_ID,
      name: u.name,
      real_name: u.real_name,
      deleted: false,
      is_bot: u.is_bot,
      is_admin: false,
      profile: { real_name: u.real_name, display_name: u.name, ...(u.email ? { email: u.email } : {}) },
    };
  }

  /** Timestamp-window and cursor paging over messages already in answer order. */
  private pageByTs(
    list: FakeMessage[],
    a: Args,
    order: 'newest-first' | 'oldest-first',
  ): { items: FakeMessage[]; next: string } | { error: string } {
    const limit = clampLimit(a.limit, 100, 999);
    const inclusive = a.inclusive === true;
    const oldest = tsMicros(String(a.oldest ?? '0')) ?? 0n;
    const latest = a.latest === undefined ? undefined : tsMicros(String(a.latest));
    let items = list.filter((m) => {
      const t = tsMicros(m.ts)!;
      if (inclusive ? t < oldest : t <= oldest) return false;
      if (latest !== undefined && (inclusive ? t > latest : t >= latest)) return false;
      return true;
    });
    if (a.cursor !== undefined) {
      const from = decodeCursor(String(a.cursor));
      if (from === undefined) return { error: 'invalid_cursor' };
      items = items.filter((m) => (order === 'newest-first' ? tsMicros(m.ts)! <= from : tsMicros(m.ts)! >= from));
    }
    const next = items.length > limit ? encodeCursor(items[limit].ts) : '';
    return { items: items.slice(0, limit), next };
  }

  private pageAnswer(page: { items: FakeMessage[]; next: string }, a: Args, extra: Record<string, unknown>): Answer {
    const answer: Answer = {
      ok: true,
      messages: page.items.map((m) => this.renderMessage(m, a.include_all_metadata === true)),
      has_more: page.next !== '',
      ...extra,
    };
    if (page.next !== '') answer.response_metadata = { next_cursor: page.next };
    return answer;
  }

  private pageByIndex<T>(list: T[], a: Args, dflt: number, max: number): { items: T[]; next: string } | { error: string } {
    const limit = clampLimit(a.limit, dflt, max);
    let start = 0;
    if (a.cursor !== undefined) {
      const m = /^offset:(\d+)$/.exec(Buffer.from(String(a.cursor), 'base64').toString('utf8'));
      if (!m) return { error: 'invalid_cursor' };
      start = Number(m[1]);
    }
    const end = start + limit;
    return { items: list.slice(start, end), next: end < list.length ? Buffer.from(`offset:${end}`).toString('base64') : '' };
  }
}

function clampLimit(value: unknown, dflt: number, max: number): number {
  const n = typeof value === 'number' ? value : dflt;
  if (n < 1) return dflt;
  return Math.min(n, max);
}

function encodeCursor(ts: string): string {
  return Buffer.from(`next_ts:${ts}`).toString('base64');
}

function decodeCursor(cursor: string): bigint | undefined {
  const m = /^next_ts:(\d+\.\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return m ? tsMicros(m[1]) : undefined;
}

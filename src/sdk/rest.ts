// REST half of the SDK: one method per route of DESIGN.md's API. Works in browsers and Node 20
// (global fetch). Errors are thrown as StrataError carrying the problem+json `code`.
import type {
  Ban, ChangesPage, Conversation, ConversationSummary, CreateConversation, EditOptions, HistoryPage, Member, MentionsPage, Message, PinList, Problem,
  RepliesPage, Report, ReportPage, ReportResolution, SearchOptions, SearchPage, SendOptions, SyncResponse, ThreadList, ThreadView, UpdateConversation,
  UserThreadList, Mute,
} from './types.js';

/** `?k=v&…` of the defined values, or '' when there are none. */
function query(q: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) qs.set(k, String(v));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

const PROBLEM_FIELDS = new Set(['type', 'title', 'status', 'code', 'detail', 'instance']);

export class StrataError extends Error {
  constructor(
    readonly status: number, readonly code: string, readonly detail: string, readonly retryAfterS?: number,
    /** The problem's fields besides type/title/status/code/detail: `muted_until` of MUTED, `retry_after` of SLOW_MODE… */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${code}: ${detail}`);
    this.name = 'StrataError';
  }
}

export interface RestOptions {
  baseUrl: string;
  /** A JWT, or a function returning one (refreshed tokens). */
  token: string | (() => string | Promise<string>);
  fetch?: typeof fetch;
}

export class StrataRest {
  private fetch: typeof fetch;

  constructor(private opts: RestOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async token(): Promise<string> {
    return typeof this.opts.token === 'function' ? await this.opts.token() : this.opts.token;
  }

  get baseUrl(): string {
    return this.opts.baseUrl.replace(/\/$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!res.ok) {
      let p: Partial<Problem> = {};
      try {
        p = JSON.parse(text) as Problem;
      } catch {
        // not problem+json (a proxy's error page): keep the status and the raw text
        p = { code: `HTTP_${res.status}`, detail: text.slice(0, 200) };
      }
      const retry = res.headers.get('retry-after');
      const extra = Object.fromEntries(Object.entries(p).filter(([k]) => !PROBLEM_FIELDS.has(k)));
      throw new StrataError(res.status, p.code ?? `HTTP_${res.status}`, p.detail ?? res.statusText, retry ? Number(retry) : undefined, extra);
    }
    return JSON.parse(text) as T;
  }

  createConversation(body: CreateConversation) {
    return this.request<Conversation>('POST', '/v1/conversations', body);
  }
  async listConversations() {
    return (await this.request<{ conversations: ConversationSummary[] }>('GET', '/v1/conversations')).conversations;
  }
  getConversation(id: string) {
    return this.request<Conversation>('GET', `/v1/conversations/${id}`);
  }
  addMember(id: string, user: string, role?: Member['role']) {
    return this.request<Member>('POST', `/v1/conversations/${id}/members`, { user, ...(role ? { role } : {}) });
  }
  /** Renames a conversation (a `conversation` change) and/or sets its slow mode and kind (a `rules` change); owner/admin. */
  updateConversation(id: string, body: UpdateConversation) {
    return this.request<Conversation>('PATCH', `/v1/conversations/${id}`, body);
  }
  /** Changes a member's role (owner/admin; `owner` by owners only): a `member` change. */
  setRole(id: string, user: string, role: Member['role']) {
    return this.request<Member>('PATCH', `/v1/conversations/${id}/members/${encodeURIComponent(user)}`, { role });
  }
  removeMember(id: string, user: string) {
    return this.request<void>('DELETE', `/v1/conversations/${id}/members/${encodeURIComponent(user)}`);
  }
  /** Sends a message; with `thread_id`, a reply in that thread (shown in the main timeline too
   *  only with `also_in_conversation`); `mentions` names members (MENTION_NOT_MEMBER otherwise). */
  send(conversationId: string, text: string, opts: SendOptions = {}) {
    return this.request<Message>('POST', `/v1/conversations/${conversationId}/messages`, { text, ...opts });
  }
  history(conversationId: string, q: { before?: number; after?: number; limit?: number } = {}) {
    return this.request<HistoryPage>('GET', `/v1/conversations/${conversationId}/messages${query(q)}`);
  }
  /** Edits my message's text; `mentions`, when given, replaces its mentions. */
  edit(messageId: string, text: string, opts: EditOptions = {}) {
    return this.request<Message>('PATCH', `/v1/messages/${messageId}`, { text, ...opts });
  }
  delete(messageId: string) {
    return this.request<Message>('DELETE', `/v1/messages/${messageId}`);
  }
  markRead(conversationId: string, seq: number) {
    return this.request<unknown>('POST', `/v1/conversations/${conversationId}/read`, { seq });
  }
  receipts(messageId: string) {
    return this.request<{ receipts: { user: string; delivered: boolean; read: boolean }[] }>('GET', `/v1/messages/${messageId}/receipts`);
  }
  react(messageId: string, reaction: string) {
    return this.request<unknown>('PUT', `/v1/messages/${messageId}/reactions/${encodeURIComponent(reaction)}`);
  }
  unreact(messageId: string, reaction: string) {
    return this.request<unknown>('DELETE', `/v1/messages/${messageId}/reactions/${encodeURIComponent(reaction)}`);
  }
  /** A thread's root message and summary (reply count, last reply, participants). */
  getThread(rootId: string) {
    return this.request<ThreadView>('GET', `/v1/messages/${rootId}/thread`);
  }
  /** A page of a thread's replies, ascending by seq: the latest `limit` (server default 50, at
   *  most 200), those `before` a seq, or those `after` a seq (not both); `has_more`: more that way. */
  replies(rootId: string, q: { before?: number; after?: number; limit?: number } = {}) {
    return this.request<RepliesPage>('GET', `/v1/messages/${rootId}/replies${query(q)}`);
  }
  /** Raises my read watermark in a thread to `seq` (capped at its last reply, never lowered); answers where it stands. */
  markThreadRead(rootId: string, seq: number) {
    return this.request<{ read_seq: number }>('POST', `/v1/messages/${rootId}/read`, { seq });
  }
  /** Threads of a conversation with at least one reply, latest activity first; the next page
   *  is `before` the last one's `last_reply_seq`. */
  listThreads(conversationId: string, q: { before?: number; limit?: number } = {}) {
    return this.request<ThreadList>('GET', `/v1/conversations/${conversationId}/threads${query(q)}`);
  }
  /** Threads I started or replied in, across my conversations, latest activity first, with my
   *  unread count in each; the next page with `cursor` = the answer's `next_cursor`. */
  myThreads(q: { cursor?: string; limit?: number } = {}) {
    return this.request<UserThreadList>('GET', `/v1/threads${query(q)}`);
  }
  /** Messages that mention me, across my conversations, newest first; the next page with `cursor` = `next_cursor`. */
  mentions(q: { cursor?: string; limit?: number } = {}) {
    return this.request<MentionsPage>('GET', `/v1/mentions${query(q)}`);
  }
  /** Searches the messages of my conversations (docs/search.md): `q` holds words, "phrases",
   *  prefix*, from:user and in:<conversation id>, all required. A query that does not parse:
   *  StrataError 400 SEARCH_QUERY_INVALID. The next page with `cursor` = `next_cursor`. */
  search(q: string, opts: SearchOptions = {}) {
    return this.request<SearchPage>('GET', `/v1/search${query({ q, ...opts })}`);
  }
  /** Pins a message (owners and admins; pinning twice is pinning once): a `pin` change. */
  pin(messageId: string) {
    return this.request<void>('PUT', `/v1/messages/${messageId}/pin`);
  }
  /** Unpins a message (owners and admins; nothing happens when it is not pinned). */
  unpin(messageId: string) {
    return this.request<void>('DELETE', `/v1/messages/${messageId}/pin`);
  }
  /** Every pin of a conversation, newest first, each with its message as history serves it. */
  pins(conversationId: string) {
    return this.request<PinList>('GET', `/v1/conversations/${conversationId}/pins`);
  }
  /** Bans a user from a conversation (owner/admin): removed, never re-added until unbanned; a `member` change `banned`. */
  ban(conversationId: string, user: string, reason?: string | null) {
    return this.request<Ban>('POST', `/v1/conversations/${conversationId}/bans`, { user, ...(reason ? { reason } : {}) });
  }
  unban(conversationId: string, user: string) {
    return this.request<void>('DELETE', `/v1/conversations/${conversationId}/bans/${encodeURIComponent(user)}`);
  }
  async bans(conversationId: string) {
    return (await this.request<{ bans: Ban[] }>('GET', `/v1/conversations/${conversationId}/bans`)).bans;
  }
  /** Mutes a member for `durationS` seconds (owner/admin): a `mute` change; muting again replaces the end. */
  mute(conversationId: string, user: string, durationS: number, reason?: string | null) {
    return this.request<Mute>('POST', `/v1/conversations/${conversationId}/mutes`, { user, duration_s: durationS, ...(reason ? { reason } : {}) });
  }
  unmute(conversationId: string, user: string) {
    return this.request<void>('DELETE', `/v1/conversations/${conversationId}/mutes/${encodeURIComponent(user)}`);
  }
  /** The mutes still running, soonest end first (owner/admin). */
  async mutes(conversationId: string) {
    return (await this.request<{ mutes: Mute[] }>('GET', `/v1/conversations/${conversationId}/mutes`)).mutes;
  }
  /** Reports a message of one of my conversations to the operators (reporting it again returns the first report). */
  report(messageId: string, reason: string) {
    return this.request<Report>('POST', `/v1/messages/${messageId}/reports`, { reason });
  }
  /** Operators: the report queue, newest first (`state` defaults to open). */
  reports(q: { state?: Report['state']; conversation_id?: string; before?: string; limit?: number } = {}) {
    return this.request<ReportPage>('GET', `/v1/admin/reports${query(q)}`);
  }
  /** Operators: resolves a report once (REPORT_RESOLVED when someone did already). */
  resolveReport(reportId: string, action: ReportResolution, reason?: string | null) {
    return this.request<Report>('POST', `/v1/admin/reports/${reportId}/resolve`, { action, ...(reason ? { reason } : {}) });
  }
  /** The changes after `after`, ascending, at most `limit` (1..1000, server default 100), and
   *  the conversation's current `cursor`; with `has_more`, ask again after the last one's cursor.
   *  A cursor older than the server keeps: StrataError 410 RELOAD_REQUIRED. */
  changes(conversationId: string, after: number, limit?: number) {
    const qs = new URLSearchParams({ after: String(after) });
    if (limit !== undefined) qs.set('limit', String(limit));
    return this.request<ChangesPage>('GET', `/v1/conversations/${conversationId}/changes?${qs}`);
  }
  /** One call for a client coming back online (docs/changes.md): without `since`, every
   *  conversation as `joined`; pass the answer's `token` as `since` next time. */
  sync(since?: string, limit?: number) {
    return this.request<SyncResponse>('GET', `/v1/sync${query({ since, limit })}`);
  }
}

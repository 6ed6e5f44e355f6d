// REST half of the SDK: one method per route of DESIGN.md's API. Works in browsers and Node 20
// (global fetch). Errors are thrown as StrataError carrying the problem+json `code`.
import type { ChangesPage, Conversation, ConversationSummary, CreateConversation, HistoryPage, Member, Message, Problem, SyncResponse } from './types.js';

export class StrataError extends Error {
  constructor(readonly status: number, readonly code: string, detail: string, readonly retryAfterS?: number) {
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
      throw new StrataError(res.status, p.code ?? `HTTP_${res.status}`, p.detail ?? res.statusText, retry ? Number(retry) : undefined);
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
  /** Renames a conversation (owner/admin): a `conversation` change. */
  updateConversation(id: string, body: { title: string | null }) {
    return this.request<Conversation>('PATCH', `/v1/conversations/${id}`, body);
  }
  /** Changes a member's role (owner/admin; `owner` by owners only): a `member` change. */
  setRole(id: string, user: string, role: Member['role']) {
    return this.request<Member>('PATCH', `/v1/conversations/${id}/members/${encodeURIComponent(user)}`, { role });
  }
  removeMember(id: string, user: string) {
    return this.request<void>('DELETE', `/v1/conversations/${id}/members/${encodeURIComponent(user)}`);
  }
  send(conversationId: string, text: string, opts: { reply_to?: string; client_id?: string } = {}) {
    return this.request<Message>('POST', `/v1/conversations/${conversationId}/messages`, { text, ...opts });
  }
  history(conversationId: string, q: { before?: number; after?: number; limit?: number } = {}) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) qs.set(k, String(v));
    const s = qs.toString();
    return this.request<HistoryPage>('GET', `/v1/conversations/${conversationId}/messages${s ? `?${s}` : ''}`);
  }
  edit(messageId: string, text: string) {
    return this.request<Message>('PATCH', `/v1/messages/${messageId}`, { text });
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
    const qs = new URLSearchParams();
    if (since !== undefined) qs.set('since', since);
    if (limit !== undefined) qs.set('limit', String(limit));
    const s = qs.toString();
    return this.request<SyncResponse>('GET', `/v1/sync${s ? `?${s}` : ''}`);
  }
}

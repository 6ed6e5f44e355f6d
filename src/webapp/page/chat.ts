// The signed-in page: conversation list (unread counts, create), the open conversation, and
// the one SDK socket whose events feed both. Every listed conversation is tracked by its change
// cursor (GET /v1/sync): after a reconnect the socket resumes each from its last change, so
// edits, deletes, reactions, member and title changes made while offline are applied in place,
// nothing shown is missing or doubled, and the page never reloads. A conversation whose missed
// changes the server no longer keeps (`reload`) is loaded again, alone.
// Search (search-panel.ts): the box in the top bar, results in the sidebar; a result opens its
// conversation at the message (openAt), as a pin of the open conversation does.
// Moderation: `mute` and `rules` changes go to the open view; a conversation I was banned or
// removed from leaves the list and, when open, gives way to "You were removed from this
// conversation" (a banned user sees nothing of it, like any non-member). An app-wide ban closes
// the socket with 4403 (terminal in the SDK): the page says so and stops. Operators (a token
// with `admin: true`) get the report queue in the sidebar (reports-panel.ts).
import {
  Strata, type ConversationChange, type ConversationSummary, type DeleteChange, type EditChange, type ErrorEvent, type MemberChange, type MembershipEvent,
  type Message, type MuteChange, type PinChange, type ReactionChange, type RulesChange, type SyncResponse,
} from '../../sdk/index.js';
import { clear, h, tokenAdmin, tokenUser } from './dom.js';
import { ReportsPanel } from './reports-panel.js';
import { ConversationView, type Target } from './conv-view.js';
import { ConversationList } from './conv-list.js';
import { SearchPanel } from './search-panel.js';
import { PushToggle } from './push-toggle.js';
import type { NotifySettings } from './conv-settings.js';

export class ChatApp {
  readonly me: string;
  readonly client: Strata;
  readonly presence = new Map<string, boolean>();
  private list: ConversationList;
  private search: SearchPanel;
  private push: PushToggle;
  private reports: ReportsPanel | undefined;
  private view: ConversationView | undefined;
  private pane = h('div', { class: 'pane' }, h('p', { class: 'empty' }, 'Pick a conversation, or start one.'));
  private state = h('span', { class: 'conn', 'data-state': 'idle', role: 'status' }, 'offline');
  /** The last GET /v1/sync answer's token: the next sync says what changed since. */
  private syncToken: string | undefined;
  private reloading = new Set<string>();
  private goneOffline = () => this.client.socket.offline();
  private backOnline = () => this.client.socket.online();

  constructor(private root: HTMLElement, token: string, private signOut: () => void) {
    this.me = tokenUser(token) ?? '?';
    this.client = new Strata({ baseUrl: location.origin, token });
    this.push = new PushToggle(this.client.rest);
    if (tokenAdmin(token)) this.reports = new ReportsPanel(this.client.rest);
    this.list = new ConversationList(this.me, this.client.rest, (c) => void this.open(c));
    this.search = new SearchPanel({
      rest: this.client.rest,
      titleOf: (id) => {
        const c = this.list.summary(id);
        return c ? this.list.title(c) : 'conversation';
      },
      pick: (r) => void this.openAt(r.message.conversation_id, r.message),
      shown: (open) => {
        this.layout()?.classList.toggle('searching', open);
        this.layout()?.classList.toggle('search-front', open);
      },
    });
  }

  private layout() {
    return this.root.querySelector('.layout');
  }

  async start() {
    const conversations = await this.client.rest.listConversations(); // a bad token fails here
    clear(this.root, h('div', { class: 'layout' },
      h('header', { class: 'top-bar' }, h('h1', {}, 'Strata'), this.search.form, h('span', { class: 'me', 'data-user': this.me }, this.me), this.state, this.push.el,
        h('button', { type: 'button', class: 'sign-out', onclick: () => void this.leave() }, 'Sign out')),
      this.list.el, this.pane));
    this.list.el.prepend(this.search.el);
    if (this.reports) {
      this.list.el.prepend(this.reports.el);
      void this.reports.load();
    }
    this.list.set(conversations);
    const s = this.client.socket;
    this.track(conversations, await this.sync());
    s.on('state', (st: string) => {
      this.state.dataset.state = st;
      this.state.textContent = st === 'open' ? 'online' : st;
      if (st === 'open') void this.refresh(); // catch up on conversations joined or left while away
    });
    s.on('message', (m: Message) => this.onMessage(m));
    s.on('edit', (c: EditChange) => this.forView(c.message.conversation_id)?.onUpdate(c.message));
    s.on('delete', (c: DeleteChange) => this.forView(c.message.conversation_id)?.onUpdate(c.message));
    s.on('typing', (f: { conversation_id: string; user: string }) => this.forView(f.conversation_id)?.onTyping(f.user));
    s.on('receipt', (f: { conversation_id: string; user?: string; delivered_seq?: number; read_seq?: number }) => this.forView(f.conversation_id)?.receipts.onFrame(f));
    s.on('reaction', (f: ReactionChange & { remove?: boolean }) => {
      const v = f.conversation_id ? this.forView(f.conversation_id) : this.view;
      v?.setReaction(f.message_id, f.user, f.reaction, !(f.removed ?? f.remove));
    });
    s.on('member', (c: MemberChange) => this.onMember(c));
    s.on('conversation', (c: ConversationChange) => this.onTitle(c.conversation_id, c.title));
    s.on('pin', (c: PinChange) => this.forView(c.conversation_id)?.onPin(c));
    s.on('mute', (c: MuteChange) => this.forView(c.conversation_id)?.onMute(c));
    s.on('rules', (c: RulesChange) => this.forView(c.conversation_id)?.onRules(c));
    s.on('membership', (f: MembershipEvent) => {
      if (f.user === this.me && f.change === 'removed') this.left([f.conversation_id], true); // banned or removed: at once
      void this.refresh(); // added to (or removed from) a conversation
    });
    // a send the socket keeps to retry after slow mode's cooldown: the open view counts it down
    s.on('error', (f: ErrorEvent) => {
      if (f.code === 'SLOW_MODE' && typeof f.retry_after === 'number') this.view?.gate.retryAfter(f.retry_after);
    });
    s.on('disconnect', (d: { code: number }) => {
      if (d.code === 4403) this.accountBanned();
    });
    s.on('reload', (r: { conversation_id: string }) => void this.reload(r.conversation_id));
    s.on('presence', (f: { user: string; online: boolean }) => {
      this.presence.set(f.user, f.online);
      this.view?.renderPresence();
    });
    document.addEventListener('visibilitychange', () => this.view?.markRead());
    // A lost network is seen at once (the browser knows before any socket times out); the
    // socket reconnects the moment it is back, and resumes every conversation by cursor.
    addEventListener('offline', this.goneOffline);
    addEventListener('online', this.backOnline);
    if (navigator.onLine === false) s.offline();
    void s.connect();
    s.on('settings', (f: Partial<NotifySettings> & { conversation_id?: string }) => {
      if (f.conversation_id) this.forView(f.conversation_id)?.settings.show(f);
    });
    void this.push.start();
    // a notification clicked (sw.ts): the conversation it is about
    navigator.serviceWorker?.addEventListener('message', (ev: MessageEvent<{ type?: string; conversation_id?: string }>) => {
      if (ev.data?.type === 'open-conversation' && ev.data.conversation_id) void this.openById(ev.data.conversation_id);
    });
    const linked = /^#conversation=([0-9a-f-]{36})$/.exec(location.hash)?.[1];
    if (linked) {
      history.replaceState(null, '', location.pathname);
      void this.openById(linked);
    }
  }

  /** Sign out: this browser's push subscription goes first (it would notify this user here). */
  private async leave() {
    await this.push.off().catch(() => {
      // best effort: the server drops a subscription its push service reports gone
    });
    this.signOut();
  }

  private async openById(id: string) {
    let c = this.list.summary(id);
    if (!c) {
      await this.refresh();
      c = this.list.summary(id);
    }
    if (c) await this.open(c);
  }

  /** GET /v1/sync since the last one (undefined: the server has no change log, or offline). */
  private async sync(): Promise<SyncResponse | undefined> {
    const r = await this.client.rest.sync(this.syncToken).catch((e: { code?: string }) => {
      if (e.code === 'RELOAD_REQUIRED' && this.syncToken) {
        this.syncToken = undefined; // the token expired: start again
        return this.client.rest.sync().catch(() => undefined);
      }
      return undefined;
    });
    if (r) this.syncToken = r.token;
    return r;
  }

  /** Tracks each conversation by cursor where the sync knows it (else by seq). A position the
   *  socket already holds is kept: its resume replays what was missed, or says RELOAD_REQUIRED
   *  itself when the server no longer has it, so a sync's `reload` status needs nothing here
   *  (the page does not apply the sync's changes: the socket replays them). */
  private track(conversations: ConversationSummary[], sync: SyncResponse | undefined) {
    const s = this.client.socket;
    if (!sync) {
      for (const c of conversations) s.track(c.id, c.last_seq);
      return;
    }
    for (const c of sync.conversations) {
      s.track(c.id, c.last_seq, c.cursor);
      if (s.awaitingReload(c.id)) void this.reload(c.id); // an earlier reload gave up (offline): again
      if (c.title !== (this.list.summary(c.id)?.title ?? c.title)) this.onTitle(c.id, c.title);
    }
    if (sync.left.length) this.left(sync.left);
  }

  private forView(conversationId: string) {
    return this.view?.id === conversationId ? this.view : undefined;
  }

  private onMessage(m: Message) {
    const known = this.list.onMessage(m, this.view?.id === m.conversation_id);
    if (!known) void this.refresh();
    this.forView(m.conversation_id)?.onMessage(m);
  }

  private async refresh() {
    const [conversations, sync] = await Promise.all([this.client.rest.listConversations().catch(() => undefined), this.sync()]);
    if (!conversations) return; // offline: the next reconnect refreshes
    this.list.set(conversations, this.view?.id);
    this.track(conversations, sync);
  }

  private onMember(c: MemberChange) {
    if (c.user === this.me && (c.change === 'removed' || c.change === 'banned')) return this.left([c.conversation_id], c.by !== this.me);
    this.forView(c.conversation_id)?.onMember(c);
    if (c.change !== 'role') this.list.setTitle(c.conversation_id, this.list.summary(c.conversation_id)?.title ?? null); // untitled ones are named after their members
  }

  private onTitle(id: string, title: string | null) {
    this.list.setTitle(id, title);
    const c = this.list.summary(id);
    if (c) this.forView(id)?.setTitle(this.list.title(c));
  }

  /** `removed`: someone else took me out (a ban, a removal): an open view says so. */
  private left(ids: string[], removed = false) {
    for (const id of ids) this.client.socket.untrack(id);
    this.list.remove(ids);
    if (this.view && ids.includes(this.view.id)) this.closeView(removed ? 'You were removed from this conversation.' : undefined);
  }

  /** An operator banned my account (4403; the SDK does not reconnect): a terminal message, nothing else works. */
  private accountBanned() {
    this.view?.close();
    this.view = undefined;
    clear(this.root, h('section', { class: 'signin account-banned' },
      h('h1', {}, 'Strata'),
      h('p', { class: 'error', role: 'alert' }, 'An operator banned your account from this server. You cannot read or send messages.'),
      h('button', { type: 'button', class: 'sign-out', onclick: () => void this.leave() }, 'Sign out')));
  }

  /** The server no longer keeps what this conversation missed: load it again, alone (its
   *  position first, from a full sync, then its history, so nothing between the two is lost). */
  private async reload(id: string) {
    if (this.reloading.has(id)) return;
    this.reloading.add(id);
    try {
      for (let attempt = 0; ; attempt++) {
        const full = await this.client.rest.sync().catch(() => undefined);
        const now = full?.conversations.find((c) => c.id === id);
        if (full && !now) return this.left([id]);
        if (now) {
          this.syncToken = full!.token; // it knows every conversation as of now
          this.onTitle(id, now.title);
          const c = this.list.summary(id);
          if (c && this.view?.id === id) await this.open({ ...c, last_seq: now.last_seq, read_seq: now.read_seq, unread: now.unread, unread_mentions: now.unread_mentions });
          this.client.socket.reset(id, now.cursor, now.last_seq);
          return;
        }
        if (attempt >= 5) return; // the server keeps refusing: the next reconnect's sync says `reload` again
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt)); // a backoff between retries, not a synchronisation
      }
    } finally {
      this.reloading.delete(id);
    }
  }

  /** Opens a conversation at a message: in place when the open view holds it, else a view opened at it. */
  async openAt(conversationId: string, t: Target) {
    this.layout()?.classList.remove('search-front'); // a phone shows the conversation again
    if (this.view?.id === conversationId && this.view.goTo(t)) return;
    let c = this.list.summary(conversationId);
    if (!c) {
      await this.refresh(); // joined since the list was read
      c = this.list.summary(conversationId);
    }
    if (c) await this.open(c, t);
  }

  /** Opens a conversation at its latest messages, or at `target`. */
  async open(c: ConversationSummary, target?: Target) {
    this.view?.close();
    const view = new ConversationView({
      me: this.me, client: this.client, presence: this.presence,
      markedRead: (id, seq) => this.list.markedRead(id, seq),
      back: () => this.closeView(),
      jump: (t) => void this.openAt(c.id, t),
      latest: () => void this.open(this.list.summary(c.id) ?? c),
      gone: () => this.left([c.id], true),
    }, c.id, this.list.title(c), target);
    this.view = view;
    this.list.setOpen(c.id);
    clear(this.pane, view.el);
    this.root.querySelector('.layout')?.classList.add('open');
    try {
      await view.load();
    } catch (e) {
      this.pane.append(h('p', { class: 'error', role: 'alert' }, (e as Error).message));
    }
  }

  /** `notice`: why the conversation went (shown in its place). */
  private closeView(notice?: string) {
    this.view?.close();
    this.view = undefined;
    this.list.setOpen(undefined);
    if (notice) {
      // the pane keeps the place of the conversation (a phone too) with the notice
      return clear(this.pane, h('div', { class: 'removed-notice' },
        h('p', { role: 'status' }, notice), h('button', { type: 'button', class: 'back', onclick: () => this.closeView() }, 'Back to conversations')));
    }
    this.root.querySelector('.layout')?.classList.remove('open');
    clear(this.pane, h('p', { class: 'empty' }, 'Pick a conversation, or start one.'));
    this.list.focus();
  }

  close() {
    removeEventListener('offline', this.goneOffline);
    removeEventListener('online', this.backOnline);
    this.view?.close();
    this.client.close();
  }
}

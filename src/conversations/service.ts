// Conversation use-cases: create, list mine, read one, rename, add/remove/re-role members.
// Owners and admins manage members and the title; only an owner grants or takes `owner`; the
// last owner cannot leave or be demoted; anyone may leave. Each change after the creation is
// stored, then accepted into the conversation's change log (`member` / `conversation` changes,
// docs/changes.md); the member's own sockets also get a `membership` frame on their user topic.
import { v7 as uuidv7 } from 'uuid';
import type { ChangeLog } from '../changes/change-log.js';
import { AppError } from '../errors.js';
import { userTopic, type Announce } from '../hot-tier/fanout.js';
import { NO_RESTRICTIONS, type HotTier } from '../hot-tier/hot-tier.js';
import type { Conversation, ConversationStore, Kind, Member, Role } from '../store/store.js';
import type { ThreadStore } from '../store/thread-store.js';
import { unreadCounts } from '../model/unread.js';
import type { Access } from './access.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AddMemberBody, CreateConversationBody, UpdateConversationBody } from './schemas.js';

export interface MembershipEvent {
  conversationId: string;
  user: string;
  change: 'added' | 'removed';
}

/** The `membership` frame on the member's user topic: their sockets (un)subscribe, then get it. */
export function membershipFrame(e: MembershipEvent): string {
  return JSON.stringify({ type: 'membership', conversation_id: e.conversationId, user: e.user, change: e.change });
}

/** What conversations need of moderation (moderation/conversation-rules.ts), without importing it. */
export interface ConversationModeration {
  /** MEMBER_BANNED when the user is banned from the conversation. */
  refuseBanned(conversationId: string, user: string): Promise<void>;
  settings(conversationId: string): Promise<{ kind: Kind; slow_mode_s: number }>;
  /** Owners/admins: a `rules` change when anything changed. */
  update(user: string, conversationId: string, next: { slow_mode_s?: number; kind?: 'group' | 'announcement' }, requestId?: string): Promise<{ kind: Kind; slow_mode_s: number }>;
}

export class ConversationService {
  constructor(
    private store: ConversationStore, private hot: HotTier, private access: Access, private announce: Announce, private changes: ChangeLog,
    private threads: Pick<ThreadStore, 'unreadAdjustments'>,
    /** Role changes and removals by someone else go to the audit log (docs/moderation.md#audit-log). */
    private audit?: AuditLog,
    /** Refuses a direct conversation between users one of whom blocked the other (moderation/blocks.ts). */
    private blocks?: { allowDirect(a: string, b: string): Promise<void> },
    /** Bans (no re-adding), slow mode and kind (moderation/conversation-rules.ts, docs/moderation.md). */
    private moderation?: ConversationModeration,
  ) {}

  /** Accepts a `member` or `conversation` change into the conversation's change log. */
  private record(conversationId: string, type: 'member' | 'conversation', fields: object): Promise<unknown> {
    const body = JSON.stringify({ conversation_id: conversationId, ...fields, at: new Date().toISOString() });
    return this.changes.record(conversationId, { type, body: `,${body.slice(1)}` });
  }

  /** Tells every node; resolves once published (a REST answer after it can be relied on). */
  private membership(e: MembershipEvent): Promise<void> {
    return this.announce(userTopic(e.user), membershipFrame(e));
  }

  async create(user: string, body: CreateConversationBody): Promise<Conversation> {
    const others = [...new Set(body.members)].filter((u) => u !== user);
    const kind: Kind = body.kind ?? (others.length === 1 ? 'direct' : 'group');
    if (kind === 'direct' && others.length !== 1) throw new AppError('VALIDATION_FAILED', 'a direct conversation has exactly one other member');
    if (kind === 'direct') await this.blocks?.allowDirect(user, others[0]);
    const members: Member[] = [{ user, role: 'owner' }, ...others.map((u) => ({ user: u, role: 'member' as Role }))];
    const c: Conversation = { id: uuidv7(), title: body.title ?? null, kind, created_by: user, created_at: new Date().toISOString(), members };
    await this.store.createConversation(c);
    // A new conversation starts at seq 0: seed the hot counter now so the first send is one call
    // (with its kind: an announcement conversation refuses members' sends from the first one).
    await this.hot.seed(c.id, 0, [], 1, 0, { ...NO_RESTRICTIONS, kind });
    await Promise.all(members.map((m) => this.membership({ conversationId: c.id, user: m.user, change: 'added' })));
    return c;
  }

  async list(user: string) {
    const rows = await this.store.listConversations(user);
    const [hotSeqs, adjust] = await Promise.all([this.hot.lastSeqs(rows.map((r) => r.id)), this.threads.unreadAdjustments(user)]);
    return rows.map((r, i) => {
      const last = Math.max(r.last_seq, hotSeqs[i] ?? 0);
      return { ...r, last_seq: last, ...unreadCounts(last, r.read_seq, adjust.get(r.id)) };
    });
  }

  /** The conversation with its members and its current change cursor (taken first: what follows it is replayable). */
  async get(user: string, id: string): Promise<Conversation & { cursor: number; slow_mode_s?: number }> {
    await this.access.requireMember(id, user);
    const [cursor] = await this.changes.cursors([id]);
    const c = await this.store.getConversation(id);
    if (!c) throw new AppError('CONVERSATION_NOT_FOUND', `conversation ${id} not found`);
    const settings = await this.moderation?.settings(id);
    return { ...c, cursor, ...(settings ? { slow_mode_s: settings.slow_mode_s } : {}) };
  }

  async addMember(user: string, id: string, body: AddMemberBody): Promise<Member> {
    const mine = await this.access.requireMember(id, user);
    if (mine === 'member') throw new AppError('FORBIDDEN', 'only owners and admins add members');
    const role = body.role ?? 'member';
    if (role === 'owner' && mine !== 'owner') throw new AppError('FORBIDDEN', 'only an owner grants the owner role');
    const c = await this.store.getConversation(id);
    if (c?.kind === 'direct') throw new AppError('VALIDATION_FAILED', 'a direct conversation has exactly two members');
    await this.moderation?.refuseBanned(id, body.user);
    await this.store.addMember(id, { user: body.user, role });
    this.access.invalidate(id, body.user);
    await this.recordOrUndo(id, 'member', { user: body.user, role, change: 'added', by: user }, async () => {
      await this.store.removeMember(id, body.user);
      this.access.invalidate(id, body.user);
    });
    await this.membership({ conversationId: id, user: body.user, change: 'added' });
    return { user: body.user, role };
  }

  async setRole(user: string, id: string, target: string, role: Role, requestId = 'internal'): Promise<Member> {
    const mine = await this.access.requireMember(id, user);
    if (mine === 'member') throw new AppError('FORBIDDEN', 'only owners and admins change roles');
    const theirs = await this.store.getRole(id, target);
    if (!theirs) throw new AppError('MEMBER_NOT_FOUND', `${target} is not a member`);
    if ((role === 'owner' || theirs === 'owner') && mine !== 'owner') throw new AppError('FORBIDDEN', 'only an owner grants or takes the owner role');
    if (theirs === role) return { user: target, role };
    if (theirs === 'owner') await this.refuseLastOwner(id);
    await this.store.setRole(id, target, role);
    this.access.invalidate(id, target);
    await this.recordOrUndo(id, 'member', { user: target, role, change: 'role', by: user }, async () => {
      await this.store.setRole(id, target, theirs);
      this.access.invalidate(id, target);
    });
    await this.audit?.record({ action: 'member.role_changed', actor: { user, requestId }, target_user: target, conversation_id: id, details: { from: theirs, to: role } });
    return { user: target, role };
  }

  /** Renames (a `conversation` change) and/or sets slow mode and kind (a `rules` change, moderation). */
  async update(user: string, id: string, body: UpdateConversationBody, requestId = ''): Promise<Conversation & { slow_mode_s?: number }> {
    const mine = await this.access.requireMember(id, user);
    if (mine === 'member') throw new AppError('FORBIDDEN', 'only owners and admins change a conversation');
    const before = await this.store.getConversation(id);
    if (!before) throw new AppError('CONVERSATION_NOT_FOUND', `conversation ${id} not found`);
    let after = before;
    if (body.slow_mode_s !== undefined || body.kind !== undefined) {
      if (!this.moderation) throw new AppError('UNAVAILABLE', 'moderation is not wired on this server');
      if (body.kind !== undefined && before.kind === 'direct') throw new AppError('VALIDATION_FAILED', 'a direct conversation stays direct');
    }
    const title = body.title;
    if (title !== undefined && before.title !== title) {
      await this.store.setTitle(id, title);
      await this.recordOrUndo(id, 'conversation', { title, by: user }, () => this.store.setTitle(id, before.title).then(() => undefined));
      after = { ...after, title };
    }
    if (!this.moderation) return after;
    const settings = body.slow_mode_s !== undefined || body.kind !== undefined
      ? await this.moderation.update(user, id, { slow_mode_s: body.slow_mode_s, kind: body.kind }, requestId)
      : await this.moderation.settings(id);
    return { ...after, kind: settings.kind, slow_mode_s: settings.slow_mode_s };
  }

  /**
   * Records the change, or — when the change log does not accept it (backlog, hot tier down) —
   * undoes the store's write before the error goes out: the retry it asks for then makes the
   * change again, logged, instead of finding it already done and never logged.
   */
  private async recordOrUndo(conversationId: string, type: 'member' | 'conversation', fields: object, undo: () => Promise<void>): Promise<void> {
    try {
      await this.record(conversationId, type, fields);
    } catch (e) {
      await undo();
      throw e;
    }
  }

  private async refuseLastOwner(id: string): Promise<void> {
    const c = await this.store.getConversation(id);
    if (c && c.members.filter((m) => m.role === 'owner').length <= 1) throw new AppError('LAST_OWNER', 'the last owner cannot be removed or demoted');
  }

  async removeMember(user: string, id: string, target: string, requestId = 'internal'): Promise<void> {
    const mine = await this.access.requireMember(id, user);
    const theirs = await this.store.getRole(id, target);
    if (!theirs) throw new AppError('MEMBER_NOT_FOUND', `${target} is not a member`);
    if (target !== user) {
      if (mine === 'member') throw new AppError('FORBIDDEN', 'only owners and admins remove members');
      if (theirs === 'owner' && mine !== 'owner') throw new AppError('FORBIDDEN', 'only an owner removes an owner');
    }
    if (theirs === 'owner') await this.refuseLastOwner(id);
    await this.store.removeMember(id, target);
    this.access.invalidate(id, target);
    await this.recordOrUndo(id, 'member', { user: target, role: null, change: 'removed', by: user }, async () => {
      await this.store.addMember(id, { user: target, role: theirs });
      this.access.invalidate(id, target);
    });
    await this.membership({ conversationId: id, user: target, change: 'removed' });
    if (target !== user) await this.audit?.record({ action: 'member.removed', actor: { user, requestId }, target_user: target, conversation_id: id, details: { role: theirs } });
  }
}

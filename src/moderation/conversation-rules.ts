// Conversation moderation (docs/moderation.md): bans, mutes and the settings slow mode and kind.
// Owners and admins moderate; only an owner bans or mutes an owner; nobody moderates themself.
// Each action is written to the warm store (the truth), then recorded as a change in ONE hot-tier
// call that also writes the conversation's restrictions (HotTier.change `restrict`): the send
// path (ingest-10.lua) judges every send against them atomically, so a send whose ingest runs
// after the change's call is refused, and one that ran before it has a lower cursor. When the
// change log refuses the change (backlog, hot tier down) the store's write is undone before the
// error goes out, as ConversationService does for members.
import type { AuditLog } from '../audit/audit-log.js';
import type { ChangeLog, ChangeRequest } from '../changes/change-log.js';
import type { Access } from '../conversations/access.js';
import { membershipFrame } from '../conversations/service.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { userTopic, type Announce } from '../hot-tier/fanout.js';
import type { RestrictionUpdate, Restrictions } from '../hot-tier/hot-tier.js';
import type { BanRow, ModerationStore, MuteRow } from '../store/moderation-store.js';
import type { Role } from '../store/store.js';

export interface Settings {
  kind: Restrictions['kind'];
  slow_mode_s: number;
}

export class ConversationRules {
  constructor(
    private deps: Pick<Deps, 'store' | 'moderation'>, private access: Access, private changes: ChangeLog, private announce: Announce,
    /** Records each owner's/admin's action (an operator's, from a report, is recorded as `report.resolved`). */
    private audit?: Pick<AuditLog, 'record'>,
  ) {}

  private get mod(): ModerationStore {
    if (!this.deps.moderation) throw new AppError('UNAVAILABLE', 'moderation is not wired on this server');
    return this.deps.moderation;
  }

  /** The caller's role when they moderate the conversation (owner/admin), else FORBIDDEN (404 to non-members). */
  private async moderator(user: string, id: string): Promise<Role> {
    const mine = await this.access.requireMember(id, user);
    if (mine === 'member') throw new AppError('FORBIDDEN', 'only owners and admins moderate a conversation');
    return mine;
  }

  /** Refuses moderating yourself, and an owner unless you are one. */
  private async target(mine: Role, user: string, id: string, target: string): Promise<Role | null> {
    if (target === user) throw new AppError('VALIDATION_FAILED', 'you cannot ban or mute yourself');
    const theirs = await this.deps.store.getRole(id, target);
    if (theirs === 'owner' && mine !== 'owner') throw new AppError('FORBIDDEN', 'only an owner bans or mutes an owner');
    return theirs;
  }

  private async record(id: string, type: ChangeRequest['type'], fields: object, restrict: RestrictionUpdate[], undo: () => Promise<unknown>): Promise<void> {
    const body = JSON.stringify({ conversation_id: id, ...fields, at: new Date().toISOString() });
    try {
      await this.changes.record(id, { type, body: `,${body.slice(1)}`, restrict });
    } catch (e) {
      await undo();
      throw e;
    }
  }

  async ban(user: string, id: string, target: string, reason: string | null, requestId = ''): Promise<BanRow> {
    const mine = await this.moderator(user, id);
    await this.target(mine, user, id, target);
    const { row, created } = await this.banAs(user, id, target, reason);
    if (created) await this.audit?.record({ action: 'member.banned', actor: { user, requestId }, target_user: target, conversation_id: id, reason });
    return row;
  }

  /**
   * An operator's ban (a report's resolution, moderation/reports.ts `Sanctions`): no membership
   * needed, any member (an owner too, unless the last one); the change's `by` is the operator.
   */
  async banAsOperator(operator: string, id: string, target: string, reason: string | null): Promise<BanRow> {
    if (!(await this.deps.store.getConversation(id))) throw new AppError('CONVERSATION_NOT_FOUND', `conversation ${id} not found`);
    if ((await this.deps.store.getRole(id, target)) === 'owner') await this.refuseLastOwner(id);
    return (await this.banAs(operator, id, target, reason)).row;
  }

  private async refuseLastOwner(id: string): Promise<void> {
    const c = await this.deps.store.getConversation(id);
    if (c && c.members.filter((m) => m.role === 'owner').length <= 1) throw new AppError('LAST_OWNER', 'the last owner cannot be banned');
  }

  private async banAs(user: string, id: string, target: string, reason: string | null): Promise<{ row: BanRow; created: boolean }> {
    const c = await this.deps.store.getConversation(id);
    if (c?.kind === 'direct') throw new AppError('VALIDATION_FAILED', 'a direct conversation has exactly two members: nobody is banned from it');
    const row: BanRow = { user: target, by: user, reason, at: new Date().toISOString() };
    const { created, role } = await this.mod.ban(id, row);
    if (!created) return { row: (await this.mod.listBans(id)).find((b) => b.user === target) ?? row, created: false };
    this.access.invalidate(id, target);
    await this.record(id, 'member', { user: target, role: null, change: 'banned', by: user }, [{ ban: target, on: true }], async () => {
      await this.mod.unban(id, target);
      if (role) await this.deps.store.addMember(id, { user: target, role });
      this.access.invalidate(id, target);
    });
    // their sockets leave the conversation at once (the membership frame, as for a removal)
    if (role) await this.announce(userTopic(target), membershipFrame({ conversationId: id, user: target, change: 'removed' }));
    return { row, created: true };
  }

  async unban(user: string, id: string, target: string, requestId = ''): Promise<void> {
    await this.moderator(user, id);
    const was = (await this.mod.listBans(id)).find((b) => b.user === target);
    if (!was || !(await this.mod.unban(id, target))) return;
    await this.record(id, 'member', { user: target, role: null, change: 'unbanned', by: user }, [{ ban: target, on: false }], () => this.mod.ban(id, was));
    await this.audit?.record({ action: 'member.unbanned', actor: { user, requestId }, target_user: target, conversation_id: id });
  }

  async listBans(user: string, id: string): Promise<BanRow[]> {
    await this.moderator(user, id);
    return this.mod.listBans(id);
  }

  async mute(user: string, id: string, target: string, durationS: number, reason: string | null, requestId = ''): Promise<MuteRow> {
    const mine = await this.moderator(user, id);
    if (!(await this.target(mine, user, id, target))) throw new AppError('MEMBER_NOT_FOUND', `${target} is not a member`);
    const row = await this.muteAs(user, id, target, durationS, reason);
    await this.audit?.record({ action: 'member.muted', actor: { user, requestId }, target_user: target, conversation_id: id, reason, details: { duration_s: durationS, until: row.until } });
    return row;
  }

  /** An operator's mute (a report's resolution): no membership needed; the target must be a member. */
  async muteAsOperator(operator: string, id: string, target: string, durationS: number, reason: string | null): Promise<MuteRow> {
    if (!(await this.deps.store.getRole(id, target))) throw new AppError('MEMBER_NOT_FOUND', `${target} is not a member`);
    return this.muteAs(operator, id, target, durationS, reason);
  }

  private async muteAs(user: string, id: string, target: string, durationS: number, reason: string | null): Promise<MuteRow> {
    const now = new Date();
    const row: MuteRow = { user: target, by: user, reason, at: now.toISOString(), until: new Date(now.getTime() + durationS * 1000).toISOString() };
    const before = (await this.mod.listMutes(id, row.at)).find((m) => m.user === target);
    await this.mod.mute(id, row);
    await this.record(id, 'mute', { user: target, until: row.until, by: user }, [{ mute: target, untilMs: Date.parse(row.until) }],
      () => (before ? this.mod.mute(id, before) : this.mod.unmute(id, target)));
    return row;
  }

  async unmute(user: string, id: string, target: string, requestId = ''): Promise<void> {
    await this.moderator(user, id);
    const before = (await this.mod.listMutes(id, new Date().toISOString())).find((m) => m.user === target);
    if (!(await this.mod.unmute(id, target)) || !before) return; // none, or one that had ended: nothing to record
    await this.record(id, 'mute', { user: target, until: null, by: user }, [{ mute: target, untilMs: null }], () => this.mod.mute(id, before));
    await this.audit?.record({ action: 'member.unmuted', actor: { user, requestId }, target_user: target, conversation_id: id, details: { was_until: before.until } });
  }

  async listMutes(user: string, id: string): Promise<MuteRow[]> {
    await this.moderator(user, id);
    return this.mod.listMutes(id, new Date().toISOString());
  }

  /** The conversation's kind and slow mode. The caller has checked membership. */
  async settings(id: string): Promise<Settings> {
    const r = this.deps.moderation ? await this.deps.moderation.restrictions(id, Date.now()) : null;
    if (!r) throw new AppError('CONVERSATION_NOT_FOUND', `conversation ${id} not found`);
    return { kind: r.kind, slow_mode_s: r.slowModeS };
  }

  /** Sets slow mode and/or kind (owners/admins): one `rules` change when anything changed. */
  async update(user: string, id: string, next: { slow_mode_s?: number; kind?: 'group' | 'announcement' }, requestId = ''): Promise<Settings> {
    await this.moderator(user, id);
    const before = await this.settings(id);
    if (next.kind && before.kind === 'direct') throw new AppError('VALIDATION_FAILED', 'a direct conversation stays direct');
    const after: Settings = { kind: next.kind ?? before.kind, slow_mode_s: next.slow_mode_s ?? before.slow_mode_s };
    if (after.kind === before.kind && after.slow_mode_s === before.slow_mode_s) return before;
    await this.mod.setSettings(id, { kind: after.kind, slowModeS: after.slow_mode_s });
    await this.record(id, 'rules', { ...after, by: user }, [{ kind: after.kind }, { slowModeS: after.slow_mode_s }],
      () => this.mod.setSettings(id, { kind: before.kind, slowModeS: before.slow_mode_s }));
    await this.audit?.record({ action: 'conversation.rules_changed', actor: { user, requestId }, conversation_id: id, details: { from: before, to: after } });
    return after;
  }

  /** Refuses adding a banned user (MEMBER_BANNED). */
  async refuseBanned(id: string, user: string): Promise<void> {
    if (await this.deps.moderation?.isBanned(id, user)) throw new AppError('MEMBER_BANNED', `${user} is banned from this conversation`);
  }
}

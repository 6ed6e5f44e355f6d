// Reports (docs/moderation.md#reports): a member flags a message of one of their conversations
// with a reason (once per message: a second flag returns the first report); operators page the
// queue and resolve a report once, with one of:
//   dismiss         nothing else happens
//   delete_message  the message is deleted (a tombstone, like any delete; audit: message.deleted)
//   mute / ban      the sender is muted (for `duration_s`) / banned in the conversation, through
//                   Sanctions (services.ts: ConversationRules.muteAsOperator / banAsOperator):
//                   a `mute` / `member` change in the conversation's log like an owner's, with
//                   the operator as `by`.
// Every resolution is ONE `report.resolved` audit entry (the operator as actor, the report id,
// the reason; a mute's end in details.until): the sanctions themselves record none, so a
// resolution is never in the log twice. The action happens first, then the report is resolved by
// compare-and-set: of two operators resolving at once, one gets REPORT_RESOLVED (the action it
// took stays, with its own audit entry).
import { v7 as uuidv7 } from 'uuid';
import type { Actor, AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import type { Message } from '../model/message.js';
import type { Report, ReportFilter, ReportState, ReportStore } from '../store/report-store.js';

export const RESOLUTIONS = ['dismiss', 'delete_message', 'mute', 'ban'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

const STATE_OF: Record<Resolution, Exclude<ReportState, 'open'>> = { dismiss: 'dismissed', delete_message: 'message_deleted', mute: 'muted', ban: 'banned' };

/** The default and the bounds of a report's mute, seconds (the mute route's bounds: a year at most). */
export const REPORT_MUTE_DEFAULT_S = 3600;
export const REPORT_MUTE_MAX_S = 31_536_000;

/** Mute or ban a member of a conversation as an operator (no membership needed). Neither records an audit entry. */
export interface Sanctions {
  /** The mute's end (ISO-8601). MEMBER_NOT_FOUND when `user` is no longer a member. */
  mute(actor: Actor, conversationId: string, user: string, durationS: number, reason: string | null): Promise<{ until: string }>;
  /** Idempotent; LAST_OWNER, or VALIDATION_FAILED in a direct conversation. */
  ban(actor: Actor, conversationId: string, user: string, reason: string | null): Promise<void>;
}

/** What reports need of the message domain (messages/edits.ts). */
export interface ReportedMessages {
  /** The message, if it is in a conversation `user` is a member of (else MESSAGE_NOT_FOUND). */
  load(user: string, id: string): Promise<Message>;
  /** An operator's delete: no membership needed; recorded in the audit log as message.deleted. */
  removeAsOperator(actor: Actor, id: string, conversationId: string, reason: string | null): Promise<Message>;
}

export class Reports {
  constructor(
    private store: ReportStore | undefined, private messages: ReportedMessages, private audit: AuditLog, private sanctions: Sanctions,
  ) {}

  private get reports(): ReportStore {
    if (!this.store) throw new AppError('UNAVAILABLE', 'reports are not configured on this node');
    return this.store;
  }

  async flag(user: string, messageId: string, reason: string): Promise<{ report: Report; created: boolean }> {
    const m = await this.messages.load(user, messageId);
    if (m.deleted_at) throw new AppError('MESSAGE_DELETED', 'a deleted message cannot be reported');
    return this.reports.create({
      id: uuidv7(), conversation_id: m.conversation_id, message_id: m.id, sender: m.sender, reporter: user, reason, message_text: m.text,
      state: 'open', created_at: new Date().toISOString(), resolved_by: null, resolved_at: null, resolution_reason: null,
    });
  }

  list(filter: ReportFilter): Promise<Report[]> {
    return this.reports.list(filter);
  }

  /** `durationS`: a mute's length (default REPORT_MUTE_DEFAULT_S); ignored by the other actions. */
  async resolve(actor: Actor, id: string, action: Resolution, reason: string | null, durationS = REPORT_MUTE_DEFAULT_S): Promise<Report> {
    const r = await this.reports.get(id);
    if (!r) throw new AppError('REPORT_NOT_FOUND', `no report ${id}`);
    if (r.state !== 'open') throw new AppError('REPORT_RESOLVED', `report ${id} is resolved already (${r.state})`);
    const details: Record<string, unknown> = { report_id: id, resolution: action, reporter: r.reporter };
    if (action === 'delete_message') await this.messages.removeAsOperator(actor, r.message_id, r.conversation_id, reason);
    else if (action === 'mute') {
      const { until } = await this.sanctions.mute(actor, r.conversation_id, r.sender, durationS, reason);
      Object.assign(details, { duration_s: durationS, until });
    } else if (action === 'ban') await this.sanctions.ban(actor, r.conversation_id, r.sender, reason);
    const done = await this.reports.resolve(id, { state: STATE_OF[action], by: actor.user, at: new Date().toISOString(), reason });
    if (!done) throw new AppError('REPORT_RESOLVED', `report ${id} was resolved by someone else meanwhile`);
    await this.audit.record({
      action: 'report.resolved', actor, target_user: r.sender, conversation_id: r.conversation_id, message_id: r.message_id, reason,
      details,
    });
    return done;
  }
}

// The ReportStore port: members' reports of messages and their resolution (table `reports`,
// migration 0012, docs/moderation.md#reports). One report per (message, reporter): a second flag
// by the same member returns the first. A report is resolved once: resolve() changes an open
// report only (compare-and-set on the state), so two operators resolving at once cannot both win.
export const REPORT_STATES = ['open', 'dismissed', 'message_deleted', 'muted', 'banned'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

export interface Report {
  /** UUID v7: time-ordered, the paging key. */
  id: string;
  conversation_id: string;
  message_id: string;
  /** The reported message's sender. */
  sender: string;
  reporter: string;
  reason: string;
  /** The message's text when it was reported (null: it had none, e.g. attachments only). */
  message_text: string | null;
  state: ReportState;
  created_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
  resolution_reason: string | null;
}

export interface ReportFilter {
  state?: ReportState;
  conversation_id?: string;
  /** Reports older than this report id (the previous page's last id). */
  before?: string;
  limit: number;
}

export interface ReportStore {
  /** Stores the report, or returns the reporter's existing report of that message (created: false). */
  create(r: Report): Promise<{ report: Report; created: boolean }>;
  get(id: string): Promise<Report | null>;
  /** Newest first (by id), at most `limit`. */
  list(filter: ReportFilter): Promise<Report[]>;
  /** Resolves an OPEN report; null when it is not open (or does not exist). */
  resolve(id: string, r: { state: Exclude<ReportState, 'open'>; by: string; at: string; reason: string | null }): Promise<Report | null>;
}

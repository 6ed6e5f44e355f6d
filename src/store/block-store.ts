// The BlockStore port: which user blocked which (table `blocks`, migration 0012,
// docs/moderation.md#blocks). Block and unblock are idempotent and say whether they changed
// anything.
export interface BlockStore {
  /** False when `blocker` had blocked `blocked` already. */
  block(blocker: string, blocked: string, at: string): Promise<boolean>;
  /** False when there was no such block. */
  unblock(blocker: string, blocked: string): Promise<boolean>;
  /** The users `blocker` blocked, newest first. */
  list(blocker: string): Promise<{ user: string; blocked_at: string }[]>;
  /** True when either of the two blocked the other. */
  between(a: string, b: string): Promise<boolean>;
}

// The unread rule (docs/threads.md), one place for the conversation list and sync: the
// conversation's unread count is the messages of its main timeline after the member's read
// seq — a thread-only reply (in_timeline false) is counted in its thread's unread count, never
// here too (Slack's and Mattermost's collapsed threads). Mentions after the read seq are
// counted apart, as unread_mentions. The adjustments come from the warm store's thread and
// mention indexes; replies still in flight to it are counted in the timeline until stored.

export function unreadCounts(lastSeq: number, readSeq: number, adjust?: { threadOnly: number; mentions: number }): { unread: number; unread_mentions: number } {
  return { unread: Math.max(0, lastSeq - readSeq - (adjust?.threadOnly ?? 0)), unread_mentions: adjust?.mentions ?? 0 };
}

// GET /v1/sync: one call for a client coming back online (docs/changes.md). The token names a
// sync position kept in the warm store (conversation → cursor at the previous sync), so it
// stays short however many conversations a user has, and `left` can be told: a conversation
// in the position the user is no longer a member of. Per conversation: `joined` (load it),
// `changed` (the changes after the position, up to `limit`), `unchanged`, or `reload` (the
// position is older than the changes kept). The new position is what the answer delivered:
// where a conversation has more changes than `limit`, the next sync continues from the last
// one returned. Each conversation carries the user's own notification settings (docs/push.md):
// they are not in the conversation's change log, so a returning client learns them here.
import type { Deps } from '../deps.js';
import { unreadCounts } from '../model/unread.js';
import { AppError, isAppError } from '../errors.js';
import type { ChangeLog } from './change-log.js';
import { cursorOf } from './change-log.js';
import { DEFAULT_SETTINGS } from '../store/push-store.js';

/** Conversations whose changes one sync reads at a time (a user in thousands of them is not thousands of concurrent reads). */
const SYNC_CONCURRENCY = 16;

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

export class SyncService {
  constructor(private deps: Pick<Deps, 'store' | 'receipts' | 'hot' | 'config' | 'threads' | 'push'>, private changes: ChangeLog) {}

  /** The sync answer's JSON (change bytes as every tier stores them). */
  async sync(user: string, since: string | undefined, limit: number): Promise<string> {
    const { store, receipts, hot, config, threads } = this.deps;
    const notBefore = new Date(Date.now() - config.syncTokenTtlDays * 86_400_000).toISOString();
    const prev = since === undefined ? null : await store.loadSyncState(user, since, notBefore);
    if (since !== undefined && !prev) throw new AppError('RELOAD_REQUIRED', 'this sync token is unknown or expired: sync again without `since` and reload');
    const convs = await store.listConversations(user);
    const ids = convs.map((c) => c.id);
    const [cursors, hotSeqs, adjust, settings] = await Promise.all([
      this.changes.cursors(ids), hot.lastSeqs(ids), threads.unreadAdjustments(user), this.deps.push?.store.settingsForUser(user, ids) ?? new Map(),
    ]);
    const marks = await mapLimited(ids, SYNC_CONCURRENCY, (id) => receipts.watermarks(id));
    const position: Record<string, number> = {};
    const parts = await mapLimited(convs, SYNC_CONCURRENCY, async (c, i) => {
      const cursor = cursors[i];
      const known = prev?.[c.id];
      let status: 'joined' | 'changed' | 'unchanged' | 'reload' = 'joined';
      let changes: string[] = [];
      let hasMore = false;
      position[c.id] = cursor;
      if (known !== undefined) {
        if (known === cursor) status = 'unchanged';
        else if (known > cursor) status = 'reload'; // the hot tier lost changes it had announced
        else {
          try {
            const page = await this.changes.read(c.id, known, limit);
            status = 'changed';
            changes = page.changes;
            hasMore = page.has_more;
            position[c.id] = changes.length ? cursorOf(changes[changes.length - 1]) : known;
          } catch (e) {
            if (!(isAppError(e) && e.code === 'RELOAD_REQUIRED')) throw e;
            status = 'reload';
          }
        }
      }
      const lastSeq = Math.max(c.last_seq, hotSeqs[i] ?? 0);
      const mine = marks[i].find((w) => w.user === user);
      const { unread, unread_mentions } = unreadCounts(lastSeq, c.read_seq, adjust.get(c.id));
      const meta = JSON.stringify({
        id: c.id, title: c.title, kind: c.kind, created_by: c.created_by, created_at: c.created_at, last_activity_at: c.last_activity_at,
        last_seq: lastSeq, read_seq: c.read_seq, delivered_seq: mine?.delivered ?? 0, unread, unread_mentions, cursor, status,
        watermarks: marks[i].map((w) => ({ user: w.user, delivered_seq: w.delivered, read_seq: w.read })),
        settings: { muted: settings.get(c.id)?.muted ?? DEFAULT_SETTINGS.muted, notify: settings.get(c.id)?.notify ?? DEFAULT_SETTINGS.notify },
      });
      return `${meta.slice(0, -1)},"changes":[${changes.join(',')}],"has_more":${hasMore}}`;
    });
    const left = prev ? Object.keys(prev).filter((id) => !(id in position)) : [];
    const token = await store.saveSyncState(user, position);
    return `{"token":${JSON.stringify(token)},"conversations":[${parts.join(',')}],"left":${JSON.stringify(left)}}`;
  }
}

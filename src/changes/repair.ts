// Collisions: the hot tier handed out a seq or cursor the warm store already holds — it came
// back BEHIND the warm store (a lagging replica promoted, an AOF missing its last second), so a
// counter that exists but is too low was never re-seeded. The persist worker finds them
// (store/change-store.ts ApplyResult.collisions) instead of dropping them by the idempotent
// insert, and accepts each one again here: the counters are raised past the warm store, then
// the change goes through the hot tier once more under a new cursor (a message under a new seq
// too, keeping its id: a client that replaces messages by id moves it). An acked message is
// never lost; its seq may change, and the change log says so. A message whose cursor was taken
// but whose seq was free keeps its seq (stored there by the worker: no gap) and is announced by
// an `edit` change carrying it whole.
// A repair retried after a failure does not accept a message twice: each goes in with the
// dedup key `repair:<message id>`.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { StoredChange } from '../model/change.js';
import { messageJson, messageTemplate, versionTemplate, type Message } from '../model/message.js';
import { isLostSeqTombstone } from '../model/tombstone.js';

export interface RepairLogger {
  warn(obj: object, msg: string): void;
}

export async function reacceptCollisions(
  deps: Pick<Deps, 'hot' | 'store' | 'config'>, seed: (conversationId: string) => Promise<void>, collisions: StoredChange[], logger: RepairLogger,
): Promise<void> {
  const { hot, store, config } = deps;
  const byConversation = new Map<string, StoredChange[]>();
  for (const c of collisions) byConversation.set(c.conversation_id, [...(byConversation.get(c.conversation_id) ?? []), c]);
  for (const [conversationId, list] of byConversation) {
    const [[bounds], maxSeq] = await Promise.all([store.changeBounds([conversationId]), store.maxSeq(conversationId)]);
    await hot.advance(conversationId, maxSeq, bounds.last);
    logger.warn({ conversationId, collisions: list.length, seq: maxSeq, cursor: bounds.last }, 'hot tier was behind the warm store: counters raised, colliding changes accepted again');
    for (const c of list.sort((a, b) => a.cursor - b.cursor)) {
      for (let attempt = 0; ; attempt++) {
        if (attempt === 3) throw new AppError('UNAVAILABLE', `could not accept change ${conversationId}/${c.cursor} again`, { retryable: true });
        const status = await again(c);
        if (status === 'unseeded') await seed(conversationId);
        else break;
      }
    }
  }

  async function again(c: StoredChange): Promise<string> {
    const limits = { changeRingLimit: config.changeRingLimit, maxBacklog: Number.MAX_SAFE_INTEGER };
    if (c.type === 'message') {
      // its cursor was taken but its seq was free: stored at its own seq, it needs a change of its own
      const kept = await store.getMessage(c.message!.id);
      if (kept) {
        const { head, tail } = versionTemplate(kept);
        return (await hot.change({ conversationId: c.conversation_id, type: 'edit', message: { seq: kept.seq, id: kept.id, head, tail }, ...limits })).status;
      }
      const { seq: _seq, version: _version, ...draft } = c.message!;
      const { head, tail } = messageTemplate(draft);
      const out = await hot.ingest({
        conversationId: c.conversation_id, messageId: draft.id, head, tail, clientKey: `repair:${draft.id}`, dedupTtlS: config.dedupTtlS, recentLimit: config.recentLimit, ...limits,
      });
      return out.status;
    }
    if (c.type === 'lost') return 'changed'; // a placeholder of a lost position: nothing to accept
    // a tombstone of a lost seq that collides: the message it stood for arrived after all
    if (c.type === 'delete' && isLostSeqTombstone(c.message!)) return 'changed';
    if (c.type === 'edit' || c.type === 'delete') {
      // at the message's seq as it is now: its creation may have collided too and moved
      const id = c.message!.id;
      const seq = (await store.getMessage(id))?.seq ?? (await hot.locateInFlight(id))?.seq ?? c.message!.seq;
      const { head, tail } = versionTemplate({ ...c.message!, seq });
      return (await hot.change({ conversationId: c.conversation_id, type: c.type, message: { seq, id, head, tail }, ...limits })).status;
    }
    const at = c.json.indexOf(',"cursor":') + 10;
    let end = at;
    while (end < c.json.length && c.json.charCodeAt(end) >= 48 && c.json.charCodeAt(end) <= 57) end++;
    return (await hot.change({ conversationId: c.conversation_id, type: c.type, body: c.json.slice(end), ...limits })).status;
  }
}

/**
 * Messages whose log entries the hot tier lost after a worker read them (workers/stream-consumer.ts
 * `unheld`): it restarted without persistence while the batch was being committed, so its
 * re-seed read the warm store before these rows were there and did not restore their dedup keys.
 * A retry of such a send would be accepted a second time; their keys are restored now (NX: a
 * newer entry is never replaced), as the message is stored — or, moved by a collision and not
 * stored yet, as its repair accepted it.
 */
export async function restoreDedupOf(
  deps: Pick<Deps, 'hot' | 'store' | 'config'>, messages: Pick<Message, 'id' | 'conversation_id' | 'sender' | 'client_id' | 'created_at'>[], logger: RepairLogger,
): Promise<void> {
  const { hot, store, config } = deps;
  const byConversation = new Map<string, typeof messages>();
  for (const m of messages) if (m.client_id != null) byConversation.set(m.conversation_id, [...(byConversation.get(m.conversation_id) ?? []), m]);
  if (byConversation.size === 0) return;
  const now = Date.now();
  let restored = 0;
  for (const [conversationId, list] of byConversation) {
    const entries = await Promise.all(list.map(async (m) => {
      const stored = await store.getMessage(m.id);
      const json = stored ? messageJson(stored) : await hot.findDuplicate(conversationId, `repair:${m.id}`);
      return json === null ? [] : [{ clientKey: `${m.sender}\n${m.client_id}`, json, ttlMs: Date.parse(m.created_at) + config.dedupTtlS * 1000 - now }];
    }));
    const flat = entries.flat();
    restored += flat.length;
    await hot.restoreDedup(conversationId, flat);
  }
  logger.warn({ conversations: byConversation.size, restored }, 'the persist log no longer held committed entries (another consumer acked them, or the hot tier restarted after they were read): their dedup keys restored');
}

// The lossless persist pipeline against real Valkey and PostgreSQL: a burst bigger than the
// ring, a warm-store outage, a poison entry, hot-tier loss and the rate limit. Each test that
// breaks a server (outage, FLUSHALL) runs its own server so the shared ones stay untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { Redis } from 'ioredis';
import { messageTemplate } from '../../src/model/message.js';
import { persistConsumer } from '../../src/main/background.js';
import { makeStack, type TestStack } from '../helpers/app.js';
import { startPostgres, type PostgresServer } from '../services/postgres.js';
import { startRedis, type RedisServer } from '../services/redis.js';
import { waitFor } from '../services/ports.js';

async function newConversations(s: TestStack, n: number, owner = 'alice') {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await s.services.conversations.create(owner, { members: ['bob', 'carol'] })).id);
  return ids;
}

/** Every stored seq per conversation, ascending. */
async function storedSeqs(s: TestStack, conv: string): Promise<number[]> {
  const out: number[] = [];
  let after = 0;
  for (;;) {
    const page = await s.deps.store.listMessages(conv, { afterSeq: after, limit: 1000 });
    if (page.length === 0) return out;
    out.push(...page.map((m) => m.seq));
    after = page[page.length - 1].seq;
  }
}

async function waitStored(s: TestStack, convs: string[], perConv: number, timeoutMs = 60_000) {
  await waitFor(`${convs.length * perConv} rows in the warm store`, async () => {
    for (const c of convs) if ((await s.deps.store.maxSeq(c)) < perConv) return false;
    return true;
  }, timeoutMs);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('persist pipeline on Valkey + PostgreSQL', () => {
  it('a burst of 20,000 messages over 20 conversations with RECENT_LIMIT=50 stores exactly 20,000 rows, gap-free', async () => {
    const s = await makeStack({ hot: 'valkey', store: 'postgres', config: { recentLimit: 50, persistBatch: 500 } });
    try {
      const convs = await newConversations(s, 20);
      const acked = new Set<string>();
      let next = 0;
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < 20_000) {
          const i = next++;
          const ack = await s.services.ingest.send('alice', convs[i % 20], { text: `burst ${i}`, client_id: `b-${i}` });
          acked.add(ack.message.id);
        }
      }));
      expect(acked.size).toBe(20_000);
      await waitStored(s, convs, 1000);
      let total = 0;
      for (const c of convs) {
        const seqs = await storedSeqs(s, c);
        expect(seqs).toEqual(range(1000));
        total += seqs.length;
      }
      expect(total).toBe(20_000);
      // a page below the ring is served by the warm store, identical in shape
      const page = await s.services.history.page('bob', convs[0], { before: 101, limit: 100 });
      expect(page.tier).toBe('warm');
      expect(page.messages.map((j) => JSON.parse(j).seq)).toEqual(range(100));
    } finally {
      await s.close();
    }
  });

  it('a rate-limited send gets 429 with Retry-After and nothing of it is stored', async () => {
    const s = await makeStack({ hot: 'valkey', store: 'postgres', config: { rateLimit: 5, rateWindowS: 10 } });
    try {
      const [conv] = await newConversations(s, 1);
      const token = await s.token('alice');
      const send = (i: number) => s.app.inject({ method: 'POST', url: `/v1/conversations/${conv}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text: `r${i}` } });
      for (let i = 0; i < 5; i++) expect((await send(i)).statusCode).toBe(201);
      const sixth = await send(5);
      expect(sixth.statusCode).toBe(429);
      expect(sixth.json().code).toBe('RATE_LIMITED');
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(10);
      // Sentinel: a later send (bob's: alice is limited) takes the next seq and goes through the
      // same persist log behind anything of r5, so once it is stored, r5 would be too.
      const sentinel = await s.services.ingest.send('bob', conv, { text: 'sentinel' });
      expect(sentinel.message.seq).toBe(6); // r5 took no seq
      await waitStored(s, [conv], 6);
      expect(await storedSeqs(s, conv)).toEqual(range(6));
      expect((await s.services.history.page('alice', conv, {})).messages.map((j) => JSON.parse(j).text)).not.toContain('r5');
    } finally {
      await s.close();
    }
  });

  it('a poison entry goes to the dead letters with its error, the rest of its batch is stored, replay stores it after the fix', async () => {
    const s = await makeStack({ hot: 'valkey', store: 'postgres', config: { persistMaxAttempts: 2 }, workers: true });
    try {
      const [conv] = await newConversations(s, 1);
      // A conversation the hot tier knows but the warm store does not: its rows violate the FK.
      const ghost = uuidv7();
      await s.deps.hot.seed(ghost, 0, [], 10);
      const t = messageTemplate({ id: uuidv7(), conversation_id: ghost, sender: 'alice', text: 'poison', reply_to: null, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [], client_id: null, created_at: new Date().toISOString(), edited_at: null, deleted_at: null });
      for (let i = 0; i < 3; i++) await s.services.ingest.send('alice', conv, { text: `good ${i}` });
      const poisoned = await s.deps.hot.ingest({ conversationId: ghost, head: t.head, tail: t.tail, dedupTtlS: 60, recentLimit: 10, changeRingLimit: 10, maxBacklog: 1000 });
      expect(poisoned.status).toBe('created');
      for (let i = 3; i < 6; i++) await s.services.ingest.send('alice', conv, { text: `good ${i}` });
      await waitStored(s, [conv], 6);
      const root = await s.token('root', true);
      let dead: { id: string; error: string; payload: string }[] = [];
      await waitFor('a dead letter', async () => {
        dead = (await s.app.inject({ method: 'GET', url: '/v1/admin/dead-letters', headers: { authorization: `Bearer ${root}` } })).json().dead_letters;
        return dead.some((d) => d.payload.includes(ghost));
      }, 30_000);
      const d = dead.find((x) => x.payload.includes(ghost))!;
      expect(d.error.length).toBeGreaterThan(0);
      expect(await storedSeqs(s, conv)).toEqual(range(6));

      // fix: the conversation now exists; replay stores the entry
      await s.deps.store.createConversation({ id: ghost, title: null, kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members: [{ user: 'alice', role: 'owner' }] });
      const replay = await s.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${d.id}/replay`, headers: { authorization: `Bearer ${root}` } });
      expect(replay.statusCode).toBe(202);
      await waitStored(s, [ghost], 1, 20_000);
      expect((await s.deps.store.getMessageBySeq(ghost, 1))?.text).toBe('poison');
      const after = (await s.app.inject({ method: 'GET', url: '/v1/admin/dead-letters', headers: { authorization: `Bearer ${root}` } })).json().dead_letters;
      expect(after.find((x: { id: string }) => x.id === d.id)).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});

describe('persist pipeline: a PostgreSQL outage of 20 s', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.stop());

  it('keeps acking while PostgreSQL is down and stores every acked message exactly once afterwards', async () => {
    let failedWrite: (() => void) | undefined;
    const s = await makeStack({
      hot: 'valkey', store: 'postgres', databaseUrl: pg.url,
      onWorkerWarning: (o) => {
        if ((o as { context?: string }).context === 'store unavailable, retrying batch') failedWrite?.();
      },
    });
    try {
      const convs = await newConversations(s, 3);
      // warm the membership cache, then take the warm store away
      for (const c of convs) await s.services.ingest.send('alice', c, { text: 'before' });
      pg.pause();
      const acked: { conv: string; seq: number }[] = [];
      const until = Date.now() + 20_000;
      let i = 0;
      while (Date.now() < until) {
        // A round of sends per failed write: sends keep coming while the workers retry (backing
        // off up to 5 s), and a write really failed against the stopped server each round.
        const failed = new Promise<void>((r) => (failedWrite = r));
        for (let k = 0; k < 20; k++, i++) {
          const conv = convs[i % 3];
          const ack = await s.services.ingest.send('alice', conv, { text: `during ${i}`, client_id: `o-${i}` });
          acked.push({ conv, seq: ack.message.seq });
        }
        await failed;
      }
      expect(acked.length).toBeGreaterThan(100);
      await pg.start();
      const expected = new Map<string, number>();
      for (const c of convs) expected.set(c, 1 + acked.filter((a) => a.conv === c).length);
      await waitFor('all acked rows stored', async () => {
        for (const [c, n] of expected) if ((await s.deps.store.maxSeq(c)) < n) return false;
        return true;
      }, 60_000);
      for (const [c, n] of expected) expect(await storedSeqs(s, c)).toEqual(range(n));
    } finally {
      await s.close();
    }
  }, 150_000);
});

describe('hot-tier loss', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.stop());

  it('after FLUSHALL the next seq continues from the warm store (max+1), and an old client_id is not stored twice', async () => {
    const s = await makeStack({ hot: 'valkey', store: 'postgres', valkeyUrl: redis.url });
    try {
      const [conv] = await newConversations(s, 1);
      for (let i = 1; i <= 7; i++) await s.services.ingest.send('alice', conv, { text: `m${i}`, client_id: `f-${i}` });
      await waitStored(s, [conv], 7);
      const admin = new Redis(redis.url);
      await admin.flushall();
      admin.disconnect();
      const retry = await s.services.ingest.send('alice', conv, { text: 'm7', client_id: 'f-7' });
      expect(retry.created).toBe(false);
      expect(retry.message.seq).toBe(7);
      const next = await s.services.ingest.send('alice', conv, { text: 'after flush' });
      expect(next.message.seq).toBe(8);
      await waitStored(s, [conv], 8);
      expect(await storedSeqs(s, conv)).toEqual(range(8));
      const page = await s.services.history.page('alice', conv, {});
      expect(page.messages.map((j) => JSON.parse(j).seq)).toEqual(range(8));
    } finally {
      await s.close();
    }
  });

  // Drill 2 caught it once (a fresh-clone CI run): a worker read a batch, the hot tier restarted
  // empty, another send re-seeded the conversation from the warm store, and only then did the
  // batch commit. Its message was acked, but its dedup key had not been restored: the retry of
  // the same client_id was accepted a second time. The worker's ack now sees the log no longer
  // holds the entries and restores the keys of what it committed.
  it('a batch committed after the hot tier restarted empty under it keeps its dedup keys: a retry returns the original, one copy stored', async () => {
    const s = await makeStack({ hot: 'valkey', store: 'postgres', valkeyUrl: redis.url, workers: false });
    const warnings: string[] = [];
    const worker = persistConsumer(s.deps, { warn: (_o: object, m: string) => void warnings.push(m), error() {} });
    const signal = new AbortController().signal;
    try {
      const [conv] = await newConversations(s, 1);
      const p = s.deps.log.partitionOf(conv);
      const first = await s.services.ingest.send('alice', conv, { text: 'late', client_id: 'late-1' });
      const held = await s.deps.log.read(p, 'slow-worker', 100, 0); // in a worker's hands…
      const admin = new Redis(redis.url);
      await admin.flushall(); // …when the hot tier restarts empty
      admin.disconnect();
      const bob = await s.services.ingest.send('bob', conv, { text: 'first after the restart' }); // re-seeds: 'late' is not stored yet
      expect(bob.message.seq).toBe(1);
      await worker.process(held, signal); // 'late' lands at seq 1; the log no longer holds its entry

      const retry = await s.services.ingest.send('alice', conv, { text: 'late', client_id: 'late-1' });
      expect({ created: retry.created, id: retry.message.id, seq: retry.message.seq }).toEqual({ created: false, id: first.message.id, seq: 1 });
      expect(warnings.some((w) => w.includes('dedup keys restored'))).toBe(true);
      // bob's message collides with it and moves to seq 2 (changes/repair.ts); nothing else arrives
      for (let round = 0; round < 3; round++) await worker.process(await s.deps.log.read(p, 'w', 100, 0), signal);
      expect(await storedSeqs(s, conv)).toEqual([1, 2]);
      const rows = await s.deps.store.listMessages(conv, { limit: 10 });
      expect(rows.map((m) => [m.seq, m.sender, m.client_id])).toEqual([[1, 'alice', 'late-1'], [2, 'bob', null]]);
    } finally {
      await s.close();
    }
  });
});

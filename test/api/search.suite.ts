// Full-text search (docs/search.md) on a stack: the query language and its errors, scoping to
// the caller's conversations (a non-member learns nothing), edits and deletes reflected once
// acked, both orders with stable cursors, and the same bytes before and after the messages move
// to the archive. `corpusResults` lets the production file compare SQLite with PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/archive/object-store.js';
import { makeStack, type StackOptions, type TestStack } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';

export const CORPUS = [
  'Hello world, the deploy is green',
  'The deploy failed: rollback now!',
  'Café au lait at nine? naïve question',
  '我们今天去北京吃饭',
  '東京タワーに行きました',
  'e-mail me at ops@example.com about the deployment',
  'world peace, world cup, world wide web',
  '"Quoted" text with an apostrophe: don\'t deploy on Friday',
  'rollback rollback rollback',
  'ünïcödé ÅNGSTRÖM and emoji 🚀 deploy',
];

export const QUERIES = [
  'deploy', 'deploy*', '"the deploy"', 'world', '"world cup"', 'rollback', 'cafe', 'NAIVE', '北京', '北*', '東京タワー',
  'e-mail', 'ops', 'example.com', "don't", 'friday deploy', 'angstrom', 'unicode', 'from:bob', 'from:alice deploy', 'missing',
];

export interface Stack {
  s: TestStack;
  call(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any; raw: string }>;
}

export async function startSearchStack(opts: StackOptions & { archive?: ObjectStore }): Promise<Stack> {
  const s = await makeStack({ ...opts, config: { recentLimit: 3, ...opts.config } });
  return {
    s,
    async call(method, url, token, body) {
      const r = await s.app.inject({
        method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.statusCode, body: r.body ? r.json() : undefined, raw: r.body };
    },
  };
}

/** Sends the corpus into a new conversation (alice and bob alternating); returns its id and messages. */
export async function sendCorpus(st: Stack): Promise<{ conv: string; ids: string[] }> {
  const [alice, bob] = await Promise.all([st.s.token('alice'), st.s.token('bob')]);
  const conv = (await st.call('POST', '/v1/conversations', alice, { members: ['bob'] })).body.id;
  const ids: string[] = [];
  for (let i = 0; i < CORPUS.length; i++) {
    const r = await st.call('POST', `/v1/conversations/${conv}/messages`, i % 2 ? bob : alice, { text: CORPUS[i] });
    expect(r.status, r.raw).toBe(201);
    ids.push(r.body.id);
  }
  return { conv, ids };
}

/** Every query's results as (seq, text) in order, both sorts: what two engines must agree on. */
export async function corpusResults(st: Stack, conv: string): Promise<Record<string, [number, string][]>> {
  const alice = await st.s.token('alice');
  const out: Record<string, [number, string][]> = {};
  for (const q of QUERIES) for (const sort of ['relevance', 'time']) {
    const r = await st.call('GET', `/v1/search?q=${encodeURIComponent(q)}&conversation_id=${conv}&sort=${sort}&limit=100`, alice);
    expect(r.status, `${q}: ${r.raw}`).toBe(200);
    out[`${sort} ${q}`] = r.body.results.map((x: any) => [x.message.seq, x.message.text]);
  }
  return out;
}

export function searchSuite(name: string, opts: StackOptions & { archiveStore: () => Promise<{ store: ObjectStore; close(): Promise<void> }> }) {
  describe(`search on ${name}`, () => {
    let st: Stack;
    let closeArchive: () => Promise<void>;
    let alice: string, bob: string, dave: string, root: string;
    let conv: string, ids: string[], other: string;
    const search = async (token: string, qs: string) => st.call('GET', `/v1/search?${qs}`, token);
    const texts = (r: { body: any }) => r.body.results.map((x: any) => x.message.text as string);

    beforeAll(async () => {
      const archive = await opts.archiveStore();
      closeArchive = archive.close;
      st = await startSearchStack({ ...opts, archive: archive.store });
      [alice, bob, dave, root] = await Promise.all([st.s.token('alice'), st.s.token('bob'), st.s.token('dave'), st.s.token('root', true)]);
      ({ conv, ids } = await sendCorpus(st));
      other = (await st.call('POST', '/v1/conversations', alice, { members: ['carol'] })).body.id;
      await st.call('POST', `/v1/conversations/${other}/messages`, alice, { text: 'deploy in the other room', thread_id: undefined });
    }, 180_000);
    afterAll(async () => {
      await st?.s.close();
      await closeArchive?.();
    });

    it('finds words, phrases, prefixes, CJK and unaccented forms; results are history\'s message JSON with highlights', async () => {
      const r = await search(alice, `q=deploy&conversation_id=${conv}&sort=time`);
      expect(texts(r)).toEqual([CORPUS[9], CORPUS[7], CORPUS[1], CORPUS[0]]);
      const first = r.body.results[0];
      const history = await st.call('GET', `/v1/conversations/${conv}/messages?after=${first.message.seq - 1}&limit=1`, alice);
      expect(JSON.stringify(first.message)).toBe(JSON.stringify(history.body.messages[0]));
      expect(first.highlights.map(([a, b]: [number, number]) => first.message.text.slice(a, b))).toEqual(['deploy']);
      expect(texts(await search(alice, `q=${encodeURIComponent('"world cup"')}&conversation_id=${conv}`))).toEqual([CORPUS[6]]);
      expect(texts(await search(alice, `q=${encodeURIComponent('deploy*')}&conversation_id=${conv}&sort=time`))).toContain(CORPUS[5]);
      expect(texts(await search(alice, `q=cafe&conversation_id=${conv}`))).toEqual([CORPUS[2]]);
      expect(texts(await search(alice, `q=${encodeURIComponent('北京')}&conversation_id=${conv}`))).toEqual([CORPUS[3]]);
      expect(texts(await search(alice, `q=rollback&conversation_id=${conv}`))).toEqual([CORPUS[8], CORPUS[1]]); // relevance: three times beats once
      expect(texts(await search(alice, `q=${encodeURIComponent('from:bob deploy')}&conversation_id=${conv}&sort=time`))).toEqual([CORPUS[9], CORPUS[7], CORPUS[1]]);
      // time bounds in any ISO-8601 spelling: the same instant in +02:00 keeps the same messages out
      const mid = (await st.call('GET', `/v1/messages/${ids[5]}/thread`, alice)).body.root.created_at as string;
      const shifted = new Date(Date.parse(mid) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      expect(texts(await search(alice, `q=deploy&conversation_id=${conv}&sort=time&after=${encodeURIComponent(shifted)}`))).toEqual([CORPUS[9], CORPUS[7]]);
      expect(texts(await search(alice, `q=deploy&conversation_id=${conv}&sort=time&before=${encodeURIComponent(shifted)}`))).toEqual([CORPUS[1], CORPUS[0]]);
      // across all my conversations
      expect(texts(await search(alice, 'q=deploy&sort=time'))).toContain('deploy in the other room');
    });

    it('searches only the caller\'s conversations: a non-member learns nothing, not even a count', async () => {
      expect((await search(bob, 'q=deploy&sort=time')).body.results.map((x: any) => x.message.conversation_id)).not.toContain(other);
      expect((await search(dave, 'q=deploy')).body).toMatchObject({ results: [], next_cursor: null });
      const r = await search(dave, `q=deploy&conversation_id=${conv}`);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('CONVERSATION_NOT_FOUND');
      expect((await search(dave, `q=${encodeURIComponent(`deploy in:${conv}`)}`)).body.code).toBe('CONVERSATION_NOT_FOUND');
      expect((await search(dave, `q=deploy&thread_id=${ids[0]}`)).body.code).toBe('MESSAGE_NOT_FOUND');
    });

    it('refuses malformed and oversized queries with a registry code, never a 500', async () => {
      for (const [q, code] of [['"open', 'SEARCH_QUERY_INVALID'], ['a*b', 'SEARCH_QUERY_INVALID'], ['from:', 'SEARCH_QUERY_INVALID'], ['!!!', 'SEARCH_QUERY_INVALID'], ['x'.repeat(10_000), 'VALIDATION_FAILED']]) {
        const r = await search(alice, `q=${encodeURIComponent(q)}`);
        expect(r.status, q.slice(0, 20)).toBe(400);
        expect(r.body.code, q.slice(0, 20)).toBe(code);
      }
      expect((await search(alice, 'q=deploy&cursor=bm9wZQ')).body.code).toBe('VALIDATION_FAILED');
      // crafted cursors and times never reach the database (a non-time, a seq past bigint)
      const crafted = (parts: string[]) => Buffer.from(parts.join('\n')).toString('base64url');
      for (const c of [crafted(['time', 'yesterday', conv, '1']), crafted(['time', '2026-01-01T00:00:00.000Z', conv, '99999999999999999999']), crafted(['relevance', '2026-01-01T00:00:00.000Z', conv, '1', 'NaN'])]) {
        const r = await search(alice, `q=deploy&sort=${c === crafted(['relevance', '2026-01-01T00:00:00.000Z', conv, '1', 'NaN']) ? 'relevance' : 'time'}&cursor=${c}`);
        expect(r.status, r.raw).toBe(400);
        expect(r.body.code).toBe('VALIDATION_FAILED');
      }
      expect((await search(alice, `q=deploy&before=${encodeURIComponent('2026-06-30T23:59:60Z')}`)).body.code).toBe('VALIDATION_FAILED');
      expect((await search(alice, 'q=deploy&sort=best')).body.code).toBe('VALIDATION_FAILED');
    });

    it('pages both orders with stable cursors, each match once', async () => {
      for (const sort of ['relevance', 'time']) {
        const all = texts(await search(alice, `q=${encodeURIComponent('deploy* world')}&sort=${sort}&limit=100`));
        const also = texts(await search(alice, `q=world&sort=${sort}&limit=100`));
        expect(also.length).toBeGreaterThan(1);
        const paged: string[] = [];
        for (let cursor = ''; ;) {
          const r = await search(alice, `q=world&sort=${sort}&limit=1${cursor}`);
          paged.push(...texts(r));
          if (!r.body.next_cursor) break;
          cursor = `&cursor=${r.body.next_cursor}`;
        }
        expect(paged).toEqual(also);
        expect(all).toEqual(all.filter((t: string) => t.includes('world') || t.includes('World')));
      }
    });

    it('reflects an acked edit and delete at once: the old text and a deleted message never match', async () => {
      expect((await st.call('PATCH', `/v1/messages/${ids[6]}`, alice, { text: 'galaxy peace' })).status).toBe(200);
      expect((await st.call('DELETE', `/v1/messages/${ids[0]}`, alice)).status).toBe(200);
      const r = await search(alice, `q=world&conversation_id=${conv}`);
      expect(texts(r)).toEqual([]);
      expect(r.body.settled).toBe(true);
      expect(texts(await search(alice, `q=galaxy&conversation_id=${conv}`))).toEqual(['galaxy peace']);
    });

    it('answers the same bytes from the warm store and the archive', async () => {
      const qs = [...['deploy', 'rollback', '"world cup"', 'galaxy', '北*', 'cafe'].map((q) => `q=${encodeURIComponent(q)}&conversation_id=${conv}`), 'q=deploy&sort=time&limit=2'];
      const before = await Promise.all(qs.map(async (q) => (await search(alice, q)).raw));
      const top = (await st.call('GET', `/v1/conversations/${conv}/messages?limit=1`, alice)).body.messages[0].seq;
      await eventually('the conversation persisted', async () => (await st.s.deps.store.listMessages(conv, { afterSeq: top - 1, limit: 1 })).length === 1);
      const job = await st.call('POST', '/v1/admin/archive-jobs', root, { conversation_id: conv, up_to_seq: top });
      expect(job.status, job.raw).toBe(202);
      await eventually('the archive job', async () => (await st.call('GET', `/v1/admin/archive-jobs/${job.body.id}`, root)).body.status === 'done', { timeoutMs: 60_000 });
      expect(await st.s.deps.store.listMessages(conv, { afterSeq: 0, limit: 5 })).toEqual([]);
      const after = await Promise.all(qs.map(async (q) => (await search(alice, q)).raw));
      for (let i = 0; i < qs.length; i++) expect(after[i], qs[i]).toBe(before[i]);
      // an archived message edited: the new text matches, the old no longer
      expect((await st.call('PATCH', `/v1/messages/${ids[8]}`, alice, { text: 'roll forward' })).status).toBe(200);
      expect(texts(await search(alice, `q=rollback&conversation_id=${conv}`))).toEqual([CORPUS[1]]);
      expect(texts(await search(alice, `q=forward&conversation_id=${conv}`))).toEqual(['roll forward']);
    }, 120_000);
  });
}

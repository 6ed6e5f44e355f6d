// The cold tier through the HTTP API on the production column: Valkey + PostgreSQL + S3 (Swift
// s3api). Acceptance 2: a conversation of 10,000 messages is paged through the REST API, archived
// to S3 by POST /v1/exports leaving the last 500 warm, and paged again → byte-identical bodies
// and has_more, every seq once. Then edits/deletes of archived messages (kept as overlays in
// PostgreSQL, applied over the Parquet rows on read), a reply to an archived message, and the
// job's progress and errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../src/archive/s3-object-store.js';
import { buildApp } from '../../src/app.js';
import { makeStack, type TestStack } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { startSwift, type SwiftServer } from '../services/swift.js';
import { uniqueName } from '../unique.js';

const TOTAL = 10_000;
const KEEP = 500;

describe('archive through the API (Valkey + PostgreSQL + S3 on Swift)', () => {
  let swift: SwiftServer;
  let s: TestStack;
  let objects: S3ObjectStore;
  let alice: string, bob: string, root: string;
  let conv: string;

  const call = (method: string, url: string, token: string, body?: unknown, app = s.app) => app.inject({
    method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });

  beforeAll(async () => {
    swift = await startSwift();
    const bucket = uniqueName('strata-api').replace(/_/g, '-');
    const client = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    objects = new S3ObjectStore({ bucket, prefix: 'cold', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
    s = await makeStack({ hot: 'valkey', store: 'postgres', archive: objects, config: { recentLimit: KEEP } });
    [alice, bob, root] = await Promise.all([s.token('alice'), s.token('bob'), s.token('root', true)]);
    conv = (await call('POST', '/v1/conversations', alice, { members: ['bob'] })).json().id;
    for (let i = 0; i < TOTAL; i += 100) {
      const batch = Array.from({ length: Math.min(100, TOTAL - i) }, (_, k) => i + k + 1);
      const rs = await Promise.all(batch.map((n) => call('POST', `/v1/conversations/${conv}/messages`, n % 2 ? alice : bob, { text: `message ${n} ✓ "q"`, client_id: `c${n}` })));
      for (const r of rs) expect(r.statusCode, r.body).toBe(201);
    }
    // Everything persisted before the "before" pages, so both passes see the same warm state.
    await eventually(`seq ${TOTAL} in the warm store`, async () => (await s.deps.store.listMessages(conv, { afterSeq: TOTAL - 1, limit: 1 })).length > 0, { timeoutMs: 30_000 });
    const warm = await s.deps.store.listMessages(conv, { beforeSeq: TOTAL + 1, limit: 1 });
    expect(warm[0]?.seq).toBe(TOTAL);
  }, 300_000);

  afterAll(async () => {
    await s?.close();
    await swift?.stop();
  });

  /** Every page of the conversation, walked down with `before` and up with `after`, at several limits. */
  async function walk(token: string) {
    const bodies: string[] = [];
    const tiers = new Set<string>();
    for (const limit of [200, 137]) {
      const down: number[] = [];
      let url = `/v1/conversations/${conv}/messages?limit=${limit}`;
      for (;;) {
        const r = await call('GET', url, token);
        expect(r.statusCode, r.body).toBe(200);
        bodies.push(r.body);
        tiers.add(String(r.headers['x-strata-tier']));
        const page = r.json() as { messages: { seq: number }[]; has_more: boolean };
        down.unshift(...page.messages.map((m) => m.seq));
        if (!page.has_more) break;
        url = `/v1/conversations/${conv}/messages?limit=${limit}&before=${page.messages[0].seq}`;
      }
      expect(down).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
      const up: number[] = [];
      for (let after = 0; ;) {
        const r = await call('GET', `/v1/conversations/${conv}/messages?limit=${limit}&after=${after}`, token);
        bodies.push(r.body);
        tiers.add(String(r.headers['x-strata-tier']));
        const page = r.json() as { messages: { seq: number }[]; has_more: boolean };
        up.push(...page.messages.map((m) => m.seq));
        if (!page.has_more) break;
        after = page.messages[page.messages.length - 1].seq;
      }
      expect(up).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    }
    return { bodies, tiers };
  }

  let archivedIds: { first: string; mid: string; firstBy: string; midBy: string } | undefined;

  it('acceptance 2: 10,000 messages paged, archived to S3 leaving 500, paged again → byte-identical, every seq once', async () => {
    const before = await walk(bob);
    expect(before.tiers.has('cold')).toBe(false);
    const [first] = await s.deps.store.listMessages(conv, { afterSeq: 0, limit: 1 });
    const [mid] = await s.deps.store.listMessages(conv, { afterSeq: 4999, limit: 1 });
    archivedIds = { first: first.id, mid: mid.id, firstBy: first.sender, midBy: mid.sender };

    const job = await call('POST', '/v1/exports', root, { conversation_id: conv, up_to_seq: TOTAL - KEEP });
    expect(job.statusCode, job.body).toBe(202);
    expect(job.json()).toMatchObject({ status: 'running', finished_at: null, error: null });
    const state = await eventually('the export job to finish', async () => {
      const now = (await call('GET', `/v1/exports/${job.json().id}`, root)).json();
      return now.status !== 'running' && now;
    }, { timeoutMs: 60_000 });
    expect(state).toMatchObject({ status: 'done', error: null, progress: { conversations_done: 1, conversations_total: 1, rows_archived: TOTAL - KEEP } });
    expect(Date.parse(state.finished_at)).toBeGreaterThanOrEqual(Date.parse(state.started_at));

    // The warm store kept exactly the last 500; the manifest on S3 covers the rest.
    const warm = await s.deps.store.listMessages(conv, { afterSeq: 0, limit: 1000 });
    expect(warm.map((m) => m.seq)).toEqual(Array.from({ length: KEEP }, (_, i) => TOTAL - KEEP + i + 1));
    expect(await s.deps.archive!.archivedThrough(conv)).toBe(TOTAL - KEEP);
    expect((await objects.list('')).some((k) => k.endsWith('.parquet'))).toBe(true);

    const after = await walk(bob);
    expect(after.tiers.has('cold')).toBe(true);
    expect(after.tiers.has('mixed')).toBe(true);
    expect(after.bodies.length).toBe(before.bodies.length);
    for (let i = 0; i < before.bodies.length; i++) expect(after.bodies[i], `page ${i}`).toBe(before.bodies[i]);
  }, 300_000);

  /** The stored change of `version` is in PostgreSQL (the persist worker applied it). */
  const applied = (version: number) => eventually(`change ${version} applied`, async () => (await s.deps.store.changeBounds([conv]))[0].last >= version);

  it('edits and deletes of archived messages apply (overlays), from any node, and read back the same from every tier; a reply to one is accepted', async () => {
    expect(archivedIds).toBeDefined();
    const { first, mid, firstBy, midBy } = archivedIds!;
    const tokenOf = (user: string) => (user === 'alice' ? alice : bob);
    // This node sent them (it remembers their seqs); another node finds them through the archive.
    const { app: node2 } = await buildApp(s.deps);
    const edited = await call('PATCH', `/v1/messages/${first}`, tokenOf(firstBy), { text: 'changed on node 1' });
    expect(edited.statusCode, edited.body).toBe(200);
    const deleted = await call('DELETE', `/v1/messages/${mid}`, tokenOf(midBy), undefined, node2);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json()).toMatchObject({ id: mid, text: null });
    const notMine = await call('PATCH', `/v1/messages/${mid}`, tokenOf(midBy), { text: 'x' }, node2); // deleted: no more edits
    expect(notMine.json().code).toBe('MESSAGE_DELETED');
    await applied(deleted.json().version);
    expect((await s.deps.store.listOverlays(conv, 1, TOTAL - KEEP)).map((m) => m.id).sort()).toEqual([first, mid].sort());
    for (const app of [s.app, node2]) {
      const unknown = await call('PATCH', '/v1/messages/0190c8a4-0000-7000-8000-000000000001', alice, { text: 'x' }, app);
      expect(unknown.json().code).toBe('MESSAGE_NOT_FOUND');
      // the cold pages carry the new versions, byte for byte what the change log says
      const firstPage = await call('GET', `/v1/conversations/${conv}/messages?after=0&limit=1`, bob, undefined, app);
      expect(firstPage.headers['x-strata-tier']).toBe('cold');
      expect(firstPage.json().messages[0]).toEqual(edited.json());
      const midPage = await call('GET', `/v1/conversations/${conv}/messages?after=${deleted.json().seq - 1}&limit=1`, bob, undefined, app);
      expect(midPage.json().messages[0]).toEqual(deleted.json());
    }
    const changes = await call('GET', `/v1/conversations/${conv}/changes?after=${edited.json().version - 1}&limit=2`, bob);
    expect(changes.json().changes.map((c: { type: string; message: unknown }) => [c.type, c.message])).toEqual([['edit', edited.json()], ['delete', deleted.json()]]);
    const reply2 = await call('POST', `/v1/conversations/${conv}/messages`, bob, { text: 're2', reply_to: mid }, node2);
    expect(reply2.statusCode, reply2.body).toBe(201);
    await node2.close();
    // An outsider learns nothing: not found, as for any message of another conversation.
    const outsider = await call('PATCH', `/v1/messages/${first}`, await s.token('mallory'), { text: 'x' });
    expect(outsider.json().code).toBe('MESSAGE_NOT_FOUND');
    const reply = await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 're', reply_to: first });
    expect(reply.statusCode, reply.body).toBe(201);
  });

  it('a warm row left beside its archived copy (interrupted delete) takes an edit; the next run keeps it as an overlay', async () => {
    const [row] = await s.deps.store.listMessages(conv, { afterSeq: TOTAL - KEEP, limit: 1 });
    // Archive one more message but "crash" before the delete: the watermark passes the warm row.
    const archive = s.deps.archive!;
    const inner = s.deps.archiving!.source;
    await archive.archiveConversation({
      listForArchive: (c, a, u, l) => inner.listForArchive(c, a, u, l),
      conversationsToArchive: (p, n) => inner.conversationsToArchive(p, n),
      listOverlays: (c, f, t) => inner.listOverlays(c, f, t),
      dropOverlays: (c, f) => inner.dropOverlays(c, f),
      deleteArchived: async () => 0,
    }, conv, row.seq);
    expect(await s.deps.store.getMessage(row.id)).not.toBeNull();
    const r = await call('PATCH', `/v1/messages/${row.id}`, row.sender === 'alice' ? alice : bob, { text: 'late edit' });
    expect(r.statusCode, r.body).toBe(200);
    await applied(r.json().version);
    // the next run converges: the row leaves the messages table, its new version stays an overlay
    await archive.archiveConversation(inner, conv, row.seq);
    expect(await s.deps.store.getMessage(row.id)).toBeNull();
    const page = await call('GET', `/v1/conversations/${conv}/messages?after=${row.seq - 1}&limit=1`, bob);
    expect(page.json().messages[0]).toEqual(r.json());
  });

  it('POST /v1/exports: admin only, validated, unknown job 404', async () => {
    expect((await call('POST', '/v1/exports', alice, {})).json().code).toBe('FORBIDDEN');
    expect((await call('POST', '/v1/exports', root, {})).json().code).toBe('VALIDATION_FAILED'); // no retention policy set
    expect((await call('POST', '/v1/exports', root, { up_to_seq: 3 })).json().code).toBe('VALIDATION_FAILED');
    expect((await call('POST', '/v1/exports', root, { conversation_id: '0190c8a4-0000-7000-8000-000000000000', up_to_seq: 3 })).json().code).toBe('CONVERSATION_NOT_FOUND');
    const missing = await call('GET', '/v1/exports/nope', root);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('EXPORT_NOT_FOUND');
  });
});

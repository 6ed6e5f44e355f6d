// Leases in the warm store (SQLite here; PostgreSQL runs them in test/integration/archive-history
// and test/e2e/archive-cli) and the archiver service applying RETENTION_KEEP_LAST inside a running
// stack.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalObjectStore } from '../archive/local-object-store.js';
import { createSqlStore, type SqlStore } from '../store/sql/sql-store.js';
import { SqlLeases } from '../store/sql/sql-leases.js';
import type { Message } from '../model/message.js';
import { makeStack } from '../../test/helpers/app.js';
import { eventually } from '../../test/helpers/eventually.js';
import { holderIsDead, newHolder } from '../store/leases.js';
import { Archive } from '../archive/archive.js';
import { SqlArchiveSource } from '../store/sql/sql-archive-source.js';
import { ArchiverService } from './archiver.js';
import { msg } from '../store/store.contract.js';

describe('SQL leases', () => {
  let store: SqlStore;
  let leases: SqlLeases;
  beforeAll(async () => {
    store = await createSqlStore('sqlite::memory:');
    await store.migrate();
    leases = new SqlLeases(store.db);
  });
  afterAll(async () => store.close());

  it('one holder at a time; renew and release; an expired lease is taken over', async () => {
    const [a, b] = [newHolder(), newHolder()];
    expect(await leases.acquire('x', a, 60_000)).toBe(true);
    expect(await leases.acquire('x', b, 60_000)).toBe(false);
    expect(await leases.acquire('x', a, 60_000)).toBe(true); // re-entrant for its holder
    expect(await leases.renew('x', b, 60_000)).toBe(false);
    expect(await leases.renew('x', a, 60_000)).toBe(true);
    await leases.release('x', b); // not b's: no effect
    expect(await leases.acquire('x', b, 60_000)).toBe(false);
    await leases.release('x', a);
    // expiry is judged on the caller's clock (Date.now()): move a fake one past the ttl
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect(await leases.acquire('x', b, 50)).toBe(true);
      vi.setSystemTime(Date.now() + 80);
      expect(await leases.acquire('x', a, 60_000)).toBe(true);
      expect(await leases.renew('x', b, 60_000)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a lease of a dead process on this host is taken over at once', async () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const dead = `${os.hostname()}:${child.stdout.toString()}:0000`;
    expect(holderIsDead(dead)).toBe(true);
    expect(holderIsDead(newHolder())).toBe(false);
    expect(holderIsDead(`another-host:${child.stdout.toString()}:0000`)).toBe(false);
    expect(await leases.acquire('y', dead, 60_000)).toBe(true);
    expect(await leases.acquire('y', newHolder(), 60_000)).toBe(true);
  });
});

describe('archiver service', () => {
  let dir: string;
  beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-archiver-')); });
  afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

  it('applies RETENTION_KEEP_LAST on its interval; history still reads every message', async () => {
    const s = await makeStack({ archive: new LocalObjectStore(dir), config: { retentionKeepLast: 20, archiveIntervalS: 0.2, recentLimit: 10 } });
    try {
      const alice = await s.token('alice');
      const h = { authorization: `Bearer ${alice}`, 'content-type': 'application/json' };
      const conv = (await s.app.inject({ method: 'POST', url: '/v1/conversations', headers: h, payload: '{"members":["bob"]}' })).json().id;
      for (let i = 1; i <= 120; i++) {
        const r = await s.app.inject({ method: 'POST', url: `/v1/conversations/${conv}/messages`, headers: h, payload: JSON.stringify({ text: `m${i}` }) });
        expect(r.statusCode).toBe(201);
      }
      // a run commits the manifest, then deletes the warm rows it covers: wait for both
      await eventually('the archiver to archive up to seq 100 and drop those warm rows', async () =>
        (await s.deps.archive!.archivedThrough(conv)) >= 100 && (await s.deps.store.listMessages(conv, { afterSeq: 0, limit: 1 }))[0]?.seq > 100, { timeoutMs: 5_000 });
      expect(await s.deps.archive!.archivedThrough(conv)).toBe(100);
      expect((await s.deps.store.listMessages(conv, { afterSeq: 0, limit: 200 })).map((m) => m.seq)[0]).toBe(101);
      const page = await s.app.inject({ method: 'GET', url: `/v1/conversations/${conv}/messages?limit=200`, headers: h });
      expect(page.json().messages.map((m: { text: string }) => m.text)).toEqual(Array.from({ length: 120 }, (_, i) => `m${i + 1}`));
      expect(page.headers['x-strata-tier']).toBe('mixed');
    } finally {
      await s.close();
    }
  });
});

describe('archiver service: a missing seq', () => {
  it('archives from seq 1 only: stalled below a missing seq 1 it says so once, and goes on when the seq is stored', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-stall-'));
    const store = await createSqlStore('sqlite::memory:');
    const archive = new Archive(new LocalObjectStore(dir));
    const warned: object[] = [];
    const controller = new AbortController();
    try {
      await store.migrate();
      const c = '01900000-0000-7000-8000-000000000001';
      await store.createConversation({ id: c, title: null, kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members: [{ user: 'alice', role: 'owner' }] });
      const first = msg(c, 1);
      await store.insertMessages(Array.from({ length: 29 }, (_, i) => msg(c, i + 2))); // seq 1 still in flight
      const service = new ArchiverService(archive, new SqlArchiveSource(store.db), new SqlLeases(store.db), {
        policy: { days: 0, keepLast: 10 }, intervalMs: 10, stallWarnMs: 0,
        logger: { info: () => undefined, warn: (o) => warned.push(o) },
      });
      const running = service.run(controller.signal);
      await eventually('the stall to be logged', async () => warned.length > 0);
      expect(warned).toEqual([expect.objectContaining({ conversation_id: c, missing_seq: 1, archived_through: 0 })]);
      expect(await archive.archivedThrough(c)).toBe(0); // nothing above the missing seq moved
      await store.insertMessages([first]);
      await eventually('seq 1..20 archived', async () => (await archive.archivedThrough(c)) === 20);
      expect((await archive.readRange(c, { afterSeq: 0, limit: 30 })).map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(warned).toHaveLength(1);
      controller.abort();
      await running;
    } finally {
      controller.abort();
      await store.close();
      await archive.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('changes of archived messages: overlays', () => {
  it('an edit accepted while an archiver run moves the message, and edits/deletes/reactions after it, read back from every tier', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-overlay-'));
    const s = await makeStack({ archive: new LocalObjectStore(dir), config: { recentLimit: 2 } }); // pages below seq 5 are not in the ring
    try {
      const conv = (await s.services.conversations.create('alice', { members: ['bob'], kind: 'group' })).id;
      const sent: Message[] = [];
      for (let i = 0; i < 6; i++) sent.push((await s.services.ingest.send('alice', conv, { text: `m${i}` })).message);
      await eventually('6 rows in the warm store', async () => (await s.deps.store.maxSeq(conv)) >= 6);
      const token = await s.token('alice');
      const call = async (method: string, url: string, body?: object) => {
        const r = await s.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` }, payload: body });
        return { status: r.statusCode, body: r.body ? r.json() : undefined, tier: r.headers['x-strata-tier'] };
      };
      const stored = (cursor: number) => eventually(`change ${cursor} stored`, async () => (await s.deps.store.changeBounds([conv]))[0].last >= cursor);

      // An archiver run: it reads rows 1..4, and while it writes Parquet an edit of seq 1 is
      // accepted and stored; its delete step must keep that edit (an overlay), not drop it.
      const inner = s.deps.archiving!.source;
      let raced = false;
      const racing = {
        conversationsToArchive: inner.conversationsToArchive.bind(inner),
        deleteArchived: inner.deleteArchived.bind(inner),
        listOverlays: inner.listOverlays.bind(inner),
        dropOverlays: inner.dropOverlays.bind(inner),
        async listForArchive(c: string, a: number, u: number, l: number) {
          const rows = await inner.listForArchive(c, a, u, l);
          if (!raced) {
            raced = true;
            const r = await call('PATCH', `/v1/messages/${sent[0].id}`, { text: 'edited during the run' });
            expect(r.status).toBe(200);
            await stored(r.body.version);
          }
          return rows;
        },
      };
      await s.deps.archive!.archiveConversation(racing, conv, 4);
      expect(await s.deps.archive!.archivedThrough(conv)).toBe(4);
      expect(await s.deps.store.getMessage(sent[0].id)).toBeNull(); // moved out of messages…
      expect((await s.deps.store.listOverlays(conv, 1, 4)).map((m) => [m.seq, m.text])).toEqual([[1, 'edited during the run']]); // …kept as an overlay

      // after the run: archived messages take edits, deletes and reactions like any other
      const e2 = await call('PATCH', `/v1/messages/${sent[1].id}`, { text: 'edited after' });
      expect(e2.status).toBe(200);
      const d3 = await call('DELETE', `/v1/messages/${sent[2].id}`);
      expect(d3.status).toBe(200);
      expect((await call('PUT', `/v1/messages/${sent[3].id}/reactions/ok`)).status).toBe(204);
      await stored(d3.body.version + 1);
      expect((await call('GET', `/v1/messages/${sent[3].id}/reactions`)).body.reactions.map((r: { reaction: string }) => r.reaction)).toEqual(['ok']);

      // every tier answers the same page: cold (archive + overlays) for seq 1..4, warm/hot above
      const page = await call('GET', `/v1/conversations/${conv}/messages?limit=10`);
      expect(page.body.messages.map((m: { text: string | null }) => m.text)).toEqual(['edited during the run', 'edited after', null, 'm3', 'm4', 'm5']);
      expect(page.tier).toBe('mixed');
      const changes = (await call('GET', `/v1/conversations/${conv}/changes?after=0&limit=100`)).body.changes as { type: string; cursor: number; message?: { id: string } }[];
      const latest = new Map<string, unknown>();
      for (const c of changes) if (c.message) latest.set(c.message.id, c.message);
      expect(page.body.messages).toEqual(page.body.messages.map((m: { id: string }) => latest.get(m.id)));
      // a second edit of an overlaid message lands over it
      const again = await call('PATCH', `/v1/messages/${sent[0].id}`, { text: 'edited twice' });
      expect(again.status).toBe(200);
      await stored(again.body.version);
      expect((await call('GET', `/v1/conversations/${conv}/messages?limit=1&after=0`)).body.messages[0]).toEqual(again.body);

      // the next run rewrites the small last file with seq 5..6: the overlays are folded into it
      const before = (await call('GET', `/v1/conversations/${conv}/messages?limit=10`)).body;
      expect(await s.deps.store.listOverlays(conv, 1, 6)).toHaveLength(3);
      await s.deps.archive!.archiveConversation(inner, conv, 6);
      expect(await s.deps.store.listOverlays(conv, 1, 6)).toEqual([]);
      const files = (await s.deps.archive!.manifest(conv)).files;
      expect(files.map((f) => [f.first_seq, f.last_seq])).toEqual([[1, 6]]);
      const after = await call('GET', `/v1/conversations/${conv}/messages?limit=10`);
      expect(after.tier).toBe('cold');
      expect(after.body).toEqual(before);
    } finally {
      await s.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

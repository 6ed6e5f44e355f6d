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
import { makeStack } from '../../test/helpers/app.js';
import { eventually } from '../../test/helpers/eventually.js';
import { holderIsDead, newHolder } from '../store/leases.js';

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

describe('edits and a running archiver', () => {
  it('an edit waits out the conversation\'s archive lease (503 + Retry-After), then applies; after archiving it is MESSAGE_ARCHIVED', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-edit-lease-'));
    const s = await makeStack({ archive: new LocalObjectStore(dir) });
    try {
      const conv = (await s.services.conversations.create('alice', { members: ['bob'] })).id;
      const sent = [];
      for (let i = 0; i < 5; i++) sent.push((await s.services.ingest.send('alice', conv, { text: `m${i}` })).message);
      await eventually('5 rows in the warm store', async () => (await s.deps.store.maxSeq(conv)) >= 5);
      const token = await s.token('alice');
      const edit = (id: string) => s.app.inject({ method: 'PATCH', url: `/v1/messages/${id}`, headers: { authorization: `Bearer ${token}` }, payload: { text: 'edited' } });

      // an archiver run holds the lease: the edit must not interleave with it
      const leases = s.deps.archiving!.leases;
      const archiver = newHolder();
      expect(await leases.acquire(`archive:${conv}`, archiver, 60_000)).toBe(true);
      const busy = await edit(sent[0].id);
      expect(busy.statusCode).toBe(503);
      expect(busy.headers['retry-after']).toBe('2');
      expect((await s.deps.store.getMessage(sent[0].id))?.text).toBe('m0');
      await leases.release(`archive:${conv}`, archiver);

      expect((await edit(sent[0].id)).statusCode).toBe(200);
      await s.deps.archive!.archiveConversation(s.deps.archiving!.source, conv, 3);
      const late = await edit(sent[1].id);
      expect(late.statusCode).toBe(409);
      expect(late.json().code).toBe('MESSAGE_ARCHIVED');
      expect((await s.services.history.page('alice', conv, {})).messages.map((j) => JSON.parse(j).text)).toEqual(['edited', 'm1', 'm2', 'm3', 'm4']);
    } finally {
      await s.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

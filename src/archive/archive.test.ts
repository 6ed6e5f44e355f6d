// Archive rules that do not depend on the storage adapter: retention policy selection over the
// SQL warm store, stopping at a seq gap, refusing times that would not read back identically.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createSqlStore, type SqlStore } from '../store/sql/sql-store.js';
import { SqlArchiveSource } from '../store/sql/sql-archive-source.js';
import { Archive } from './archive.js';
import { makeMessages, seedConversation } from './archive.test-kit.js';
import { createObjectStore } from '../main/object-store-from-url.js';
import { LocalObjectStore } from './local-object-store.js';
import { ParquetCodec } from './parquet.js';
import { messageJson } from '../model/message.js';

const noS3 = { s3Endpoint: undefined, s3Region: 'us-east-1', s3ForcePathStyle: true };

describe('archive rules (local directory, SQLite)', () => {
  let dir: string;
  let store: SqlStore;
  let source: SqlArchiveSource;
  let archive: Archive;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-archive-'));
    store = await createSqlStore('sqlite::memory:');
    await store.migrate();
    source = new SqlArchiveSource(store.db);
    archive = new Archive(createObjectStore(`file:${dir}`, noS3));
  });
  afterEach(async () => {
    await archive.close();
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('selects by RETENTION_KEEP_LAST, RETENTION_DAYS, and both (a message moves when both select it)', async () => {
    await seedConversation(store, 'a', 100, { start: '2024-01-01T00:00:00.000Z', stepMs: 86_400_000 }); // one a day
    await seedConversation(store, 'b', 10, { start: '2024-04-01T00:00:00.000Z', stepMs: 86_400_000 });
    const now = new Date('2024-04-20T00:00:00.000Z'); // a: seq s on Jan 1 + (s − 1) days (+ s ms); 30 days back = Mar 21 = seq 81
    expect(await source.conversationsToArchive({ days: 0, keepLast: 0 }, now)).toEqual([]);
    expect(await source.conversationsToArchive({ days: 0, keepLast: 20 }, now)).toEqual([{ conversationId: 'a', upToSeq: 80 }]);
    expect(await source.conversationsToArchive({ days: 30, keepLast: 0 }, now)).toEqual([{ conversationId: 'a', upToSeq: 80 }]);
    expect(await source.conversationsToArchive({ days: 15, keepLast: 0 }, now)).toEqual([{ conversationId: 'a', upToSeq: 95 }, { conversationId: 'b', upToSeq: 4 }]);
    expect(await source.conversationsToArchive({ days: 15, keepLast: 10 }, now)).toEqual([{ conversationId: 'a', upToSeq: 90 }]);
    const [r] = await archive.archiveAll(source, { days: 0, keepLast: 20 });
    expect(r).toMatchObject({ conversationId: 'a', archived: 80, archivedThrough: 80 });
    expect(await source.conversationsToArchive({ days: 0, keepLast: 20 }, now)).toEqual([]);
  });

  it('stops at a seq gap (an unpersisted message) and continues once it is filled', async () => {
    const all = makeMessages('c', 200);
    await seedConversation(store, 'c', 0);
    await store.insertMessages([...all.slice(0, 100), ...all.slice(150)]);
    const r = await archive.archiveConversation(source, 'c', 200);
    expect(r).toMatchObject({ archivedThrough: 100, stalledAt: 101 });
    expect((await store.listMessages('c', { afterSeq: 0, limit: 1 }))[0].seq).toBe(151);
    await store.insertMessages(all.slice(100, 150));
    expect(await archive.archiveConversation(source, 'c', 200)).toMatchObject({ archivedThrough: 200, archived: 100 });
    expect((await archive.readRange('c', { afterSeq: 0, limit: 500 })).map((m) => m.id)).toEqual(all.map((m) => m.id));
  });

  it('refuses times that would not read back byte-identical, and deletes nothing', async () => {
    await seedConversation(store, 'd', 0);
    await store.insertMessages(makeMessages('d', 5).map((m, i) => (i === 3 ? { ...m, created_at: '2024-01-01T00:00:00Z' } : m)));
    const err = await archive.archiveConversation(source, 'd', 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(/not canonical/);
    expect(await store.listMessages('d', { afterSeq: 0, limit: 10 })).toHaveLength(5);
    expect(await archive.archivedThrough('d')).toBe(0);
  });

  it('keeps every code point of a text, a leading U+FEFF too (the Parquet reader would drop it)', async () => {
    const texts = ['\ufeff', '\ufeffhello', '\ufeff\ufeff', 'a\ufeff', '\ufffe\uffff\u{10ffff}', '\u200f\u0001\u2028\ud83d\udc4d'];
    const msgs = makeMessages('bom', texts.length).map((m, i) => ({ ...m, text: texts[i], deleted_at: null }));
    await seedConversation(store, 'bom', 0);
    await store.insertMessages(msgs);
    await archive.archiveConversation(source, 'bom', texts.length);
    const back = await archive.readRange('bom', { afterSeq: 0, limit: 10 });
    expect(back.map((m) => m.text)).toEqual(texts);
    expect(back.map(messageJson)).toEqual(msgs.map(messageJson));
  });

  it('reads ZSTD files too (whatever the default codec), byte-identical, mixed with files of the default codec', async () => {
    const msgs = await seedConversation(store, 'z', 3000);
    const zstd = new Archive(archive.objects, { codec: new ParquetCodec('zstd') });
    await zstd.archiveConversation(source, 'z', 1000);
    await archive.archiveConversation(source, 'z', 3000); // merges the small zstd file into a default-codec one
    await zstd.codec.close();
    const back = await archive.readRange('z', { afterSeq: 0, limit: 5000 });
    expect(back.map(messageJson)).toEqual(msgs.map(messageJson));
    const only = new Archive(archive.objects, { codec: new ParquetCodec('zstd'), mergeBelowRows: 0 });
    const more = await seedConversation(store, 'y', 500);
    await only.archiveConversation(source, 'y', 500);
    await only.codec.close();
    expect((await archive.readRange('y', { beforeSeq: 300, limit: 40 })).map(messageJson)).toEqual(more.slice(259, 299).map(messageJson));
  });

  it('createObjectStore maps file: URLs to a directory and rejects other schemes', () => {
    expect((createObjectStore(`file:${dir}`, noS3) as LocalObjectStore).root).toBe(dir);
    expect((createObjectStore(`file://${dir}`, noS3) as LocalObjectStore).root).toBe(dir);
    expect(() => createObjectStore('ftp://x', noS3)).toThrow(/file:<dir> or s3/);
  });
});

// Fixtures for the archive tests and the bench: seeded conversations, fault injection that
// stands in for a crash at a chosen step, and a local mirror of an archive tree for DuckDB.
import fs from 'node:fs/promises';
import path from 'node:path';
import { v7 } from 'uuid';
import type { Message } from '../model/message.js';
import type { Store } from '../store/store.js';
import type { ArchiveSource } from './archive.js';
import type { ObjectStore } from './object-store.js';

const WORDS = 'hello yes no maybe tomorrow lunch ship it 👍 déjà vu "quoted" \\ back\nslash meeting'.split(' ');

/** `count` messages from seq `from`, one every `stepMs` from `start`, with edits, deletes and replies. */
export function makeMessages(conversationId: string, count: number, opts: { from?: number; start?: string; stepMs?: number } = {}): Message[] {
  const from = opts.from ?? 1;
  const t0 = Date.parse(opts.start ?? '2024-01-01T00:00:00.000Z');
  const out: Message[] = [];
  for (let i = 0; i < count; i++) {
    const seq = from + i;
    const created = new Date(t0 + i * (opts.stepMs ?? 60_000) + (seq % 1000)).toISOString();
    const deleted = seq % 97 === 0;
    out.push({
      id: v7(), conversation_id: conversationId, seq, version: seq, sender: `user-${seq % 5}`,
      text: deleted ? null : Array.from({ length: 1 + (seq % 9) }, (_, k) => WORDS[(seq + k * 7) % WORDS.length]).join(' '),
      reply_to: seq % 10 === 0 && out.length ? out[out.length - 1].id : null,
      // every 7th message replies in the thread of the first one; every 14th also to the timeline
      thread_id: seq % 7 === 0 && out.length ? out[0].id : null,
      in_timeline: !(seq % 7 === 0 && out.length) || seq % 14 === 0,
      mentions: seq % 5 === 0 ? ['user-1', 'user-3'] : [],
      // every 11th carries metadata (nested, unicode, numbers), every 13th an attachment
      metadata: seq % 11 === 0 ? { kind: 'order', n: seq, price: 12.5, tags: ['ä', '🚀'], nested: { ok: true, none: null } } : null,
      attachments: seq % 13 === 0 ? [{ id: `0190c8a4-0000-7000-8000-${String(seq).padStart(12, '0')}`, name: `file ${seq}.png`, size: 1000 + seq, content_type: 'image/png', width: 64, height: seq % 2 ? null : 48, url: `/v1/attachments/0190c8a4-0000-7000-8000-${String(seq).padStart(12, '0')}` }] : [],
      client_id: seq % 3 === 0 ? null : `c-${seq}`,
      created_at: created,
      edited_at: seq % 13 === 0 ? new Date(Date.parse(created) + 5000).toISOString() : null,
      deleted_at: deleted ? new Date(Date.parse(created) + 9000).toISOString() : null,
    });
  }
  return out;
}

export async function seedConversation(store: Store, conversationId: string, count: number, opts: Parameters<typeof makeMessages>[2] = {}): Promise<Message[]> {
  await store.createConversation({
    id: conversationId, title: null, kind: 'group', created_by: 'user-0', created_at: '2024-01-01T00:00:00.000Z', members: [{ user: 'user-0', role: 'owner' }],
  });
  const messages = makeMessages(conversationId, count, opts);
  await store.insertMessages(messages);
  return messages;
}

export class Crash extends Error {}

/** An ObjectStore that "crashes" right after a put whose key matches (the put itself lands). */
export function crashAfterPut(inner: ObjectStore, match: (key: string) => boolean): ObjectStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'putFile') {
        return async (key: string, bytes: Uint8Array) => {
          await target.putFile(key, bytes);
          if (match(key)) throw new Crash(`crash after put ${key}`);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * An ArchiveSource whose delete stops half-way (rows up to the middle go) and then "crashes";
 * the first `passThrough` delete calls complete normally (the converge step of a run calls
 * delete only when an interrupted run left rows at or below the watermark).
 */
export function crashMidDelete(inner: ArchiveSource, lowestWarmSeq: () => Promise<number>, passThrough = 0): ArchiveSource {
  let calls = 0;
  return {
    listForArchive: (c, a, u, l) => inner.listForArchive(c, a, u, l),
    conversationsToArchive: (p, n) => inner.conversationsToArchive(p, n),
    listOverlays: (c, f, t) => inner.listOverlays(c, f, t),
    dropOverlays: (c, f) => inner.dropOverlays(c, f),
    async deleteArchived(c, upTo, archived) {
      if (calls++ < passThrough) return inner.deleteArchived(c, upTo, archived);
      const lo = await lowestWarmSeq();
      await inner.deleteArchived(c, Math.floor((lo + upTo) / 2), archived);
      throw new Crash(`crash mid-delete of ${c} ≤ ${upTo}`);
    },
  };
}

/** Copies every object of the archive into `dir` (so DuckDB can read an S3 tree locally too). */
export async function mirror(objects: ObjectStore, dir: string): Promise<void> {
  for (const key of await objects.list('')) {
    const bytes = await objects.readFile(key);
    if (!bytes) continue;
    const file = path.join(dir, ...key.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes);
  }
}

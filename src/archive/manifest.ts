// Archive layout and the per-conversation manifest.
//
// Layout (Hive-style, so DuckDB/Spark/Trino/Athena read the tree as one table):
//   conversation=<id>/month=YYYY-MM/part-<firstseq>-<lastseq>.parquet   (seqs zero-padded to 12)
//   conversation=<id>/_manifest.json
// Month, not day: a file per conversation per day makes a quiet conversation a pile of tiny
// files (one ~3 KB file per day of 5 messages), and history pages would open one file per day;
// bench/archive-bench.ts measures both layouts (`date=` stays available as an option).
// Partition values come from created_at (UTC). A file always covers a CONTIGUOUS seq range
// (rows == last_seq − first_seq + 1), so a seq maps to a row index without statistics.
//
// The manifest is the commit point: a file exists for readers only once the manifest lists it.
// `archived_through` is the watermark: every seq ≤ it is in the listed files. Names starting
// with '_' are skipped by Hive-style readers; the manifest is not Parquet, so `**/*.parquet`
// globs never match it.
import { AppError } from '../errors.js';
import type { ObjectStore } from './object-store.js';

export type Partitioning = 'month' | 'date';

export interface ManifestFile {
  key: string;
  first_seq: number;
  last_seq: number;
  rows: number;
  bytes: number;
  /** sha256 of the file, hex: identifies the bytes (cache key, integrity check). */
  sha256: string;
  min_created_at: string;
  max_created_at: string;
}

export interface Manifest {
  version: 1;
  conversation_id: string;
  archived_through: number;
  files: ManifestFile[];
  updated_at: string | null;
}

const ID = /^[A-Za-z0-9_.:-]{1,200}$/;

export function conversationPrefix(conversationId: string): string {
  if (!ID.test(conversationId)) throw new AppError('INVALID_ID', `conversation id ${JSON.stringify(conversationId)} cannot name an archive path`);
  return `conversation=${conversationId}/`;
}

export function manifestKey(conversationId: string): string {
  return `${conversationPrefix(conversationId)}_manifest.json`;
}

export function partitionOf(createdAt: string, by: Partitioning): string {
  return by === 'month' ? `month=${createdAt.slice(0, 7)}` : `date=${createdAt.slice(0, 10)}`;
}

const pad = (n: number) => String(n).padStart(12, '0');

export function fileKey(conversationId: string, partition: string, firstSeq: number, lastSeq: number): string {
  return `${conversationPrefix(conversationId)}${partition}/part-${pad(firstSeq)}-${pad(lastSeq)}.parquet`;
}

export function emptyManifest(conversationId: string): Manifest {
  return { version: 1, conversation_id: conversationId, archived_through: 0, files: [], updated_at: null };
}

export async function loadManifest(store: ObjectStore, conversationId: string): Promise<Manifest> {
  const bytes = await store.readFile(manifestKey(conversationId));
  if (!bytes) return emptyManifest(conversationId);
  const m = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
  if (m.version !== 1 || m.conversation_id !== conversationId) {
    throw new AppError('INTERNAL', `archive manifest of ${conversationId} is not a v1 manifest of that conversation`);
  }
  return m;
}

export async function saveManifest(store: ObjectStore, m: Manifest): Promise<void> {
  m.files.sort((a, b) => a.first_seq - b.first_seq);
  await store.putFile(manifestKey(m.conversation_id), new TextEncoder().encode(JSON.stringify(m, null, 1)));
}

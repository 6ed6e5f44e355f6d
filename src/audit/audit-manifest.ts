// The audit archive's layout and manifest (docs/moderation.md#audit-log), beside the messages'
// (archive/manifest.ts) on the same ObjectStore:
//   audit/month=YYYY-MM/part-<first id>-<last id>.parquet   (Hive style: month of `at`, UTC)
//   audit/_manifest.json
// The manifest is the commit point: a file exists for readers only once the manifest lists it.
// `archived_through` is the watermark: the archiver takes entries oldest first by id and stops at
// the first one it may not archive yet, so every entry with an id ≤ it is in a listed file (an
// entry left in the warm store at or below it is a copy an interrupted run did not remove yet).
// Files hold disjoint id ranges, sorted here by first_id. There is no conditional write: the
// message manifest has none either; one archiver at a time holds the lease `audit-archive`.
import { AppError } from '../errors.js';
import type { ObjectStore } from '../archive/object-store.js';

export const AUDIT_PREFIX = 'audit/';
export const AUDIT_MANIFEST_KEY = `${AUDIT_PREFIX}_manifest.json`;

export interface AuditManifestFile {
  key: string;
  first_id: string;
  last_id: string;
  rows: number;
  bytes: number;
  /** sha256 of the file, hex (the footer cache's key, an integrity check). */
  sha256: string;
  min_at: string;
  max_at: string;
}

export interface AuditManifest {
  version: 1;
  kind: 'audit';
  /** The highest id archived (null: nothing yet). */
  archived_through: string | null;
  files: AuditManifestFile[];
  updated_at: string | null;
}

export function monthOf(at: string): string {
  return `month=${at.slice(0, 7)}`;
}

export function auditFileKey(month: string, firstId: string, lastId: string): string {
  return `${AUDIT_PREFIX}${month}/part-${firstId}-${lastId}.parquet`;
}

export async function loadAuditManifest(store: ObjectStore): Promise<AuditManifest> {
  const bytes = await store.readFile(AUDIT_MANIFEST_KEY);
  if (!bytes) return { version: 1, kind: 'audit', archived_through: null, files: [], updated_at: null };
  const m = JSON.parse(new TextDecoder().decode(bytes)) as AuditManifest;
  if (m.version !== 1 || m.kind !== 'audit') throw new AppError('INTERNAL', `${AUDIT_MANIFEST_KEY} is not a v1 audit manifest`);
  return m;
}

export async function saveAuditManifest(store: ObjectStore, m: AuditManifest): Promise<void> {
  m.files.sort((a, b) => (a.first_id < b.first_id ? -1 : a.first_id > b.first_id ? 1 : 0));
  m.updated_at = new Date().toISOString();
  await store.putFile(AUDIT_MANIFEST_KEY, new TextEncoder().encode(JSON.stringify(m, null, 1)), { contentType: 'application/json' });
}

// The audit archive's Parquet schema (strata audit v1), written by the archive's DuckDB codec and
// read by hyparquet over byte ranges (archive/parquet.ts), one row per entry sorted by id:
//   id, action, actor, request_id         BYTE_ARRAY STRING
//   target_user, conversation_id,
//   message_id, reason                    BYTE_ARRAY STRING, nullable
//   at                                    INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)
//   details                               BYTE_ARRAY STRING: the JSON object of the API, nullable
// Round trip: an entry reads back exactly as the warm store answered it. `at` is canonical
// ISO-8601 with milliseconds (exact through microseconds; anything else is refused, not
// archived); `details` is the JSON text of the object as the warm store parsed it, so its key
// order and numbers come back the same.
import { AppError } from '../errors.js';
import type { ObjectStore } from '../archive/object-store.js';
import { readTable, type ParquetCodec } from '../archive/parquet.js';
import type { AuditEntry } from '../store/audit-store.js';
import type { AuditManifestFile } from './audit-manifest.js';

const COLUMNS = ['id', 'at', 'action', 'actor', 'target_user', 'conversation_id', 'message_id', 'reason', 'request_id', 'details'] as const;

export function encodeEntries(codec: ParquetCodec, entries: AuditEntry[]): Promise<Uint8Array> {
  const rows = entries.map((e) => {
    if (Number.isNaN(Date.parse(e.at)) || new Date(e.at).toISOString() !== e.at) {
      throw new AppError('INTERNAL', `audit entry ${e.id}: time ${JSON.stringify(e.at)} is not canonical ISO-8601; not archived`);
    }
    return [e.id, e.at, e.action, e.actor, e.target_user, e.conversation_id, e.message_id, e.reason, e.request_id, e.details === null ? null : JSON.stringify(e.details)];
  });
  return codec.encodeTable(COLUMNS, ['at'], rows, 'id');
}

function toEntry(r: Record<string, unknown>): AuditEntry {
  const s = (v: unknown) => (v ?? null) as string | null;
  return {
    id: r.id as string, at: (r.at as Date).toISOString(), action: r.action as string, actor: r.actor as string, target_user: s(r.target_user),
    conversation_id: s(r.conversation_id), message_id: s(r.message_id), reason: s(r.reason), request_id: r.request_id as string,
    details: r.details === null || r.details === undefined ? null : (JSON.parse(r.details as string) as Record<string, unknown>),
  };
}

/** Rows [start, end) of a listed file, as entries (ascending by id). */
export async function readEntries(store: ObjectStore, f: AuditManifestFile, start = 0, end = f.rows): Promise<AuditEntry[]> {
  return (await readTable(store, f.key, f.bytes, [...COLUMNS], start, end, f.sha256)).map(toEntry);
}

/** The id column of a listed file (ascending). */
export async function readEntryIds(store: ObjectStore, f: AuditManifestFile): Promise<string[]> {
  return (await readTable(store, f.key, f.bytes, ['id'], 0, f.rows, f.sha256)).map((r) => r.id as string);
}

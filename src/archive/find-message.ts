// Finds an archived message by id among given conversations, for the edit/delete path: the
// warm row is gone once archived, and a message id alone does not name its conversation.
// Cost: one manifest read per conversation with an archive, then the `id` column of the files
// whose time window holds the id's UUIDv7 timestamp (ids are minted together with created_at).
// Only a message not found in the warm store takes this path (an archived or unknown id).
import type { Manifest } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import { readIds } from './parquet.js';

/** What the search needs of the archive (archive.ts implements it). */
export interface ManifestReader {
  readonly objects: ObjectStore;
  manifest(conversationId: string): Promise<Manifest>;
}

/** Slack between the id's timestamp and created_at (both taken in the same call of ingest). */
const SLACK_MS = 60_000;

/** The UUIDv7 millisecond timestamp, or null if `id` is not a version-7 UUID. */
export function uuidV7Time(id: string): number | null {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== '7') return null;
  return Number.parseInt(hex.slice(0, 12), 16);
}

export async function findArchivedMessage(archive: ManifestReader, conversationIds: string[], id: string): Promise<{ conversationId: string; seq: number } | null> {
  const t = uuidV7Time(id);
  if (t === null) return null;
  for (const conversationId of conversationIds) {
    const m = await archive.manifest(conversationId);
    for (const f of m.files) {
      if (t < Date.parse(f.min_created_at) - SLACK_MS || t > Date.parse(f.max_created_at) + SLACK_MS) continue;
      const i = (await readIds(archive.objects, f.key, f.bytes, f.sha256)).indexOf(id);
      if (i >= 0) return { conversationId, seq: f.first_seq + i };
    }
  }
  return null;
}

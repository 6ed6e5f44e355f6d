// The audit log's cold tier (docs/moderation.md#audit-log): entries older than AUDIT_ARCHIVE_DAYS
// move from the warm store into Parquet files (audit-parquet.ts) on the archive's ObjectStore,
// listed by audit/_manifest.json (audit-manifest.ts), and are read back by AuditLog.list.
//
// Archiving, each step durable before the next:
//   1. tidy: .parquet files under audit/ the manifest does not list (a run died after its
//      upload) are deleted; warm entries at or below the watermark that the listed files hold
//      (a run died after its commit) are removed.
//   2. take warm entries oldest first by id after the watermark, and stop at the first one not
//      older than the cutoff (ids are UUID v7, made with `at` on the same clock): the batch is a
//      prefix of the warm entries in id order, so every id ≤ the new watermark is archived;
//   3. upload one file per month (a small last file of the same month is rewritten with the new
//      rows under a new key, so a month is a few files, not one per run);
//   4. commit the manifest (new files, watermark); only then
//   5. remove the batch from the warm store, and delete the file the rewrite replaced.
// A crash anywhere converges on the next run; a rerun skips ids ≤ the watermark, so nothing is
// archived twice; between 4 and 5 an entry is in both tiers and readers keep one per id.
// Concurrency: one archiver at a time, across processes, under the lease `audit-archive`
// (audit-archiver.ts). Should a lease lapse under a stalled archiver, two may run: step 4 reads
// the manifest again and gives up (touching nothing) when another run committed since this one
// read it, and step 1 deletes only unlisted files whose ids are all at or below the watermark
// (their entries are in listed files) — never a newer upload another run still has in flight.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Archive } from '../archive/archive.js';
import type { ObjectStore } from '../archive/object-store.js';
import type { ParquetCodec } from '../archive/parquet.js';
import type { AuditEntry, AuditFilter, AuditStore } from '../store/audit-store.js';
import { AUDIT_PREFIX, auditFileKey, loadAuditManifest, monthOf, saveAuditManifest, type AuditManifest } from './audit-manifest.js';
import { encodeEntries, readEntries, readEntryIds } from './audit-parquet.js';

export interface AuditArchiveOptions {
  /** Warm entries read per step (bounds memory); also the most new rows in one file. */
  batchRows?: number;
  /** A last file with fewer rows than this, of the same month, is rewritten with the new rows. */
  mergeBelowRows?: number;
}

export interface AuditArchiveResult {
  /** Entries newly written to the archive by this run. */
  archived: number;
  /** Warm entries removed by this run (archived now or by an interrupted earlier run). */
  removed: number;
  files: string[];
  archivedThrough: string | null;
}

/** Names the manifest's committed state: another run's commit changes it. */
const stampOf = (m: AuditManifest) => `${m.archived_through} ${m.files.map((f) => f.key).join(',')}`;

const byId = (a: AuditEntry, b: AuditEntry) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export class AuditArchive {
  private readonly batchRows: number;
  private readonly mergeBelowRows: number;

  constructor(readonly objects: ObjectStore, private readonly codec: ParquetCodec, opts: AuditArchiveOptions = {}) {
    this.batchRows = opts.batchRows ?? 5000;
    this.mergeBelowRows = opts.mergeBelowRows ?? 10_000;
  }

  /** Over the message archive's object store and codec (it closes them); none without one. */
  static of(archive: Archive | undefined, opts?: AuditArchiveOptions): AuditArchive | undefined {
    return archive && new AuditArchive(archive.objects, archive.codec, opts);
  }

  manifest(): Promise<AuditManifest> {
    return loadAuditManifest(this.objects);
  }

  /** Moves warm entries with `at` < cutoff (ISO-8601) into the archive; see the header for the steps. */
  async archive(store: AuditStore, cutoff: string, onBatch?: (r: AuditArchiveResult) => void): Promise<AuditArchiveResult> {
    const m = await this.manifest();
    const result: AuditArchiveResult = { archived: 0, removed: 0, files: [], archivedThrough: m.archived_through };
    await this.removeUnlisted(m);
    result.removed += await this.removeArchivedLeftovers(store, m);
    for (;;) {
      const { entries, more } = await this.nextBatch(store, m, cutoff);
      if (entries.length === 0) break;
      result.files.push(...(await this.commit(m, entries)));
      result.archived += entries.length;
      result.archivedThrough = m.archived_through;
      result.removed += await store.removeArchived(entries.map((e) => e.id));
      onBatch?.({ ...result, files: [...result.files] });
      if (!more) break;
    }
    if (result.archived) await this.removeUnlisted(m); // what this run's watermark now covers
    return result;
  }

  /** Step 2: the next warm entries to archive, oldest first; `more` when the batch was full. */
  async nextBatch(store: AuditStore, m: AuditManifest, cutoff: string): Promise<{ entries: AuditEntry[]; more: boolean }> {
    const rows = await store.listOldest(m.archived_through, this.batchRows);
    let n = 0;
    while (n < rows.length && rows[n].at < cutoff) n++;
    return { entries: rows.slice(0, n), more: n === this.batchRows };
  }

  /** Steps 3 and 4: uploads `entries` (ascending by id, after the watermark) and commits the manifest. Returns the new keys. */
  async commit(m: AuditManifest, entries: AuditEntry[]): Promise<string[]> {
    const seen = stampOf(m);
    const groups: AuditEntry[][] = [];
    for (const e of entries) {
      const g = groups[groups.length - 1];
      if (g && monthOf(g[0].at) === monthOf(e.at)) g.push(e);
      else groups.push([e]);
    }
    const replaced: string[] = [];
    const last = m.files[m.files.length - 1];
    if (last && last.last_id === m.archived_through && last.rows < this.mergeBelowRows && last.key.includes(`/${monthOf(groups[0][0].at)}/`)) {
      groups[0] = [...(await readEntries(this.objects, last)), ...groups[0]];
      m.files.pop();
      replaced.push(last.key);
    }
    const keys: string[] = [];
    for (const g of groups) {
      const key = auditFileKey(monthOf(g[0].at), g[0].id, g[g.length - 1].id);
      const bytes = await encodeEntries(this.codec, g);
      await this.objects.putFile(key, bytes, { contentType: 'application/vnd.apache.parquet' });
      const times = g.map((e) => e.at).sort();
      m.files.push({
        key, first_id: g[0].id, last_id: g[g.length - 1].id, rows: g.length, bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'), min_at: times[0], max_at: times[times.length - 1],
      });
      keys.push(key);
    }
    m.archived_through = entries[entries.length - 1].id;
    // another archiver committed since this run read the manifest (a lease that lapsed): saving
    // would drop its files from the manifest, and removing would lose their entries — give up;
    // this run's uploads are unlisted, deleted once the watermark passes them
    if (stampOf(await this.manifest()) !== seen) {
      throw new AppError('UNAVAILABLE', 'another audit archiver committed while this run was uploading; this run stops, the next one converges', { retryable: true });
    }
    await saveAuditManifest(this.objects, m);
    for (const key of replaced) if (!keys.includes(key)) await this.objects.delete(key);
    return keys;
  }

  /**
   * Step 1: .parquet files under audit/ the manifest does not list — an interrupted run's upload,
   * or a file a rewrite replaced — once their last id (in the key) is at or below the watermark:
   * listed files hold those entries. A newer unlisted file may be another run's upload in flight.
   */
  private async removeUnlisted(m: AuditManifest): Promise<void> {
    const through = m.archived_through;
    if (through === null) return;
    const listed = new Set(m.files.map((f) => f.key));
    for (const key of await this.objects.list(AUDIT_PREFIX)) {
      const last = /-([0-9a-f-]{36})\.parquet$/.exec(key)?.[1];
      if (last !== undefined && !listed.has(key) && last <= through) await this.objects.delete(key);
    }
  }

  /**
   * Step 1: removes warm entries at or below the watermark that a listed file holds (a run died
   * between its commit and its removal). One the files do not hold stays in the warm store,
   * where readers still find it (it cannot happen but by a clock AUDIT_ARCHIVE_DAYS off).
   */
  private async removeArchivedLeftovers(store: AuditStore, m: AuditManifest): Promise<number> {
    const through = m.archived_through;
    if (through === null) return 0;
    let removed = 0;
    for (let after: string | null = null; ;) {
      const rows = await store.listOldest(after, this.batchRows);
      const old = rows.filter((e) => e.id <= through);
      if (old.length === 0) return removed;
      const held = new Set<string>();
      for (const f of m.files) {
        if (old.some((e) => e.id >= f.first_id && e.id <= f.last_id)) for (const id of await readEntryIds(this.objects, f)) held.add(id);
      }
      removed += await store.removeArchived(old.filter((e) => held.has(e.id)).map((e) => e.id));
      if (old.length < rows.length || rows.length < this.batchRows) return removed;
      after = old[old.length - 1].id;
    }
  }

  /**
   * Archived entries matching the filter (since/until canonical ISO-8601), newest first, at most
   * `limit`, older than `before`; only entries above `above` (an id) when given. Reads the
   * manifest, then only files whose time and id ranges can match, newest rows first.
   */
  async list(f: AuditFilter, above?: string): Promise<AuditEntry[]> {
    try {
      return await this.listFrom(await this.manifest(), f, above);
    } catch {
      // a concurrent run may have rewritten a file our manifest named: retry once with a fresh
      // manifest; a second failure propagates
      return this.listFrom(await this.manifest(), f, above);
    }
  }

  private async listFrom(m: AuditManifest, f: AuditFilter, above?: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    const files = m.files.filter((x) => (f.before === undefined || x.first_id < f.before) && (above === undefined || x.last_id > above)
      && (f.since === undefined || x.max_at >= f.since) && (f.until === undefined || x.min_at < f.until));
    const chunk = this.codec.rowGroupRows;
    for (let i = files.length - 1; i >= 0 && out.length < f.limit; i--) {
      const file = files[i];
      let end = file.rows;
      if (f.before !== undefined && file.last_id >= f.before) end = lowerBound(await readEntryIds(this.objects, file), f.before);
      while (end > 0 && out.length < f.limit) {
        const start = Math.max(0, end - chunk);
        const rows = await readEntries(this.objects, file, start, end);
        for (let j = rows.length - 1; j >= 0 && out.length < f.limit; j--) {
          if (above !== undefined && rows[j].id <= above) return out;
          if (matches(rows[j], f)) out.push(rows[j]);
        }
        end = start;
      }
    }
    return out;
  }

  /** Every archived entry the user did or was the target of, ascending by id (GDPR export). */
  async about(user: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for (const f of (await this.manifest()).files) {
      for (const e of await readEntries(this.objects, f)) if (e.actor === user || e.target_user === user) out.push(e);
    }
    return out;
  }
}

function matches(e: AuditEntry, f: AuditFilter): boolean {
  return (f.actor === undefined || e.actor === f.actor) && (f.target_user === undefined || e.target_user === f.target_user)
    && (f.conversation_id === undefined || e.conversation_id === f.conversation_id) && (f.action === undefined || e.action === f.action)
    && (f.since === undefined || e.at >= f.since) && (f.until === undefined || e.at < f.until);
}

/** The number of ids (ascending) below `id`. */
function lowerBound(ids: string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Warm and archived pages merged: newest first, one entry per id, at most `limit`. */
export function mergePages(limit: number, ...pages: AuditEntry[][]): AuditEntry[] {
  const seen = new Set<string>();
  return pages.flat().sort(byId).filter((e) => !seen.has(e.id) && seen.add(e.id)).slice(0, limit);
}

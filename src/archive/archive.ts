// The cold tier: moves old messages from the warm store into Parquet files (parquet.ts) on an
// ObjectStore (local directory or S3), and serves history pages back from them.
//
// Archiving one conversation, each step durable before the next:
//   1. converge: warm rows ≤ the manifest's watermark are already archived (an earlier run died
//      before or during its delete) → delete them; .parquet files the manifest does not list
//      (an earlier run died after its upload) → delete them.
//   2. list warm rows after the watermark, up to upToSeq, in batches; archive only a gap-free
//      run of seqs (a gap is a message not yet persisted: archiving past it and deleting ≤ the
//      watermark would lose it, so the run stops there and reports `stalledAt`).
//   3. upload one file per partition run (names are deterministic: a rerun overwrites);
//      a small last file of the same partition is merged with the new rows (no pile of tiny files);
//   4. commit the manifest (new files + watermark); only then
//   5. delete the warm rows ≤ the watermark, and the files the merge replaced.
// A crash anywhere converges on the next run: nothing is duplicated (readers go through the
// manifest; unlisted files are removed) and nothing is lost (warm rows go only after the commit).
// Concurrency: one archiver per conversation at a time. Calls in one process are serialized per
// conversation here; across processes the caller (retention worker) must hold a lease.
// An edit/delete of an archived message is kept in the warm store as an overlay
// (store/change-store.ts), applied over these rows on read (messages/history.ts); a row changed
// between step 2 and step 5 becomes an overlay in step 5 (ArchiveSource.deleteArchived). When
// step 3 rewrites a small last file, the overlays of its rows are folded into it and dropped
// after the manifest commit.
import { createHash } from 'node:crypto';
import type { Message } from '../model/message.js';
import type { ArchiveSource, RetentionPolicy } from '../store/archive-source.js';
import type { MessageRange } from '../store/store.js';
import { findArchivedMessage } from './find-message.js';
import { fileKey, loadManifest, partitionOf, saveManifest, conversationPrefix, type Manifest, type ManifestFile, type Partitioning } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import { ParquetCodec, readRows } from './parquet.js';

export type { ArchiveCandidate, ArchiveSource, RetentionPolicy } from '../store/archive-source.js';

export interface ArchiveResult {
  conversationId: string;
  /** Messages newly written to the archive by this run. */
  archived: number;
  /** Warm rows deleted by this run (archived now or by an interrupted earlier run). */
  deleted: number;
  archivedThrough: number;
  files: string[];
  /** Set when a seq gap (a message not persisted yet) stopped the run below upToSeq. */
  stalledAt?: number;
}

export interface ArchiveOptions {
  codec?: ParquetCodec;
  partitioning?: Partitioning;
  /** Warm rows read per step (bounds memory); also the most rows in one file. */
  batchRows?: number;
  /** A last file with fewer rows than this, in the same partition, is merged with new rows. */
  mergeBelowRows?: number;
}

export class Archive {
  readonly codec: ParquetCodec;
  private readonly partitioning: Partitioning;
  private readonly batchRows: number;
  private readonly mergeBelowRows: number;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly objects: ObjectStore, opts: ArchiveOptions = {}) {
    this.codec = opts.codec ?? new ParquetCodec();
    this.partitioning = opts.partitioning ?? 'month';
    this.batchRows = opts.batchRows ?? 50_000;
    this.mergeBelowRows = opts.mergeBelowRows ?? 10_000;
  }

  manifest(conversationId: string): Promise<Manifest> {
    return loadManifest(this.objects, conversationId);
  }

  /** Every seq ≤ this is in the archive (0 = nothing archived). */
  async archivedThrough(conversationId: string): Promise<number> {
    return (await this.manifest(conversationId)).archived_through;
  }

  /** An archived message by id among `conversationIds` (find-message.ts), or null. */
  findMessage(conversationIds: string[], id: string): Promise<{ conversationId: string; seq: number } | null> {
    return findArchivedMessage(this, conversationIds, id);
  }

  /** Applies the retention policy to every conversation, one after another. */
  async archiveAll(source: ArchiveSource, policy: RetentionPolicy, onProgress?: (r: ArchiveResult) => void): Promise<ArchiveResult[]> {
    const out: ArchiveResult[] = [];
    for (const c of await source.conversationsToArchive(policy)) {
      const r = await this.archiveConversation(source, c.conversationId, c.upToSeq);
      out.push(r);
      onProgress?.(r);
    }
    return out;
  }

  /** Moves warm rows with seq ≤ upToSeq into the archive (see the header for the steps). */
  archiveConversation(source: ArchiveSource, conversationId: string, upToSeq: number): Promise<ArchiveResult> {
    const prev = this.locks.get(conversationId) ?? Promise.resolve();
    const run = prev.then(() => this.archiveNow(source, conversationId, upToSeq));
    const tail = run.catch(() => undefined); // the caller gets the error; the next run converges
    this.locks.set(conversationId, tail);
    void tail.then(() => { if (this.locks.get(conversationId) === tail) this.locks.delete(conversationId); });
    return run;
  }

  private async archiveNow(source: ArchiveSource, conversationId: string, upToSeq: number): Promise<ArchiveResult> {
    const m = await this.manifest(conversationId);
    const result: ArchiveResult = { conversationId, archived: 0, deleted: 0, archivedThrough: m.archived_through, files: [] };
    if (m.archived_through > 0) result.deleted += await this.converge(source, m);
    await this.removeUnlisted(m);
    while (m.archived_through < upToSeq) {
      const rows = await source.listForArchive(conversationId, m.archived_through, upToSeq, this.batchRows);
      if (rows.length === 0) break;
      const run = contiguousRun(rows, m.archived_through);
      if (run.length < rows.length) result.stalledAt = (run.length ? run[run.length - 1].seq : m.archived_through) + 1;
      if (run.length === 0) break;
      const { replaced, folded } = await this.writeFiles(source, m, run, result);
      m.archived_through = run[run.length - 1].seq;
      m.updated_at = new Date().toISOString();
      await saveManifest(this.objects, m);
      // the rewritten file holds these overlays' versions now (a crash before this leaves
      // overlays at the archived version: harmless on read, dropped by the next fold)
      if (folded.length) await source.dropOverlays(conversationId, folded);
      result.archived += run.length;
      result.archivedThrough = m.archived_through;
      for (const key of replaced) await this.objects.delete(key);
      // a row changed since it was read stays as an overlay (its version is not the archived one)
      result.deleted += await source.deleteArchived(conversationId, m.archived_through, new Map(run.map((r) => [r.seq, r.version])));
      if (run.length < rows.length) break;
    }
    return result;
  }

  /**
   * Deletes warm rows an interrupted run left at or below the watermark, keeping as overlays
   * only those whose version differs from the archived copy (changed since).
   */
  private async converge(source: ArchiveSource, m: Manifest): Promise<number> {
    let deleted = 0;
    for (;;) {
      const left = await source.listForArchive(m.conversation_id, 0, m.archived_through, this.batchRows);
      if (left.length === 0) return deleted;
      const lo = left[0].seq;
      const hi = left[left.length - 1].seq;
      const archived = new Map((await this.readFrom(m, { afterSeq: lo - 1, beforeSeq: hi + 1, limit: hi - lo + 1 })).map((r) => [r.seq, r.version]));
      deleted += await source.deleteArchived(m.conversation_id, hi, archived);
    }
  }

  /**
   * Uploads the run as one file per partition; returns keys of files merged away, and the
   * overlays folded into a rewritten file (its rows at their latest version).
   */
  private async writeFiles(source: ArchiveSource, m: Manifest, run: Message[], result: ArchiveResult): Promise<{ replaced: string[]; folded: { seq: number; version: number }[] }> {
    const replaced: string[] = [];
    const folded: { seq: number; version: number }[] = [];
    const groups: Message[][] = [];
    for (const msg of run) {
      const g = groups[groups.length - 1];
      if (g && partitionOf(g[0].created_at, this.partitioning) === partitionOf(msg.created_at, this.partitioning) && g.length < this.batchRows) g.push(msg);
      else groups.push([msg]);
    }
    const last = m.files[m.files.length - 1];
    if (last && last.rows < this.mergeBelowRows && last.last_seq === run[0].seq - 1
      && last.key.includes(`/${partitionOf(run[0].created_at, this.partitioning)}/`) && last.rows + groups[0].length <= this.batchRows) {
      const old = await readRows(this.objects, last.key, last.bytes, 0, last.rows, last.sha256);
      const overlays = new Map((await source.listOverlays(m.conversation_id, last.first_seq, last.last_seq)).map((o) => [o.seq, o]));
      const merged = old.map((r) => {
        const o = overlays.get(r.seq);
        if (!o || o.version <= r.version) return r;
        folded.push({ seq: o.seq, version: o.version });
        return o;
      });
      groups[0] = [...merged, ...groups[0]];
      m.files.pop();
      replaced.push(last.key);
    }
    for (const g of groups) {
      const first = g[0].seq;
      const lastSeq = g[g.length - 1].seq;
      const key = fileKey(m.conversation_id, partitionOf(g[0].created_at, this.partitioning), first, lastSeq);
      const bytes = await this.codec.encode(g);
      await this.objects.putFile(key, bytes);
      const times = g.map((x) => x.created_at).sort();
      const entry: ManifestFile = {
        key, first_seq: first, last_seq: lastSeq, rows: g.length, bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'), min_created_at: times[0], max_created_at: times[times.length - 1],
      };
      m.files.push(entry);
      result.files.push(key);
    }
    return { replaced: replaced.filter((k) => !m.files.some((f) => f.key === k)), folded };
  }

  /**
   * Rewrites every listed file holding one of `seqs` whose rows have a newer overlay, with the
   * overlays folded (GDPR erase, docs/gdpr.md): each new file under a new key, the manifest
   * committed, then the folded overlays dropped and the old objects deleted. Crash-safe like an
   * archiving run (an upload the manifest does not list, or an object it no longer lists, is
   * removed first by the next call); a rerun finds nothing newer and rewrites nothing. The caller
   * holds the conversation's archive lease; calls in this process are serialized with archiving.
   */
  refold(source: ArchiveSource, conversationId: string, seqs: number[]): Promise<{ rewritten: string[]; bytes: number }> {
    const prev = this.locks.get(conversationId) ?? Promise.resolve();
    const run = prev.then(() => this.refoldNow(source, conversationId, seqs));
    const tail = run.catch(() => undefined); // the caller gets the error; a rerun converges
    this.locks.set(conversationId, tail);
    void tail.then(() => { if (this.locks.get(conversationId) === tail) this.locks.delete(conversationId); });
    return run;
  }

  private async refoldNow(source: ArchiveSource, conversationId: string, seqs: number[]): Promise<{ rewritten: string[]; bytes: number }> {
    const m = await this.manifest(conversationId);
    await this.removeUnlisted(m);
    const out = { rewritten: [] as string[], bytes: 0 };
    for (const f of [...m.files]) {
      if (!seqs.some((q) => q >= f.first_seq && q <= f.last_seq)) continue;
      const overlays = await source.listOverlays(conversationId, f.first_seq, f.last_seq);
      if (overlays.length === 0) continue;
      const byseq = new Map(overlays.map((o) => [o.seq, o]));
      const old = await readRows(this.objects, f.key, f.bytes, 0, f.rows, f.sha256);
      const folded = overlays.map((o) => ({ seq: o.seq, version: o.version }));
      let newer = false;
      const rows = old.map((r) => {
        const o = byseq.get(r.seq);
        if (!o || o.version <= r.version) return r;
        newer = true;
        return o;
      });
      if (newer) {
        const bytes = await this.codec.encode(rows);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const key = f.key.replace(/(-r[0-9a-f]{8})?\.parquet$/, `-r${sha256.slice(0, 8)}.parquet`);
        await this.objects.putFile(key, bytes);
        m.files[m.files.indexOf(f)] = { ...f, key, bytes: bytes.length, sha256 };
        m.updated_at = new Date().toISOString();
        await saveManifest(this.objects, m);
        out.rewritten.push(key);
        out.bytes += bytes.length;
      }
      // overlays at or below the file's versions now change nothing on read: dropped
      await source.dropOverlays(conversationId, folded);
      if (newer) await this.objects.delete(f.key);
    }
    return out;
  }

  /** Deletes .parquet files of the conversation the manifest does not list (interrupted runs). */
  private async removeUnlisted(m: Manifest): Promise<void> {
    const listed = new Set(m.files.map((f) => f.key));
    for (const key of await this.objects.list(conversationPrefix(m.conversation_id))) {
      if (key.endsWith('.parquet') && !listed.has(key)) await this.objects.delete(key);
    }
  }

  /**
   * A history page from the archive alone, ascending by seq, same bounds as the warm store's
   * listMessages (exclusive before/after; neither → the latest `limit` archived). Reads the
   * manifest, then only the row groups holding the page.
   */
  async readRange(conversationId: string, range: MessageRange): Promise<Message[]> {
    return (await this.readRangeStamped(conversationId, range)).rows;
  }

  /** readRange, with the stamp of the manifest the rows were read from (see stamp()). */
  async readRangeStamped(conversationId: string, range: MessageRange): Promise<{ rows: Message[]; stamp: string }> {
    let m = await this.manifest(conversationId);
    try {
      return { rows: await this.readFrom(m, range), stamp: stampOf(m) };
    } catch {
      // A concurrent archive run may have merged away a file our manifest named: retry once
      // with a fresh manifest; a second failure propagates.
      m = await this.manifest(conversationId);
      return { rows: await this.readFrom(m, range), stamp: stampOf(m) };
    }
  }

  /** Names the conversation's current archive state: it changes with every manifest commit. */
  async stamp(conversationId: string): Promise<string> {
    return stampOf(await this.manifest(conversationId));
  }

  private async readFrom(m: Manifest, range: MessageRange): Promise<Message[]> {
    const out: Message[] = [];
    const read = (f: ManifestFile, lo: number, hi: number) => readRows(this.objects, f.key, f.bytes, lo - f.first_seq, hi - f.first_seq + 1, f.sha256);
    if (range.afterSeq !== undefined) {
      const cap = range.beforeSeq !== undefined ? range.beforeSeq - 1 : Infinity;
      for (const f of m.files) {
        if (out.length >= range.limit) break;
        if (f.last_seq <= range.afterSeq || f.first_seq > cap) continue;
        const lo = Math.max(range.afterSeq + 1, f.first_seq);
        out.push(...(await read(f, lo, Math.min(f.last_seq, cap, lo + range.limit - out.length - 1))));
      }
      return out;
    }
    const hi0 = range.beforeSeq !== undefined ? range.beforeSeq - 1 : Infinity;
    for (let i = m.files.length - 1; i >= 0 && out.length < range.limit; i--) {
      const f = m.files[i];
      if (f.first_seq > hi0) continue;
      const hi = Math.min(hi0, f.last_seq);
      out.unshift(...(await read(f, Math.max(f.first_seq, hi - (range.limit - out.length) + 1), hi)));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.codec.close();
    await this.objects.close();
  }
}

function stampOf(m: Manifest): string {
  return `${m.updated_at} ${m.archived_through} ${m.files.map((f) => f.sha256).join(',')}`;
}

/** The longest prefix of `rows` whose seqs continue `after` without a gap. */
function contiguousRun(rows: Message[], after: number): Message[] {
  // from seq 1 too: a first run that began above a seq still in flight would leave that seq
  // below the watermark but in no file (its late creation kept as an overlay nothing reads)
  let expect = after + 1;
  let n = 0;
  while (n < rows.length && rows[n].seq === expect) {
    n++;
    expect++;
  }
  return rows.slice(0, n);
}

// The export job of one user (docs/gdpr.md): one gzipped JSON document of everything Strata
// holds about them, written to the object store under exports/ and downloaded by operators
// (GET /v1/admin/users/{user}/jobs/{id}/file). Attachments' files are REFERENCED, not copied:
// each upload carries a signed GET link valid EXPORT_LINK_TTL_S (7 days). Steps: collect and
// write (one putFile under a key named by the job: a rerun writes the same key again). Audit
// entries about the user come from the warm store and the archive (audit/), one per id.
import { gzipSync } from 'node:zlib';
import type { ObjectStore } from '../archive/object-store.js';
import { parseChange } from '../model/change.js';
import { AuditArchive } from '../audit/audit-archive.js';
import { ownAuditDetails, type GdprJob } from '../store/gdpr-store.js';
import { conversationsOf, messagesOf, type JobContext } from './erase.js';

export const EXPORT_LINK_TTL_S = 7 * 86_400;

export function exportKey(job: Pick<GdprJob, 'id' | 'user'>): string {
  return `exports/${encodeURIComponent(job.user)}/${job.id}.json.gz`;
}

/** Where exports are written: the attachments' store, else the archive's (null: neither wired). */
export function exportStore(ctx: Pick<JobContext, 'deps'>): ObjectStore | null {
  return ctx.deps.attachments?.files ?? ctx.deps.archive?.objects ?? null;
}

export async function runExport(ctx: JobContext, job: GdprJob): Promise<Record<string, unknown>> {
  const { deps } = ctx;
  const user = job.user;
  const objects = exportStore(ctx);
  if (!objects) throw new Error('no object store is configured: nowhere to write the export');
  await ctx.onStep?.('collect');
  const member = (await deps.store.listConversations(user)).map((c) => c.id);
  const conversations = [...new Set([...member, ...(await conversationsOf(ctx, user))])].sort();
  const messages = [];
  const history = [];
  for (const c of conversations) {
    messages.push(...(await messagesOf(ctx, c, user)));
    for (let after = 0; ;) {
      const page = await deps.store.listChanges(c, after, 1000);
      for (const json of page) {
        const ch = parseChange(json);
        const body = JSON.parse(json) as { cursor: number; user?: string; by?: string };
        after = body.cursor;
        if (ch?.message?.sender === user || body.user === user || body.by === user) history.push(body);
      }
      if (page.length < 1000) break;
    }
  }
  const uploads = [];
  for (const u of await deps.gdpr.data.uploadsOf(user)) {
    const exists = await objects.head(u.object_key);
    const link = exists ? await objects.signGet(u.object_key, { expiresInS: EXPORT_LINK_TTL_S, disposition: `attachment; filename="${u.name.replace(/["\\\r\n]/g, '_')}"` }) : null;
    uploads.push({ ...u, file: link && { url: link.url, expires_at: link.expiresAt } });
  }
  const doc = {
    format: 'strata-user-export/1', user, generated_at: new Date().toISOString(), job_id: job.id,
    attachments_files: `referenced by signed GET links valid ${EXPORT_LINK_TTL_S} s (not copied into this file)`,
    conversations, messages, changes: history,
    reactions: await deps.gdpr.data.reactionsOf(user),
    uploads,
    presence: await deps.presence.get(user),
    ...(await withArchivedAudit(ctx, user, await deps.gdpr.data.exportRows(user))),
  };
  await ctx.onStep?.('write');
  const bytes = gzipSync(Buffer.from(JSON.stringify(doc)));
  const key = exportKey(job);
  await objects.putFile(key, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { contentType: 'application/gzip' });
  return { key, bytes: bytes.length, messages: messages.length, changes: history.length, uploads: uploads.length, conversations: conversations.length };
}

/** The warm store's rows with the archived audit entries the user did or was the target of added: one per id, ascending by id. */
async function withArchivedAudit(ctx: JobContext, user: string, rows: Record<string, unknown[]>): Promise<Record<string, unknown[]>> {
  const archived = AuditArchive.of(ctx.deps.archive);
  if (!archived) return rows;
  const warm = (rows.audit ?? []) as { id: string }[];
  const ids = new Set(warm.map((r) => r.id));
  const cold = (await archived.about(user)).filter((e) => !ids.has(e.id)).map((e) => ({ ...e, details: ownAuditDetails(e.details, user) }));
  return { ...rows, audit: [...warm, ...cold].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}

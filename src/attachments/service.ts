// Attachments (docs/attachments.md): uploads, the checks of a send that attaches them, and the
// short-lived signed links members download through.
//
//   1. POST /v1/conversations/{id}/uploads {name, size, content_type} (a member): the size and
//      type are checked against UPLOAD_MAX_BYTES / UPLOAD_TYPES, a row `pending` is written and
//      a signed PUT URL returned for exactly that size and type (S3 presigned, or the embedded
//      store's Strata URL, PUT /v1/uploads/{id}?…).
//   2. The client PUTs the bytes there; the store refuses any other length or type. On the
//      embedded store (receive()) the signature, size and type are checked before any byte is
//      read, the row is `receiving` while the bytes stream to a temp file (no claim meanwhile,
//      one PUT at a time), renamed over the object only when complete.
//   3. A send names upload ids: check() refuses (with a registry code, changing nothing) an
//      unknown upload, one of another conversation or user, one attached already, one whose
//      bytes have not arrived, or whose stored size or type (HEAD) or image header is not the
//      declared one; claim() takes them for the message, all or none (UploadStore), settled by
//      the send's outcome: attached to the stored message (or to the original of a retry, the
//      uploads it names), given back when nothing was stored, left claimed when the hot tier's
//      answer was lost (the retry or the sweep settles it).
//   4. The message carries `attachments: [{id, name, size, content_type, width, height, url}]`,
//      url = /v1/attachments/{id}: the same in every tier. GET on it checks membership of the
//      upload's conversation on every call and redirects to a signed download URL living
//      ATTACHMENT_URL_TTL_S: a removed member gets no new link, old ones expire.
//   5. Deleting a message releases its uploads; the sweep (sweep.ts) deletes released and expired
//      ones. Archiving moves no file: archived messages keep working attachments.
import { v7 as uuidv7 } from 'uuid';
import { MEDIA_TYPE } from '../config.js';
import type { Access } from '../conversations/access.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { Attach, Outcome } from '../messages/ingest.js';
import type { Attachment, Message } from '../model/message.js';
import type { ObjectStore, SignedDownload, SignedRequest } from '../archive/object-store.js';
import type { Upload, UploadStore } from '../store/upload-store.js';
import { claimOwner } from './claim-owner.js';
import { imageInfo, SNIFF_BYTES, SNIFFED_TYPES } from './image-size.js';

export interface UploadRequest {
  name: string;
  size: number;
  content_type: string;
}

export interface UploadTicket {
  id: string;
  conversation_id: string;
  name: string;
  size: number;
  content_type: string;
  /** The request that delivers the bytes: PUT exactly `size` bytes to url with these headers, before expires_at. */
  upload: { method: 'PUT'; url: string; headers: Record<string, string>; expires_at: string };
}

export interface Logger {
  warn(obj: object, msg?: string): void;
}

/** Where an upload's bytes live in the object store. The embedded store's signed URL of it is /v1/uploads/{id} (local-object-store.ts). */
export const objectKey = (uploadId: string) => `uploads/${uploadId}`;

/** Shown in the browser; every other type downloads (a file a browser could run as a page never opens inline). */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+|text\/plain)$/;

/** `inline` or `attachment`, with the name as an ASCII fallback and RFC 5987 UTF-8. */
export function dispositionOf(name: string, contentType: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${INLINE.test(contentType) ? 'inline' : 'attachment'}; filename="${fallback}"; filename*=UTF-8''${utf8}`;
}

export function allowedType(contentType: string, allowed: string[]): boolean {
  return allowed.some((a) => a === contentType || (a.endsWith('/*') && contentType.startsWith(a.slice(0, -1))));
}

export class AttachmentService implements Attach {
  constructor(
    private deps: Pick<Deps, 'config' | 'attachments' | 'store' | 'hot' | 'archive'>,
    private access: Access,
    private log: Logger,
  ) {}

  private get ports(): { uploads: UploadStore; files: ObjectStore } {
    if (!this.deps.attachments) throw new AppError('UPLOAD_NOT_FOUND', 'attachments are not enabled on this server');
    return this.deps.attachments;
  }

  /** Step 1: a pending upload and the signed request that delivers its bytes. */
  async createUpload(user: string, conversationId: string, req: UploadRequest, now = new Date()): Promise<UploadTicket> {
    const { config } = this.deps;
    await this.access.requireMember(conversationId, user);
    const contentType = req.content_type.trim().toLowerCase();
    if (!MEDIA_TYPE.test(contentType) || !allowedType(contentType, config.uploadTypes)) {
      throw new AppError('UPLOAD_TYPE_NOT_ALLOWED', `content_type ${JSON.stringify(req.content_type)} is not allowed here (UPLOAD_TYPES: ${config.uploadTypes.join(', ')}; no parameters)`);
    }
    if (req.size > config.uploadMaxBytes) throw new AppError('UPLOAD_TOO_LARGE', `size ${req.size} is over ${config.uploadMaxBytes} bytes (UPLOAD_MAX_BYTES)`);
    const { uploads, files } = this.ports;
    const id = uuidv7();
    const put = await files.signPut(objectKey(id), { size: req.size, contentType, expiresInS: config.uploadUrlTtlS, now });
    await uploads.createUpload({ id, conversation_id: conversationId, uploader: user, name: req.name, size: req.size, content_type: contentType, object_key: objectKey(id), created_at: now.toISOString() });
    return { id, conversation_id: conversationId, name: req.name, size: req.size, content_type: contentType, upload: { method: 'PUT', url: put.url, headers: put.headers, expires_at: put.expiresAt } };
  }

  /**
   * Step 2 on the embedded store, before the body is read: the signature, expiry, declared
   * length and type of the request (SIGNED_URL_INVALID, UPLOAD_MISMATCH). First, so that a
   * caller without a valid URL learns nothing about the upload and makes the server read nothing.
   */
  async admit(id: string, query: Record<string, string | undefined>, request: { contentType?: string; contentLength?: number }): Promise<void> {
    const { files } = this.ports;
    if (!files.checkSigned) throw new AppError('NOT_FOUND', 'uploads go to the object store\'s own URL on this server');
    await files.checkSigned('PUT', objectKey(id), query, request);
  }

  /**
   * Step 2 on the embedded store: the bytes stream to the object (admitted first). The upload is
   * `receiving` meanwhile: a send cannot claim it and a second PUT is refused, so an attached
   * upload's bytes never change. Refused, nothing written: the upload is gone, attached, or
   * receiving another PUT; the body is not the signed size or type.
   */
  async receive(id: string, query: Record<string, string | undefined>, request: { contentType?: string; contentLength?: number; body: Uint8Array | AsyncIterable<Uint8Array> }): Promise<void> {
    const { uploads, files } = this.ports;
    await this.admit(id, query, request);
    const started = await uploads.beginReceive(id);
    if (started === 'gone') throw new AppError('UPLOAD_NOT_FOUND', `upload ${id} not found`);
    if (started === 'attached') throw new AppError('UPLOAD_ATTACHED', `upload ${id} is attached to a message: its bytes no longer change`);
    if (started === 'busy') throw new AppError('UPLOAD_IN_PROGRESS', `upload ${id}: another PUT is delivering its bytes`);
    try {
      await files.acceptSigned!('PUT', objectKey(id), query, request);
    } finally {
      // a failure here leaves it receiving until the sweep expires it (logged by the caller's error path)
      await uploads.endReceive(id);
    }
  }

  /** A download at the embedded store's signed URL: the signature is the permission, as on S3. */
  serve(id: string, query: Record<string, string | undefined>): Promise<SignedDownload> {
    const { files } = this.ports;
    if (!files.acceptSigned) throw new AppError('NOT_FOUND', 'downloads come from the object store\'s own URL on this server');
    return files.acceptSigned('GET', objectKey(id), query, {}) as Promise<SignedDownload>;
  }

  /** Step 4: a member's short-lived signed download link to an attachment. */
  async link(user: string, id: string, now = new Date()): Promise<SignedRequest> {
    const { uploads, files } = this.ports;
    const notFound = new AppError('ATTACHMENT_NOT_FOUND', `attachment ${id} not found`);
    const u = await uploads.getUpload(id);
    if (!u || (u.state !== 'attached' && u.state !== 'claimed')) throw notFound;
    if (!(await this.access.role(u.conversation_id, user))) throw notFound;
    // a claim is a send in progress, or one that died: served once a message naming it exists
    if (u.state === 'claimed' && (await claimOwner(this.deps, u)) === null) throw notFound;
    return files.signGet(u.object_key, {
      expiresInS: this.deps.config.attachmentUrlTtlS, now, contentType: u.content_type, disposition: dispositionOf(u.name, u.content_type),
    });
  }

  /** Step 3 (ingest hook): each upload checked; the message's attachments, in the order named. */
  async check(user: string, conversationId: string, ids: string[], clientKey: string | undefined): Promise<Attachment[]> {
    return Promise.all(ids.map((id) => this.checkOne(user, conversationId, id, clientKey)));
  }

  private async checkOne(user: string, conversationId: string, id: string, clientKey: string | undefined): Promise<Attachment> {
    const { uploads, files } = this.ports;
    const u = await uploads.getUpload(id);
    if (!u || u.state === 'released') throw new AppError('UPLOAD_NOT_FOUND', `upload ${id} not found`);
    if (u.conversation_id !== conversationId || u.uploader !== user) throw new AppError('UPLOAD_NOT_YOURS', `upload ${id} was made by another user or for another conversation`);
    if (u.state === 'receiving') throw new AppError('UPLOAD_INCOMPLETE', `upload ${id}: its bytes are arriving right now; send once the PUT has answered`);
    if (u.state !== 'pending' && !this.ownClaim(u, clientKey)) throw new AppError('UPLOAD_ATTACHED', `upload ${id} is attached to a message already`);
    const stored = await files.head(u.object_key);
    if (!stored) throw new AppError('UPLOAD_INCOMPLETE', `upload ${id}: its bytes have not arrived; PUT them to its upload URL first`);
    const storedType = (stored.contentType ?? '').toLowerCase();
    if (stored.size !== u.size || storedType !== u.content_type) {
      throw new AppError('UPLOAD_MISMATCH', `upload ${id}: ${stored.size} bytes of ${storedType || 'no type'} arrived; ${u.size} bytes of ${u.content_type} were declared`);
    }
    let width: number | null = null;
    let height: number | null = null;
    if ((SNIFFED_TYPES as readonly string[]).includes(u.content_type)) {
      const info = imageInfo(await files.readRange(u.object_key, 0, Math.min(u.size, SNIFF_BYTES)));
      if (info?.type !== u.content_type) throw new AppError('UPLOAD_MISMATCH', `upload ${id}: the bytes are ${info?.type ?? 'not an image of a known type'}; ${u.content_type} was declared`);
      ({ width, height } = info);
    }
    return { id, name: u.name, size: u.size, content_type: u.content_type, width, height, url: `/v1/attachments/${id}` };
  }

  /** What an earlier attempt of this same send holds (UploadStore.claim's rule, checked early). */
  private ownClaim(u: Upload, clientKey: string | undefined): boolean {
    if (clientKey === undefined || u.claim_key !== clientKey) return false;
    return u.state === 'claimed' || (u.state === 'attached' && u.attached_at !== null && u.attached_at >= this.ownSince(new Date()));
  }

  /** A retry of a send is answered with the original within DEDUP_TTL_S; after it, the same client_id makes a new message. */
  private ownSince(now: Date): string {
    return new Date(now.getTime() - this.deps.config.dedupTtlS * 1000).toISOString();
  }

  /** Step 3 (ingest hook): the uploads become the message's, all or none; the returned function settles them by the send's outcome. */
  async claim(attachments: Attachment[], messageId: string, clientKey: string | undefined): Promise<(outcome: Outcome) => Promise<void>> {
    const { uploads } = this.ports;
    const now = new Date();
    const ids = attachments.map((a) => a.id);
    const r = await uploads.claim(attachments.map((a) => ({ id: a.id, width: a.width, height: a.height })), {
      messageId, claimKey: clientKey ?? null, at: now.toISOString(), ownSince: this.ownSince(now),
    });
    if (!r.ok) {
      if (r.reason === 'gone') throw new AppError('UPLOAD_NOT_FOUND', `upload ${r.id} not found`);
      if (r.reason === 'receiving') throw new AppError('UPLOAD_INCOMPLETE', `upload ${r.id}: its bytes are arriving right now; send once the PUT has answered`);
      throw new AppError('UPLOAD_ATTACHED', `upload ${r.id} is attached to a message already (or a concurrent send is attaching it)`);
    }
    let settled = false;
    return async (outcome) => {
      if (settled) return;
      settled = true;
      try {
        await this.settle(ids, r.claimed, messageId, clientKey ?? null, outcome);
      } catch (err) {
        // left claimed: the sweep attaches them once it finds the message, or releases them
        this.log.warn({ err, messageId, uploads: ids }, 'settling the uploads of a send failed; the upload sweep will');
      }
    };
  }

  /**
   * The send's outcome settles its claim:
   * - its own message was stored: every upload attached to it;
   * - the original of a retry (another attempt of the same send stored it): the uploads the
   *   original names are attached to it (whoever holds their claim now, or given back since), the
   *   ones this call claimed that it does not name go back;
   * - nothing stored: what this call claimed goes back (what it took over from an earlier attempt
   *   stays claimed: that attempt's message may exist, the sweep finds out);
   * - unknown (the hot tier was called and failed): the claim stays; the retry or the sweep settles it.
   */
  private async settle(ids: string[], claimed: string[], messageId: string, claimKey: string | null, outcome: Outcome): Promise<void> {
    const { uploads } = this.ports;
    if (outcome === 'unknown') return;
    if (outcome === null) {
      await uploads.unclaim(claimed, messageId);
      return;
    }
    const named = outcome.attachments.map((a) => a.id);
    if ((await uploads.confirm(named, outcome.id, claimKey)) < named.length) await this.confirmed(named, outcome.id);
    if (outcome.id !== messageId) await uploads.unclaim(claimed.filter((id) => !named.includes(id)), messageId);
  }

  /** After a confirm that changed fewer rows than named: each must be attached to the message already, or it is logged. */
  private async confirmed(ids: string[], messageId: string): Promise<void> {
    const { uploads } = this.ports;
    const stray = [];
    for (const id of ids) {
      const u = await uploads.getUpload(id);
      if (u?.state !== 'attached' || u.message_id !== messageId) stray.push({ id, state: u?.state ?? 'absent', message_id: u?.message_id ?? null });
    }
    if (stray.length) this.log.warn({ messageId, stray }, 'a stored message names uploads it could not attach (taken by another send or released meanwhile)');
  }

  /** Step 5: a deleted message's uploads are released; the sweep deletes their bytes. */
  async released(message: Pick<Message, 'id' | 'attachments'>): Promise<void> {
    if (message.attachments.length === 0 || !this.deps.attachments) return;
    try {
      await this.deps.attachments.uploads.releaseMessage(message.id, new Date().toISOString());
    } catch (err) {
      this.log.warn({ err, messageId: message.id }, 'releasing the uploads of a deleted message failed; its files stay');
    }
  }
}

// The UploadStore port: one row per upload (table `uploads`, migration 0008), the state an
// attachment's bytes are in (docs/attachments.md). An upload moves
//
//   pending ──beginReceive──▶ receiving ──endReceive──▶ pending        (a PUT writes the bytes)
//   pending ──claim──▶ claimed ──confirm──▶ attached ──releaseMessage──▶ released
//                         ├─ unclaim ──▶ pending                (the send stored nothing)
//                         └─ settleStale ──▶ attached | released  (the sweep: does a message name it?)
//   pending | receiving, older than UPLOAD_TTL_S ──expirePending──▶ released
//   released: the sweep deletes the object, then the row
//
// Every transition is one conditional write on the row's state, so two sends never both claim
// an upload, a claim never lands while a PUT is writing the bytes (`receiving`), and the sweep
// never deletes one a send claimed meanwhile. A claim names the message it is for and, when the
// send has a client_id, the send's key (`user\nclient_id`): a retry of the same send takes over
// what an earlier attempt claimed (the claim then names the retry's message, so the earlier
// attempt's unclaim gives nothing back), and what it attached within `ownSince` is its own (the
// retry is answered with the original message).

export type UploadState = 'pending' | 'receiving' | 'claimed' | 'attached' | 'released';

export interface Upload {
  id: string;
  conversation_id: string;
  uploader: string;
  name: string;
  size: number;
  content_type: string;
  /** Where the bytes are in the object store. */
  object_key: string;
  state: UploadState;
  /** The message it is claimed for or attached to (null while pending). */
  message_id: string | null;
  /** The claiming send's `user\nclient_id`, or null (a send without client_id). */
  claim_key: string | null;
  /** Pixel size, for images whose header the server read; else null. */
  width: number | null;
  height: number | null;
  created_at: string;
  /** When it was claimed (kept when confirmed). */
  attached_at: string | null;
  released_at: string | null;
}

export type NewUpload = Pick<Upload, 'id' | 'conversation_id' | 'uploader' | 'name' | 'size' | 'content_type' | 'object_key' | 'created_at'>;

export interface Claim {
  id: string;
  width: number | null;
  height: number | null;
}

export type ClaimResult =
  | { ok: true; /** the ids this call moved from pending (the ones unclaim gives back) */ claimed: string[] }
  | { ok: false; id: string; reason: 'gone' | 'taken' | 'receiving' };

/** What beginReceive found: 'ok' (now receiving), or why the bytes may not be written. */
export type ReceiveStart = 'ok' | 'gone' | 'attached' | 'busy';

export interface UploadStore {
  createUpload(u: NewUpload): Promise<void>;
  getUpload(id: string): Promise<Upload | null>;
  /**
   * A PUT of the bytes starts: pending → receiving ('ok'). Else nothing changes: 'gone' (absent
   * or released), 'attached' (claimed or attached), 'busy' (another PUT is receiving).
   */
  beginReceive(id: string): Promise<ReceiveStart>;
  /** The PUT ended (stored or refused): receiving → pending; idempotent. */
  endReceive(id: string): Promise<void>;
  /**
   * All or none: each upload becomes claimed for messageId (with its pixel size) if it is
   * pending; one claimed by the same claimKey is this send's own and is taken over (it is
   * claimed for messageId from now on), one attached by it at or after ownSince is its own and
   * left as it is. Otherwise nothing changes and an upload in the way is named: 'gone' (absent
   * or released), 'receiving' (a PUT is writing its bytes), 'taken' (anyone else's claim or
   * attachment).
   */
  claim(claims: Claim[], o: { messageId: string; claimKey: string | null; at: string; ownSince: string }): Promise<ClaimResult>;
  /** Gives these uploads back (pending again) if they are still claimed for messageId; how many were. */
  unclaim(ids: string[], messageId: string): Promise<number>;
  /**
   * A message naming these uploads was stored as messageId: each one claimed for it or by
   * claimKey (an attempt of the same send), or pending (given back by an attempt that could not
   * know the message was stored), becomes attached to it. How many rows changed (uploads
   * attached to it already, or taken by another send meanwhile, are not counted).
   */
  confirm(ids: string[], messageId: string, claimKey: string | null): Promise<number>;
  /** The message was deleted: its claimed or attached uploads are released for the sweep; how many. */
  releaseMessage(messageId: string, at: string): Promise<number>;
  /** Pending (or receiving: a PUT that died) uploads created before `before` become released; how many. */
  expirePending(before: string, at: string): Promise<number>;
  /** Claims older than `before` (the sweep decides each by whether its message exists), oldest first. */
  staleClaims(before: string, limit: number): Promise<Upload[]>;
  /**
   * One claim (still claimed for messageId) the sweep judged: attached to the message `attachTo`
   * that names it, or released when there is none (null). False if it was no longer that claim.
   */
  settleStale(id: string, messageId: string, attachTo: string | null, at: string): Promise<boolean>;
  /** Released uploads (the sweep deletes their objects, then the rows), oldest first; `after` pages past one. */
  listReleased(limit: number, after?: { released_at: string; id: string }): Promise<Upload[]>;
  /** Removes a released upload's row (after its object was deleted); idempotent. */
  deleteReleased(id: string): Promise<void>;
}

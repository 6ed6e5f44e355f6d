// The UploadStore port: one row per upload (table `uploads`, migration 0008), the state an
// attachment's bytes are in (docs/attachments.md). An upload moves
//
//   pending ──claim──▶ claimed ──confirm──▶ attached ──release (message deleted)──▶ released
//      │                  │ unclaim → pending                                          │
//      └─ expire ─────────┴─ expire (no such message) ──▶ released ──▶ the sweep deletes the object, then the row
//
// Every transition is one conditional write on the row's state, so two sends never both claim
// an upload, and the sweep never deletes one a send claimed meanwhile. A claim names the
// message it is for and, when the send has a client_id, the send's key (`user\nclient_id`):
// a retry of the same send may take over what an earlier attempt claimed (the earlier attempt
// may have died between its claim and its ingest), and what it attached within `ownSince`
// (the retry is answered with the original message).

export type UploadState = 'pending' | 'claimed' | 'attached' | 'released';

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
  | { ok: false; id: string; reason: 'gone' | 'taken' };

export interface UploadStore {
  createUpload(u: NewUpload): Promise<void>;
  getUpload(id: string): Promise<Upload | null>;
  /**
   * All or none: each upload becomes claimed for messageId (with its pixel size) if it is
   * pending; one claimed by the same claimKey, or attached by it at or after ownSince, counts
   * as this send's own and is left as it is. Otherwise nothing changes and an upload in the way
   * is named: 'gone' (absent or released), 'taken' (anyone else's claim or attachment).
   */
  claim(claims: Claim[], o: { messageId: string; claimKey: string | null; at: string; ownSince: string }): Promise<ClaimResult>;
  /** Gives these uploads back (pending again) if they are still claimed for messageId; how many were. */
  unclaim(ids: string[], messageId: string): Promise<number>;
  /**
   * The send was stored as messageId: these uploads, claimed for it or by claimKey (an earlier
   * attempt of the same send), become attached to it. How many rows changed.
   */
  confirm(ids: string[], messageId: string, claimKey: string | null): Promise<number>;
  /** The message was deleted: its claimed or attached uploads are released for the sweep; how many. */
  releaseMessage(messageId: string, at: string): Promise<number>;
  /** Pending uploads created before `before` become released; how many. */
  expirePending(before: string, at: string): Promise<number>;
  /** Claims older than `before` (the sweep decides each by whether its message exists), oldest first. */
  staleClaims(before: string, limit: number): Promise<Upload[]>;
  /** One claim the sweep judged: attached to its message, or released when there is none. False if it was no longer that claim. */
  settleStale(id: string, messageId: string, attach: boolean, at: string): Promise<boolean>;
  /** Released uploads (the sweep deletes their objects, then the rows), oldest first. */
  listReleased(limit: number): Promise<Upload[]>;
  /** Removes a released upload's row (after its object was deleted); idempotent. */
  deleteReleased(id: string): Promise<void>;
}

// The archive's storage port: a flat namespace of immutable-ish byte objects ("files") under
// '/'-separated keys, in domain verbs. Two adapters: local-object-store.ts (a directory) and
// s3-object-store.ts (any S3-compatible service). Guarantees every adapter keeps (archive.contract.ts):
// - putFile is atomic and durable when it resolves: a reader sees the old bytes or the new
//   ones, never a torn file; putting the same key again replaces it.
// - readRange(key, start, end) returns exactly bytes [start, end); the counters record what
//   was fetched so tests and metrics can prove that range reads stay small.
// - list(prefix) returns every key under prefix (all pages), sorted; delete is idempotent.
// - head(key) is the object's size and content type as stored (null when absent).
// - signPut / signGet hand out a URL that lets its holder, without any other credential, PUT
//   exactly `size` bytes of `contentType` to one key (anything else is refused by whoever
//   serves the URL), or GET one object, until `expiresInS` after `now`. S3 signs them itself
//   (presigned URLs); the local directory signs Strata URLs with an HMAC key kept in the
//   directory, served by Strata, which checks them with acceptSigned (attachments/routes.ts).
// Adapters turn native errors into AppError (UNAVAILABLE when retryable) at their boundary.

export interface ObjectStoreStats {
  /** Bytes returned by readRange/readFile since creation (or resetStats). */
  bytesRead: number;
  bytesWritten: number;
  /** Read calls (each readRange/readFile is one GET on S3). */
  reads: number;
}

/** What head() reports of a stored object. */
export interface ObjectInfo {
  size: number;
  /** As stored with the object (null when it was stored without one). */
  contentType: string | null;
}

/** A request anyone holding it may make, until it expires: no other credential needed. */
export interface SignedRequest {
  method: 'PUT' | 'GET';
  /** Absolute (S3), or a path on Strata's own API (the local directory: resolve it against the API's origin). */
  url: string;
  /** Headers the request must carry exactly as given (a PUT's content-type; its content-length is the body's). */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface SignOptions {
  expiresInS: number;
  /** The signing time (default: now); tests sign in the past to get an expired URL without waiting. */
  now?: Date;
}

export interface PutGrant extends SignOptions {
  /** The only body length the URL accepts. */
  size: number;
  /** The only content-type the URL accepts; stored with the object. */
  contentType: string;
}

export interface GetGrant extends SignOptions {
  /** Content-Type of the response (default: the stored one). */
  contentType?: string;
  /** Content-Disposition of the response (e.g. `attachment; filename="a.pdf"`). */
  disposition?: string;
}

/** A request at a signed URL, as acceptSigned gets it. */
export interface SignedRequestIn {
  contentType?: string;
  /** The Content-Length header, when the request has one. */
  contentLength?: number;
  body?: Uint8Array | AsyncIterable<Uint8Array>;
}

/** A signed GET accepted by acceptSigned: the bytes and the response headers the URL asks for. */
export interface SignedDownload {
  bytes: Uint8Array;
  contentType: string;
  disposition: string | null;
}

export interface ObjectStore {
  /** Human-readable location, for logs: `file:/…` or `s3://bucket/prefix`. */
  readonly location: string;
  readonly stats: ObjectStoreStats;
  /** `contentType` is stored with the object (head() reports it). */
  putFile(key: string, bytes: Uint8Array, opts?: { contentType?: string }): Promise<void>;
  /** Size and content type of an object, or null if absent (S3: HEAD). */
  head(key: string): Promise<ObjectInfo | null>;
  /** A URL to PUT one object of exactly grant.size bytes of grant.contentType at key (replacing what is there), until it expires. */
  signPut(key: string, grant: PutGrant): Promise<SignedRequest>;
  /** A URL to GET the object at key, until it expires. */
  signGet(key: string, grant: GetGrant): Promise<SignedRequest>;
  /**
   * Only for stores whose signed URLs Strata serves itself (the local directory; undefined on
   * S3, whose URLs S3 checks): performs the request a signed URL of this store describes, given
   * the URL's query, the request's content-type, declared length and its body. A PUT stores the
   * body (bytes, or a stream written as it arrives and refused as soon as it passes the signed
   * size; the object changes only when the whole body arrived) and resolves null; a GET resolves
   * the object. SIGNED_URL_INVALID when the signature is not this store's, is for another method
   * or key, or has expired; UPLOAD_MISMATCH when a PUT's length or type is not the signed one;
   * NOT_FOUND when a GET's object is gone.
   */
  acceptSigned?(method: 'PUT' | 'GET', key: string, query: Record<string, string | undefined>, request: SignedRequestIn): Promise<SignedDownload | null>;
  /** With acceptSigned: its checks that need no body (signature, expiry; a PUT's content-type and declared length), nothing read or written. */
  checkSigned?(method: 'PUT' | 'GET', key: string, query: Record<string, string | undefined>, request: Omit<SignedRequestIn, 'body'>): Promise<void>;
  /** The whole object, or null if absent. */
  readFile(key: string): Promise<Uint8Array | null>;
  /** Bytes [start, end) of an existing object. */
  readRange(key: string, start: number, end: number): Promise<Uint8Array>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export function newStats(): ObjectStoreStats {
  return { bytesRead: 0, bytesWritten: 0, reads: 0 };
}

export function resetStats(s: ObjectStoreStats): void {
  s.bytesRead = 0;
  s.bytesWritten = 0;
  s.reads = 0;
}

/** Keys are relative, '/'-separated, without empty segments or segments that start with '.' (adapters keep their own files under such names). */
export function checkKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.split('/').some((s) => s === '' || s.startsWith('.'))) {
    throw new Error(`invalid archive key ${JSON.stringify(key)}`);
  }
  return key;
}

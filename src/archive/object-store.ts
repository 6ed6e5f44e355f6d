// The archive's storage port: a flat namespace of immutable-ish byte objects ("files") under
// '/'-separated keys, in domain verbs. Two adapters: local-object-store.ts (a directory) and
// s3-object-store.ts (any S3-compatible service). Guarantees every adapter keeps (archive.contract.ts):
// - putFile is atomic and durable when it resolves: a reader sees the old bytes or the new
//   ones, never a torn file; putting the same key again replaces it.
// - readRange(key, start, end) returns exactly bytes [start, end); the counters record what
//   was fetched so tests and metrics can prove that range reads stay small.
// - list(prefix) returns every key under prefix (all pages), sorted; delete is idempotent.
// Adapters turn native errors into AppError (UNAVAILABLE when retryable) at their boundary.

export interface ObjectStoreStats {
  /** Bytes returned by readRange/readFile since creation (or resetStats). */
  bytesRead: number;
  bytesWritten: number;
  /** Read calls (each readRange/readFile is one GET on S3). */
  reads: number;
}

export interface ObjectStore {
  /** Human-readable location, for logs: `file:/…` or `s3://bucket/prefix`. */
  readonly location: string;
  readonly stats: ObjectStoreStats;
  putFile(key: string, bytes: Uint8Array): Promise<void>;
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

/** Keys are relative, '/'-separated, without '..' or empty segments. */
export function checkKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`invalid archive key ${JSON.stringify(key)}`);
  }
  return key;
}

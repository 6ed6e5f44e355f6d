// The cold tier's object store from ARCHIVE_URL (part of the composition root, wire.ts): `file:<dir>` → LocalObjectStore, `s3://bucket/prefix`
// → S3ObjectStore with S3_ENDPOINT / S3_REGION / S3_FORCE_PATH_STYLE; credentials come from the
// usual AWS variables (the SDK's default chain) unless passed explicitly (tests).
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { LocalObjectStore } from '../archive/local-object-store.js';
import type { ObjectStore } from '../archive/object-store.js';
import { S3ObjectStore } from '../archive/s3-object-store.js';

export type ObjectStoreConfig = Pick<Config, 's3Endpoint' | 's3Region' | 's3ForcePathStyle'> & {
  credentials?: { accessKeyId: string; secretAccessKey: string };
};

export function createObjectStore(url: string, config: ObjectStoreConfig): ObjectStore {
  if (url.startsWith('file:')) {
    // Accept both file:///abs/dir (a real file URL) and file:relative/dir (what DATA_DIR yields).
    const dir = url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
    return new LocalObjectStore(dir);
  }
  if (url.startsWith('s3://')) {
    const u = new URL(url);
    if (!u.hostname) throw new Error(`ARCHIVE_URL ${url}: missing bucket`);
    return new S3ObjectStore({
      bucket: u.hostname,
      prefix: decodeURIComponent(u.pathname),
      endpoint: config.s3Endpoint,
      region: config.s3Region,
      forcePathStyle: config.s3ForcePathStyle,
      credentials: config.credentials,
    });
  }
  throw new Error(`ARCHIVE_URL ${url}: expected file:<dir> or s3://bucket/prefix`);
}

// Chooses the archive adapter from ARCHIVE_URL: `file:<dir>` → LocalArchive, `s3://bucket/prefix`
// → S3Archive with S3_ENDPOINT / S3_REGION / S3_FORCE_PATH_STYLE; credentials come from the
// usual AWS variables (the SDK's default chain) unless passed explicitly (tests).
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { LocalArchive } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Archive } from './s3-object-store.js';

export type ObjectStoreConfig = Pick<Config, 's3Endpoint' | 's3Region' | 's3ForcePathStyle'> & {
  credentials?: { accessKeyId: string; secretAccessKey: string };
};

export function createObjectStore(url: string, config: ObjectStoreConfig): ObjectStore {
  if (url.startsWith('file:')) {
    // Accept both file:///abs/dir (a real file URL) and file:relative/dir (what DATA_DIR yields).
    const dir = url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
    return new LocalArchive(dir);
  }
  if (url.startsWith('s3://')) {
    const u = new URL(url);
    if (!u.hostname) throw new Error(`ARCHIVE_URL ${url}: missing bucket`);
    return new S3Archive({
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

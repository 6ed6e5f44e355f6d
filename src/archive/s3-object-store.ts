// ObjectStore over S3-compatible storage (AWS, MinIO, Swift s3api, …) with @aws-sdk/client-s3.
// A PUT is atomic and durable once acknowledged (S3's own guarantee); keys live under
// `prefix/`. Deletes go one by one: DeleteObjects needs Content-MD5 on some servers (Swift),
// which the current SDK no longer sends, and the archive deletes few objects at a time.
// Connection failures and 5xx become UNAVAILABLE (retryable); a missing key on readFile is null.
// Signed URLs are S3 presigned URLs (SigV4 query auth, @aws-sdk/s3-request-presigner): a PUT's
// content-length and content-type are signed headers, so S3 refuses any other size or type
// (403 SignatureDoesNotMatch); a GET may ask S3 for the response's content-type and
// content-disposition (response-content-type / response-content-disposition). They are signed by a
// client of their own that adds no flexible checksum: the SDK's default (a CRC32 of the empty
// body in the query) would make S3 refuse every upload.
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../errors.js';
import { checkKey, newStats, type GetGrant, type ObjectInfo, type ObjectStore, type PutGrant, type SignedRequest } from './object-store.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix without leading or trailing '/'; '' for the bucket root. */
  prefix?: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** MaxKeys per ListObjectsV2 page (server default 1000); tests make it small to page. */
  listPageSize?: number;
}

function fail(what: string, e: unknown): never {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode ?? 0;
  const retryable = status === 0 || status >= 500 || status === 429;
  throw new AppError(retryable ? 'UNAVAILABLE' : 'INTERNAL', `s3 archive: ${what}: ${err.name ?? ''} ${err.message ?? String(e)}`.trim(), { cause: e, retryable });
}

function expiry(g: { expiresInS: number; now?: Date }): string {
  return new Date((g.now ?? new Date()).getTime() + g.expiresInS * 1000).toISOString();
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
}

export class S3ObjectStore implements ObjectStore {
  readonly stats = newStats();
  readonly location: string;
  readonly client: S3Client;
  /** Signs URLs only (never sends): without request checksums, which a presigned PUT cannot carry. */
  private readonly signer: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly listPageSize?: number;

  constructor(opts: S3ObjectStoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.listPageSize = opts.listPageSize;
    this.location = `s3://${this.bucket}/${this.prefix}`;
    const cfg: S3ClientConfig = { region: opts.region ?? 'us-east-1', forcePathStyle: opts.forcePathStyle ?? true, maxAttempts: 3 };
    if (opts.endpoint) cfg.endpoint = opts.endpoint;
    if (opts.credentials) cfg.credentials = opts.credentials;
    this.client = new S3Client(cfg);
    this.signer = new S3Client({ ...cfg, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  }

  private key(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async putFile(key: string, bytes: Uint8Array, opts: { contentType?: string } = {}): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: bytes, ContentLength: bytes.length, ContentType: opts.contentType }));
    } catch (e) {
      fail(`put ${key}`, e);
    }
    this.stats.bytesWritten += bytes.length;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return { size: res.ContentLength ?? 0, contentType: res.ContentType ?? null };
    } catch (e) {
      if (isMissing(e)) return null;
      fail(`head ${key}`, e);
    }
  }

  async signPut(key: string, g: PutGrant): Promise<SignedRequest> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), ContentLength: g.size, ContentType: g.contentType });
    const url = await this.presign(key, command, g, new Set(['content-type', 'content-length']));
    return { method: 'PUT', url, headers: { 'content-type': g.contentType }, expiresAt: expiry(g) };
  }

  async signGet(key: string, g: GetGrant): Promise<SignedRequest> {
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key), ResponseContentType: g.contentType, ResponseContentDisposition: g.disposition });
    return { method: 'GET', url: await this.presign(key, command, g), headers: {}, expiresAt: expiry(g) };
  }

  private async presign(key: string, command: PutObjectCommand | GetObjectCommand, g: { expiresInS: number; now?: Date }, signableHeaders?: Set<string>): Promise<string> {
    try {
      return await getSignedUrl(this.signer, command, { expiresIn: g.expiresInS, signingDate: g.now, signableHeaders });
    } catch (e) {
      fail(`sign ${key}`, e);
    }
  }

  private async get(key: string, range?: string): Promise<Uint8Array> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key), Range: range }));
    const bytes = await res.Body!.transformToByteArray();
    this.stats.reads++;
    this.stats.bytesRead += bytes.length;
    return bytes;
  }

  async readFile(key: string): Promise<Uint8Array | null> {
    try {
      return await this.get(key);
    } catch (e) {
      if (isMissing(e)) return null;
      fail(`read ${key}`, e);
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array(0);
    let bytes: Uint8Array;
    try {
      bytes = await this.get(key, `bytes=${start}-${end - 1}`);
    } catch (e) {
      fail(`read ${key} [${start}, ${end})`, e);
    }
    if (bytes.length !== end - start) fail(`read ${key}`, new Error(`range [${start}, ${end}) returned ${bytes.length} bytes`));
    return bytes;
  }

  async list(prefix: string): Promise<string[]> {
    const full = this.prefix ? `${this.prefix}/${prefix}` : prefix;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const out: string[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token, MaxKeys: this.listPageSize }));
        for (const o of res.Contents ?? []) if (o.Key) out.push(o.Key.slice(strip));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      fail(`list ${prefix}`, e);
    }
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
    } catch (e) {
      if (isMissing(e)) return;
      fail(`delete ${key}`, e);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
    this.signer.destroy();
  }
}

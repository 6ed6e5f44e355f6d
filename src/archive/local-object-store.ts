// ObjectStore over a local directory (the embedded default, ARCHIVE_URL unset → file:<DATA_DIR>/archive).
// putFile writes a temp file beside the target, fsyncs it, renames it over the target and fsyncs
// the directory: after a crash the key holds the old bytes or the new ones, never a torn file.
// Temp files start with '.tmp-' and never end in '.parquet', so analytics globs ignore leftovers.
// A content type given to putFile is kept beside the object in `.meta-<name>` (written first);
// list() skips every name that starts with '.' (keys never do: checkKey).
// Signed URLs: this store has no server of its own, so its signed URLs are Strata's:
// `<linkBase><key>?expires=…&size=…&type=…&sig=…` (default linkBase `/v1/`: the key
// `uploads/<id>` becomes `/v1/uploads/<id>`, the route of attachments/routes.ts, which hands the
// request to acceptSigned). `sig` is HMAC-SHA256 over the method, key, expiry and every granted
// parameter, with a 32-byte key generated into `<root>/.link-key` on first use: every process
// sharing the directory shares the key, and whoever can read the key can read the files anyway.
// A signed PUT is checked (signature, expiry, Content-Length, Content-Type) before its body is
// read; the body streams to a temp file, refused as soon as it passes the signed size, and is
// renamed over the object only once exactly that size arrived.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';
import { checkKey, newStats, type GetGrant, type ObjectInfo, type ObjectStore, type PutGrant, type SignedDownload, type SignedRequest, type SignedRequestIn } from './object-store.js';

export interface LocalObjectStoreOptions {
  /** Where Strata serves this store's signed URLs: the URL of key k is linkBase + k. */
  linkBase?: string;
}

type Query = Record<string, string | undefined>;

function fail(what: string, e: unknown): never {
  throw new AppError('UNAVAILABLE', `local archive: ${what}: ${(e as Error).message}`, { cause: e, retryable: true });
}

export class LocalObjectStore implements ObjectStore {
  readonly stats = newStats();
  readonly location: string;
  private readonly linkBase: string;
  private linkKey?: Promise<Buffer>;

  constructor(readonly root: string, opts: LocalObjectStoreOptions = {}) {
    this.root = path.resolve(root);
    this.location = `file:${this.root}`;
    this.linkBase = opts.linkBase ?? '/v1/';
  }

  private file(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  private metaFile(key: string): string {
    const f = this.file(key);
    return path.join(path.dirname(f), `.meta-${path.basename(f)}`);
  }

  async putFile(key: string, bytes: Uint8Array, opts: { contentType?: string } = {}): Promise<void> {
    const target = this.file(key);
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      if (opts.contentType !== undefined) await writeAtomically(this.metaFile(key), new TextEncoder().encode(opts.contentType));
      else await fs.rm(this.metaFile(key), { force: true });
      await writeAtomically(target, bytes);
    } catch (e) {
      fail(`put ${key}`, e);
    }
    this.stats.bytesWritten += bytes.length;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    let size: number;
    try {
      size = (await fs.stat(this.file(key))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      fail(`head ${key}`, e);
    }
    let contentType: string | null = null;
    try {
      contentType = await fs.readFile(this.metaFile(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail(`head ${key}`, e);
    }
    return { size, contentType };
  }

  signPut(key: string, g: PutGrant): Promise<SignedRequest> {
    return this.sign('PUT', key, g, { size: String(g.size), type: g.contentType }, { 'content-type': g.contentType });
  }

  signGet(key: string, g: GetGrant): Promise<SignedRequest> {
    return this.sign('GET', key, g, { type: g.contentType, disposition: g.disposition }, {});
  }

  private async sign(method: 'PUT' | 'GET', key: string, g: { expiresInS: number; now?: Date }, params: Query, headers: Record<string, string>): Promise<SignedRequest> {
    checkKey(key);
    const expires = Math.floor((g.now ?? new Date()).getTime() / 1000) + g.expiresInS;
    const granted: Query = { expires: String(expires), ...params };
    const query = new URLSearchParams();
    for (const name of SIGNED) if (granted[name] !== undefined) query.set(name, granted[name]);
    query.set('sig', await this.signature(method, key, granted));
    return { method, url: `${this.linkBase}${key.split('/').map(encodeURIComponent).join('/')}?${query}`, headers, expiresAt: new Date(expires * 1000).toISOString() };
  }

  private async signature(method: string, key: string, q: Query): Promise<string> {
    const payload = ['strata-link-v1', method, key, ...SIGNED.map((n) => q[n] ?? '')].join('\n');
    return createHmac('sha256', await this.secret()).update(payload).digest('base64url');
  }

  /** The HMAC key, created once per directory (two processes racing: the first link wins). */
  private secret(): Promise<Buffer> {
    this.linkKey ??= (async () => {
      const file = path.join(this.root, '.link-key');
      try {
        return Buffer.from(await fs.readFile(file, 'utf8'), 'base64url');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      await fs.mkdir(this.root, { recursive: true });
      const tmp = path.join(this.root, `.tmp-link-key-${randomBytes(4).toString('hex')}`);
      await fs.writeFile(tmp, randomBytes(32).toString('base64url'), { mode: 0o600 });
      try {
        await fs.link(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        await fs.rm(tmp, { force: true });
      }
      return Buffer.from(await fs.readFile(file, 'utf8'), 'base64url');
    })().catch((e) => {
      this.linkKey = undefined;
      fail('link key', e);
    });
    return this.linkKey;
  }

  async checkSigned(method: 'PUT' | 'GET', key: string, q: Query, req: Omit<SignedRequestIn, 'body'>): Promise<void> {
    const invalid = (why: string) => new AppError('SIGNED_URL_INVALID', `signed URL ${why}`);
    const expires = Number(q.expires);
    if (!q.sig || !q.expires || !/^\d{1,12}$/.test(q.expires)) throw invalid('is incomplete');
    const want = Buffer.from(await this.signature(method, key, q));
    const got = Buffer.from(q.sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw invalid('is not valid for this request');
    if (expires * 1000 < Date.now()) throw invalid('has expired');
    if (method !== 'PUT') return;
    if (q.size === undefined || q.type === undefined) throw invalid('grants no upload');
    if (req.contentLength !== undefined && req.contentLength !== Number(q.size)) throw new AppError('UPLOAD_MISMATCH', `the body is ${req.contentLength} bytes; the URL is for exactly ${q.size}`);
    if ((req.contentType ?? '').trim().toLowerCase() !== q.type) throw new AppError('UPLOAD_MISMATCH', `content-type ${JSON.stringify(req.contentType ?? '')}; the URL is for ${q.type}`);
  }

  async acceptSigned(method: 'PUT' | 'GET', key: string, q: Query, req: SignedRequestIn): Promise<SignedDownload | null> {
    await this.checkSigned(method, key, q, req);
    if (method === 'PUT') {
      const size = Number(q.size);
      const body = req.body ?? new Uint8Array(0);
      const target = this.file(key);
      try {
        await fs.mkdir(path.dirname(target), { recursive: true });
      } catch (e) {
        fail(`put ${key}`, e);
      }
      const wrap = (e: unknown) => {
        if (e instanceof AppError) throw e;
        fail(`put ${key}`, e);
      };
      // the bytes first, so a refused body changes nothing; the type (the same for every PUT of
      // one signed URL) after: a crash between them leaves no type, which a send refuses as UPLOAD_MISMATCH
      await writeAtomically(target, body, size).catch(wrap);
      await writeAtomically(this.metaFile(key), new TextEncoder().encode(q.type)).catch(wrap);
      this.stats.bytesWritten += size;
      return null;
    }
    const [bytes, info] = [await this.readFile(key), await this.head(key)];
    if (!bytes) throw new AppError('NOT_FOUND', 'the object is gone');
    return { bytes, contentType: q.type || info?.contentType || 'application/octet-stream', disposition: q.disposition || null };
  }

  async readFile(key: string): Promise<Uint8Array | null> {
    let buf: Buffer;
    try {
      buf = await fs.readFile(this.file(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      fail(`read ${key}`, e);
    }
    this.stats.reads++;
    this.stats.bytesRead += buf.length;
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }

  async readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    const out = new Uint8Array(Math.max(0, end - start));
    try {
      const fh = await fs.open(this.file(key), 'r');
      try {
        let got = 0;
        while (got < out.length) {
          const { bytesRead } = await fh.read(out, got, out.length - got, start + got);
          if (bytesRead === 0) throw new Error(`short read at ${start + got}`);
          got += bytesRead;
        }
      } finally {
        await fh.close();
      }
    } catch (e) {
      fail(`read ${key} [${start}, ${end})`, e);
    }
    this.stats.reads++;
    this.stats.bytesRead += out.length;
    return out;
  }

  async list(prefix: string): Promise<string[]> {
    // S3 semantics: a prefix need not end at a '/', so walk its deepest complete directory.
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1).replace(/\/+$/, '');
    const dir = base ? this.file(base) : this.root;
    let entries: string[];
    try {
      entries = (await fs.readdir(dir, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile() && !d.name.startsWith('.'))
        .map((d) => path.relative(this.root, path.join(d.parentPath, d.name)).split(path.sep).join('/'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      fail(`list ${prefix}`, e);
    }
    return entries.filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await fs.rm(this.file(key), { force: true });
      await fs.rm(this.metaFile(key), { force: true });
    } catch (e) {
      fail(`delete ${key}`, e);
    }
  }

  async close(): Promise<void> {}
}

/** The parameters a signature covers, in order. */
const SIGNED = ['expires', 'size', 'type', 'disposition'] as const;

/**
 * Temp file beside the target, fsync, rename over it, fsync the directory: old bytes or new ones,
 * never torn. With `size`, the body must be exactly that many bytes: UPLOAD_MISMATCH as soon as
 * it passes it (the rest is not read) or when it ends short, and the target is left as it was.
 */
async function writeAtomically(target: string, body: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, size?: number): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.tmp-${path.basename(target)}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      let got = 0;
      for await (const chunk of body instanceof Uint8Array ? [body] : body) {
        got += chunk.length;
        if (size !== undefined && got > size) throw new AppError('UPLOAD_MISMATCH', `the body is more than ${size} bytes; the URL is for exactly ${size}`);
        await fh.write(chunk);
      }
      if (size !== undefined && got !== size) throw new AppError('UPLOAD_MISMATCH', `the body is ${got} bytes; the URL is for exactly ${size}`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
    const dh = await fs.open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

// ObjectStore over a local directory (the embedded default, ARCHIVE_URL unset → file:<DATA_DIR>/archive).
// putFile writes a temp file beside the target, fsyncs it, renames it over the target and fsyncs
// the directory: after a crash the key holds the old bytes or the new ones, never a torn file.
// Temp files start with '.tmp-' and never end in '.parquet', so analytics globs ignore leftovers.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { checkKey, newStats, type ObjectStore } from './object-store.js';

function fail(what: string, e: unknown): never {
  throw new AppError('UNAVAILABLE', `local archive: ${what}: ${(e as Error).message}`, { cause: e, retryable: true });
}

export class LocalObjectStore implements ObjectStore {
  readonly stats = newStats();
  readonly location: string;

  constructor(readonly root: string) {
    this.root = path.resolve(root);
    this.location = `file:${this.root}`;
  }

  private file(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async putFile(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.file(key);
    const dir = path.dirname(target);
    const tmp = path.join(dir, `.tmp-${path.basename(target)}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.mkdir(dir, { recursive: true });
      const fh = await fs.open(tmp, 'w');
      try {
        await fh.writeFile(bytes);
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
      fail(`put ${key}`, e);
    }
    this.stats.bytesWritten += bytes.length;
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
        .filter((d) => d.isFile() && !d.name.startsWith('.tmp-'))
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
    } catch (e) {
      fail(`delete ${key}`, e);
    }
  }

  async close(): Promise<void> {}
}

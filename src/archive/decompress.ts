// Page decompressors for hyparquet, which only knows SNAPPY itself. Node gains a native zstd in
// 22.15 / 23.8 (zlib.zstdDecompressSync). On Node 20 ZSTD pages fall back to the `zstd` command
// (Debian package zstd) run synchronously per page, because hyparquet's decompressor hook is
// synchronous: measured ~100 ms per 50-message page, all of it blocking the event loop. That is
// why parquet.ts writes GZIP (decoded natively, ~2.4 ms per page, files ~13 % larger) unless
// native zstd exists. A pure-JS decoder (npm fzstd) would make ZSTD cheap on Node 20 too.
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import type { Compressors } from 'hyparquet';

type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;

const nativeZstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;

function viaCli(input: Uint8Array): Uint8Array {
  const r = spawnSync('zstd', ['-d', '-c', '-q'], { input, maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`zstd decompression needs Node ≥ 22.15 or the zstd command (apt-get install zstd): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`zstd -d failed: ${r.stderr.toString().trim()}`);
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length);
}

const zstd: Decompress = (input) => {
  if (nativeZstd) {
    const b = nativeZstd(input);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
  return viaCli(input);
};

const gzip: Decompress = (input) => {
  const b = zlib.gunzipSync(input);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};

const brotli: Decompress = (input) => {
  const b = zlib.brotliDecompressSync(input);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};

export const compressors: Compressors = { ZSTD: zstd, GZIP: gzip, BROTLI: brotli };

export const hasNativeZstd = nativeZstd !== undefined;
export const zstdBackend = hasNativeZstd ? 'node:zlib' : 'zstd command';

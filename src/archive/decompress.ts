// Page decompressors for hyparquet, which only knows SNAPPY itself. Archive files are ZSTD.
// Node gains a native zstd in 22.15 / 23.8 (zlib.zstdDecompressSync); on Node 20 the fallback
// is the `zstd` command (Debian package zstd) run synchronously per page, because hyparquet's
// decompressor hook is synchronous. That costs a process start (~5–10 ms) per page: a pure-JS
// decoder (the npm package fzstd) would remove it — see the archive's closing note.
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

export const zstdBackend = nativeZstd ? 'node:zlib' : 'zstd command';

// Page decompressors for hyparquet, which only knows SNAPPY itself. ZSTD (what parquet.ts
// writes): node:zlib's native zstd where Node has it (≥ 22.15 / 23.8), else fzstd, a pure-JS
// decoder. hyparquet's decompressor hook is synchronous, so the decoder runs on the event loop.
// Measured on Node 20 (200k rows, random 50-message pages from a local archive, 350 warm pages):
// ZSTD via fzstd p50 2.3–2.9 ms, p95 4.5–5.9 ms; GZIP via zlib p50 2.0–2.4 ms, p95 4.6–5.3 ms;
// the first ZSTD page of a process pays ~40 ms of fzstd warm-up. The earlier fallback, the `zstd`
// command per page, cost p50 142 ms. ZSTD files are ~12 % smaller, so ZSTD is written everywhere.
// GZIP and BROTLI stay readable for files written before the switch.
import zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import type { Compressors } from 'hyparquet';

type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;

const nativeZstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;

const zstd: Decompress = (input) => {
  if (nativeZstd) {
    const b = nativeZstd(input);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
  // No output buffer passed: fzstd's preallocated-buffer path mishandles multi-frame input.
  return fzstdDecompress(input);
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
export const zstdBackend = hasNativeZstd ? 'node:zlib' : 'fzstd (pure JS)';

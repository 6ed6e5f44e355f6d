// Page decompressors for hyparquet, which only knows SNAPPY itself. ZSTD (what parquet.ts
// writes): node:zlib's native zstdDecompressSync where the runtime has it (Node 22 from 22.15,
// 23.8 on, 24), else fzstd, a pure-JS decoder kept for Node 20 and older 22s. hyparquet's
// decompressor hook is synchronous, so the async zlib.zstdDecompress cannot serve it and either
// decoder runs on the event loop. decompress.test.ts checks both on the same frames and on a
// DuckDB-written ZSTD file wherever both exist.
// Measured on Node 20 (200k rows, random 50-message pages from a local archive, 350 warm pages):
// ZSTD via fzstd p50 2.3–2.9 ms, p95 4.5–5.9 ms; GZIP via zlib p50 2.0–2.4 ms, p95 4.6–5.3 ms;
// the first ZSTD page of a process pays ~40 ms of fzstd warm-up. The earlier fallback, the `zstd`
// command per page, cost p50 142 ms. ZSTD files are ~12 % smaller, so ZSTD is written everywhere.
// GZIP and BROTLI stay readable for files written before the switch.
import zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import type { Compressors } from 'hyparquet';

export type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;

// Not in @types/node 20, hence the cast.
const nativeZstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;

/** fzstd, the pure-JS fallback. No output buffer passed: its preallocated-buffer path
 * mishandles multi-frame input. */
export const zstdFzstd: Decompress = (input) => fzstdDecompress(input);

/** node:zlib's ZSTD decoder; undefined on a Node without it (20, 22 before 22.15). Node 22's
 * (22.23.5 here) stops after the first frame of a multi-frame input (nodejs/node#64741; 24
 * decodes them all): a page that comes out shorter than its header says is decoded by fzstd
 * instead. DuckDB writes one frame per page, so that costs nothing on our own files. */
export const zstdNative: Decompress | undefined = nativeZstd
  ? (input, outputLength) => {
      const b = nativeZstd(input);
      if (b.length < outputLength) return zstdFzstd(input, outputLength);
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
  : undefined;

const zstd: Decompress = zstdNative ?? zstdFzstd;

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

// Page decompressors for hyparquet, which only knows SNAPPY itself. ZSTD (what parquet.ts
// writes): node:zlib's native zstd where Node has it (≥ 22.15 / 23.8), else fzstd, a pure-JS
// decoder. hyparquet's decompressor hook is synchronous, so the decoder runs on the event loop:
// measured with bench/archive-bench.ts (200k rows, 50-message pages, Node 20) fzstd decodes a
// page as fast as zlib gunzips the GZIP one (both a few ms per page, all of it footer + row-group
// fetch and column decode); the earlier fallback, the `zstd` command per page, cost ~100 ms.
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

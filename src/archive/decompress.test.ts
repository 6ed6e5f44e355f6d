// Both ZSTD decoders of decompress.ts — node:zlib's (Node ≥ 22.15) and fzstd (everywhere) —
// on a fixed two-frame buffer and on a Parquet file DuckDB writes with ZSTD pages, as
// parquet.ts does. Where the runtime has no native decoder (Node 20), the suite proves that and
// that fzstd is used instead; CI runs it on Node 20, 22 and 24, so every decoder is exercised.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { compressors, type Decompress, zstdBackend, zstdFzstd, zstdNative } from './decompress.js';

// Two concatenated zstd frames (written by Node 24's zlib.zstdCompressSync): 344 bytes of text,
// then 64 bytes that did not compress (a raw block).
const FRAMES = Buffer.from(
  'KLUv/WBYAKUBALQCU3RyYXRhIGtlZXBzIGV2ZXJ5IG1lc3NhZ2UgaW4gdGhyZWUgdGllcnMuIAEAU3GqKgMotS/9IEABAgAAJUpvlLneAyhNcpe84QYrUHWav+QJLlN4ncLnDDFWe6DF6g80WX6jyO0SN1yBpsvwFTpfhKnO8xg9Yoes0fYb',
  'base64',
);
const PLAIN = Buffer.concat([
  Buffer.from('Strata keeps every message in three tiers. '.repeat(8)),
  Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) & 255)),
]);

const hasNative = typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';
const decoders: [string, Decompress | undefined][] = [
  ['fzstd', zstdFzstd],
  ['node:zlib', zstdNative],
];

describe('ZSTD page decoders', () => {
  it('uses node:zlib where the runtime has it, fzstd elsewhere', () => {
    expect(zstdNative !== undefined).toBe(hasNative);
    expect(zstdBackend).toBe(hasNative ? 'node:zlib' : 'fzstd (pure JS)');
    expect(compressors.ZSTD).toBe(hasNative ? zstdNative : zstdFzstd);
  });

  if (!hasNative) {
    it('this runtime has no native ZSTD decoder (Node < 22.15), so only fzstd is exercised here', () => {
      const [major, minor] = process.versions.node.split('.').map(Number);
      expect(major < 22 || (major === 22 && minor < 15)).toBe(true);
    });
  }

  for (const [name, decode] of decoders.filter(([, d]) => d !== undefined)) {
    describe(name, () => {
      it('decodes a known two-frame buffer', () => {
        expect(Buffer.from(decode!(FRAMES, PLAIN.length))).toEqual(PLAIN);
      });

      it('reads a Parquet file DuckDB wrote with ZSTD pages', async () => {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-zstd-'));
        const file = path.join(dir, 'm.parquet');
        const db = await DuckDBInstance.create(':memory:');
        const con = await db.connect();
        try {
          await con.run(`copy (select i::bigint as seq, 'message ' || i || ' ' || repeat('é✓', i % 7) as text
            from range(5000) t(i)) to '${file}' (format parquet, compression zstd, row_group_size 2000)`);
          const bytes = await fs.readFile(file);
          const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
          const codecs = parquetMetadata(buf).row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec));
          expect(new Set(codecs)).toEqual(new Set(['ZSTD']));
          const rows = await parquetReadObjects({ file: buf, compressors: { ZSTD: decode! } });
          expect(rows).toHaveLength(5000);
          for (const i of [0, 1, 1999, 2000, 4999]) {
            expect(rows[i]).toEqual({ seq: BigInt(i), text: `message ${i} ${'é✓'.repeat(i % 7)}` });
          }
        } finally {
          con.closeSync();
          db.closeSync();
          await fs.rm(dir, { recursive: true, force: true });
        }
      });
    });
  }

  if (hasNative) it('the runtime decodes every frame, or only the first (Node 22), which zstdNative makes up for', () => {
    const raw = (zlib as unknown as { zstdDecompressSync: (b: Uint8Array) => Buffer }).zstdDecompressSync(FRAMES);
    expect([PLAIN.length, 344]).toContain(raw.length);
    expect(raw.equals(PLAIN.subarray(0, raw.length))).toBe(true);
  });

  if (hasNative) it('fzstd decodes what node:zlib compresses (1 MiB, mixed content)', () => {
    const z = zlib as unknown as { zstdCompressSync: (b: Uint8Array) => Buffer };
    const plain = Buffer.alloc(1 << 20);
    for (let i = 0; i < plain.length; i++) plain[i] = i % 4096 < 2048 ? (i * 2654435761) >>> 27 : 97 + (i % 13);
    const packed = z.zstdCompressSync(plain);
    expect(Buffer.from(zstdFzstd(packed, plain.length)).equals(plain)).toBe(true);
    expect(Buffer.from(zstdNative!(packed, plain.length)).equals(plain)).toBe(true);
  });
});

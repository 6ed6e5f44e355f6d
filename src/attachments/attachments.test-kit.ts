// Bytes for attachment tests: a real PNG of any size, and byte strings built from parts.
import { deflateSync } from 'node:zlib';

/** Bytes from parts: numbers, latin-1 strings, byte arrays. */
export const bytes = (...parts: (number[] | string | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : [...p])));
export const be32 = (n: number) => [(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b: Uint8Array) => {
  let c = 0xffffffff;
  for (const x of b) c = CRC[(c ^ x) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** A real PNG of w×h grey pixels (any decoder reads it). */
export function png(w: number, h: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => bytes(be32(data.length), type, data, be32(crc32(bytes(type, data))));
  const raw = new Uint8Array(h * (w + 1)).fill(128);
  for (let y = 0; y < h; y++) raw[y * (w + 1)] = 0;
  return bytes('\x89PNG\r\n\x1a\n', chunk('IHDR', bytes(be32(w), be32(h), [8, 0, 0, 0, 0])), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
}

import { describe, expect, it } from 'vitest';
import { be32, bytes, png } from './attachments.test-kit.js';
import { imageInfo } from './image-size.js';

const be16 = (n: number) => [n >> 8, n & 255];
const le16 = (n: number) => [n & 255, n >> 8];
const le24 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255];

describe('imageInfo', () => {
  it('reads type and size from PNG, GIF, JPEG (SOF after APPn blocks), WebP (VP8, VP8L, VP8X) and AVIF headers', () => {
    expect(imageInfo(png(640, 3))).toEqual({ type: 'image/png', width: 640, height: 3 });
    expect(imageInfo(bytes('GIF89a', le16(300), le16(200), [0, 0, 0]))).toEqual({ type: 'image/gif', width: 300, height: 200 });
    const app1 = bytes([0xff, 0xe1], be16(2 + 70_000 % 65_000), new Uint8Array(5_000));
    const jpeg = bytes([0xff, 0xd8], [0xff, 0xe0], be16(16), 'JFIF\0', new Uint8Array(9), app1, [0xff, 0xff], [0xff, 0xdb], be16(3), [0], [0xff, 0xc2], be16(17), [8], be16(1080), be16(1920), [3], new Uint8Array(9), [0xff, 0xda]);
    expect(imageInfo(jpeg)).toEqual({ type: 'image/jpeg', width: 1920, height: 1080 });
    expect(imageInfo(jpeg.subarray(0, 40))).toEqual({ type: 'image/jpeg', width: null, height: null }); // SOF beyond what was read
    expect(imageInfo(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ', [0, 0, 0, 0], [0, 0, 0], [0x9d, 0x01, 0x2a], le16(400), le16(301)))).toEqual({ type: 'image/webp', width: 400, height: 301 });
    const w = 1000 - 1, h = 750 - 1; // VP8L stores size − 1 in 14-bit fields
    const vp8l = [0x2f, w & 0xff, ((w >> 8) & 0x3f) | ((h & 0x3) << 6), (h >> 2) & 0xff, (h >> 10) & 0x0f];
    expect(imageInfo(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8L', [0, 0, 0, 0], vp8l))).toEqual({ type: 'image/webp', width: 1000, height: 750 });
    expect(imageInfo(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8X', [10, 0, 0, 0], [0, 0, 0, 0], le24(4095), le24(2047)))).toEqual({ type: 'image/webp', width: 4096, height: 2048 });
    expect(imageInfo(bytes([0, 0, 0, 28], 'ftypavif', [0, 0, 0, 0], 'mif1miaf', [0, 0, 0, 20], 'ispe', [0, 0, 0, 0], be32(1200), be32(800)))).toEqual({ type: 'image/avif', width: 1200, height: 800 });
  });

  it('knows nothing of other bytes: text, a PDF, truncated or empty headers', () => {
    expect(imageInfo(bytes('hello'))).toBeNull();
    expect(imageInfo(bytes('%PDF-1.7'))).toBeNull();
    expect(imageInfo(new Uint8Array(0))).toBeNull();
    expect(imageInfo(bytes('\x89PNG\r\n\x1a\n'))).toEqual({ type: 'image/png', width: null, height: null });
    expect(imageInfo(bytes('GIF89a', [1, 0]))).toEqual({ type: 'image/gif', width: null, height: null });
  });
});

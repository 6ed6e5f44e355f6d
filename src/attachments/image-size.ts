// What an image's first bytes say it is: its type and pixel size, read from the header alone
// (PNG IHDR, GIF logical screen, JPEG SOFn, WebP VP8/VP8L/VP8X, AVIF ispe). A send reads the
// first SNIFF_BYTES of an uploaded image: the declared type must be the one the bytes are, and
// width/height come from here, never from the client.

/** The image types whose header is read; an upload declaring one of them must be one. */
export const SNIFFED_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif'] as const;
export type SniffedType = (typeof SNIFFED_TYPES)[number];

/** How much of the file is read: enough for a JPEG whose SOF follows a large EXIF block. */
export const SNIFF_BYTES = 256 * 1024;

export interface ImageInfo {
  type: SniffedType;
  /** Null when the header that carries it is beyond the bytes read (or absent). */
  width: number | null;
  height: number | null;
}

const ascii = (b: Uint8Array, at: number, s: string) => s.split('').every((c, i) => b[at + i] === c.charCodeAt(0));
const u16be = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
const u16le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u24le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
const u32be = (b: Uint8Array, at: number) => ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
const size = (w: number | null, h: number | null) => (w && h ? { width: w, height: h } : { width: null, height: null });

export function imageInfo(b: Uint8Array): ImageInfo | null {
  if (b.length >= 8 && ascii(b, 0, '\x89PNG\r\n\x1a\n')) {
    return { type: 'image/png', ...(b.length >= 24 && ascii(b, 12, 'IHDR') ? size(u32be(b, 16), u32be(b, 20)) : size(null, null)) };
  }
  if (b.length >= 6 && (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a'))) {
    return { type: 'image/gif', ...(b.length >= 10 ? size(u16le(b, 6), u16le(b, 8)) : size(null, null)) };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { type: 'image/jpeg', ...jpegSize(b) };
  if (b.length >= 12 && ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return { type: 'image/webp', ...webpSize(b) };
  if (b.length >= 12 && ascii(b, 4, 'ftyp') && (ascii(b, 8, 'avif') || ascii(b, 8, 'avis'))) return { type: 'image/avif', ...avifSize(b) };
  return null;
}

function jpegSize(b: Uint8Array) {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) break;
    const marker = b[i + 1];
    if (marker === 0xff) { // fill byte
      i++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { // no length
      i += 2;
      continue;
    }
    // SOF0..SOF15, but not DHT (C4), JPG (C8) or DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return i + 9 <= b.length ? size(u16be(b, i + 7), u16be(b, i + 5)) : size(null, null);
    }
    if (marker === 0xda || marker === 0xd9) break; // image data or end: no SOF before it
    i += 2 + u16be(b, i + 2);
  }
  return size(null, null);
}

function webpSize(b: Uint8Array) {
  if (b.length >= 30 && ascii(b, 12, 'VP8 ')) return size(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  if (b.length >= 25 && ascii(b, 12, 'VP8L')) {
    const [b0, b1, b2, b3] = [b[21], b[22], b[23], b[24]];
    return size(1 + (((b1 & 0x3f) << 8) | b0), 1 + (((b3 & 0x0f) << 10) | (b2 << 2) | ((b1 & 0xc0) >> 6)));
  }
  if (b.length >= 30 && ascii(b, 12, 'VP8X')) return size(1 + u24le(b, 24), 1 + u24le(b, 27));
  return size(null, null);
}

function avifSize(b: Uint8Array) {
  // the first image spatial extents property: 'ispe', version/flags, width, height
  for (let i = 4; i + 16 <= b.length; i++) {
    if (ascii(b, i, 'ispe')) return size(u32be(b, i + 8), u32be(b, i + 12));
  }
  return size(null, null);
}

// The opaque page cursors of lists ordered newest first (threads, mentions, search): fields
// joined by newlines, base64url. Decoding checks every field's shape, so a crafted cursor is a
// clear VALIDATION_FAILED and never reaches the database (a non-time in a timestamptz
// comparison, a seq past bigint).
import { AppError } from '../errors.js';

export type Field = 'time' | 'id' | 'seq' | 'number' | `=${string}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(parts.join('\n'), 'utf8').toString('base64url');
}

/** The fields, each checked: `time` canonical ISO-8601, `id` a UUID, `seq` a safe integer ≥ 1, `number` finite, `=x` exactly x. */
export function decodeCursor(cursor: string, shape: Field[]): string[] {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('\n');
  const ok = parts.length === shape.length && shape.every((f, i) => valid(f, parts[i]));
  if (!ok) throw new AppError('VALIDATION_FAILED', 'cursor is not one this server gave for this list');
  return parts;
}

function valid(f: Field, v: string): boolean {
  switch (f) {
    case 'time': {
      const t = Date.parse(v);
      return !Number.isNaN(t) && new Date(t).toISOString() === v;
    }
    case 'id': return UUID.test(v);
    case 'seq': return /^[1-9]\d{0,15}$/.test(v) && Number.isSafeInteger(Number(v));
    case 'number': return v !== '' && Number.isFinite(Number(v));
    default: return v === f.slice(1);
  }
}

/** An ISO-8601 time from a request, canonical (as stored); VALIDATION_FAILED for one that names no instant. */
export function canonicalTime(v: string, name: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new AppError('VALIDATION_FAILED', `${name} is not a time: ${JSON.stringify(v)}`);
  return new Date(t).toISOString();
}

// Unique names for test isolation on shared servers: a PostgreSQL schema, a key prefix.
import { randomBytes } from 'node:crypto';

export function uniqueName(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

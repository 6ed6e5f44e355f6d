// The one translator from native SQL errors (pg, better-sqlite3) to AppError, used by every SQL
// adapter at its boundary: connection failures, resource exhaustion, shutdown and SQLite lock
// contention are UNAVAILABLE (retryable: the persist worker retries forever, REST answers 503);
// anything else is INTERNAL, keeps its cause, and is not retried.
import { AppError } from '../../errors.js';

// connection exception, insufficient resources, shutdown, deadlock / serialization failure (the
// archiver's row locks against a persist batch's updates): all pass when tried again
const RETRYABLE_PG = /^(08|53|57P0|40P01|40001)/;
const RETRYABLE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'SQLITE_BUSY'];

export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  if (code === '40P01' || code === '40001') {
    return new AppError('UNAVAILABLE', 'warm store busy: a transaction conflicted with another (deadlock or serialization failure); retry', { cause: e, retryable: true });
  }
  if (RETRYABLE_PG.test(code) || RETRYABLE_CODES.includes(code) || /terminat|Connection|connect/i.test(err.message ?? '')) {
    return new AppError('UNAVAILABLE', 'warm store unreachable', { cause: e, retryable: true });
  }
  return new AppError('INTERNAL', `warm store: ${err.message ?? String(e)}`, { cause: e, retryable: false });
}

export function translate(e: unknown): never {
  throw toAppError(e);
}

/** Runs a store call, translating whatever it throws. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    translate(e);
  }
}

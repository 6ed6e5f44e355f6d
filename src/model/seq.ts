// Positions (seq, cursors) as they enter the API: integers from `min` to 2^53−1. JSON.parse
// turns 1e400 into Infinity, which a plain integer schema lets through; the maximum refuses it
// (and anything a JavaScript number cannot hold exactly), so no frame or page is ever built
// around a number JSON cannot carry.
import { Type } from '@sinclair/typebox';

export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export const SeqT = (minimum: 0 | 1, opts: { description?: string } = {}) => Type.Integer({ minimum, maximum: MAX_SEQ, ...opts });

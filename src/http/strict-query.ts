// Query strings carry numbers as text, and the validator coerces generously: `0x10`, ` 1`,
// `1e3`, `Infinity` would all become numbers. An integer query parameter must be written in
// plain decimal digits (its range is then the schema's: e.g. at most 2^53−1 for a seq).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

const DIGITS = /^(0|[1-9][0-9]*)$/;

export function installStrictQueryNumbers(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema?.querystring as { properties?: Record<string, { type?: string }> } | undefined;
    if (!schema?.properties) return;
    const q = (req.query ?? {}) as Record<string, unknown>;
    for (const [k, p] of Object.entries(schema.properties)) {
      const v = q[k];
      if (p.type !== 'integer' || v === undefined) continue;
      if (typeof v !== 'string' || !DIGITS.test(v)) throw new AppError('VALIDATION_FAILED', `querystring.${k} must be a whole number written in decimal digits`);
    }
  });
}

// Translates every error into application/problem+json {type, title, status, code, detail}.
// The only place (with the WS gateway) where AppError meets the wire.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorCodes, type ErrorCode } from '../errors.js';

export function problemBody(code: ErrorCode, detail: string) {
  const e = errorCodes[code];
  return { type: `https://strata.dev/errors/${code.toLowerCase().replace(/_/g, '-')}`, title: e.title, status: e.status, code, detail };
}

/** Seconds to wait before a retry: the error's own, else 1 for every 503 (a tier is briefly unreachable). */
export function retryAfterOf(err: AppError): number | undefined {
  const s = err.retryAfterS ?? (err.status === 503 ? 1 : undefined);
  return s === undefined ? undefined : Math.max(1, Math.ceil(s));
}

export function sendProblem(reply: FastifyReply, err: AppError) {
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.code(err.status).type('application/problem+json').send({ ...problemBody(err.code, err.message), ...err.extra });
}

interface AjvErr {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Maps fastify's native errors (parser, validation, limits) onto our codes. */
export function toAppError(err: FastifyError & { validation?: AjvErr[]; validationContext?: string }): AppError {
  if (err instanceof AppError) return err;
  if (err.validation) {
    const v = err.validation[0];
    const where = `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`;
    const field = v.keyword === 'required' ? `${where}.${String(v.params?.missingProperty)}` : where;
    if (err.validationContext === 'params' && /id$/i.test(v.instancePath) && (v.keyword === 'format' || v.keyword === 'pattern')) {
      return new AppError('INVALID_ID', `${field} is not a valid id`);
    }
    if (v.keyword === 'maxLength' && v.instancePath === '/text') return new AppError('TEXT_TOO_LONG', `text is longer than ${String(v.params?.limit)} characters`);
    if (v.keyword === 'format' && v.params?.format === 'uuid') return new AppError('INVALID_ID', `${field} is not a valid UUID`);
    if (v.keyword === 'additionalProperties') return new AppError('VALIDATION_FAILED', `${where} has an unknown field "${String(v.params?.additionalProperty)}"`);
    return new AppError('VALIDATION_FAILED', `${field} ${v.message ?? 'is invalid'}`);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('BAD_JSON', err.message);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('VALIDATION_FAILED', err.message);
  }
  if (err.statusCode === 400) return new AppError('BAD_JSON', err.message);
  if (err.statusCode === 413) return new AppError('BODY_TOO_LARGE', err.message);
  return new AppError('INTERNAL', 'internal error', { cause: err });
}

/** Fastify's router errors (fastify option `frameworkErrors`): answered in our format, never echoing the URL. */
export function frameworkErrors(error: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendProblem(reply, new AppError('URI_TOO_LONG', 'a path segment is longer than 100 characters'));
  if (error.code === 'FST_ERR_BAD_URL') return sendProblem(reply, new AppError('BAD_URL', 'the URL cannot be decoded'));
  return sendProblem(reply, toAppError(error));
}

export function installProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const err = toAppError(error);
    if (err.status >= 500) request.log.error({ err: error, code: err.code }, 'request failed');
    return sendProblem(reply, err);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));

  // Strict JSON: invalid UTF-8 is an error, not silently replaced characters.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // JSON only: without this, fastify's text/plain parser turns a text body into a 400 instead of 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    if (body.length === 0) return done(new AppError('BAD_JSON', 'body is empty'), undefined);
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      return done(new AppError('BAD_JSON', 'body is not valid UTF-8'), undefined);
    }
    try {
      const value = JSON.parse(text, (k, v) => (k === '__proto__' ? undefined : v));
      done(null, value);
    } catch (e) {
      done(new AppError('BAD_JSON', `body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
}

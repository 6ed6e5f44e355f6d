// The WebSocket protocol as AsyncAPI 3.0 (docs/asyncapi.yaml), served beside the OpenAPI
// document: GET /docs/asyncapi.yaml, public like the rest of /docs. The file is read once, when
// the route is registered; if it is missing (a trimmed install) the server still starts and the
// route answers 404 NOT_FOUND.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { sendProblem } from './problem.js';

export const ASYNCAPI_PATH = '/docs/asyncapi.yaml';

const DOCUMENT = fileURLToPath(new URL('../../docs/asyncapi.yaml', import.meta.url));

export function asyncApiRoute(app: FastifyInstance, file: string = DOCUMENT): void {
  let body: string | undefined;
  try {
    body = fs.readFileSync(file, 'utf8');
  } catch (err) {
    app.log.warn({ err, file }, 'AsyncAPI document not found; GET /docs/asyncapi.yaml answers 404');
  }
  app.get(ASYNCAPI_PATH, { schema: { hide: true } }, async (_req, reply) => {
    if (body === undefined) return sendProblem(reply, new AppError('NOT_FOUND', 'the AsyncAPI document is not installed on this server'));
    return reply.type('application/yaml; charset=utf-8').header('cache-control', 'no-cache').send(body);
  });
}

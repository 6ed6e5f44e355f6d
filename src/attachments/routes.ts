// HTTP routes of attachments (docs/attachments.md):
//   POST /v1/conversations/{id}/uploads   a member declares a file: its id and signed PUT URL
//   GET  /v1/attachments/{id}             a member: 302 to a short-lived signed download URL
//                                         (?redirect=false: the URL as JSON instead)
//   PUT  /v1/uploads/{id}?…               the embedded store's signed upload URL (no token: the
//   GET  /v1/uploads/{id}?…               signature is the permission), and its download URL
//                                         (the PUT body is never buffered: checked before it is
//                                         read, streamed to the store, cut off past the signed size)
// URLs the object store hands out as paths (the embedded store) are made absolute against the
// request's own origin (X-Forwarded-Proto/-Host behind a proxy), so a client uses every URL as given.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { ConversationParams } from '../conversations/schemas.js';
import type { AttachmentService } from './service.js';

export const UploadBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f/\\\\]+$', description: 'the file name shown to members (no path, no control characters)' }),
  size: Type.Integer({ minimum: 1, description: 'exactly the bytes that will be PUT; at most UPLOAD_MAX_BYTES' }),
  content_type: Type.String({ minLength: 3, maxLength: 255, description: 'type/subtype, one of UPLOAD_TYPES; the PUT must carry it as its Content-Type' }),
}, { additionalProperties: false });
export type UploadBody = Static<typeof UploadBody>;

export const UploadTicketT = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the upload id a send names in `attachments`' }),
  conversation_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  size: Type.Integer(),
  content_type: Type.String({ description: 'as declared, in lower case' }),
  upload: Type.Object({
    method: Type.Literal('PUT'),
    url: Type.String({ description: 'where to PUT the bytes: a presigned S3 URL, or the embedded store\'s signed Strata URL; no Authorization header' }),
    headers: Type.Object({ 'content-type': Type.String() }, { additionalProperties: true, description: 'send exactly these headers (and `size` bytes)' }),
    expires_at: Type.String({ format: 'date-time' }),
  }),
}, { $id: 'UploadTicket' });

export const AttachmentParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const LinkQuery = Type.Object({
  redirect: Type.Optional(Type.Boolean({ default: true, description: 'false: answer 200 {url, expires_at} instead of the redirect' })),
}, { additionalProperties: false });
const LinkT = Type.Object({ url: Type.String(), expires_at: Type.String({ format: 'date-time' }) });
/** The embedded store's signed URL parameters; the store checks them (local-object-store.ts). */
const SignedQuery = Type.Object({
  expires: Type.Optional(Type.String()), size: Type.Optional(Type.String()), type: Type.Optional(Type.String()),
  disposition: Type.Optional(Type.String()), sig: Type.Optional(Type.String()),
}, { additionalProperties: false });
type SignedQuery = Static<typeof SignedQuery>;

const isStream = (b: unknown): b is AsyncIterable<Uint8Array> => typeof (b as AsyncIterable<Uint8Array> | null)?.[Symbol.asyncIterator] === 'function';

const absolute = (req: FastifyRequest, url: string) => new URL(url, `${req.protocol}://${req.host}`).toString();

export function attachmentRoutes(app: FastifyInstance, config: Config, attachments: AttachmentService) {
  const tags = ['attachments'];
  const security = [{ bearer: [] }];

  app.post<{ Params: { id: string }; Body: UploadBody }>('/v1/conversations/:id/uploads', {
    schema: {
      tags, security, params: ConversationParams, body: UploadBody,
      summary: 'Declare a file to attach (members): its upload id and the signed URL to PUT its bytes to',
      response: { 201: UploadTicketT },
    },
  }, async (req, reply) => {
    const ticket = await attachments.createUpload(req.user.user, req.params.id, req.body);
    return reply.code(201).send({ ...ticket, upload: { ...ticket.upload, url: absolute(req, ticket.upload.url) } });
  });

  app.get<{ Params: { id: string }; Querystring: Static<typeof LinkQuery> }>('/v1/attachments/:id', {
    schema: {
      tags, security, params: AttachmentParams, querystring: LinkQuery,
      summary: 'Download an attachment (members): 302 to a signed URL that expires after ATTACHMENT_URL_TTL_S',
      response: { 200: LinkT, 302: Type.Null({ description: 'Location: the signed download URL' }) },
    },
  }, async (req, reply) => {
    const link = await attachments.link(req.user.user, req.params.id);
    const url = absolute(req, link.url);
    if (req.query.redirect === false) return { url, expires_at: link.expiresAt };
    return reply.redirect(url, 302);
  });

  // The embedded store's signed URLs: any body of any content type, handed on unread as the
  // request stream; the store counts its bytes against the signed size (at most UPLOAD_MAX_BYTES).
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    const signed = { tags, security: [], params: AttachmentParams, querystring: SignedQuery };

    scope.put<{ Params: { id: string }; Querystring: SignedQuery }>('/v1/uploads/:id', {
      schema: { ...signed, summary: 'The embedded store\'s signed upload URL: exactly the declared size and Content-Type (no token)', response: { 204: Type.Null() } },
    }, async (req, reply) => {
      const length = req.headers['content-length'];
      const request = { contentType: req.headers['content-type'], contentLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined };
      // a request without a body (no content-type, no length) has no stream: an empty body
      const body = isStream(req.body) ? req.body : new Uint8Array(0);
      await attachments.receive(req.params.id, req.query, { ...request, body });
      return reply.code(204).send();
    });

    scope.get<{ Params: { id: string }; Querystring: SignedQuery }>('/v1/uploads/:id', {
      schema: { ...signed, summary: 'The embedded store\'s signed download URL (no token)' },
    }, async (req, reply) => {
      const file = await attachments.serve(req.params.id, req.query);
      // never run as a page of this origin, whatever the bytes
      reply.header('content-security-policy', 'default-src \'none\'; sandbox');
      if (file.disposition) reply.header('content-disposition', file.disposition);
      return reply.type(file.contentType).send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.length));
    });
  });
}

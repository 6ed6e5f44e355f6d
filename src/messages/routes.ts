// HTTP routes of messages: send, history, edit, delete.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { ConversationParams } from '../conversations/schemas.js';
import type { EditService } from './edits.js';
import type { HistoryService } from './history.js';
import type { IngestService } from './ingest.js';
import { editBody, type EditBody, HistoryPage, HistoryQuery, MessageParams, MessageT, sendBody, type SendBody } from './schemas.js';

/** A served history page advances the reader's delivered watermark to its last seq. */
export type PageServed = (conversationId: string, user: string, lastSeq: number) => void;

export function messageRoutes(app: FastifyInstance, config: Config, ingest: IngestService, history: HistoryService, edits: EditService, served: PageServed) {
  const tags = ['messages'];
  const security = [{ bearer: [] }];

  app.post<{ Params: { id: string }; Body: SendBody }>('/v1/conversations/:id/messages', {
    schema: {
      tags, security, params: ConversationParams, body: sendBody(config.maxTextChars),
      summary: 'Send a message; the same client_id again returns the same message with 200',
      response: { 200: MessageT, 201: MessageT },
    },
  }, async (req, reply) => {
    const ack = await ingest.send(req.user.user, req.params.id, req.body);
    return reply.code(ack.created ? 201 : 200).type('application/json').send(ack.json);
  });

  app.get<{ Params: { id: string }; Querystring: HistoryQuery }>('/v1/conversations/:id/messages', {
    schema: {
      tags, security, params: ConversationParams, querystring: HistoryQuery,
      summary: 'A page of history, ascending by seq: latest, `before` a seq, or `after` a seq',
      response: { 200: HistoryPage },
    },
  }, async (req, reply) => {
    const page = await history.page(req.user.user, req.params.id, req.query);
    reply.header('x-strata-tier', page.tier);
    if (page.lastSeq > 0) served(req.params.id, req.user.user, page.lastSeq);
    return reply.type('application/json').send(`{"messages":[${page.messages.join(',')}],"has_more":${page.has_more}}`);
  });

  app.patch<{ Params: { id: string }; Body: EditBody }>('/v1/messages/:id', {
    schema: { tags, security, params: MessageParams, body: editBody(config.maxTextChars), summary: 'Edit your message', response: { 200: MessageT } },
  }, async (req) => edits.edit(req.user.user, req.params.id, req.body.text, { mentions: req.body.mentions, metadata: req.body.metadata }));

  app.delete<{ Params: { id: string } }>('/v1/messages/:id', {
    schema: { tags, security, params: MessageParams, summary: 'Delete a message (sender or conversation admin); leaves a tombstone', response: { 200: MessageT } },
  }, async (req) => edits.remove(req.user.user, req.params.id, req.id));
}

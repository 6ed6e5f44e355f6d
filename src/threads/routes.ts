// HTTP routes of threads and mentions (docs/threads.md). Sending a reply is the ordinary send
// with `thread_id` (messages/routes.ts and the `send` frame).
import type { FastifyInstance } from 'fastify';
import { ConversationParams } from '../conversations/schemas.js';
import { MessageParams } from '../messages/schemas.js';
import {
  CursorQuery, MentionsPage, ReadThreadBody, RepliesPage, ThreadList, ThreadListQuery, ThreadQuery, ThreadView, UserThreadList,
  type ThreadListQuery as ListQ, type ThreadQuery as PageQ, type CursorQuery as CursorQ,
} from './schemas.js';
import { threadCursor, type ThreadService } from './service.js';

export function threadRoutes(app: FastifyInstance, threads: ThreadService) {
  const tags = ['threads'];
  const security = [{ bearer: [] }];
  const json = (messages: string[]) => `[${messages.join(',')}]`;

  app.get<{ Params: { id: string } }>('/v1/messages/:id/thread', {
    schema: { tags, security, params: MessageParams, summary: 'A root message with its thread summary', response: { 200: ThreadView } },
  }, async (req, reply) => {
    const t = await threads.get(req.user.user, req.params.id);
    return reply.type('application/json').send({ root: t.root, thread: t.thread, settled: t.settled });
  });

  app.get<{ Params: { id: string }; Querystring: PageQ }>('/v1/messages/:id/replies', {
    schema: {
      tags, security, params: MessageParams, querystring: ThreadQuery, response: { 200: RepliesPage },
      summary: 'A page of a thread\'s replies, ascending by seq: latest, `before` a seq, or `after` a seq — the same bytes whichever tier holds them',
    },
  }, async (req, reply) => {
    const p = await threads.replies(req.user.user, req.params.id, req.query);
    return reply.type('application/json').send(`{"thread":${JSON.stringify(p.thread)},"messages":${json(p.messages)},"has_more":${p.has_more},"settled":${p.settled}}`);
  });

  app.post<{ Params: { id: string }; Body: { seq: number } }>('/v1/messages/:id/read', {
    schema: { tags, security, params: MessageParams, body: ReadThreadBody, summary: 'Raise my read watermark in this thread (never lowers it)' },
  }, async (req) => ({ read_seq: await threads.markRead(req.user.user, req.params.id, req.body.seq) }));

  app.get<{ Params: { id: string }; Querystring: ListQ }>('/v1/conversations/:id/threads', {
    schema: { tags, security, params: ConversationParams, querystring: ThreadListQuery, summary: 'Threads of a conversation, latest activity first; page with `before` = the last one\'s last_reply_seq', response: { 200: ThreadList } },
  }, async (req) => threads.list(req.user.user, req.params.id, req.query));

  app.get<{ Querystring: CursorQ }>('/v1/threads', {
    schema: { tags, security, querystring: CursorQuery, summary: 'Threads I started or replied in, across my conversations, latest activity first, with unread counts', response: { 200: UserThreadList } },
  }, async (req) => {
    const limit = req.query.limit ?? 50;
    const list = await threads.mine(req.user.user, { ...req.query, limit: limit + 1 });
    const page = list.slice(0, limit);
    return { threads: page, next_cursor: list.length > limit ? threadCursor(page[page.length - 1]) : null };
  });

  app.get<{ Querystring: CursorQ }>('/v1/mentions', {
    schema: { tags, security, querystring: CursorQuery, summary: 'Messages that mention me, across my conversations, newest first', response: { 200: MentionsPage } },
  }, async (req, reply) => {
    const p = await threads.mentionsOf(req.user.user, req.query);
    return reply.type('application/json').send(`{"messages":${json(p.messages)},"next_cursor":${JSON.stringify(p.next_cursor)}}`);
  });
}

// HTTP routes of pins.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ConversationParams } from '../conversations/schemas.js';
import { MessageParams, MessageT } from '../messages/schemas.js';
import type { PinService } from './service.js';

export const PinList = Type.Object({
  pins: Type.Array(Type.Object({ message: MessageT, pinned_by: Type.String(), pinned_at: Type.String({ format: 'date-time' }) })),
});

export function pinRoutes(app: FastifyInstance, pins: PinService) {
  const tags = ['pins'];
  const security = [{ bearer: [] }];
  const schema = (summary: string) => ({ tags, security, params: MessageParams, summary, response: { 204: Type.Null() } });
  app.put<{ Params: { id: string } }>('/v1/messages/:id/pin', { schema: schema('Pin a message (owners and admins; twice is once)') }, async (req, reply) => {
    await pins.set(req.user.user, req.params.id, true);
    return reply.code(204).send();
  });
  app.delete<{ Params: { id: string } }>('/v1/messages/:id/pin', { schema: schema('Unpin a message (owners and admins)') }, async (req, reply) => {
    await pins.set(req.user.user, req.params.id, false);
    return reply.code(204).send();
  });
  app.get<{ Params: { id: string } }>('/v1/conversations/:id/pins', {
    schema: { tags, security, params: ConversationParams, summary: 'Pinned messages, newest pin first', response: { 200: PinList } },
  }, async (req, reply) => {
    const list = await pins.list(req.user.user, req.params.id);
    const items = list.map((p) => `{"message":${p.message},"pinned_by":${JSON.stringify(p.pinned_by)},"pinned_at":${JSON.stringify(p.pinned_at)}}`);
    return reply.type('application/json').send(`{"pins":[${items.join(',')}]}`);
  });
}

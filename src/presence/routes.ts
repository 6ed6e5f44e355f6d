// GET /v1/users/{user}/presence: online now (any socket on any node) and last_seen, for
// yourself and the people you share a conversation with (anyone else: 404 USER_NOT_FOUND).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { UserId } from '../conversations/schemas.js';
import type { PresenceTracker } from './tracker.js';

export function presenceRoutes(app: FastifyInstance, presence: PresenceTracker) {
  app.get<{ Params: { user: string } }>('/v1/users/:user/presence', {
    schema: {
      tags: ['presence'], security: [{ bearer: [] }], params: Type.Object({ user: UserId }),
      summary: 'Whether a user you share a conversation with is online, and when they were last seen',
      response: { 200: Type.Object({ user: Type.String(), online: Type.Boolean(), last_seen: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (req) => presence.of(req.user.user, req.params.user));
}

// GET /v1/users/{user}/presence: online now (any socket on any node) and last_seen.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { UserId } from '../conversations/schemas.js';
import type { PresenceStore } from '../hot-tier/presence-store.js';

export function presenceRoutes(app: FastifyInstance, presence: PresenceStore) {
  app.get<{ Params: { user: string } }>('/v1/users/:user/presence', {
    schema: {
      tags: ['presence'], security: [{ bearer: [] }], params: Type.Object({ user: UserId }),
      summary: 'Whether a user is online, and when they were last seen',
      response: { 200: Type.Object({ user: Type.String(), online: Type.Boolean(), last_seen: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (req) => presence.get(req.params.user));
}

// HTTP routes of conversation moderation (owners/admins) and of operators' app-wide bans
// (docs/moderation.md). Slow mode and kind are set with PATCH /v1/conversations/{id}.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { requireAdmin } from '../auth/require-admin.js';
import { ConversationParams } from '../conversations/schemas.js';
import type { AppBans } from './app-bans.js';
import type { ConversationRules } from './conversation-rules.js';
import { AppBanBody, BanBody, BanT, ConversationUserParams, MuteBody, MuteT, UserParams } from './rules-schemas.js';

export function moderationRoutes(app: FastifyInstance, rules: ConversationRules, appBans: AppBans) {
  const tags = ['moderation'];
  const security = [{ bearer: [] }];

  app.post<{ Params: { id: string }; Body: BanBody }>('/v1/conversations/:id/bans', {
    schema: { tags, security, summary: 'Ban a user (owner/admin; an owner only by an owner): removed, never re-added until unbanned, every later send refused; a `member` change `banned`. Banning again returns the first ban', params: ConversationParams, body: BanBody, response: { 201: BanT } },
  }, async (req, reply) => reply.code(201).send(await rules.ban(req.user.user, req.params.id, req.body.user, req.body.reason ?? null, req.id)));

  app.delete<{ Params: { id: string; user: string } }>('/v1/conversations/:id/bans/:user', {
    schema: { tags, security, summary: 'Lift a ban (owner/admin); a `member` change `unbanned` (the user is not re-added). Idempotent', params: ConversationUserParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await rules.unban(req.user.user, req.params.id, req.params.user, req.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v1/conversations/:id/bans', {
    schema: { tags, security, summary: 'The bans of a conversation, oldest first (owner/admin)', params: ConversationParams, response: { 200: Type.Object({ bans: Type.Array(BanT) }) } },
  }, async (req) => ({ bans: await rules.listBans(req.user.user, req.params.id) }));

  app.post<{ Params: { id: string }; Body: MuteBody }>('/v1/conversations/:id/mutes', {
    schema: { tags, security, summary: 'Mute a member for duration_s (owner/admin; an owner only by an owner): they read, but cannot send, edit or react; a `mute` change', params: ConversationParams, body: MuteBody, response: { 201: MuteT } },
  }, async (req, reply) => reply.code(201).send(await rules.mute(req.user.user, req.params.id, req.body.user, req.body.duration_s, req.body.reason ?? null, req.id)));

  app.delete<{ Params: { id: string; user: string } }>('/v1/conversations/:id/mutes/:user', {
    schema: { tags, security, summary: 'Lift a mute (owner/admin); a `mute` change with `until: null`. Idempotent', params: ConversationUserParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await rules.unmute(req.user.user, req.params.id, req.params.user, req.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v1/conversations/:id/mutes', {
    schema: { tags, security, summary: 'The mutes still running, soonest end first (owner/admin)', params: ConversationParams, response: { 200: Type.Object({ mutes: Type.Array(MuteT) }) } },
  }, async (req) => ({ mutes: await rules.listMutes(req.user.user, req.params.id) }));

  const admin = ['admin'];
  app.post<{ Params: { user: string }; Body: AppBanBody }>('/v1/admin/users/:user/ban', {
    schema: { tags: admin, security, summary: 'Ban a user from the whole server (operators): every request and socket refused (USER_BANNED), open sockets closed with 4403. Banning again returns the first ban', params: UserParams, body: AppBanBody, response: { 201: BanT } },
  }, async (req, reply) => {
    requireAdmin(req);
    return reply.code(201).send(await appBans.ban(req.user.user, req.params.user, req.body?.reason ?? null, req.id));
  });

  app.delete<{ Params: { user: string } }>('/v1/admin/users/:user/ban', {
    schema: { tags: admin, security, summary: 'Lift an app-wide ban (operators). Idempotent', params: UserParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    requireAdmin(req);
    await appBans.lift(req.params.user, req.user.user, req.id);
    return reply.code(204).send();
  });

  app.get('/v1/admin/user-bans', {
    schema: { tags: admin, security, summary: 'App-wide bans, oldest first (operators)', response: { 200: Type.Object({ bans: Type.Array(BanT) }) } },
  }, async (req) => {
    requireAdmin(req);
    return { bans: await appBans.list() };
  });
}

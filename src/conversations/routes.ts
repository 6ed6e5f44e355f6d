// HTTP routes of conversations and members.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ConversationService } from './service.js';
import {
  AddMemberBody, ConversationParams, ConversationSummaryT, ConversationT, CreateConversationBody, MemberParams, MemberT, SetRoleBody,
  UpdateConversationBody,
} from './schemas.js';

export function conversationRoutes(app: FastifyInstance, svc: ConversationService) {
  const tags = ['conversations'];
  const security = [{ bearer: [] }];

  app.post<{ Body: CreateConversationBody }>('/v1/conversations', {
    schema: { tags, security, summary: 'Create a conversation; the creator becomes owner', body: CreateConversationBody, response: { 201: ConversationT } },
  }, async (req, reply) => reply.code(201).send(await svc.create(req.user.user, req.body)));

  app.get('/v1/conversations', {
    schema: { tags, security, summary: 'My conversations, newest activity first', response: { 200: Type.Object({ conversations: Type.Array(ConversationSummaryT) }) } },
  }, async (req) => ({ conversations: await svc.list(req.user.user) }));

  app.get<{ Params: { id: string } }>('/v1/conversations/:id', {
    schema: { tags, security, summary: 'One conversation with its members', params: ConversationParams, response: { 200: ConversationT } },
  }, async (req) => svc.get(req.user.user, req.params.id));

  app.patch<{ Params: { id: string }; Body: UpdateConversationBody }>('/v1/conversations/:id', {
    schema: { tags, security, summary: 'Rename a conversation (owner/admin); a `conversation` change', params: ConversationParams, body: UpdateConversationBody, response: { 200: ConversationT } },
  }, async (req) => svc.update(req.user.user, req.params.id, req.body, req.id));

  app.patch<{ Params: { id: string; user: string }; Body: SetRoleBody }>('/v1/conversations/:id/members/:user', {
    schema: { tags, security, summary: 'Change a member\'s role (owner/admin; owner role: owners only); a `member` change', params: MemberParams, body: SetRoleBody, response: { 200: MemberT } },
  }, async (req) => svc.setRole(req.user.user, req.params.id, req.params.user, req.body.role, req.id));

  app.post<{ Params: { id: string }; Body: AddMemberBody }>('/v1/conversations/:id/members', {
    schema: { tags, security, summary: 'Add a member (owner/admin)', params: ConversationParams, body: AddMemberBody, response: { 201: MemberT } },
  }, async (req, reply) => reply.code(201).send(await svc.addMember(req.user.user, req.params.id, req.body)));

  app.delete<{ Params: { id: string; user: string } }>('/v1/conversations/:id/members/:user', {
    schema: { tags, security, summary: 'Remove a member (owner/admin, or yourself)', params: MemberParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await svc.removeMember(req.user.user, req.params.id, req.params.user, req.id);
    return reply.code(204).send();
  });
}

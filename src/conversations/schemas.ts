// Request/response schemas of the conversation routes (TypeBox → JSON Schema → OpenAPI).
import { Type, type Static } from '@sinclair/typebox';

export const UserId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s\\u0000-\\u001f]+$', description: 'a user id (the JWT `sub`)' });
export const Uuid = Type.String({ format: 'uuid' });
export const RoleT = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export const KindT = Type.Union([Type.Literal('direct'), Type.Literal('group'), Type.Literal('announcement')], { description: 'announcement: only owners and admins send (docs/moderation.md#permissions)' });

export const CreateConversationBody = Type.Object({
  members: Type.Array(UserId, { minItems: 1, maxItems: 1000, description: 'users to add besides the creator (who becomes owner)' }),
  title: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  kind: Type.Optional(KindT),
}, { additionalProperties: false });
export type CreateConversationBody = Static<typeof CreateConversationBody>;

export const MemberT = Type.Object({ user: UserId, role: RoleT });

export const ConversationT = Type.Object({
  id: Uuid,
  title: Type.Union([Type.String(), Type.Null()]),
  kind: KindT,
  created_by: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  members: Type.Array(MemberT),
  cursor: Type.Optional(Type.Integer({ minimum: 0, description: "the conversation's current change cursor (docs/changes.md): load history, then resume after it" })),
  slow_mode_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 120, description: 'slow mode: seconds between two messages of a member (0: off; owners and admins exempt; docs/moderation.md)' })),
});

export const ConversationSummaryT = Type.Object({
  id: Uuid,
  title: Type.Union([Type.String(), Type.Null()]),
  kind: KindT,
  created_by: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_activity_at: Type.String({ format: 'date-time' }),
  last_seq: Type.Integer(),
  read_seq: Type.Integer(),
  unread: Type.Integer({ description: 'main-timeline messages after read_seq (thread-only replies count in their thread, docs/threads.md)' }),
  unread_mentions: Type.Integer({ description: 'messages after read_seq that mention you' }),
});

export const ConversationParams = Type.Object({ id: Uuid });
export const MemberParams = Type.Object({ id: Uuid, user: UserId });
export const AddMemberBody = Type.Object({ user: UserId, role: Type.Optional(RoleT) }, { additionalProperties: false });
export type AddMemberBody = Static<typeof AddMemberBody>;

export const UpdateConversationBody = Type.Object({
  title: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  slow_mode_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 120, description: 'slow mode: 1–120 s between two messages of a member, 0 turns it off (owners/admins; a `rules` change)' })),
  kind: Type.Optional(Type.Union([Type.Literal('group'), Type.Literal('announcement')], { description: 'group ↔ announcement (owners/admins; a `rules` change); a direct conversation stays direct' })),
}, { additionalProperties: false, minProperties: 1 });
export type UpdateConversationBody = Static<typeof UpdateConversationBody>;
export const SetRoleBody = Type.Object({ role: RoleT }, { additionalProperties: false });
export type SetRoleBody = Static<typeof SetRoleBody>;

// Schemas of the change log and sync routes (TypeBox → JSON Schema → OpenAPI); docs/changes.md.
import { Type, type Static } from '@sinclair/typebox';
import { SeqT } from '../model/seq.js';

/** A change object: `type` and `cursor` first, then the fields of its type (docs/changes.md). */
export const ChangeT = Type.Object({
  type: Type.Union(['message', 'edit', 'delete', 'reaction', 'member', 'conversation'].map((t) => Type.Literal(t))),
  cursor: Type.Integer({ minimum: 1 }),
}, { additionalProperties: true, description: 'a change; see docs/changes.md for the fields of each type' });

export const ChangesQuery = Type.Object({
  after: SeqT(0, { description: 'the last cursor the client has (0: from the start)' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
}, { additionalProperties: false });
export type ChangesQuery = Static<typeof ChangesQuery>;

export const ChangePageT = Type.Object({
  changes: Type.Array(ChangeT),
  cursor: Type.Integer({ minimum: 0, description: "the conversation's current cursor" }),
  has_more: Type.Boolean(),
});

export const SyncQuery = Type.Object({
  since: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the token of the previous sync' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'changes per conversation' })),
}, { additionalProperties: false });
export type SyncQuery = Static<typeof SyncQuery>;

export const SyncConversationT = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  created_by: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_activity_at: Type.String({ format: 'date-time' }),
  last_seq: Type.Integer(),
  read_seq: Type.Integer(),
  delivered_seq: Type.Integer(),
  unread: Type.Integer(),
  unread_mentions: Type.Integer(),
  cursor: Type.Integer(),
  status: Type.Union([Type.Literal('joined'), Type.Literal('changed'), Type.Literal('unchanged'), Type.Literal('reload')]),
  watermarks: Type.Array(Type.Object({ user: Type.String(), delivered_seq: Type.Integer(), read_seq: Type.Integer() })),
  settings: Type.Object({
    muted: Type.Boolean(),
    notify: Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('none')]),
  }, { description: 'your notification settings of the conversation (PUT /v1/conversations/{id}/settings; docs/push.md)' }),
  changes: Type.Array(ChangeT),
  has_more: Type.Boolean(),
});

export const SyncT = Type.Object({
  token: Type.String(),
  conversations: Type.Array(SyncConversationT),
  left: Type.Array(Type.String({ format: 'uuid' })),
});

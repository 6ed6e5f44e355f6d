// Request/response schemas of threads and mentions (TypeBox → JSON Schema → OpenAPI).
import { Type, type Static } from '@sinclair/typebox';
import { MessageT } from '../messages/schemas.js';
import { SeqT } from '../model/seq.js';

export const ThreadSummaryT = Type.Object({
  conversation_id: Type.String({ format: 'uuid' }),
  root_id: Type.String({ format: 'uuid' }),
  root_seq: Type.Integer({ minimum: 1 }),
  root_sender: Type.String(),
  reply_count: Type.Integer({ minimum: 0 }),
  last_reply_seq: Type.Integer({ minimum: 0 }),
  last_reply_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  participants: Type.Array(Type.String(), { description: 'the first repliers, in the order of their first reply (at most 5)' }),
}, { $id: 'ThreadSummary' });

const Settled = Type.Boolean({ description: 'false: the warm store was further behind than 2 s; replies acked just now may be missing' });

export const ThreadQuery = Type.Object({
  before: Type.Optional(SeqT(1)),
  after: Type.Optional(SeqT(0)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}, { additionalProperties: false });
export type ThreadQuery = Static<typeof ThreadQuery>;

export const ThreadListQuery = Type.Object({
  before: Type.Optional(SeqT(1)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}, { additionalProperties: false });
export type ThreadListQuery = Static<typeof ThreadListQuery>;

export const CursorQuery = Type.Object({
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}, { additionalProperties: false });
export type CursorQuery = Static<typeof CursorQuery>;

export const ReadThreadBody = Type.Object({ seq: SeqT(0) }, { additionalProperties: false });

export const RepliesPage = Type.Object({ thread: ThreadSummaryT, messages: Type.Array(MessageT), has_more: Type.Boolean(), settled: Settled });
export const ThreadView = Type.Object({ root: MessageT, thread: ThreadSummaryT, settled: Settled });
export const ThreadList = Type.Object({ threads: Type.Array(ThreadSummaryT), settled: Settled });
export const UserThreadList = Type.Object({
  threads: Type.Array(Type.Intersect([ThreadSummaryT, Type.Object({ read_seq: Type.Integer(), unread: Type.Integer() })])),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export const MentionsPage = Type.Object({ messages: Type.Array(MessageT), next_cursor: Type.Union([Type.String(), Type.Null()]) });

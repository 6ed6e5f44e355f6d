// Request/response schemas of the message routes (TypeBox → JSON Schema → OpenAPI).
import { SeqT } from '../model/seq.js';
import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** A JSON object of the sender's (typed as a record; the schema is an open object, as OpenAPI 3.0 has no patternProperties). */
export const MetadataT = Type.Unsafe<Record<string, unknown>>(Type.Object({}, { additionalProperties: true, description: 'your own data: a JSON object, at most MAX_METADATA_BYTES of JSON (docs/attachments.md)' }));

export const MessageT = Type.Object({
  id: Type.String({ format: 'uuid' }),
  conversation_id: Type.String({ format: 'uuid' }),
  seq: Type.Integer({ minimum: 1 }),
  version: Type.Integer({ minimum: 0, description: 'the cursor of the message\'s latest change (docs/changes.md)' }),
  sender: Type.String(),
  text: Nullable(Type.String()),
  reply_to: Nullable(Type.String({ format: 'uuid' })),
  thread_id: Nullable(Type.String({ format: 'uuid', description: 'the root message of the thread this message replies in (docs/threads.md)' })),
  in_timeline: Type.Boolean({ description: 'whether the main timeline shows it: true outside threads; for a reply, whether it was also sent to the conversation' }),
  mentions: Type.Array(Type.String(), { description: 'members the message mentions, sorted' }),
  metadata: Type.Union([MetadataT, Type.Null()], { description: 'the sender\'s own JSON object, or null' }),
  attachments: Type.Array(Type.Object({
    id: Type.String({ format: 'uuid' }), name: Type.String(), size: Type.Integer({ minimum: 0 }), content_type: Type.String(),
    width: Type.Union([Type.Integer(), Type.Null()]), height: Type.Union([Type.Integer(), Type.Null()]),
    url: Type.String({ description: 'Strata\'s stable link: GET it as a member for a short-lived signed download' }),
  }), { description: 'files attached (docs/attachments.md)' }),
  client_id: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  edited_at: Nullable(Type.String({ format: 'date-time' })),
  deleted_at: Nullable(Type.String({ format: 'date-time' })),
}, { $id: 'Message' });

export const ClientId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'idempotency key chosen by the client (printable ASCII)' });

export const MentionsT = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
  maxItems: 50, description: 'user ids the message mentions: each a member of the conversation, no duplicates (docs/threads.md)',
});


export function sendBody(maxTextChars: number) {
  return Type.Object({
    text: Type.String({ minLength: 1, maxLength: maxTextChars }),
    reply_to: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
    thread_id: Type.Optional(Type.Union([Type.String({ format: 'uuid', description: 'reply in the thread of this root message' }), Type.Null()])),
    also_in_conversation: Type.Optional(Type.Boolean({ description: 'a thread reply shown in the main timeline too (default false)' })),
    mentions: Type.Optional(MentionsT),
    metadata: Type.Optional(MetadataT),
    client_id: Type.Optional(Type.Union([ClientId, Type.Null()])),
    attachments: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), {
      maxItems: 10, uniqueItems: true, description: 'upload ids (POST /v1/conversations/{id}/uploads) whose bytes arrived: attached to the message, each once (docs/attachments.md)',
    })),
  }, { additionalProperties: false });
}
export type SendBody = Static<ReturnType<typeof sendBody>>;

export function editBody(maxTextChars: number) {
  return Type.Object({
    text: Type.String({ minLength: 1, maxLength: maxTextChars }),
    mentions: Type.Optional(MentionsT),
    metadata: Type.Optional(Type.Union([MetadataT, Type.Null()], { description: 'replaces the metadata (null clears it); kept when absent' })),
  }, { additionalProperties: false });
}
export type EditBody = Static<ReturnType<typeof editBody>>;

export const HistoryQuery = Type.Object({
  before: Type.Optional(SeqT(1)),
  after: Type.Optional(SeqT(0)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}, { additionalProperties: false });
export type HistoryQuery = Static<typeof HistoryQuery>;

export const MessageParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const HistoryPage = Type.Object({ messages: Type.Array(MessageT), has_more: Type.Boolean() });

// Request/response schemas of the moderation routes (TypeBox → JSON Schema → OpenAPI).
import { Type, type Static } from '@sinclair/typebox';
import { UserId, Uuid } from '../conversations/schemas.js';

const Reason = Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()], { description: 'why (kept with the ban or mute, shown to owners/admins and operators)' });

export const BanT = Type.Object({
  user: UserId,
  by: Type.String({ description: 'who banned' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  at: Type.String({ format: 'date-time' }),
});

export const MuteT = Type.Object({
  user: UserId,
  by: Type.String({ description: 'who muted' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  at: Type.String({ format: 'date-time' }),
  until: Type.String({ format: 'date-time', description: 'the mute ends then' }),
});

export const BanBody = Type.Object({ user: UserId, reason: Type.Optional(Reason) }, { additionalProperties: false });
export type BanBody = Static<typeof BanBody>;
export const MuteBody = Type.Object({
  user: UserId,
  duration_s: Type.Integer({ minimum: 1, maximum: 31_536_000, description: 'how long, seconds (at most a year); muting again replaces the end' }),
  reason: Type.Optional(Reason),
}, { additionalProperties: false });
export type MuteBody = Static<typeof MuteBody>;
export const AppBanBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export type AppBanBody = Static<typeof AppBanBody>;

export const ConversationUserParams = Type.Object({ id: Uuid, user: UserId });
export const UserParams = Type.Object({ user: UserId });

// The `typing` frame: fanned out to the conversation's other members as
// {type:"typing", conversation_id, user, expires_in_ms}; clients show it until it expires
// (~6 s) unless renewed. Never stored. Rate-limited per (user, conversation) on this node to
// one fan-out per `minIntervalMs`: a typing frame inside the interval is absorbed silently, as
// the previous one is still showing (typing is a hint, unlike a message, which is always answered).
import { Type } from '@sinclair/typebox';
import type { Access } from '../conversations/access.js';
import { conversationTopic, type Fanout } from '../hot-tier/fanout.js';
import type { FrameHandler } from '../ws/frames.js';
import { RefT } from '../ws/frames.js';

export interface TypingOptions {
  expiresMs: number;
  minIntervalMs: number;
}

export function typingHandler(access: Access, fanout: Fanout, opts: TypingOptions): FrameHandler<{ conversation_id: string }> {
  const last = new Map<string, number>();
  return {
    schema: Type.Object({ type: Type.Literal('typing'), ref: RefT, conversation_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
    async handle(f, ctx) {
      await access.requireMember(f.conversation_id, ctx.user);
      const key = `${f.conversation_id}\n${ctx.user}`;
      const now = Date.now();
      if (now - (last.get(key) ?? 0) < opts.minIntervalMs) return;
      if (last.size >= 100_000) for (const [k, t] of last) if (now - t >= opts.minIntervalMs) last.delete(k);
      last.set(key, now);
      const frame = JSON.stringify({ type: 'typing', conversation_id: f.conversation_id, user: ctx.user, expires_in_ms: opts.expiresMs });
      await fanout.publish(conversationTopic(f.conversation_id), frame);
    },
  };
}

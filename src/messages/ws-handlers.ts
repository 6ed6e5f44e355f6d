// WebSocket handlers of the message domain: `send` (exactly the REST ingest path: same
// membership check, rate limit, idempotency and ack) and `resume` (replay of what a socket
// missed, from the hot ring or the warm store via HistoryService, then `resumed`).
// Resume never presents a partial replay as complete: more than `resumeMax` missing → error
// RESUME_TOO_FAR before anything is written. While a conversation replays on a socket, its live
// frames are held and released afterwards without the seqs already replayed: in order, once.
import { SeqT } from '../model/seq.js';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { RefT, refJson, type FrameHandler } from '../ws/frames.js';
import type { HistoryService } from './history.js';
import type { IngestService } from './ingest.js';
import { sendBody, type SendBody } from './schemas.js';

const Uuid = Type.String({ format: 'uuid' });

export function sendHandler(ingest: IngestService, maxTextChars: number): FrameHandler<SendBody & { conversation_id: string }> {
  const body = sendBody(maxTextChars);
  return {
    schema: Type.Object({ type: Type.Literal('send'), ref: RefT, conversation_id: Uuid, ...body.properties }, { additionalProperties: false }),
    async handle(f, ctx) {
      // The ack of a send reaches the sender's socket before that message's live frame.
      const release = ctx.conn.holdUntilAcked(f.conversation_id);
      try {
        const ack = await ingest.send(ctx.user, f.conversation_id, { text: f.text, reply_to: f.reply_to, client_id: f.client_id }, 'ws');
        ctx.reply(`{"type":"ack",${refJson(ctx.ref)}"message":${ack.json}}`);
      } finally {
        release(); // on an error no message was created by this send (or it is retried by client_id)
      }
    },
  };
}

export function resumeHandler(
  deps: Pick<Deps, 'hot' | 'store'>,
  history: HistoryService,
  resumeMax: number,
  delivered: (conversationId: string, user: string, seq: number) => void,
): FrameHandler<{ conversation_id: string; after_seq: number }> {
  return {
    schema: Type.Object({ type: Type.Literal('resume'), ref: RefT, conversation_id: Uuid, after_seq: SeqT(0) }, { additionalProperties: false }),
    async handle(f, { conn, user, ref, reply }) {
      const conv = f.conversation_id;
      if (conn.holds.has(conv)) throw new AppError('VALIDATION_FAILED', 'a resume of this conversation is already running on this socket');
      // membership first: a non-member learns nothing, not even the last seq
      const first = await history.page(user, conv, { after: f.after_seq, limit: 1 });
      const [hotLast] = await deps.hot.lastSeqs([conv]);
      const lastSeq = hotLast ?? (await deps.store.maxSeq(conv));
      if (lastSeq - f.after_seq > resumeMax) {
        throw new AppError('RESUME_TOO_FAR', `${lastSeq - f.after_seq} messages missing, more than ${resumeMax}: page GET /v1/conversations/${conv}/messages?after=${f.after_seq}`);
      }
      const held: { seq: number; buf: Buffer }[] = [];
      const holding = conn.conversations.has(conv);
      if (holding) conn.holds.set(conv, held);
      let cursor = f.after_seq;
      try {
        let page = first;
        for (let guard = 0; page.messages.length > 0 && guard < resumeMax; guard++) {
          for (const m of page.messages) reply(`{"type":"message","message":${m}}`);
          cursor = page.lastSeq;
          if (!page.has_more || cursor >= lastSeq) break;
          page = await history.page(user, conv, { after: cursor, limit: 200 });
        }
        // the real last position: what was replayed, else where the conversation stands
        const reported = cursor > f.after_seq ? cursor : Math.min(f.after_seq, lastSeq);
        reply(`{"type":"resumed",${refJson(ref)}"conversation_id":"${conv}","last_seq":${reported}}`);
        if (cursor > f.after_seq) delivered(conv, user, cursor);
      } finally {
        if (holding && conn.holds.get(conv) === held) {
          conn.holds.delete(conv);
          for (const h of held) if (h.seq > cursor) conn.send(h.buf);
        }
      }
    },
  };
}

// WebSocket handlers of the message domain: `send` (exactly the REST ingest path: same
// membership check, rate limit, idempotency and ack) and `resume`, in two forms:
// - `after_cursor`: replay of every change the socket missed (messages, edits, deletes,
//   reactions, members, title) from the change log (changes/change-log.ts), then `resumed`
//   with the last cursor; a cursor older than the server keeps → RELOAD_REQUIRED;
// - `after_seq` (the older form): replay of the missed messages only, via HistoryService.
// Resume never presents a partial replay as complete: more than `resumeMax` missing → error
// RESUME_TOO_FAR before anything is written. While a conversation replays on a socket, its live
// frames are held and released afterwards without the ones already replayed: in order, once.
import { SeqT } from '../model/seq.js';
import { Type } from '@sinclair/typebox';
import type { ChangeLog } from '../changes/change-log.js';
import type { Deps } from '../deps.js';
import type { Held } from '../ws/connection.js';
import { seqOfFrame } from '../ws/hub.js';
import { AppError } from '../errors.js';
import { RefT, refJson, type FrameHandler } from '../ws/frames.js';
import type { HistoryService } from './history.js';
import type { IngestService } from './ingest.js';
import { sendBody, type SendBody } from './schemas.js';
import { cursorOf } from '../changes/change-log.js';


const Uuid = Type.String({ format: 'uuid' });

export function sendHandler(ingest: IngestService, maxTextChars: number): FrameHandler<SendBody & { conversation_id: string }> {
  const body = sendBody(maxTextChars);
  return {
    schema: Type.Object({ type: Type.Literal('send'), ref: RefT, conversation_id: Uuid, ...body.properties }, { additionalProperties: false }),
    async handle(f, ctx) {
      // The ack of a send reaches the sender's socket before that message's live frame.
      const release = ctx.conn.holdUntilAcked(f.conversation_id);
      try {
        const ack = await ingest.send(ctx.user, f.conversation_id, { text: f.text, reply_to: f.reply_to, client_id: f.client_id, thread_id: f.thread_id, also_in_conversation: f.also_in_conversation, mentions: f.mentions, metadata: f.metadata, attachments: f.attachments }, 'ws');
        ctx.reply(`{"type":"ack",${refJson(ctx.ref)}"message":${ack.json}}`);
      } finally {
        release(); // on an error no message was created by this send (or it is retried by client_id)
      }
    },
  };
}

/** Longest a seq resume waits for the warm store to hold what the hot tier numbered. */
const RESUME_WAIT_MS = 15_000;

export function resumeHandler(
  deps: Pick<Deps, 'hot' | 'store'>,
  history: HistoryService,
  changes: ChangeLog,
  requireMember: (conversationId: string, user: string) => Promise<unknown>,
  resumeMax: number,
  delivered: (conversationId: string, user: string, seq: number) => void,
): FrameHandler<{ conversation_id: string; after_seq?: number; after_cursor?: number }> {
  return {
    schema: Type.Object({ type: Type.Literal('resume'), ref: RefT, conversation_id: Uuid, after_seq: Type.Optional(SeqT(0)), after_cursor: Type.Optional(SeqT(0)) }, { additionalProperties: false }),
    async handle(f, { conn, user, ref, reply }) {
      const conv = f.conversation_id;
      if (conn.holds.has(conv)) throw new AppError('VALIDATION_FAILED', 'a resume of this conversation is already running on this socket');
      if ((f.after_seq === undefined) === (f.after_cursor === undefined)) throw new AppError('VALIDATION_FAILED', 'resume takes exactly one of `after_cursor` and `after_seq`');
      if (f.after_cursor !== undefined) {
        await requireMember(conv, user); // a non-member learns nothing, not even the cursor
        const after = f.after_cursor;
        const held: Held[] = [];
        const holding = conn.conversations.has(conv);
        if (holding) conn.holds.set(conv, held); // from before the first read: nothing live slips between
        let cursor = after;
        let complete = false;
        try {
          let page = await changes.read(conv, after, Math.min(200, resumeMax));
          if (page.cursor - after > resumeMax) {
            throw new AppError('RESUME_TOO_FAR', `${page.cursor - after} changes missing, more than ${resumeMax}: page GET /v1/conversations/${conv}/changes?after=${after}`);
          }
          let deliveredSeq = 0;
          for (;;) {
            for (const c of page.changes) {
              reply(c);
              if (c.startsWith('{"type":"message"')) deliveredSeq = Math.max(deliveredSeq, seqOfFrame(c));
            }
            if (page.changes.length) cursor = cursorOf(page.changes[page.changes.length - 1]);
            if (!page.has_more || page.changes.length === 0) break;
            page = await changes.read(conv, cursor, 200);
          }
          reply(`{"type":"resumed",${refJson(ref)}"conversation_id":"${conv}","cursor":${cursor}}`);
          complete = true;
          if (deliveredSeq > 0) delivered(conv, user, deliveredSeq); // replayed messages count as delivered, as live ones do
        } finally {
          if (holding && conn.holds.get(conv) === held) {
            conn.holds.delete(conv);
            // a replay that failed part-way leaves a hole after `cursor`: its held changes would
            // land beyond it, so only what is not a change goes out (the client resumes again)
            let sent = cursor;
            for (const h of held) {
              if (h.cursor === undefined || (complete && h.cursor > cursor)) conn.send(h.buf);
              if (complete && h.cursor !== undefined && h.cursor > sent) sent = h.cursor;
            }
            if (complete) conn.resumed(conv, { cursor: sent });
          }
        }
        return;
      }
      const afterSeq = f.after_seq as number;
      // membership first: a non-member learns nothing, not even the last seq
      const first = await history.page(user, conv, { after: afterSeq, limit: 1 });
      const [hotLast] = await deps.hot.lastSeqs([conv]);
      const lastSeq = hotLast ?? (await deps.store.maxSeq(conv));
      if (lastSeq - afterSeq > resumeMax) {
        throw new AppError('RESUME_TOO_FAR', `${lastSeq - afterSeq} messages missing, more than ${resumeMax}: page GET /v1/conversations/${conv}/messages?after=${afterSeq}`);
      }
      const held: Held[] = [];
      const holding = conn.conversations.has(conv);
      if (holding) conn.holds.set(conv, held);
      let cursor = afterSeq;
      let complete = false;
      try {
        let page = first;
        // Every seq up to lastSeq is replayed, or the resume fails: a warm store behind the hot
        // tier (a persist backlog longer than history's own wait) is waited for up to
        // RESUME_WAIT_MS, then the client is told to resume again — never `resumed` short of it.
        const deadline = Date.now() + RESUME_WAIT_MS;
        for (let guard = 0; guard < resumeMax + 100; guard++) {
          // the older form replays messages at their current version, outside the change log: no cursor
          for (const m of page.messages) reply(`{"type":"message","message":${m}}`);
          if (page.messages.length) cursor = page.lastSeq;
          if (cursor >= lastSeq) break;
          if (!page.has_more && page.messages.length === 0 && Date.now() > deadline) {
            throw new AppError('UNAVAILABLE', `messages up to seq ${cursor} of ${lastSeq} are stored so far (a persist backlog): resume again after ${cursor}`, { retryable: true });
          }
          page = await history.page(user, conv, { after: cursor, limit: 200 });
        }
        // the real last position: what was replayed, else where the conversation stands
        const reported = cursor > afterSeq ? cursor : Math.min(afterSeq, lastSeq);
        reply(`{"type":"resumed",${refJson(ref)}"conversation_id":"${conv}","last_seq":${reported}}`);
        complete = true;
        if (cursor > afterSeq) delivered(conv, user, cursor);
      } finally {
        if (holding && conn.holds.get(conv) === held) {
          conn.holds.delete(conv);
          // a replay that failed part-way leaves a hole after `cursor`: its held messages would
          // land beyond it, so only what is not a message goes out (the client resumes again)
          let sent = cursor;
          for (const h of held) {
            if (h.seq === undefined || (complete && h.seq > cursor)) conn.send(h.buf);
            if (complete && h.seq !== undefined && h.seq > sent) sent = h.seq;
          }
          if (complete) conn.resumed(conv, { seq: sent });
        }
      }
    },
  };
}

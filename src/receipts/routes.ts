// HTTP routes and the `read` frame of receipts.
import { SeqT } from '../model/seq.js';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ConversationParams } from '../conversations/schemas.js';
import { MessageParams } from '../messages/schemas.js';
import type { FrameHandler } from '../ws/frames.js';
import { RefT } from '../ws/frames.js';
import type { ReceiptService } from './service.js';

const ReadBody = Type.Object({ seq: SeqT(0) }, { additionalProperties: false });
const ReceiptT = Type.Object({ user: Type.String(), delivered: Type.Boolean(), read: Type.Boolean(), delivered_seq: Type.Integer(), read_seq: Type.Integer() });

export function receiptRoutes(app: FastifyInstance, svc: ReceiptService) {
  const tags = ['receipts'];
  const security = [{ bearer: [] }];

  app.post<{ Params: { id: string }; Body: { seq: number } }>('/v1/conversations/:id/read', {
    schema: {
      tags, security, params: ConversationParams, body: ReadBody,
      summary: 'Advance my read watermark (never backwards; capped at the last seq)',
      response: { 200: Type.Object({ conversation_id: Type.String(), read_seq: Type.Integer() }) },
    },
  }, async (req) => ({ conversation_id: req.params.id, read_seq: await svc.markRead(req.user.user, req.params.id, req.body.seq, true) }));

  app.get<{ Params: { id: string } }>('/v1/messages/:id/receipts', {
    schema: {
      tags, security, params: MessageParams, summary: 'Sender only: every other member\'s delivered/read state of the message',
      response: { 200: Type.Object({ receipts: Type.Array(ReceiptT) }) },
    },
  }, async (req) => ({ receipts: await svc.forMessage(req.user.user, req.params.id) }));
}

export function readHandler(svc: ReceiptService): FrameHandler<{ conversation_id: string; seq: number }> {
  return {
    schema: Type.Object({ type: Type.Literal('read'), ref: RefT, conversation_id: Type.String({ format: 'uuid' }), seq: SeqT(0) }, { additionalProperties: false }),
    async handle(f, ctx) {
      await svc.markRead(ctx.user, f.conversation_id, f.seq, false);
    },
  };
}

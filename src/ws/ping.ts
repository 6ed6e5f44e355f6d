// The `ping` frame: answered `{type:"pong", ref}` (an application-level liveness check; the
// transport's own ws pings keep idle sockets alive without it).
import { Type } from '@sinclair/typebox';
import { RefT, refJson, type FrameHandler } from './frames.js';

export const pingHandler: FrameHandler = {
  schema: Type.Object({ type: Type.Literal('ping'), ref: RefT }, { additionalProperties: false }),
  handle(_f, ctx) {
    ctx.reply(`{${refJson(ctx.ref)}"type":"pong"}`);
  },
};

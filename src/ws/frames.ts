// Inbound frames: size check, strict UTF-8, JSON, every string storable (well-formed UTF-16, no
// NUL: model/text.ts, as for REST), `type` dispatch to the domain handlers, and schema
// validation (TypeBox → ajv, the same rules as REST bodies: no coercion). Every failure
// becomes an error frame with a stable code from src/errors.ts, echoing `ref`; the socket stays
// open, except for a frame over the size limit (FRAME_TOO_LARGE, then close 4413). A guard
// (app.ts: the app-wide ban and erase check, cached) runs before every handler: USER_BANNED
// answers the frame and closes the socket with 4403.
// This and gateway.ts are where AppError meets the socket.
import { Type, type TSchema } from '@sinclair/typebox';
import AjvModule, { type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { AppError, isAppError } from '../errors.js';
import { retryAfterOf, toAppError } from '../http/problem.js';
import { badString, findBadString } from '../model/text.js';
import { CloseCode } from './close-codes.js';
import { BAD_FRAME_LIMIT, type Conn } from './connection.js';

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new (Ajv as unknown as new (o: object) => InstanceType<typeof AjvModule.default>)({ coerceTypes: false, useDefaults: true, strict: false });
(addFormats as unknown as (a: unknown) => void)(ajv);

export type Ref = string | number | undefined;

export interface FrameContext {
  conn: Conn;
  user: string;
  ref: Ref;
  /** Writes a frame to this socket (string: serialized by the caller). */
  reply(frame: string): void;
}

export interface FrameHandler<F = any> {
  schema: TSchema;
  handle(frame: F, ctx: FrameContext): Promise<void> | void;
}

export function errorFrame(ref: Ref, err: AppError): string {
  const retryAfter = retryAfterOf(err);
  return JSON.stringify({ type: 'error', ref, code: err.code, detail: err.message, retryable: err.retryable, ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}), ...err.extra });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class FrameRouter {
  private handlers = new Map<string, { handler: FrameHandler; validate: ValidateFunction }>();
  private before?: (user: string) => Promise<void>;

  constructor(
    private maxFrameBytes: number,
    private onError: (err: unknown, conn: Conn) => void = () => {},
  ) {}

  register(type: string, handler: FrameHandler): this {
    this.handlers.set(type, { handler, validate: ajv.compile(handler.schema) });
    return this;
  }

  /** Runs before every handler; what it throws answers the frame (USER_BANNED also closes with 4403). */
  guard(check: (user: string) => Promise<void>): this {
    this.before = check;
    return this;
  }

  async dispatch(conn: Conn, data: Buffer, reply: (frame: string) => void): Promise<void> {
    if (conn.closed) return; // frames still queued behind a close are not worth parsing
    let ref: Ref;
    let malformed = true; // until a handler runs, a failure is the frame's own fault
    try {
      if (data.length > this.maxFrameBytes) {
        reply(errorFrame(undefined, new AppError('FRAME_TOO_LARGE', `frame of ${data.length} bytes is over the limit of ${this.maxFrameBytes}`)));
        conn.flush();
        conn.close(CloseCode.FRAME_TOO_LARGE, 'frame too large');
        return;
      }
      let text: string;
      try {
        text = decoder.decode(data);
      } catch {
        throw new AppError('BAD_JSON', 'frame is not valid UTF-8');
      }
      let frame: unknown;
      try {
        frame = JSON.parse(text, (k, v) => (k === '__proto__' ? undefined : v));
      } catch (e) {
        throw new AppError('BAD_JSON', `frame is not valid JSON: ${(e as Error).message}`);
      }
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new AppError('BAD_JSON', 'a frame is a JSON object');
      const f = frame as Record<string, unknown>;
      if ((typeof f.ref === 'string' && !badString(f.ref)) || typeof f.ref === 'number') ref = f.ref;
      const bad = findBadString(f);
      if (bad) throw toAppError(Object.assign(new Error('invalid frame'), { validation: [bad], validationContext: 'frame' }) as never);
      const entry = typeof f.type === 'string' ? this.handlers.get(f.type) : undefined;
      if (!entry) throw new AppError('UNKNOWN_FRAME_TYPE', typeof f.type === 'string' ? `unknown frame type "${[...f.type].slice(0, 40).join('')}"` : 'frame has no string `type`');
      if (!entry.validate(f)) {
        throw toAppError(Object.assign(new Error('invalid frame'), { validation: entry.validate.errors ?? [], validationContext: 'frame' }) as never);
      }
      malformed = false;
      await this.before?.(conn.user);
      await entry.handler.handle(f, { conn, user: conn.user, ref, reply });
    } catch (e) {
      const err = isAppError(e) ? e : new AppError('INTERNAL', 'internal error', { cause: e });
      if (err.status >= 500 && err.code !== 'UNAVAILABLE' && err.code !== 'BACKPRESSURE') this.onError(e, conn);
      reply(errorFrame(ref, err));
      if (err.code === 'USER_BANNED') {
        // a socket that missed the account_banned frame (moderation/app-bans.ts): terminal
        conn.flush();
        conn.close(CloseCode.USER_BANNED, 'banned');
      }
      if (malformed && conn.countBadFrame(Date.now()) > BAD_FRAME_LIMIT) {
        conn.flush();
        conn.close(CloseCode.TOO_MANY_BAD_FRAMES, 'too many bad frames');
      }
    }
  }
}

/** `"ref":…,` to splice into a reply frame, or nothing. */
export function refJson(ref: Ref): string {
  return ref === undefined ? '' : `"ref":${JSON.stringify(ref)},`;
}

/** `ref` as frames may carry it: a short string or a number, echoed in the answer. */
export const RefT = Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Number()]));

// A test WebSocket client: records every frame, waits for frames by predicate with a timeout,
// and exposes the close code. connect() resolves once the server sent `ready` (subscribed).
// sync() is the sentinel that replaces "sleep, then assert nothing more came": the server
// answers a `ping` only after every earlier frame of this socket was handled.
import WebSocket from 'ws';

export type Frame = Record<string, any> & { type: string };

let nextSync = 0;

export class WsClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const w of this.waiters) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const w of this.waiters) w();
    }));
    ws.on('error', () => {
      // the close event carries what the tests check
    });
  }

  static async connect(baseUrl: string, token: string, opts: { ready?: boolean } = {}): Promise<WsClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws?access_token=${encodeURIComponent(token)}`);
    const c = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
    if (opts.ready ?? true) await c.waitFor((f) => f.type === 'ready');
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Messages of one conversation, in arrival order. */
  messages(conversationId: string): Frame[] {
    return this.frames.filter((f) => f.type === 'message' && f.message.conversation_id === conversationId).map((f) => f.message);
  }

  /** Resolves with the first frame (from the start) matching `pred`; rejects after timeoutMs. */
  waitFor(pred: (f: Frame) => boolean, timeoutMs = 15_000): Promise<Frame> {
    return this.until(() => this.frames.find(pred), timeoutMs, 'frame');
  }

  /** Resolves once `cond()` returns a truthy value (re-checked on each frame). */
  until<T>(cond: () => T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = cond();
        if (v) {
          done();
          resolve(v);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`socket closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-3))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /**
   * Sends `{type:"ping"}` and resolves with its `pong`: every frame this socket sent before was
   * handled by then, and the server's replies to them arrived before the pong.
   * Frames from other sockets or nodes need a sentinel of their own (a later event on the same
   * conversation or connection, which the server delivers after the earlier ones).
   */
  async sync(timeoutMs = 15_000): Promise<void> {
    const ref = `sync-${++nextSync}`;
    this.send({ type: 'ping', ref });
    await this.waitFor((f) => f.type === 'pong' && f.ref === ref, timeoutMs);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

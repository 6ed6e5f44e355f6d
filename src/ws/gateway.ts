// The real-time gateway's transport: GET /v1/ws on the API's own server and port. It owns the
// upgrade, framing, heartbeats, backpressure and close codes; what a frame means is decided by
// the domain handlers registered on the FrameRouter it is given (app.ts registers them).
// Authentication is the app's onRequest hook, which runs before the upgrade completes: a bad
// token gets HTTP 401 and no socket. Limits and close codes: docs/websocket.md.
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import client, { type Registry } from 'prom-client';
import type { Fanout } from '../hot-tier/fanout.js';
import type { FrameRouter } from './frames.js';
import { Hub } from './hub.js';
import { Sessions, type PresenceHooks } from './sessions.js';
import { userFrameHandler } from './user-frames.js';

export interface TransportOptions {
  /** Largest accepted inbound frame; above it: FRAME_TOO_LARGE, then close 4413. */
  maxFrameBytes: number;
  /** Queued + buffered outbound bytes per socket above which it is closed with 4001. */
  maxBufferBytes: number;
  idleTimeoutMs: number;
  /** Presence entries live this long; the heartbeat refreshes them at a third of it. */
  presenceTtlMs: number;
  /** Sockets of users banned from the whole server are closed (4403) at most this long after the ban, frame or not. */
  banSweepMs: number;
}

export const TRANSPORT_DEFAULTS: TransportOptions = { maxFrameBytes: 64 * 1024, maxBufferBytes: 1024 * 1024, idleTimeoutMs: 60_000, presenceTtlMs: 30_000, banSweepMs: 2000 };

export interface GatewayPorts {
  fanout: Fanout;
  /** The domain's frame handlers. */
  router: FrameRouter;
  /** Conversations a socket of `user` receives from the start. */
  conversationsOf(user: string): Promise<string[]>;
  presence: PresenceHooks;
  /** A message frame was queued to `users`' sockets (delivered watermarks). */
  delivered(conversationId: string, seq: number, users: Iterable<string>): void;
  registry: Registry;
  /** Of these users, those banned from the whole server: their sockets here are closed with 4403. */
  bannedAmong?: (users: string[]) => Promise<string[]>;
}

export async function registerGateway(app: FastifyInstance, ports: GatewayPorts, o: TransportOptions): Promise<void> {
  let hub: Hub;
  const onUserFrame = userFrameHandler(() => hub);
  hub = new Hub(ports.fanout, { delivered: ports.delivered, userFrame: onUserFrame });
  const sessions = new Sessions(hub, ports.router, ports.presence, ports.conversationsOf, o, app.log, ports.bannedAmong);
  metrics(ports.registry, sessions, hub);

  await app.register(websocket, {
    // ws refuses frames over this hard cap itself (close 1009); between maxFrameBytes and the
    // cap the client gets an error frame first. UTF-8 is checked by the router (BAD_JSON).
    options: { maxPayload: o.maxFrameBytes * 4, skipUTF8Validation: true },
    preClose: async () => sessions.close(),
  });
  // A refused upgrade (401 from the auth hook) is answered over the raw socket, which nothing
  // closes afterwards: end it, or a client that ignores the answer holds it (and shutdown) open.
  app.addHook('onResponse', async (req, reply) => {
    if (req.headers.upgrade && reply.statusCode >= 400 && req.url.startsWith('/v1/ws')) req.raw.socket?.end();
  });
  app.get('/v1/ws', { websocket: true, schema: { hide: true } }, (socket, req) => sessions.accept(socket, req.user.user, req.user.expiresAt));
  app.addHook('onClose', async () => sessions.close());
}

function metrics(registry: Registry, sessions: Sessions, hub: Hub) {
  const registers = [registry];
  // A second app on the same deps (tests run two "nodes" over one registry): the newest reports.
  for (const name of ['strata_ws_connections', 'strata_ws_delivered_frames', 'strata_ws_closed']) registry.removeSingleMetric(name);
  new client.Gauge({ name: 'strata_ws_connections', help: 'Open WebSocket connections on this node', registers, collect() { this.set(sessions.size); } });
  new client.Gauge({ name: 'strata_ws_delivered_frames', help: 'Message frames queued to sockets on this node since start', registers, collect() { this.set(hub.delivered); } });
  new client.Gauge({
    name: 'strata_ws_closed', help: 'Sockets closed by the server since start, by close code', labelNames: ['code'], registers,
    collect() { for (const [code, n] of Object.entries(sessions.closes)) this.set({ code }, n); },
  });
}

// The real-time gateway: GET /v1/ws on the API's own server and port, plus the REST routes of
// receipts, reactions and presence, as one buildApp plugin. Authentication is the app's
// onRequest hook, which runs before the upgrade completes: a bad token gets HTTP 401 and no
// socket. Domain events of this node (membership, edits, deletes) are published through the
// Fanout; a REST call that caused one answers only after the publish, so a client that sees
// the 2xx can rely on every node having been told (e.g. a removed member gets nothing more).
// Limits and close codes: docs/websocket.md.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import type { Services } from '../app.js';
import type { MembershipEvent } from '../conversations/service.js';
import type { Deps } from '../deps.js';
import { conversationTopic, userTopic, type Fanout } from '../hot-tier/fanout.js';
import { messageJson, type Message } from '../model/message.js';
import { resumeHandler, sendHandler } from '../messages/ws-handlers.js';
import type { PresenceStore } from '../hot-tier/presence-store.js';
import { presenceRoutes } from '../presence/routes.js';
import { PresenceTracker } from '../presence/tracker.js';
import { typingHandler } from '../presence/typing.js';
import { reactHandler, reactionRoutes } from '../reactions/routes.js';
import { ReactionService } from '../reactions/service.js';
import { ReceiptBatcher } from '../receipts/receipt-batcher.js';
import type { ReactionStore, ReceiptStore } from '../store/receipt-store.js';
import { readHandler, receiptRoutes } from '../receipts/routes.js';
import { ReceiptService } from '../receipts/service.js';
import { FrameRouter } from './frames.js';
import { Hub } from './hub.js';
import { pingHandler } from './ping.js';
import { Sessions } from './sessions.js';
import { userFrameHandler } from './user-frames.js';

/** The adapters the gateway needs, chosen in src/main/realtime.ts. */
export interface Realtime {
  fanout: Fanout;
  presence: PresenceStore;
  receipts: ReceiptStore & ReactionStore;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** Largest accepted inbound frame; above it: FRAME_TOO_LARGE, then close 4413. */
  maxFrameBytes: number;
  /** Queued + buffered outbound bytes per socket above which it is closed with 4001. */
  maxBufferBytes: number;
  idleTimeoutMs: number;
  /** Most messages one `resume` replays; more missing → RESUME_TOO_FAR. */
  resumeMax: number;
  typingExpiresMs: number;
  typingMinIntervalMs: number;
  presenceTtlMs: number;
  receiptFlushMs: number;
  nodeId: string;
}

export const GATEWAY_DEFAULTS: Omit<GatewayOptions, 'nodeId'> = {
  maxFrameBytes: 64 * 1024, maxBufferBytes: 1024 * 1024, idleTimeoutMs: 60_000, resumeMax: 1000,
  typingExpiresMs: 6000, typingMinIntervalMs: 2000, presenceTtlMs: 30_000, receiptFlushMs: 50,
};

export function gatewayPlugin(deps: Deps, rt: Realtime, options: Partial<GatewayOptions> = {}) {
  const o: GatewayOptions = { ...GATEWAY_DEFAULTS, nodeId: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`, ...options };
  return async (app: FastifyInstance, services: Services) => {
    const log = app.log;
    const batcher = new ReceiptBatcher(rt.receipts, o.receiptFlushMs, (err) => log.warn({ err }, 'receipt flush failed'));
    const receipts = new ReceiptService(deps, services.access, services.edits, rt.receipts, batcher, rt.fanout);
    const reactions = new ReactionService(services.edits, rt.receipts, rt.fanout);
    const tracker = new PresenceTracker(rt.presence, rt.fanout, o.nodeId, o.presenceTtlMs);
    let hub: Hub;
    const onUserFrame = userFrameHandler(() => hub);
    hub = new Hub(rt.fanout, {
      delivered: (conversationId, seq, users) => {
        for (const u of users) batcher.delivered(conversationId, u, seq);
      },
      userFrame: onUserFrame,
    });
    const router = new FrameRouter(o.maxFrameBytes, (err, conn) => log.error({ err, user: conn.user }, 'frame handler failed'))
      .register('send', sendHandler(services.ingest, deps.config.maxTextChars))
      .register('resume', resumeHandler(deps, services.history, o.resumeMax, (c, u, s) => batcher.delivered(c, u, s)))
      .register('read', readHandler(receipts))
      .register('react', reactHandler(reactions))
      .register('typing', typingHandler(services.access, rt.fanout, { expiresMs: o.typingExpiresMs, minIntervalMs: o.typingMinIntervalMs }))
      .register('ping', pingHandler);
    const conversationsOf = async (user: string) => (await deps.store.listConversations(user)).map((c) => c.id);
    const sessions = new Sessions(hub, router, tracker, conversationsOf, o, log);

    receiptRoutes(app, receipts);
    reactionRoutes(app, reactions);
    presenceRoutes(app, rt.presence);
    metrics(deps, sessions, hub);

    // Domain events of this node → fan-out. REST answers wait for these publishes (onSend).
    const pending = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      const q = p.catch((err) => log.warn({ err }, 'fan-out publish failed')).finally(() => pending.delete(q));
      pending.add(q);
    };
    services.conversations.events.on('membership', (e: MembershipEvent) =>
      track(rt.fanout.publish(userTopic(e.user), JSON.stringify({ type: 'membership', conversation_id: e.conversationId, user: e.user, change: e.change }))));
    for (const kind of ['edit', 'delete'] as const) {
      services.edits.events.on(kind, (m: Message) => track(rt.fanout.publish(conversationTopic(m.conversation_id), `{"type":"${kind}","message":${messageJson(m)}}`)));
    }
    app.addHook('onSend', async (req, reply, payload) => {
      if (pending.size) await Promise.all([...pending]);
      // A history page served to a member advances their delivered watermark to its last seq.
      if (req.method === 'GET' && reply.statusCode === 200 && req.routeOptions.url === '/v1/conversations/:id/messages' && typeof payload === 'string') {
        const at = payload.lastIndexOf('"seq":');
        if (at > 0) batcher.delivered((req.params as { id: string }).id, req.user.user, Number.parseInt(payload.slice(at + 6), 10));
      }
      return payload;
    });

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
    app.addHook('onClose', async () => {
      await sessions.close();
      await batcher.close();
    });
  };
}

function metrics(deps: Deps, sessions: Sessions, hub: Hub) {
  const registers = [deps.metrics.registry];
  new client.Gauge({ name: 'strata_ws_connections', help: 'Open WebSocket connections on this node', registers, collect() { this.set(sessions.size); } });
  new client.Gauge({ name: 'strata_ws_delivered_frames', help: 'Message frames queued to sockets on this node since start', registers, collect() { this.set(hub.delivered); } });
  new client.Gauge({
    name: 'strata_ws_closed', help: 'Sockets closed by the server since start, by close code', labelNames: ['code'], registers,
    collect() { for (const [code, n] of Object.entries(sessions.closes)) this.set({ code }, n); },
  });
}

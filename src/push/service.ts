// Push use-cases (docs/push.md): a user's Web Push subscriptions (save, list, delete) and their
// notification settings per conversation (read, change). Every input is checked before anything
// is written: bad input is a registry code and changes nothing. A settings change is the user's
// alone: it is never in the conversation's change log (other members must not see a mute); the
// user's own sockets get a `settings` frame on their user topic, and GET /v1/sync carries each
// conversation's settings for a client coming back.
import { createPublicKey } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../config.js';
import type { Access } from '../conversations/access.js';
import { AppError } from '../errors.js';
import { userTopic, type Announce } from '../hot-tier/fanout.js';
import { badString } from '../model/text.js';
import type { ConversationSettings, NotifyLevel, PushStore, PushSubscription } from '../store/push-store.js';
import type { WebhookAttempt, WebhookStore } from '../store/webhook-store.js';
import { PUSH_ENDPOINT_ID } from '../webhooks/internal-endpoints.js';
import type { PushProvider } from '../push-providers/push-provider.js';
import { refusedAddress, refusedUrl, type AddressPolicy, type LookupAll } from '../push-providers/address-guard.js';

export const MAX_ENDPOINT_LENGTH = 2048;
const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;

export interface SubscriptionView {
  id: string;
  endpoint: string;
  user_agent: string | null;
  created_at: string;
}

export interface SettingsView {
  conversation_id: string;
  muted: boolean;
  notify: NotifyLevel;
  updated_at: string | null;
}

const bad = (why: string) => new AppError('PUSH_SUBSCRIPTION_INVALID', why);

export type EndpointPolicy = AddressPolicy;

/**
 * An https URL of a public push service (or http on the loopback when allowed), with a host, no
 * fragment, no credentials, its host allowed by the policy (address-guard.ts: no IP literal,
 * no internal name, port 443 unless allowed, PUSH_ALLOWED_HOSTS); returned normalised.
 */
export function checkEndpoint(raw: string, policy: EndpointPolicy): string {
  if (raw.length > MAX_ENDPOINT_LENGTH) throw bad(`endpoint is longer than ${MAX_ENDPOINT_LENGTH} characters`);
  if (raw.trim() !== raw || raw === '') throw bad('endpoint is empty or has blanks around it');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad('endpoint is not an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad('endpoint must be an https:// URL');
  if (!u.hostname) throw bad('endpoint has no host');
  if (raw.includes('#')) throw bad('endpoint must not have a #fragment');
  if (u.username || u.password) throw bad('endpoint must not carry credentials');
  const refused = refusedUrl(u, policy);
  if (refused) throw bad(refused);
  if (u.href.length > MAX_ENDPOINT_LENGTH) throw bad(`endpoint is longer than ${MAX_ENDPOINT_LENGTH} characters`);
  return u.href;
}

function b64url(value: string, name: string, bytes: number): Buffer {
  if (value.length > 200 || !B64URL.test(value)) throw bad(`keys.${name} must be base64url`);
  const buf = Buffer.from(value, 'base64url');
  if (buf.length !== bytes) throw bad(`keys.${name} must be the base64url of ${bytes} bytes (got ${buf.length})`);
  return buf;
}

/** p256dh: an uncompressed point ON the P-256 curve; auth: 16 bytes. Returned unpadded. */
export function checkKeys(keys: { p256dh: string; auth: string }): { p256dh: string; auth: string } {
  const point = b64url(keys.p256dh, 'p256dh', 65);
  if (point[0] !== 0x04) throw bad('keys.p256dh must be an uncompressed P-256 point (0x04 …)');
  try {
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  } catch {
    throw bad('keys.p256dh is not a point on the P-256 curve');
  }
  const auth = b64url(keys.auth, 'auth', 16);
  return { p256dh: point.toString('base64url'), auth: auth.toString('base64url') };
}

const view = (s: PushSubscription): SubscriptionView => ({ id: s.id, endpoint: s.endpoint, user_agent: s.user_agent, created_at: s.created_at });

export class PushService {
  constructor(
    private readonly deps: {
      config: Pick<Config, 'pushAllowHttpLocalhost' | 'pushMaxSubscriptionsPerUser' | 'pushAllowedHosts' | 'pushAllowedPorts'>;
      push?: { store: PushStore; provider?: PushProvider; delivery?: { store: WebhookStore } };
    },
    private readonly access: Access,
    private readonly announce: Announce,
    /** The DNS lookup the endpoint's host is resolved with (tests give their own). */
    private readonly lookup?: LookupAll,
  ) {}

  private get policy(): EndpointPolicy {
    const c = this.deps.config;
    return { allowedHosts: c.pushAllowedHosts, allowedPorts: c.pushAllowedPorts, allowHttpLocalhost: c.pushAllowHttpLocalhost };
  }

  private get store(): PushStore {
    if (!this.deps.push) throw new AppError('UNAVAILABLE', 'push is not configured on this node');
    return this.deps.push.store;
  }

  private get provider(): PushProvider {
    const p = this.deps.push?.provider;
    if (!p) throw new AppError('UNAVAILABLE', 'push is not enabled on this server (VAPID keys, PUSH_ENABLED: docs/push.md)');
    return p;
  }

  publicKey(): { public_key: string; provider: string } {
    return { public_key: this.provider.publicKey, provider: this.provider.name };
  }

  async subscribe(user: string, body: { endpoint: string; keys: { p256dh: string; auth: string } }, userAgent: string | undefined): Promise<{ created: boolean; subscription: SubscriptionView }> {
    if (!this.deps.push?.provider) throw new AppError('UNAVAILABLE', 'push is not enabled on this server (VAPID keys, PUSH_ENABLED: docs/push.md)');
    const endpoint = checkEndpoint(body.endpoint, this.policy);
    const keys = checkKeys(body.keys);
    const refused = await refusedAddress(new URL(endpoint), this.policy, this.lookup);
    if (refused) throw bad(refused);
    const ua = userAgent === undefined || badString(userAgent) ? null : userAgent.slice(0, 256);
    const s: PushSubscription = { id: uuidv7(), user, endpoint, ...keys, user_agent: ua, created_at: new Date().toISOString() };
    const r = await this.store.saveSubscription(s, this.deps.config.pushMaxSubscriptionsPerUser);
    if (r === 'taken') throw new AppError('PUSH_SUBSCRIPTION_TAKEN', 'another user has a push subscription with this endpoint and other keys: subscribe anew in the browser (pushManager.subscribe gives a new endpoint)');
    if (r === 'limit') throw new AppError('PUSH_SUBSCRIPTION_LIMIT', `at most ${this.deps.config.pushMaxSubscriptionsPerUser} push subscriptions per user: delete one first`);
    return { created: r === 'created', subscription: view(s) };
  }

  async list(user: string): Promise<SubscriptionView[]> {
    return (await this.store.listSubscriptions(user)).map(view);
  }

  async unsubscribe(user: string, endpoint: string): Promise<void> {
    let normal = endpoint;
    try {
      normal = new URL(endpoint).href;
    } catch {
      // not a URL: matches no stored endpoint (all are normalised URLs), answered below
    }
    if (!(await this.store.removeSubscription(user, normal))) throw new AppError('PUSH_SUBSCRIPTION_NOT_FOUND', 'you have no push subscription with that endpoint');
  }

  async settings(user: string, conversationId: string): Promise<SettingsView> {
    await this.access.requireMember(conversationId, user);
    const s = await this.store.getSettings(conversationId, user);
    return { conversation_id: conversationId, ...s };
  }

  async setSettings(user: string, conversationId: string, patch: { muted?: boolean; notify?: NotifyLevel }): Promise<SettingsView> {
    if (patch.muted === undefined && patch.notify === undefined) throw new AppError('VALIDATION_FAILED', 'body must give muted or notify');
    await this.access.requireMember(conversationId, user);
    const s: ConversationSettings = await this.store.setSettings(conversationId, user, patch, new Date().toISOString());
    await this.announce(userTopic(user), JSON.stringify({ type: 'settings', conversation_id: conversationId, muted: s.muted, notify: s.notify }));
    return { conversation_id: conversationId, ...s };
  }

  /** The push deliverer's attempts (one per message and attempt), newest first. */
  async deliveries(q: { limit: number; before?: string; conversation_id?: string }): Promise<{ deliveries: Omit<WebhookAttempt, 'endpoint_id' | 'webhook_id' | 'type' | 'replay'>[]; next_before: string | null }> {
    const store = this.deps.push?.delivery?.store;
    if (!store) throw new AppError('UNAVAILABLE', 'push is not configured on this node');
    const rows = await store.listAttempts(PUSH_ENDPOINT_ID, { limit: q.limit, before: q.before, conversationId: q.conversation_id });
    return {
      deliveries: rows.map(({ endpoint_id: _e, webhook_id: _w, type: _t, replay: _r, ...a }) => a),
      next_before: rows.length === q.limit ? rows[rows.length - 1].id : null,
    };
  }
}

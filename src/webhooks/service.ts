// The operator's use-cases of webhooks (docs/webhooks.md): register, list, read, update, delete
// endpoints, rotate and read their secret, list their delivery attempts and dead letters, replay
// a dead letter. Every input is checked before anything is written: bad input is a registry
// code and changes nothing. Delivery itself is dispatcher.ts's, in the background.
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { WEBHOOK_EVENTS, type DeadLetter, type WebhookAttempt, type WebhookEndpoint, type WebhookEvent, type WebhookStore } from '../store/webhook-store.js';
import { newSecret, secretKey } from './signing.js';
import type { Actor, AuditLog } from '../audit/audit-log.js';

export const MAX_URL_LENGTH = 2048;

/** An endpoint as the API shows it: never its secret (GET …/secret does). */
export interface EndpointView {
  id: string;
  url: string;
  events: WebhookEvent[];
  created_at: string;
  updated_at: string;
  /** After a rotation: until when the previous secret still signs (ISO-8601), else null. */
  previous_secret_expires_at: string | null;
}

export type DeadLetterView = Omit<DeadLetter, 'endpoint_id' | 'replay_attempts' | 'replay_failing_since' | 'next_attempt_at'>;
export type AttemptView = Omit<WebhookAttempt, 'endpoint_id'>;

export function view(e: WebhookEndpoint, now = Date.now()): EndpointView {
  const until = e.previous_secret && e.previous_secret_until !== null && e.previous_secret_until > now ? new Date(e.previous_secret_until).toISOString() : null;
  return { id: e.id, url: e.url, events: e.events, created_at: e.created_at, updated_at: e.updated_at, previous_secret_expires_at: until };
}

/** An absolute http(s) URL with a host, no fragment, no surrounding blanks; returned normalised. */
export function checkUrl(raw: string): string {
  const bad = (why: string) => new AppError('WEBHOOK_URL_INVALID', `url ${why}`);
  if (raw.length > MAX_URL_LENGTH) throw bad(`is longer than ${MAX_URL_LENGTH} characters`);
  if (raw.trim() !== raw || raw === '') throw bad('is empty or has blanks around it');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad('is not an absolute URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('must be http:// or https://');
  if (!u.hostname) throw bad('has no host');
  if (raw.includes('#')) throw bad('must not have a #fragment');
  if (u.href.length > MAX_URL_LENGTH) throw bad(`is longer than ${MAX_URL_LENGTH} characters`);
  return u.href;
}

export function checkEvents(events: string[]): WebhookEvent[] {
  const known = new Set<string>(WEBHOOK_EVENTS);
  if (events.length === 0) throw new AppError('WEBHOOK_EVENTS_INVALID', `events must name at least one of ${WEBHOOK_EVENTS.join(', ')}`);
  const unknown = events.find((e) => !known.has(e));
  if (unknown !== undefined) throw new AppError('WEBHOOK_EVENTS_INVALID', `unknown event ${JSON.stringify(unknown)}: one of ${WEBHOOK_EVENTS.join(', ')}`);
  if (new Set(events).size !== events.length) throw new AppError('WEBHOOK_EVENTS_INVALID', 'events are named more than once');
  return events as WebhookEvent[];
}

export function checkSecret(secret: string): string {
  if (!secretKey(secret)) throw new AppError('WEBHOOK_SECRET_INVALID', 'secret must be whsec_ followed by the base64 of 24 to 64 bytes');
  return secret;
}

export class WebhookAdmin {
  constructor(
    private readonly deps: { config: Pick<Config, 'webhookSecretGraceS'>; webhooks?: { store: WebhookStore } },
    /** Creates, updates, deletes and rotations go to the audit log (docs/moderation.md#audit-log); `actor` absent: not recorded (internal callers). */
    private readonly audit?: AuditLog,
  ) {}

  private async record(actor: Actor | undefined, action: string, id: string, details: Record<string, unknown> = {}): Promise<void> {
    if (actor) await this.audit?.record({ action, actor, details: { webhook: id, ...details } });
  }

  private get store(): WebhookStore {
    if (!this.deps.webhooks) throw new AppError('UNAVAILABLE', 'webhooks are not configured on this node');
    return this.deps.webhooks.store;
  }

  private async endpoint(id: string): Promise<WebhookEndpoint> {
    const e = await this.store.getEndpoint(id);
    if (!e) throw new AppError('WEBHOOK_NOT_FOUND', `no webhook endpoint ${id}`);
    return e;
  }

  async create(body: { url: string; events: string[]; secret?: string }, actor?: Actor): Promise<EndpointView & { secret: string }> {
    const url = checkUrl(body.url);
    const events = checkEvents(body.events);
    const secret = body.secret === undefined ? newSecret() : checkSecret(body.secret);
    const e = await this.store.createEndpoint({ id: uuidv7(), url, events, secret, created_at: new Date().toISOString() });
    await this.record(actor, 'webhook.created', e.id, { url, events });
    return { ...view(e), secret: e.secret };
  }

  async list(): Promise<EndpointView[]> {
    const now = Date.now();
    return (await this.store.listEndpoints()).map((e) => view(e, now));
  }

  async get(id: string): Promise<EndpointView> {
    return view(await this.endpoint(id));
  }

  async update(id: string, body: { url?: string; events?: string[] }, actor?: Actor): Promise<EndpointView> {
    if (body.url === undefined && body.events === undefined) throw new AppError('VALIDATION_FAILED', 'body must give url or events');
    const patch = {
      ...(body.url !== undefined ? { url: checkUrl(body.url) } : {}),
      ...(body.events !== undefined ? { events: checkEvents(body.events) } : {}),
    };
    await this.endpoint(id);
    const e = await this.store.updateEndpoint(id, patch, new Date().toISOString());
    if (!e) throw new AppError('WEBHOOK_NOT_FOUND', `no webhook endpoint ${id}`);
    await this.record(actor, 'webhook.updated', id, patch);
    return view(e);
  }

  async remove(id: string, actor?: Actor): Promise<void> {
    if (!(await this.store.deleteEndpoint(id))) throw new AppError('WEBHOOK_NOT_FOUND', `no webhook endpoint ${id}`);
    await this.record(actor, 'webhook.deleted', id);
  }

  /** A new secret (given or generated); the old one keeps signing beside it for WEBHOOK_SECRET_GRACE_S. */
  async rotate(id: string, body: { secret?: string }, actor?: Actor): Promise<EndpointView & { secret: string }> {
    const secret = body.secret === undefined ? newSecret() : checkSecret(body.secret);
    await this.endpoint(id);
    const grace = this.deps.config.webhookSecretGraceS;
    const e = await this.store.rotateSecret(id, secret, grace > 0 ? Date.now() + grace * 1000 : null, new Date().toISOString());
    if (!e) throw new AppError('WEBHOOK_NOT_FOUND', `no webhook endpoint ${id}`);
    await this.record(actor, 'webhook.secret_rotated', id);
    return { ...view(e), secret: e.secret };
  }

  async secret(id: string): Promise<{ secret: string }> {
    return { secret: (await this.endpoint(id)).secret };
  }

  async deliveries(id: string, q: { limit: number; before?: string; conversation_id?: string }): Promise<{ deliveries: AttemptView[]; next_before: string | null }> {
    await this.endpoint(id);
    const rows = await this.store.listAttempts(id, { limit: q.limit, before: q.before, conversationId: q.conversation_id });
    const deliveries = rows.map(({ endpoint_id: _, ...a }) => a);
    return { deliveries, next_before: rows.length === q.limit ? rows[rows.length - 1].id : null };
  }

  async deadLetters(id: string, q: { limit: number; before?: string }): Promise<{ dead_letters: DeadLetterView[]; next_before: string | null }> {
    await this.endpoint(id);
    const rows = await this.store.listDeadLetters(id, { limit: q.limit, before: q.before });
    const deadLetters = rows.map(({ endpoint_id: _e, replay_attempts: _r, replay_failing_since: _f, next_attempt_at: _n, ...d }) => d);
    return { dead_letters: deadLetters, next_before: rows.length === q.limit ? rows[rows.length - 1].id : null };
  }

  async replay(id: string, deadLetterId: string): Promise<{ replaying: string }> {
    await this.endpoint(id);
    if (!(await this.store.replayDeadLetter(id, deadLetterId, Date.now()))) {
      throw new AppError('WEBHOOK_DEAD_LETTER_NOT_FOUND', `endpoint ${id} has no dead letter ${deadLetterId}`);
    }
    return { replaying: deadLetterId };
  }
}

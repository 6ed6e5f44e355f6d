// The one configuration schema. Every key is read from the environment once, at start, by
// loadConfig(); an invalid value stops the start with a message naming the key and what it
// expects. docs/config.md is generated from this table (a test keeps the two in step).
import path from 'node:path';

type Parser<T> = (raw: string) => T;

interface KeyDef<T> {
  env: string;
  default: T | (() => T) | undefined;
  doc: string;
  /** What the parser accepts, for error messages and docs. */
  expects: string;
  parse: Parser<T>;
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> => (raw) => {
  if (!/^-?\d+$/.test(raw.trim())) throw new Error('not an integer');
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`out of range ${min}..${max}`);
  return n;
};
const str: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new Error('empty');
  return raw.trim();
};
const oneOf = <T extends string>(...values: T[]): Parser<T> => (raw) => {
  if (!(values as string[]).includes(raw)) throw new Error(`unknown value "${raw}"`);
  return raw as T;
};
const bool: Parser<boolean> = (raw) => {
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new Error(`not a boolean "${raw}"`);
};
const url = (...schemes: string[]): Parser<string> => (raw) => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // URL's own error text is unhelpful ("Invalid URL"); the caller adds the key and expectation.
    throw new Error('not a URL');
  }
  if (!schemes.includes(u.protocol.replace(/:$/, ''))) throw new Error(`scheme must be one of ${schemes.join(', ')}`);
  return raw;
};

/** `type/subtype` in lower case (no parameters), or `type/*`: the shape an upload's content type must have. */
export const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const mediaTypes: Parser<string[]> = (raw) => {
  const list = raw.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
  const bad = list.find((t) => !MEDIA_TYPE.test(t) && !/^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/\*$/.test(t));
  if (bad !== undefined) throw new Error(`"${bad}" is not type/subtype or type/*`);
  if (list.length === 0) throw new Error('empty');
  return list;
};
/** Host names or suffixes (`*.push.services.mozilla.com` or `push.services.mozilla.com`: it and its subdomains), comma-separated; `-` or empty: none. */
const hostSuffixes: Parser<string[]> = (raw) => {
  const list = raw.split(',').map((t) => t.trim().toLowerCase().replace(/^\*\./, '')).filter((t) => t !== '' && t !== '-');
  const bad = list.find((t) => !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(t));
  if (bad !== undefined) throw new Error(`"${bad}" is not a host name`);
  return list;
};
const ports: Parser<number[]> = (raw) => {
  const list = raw.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (list.length === 0) throw new Error('empty');
  return list.map((t) => int(1, 65_535)(t));
};
/** Displayable or common document types; nothing a browser runs as script (no text/html, no image/svg+xml). */
const UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'application/pdf', 'text/plain', 'text/csv', 'application/json',
  'application/zip', 'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/webm', 'video/mp4', 'video/webm', 'video/quicktime'];

function key<T>(env: string, def: KeyDef<T>['default'], expects: string, parse: Parser<T>, doc: string): KeyDef<T> {
  return { env, default: def, expects, parse, doc };
}

export const schema = {
  nodeEnv: key('NODE_ENV', 'development', 'development | production | test', oneOf('development', 'production', 'test'), 'Profile; `production` refuses to start without an explicit auth secret or JWKS URL and disables dev-only endpoints.'),
  port: key('PORT', 8080, 'integer 0..65535', int(0, 65535), 'HTTP and WebSocket port.'),
  host: key('HOST', '127.0.0.1', 'host name or address', str, 'Listen address; use 0.0.0.0 in containers.'),
  dataDir: key('DATA_DIR', './data', 'directory path', str, 'Holds the SQLite file, the generated dev secret and the local archive.'),
  valkeyUrl: key<string | undefined>('VALKEY_URL', undefined, 'redis://, rediss:// or redis+cluster://host:port[,host:port…]', url('redis', 'rediss', 'redis+cluster', 'valkey', 'valkeys'), 'Hot tier. Unset → in-process memory engine. `redis+cluster://h1:p1,h2:p2` → Valkey Cluster.'),
  keyPrefix: key('VALKEY_PREFIX', 'strata', 'non-empty string', str, 'Prefix of every hot-tier key (lets several deployments share one Valkey).'),
  databaseUrl: key<string | undefined>('DATABASE_URL', undefined, 'postgres://… or sqlite:<path>', url('postgres', 'postgresql', 'sqlite'), 'Warm store. Unset → sqlite:<DATA_DIR>/strata.db.'),
  archiveUrl: key<string | undefined>('ARCHIVE_URL', undefined, 'file:<dir> or s3://bucket/prefix', url('file', 's3'), 'Cold tier. Unset → file:<DATA_DIR>/archive.'),
  s3Endpoint: key<string | undefined>('S3_ENDPOINT', undefined, 'http(s) URL', url('http', 'https'), 'S3-compatible endpoint (MinIO, Swift s3api, …); unset → AWS.'),
  s3Region: key('S3_REGION', 'us-east-1', 'region name', str, 'S3 region.'),
  s3ForcePathStyle: key('S3_FORCE_PATH_STYLE', true, 'true | false', bool, 'Path-style S3 addressing (needed by most self-hosted S3 servers).'),
  authJwtSecret: key<string | undefined>('AUTH_JWT_SECRET', undefined, 'string of at least 32 characters', (raw) => {
    if (raw.length < 32) throw new Error('shorter than 32 characters');
    return raw;
  }, 'HS256 secret for tokens. Unset in development → generated into DATA_DIR/dev-secret on first start.'),
  authJwksUrl: key<string | undefined>('AUTH_JWKS_URL', undefined, 'http(s) URL', url('http', 'https'), 'JWKS endpoint for RS256/ES256 tokens (takes precedence over AUTH_JWT_SECRET).'),
  authIssuer: key<string | undefined>('AUTH_ISSUER', undefined, 'string', str, 'When set, tokens must carry this `iss` (and `strata token` mints it).'),
  authAudience: key<string | undefined>('AUTH_AUDIENCE', undefined, 'string', str, 'When set, tokens must carry this `aud` (and `strata token` mints it).'),
  authMaxTokenAgeS: key('AUTH_MAX_TOKEN_AGE_S', 86_400, 'integer 60..31536000', int(60, 31_536_000), 'A token without `exp` is accepted this long after its `iat` (and refused without `iat`); sockets opened with it close then.'),
  recentLimit: key('RECENT_LIMIT', 500, 'integer 1..100000', int(1, 100_000), 'Messages kept per conversation in the hot ring.'),
  partitions: key('PARTITIONS', 16, 'integer 1..4096', int(1, 4096), 'Persist-log partitions; fixed per deployment (changing it re-maps conversations).'),
  rateLimit: key('RATE_LIMIT', 30, 'integer 0..1000000 (0 = off)', int(0, 1_000_000), 'Messages one user may send per window.'),
  rateWindowS: key('RATE_WINDOW_S', 10, 'integer 1..86400', int(1, 86_400), 'Rate-limit window in seconds.'),
  dedupTtlS: key('DEDUP_TTL_S', 86_400, 'integer 60..2592000', int(60, 2_592_000), 'How long a client_id is remembered for idempotent sends.'),
  maxTextChars: key('MAX_TEXT_CHARS', 4000, 'integer 1..100000', int(1, 100_000), 'Longest message text, in characters.'),
  maxMetadataBytes: key('MAX_METADATA_BYTES', 4096, 'integer 2..65536', int(2, 65_536), 'Largest message `metadata` object, in bytes of its JSON (UTF-8).'),
  uploadMaxBytes: key('UPLOAD_MAX_BYTES', 26_214_400, 'integer 1..5368709120', int(1, 5_368_709_120), 'Largest attachment upload in bytes (docs/attachments.md); a larger declared `size` is UPLOAD_TOO_LARGE. Also the body limit of the embedded store\'s upload URL.'),
  uploadTypes: key('UPLOAD_TYPES', UPLOAD_TYPES, 'comma-separated type/subtype or type/* (lower case)', mediaTypes, 'Content types an upload may declare; any other is UPLOAD_TYPE_NOT_ALLOWED. Default: common images (no SVG), PDF, plain text, CSV, JSON, zip, audio and video.'),
  uploadTtlS: key('UPLOAD_TTL_S', 86_400, 'integer 60..2592000', int(60, 2_592_000), 'An upload not attached to a message this many seconds after it was created (and after its upload URL expired) is deleted by the sweep.'),
  uploadUrlTtlS: key('UPLOAD_URL_TTL_S', 900, 'integer 10..604800', int(10, 604_800), 'How long an upload\'s PUT URL (S3 presigned, or the embedded store\'s signed Strata URL) stays valid.'),
  attachmentUrlTtlS: key('ATTACHMENT_URL_TTL_S', 300, 'integer 10..604800', int(10, 604_800), 'How long the signed download URL that `GET /v1/attachments/{id}` redirects to stays valid.'),
  uploadSweepIntervalS: key('UPLOAD_SWEEP_INTERVAL_S', 600, 'integer 1..86400', int(1, 86_400), 'How often each process sweeps uploads: unattached ones past UPLOAD_TTL_S and the files of deleted messages.'),
  requestTimeoutS: key('REQUEST_TIMEOUT_S', 30, 'integer 1..3600', int(1, 3600), 'An HTTP request not fully received within this many seconds is answered 408 and closed (slow or stalled clients).'),
  headersTimeoutS: key('HEADERS_TIMEOUT_S', 10, 'integer 1..600', int(1, 600), 'An HTTP request whose headers are not complete within this many seconds is closed.'),
  bodyLimitBytes: key('BODY_LIMIT_BYTES', 65_536, 'integer 1024..10485760', int(1024, 10_485_760), 'Largest accepted HTTP body.'),
  persistBatch: key('PERSIST_BATCH', 500, 'integer 1..10000', int(1, 10_000), 'Rows per warm-store write batch.'),
  persistIntervalMs: key('PERSIST_INTERVAL_MS', 50, 'integer 1..60000', int(1, 60_000), 'Longest a persist worker waits to fill a batch.'),
  persistMaxBacklog: key('PERSIST_MAX_BACKLOG', 100_000, 'integer 100..100000000', int(100, 100_000_000), 'Unpersisted messages per partition beyond which sends get 503 + Retry-After.'),
  persistClaimIdleMs: key('PERSIST_CLAIM_IDLE_MS', 30_000, 'integer 100..3600000', int(100, 3_600_000), 'Entries pending longer than this on a dead consumer are claimed by another.'),
  persistMaxAttempts: key('PERSIST_MAX_ATTEMPTS', 5, 'integer 1..100', int(1, 100), 'Attempts at a rejected entry before it goes to the dead-letter stream.'),
  beforeSendUrl: key<string | undefined>('BEFORE_SEND_URL', undefined, 'http(s) URL', url('http', 'https'), 'Before-send hook: each message is POSTed here before it is accepted; the answer accepts, rejects or rewrites it (docs/hooks.md). Unset → no hook.'),
  beforeSendTimeoutMs: key('BEFORE_SEND_TIMEOUT_MS', 1000, 'integer 1..60000', int(1, 60_000), 'How long a send waits for the before-send hook.'),
  beforeSendFailure: key('BEFORE_SEND_ON_FAILURE', 'reject' as 'accept' | 'reject', 'accept | reject', oneOf('accept', 'reject'), 'When the hook times out, errs or answers nonsense: `reject` (fail closed: 503 HOOK_UNAVAILABLE) or `accept` (fail open: the message as sent).'),
  ackAfter: key('ACK_AFTER', 'hot' as 'hot' | 'store', 'hot | store', oneOf('hot', 'store'), '`hot`: ack once the hot tier has the message; `store`: wait for the warm-store commit.'),
  workers: key('WORKERS', true, 'true | false', bool, 'Run persist/archive workers inside `strata start` (set false when running `strata worker` separately).'),
  retentionDays: key('RETENTION_DAYS', 0, 'integer 0..36500 (0 = off)', int(0, 36_500), 'Archive messages older than this many days.'),
  retentionKeepLast: key('RETENTION_KEEP_LAST', 0, 'integer 0..100000000 (0 = off)', int(0, 100_000_000), 'Archive all but the last N messages of each conversation.'),
  auditArchiveDays: key('AUDIT_ARCHIVE_DAYS', 90, 'integer 0..36500 (0 = never)', int(0, 36_500), 'Move audit log entries older than this many days from the warm store to the archive (audit/ on ARCHIVE_URL), every ARCHIVE_INTERVAL_S; they stay listed by GET /v1/admin/audit (docs/moderation.md#audit-log).'),
  archiveIntervalS: key('ARCHIVE_INTERVAL_S', 3600, 'integer 10..604800', int(10, 604_800), 'How often the archiver applies the retention policy.'),
  wsMaxFrameBytes: key('WS_MAX_FRAME_BYTES', 65_536, 'integer 1024..10485760', int(1024, 10_485_760), 'Largest accepted WebSocket frame; a larger one closes the socket (4413).'),
  wsMaxBufferBytes: key('WS_MAX_BUFFER_BYTES', 1_048_576, 'integer 65536..268435456', int(65_536, 268_435_456), 'Unsent bytes a socket may hold before it is closed as a slow consumer (4001).'),
  wsIdleTimeoutS: key('WS_IDLE_TIMEOUT_S', 60, 'integer 5..3600', int(5, 3600), 'A socket silent this long (no frame, no pong) is closed (4002).'),
  resumeMax: key('RESUME_MAX', 1000, 'integer 1..100000', int(1, 100_000), 'Most messages (or changes) one `resume` replays; beyond it the client is told to page with REST (RESUME_TOO_FAR).'),
  changeRingLimit: key('CHANGE_RING_LIMIT', 1000, 'integer 1..100000', int(1, 100_000), 'Changes kept per conversation in the hot tier\'s change ring (docs/changes.md); older ones are read from the warm store.'),
  changeRetentionDays: key('CHANGE_RETENTION_DAYS', 30, 'integer 1..36500', int(1, 36_500), 'How long the warm store keeps changes for replay; a client behind that gets RELOAD_REQUIRED.'),
  syncTokenTtlDays: key('SYNC_TOKEN_TTL_DAYS', 30, 'integer 1..36500', int(1, 36_500), 'How long a `GET /v1/sync` token stays valid.'),
  webhookDelivery: key('WEBHOOK_DELIVERY', true, 'true | false', bool, 'Deliver webhooks from this process (with its persist workers: `strata start` with WORKERS=true, `strata worker`). One process delivers for an endpoint at a time (a lease per endpoint); the others take over when it stops (docs/webhooks.md).'),
  webhookTimeoutMs: key('WEBHOOK_TIMEOUT_MS', 10_000, 'integer 100..300000', int(100, 300_000), 'An endpoint that has not answered a delivery within this many milliseconds has failed that attempt (retried).'),
  webhookRetryForS: key('WEBHOOK_RETRY_FOR_S', 86_400, 'integer 1..2592000', int(1, 2_592_000), 'How long a change is retried (exponential backoff with jitter) while its endpoint keeps failing; then it becomes a dead letter of the endpoint (replayable). A conversation\'s deliveries that have failed for longer get one attempt each until one succeeds.'),
  webhookRetryBaseMs: key('WEBHOOK_RETRY_BASE_MS', 1000, 'integer 1..3600000', int(1, 3_600_000), 'First retry delay of a webhook delivery; it doubles with every failed attempt (each delay jittered to 50–100 %).'),
  webhookRetryMaxMs: key('WEBHOOK_RETRY_MAX_MS', 3_600_000, 'integer 1..86400000', int(1, 86_400_000), 'Longest delay between two attempts at one webhook delivery.'),
  webhookPollMs: key('WEBHOOK_POLL_MS', 250, 'integer 10..60000', int(10, 60_000), 'How often the webhook deliverer looks for changes committed by other processes (commits of its own process wake it at once).'),
  webhookConcurrency: key('WEBHOOK_CONCURRENCY', 8, 'integer 1..256', int(1, 256), 'Conversations delivered in parallel per endpoint (within a conversation, one change at a time, in cursor order).'),
  webhookLeaseTtlS: key('WEBHOOK_LEASE_TTL_S', 15, 'integer 2..600', int(2, 600), 'The per-endpoint delivery lease: another process takes an endpoint over this long after its deliverer stopped renewing (at once when that process is dead on the same host).'),
  webhookSecretGraceS: key('WEBHOOK_SECRET_GRACE_S', 86_400, 'integer 0..2592000', int(0, 2_592_000), 'After a secret rotation, deliveries are signed with the old secret too (two `v1,` signatures) for this long, so receivers can switch over.'),
  webhookLogDays: key('WEBHOOK_LOG_DAYS', 7, 'integer 1..3650', int(1, 3650), 'How long the delivery attempts of GET /v1/admin/webhooks/{id}/deliveries are kept (dead letters are kept until replayed or their endpoint is deleted).'),
  vapidPublicKey: key<string | undefined>('VAPID_PUBLIC_KEY', undefined, 'base64url P-256 public key (65 bytes uncompressed)', str, 'Web Push application server key (docs/push.md); `strata vapid-keys` prints a fresh pair. With VAPID_PRIVATE_KEY: push is on. Unset outside production: a pair is generated once into DATA_DIR/vapid-keys.json. Unset in production: push is off.'),
  vapidPrivateKey: key<string | undefined>('VAPID_PRIVATE_KEY', undefined, 'base64url P-256 private key (32 bytes)', str, 'The private half of VAPID_PUBLIC_KEY: signs the VAPID JWT of every push (RFC 8292). Keep it secret; changing the pair invalidates every subscription.'),
  vapidSubject: key('VAPID_SUBJECT', 'mailto:push@strata.invalid', 'mailto: or https: URL', url('mailto', 'https'), 'The operator contact push services see in the VAPID JWT (`sub`); set it to a real address.'),
  pushEnabled: key('PUSH_ENABLED', true, 'true | false', bool, 'false turns Web Push off even with VAPID keys: the subscription routes answer UNAVAILABLE, nothing is pushed (conversation settings still work).'),
  receiptDeliveredFlushMs: key('RECEIPT_DELIVERED_FLUSH_MS', 0, 'integer 0..60000 (0 = auto)', int(0, 60_000), 'How long delivered watermarks (one per member socket that got a message) gather on a node before one write to the warm store. 0: a quarter of PUSH_DELAY_MS, at most 500 ms. Reads are written within 50 ms whatever this says.'),
  pushDelayMs: key('PUSH_DELAY_MS', 2000, 'integer 100..600000', int(100, 600_000), 'A message is pushed to a member only if none of their sockets got it within this many milliseconds of its creation (their delivered watermark, docs/push.md). At least 100: the receipt batcher needs its flush interval, and the clocks of the nodes differ a little; keep it at 250 or more across hosts.'),
  pushTtlS: key('PUSH_TTL_S', 86_400, 'integer 0..2419200', int(0, 2_419_200), 'How long a push service keeps a notification for an offline device (the TTL header, RFC 8030).'),
  pushPreviewChars: key('PUSH_PREVIEW_CHARS', 120, 'integer 0..500', int(0, 500), 'Characters of the message text in a push payload (cut at a code point; 0: no text).'),
  pushMaxSubscriptionsPerUser: key('PUSH_MAX_SUBSCRIPTIONS_PER_USER', 20, 'integer 1..1000', int(1, 1000), 'Push subscriptions one user may have; one more is PUSH_SUBSCRIPTION_LIMIT.'),
  pushAllowedHosts: key('PUSH_ALLOWED_HOSTS', [] as string[], 'comma-separated host names or *.suffixes; empty: any public host', hostSuffixes, 'Push services a subscription endpoint may name (each entry: that host and its subdomains), e.g. `*.push.services.mozilla.com,fcm.googleapis.com,*.notify.windows.com,web.push.apple.com`. Empty: any public https host (never an IP literal or a name resolving to a private, loopback or link-local address: docs/push.md).'),
  pushAllowedPorts: key('PUSH_ALLOWED_PORTS', [443], 'comma-separated ports 1..65535', ports, 'Ports an https:// subscription endpoint may use (the browsers\' push services all use 443).'),
  pushAllowHttpLocalhost: key('PUSH_ALLOW_HTTP_LOCALHOST', false, 'true | false', bool, 'Accept http:// subscription endpoints on 127.0.0.1, ::1 or localhost (a test push service); otherwise endpoints must be https://.'),
  pushTimeoutMs: key('PUSH_TIMEOUT_MS', 10_000, 'integer 100..300000', int(100, 300_000), 'A push service that has not answered within this many milliseconds has failed that push (retried).'),
  pushRetryForS: key('PUSH_RETRY_FOR_S', 3600, 'integer 1..86400', int(1, 86_400), 'How long a push to one subscription is retried while its push service fails (429, 5xx, no answer; backoff as WEBHOOK_RETRY_BASE_MS/MAX_MS); the other subscriptions never wait for it (docs/push.md).'),
  pushMaxAgeS: key('PUSH_MAX_AGE_S', 300, 'integer 1..86400', int(1, 86_400), 'A message older than this (beyond PUSH_DELAY_MS) when its turn comes is not pushed (stale: e.g. after push was off, or the deliverer was down, for a while).'),
  pushDisableAfterS: key('PUSH_DISABLE_AFTER_S', 86_400, 'integer 60..2592000', int(60, 2_592_000), 'A subscription whose push service has failed every push (429, 5xx, no answer) for this long, at least 10 times in a row, is removed.'),
  pushConcurrency: key('PUSH_CONCURRENCY', 64, 'integer 1..1024', int(1, 1024), 'Conversations whose messages are pushed in parallel (within one, in order; each may wait up to PUSH_DELAY_MS).'),
  logLevel: key('LOG_LEVEL', 'info', 'fatal | error | warn | info | debug | trace | silent', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'Log level of the JSON logs.'),
} as const;

type Schema = typeof schema;
export type Config = { -readonly [K in keyof Schema]: Schema[K] extends KeyDef<infer T> ? T : never };

export class ConfigError extends Error {}

/** Reads and validates every key; throws ConfigError listing each bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, def] of Object.entries(schema) as [string, KeyDef<unknown>][]) {
    const raw = env[def.env];
    if (raw === undefined || raw === '') {
      out[name] = typeof def.default === 'function' ? (def.default as () => unknown)() : def.default;
      continue;
    }
    try {
      out[name] = def.parse(raw);
    } catch (e) {
      problems.push(`${def.env}=${JSON.stringify(raw)}: ${(e as Error).message}; expected ${def.expects}`);
    }
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  const config = out as Config;
  config.dataDir = path.resolve(config.dataDir);
  if (config.nodeEnv === 'production' && !config.authJwtSecret && !config.authJwksUrl) {
    throw new ConfigError('invalid configuration:\n  AUTH_JWT_SECRET or AUTH_JWKS_URL is required when NODE_ENV=production');
  }
  return config;
}

/** Configuration for tests and tools: defaults plus overrides, no environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  return { ...base, ...overrides };
}

export function resolvedDatabaseUrl(c: Config): string {
  return c.databaseUrl ?? `sqlite:${path.join(c.dataDir, 'strata.db')}`;
}

export function resolvedArchiveUrl(c: Config): string {
  return c.archiveUrl ?? `file:${path.join(c.dataDir, 'archive')}`;
}

/** Markdown table of the schema, the source of docs/config.md. */
export function configDocs(): string {
  const rows = Object.values(schema).map((d: KeyDef<unknown>) => {
    const def = d.default === undefined ? '(unset)' : `\`${String(d.default)}\``;
    return `| \`${d.env}\` | ${def} | ${d.expects} | ${d.doc} |`;
  });
  return ['| variable | default | expects | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

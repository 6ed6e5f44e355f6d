// Connections of the Valkey hot tier: URL parsing, client construction (standalone or
// Cluster, ioredis in both cases) and the translation of native errors into AppError.
//
//   redis://[user:pass@]host:port[/db]       standalone Valkey / Redis (also rediss:// for TLS)
//   redis+cluster://[user:pass@]h1:p1,h2:p2  Valkey / Redis Cluster, seed nodes (rediss+cluster://)
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { AppError, isAppError } from '../../errors.js';

export type Client = Redis | Cluster;

/**
 * What every Valkey adapter of a process shares (hot tier, persist log, fan-out, presence):
 * the pipelined main connection, the key names, the partition count and the Lua scripts.
 * ValkeyHotTier owns it (connects, loads the scripts, closes); the others borrow it.
 */
export interface ValkeyConnection {
  readonly client: Client;
  readonly keys: import('./keys.js').Keys;
  readonly partitions: number;
  readonly run: import('./scripts.js').RunScript;
  readonly readyTimeoutMs: number;
  partitionOf(conversationId: string): number;
}

export type HotTierTarget =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean };

export function parseHotTierUrl(url: string): HotTierTarget {
  const m = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)/.exec(url);
  if (!m) {
    if (!/^rediss?:\/\//.test(url)) throw new Error(`hot-tier URL must start with redis://, rediss:// or redis+cluster://: ${url}`);
    return { kind: 'standalone', url };
  }
  const nodes = m[4].split(',').map((hp) => {
    const at = hp.lastIndexOf(':');
    const host = at > 0 ? hp.slice(0, at) : hp;
    const port = at > 0 ? Number(hp.slice(at + 1)) : 6379;
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad cluster node "${hp}" in hot-tier URL`);
    return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
  });
  const dec = (s: string | undefined) => (s ? decodeURIComponent(s) : undefined);
  return { kind: 'cluster', nodes, username: dec(m[2]), password: dec(m[3]), tls: m[1] === 'rediss' };
}

/** Options every connection of the adapter shares. */
function baseOptions(extra: RedisOptions): RedisOptions {
  return {
    // A command that was sent but never answered (connection lost) is NOT resent: ingest
    // without a client key is not idempotent, so the caller gets UNAVAILABLE and decides.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    ...extra,
  };
}

export interface ClientOptions {
  /** Passed to every ioredis connection (timeouts, TLS details, …). */
  redisOptions?: RedisOptions;
  clusterOptions?: ClusterOptions;
}

export function createClient(target: HotTierTarget, opts: ClientOptions = {}): Client {
  if (target.kind === 'standalone') {
    return new Redis(target.url, baseOptions({ enableAutoPipelining: true, ...opts.redisOptions }));
  }
  return new Cluster(target.nodes, {
    enableAutoPipelining: true,
    scaleReads: 'master',
    ...opts.clusterOptions,
    redisOptions: baseOptions({
      username: target.username,
      password: target.password,
      ...(target.tls ? { tls: {} } : {}),
      ...opts.redisOptions,
    }),
  });
}

/** A connection of its own for sharded pub/sub (a Cluster subscribes once per shard). */
export function createSubscriber(main: Client): Client {
  if (main instanceof Cluster) return main.duplicate([], { shardedSubscribers: true, enableAutoPipelining: false });
  return main.duplicate({ enableAutoPipelining: false });
}

/** A connection of its own for blocking reads (XREADGROUP BLOCK would stall the pipeline). */
export function createBlockingClient(main: Client): Client {
  if (main instanceof Cluster) return main.duplicate([], { enableAutoPipelining: false });
  return main.duplicate({ enableAutoPipelining: false });
}

/** Waits until the client can serve commands, or fails with UNAVAILABLE. */
export async function ready(client: Client, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`not ready within ${timeoutMs} ms (status ${client.status})`)), timeoutMs);
    const onReady = () => done();
    const onEnd = () => done(new Error('connection ended'));
    function done(err?: Error) {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    }
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
}

/** Native errors become AppError('UNAVAILABLE', retryable) at the adapter boundary. */
export function unavailable(op: string, e: unknown): AppError {
  if (isAppError(e)) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new AppError('UNAVAILABLE', `hot tier ${op}: ${detail}`, { cause: e, retryable: true });
}

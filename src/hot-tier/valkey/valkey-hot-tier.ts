// The Valkey hot tier: HotTier, RateLimiter and PersistLog on Valkey 7.2+/8, Redis 7.0+, or a
// Valkey/Redis Cluster, through ioredis (auto-pipelined; one client library in the project).
//
//   ValkeyHotTier.connect('redis://127.0.0.1:6379', { prefix: 'strata', partitions: 16 })
//   ValkeyHotTier.connect('redis+cluster://10.0.0.1:7000,10.0.0.2:7000', { partitions: 16 })
//
// Guarantees
// - ingest is ONE Lua script on one hash slot (keys.ts): dedup, seq INCR (gap-free, strictly
//   increasing per conversation), recent ring, persist-log XADD and SPUBLISH happen together
//   or not at all. A reply lost to a dropped connection is NOT retried by the client
//   (connection.ts): the caller gets UNAVAILABLE and retries with its client key.
// - The persist log is at-least-once: one consumer group per partition stream; ack deletes
//   the entry (XACK + XDEL), so XLEN is the backlog and nothing unpersisted is ever trimmed.
// - Fan-out (subscribe) is at-most-once: clients resume by seq after a reconnect.
// Concurrency: any number of callers; blocking reads take a connection of their own from a
// small pool so they never stall the pipelined main connection.
// Shutdown: close() ends blocked reads (they return []), unsubscribes and quits every connection.
// Errors: every native error becomes AppError('UNAVAILABLE', retryable) here.
import {
  IN_FLIGHT_TTL_MS, NO_RESTRICTIONS, type ChangeInput, type Restrictions, type RestrictionUpdate, type ChangeOutcome, type DeadLetter, type HotTier, type IngestInput, type IngestOutcome, type LogEntry, type PersistLog, type RateLimiter, type RecentRange,
} from '../hot-tier.js';
import { partitionOf } from '../partition.js';
import { createClient, parseHotTierUrl, ready, unavailable, type Client, type ClientOptions, type ValkeyConnection } from './connection.js';
import { ShardedFanOut, type FrameHandler } from './sharded-subscriber.js';
import { Keys, PERSIST_GROUP } from './keys.js';
import { BlockingReader, parseClaimed, parseDeadLetters, parseStreamRead } from './persist-log.js';
import { defineScripts, preloadScripts, type RunScript } from './scripts.js';

export interface ValkeyHotTierOptions extends ClientOptions {
  /** Key prefix, no braces (default "strata"); tests use a unique one each. */
  prefix?: string;
  /** Number of persist-log partitions, fixed per deployment. */
  partitions: number;
  /** How long start() and subscribe() wait for a connection (default 10 000 ms). */
  readyTimeoutMs?: number;
  /** Idle blocking-read connections kept for reuse (default 4). */
  maxIdleReaders?: number;
  /** Connection errors as they happen (ioredis reconnects on its own); default: ignored. */
  onError?: (e: Error) => void;
}

export class ValkeyHotTier implements HotTier, RateLimiter, PersistLog, ValkeyConnection {
  readonly partitions: number;
  readonly keys: Keys;
  /** The pipelined main connection; the other Valkey adapters (fan-out, presence) share it. */
  readonly client: Client;
  readonly run: RunScript;
  private readonly fanOut: ShardedFanOut;
  private readonly reader: BlockingReader;
  readonly readyTimeoutMs: number;

  /** Connects, loads the scripts and creates every partition's consumer group. */
  static async connect(url: string, opts: ValkeyHotTierOptions): Promise<ValkeyHotTier> {
    const tier = new ValkeyHotTier(url, opts);
    try {
      await tier.start();
    } catch (e) {
      await tier.close();
      throw e;
    }
    return tier;
  }

  constructor(url: string, opts: ValkeyHotTierOptions) {
    if (!Number.isInteger(opts.partitions) || opts.partitions < 1) throw new Error(`partitions must be a positive integer, got ${opts.partitions}`);
    this.partitions = opts.partitions;
    this.keys = new Keys(opts.prefix ?? 'strata');
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
    this.client = createClient(parseHotTierUrl(url), opts);
    const onError = opts.onError ?? (() => {
      // ioredis reconnects by itself; commands issued meanwhile fail with UNAVAILABLE
    });
    this.client.on('error', onError);
    this.run = defineScripts(this.client);
    this.fanOut = new ShardedFanOut(this.client, this.readyTimeoutMs);
    this.reader = new BlockingReader(this.client, opts.maxIdleReaders ?? 4, onError);
  }

  async start(): Promise<void> {
    try {
      await ready(this.client, this.readyTimeoutMs);
      await preloadScripts(this.client);
      await Promise.all(Array.from({ length: this.partitions }, (_, p) => this.ensureGroup(p)));
    } catch (e) {
      throw unavailable('start', e);
    }
  }

  partitionOf(conversationId: string): number {
    return partitionOf(conversationId, this.partitions);
  }

  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw unavailable(op, e);
    }
  }

  // --- HotTier ------------------------------------------------------------------------------

  ingest(input: IngestInput): Promise<IngestOutcome> {
    return this.call('ingest', async () => {
      const { conversationId: c, clientKey } = input;
      const p = this.partitionOf(c);
      const k = this.keys;
      const r = (await this.run(
        'ingest',
        [
          k.seq(p, c), k.ring(p, c), k.log(p), k.dedup(p, c, clientKey), k.channel(p, c), k.inFlight(p, input.messageId ?? ''), k.cursor(p, c), k.changes(p, c),
          k.restrictions(p, c), k.cooldown(p, c, input.sender?.user),
        ],
        [
          input.head, input.tail, clientKey === undefined ? '0' : '1', Math.max(1, Math.round(input.dedupTtlS * 1000)), input.recentLimit, input.maxBacklog, input.messageId ? IN_FLIGHT_TTL_MS : 0, c, input.changeRingLimit,
          input.sender?.user ?? '', input.sender?.role ?? '',
        ],
      )) as [string, ...(string | number)[]];
      switch (r[0]) {
        case 'created': return { status: 'created', seq: Number(r[1]), json: String(r[2]), cursor: Number(r[3]) };
        case 'duplicate': return { status: 'duplicate', json: String(r[1]) };
        case 'unseeded': return { status: 'unseeded' };
        case 'backlogged': return { status: 'backlogged', backlog: Number(r[1]) };
        case 'banned': return { status: 'refused', rule: 'banned' };
        case 'announcement': return { status: 'refused', rule: 'announcement' };
        case 'muted': return { status: 'refused', rule: 'muted', untilMs: Number(r[1]) };
        case 'slow': return { status: 'refused', rule: 'slow', retryAfterMs: Number(r[1]) };
        default: throw new Error(`ingest-10.lua answered ${JSON.stringify(r)}`);
      }
    });
  }

  change(input: ChangeInput): Promise<ChangeOutcome> {
    return this.call('change', async () => {
      const c = input.conversationId;
      const p = this.partitionOf(c);
      const k = this.keys;
      const m = input.message;
      const rules = (input.restrict ?? []).flatMap(restrictionField);
      const r = (await this.run('change', [k.cursor(p, c), k.changes(p, c), k.log(p), k.channel(p, c), k.ring(p, c), k.lastMessageChange(p, c), k.messageVersions(p, c), k.restrictions(p, c)], [
        input.type, m ? m.seq : '', m?.basedOn ?? '', m ? m.head : input.body ?? '}', m ? m.tail : '', input.changeRingLimit, input.maxBacklog, m ? m.id : '',
        input.actor ?? '', ...rules,
      ])) as [string, ...(string | number)[]];
      switch (r[0]) {
        case 'changed': return { status: 'changed', cursor: Number(r[1]), json: String(r[2]) };
        case 'unseeded': return { status: 'unseeded' };
        case 'backlogged': return { status: 'backlogged', backlog: Number(r[1]) };
        case 'conflict': return { status: 'conflict', version: Number(r[1]) };
        case 'banned': return { status: 'refused', rule: 'banned' };
        case 'muted': return { status: 'refused', rule: 'muted', untilMs: Number(r[1]) };
        default: throw new Error(`change-8.lua answered ${JSON.stringify(r)}`);
      }
    });
  }

  readChanges(conversationId: string, afterCursor: number, limit: number) {
    return this.call('readChanges', async () => {
      const p = this.partitionOf(conversationId);
      const r = (await this.run('read-changes', [this.keys.cursor(p, conversationId), this.keys.changes(p, conversationId)], [afterCursor, limit])) as (string | number)[] | null;
      if (!r) return null;
      return { lastCursor: Number(r[0]), changes: r.slice(2).map(String) };
    });
  }

  lastMessageChange(conversationId: string): Promise<number> {
    return this.call('lastMessageChange', async () => Number((await this.client.get(this.keys.lastMessageChange(this.partitionOf(conversationId), conversationId))) ?? 0));
  }

  advance(conversationId: string, minSeq: number, minCursor: number): Promise<void> {
    return this.call('advance', async () => {
      const p = this.partitionOf(conversationId);
      await this.run('advance', [this.keys.seq(p, conversationId), this.keys.cursor(p, conversationId)], [minSeq, minCursor]);
    });
  }

  lastCursors(conversationIds: string[]): Promise<(number | null)[]> {
    return this.call('lastCursors', () => Promise.all(conversationIds.map(async (c) => {
      const v = await this.client.get(this.keys.cursor(this.partitionOf(c), c));
      return v === null ? null : Number(v);
    })));
  }

  locateInFlight(messageId: string): Promise<{ conversationId: string; seq: number } | null> {
    // The id does not name its partition: one GET per partition, auto-pipelined.
    return this.call('locateInFlight', async () => {
      const hits = await Promise.all(Array.from({ length: this.partitions }, (_, p) => this.client.get(this.keys.inFlight(p, messageId))));
      const hit = hits.find((h) => h !== null);
      if (!hit) return null;
      const [conversationId, seq] = hit.split(' ');
      return { conversationId, seq: Number(seq) };
    });
  }

  scrubTraces(conversationId: string, changes: { cursor: number; json: string }[], clientKeys: string[]): Promise<void> {
    return this.call('scrubTraces', async () => {
      const p = this.partitionOf(conversationId);
      for (let i = 0; i < changes.length; i += 200) {
        await this.run('scrub-changes', [this.keys.changes(p, conversationId)], changes.slice(i, i + 200).flatMap((c) => [c.cursor, c.json]));
      }
      if (clientKeys.length) await Promise.all(clientKeys.map((k) => this.client.del(this.keys.dedup(p, conversationId, k))));
    });
  }

  findDuplicate(conversationId: string, clientKey: string): Promise<string | null> {
    return this.call('findDuplicate', () => this.client.get(this.keys.dedup(this.partitionOf(conversationId), conversationId, clientKey)));
  }

  restoreDedup(conversationId: string, entries: { clientKey: string; json: string; ttlMs: number }[]): Promise<void> {
    return this.call('restoreDedup', async () => {
      const p = this.partitionOf(conversationId);
      // auto-pipelined; NX: an entry written meanwhile (a newer send) is never replaced
      await Promise.all(entries.filter((e) => e.ttlMs > 0).map((e) => this.client.set(this.keys.dedup(p, conversationId, e.clientKey), e.json, 'PX', Math.round(e.ttlMs), 'NX')));
    });
  }

  seed(conversationId: string, lastSeq: number, recent: string[], recentLimit: number, lastCursor = 0, restrictions: Restrictions = NO_RESTRICTIONS): Promise<{ seq: number; created: boolean }> {
    return this.call('seed', async () => {
      const p = this.partitionOf(conversationId);
      const k = this.keys;
      const pairs = recent.slice(-recentLimit).flatMap((json) => [(JSON.parse(json) as { seq: number }).seq, json]);
      const rules = restrictionFields(restrictions);
      const r = (await this.run(
        'seed',
        [k.seq(p, conversationId), k.ring(p, conversationId), k.cursor(p, conversationId), k.changes(p, conversationId), k.restrictions(p, conversationId)],
        [lastSeq, recentLimit, lastCursor, rules.length, ...rules, ...pairs],
      )) as [number, number];
      return { seq: Number(r[0]), created: Number(r[1]) === 1 };
    });
  }

  readRestrictions(conversationId: string): Promise<Restrictions | null> {
    return this.call('readRestrictions', async () => {
      const p = this.partitionOf(conversationId);
      const [seq, hash] = await Promise.all([this.client.get(this.keys.seq(p, conversationId)), this.client.hgetall(this.keys.restrictions(p, conversationId))]);
      return seq === null ? null : parseRestrictions(hash);
    });
  }

  lastSeqs(conversationIds: string[]): Promise<(number | null)[]> {
    // One GET per key (auto-pipelined): MGET would be cross-slot on a Cluster.
    return this.call('lastSeqs', () => Promise.all(conversationIds.map(async (c) => {
      const v = await this.client.get(this.keys.seq(this.partitionOf(c), c));
      return v === null ? null : Number(v);
    })));
  }

  readRecent(conversationId: string, range: RecentRange) {
    return this.call('readRecent', async () => {
      const p = this.partitionOf(conversationId);
      const r = (await this.run('read-recent', [this.keys.seq(p, conversationId), this.keys.ring(p, conversationId)], [
        range.beforeSeq ?? '', range.afterSeq ?? '', range.limit,
      ])) as (string | number)[] | null;
      if (!r) return null;
      return { lastSeq: Number(r[0]), lowestSeq: Number(r[1]), messages: r.slice(2).map(String) };
    });
  }

  ping(): Promise<void> {
    return this.call('ping', async () => {
      await this.client.ping();
    });
  }

  // --- fan-out ------------------------------------------------------------------------------

  /** Receives every frame `{"type":"message","message":…}` ingested into the conversation from now on. */
  subscribe(conversationId: string, handler: FrameHandler): Promise<void> {
    return this.fanOut.subscribe(this.keys.channel(this.partitionOf(conversationId), conversationId), handler);
  }

  /** Stops one handler (or, without one, every handler of the conversation). */
  unsubscribe(conversationId: string, handler?: FrameHandler): Promise<void> {
    return this.fanOut.unsubscribe(this.keys.channel(this.partitionOf(conversationId), conversationId), handler);
  }

  // --- RateLimiter --------------------------------------------------------------------------

  hit(user: string, limit: number, windowS: number): Promise<number> {
    if (limit <= 0) return Promise.resolve(0);
    return this.call('hit', async () => Number(await this.run('rate-hit', [this.keys.rate(user)], [limit, Math.max(1, Math.round(windowS * 1000))])));
  }

  // --- PersistLog ---------------------------------------------------------------------------

  private async ensureGroup(partition: number): Promise<void> {
    try {
      await this.client.xgroup('CREATE', this.keys.log(partition), PERSIST_GROUP, '0', 'MKSTREAM');
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith('BUSYGROUP'))) throw e;
      // BUSYGROUP: the group exists already, which is all we wanted
    }
  }

  /** Runs fn; if the group vanished (hot data lost), recreates it and runs fn once more. */
  private async withGroup<T>(partition: number, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof Error && e.message.includes('NOGROUP'))) throw e;
      await this.ensureGroup(partition);
      return fn();
    }
  }

  read(partition: number, consumer: string, count: number, blockMs: number): Promise<LogEntry[]> {
    return this.call('read', async () => {
      const args = ['GROUP', PERSIST_GROUP, consumer, 'COUNT', count] as (string | number)[];
      const tail = ['STREAMS', this.keys.log(partition), '>'];
      const reply = await this.withGroup(partition, () => blockMs > 0
        ? this.reader.xreadgroup([...args, 'BLOCK', blockMs, ...tail])
        : (this.client.call('XREADGROUP', ...args, ...tail) as Promise<unknown>));
      return parseStreamRead(reply, partition);
    });
  }

  claimStale(partition: number, consumer: string, minIdleMs: number, count: number): Promise<LogEntry[]> {
    if (count <= 0) return Promise.resolve([]);
    return this.call('claimStale', async () => {
      const r = await this.withGroup(partition, () => this.run('claim-stale', [this.keys.log(partition)], [PERSIST_GROUP, consumer, Math.max(0, Math.floor(minIdleMs)), count]));
      return parseClaimed(r, partition);
    });
  }

  ack(partition: number, ids: string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.call('ack', async () => Number(await this.run('ack', [this.keys.log(partition)], [PERSIST_GROUP, ...ids])));
  }

  deadLetter(entry: LogEntry, error: string): Promise<void> {
    return this.call('deadLetter', async () => {
      // Two slots, so two steps: record first, then ack. A crash in between leaves the entry
      // pending as well — redelivered and possibly dead-lettered twice, never lost.
      await this.client.xadd(this.keys.dead(), '*', 'partition', entry.partition, 'payload', entry.payload, 'error', error, 'failed_at', new Date().toISOString());
      await this.run('ack', [this.keys.log(entry.partition)], [PERSIST_GROUP, entry.id]);
    });
  }

  listDeadLetters(limit: number): Promise<DeadLetter[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.call('listDeadLetters', async () => parseDeadLetters(await this.client.xrange(this.keys.dead(), '-', '+', 'COUNT', limit)));
  }

  replayDeadLetter(id: string): Promise<boolean> {
    if (!/^\d+-\d+$/.test(id)) return Promise.resolve(false);
    return this.call('replayDeadLetter', async () => {
      const [dead] = parseDeadLetters(await this.client.xrange(this.keys.dead(), id, id));
      if (!dead) return false;
      // Append before delete: a crash in between replays twice (the store upsert is idempotent).
      const partition = dead.partition < this.partitions ? dead.partition : dead.partition % this.partitions;
      await this.client.xadd(this.keys.log(partition), '*', 'm', dead.payload);
      await this.client.xdel(this.keys.dead(), id);
      return true;
    });
  }

  backlog(partition: number): Promise<number> {
    return this.call('backlog', () => this.client.xlen(this.keys.log(partition)));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.fanOut.close(), this.reader.close()]);
    try {
      await this.client.quit();
    } catch {
      // already disconnected (e.g. start() failed): nothing left to release
      this.client.disconnect();
    }
  }
}

/** The restrictions hash's field and value one update writes ('' value: delete the field). */
function restrictionField(u: RestrictionUpdate): [string, string] {
  if ('ban' in u) return [`b:${u.ban}`, u.on ? '1' : ''];
  if ('mute' in u) return [`m:${u.mute}`, u.untilMs === null ? '' : String(u.untilMs)];
  if ('slowModeS' in u) return ['slow', u.slowModeS > 0 ? String(u.slowModeS) : ''];
  return ['kind', u.kind];
}

/** The restrictions hash as seed-5.lua writes it: field, value, … */
function restrictionFields(r: Restrictions): string[] {
  const out = ['kind', r.kind];
  if (r.slowModeS > 0) out.push('slow', String(r.slowModeS));
  for (const u of r.banned) out.push(`b:${u}`, '1');
  for (const [u, until] of Object.entries(r.mutedUntil)) out.push(`m:${u}`, String(until));
  return out;
}

function parseRestrictions(hash: Record<string, string>): Restrictions {
  const r: Restrictions = { kind: (hash.kind as Restrictions['kind'] | undefined) ?? 'group', slowModeS: Number(hash.slow ?? 0), banned: [], mutedUntil: {} };
  for (const [f, v] of Object.entries(hash)) {
    if (f.startsWith('b:')) r.banned.push(f.slice(2));
    else if (f.startsWith('m:')) r.mutedUntil[f.slice(2)] = Number(v);
  }
  r.banned.sort();
  return r;
}

/** The composition roots' entry point: ValkeyHotTier.connect(). */
export function createValkeyHotTier(url: string, opts: ValkeyHotTierOptions): Promise<ValkeyHotTier> {
  return ValkeyHotTier.connect(url, opts);
}

// In-process hot tier: the embedded default (`npm start` with no VALKEY_URL). Same semantics
// as the Valkey adapter (both pass hot-tier.contract.ts), with every operation synchronous
// inside one call, so atomicity comes from the single JS thread. Nothing survives the process:
// an embedded deployment that wants durable acks runs with ACK_AFTER=store.
import { EventEmitter } from 'node:events';
import {
  IN_FLIGHT_TTL_MS, NO_RESTRICTIONS, changeJson, type ChangeInput, type Restrictions, type RestrictionUpdate, type ChangeOutcome, type DeadLetter, type HotTier, type IngestInput, type IngestOutcome, type LogEntry, type PersistLog, type RateLimiter, type RecentRange,
} from './hot-tier.js';
import { partitionOf } from './partition.js';

interface Conv {
  seq: number;
  /** Ring entries ascending by seq. */
  ring: { seq: number; json: string }[];
  /** The change cursor; undefined until seeded (a conversation seeded before the change log). */
  cursor?: number;
  /** Change ring entries ascending by cursor (the `seq` field holds the cursor). */
  changes: { seq: number; json: string }[];
  /** The cursor of the latest edit or delete (0: none). */
  lastMessageChange?: number;
  /** Message id → version of its latest edit/delete, for an hour (change-8.lua's version hash). */
  versions: Map<string, { version: number; expires: number }>;
  /** The restrictions (ingest-10.lua's hash): written by change(), replaced by a creating seed(). */
  rules: { kind: Restrictions['kind']; slowModeS: number; banned: Set<string>; mutedUntil: Map<string, number> };
  /** Slow mode: sender → end of their cooldown, epoch ms. */
  cooldowns: Map<string, number>;
}

function rulesOf(r: Restrictions): Conv['rules'] {
  return { kind: r.kind, slowModeS: r.slowModeS, banned: new Set(r.banned), mutedUntil: new Map(Object.entries(r.mutedUntil)) };
}

interface PendingEntry {
  entry: LogEntry;
  owner: string;
  deliveredAt: number;
}

interface Partition {
  nextId: number;
  fresh: LogEntry[];
  pending: Map<string, PendingEntry>;
  waiters: Set<() => void>;
}

export class MemoryHotTier implements HotTier, RateLimiter, PersistLog {
  private convs = new Map<string, Conv>();
  private dedup = new Map<string, { json: string; expires: number }>();
  private windows = new Map<string, { count: number; resetAt: number }>();
  private parts: Partition[];
  private dead = new Map<string, DeadLetter>();
  private deadSeq = 0;
  /** Recently ingested ids (locateInFlight), oldest first. */
  private inFlight = new Map<string, { conversationId: string; seq: number; expires: number }>();
  /** Fan-out: event name = conversation id, payload = the pre-serialized frame. */
  readonly events = new EventEmitter();

  private sweeper: ReturnType<typeof setInterval>;

  constructor(readonly partitions: number) {
    this.parts = Array.from({ length: partitions }, () => ({ nextId: 1, fresh: [], pending: new Map(), waiters: new Set() }));
    this.events.setMaxListeners(0);
    // Expired dedup keys and rate windows are dropped once a minute: memory stays bounded by
    // what is live (Valkey does the same with TTLs).
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Removes expired dedup keys and rate-limit windows. */
  sweep(now = Date.now()): void {
    for (const [k, v] of this.dedup) if (v.expires <= now) this.dedup.delete(k);
    for (const [k, v] of this.windows) if (v.resetAt <= now) this.windows.delete(k);
    // insertion order is expiry order: stop at the first live one
    for (const [k, v] of this.inFlight) {
      if (v.expires > now) break;
      this.inFlight.delete(k);
    }
    for (const conv of this.convs.values()) {
      for (const [k, v] of conv.versions) {
        if (v.expires > now) break;
        conv.versions.delete(k);
      }
      for (const [u, until] of conv.cooldowns) if (until <= now) conv.cooldowns.delete(u);
    }
  }

  /** Entries held in the dedup and rate-limit maps (for tests of the sweep). */
  get sizes() {
    return { dedup: this.dedup.size, windows: this.windows.size };
  }

  partitionOf(conversationId: string): number {
    return partitionOf(conversationId, this.partitions);
  }

  async ingest(input: IngestInput): Promise<IngestOutcome> {
    const now = Date.now();
    const dedupKey = input.clientKey === undefined ? undefined : `${input.conversationId}\n${input.clientKey}`;
    if (dedupKey) {
      const seen = this.dedup.get(dedupKey);
      if (seen && seen.expires > now) return { status: 'duplicate', json: seen.json };
    }
    const conv = this.convs.get(input.conversationId);
    if (!conv || conv.cursor === undefined) return { status: 'unseeded' };
    let slowS = 0;
    if (input.sender) {
      const { user, role } = input.sender;
      if (conv.rules.banned.has(user)) return { status: 'refused', rule: 'banned' };
      const until = conv.rules.mutedUntil.get(user);
      if (until !== undefined && until > now) return { status: 'refused', rule: 'muted', untilMs: until };
      if (role !== 'owner' && role !== 'admin') {
        if (conv.rules.kind === 'announcement') return { status: 'refused', rule: 'announcement' };
        slowS = conv.rules.slowModeS;
        const cooled = conv.cooldowns.get(user);
        if (slowS > 0 && cooled !== undefined && cooled > now) return { status: 'refused', rule: 'slow', retryAfterMs: cooled - now };
      }
    }
    const part = this.parts[this.partitionOf(input.conversationId)];
    const backlog = part.fresh.length + part.pending.size;
    if (backlog >= input.maxBacklog) return { status: 'backlogged', backlog };

    const seq = ++conv.seq;
    const cursor = ++conv.cursor;
    const json = `${input.head}${seq},"version":${cursor}${input.tail}`;
    const change = `{"type":"message","cursor":${cursor},"message":${json}}`;
    conv.ring.push({ seq, json });
    if (conv.ring.length > input.recentLimit) conv.ring.splice(0, conv.ring.length - input.recentLimit);
    pushCapped(conv.changes, cursor, change, input.changeRingLimit);
    if (dedupKey) this.dedup.set(dedupKey, { json, expires: now + input.dedupTtlS * 1000 });
    this.append(part, this.partitionOf(input.conversationId), change);
    if (input.messageId) this.inFlight.set(input.messageId, { conversationId: input.conversationId, seq, expires: now + IN_FLIGHT_TTL_MS });
    this.events.emit(input.conversationId, change);
    if (slowS > 0) conv.cooldowns.set(input.sender!.user, now + slowS * 1000);
    return { status: 'created', seq, cursor, json };
  }

  async change(input: ChangeInput): Promise<ChangeOutcome> {
    const conv = this.convs.get(input.conversationId);
    if (!conv || conv.cursor === undefined) return { status: 'unseeded' };
    if (input.actor !== undefined) {
      if (conv.rules.banned.has(input.actor)) return { status: 'refused', rule: 'banned' };
      const until = conv.rules.mutedUntil.get(input.actor);
      if ((input.type === 'reaction' || input.type === 'edit') && until !== undefined && until > Date.now()) return { status: 'refused', rule: 'muted', untilMs: until };
    }
    const partition = this.partitionOf(input.conversationId);
    const part = this.parts[partition];
    const backlog = part.fresh.length + part.pending.size;
    if (backlog >= input.maxBacklog) return { status: 'backlogged', backlog };
    const held = input.message ? conv.ring.find((e) => e.seq === input.message!.seq) : undefined;
    if (input.message && input.message.basedOn !== undefined) {
      const known = conv.versions.get(input.message.id);
      const v = held ? Number(/,"version":(\d+),/.exec(held.json)?.[1] ?? 0) : known && known.expires > Date.now() ? known.version : undefined;
      if (v !== undefined && v !== input.message.basedOn) return { status: 'conflict', version: v };
    }
    const cursor = ++conv.cursor;
    if (held && input.message) held.json = input.message.head + cursor + input.message.tail;
    if (input.message) {
      conv.lastMessageChange = cursor;
      conv.versions.delete(input.message.id); // re-inserted: the map stays in expiry order
      conv.versions.set(input.message.id, { version: cursor, expires: Date.now() + 3_600_000 });
    }
    const change = changeJson(input, cursor);
    pushCapped(conv.changes, cursor, change, input.changeRingLimit);
    this.append(part, partition, change);
    for (const u of input.restrict ?? []) restrict(conv, u);
    this.events.emit(input.conversationId, change);
    return { status: 'changed', cursor, json: change };
  }

  async readChanges(conversationId: string, afterCursor: number, limit: number) {
    const conv = this.convs.get(conversationId);
    if (!conv || conv.cursor === undefined) return null;
    const r = sliceRing(conv.changes, conv.cursor, { afterSeq: afterCursor, limit });
    return r && { changes: r.messages, lastCursor: conv.cursor };
  }

  async lastMessageChange(conversationId: string): Promise<number> {
    return this.convs.get(conversationId)?.lastMessageChange ?? 0;
  }

  async advance(conversationId: string, minSeq: number, minCursor: number): Promise<void> {
    const conv = this.convs.get(conversationId);
    if (!conv) return;
    conv.seq = Math.max(conv.seq, minSeq);
    if (conv.cursor !== undefined) conv.cursor = Math.max(conv.cursor, minCursor);
  }

  async lastCursors(conversationIds: string[]): Promise<(number | null)[]> {
    return conversationIds.map((id) => this.convs.get(id)?.cursor ?? null);
  }

  async locateInFlight(messageId: string): Promise<{ conversationId: string; seq: number } | null> {
    const hit = this.inFlight.get(messageId);
    return hit && hit.expires > Date.now() ? { conversationId: hit.conversationId, seq: hit.seq } : null;
  }

  async findDuplicate(conversationId: string, clientKey: string): Promise<string | null> {
    const seen = this.dedup.get(`${conversationId}\n${clientKey}`);
    return seen && seen.expires > Date.now() ? seen.json : null;
  }

  async restoreDedup(conversationId: string, entries: { clientKey: string; json: string; ttlMs: number }[]): Promise<void> {
    const now = Date.now();
    for (const e of entries) {
      if (e.ttlMs <= 0) continue;
      const key = `${conversationId}\n${e.clientKey}`;
      const seen = this.dedup.get(key);
      if (!seen || seen.expires <= now) this.dedup.set(key, { json: e.json, expires: now + e.ttlMs });
    }
  }

  async readRestrictions(conversationId: string): Promise<Restrictions | null> {
    const conv = this.convs.get(conversationId);
    if (!conv) return null;
    const { kind, slowModeS, banned, mutedUntil } = conv.rules;
    return { kind, slowModeS, banned: [...banned].sort(), mutedUntil: Object.fromEntries(mutedUntil) };
  }

  async seed(conversationId: string, lastSeq: number, recent: string[], recentLimit: number, lastCursor = 0, restrictions: Restrictions = NO_RESTRICTIONS): Promise<{ seq: number; created: boolean }> {
    const existing = this.convs.get(conversationId);
    if (existing) {
      existing.cursor ??= Math.max(lastCursor, existing.changes.at(-1)?.seq ?? 0);
      return { seq: existing.seq, created: false };
    }
    const ring = recent.slice(-recentLimit).map((json) => ({ seq: (JSON.parse(json) as { seq: number }).seq, json }));
    const ringMax = ring.length ? ring[ring.length - 1].seq : 0;
    const conv: Conv = { seq: Math.max(lastSeq, ringMax), ring, cursor: lastCursor, changes: [], versions: new Map(), rules: rulesOf(restrictions), cooldowns: new Map() };
    this.convs.set(conversationId, conv);
    return { seq: conv.seq, created: true };
  }

  async scrubTraces(conversationId: string, changes: { cursor: number; json: string }[], clientKeys: string[]): Promise<void> {
    const conv = this.convs.get(conversationId);
    for (const c of changes) {
      const held = conv?.changes.find((e) => e.seq === c.cursor);
      if (held) held.json = c.json;
    }
    for (const k of clientKeys) this.dedup.delete(`${conversationId}\n${k}`);
  }

  /** Test-only: every string the tier holds (rings, dedup, persist log, dead letters), for the GDPR erase scan. */
  dumpStrings(): string[] {
    const out: string[] = [];
    for (const c of this.convs.values()) out.push(...c.ring.map((e) => e.json), ...c.changes.map((e) => e.json));
    for (const d of this.dedup.values()) out.push(d.json);
    for (const p of this.parts) out.push(...p.fresh.map((e) => e.payload), ...[...p.pending.values()].map((e) => e.entry.payload));
    for (const d of this.dead.values()) out.push(d.payload);
    return out;
  }

  async lastSeqs(conversationIds: string[]): Promise<(number | null)[]> {
    return conversationIds.map((id) => this.convs.get(id)?.seq ?? null);
  }

  async readRecent(conversationId: string, range: RecentRange) {
    const conv = this.convs.get(conversationId);
    if (!conv) return null;
    return sliceRing(conv.ring, conv.seq, range);
  }

  async hit(user: string, limit: number, windowS: number): Promise<number> {
    if (limit <= 0) return 0;
    const now = Date.now();
    let w = this.windows.get(user);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowS * 1000 };
      this.windows.set(user, w);
    }
    if (w.count >= limit) return w.resetAt - now;
    w.count++;
    return 0;
  }

  // --- persist log -------------------------------------------------------------------------

  private append(part: Partition, partition: number, payload: string): void {
    const id = `${Date.now()}-${part.nextId++}`;
    part.fresh.push({ id, partition, payload, deliveries: 0 });
    for (const wake of part.waiters) wake();
  }

  async read(partition: number, consumer: string, count: number, blockMs: number): Promise<LogEntry[]> {
    const part = this.parts[partition];
    if (part.fresh.length === 0 && blockMs > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          part.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, blockMs);
        part.waiters.add(wake);
      });
    }
    const taken = part.fresh.splice(0, count);
    const now = Date.now();
    return taken.map((e) => {
      e.deliveries++;
      part.pending.set(e.id, { entry: e, owner: consumer, deliveredAt: now });
      return { ...e };
    });
  }

  async claimStale(partition: number, consumer: string, minIdleMs: number, count: number): Promise<LogEntry[]> {
    const part = this.parts[partition];
    const now = Date.now();
    const out: LogEntry[] = [];
    for (const p of part.pending.values()) {
      if (out.length >= count) break;
      if (now - p.deliveredAt < minIdleMs) continue;
      p.entry.deliveries++;
      p.owner = consumer;
      p.deliveredAt = now;
      out.push({ ...p.entry });
    }
    return out;
  }

  async ack(partition: number, ids: string[]): Promise<number> {
    const part = this.parts[partition];
    let held = 0;
    for (const id of ids) if (part.pending.delete(id)) held++;
    return held;
  }

  async deadLetter(entry: LogEntry, error: string): Promise<void> {
    const id = `${Date.now()}-${++this.deadSeq}`;
    this.dead.set(id, { id, partition: entry.partition, payload: entry.payload, error, failed_at: new Date().toISOString() });
    await this.ack(entry.partition, [entry.id]);
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    return [...this.dead.values()].slice(0, limit);
  }

  async replayDeadLetter(id: string): Promise<boolean> {
    const d = this.dead.get(id);
    if (!d) return false;
    this.dead.delete(id);
    this.append(this.parts[d.partition], d.partition, d.payload);
    return true;
  }

  async backlog(partition: number): Promise<number> {
    const part = this.parts[partition];
    return part.fresh.length + part.pending.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const part of this.parts) for (const wake of part.waiters) wake();
    this.events.removeAllListeners();
  }
}

function restrict(conv: Conv, u: RestrictionUpdate): void {
  if ('ban' in u) {
    if (u.on) conv.rules.banned.add(u.ban);
    else conv.rules.banned.delete(u.ban);
  } else if ('mute' in u) {
    if (u.untilMs === null) conv.rules.mutedUntil.delete(u.mute);
    else conv.rules.mutedUntil.set(u.mute, u.untilMs);
  } else if ('slowModeS' in u) {
    conv.rules.slowModeS = u.slowModeS;
  } else {
    conv.rules.kind = u.kind;
  }
}

function pushCapped(ring: { seq: number; json: string }[], seq: number, json: string, cap: number): void {
  ring.push({ seq, json });
  if (ring.length > cap) ring.splice(0, ring.length - cap);
}

/** Shared by adapters that hold the ring in memory: answers a range or null if not covered. */
export function sliceRing(ring: { seq: number; json: string }[], lastSeq: number, range: RecentRange) {
  const lowestSeq = ring.length ? ring[0].seq : lastSeq + 1;
  let from: number;
  let to: number; // inclusive seq bounds wanted
  if (range.afterSeq !== undefined) {
    from = range.afterSeq + 1;
    to = Math.min(lastSeq, range.afterSeq + range.limit);
  } else {
    to = Math.min(lastSeq, (range.beforeSeq ?? lastSeq + 1) - 1);
    from = Math.max(1, to - range.limit + 1);
  }
  if (from > to) return { messages: [], lastSeq, lowestSeq };
  if (from < lowestSeq) return null;
  const start = from - lowestSeq;
  const slice = ring.slice(start, start + (to - from + 1));
  // The ring is contiguous by construction; if it ever is not (hot data lost), let the store answer.
  if (slice.length !== to - from + 1 || slice[0].seq !== from || slice[slice.length - 1].seq !== to) return null;
  return { messages: slice.map((e) => e.json), lastSeq, lowestSeq };
}

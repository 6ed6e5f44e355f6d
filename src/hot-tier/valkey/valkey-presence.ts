// Presence on Valkey, over the hot tier's ioredis connection. Per user, in the user's own slot:
//   <prefix>:{u:<user>}:pr     zset   member = node id, score = expiry (ms since epoch); PEXPIRE'd
//   <prefix>:{u:<user>}:seen   string ISO time of the last clean offline
// The scripts are small and human-rate, so they run by EVAL here rather than in lua/ with the
// message path's scripts. Both keys of a call share the `{u:<user>}` hash tag (Cluster-safe).
import type { Client } from './connection.js';
import { unavailable } from './connection.js';
import type { PresenceInfo, PresenceStore } from '../presence-store.js';

// KEYS[1] node zset, ARGV[1] node, ARGV[2] now ms, ARGV[3] ttl ms → live entries before (0 = was offline)
const CONNECT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return before`;

// KEYS[1] node zset, KEYS[2] last-seen, ARGV[1] node, ARGV[2] now ms, ARGV[3] now ISO → 1 when now offline
const DISCONNECT = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[3])
return 1`;

export class ValkeyPresence implements PresenceStore {
  constructor(private client: Client, private prefix: string) {}

  private nodesKey(user: string) {
    return `${this.prefix}:{u:${user}}:pr`;
  }

  private seenKey(user: string) {
    return `${this.prefix}:{u:${user}}:seen`;
  }

  async connect(user: string, node: string, ttlMs: number): Promise<boolean> {
    try {
      const before = await this.client.eval(CONNECT, 1, this.nodesKey(user), node, Date.now(), ttlMs);
      return Number(before) === 0;
    } catch (e) {
      throw unavailable('presence connect', e);
    }
  }

  async refresh(users: string[], node: string, ttlMs: number): Promise<void> {
    const expires = Date.now() + ttlMs;
    try {
      // auto-pipelined by the client: one round trip per slot batch, not per user
      await Promise.all(users.flatMap((u) => [this.client.zadd(this.nodesKey(u), expires, node), this.client.pexpire(this.nodesKey(u), ttlMs)]));
    } catch (e) {
      throw unavailable('presence refresh', e);
    }
  }

  async disconnect(user: string, node: string): Promise<boolean> {
    try {
      const now = Date.now();
      return Number(await this.client.eval(DISCONNECT, 2, this.nodesKey(user), this.seenKey(user), node, now, new Date(now).toISOString())) === 1;
    } catch (e) {
      throw unavailable('presence disconnect', e);
    }
  }

  async get(user: string): Promise<PresenceInfo> {
    try {
      const [live, seen] = await Promise.all([this.client.zcount(this.nodesKey(user), `(${Date.now()}`, '+inf'), this.client.get(this.seenKey(user))]);
      return { user, online: live > 0, last_seen: seen };
    } catch (e) {
      throw unavailable('presence get', e);
    }
  }
}

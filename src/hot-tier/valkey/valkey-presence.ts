// Presence on Valkey, over the shared connection (connection.ts). Per user, in the user's own
// slot (keys.ts): the set of nodes holding a socket of the user (zset, score = expiry) and the
// time of the last clean offline. connect and disconnect are one script each
// (lua/presence-connect-1.lua, lua/presence-disconnect-2.lua); every key of a call carries the
// user's `{u:<user>}` hash tag (Cluster-safe). Errors surface as AppError UNAVAILABLE.
import { unavailable, type ValkeyConnection } from './connection.js';
import type { PresenceInfo, PresenceStore } from '../presence-store.js';

export class ValkeyPresence implements PresenceStore {
  constructor(private readonly conn: ValkeyConnection) {}

  async connect(user: string, node: string, ttlMs: number): Promise<boolean> {
    try {
      const before = await this.conn.run('presence-connect', [this.conn.keys.presenceNodes(user)], [node, Date.now(), ttlMs]);
      return Number(before) === 0;
    } catch (e) {
      throw unavailable('presence connect', e);
    }
  }

  async refresh(users: string[], node: string, ttlMs: number): Promise<void> {
    const expires = Date.now() + ttlMs;
    const { client, keys } = this.conn;
    try {
      // auto-pipelined by the client: one round trip per slot batch, not per user
      await Promise.all(users.flatMap((u) => [client.zadd(keys.presenceNodes(u), expires, node), client.pexpire(keys.presenceNodes(u), ttlMs)]));
    } catch (e) {
      throw unavailable('presence refresh', e);
    }
  }

  async disconnect(user: string, node: string): Promise<boolean> {
    try {
      const now = Date.now();
      const { keys } = this.conn;
      return Number(await this.conn.run('presence-disconnect', [keys.presenceNodes(user), keys.lastSeen(user)], [node, now, new Date(now).toISOString()])) === 1;
    } catch (e) {
      throw unavailable('presence disconnect', e);
    }
  }

  async get(user: string): Promise<PresenceInfo> {
    const { client, keys } = this.conn;
    try {
      const [live, seen] = await Promise.all([client.zcount(keys.presenceNodes(user), `(${Date.now()}`, '+inf'), client.get(keys.lastSeen(user))]);
      return { user, online: live > 0, last_seen: seen };
    } catch (e) {
      throw unavailable('presence get', e);
    }
  }
}

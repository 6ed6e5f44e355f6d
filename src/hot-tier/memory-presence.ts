// In-process presence for the embedded engine (one node): per user, node → expiry time.
import type { PresenceInfo, PresenceStore } from './presence-store.js';

export class MemoryPresence implements PresenceStore {
  private nodes = new Map<string, Map<string, number>>();
  private lastSeen = new Map<string, string>();

  constructor(private now: () => number = Date.now) {}

  private alive(user: string): Map<string, number> | undefined {
    const entries = this.nodes.get(user);
    if (!entries) return undefined;
    const now = this.now();
    for (const [node, expires] of entries) if (expires <= now) entries.delete(node);
    if (entries.size === 0) {
      this.nodes.delete(user);
      return undefined;
    }
    return entries;
  }

  async connect(user: string, node: string, ttlMs: number): Promise<boolean> {
    const entries = this.alive(user);
    if (entries) {
      entries.set(node, this.now() + ttlMs);
      return false;
    }
    this.nodes.set(user, new Map([[node, this.now() + ttlMs]]));
    return true;
  }

  async refresh(users: string[], node: string, ttlMs: number): Promise<void> {
    for (const user of users) {
      let entries = this.nodes.get(user);
      if (!entries) this.nodes.set(user, (entries = new Map()));
      entries.set(node, this.now() + ttlMs);
    }
  }

  async disconnect(user: string, node: string): Promise<boolean> {
    this.alive(user)?.delete(node);
    if (this.alive(user)) return false;
    this.lastSeen.set(user, new Date(this.now()).toISOString());
    return true;
  }

  async get(user: string): Promise<PresenceInfo> {
    return { user, online: this.alive(user) !== undefined, last_seen: this.lastSeen.get(user) ?? null };
  }
}

// The PresenceStore port: who is online, in the hot tier only (never the warm store). Each API
// node records "this node holds a socket of user U" with a TTL and refreshes it by heartbeat;
// a user is online while any node's entry is alive. A crashed node's entries simply expire
// (TTL), so presence never sticks. last_seen is recorded when a user goes offline cleanly.
// Adapters: memory-presence.ts (embedded) and valkey-presence.ts.

export interface PresenceInfo {
  user: string;
  online: boolean;
  /** ISO-8601 time the user was last seen going offline; null if never recorded. */
  last_seen: string | null;
}

export interface PresenceStore {
  /** This node now holds a socket of `user`; true when the user was offline on every node before. */
  connect(user: string, node: string, ttlMs: number): Promise<boolean>;
  /** Heartbeat: keeps this node's entries of `users` alive for another ttlMs. */
  refresh(users: string[], node: string, ttlMs: number): Promise<void>;
  /** This node holds no socket of `user` any more; true when the user is now offline everywhere. */
  disconnect(user: string, node: string): Promise<boolean>;
  get(user: string): Promise<PresenceInfo>;
}

// Leases: a named, time-limited right to do one thing at a time across processes (the archiver
// holds `archive:<conversation>` while it archives that conversation, because its converge step
// deletes files the manifest does not list — a second archiver's upload in flight would go).
// Kept in the warm store (store/sql/sql-leases.ts) so that every process sharing the data —
// `strata start`, `strata worker`, `strata archive` — sees them, with or without Valkey.
// A lease ends by release(), by expiry (ttl, renewed while held), or at once when its holder
// is a dead process on this host (kill -9 must not block the rerun for a whole ttl).
import os from 'node:os';
import { randomBytes } from 'node:crypto';

export interface Leases {
  /** Takes the lease if free, expired, already ours, or held by a dead process of this host. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extends our lease; false if it is no longer ours. */
  renew(name: string, holder: string, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
}

/** `host:pid:random` — the pid lets a process on the same host see that the holder died. */
export function newHolder(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** True when `holder` names a process of this host that no longer exists. */
export function holderIsDead(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== os.hostname() || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, someone else's
  }
}

export interface HeldLease {
  /** False once a renewal found the lease taken (the holder stalled past the ttl). */
  readonly held: boolean;
  release(): Promise<void>;
}

/** Acquires `name` (polling every `pollMs` while `wait`), renews it every ttl/3 until released. */
export async function takeLease(leases: Leases, name: string, holder: string, opts: { ttlMs: number; wait: boolean; pollMs?: number; signal?: AbortSignal }): Promise<HeldLease | null> {
  while (!(await leases.acquire(name, holder, opts.ttlMs))) {
    if (!opts.wait || opts.signal?.aborted) return null;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  const state = { held: true };
  const timer = setInterval(() => {
    leases.renew(name, holder, opts.ttlMs).then((ok) => { if (!ok) state.held = false; }, () => {
      // A failed renewal (warm store briefly down) is retried on the next tick; the ttl covers it.
    });
  }, Math.max(50, Math.floor(opts.ttlMs / 3)));
  timer.unref();
  return {
    get held() { return state.held; },
    async release() {
      clearInterval(timer);
      await leases.release(name, holder);
    },
  };
}

// The takeLease cases of leases.contract.ts (registered inside its describe, so they run against
// every Leases adapter, under its fake Date at T0): takeLease renews every ttl/3 on real timers
// while held, reports a lease it lost, polls while waiting, and gives up on abort. Calls go
// through a recording wrapper, so the suite waits for a renewal instead of sleeping, and can
// hold renewals back to let another holder in first.
import { expect, it, vi } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { eventually } from '../hot-tier/hot-tier.test-kit.js';
import { newHolder, takeLease, type Leases } from './leases.js';

const TTL = 300; // takeLease renews every 100 ms of real time

function recorded(inner: Leases) {
  const log = { acquires: 0, renewals: [] as { at: number; ok: boolean }[] };
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  const leases: Leases = {
    acquire: (name, holder, ttl) => ((log.acquires += 1), inner.acquire(name, holder, ttl)),
    renew: async (name, holder, ttl) => {
      await gate;
      const at = Date.now();
      const ok = await inner.renew(name, holder, ttl);
      log.renewals.push({ at, ok });
      return ok;
    },
    release: (name, holder) => inner.release(name, holder),
  };
  const holdRenewals = () => void (gate = new Promise((r) => (open = r)));
  return { leases, log, holdRenewals, openRenewals: () => open() };
}

export function takeLeaseCases(leases: () => Leases) {
  const lease = () => `take-${uuidv7()}`;

  it('takeLease renews while held, keeping others out past the first ttl; release frees it', async () => {
    const r = recorded(leases());
    const x = lease();
    const held = await takeLease(r.leases, x, newHolder(), { ttlMs: TTL, wait: false });
    expect(held?.held).toBe(true);
    const moved = Date.now() + 10 * TTL;
    vi.setSystemTime(moved); // the first acquire has expired by now
    await eventually('a renewal after the clock moved', () => r.log.renewals.some((x) => x.at >= moved && x.ok));
    expect(await leases().acquire(x, newHolder(), TTL)).toBe(false);
    expect(held!.held).toBe(true);
    await held!.release();
    expect(await leases().acquire(x, newHolder(), TTL)).toBe(true);
  });

  it('takeLease reports a lease it lost; its release leaves the new holder alone', async () => {
    const r = recorded(leases());
    const x = lease();
    r.holdRenewals(); // from the start: no renewal can slip in before the thief
    const held = (await takeLease(r.leases, x, newHolder(), { ttlMs: TTL, wait: false }))!;
    vi.setSystemTime(Date.now() + 10 * TTL);
    const thief = newHolder();
    expect(await leases().acquire(x, thief, 60_000)).toBe(true);
    r.openRenewals();
    await eventually('the lost lease noticed', () => !held.held);
    await held.release();
    expect(await leases().renew(x, thief, 60_000)).toBe(true);
    expect(await leases().acquire(x, newHolder(), 60_000)).toBe(false);
  });

  it('takeLease without wait gives up at once; with wait it polls until the lease is free', async () => {
    const x = lease();
    const owner = newHolder();
    await leases().acquire(x, owner, 60_000);
    expect(await takeLease(leases(), x, newHolder(), { ttlMs: TTL, wait: false })).toBeNull();
    const r = recorded(leases());
    let settled = false;
    const waiting = takeLease(r.leases, x, newHolder(), { ttlMs: TTL, wait: true, pollMs: 20 }).finally(() => (settled = true));
    await eventually('a few polls', () => r.log.acquires >= 3);
    expect(settled).toBe(false);
    await leases().release(x, owner);
    const held = await waiting;
    expect(held?.held).toBe(true);
    expect(await leases().acquire(x, owner, 60_000)).toBe(false);
    await held!.release();
  });

  it('takeLease stops waiting once its signal aborts', async () => {
    const x = lease();
    await leases().acquire(x, newHolder(), 60_000);
    const r = recorded(leases());
    const ctl = new AbortController();
    const waiting = takeLease(r.leases, x, newHolder(), { ttlMs: TTL, wait: true, pollMs: 20, signal: ctl.signal });
    await eventually('a first poll', () => r.log.acquires >= 1);
    ctl.abort();
    expect(await waiting).toBeNull();
  });
}

// The Leases contract: every adapter (SQL on SQLite and on PostgreSQL) must pass this same suite,
// which also drives the takeLease helper over it. Every adapter guarantees, per lease name:
//   - one holder at a time, for at least ttlMs after its last acquire or renew (expiry is
//     judged on the caller's clock, Date.now()); then anyone may take it;
//   - acquire succeeds when the lease is free, expired, already ours, or held by a dead process
//     of this host (at once, whatever its ttl); of concurrent acquirers exactly one wins;
//   - renew and release act only on our own lease; release of anything else is a no-op.
// The suite fakes Date (timers stay real) to move past ttls instead of sleeping.
import os from 'node:os';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { holderIsDead, newHolder, type Leases } from './leases.js';
import { takeLeaseCases } from './take-lease.cases.js';

export interface LeasesUnderTest {
  leases: Leases;
  close(): Promise<void>;
}

const T0 = Date.UTC(2026, 3, 1, 0, 0, 0);
const at = (ms: number) => vi.setSystemTime(T0 + ms);
const TTL = 60_000;

/** `host:pid:x` of a process of this host that has exited (and been reaped). */
async function deadHolder(): Promise<string> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return `${os.hostname()}:${child.pid}:dead`;
}

export function leasesContract(name: string, make: () => Promise<LeasesUnderTest>) {
  describe(`Leases contract: ${name}`, () => {
    let sut: LeasesUnderTest;
    let l: Leases;
    beforeAll(async () => {
      sut = await make();
      l = sut.leases;
    });
    afterAll(async () => sut?.close());
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      at(0);
    });
    afterEach(() => void vi.useRealTimers());

    const lease = () => `lease-${uuidv7()}`;

    it('goes to the first holder; refuses another; lets its holder acquire again', async () => {
      const [x, a, b] = [lease(), newHolder(), newHolder()];
      expect(await l.acquire(x, a, TTL)).toBe(true);
      expect(await l.acquire(x, b, TTL)).toBe(false);
      expect(await l.acquire(x, a, TTL)).toBe(true);
      expect(await l.acquire(lease(), b, TTL)).toBe(true); // names are independent
    });

    it('is held for ttlMs after the last acquire, then taken over', async () => {
      const [x, a, b] = [lease(), newHolder(), newHolder()];
      await l.acquire(x, a, TTL);
      at(30_000);
      expect(await l.acquire(x, a, TTL)).toBe(true); // re-acquire extends: now until 90 s
      at(90_000);
      expect(await l.acquire(x, b, TTL)).toBe(false);
      at(90_001);
      expect(await l.acquire(x, b, TTL)).toBe(true);
      expect(await l.acquire(x, a, TTL)).toBe(false);
    });

    it('renew extends our own lease only', async () => {
      const [x, a, b] = [lease(), newHolder(), newHolder()];
      await l.acquire(x, a, TTL);
      at(50_000);
      expect(await l.renew(x, a, TTL)).toBe(true);
      expect(await l.renew(x, b, TTL)).toBe(false);
      expect(await l.renew(lease(), a, TTL)).toBe(false); // no such lease: not created
      at(110_000);
      expect(await l.acquire(x, b, TTL)).toBe(false);
      at(110_001);
      expect(await l.acquire(x, b, TTL)).toBe(true);
      expect(await l.renew(x, a, TTL)).toBe(false); // taken: not ours any more
    });

    it('release frees our lease; releasing anything else changes nothing', async () => {
      const [x, a, b] = [lease(), newHolder(), newHolder()];
      await l.acquire(x, a, TTL);
      await l.release(x, b);
      expect(await l.acquire(x, b, TTL)).toBe(false);
      await l.release(x, a);
      await l.release(x, a); // twice: harmless
      await l.release(lease(), a); // unknown name: harmless
      expect(await l.acquire(x, b, TTL)).toBe(true);
      expect(await l.renew(x, a, TTL)).toBe(false);
    });

    it('takes over at once a lease held by a dead process of this host, not one of another host', async () => {
      const dead = await deadHolder();
      const pid = dead.split(':')[1];
      const elsewhere = `other-${uuidv7()}:${pid}:x`;
      expect([holderIsDead(dead), holderIsDead(elsewhere), holderIsDead(newHolder()), holderIsDead(`${os.hostname()}:abc:x`)])
        .toEqual([true, false, false, false]);
      const [x, y, b] = [lease(), lease(), newHolder()];
      expect(await l.acquire(x, dead, TTL)).toBe(true);
      expect(await l.acquire(y, elsewhere, TTL)).toBe(true);
      expect(await l.acquire(x, b, TTL)).toBe(true); // unexpired, but its holder is gone
      expect(await l.renew(x, dead, TTL)).toBe(false);
      expect(await l.acquire(y, b, TTL)).toBe(false); // may be alive on its own host
    });

    it('of concurrent acquirers exactly one wins: free, expired, or held by a dead process', async () => {
      const race = async (x: string) => (await Promise.all(Array.from({ length: 8 }, () => l.acquire(x, newHolder(), TTL)))).filter(Boolean).length;
      const [free, expired, orphaned] = [lease(), lease(), lease()];
      expect(await race(free)).toBe(1);
      await l.acquire(expired, newHolder(), 1_000);
      await l.acquire(orphaned, await deadHolder(), TTL);
      at(1_001);
      expect(await race(expired)).toBe(1);
      expect(await race(orphaned)).toBe(1);
    });

    it('turns failures into AppError at its boundary (here: used after close)', async () => {
      const closed = await make();
      await closed.close();
      const [x, a] = [lease(), newHolder()];
      await expect(closed.leases.acquire(x, a, TTL)).rejects.toMatchObject({ name: 'AppError' });
      await expect(closed.leases.renew(x, a, TTL)).rejects.toMatchObject({ name: 'AppError' });
      await expect(closed.leases.release(x, a)).rejects.toMatchObject({ name: 'AppError' });
    });

    takeLeaseCases(() => l);
  });
}

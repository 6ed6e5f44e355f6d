// The PresenceStore contract: every adapter (memory, Valkey) must pass this same suite. Every
// adapter guarantees:
//   - a user is online while at least one node's entry is alive (connected or refreshed less
//     than ttlMs ago); connect() says whether the user was offline everywhere before;
//   - disconnect() of the last live node reports offline and records last_seen = now (ISO);
//     last_seen survives going online again until the next clean offline;
//   - an entry not refreshed for ttlMs expires: offline, without touching last_seen;
//   - refresh() extends (or re-creates) the entries of the listed users on that node only.
// Expiry is computed from the caller's clock (Date.now()), so the suite moves a fake Date
// instead of sleeping: TTLs are long (a minute) and server-side key expiry never fires.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { PresenceStore } from './presence-store.js';

export interface PresenceUnderTest {
  presence: PresenceStore;
  close(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const TTL = 60_000;
const at = (ms: number) => vi.setSystemTime(T0 + ms);
const iso = (ms: number) => new Date(T0 + ms).toISOString();

export function presenceContract(name: string, make: () => Promise<PresenceUnderTest>) {
  describe(`PresenceStore contract: ${name}`, () => {
    let sut: PresenceUnderTest;
    let p: PresenceStore;
    beforeEach(async () => {
      vi.useFakeTimers({ toFake: ['Date'] }); // timers stay real: the clients need them
      at(0);
      sut = await make(); // after faking: an adapter may capture Date.now
      p = sut.presence;
    });
    afterEach(async () => {
      vi.useRealTimers();
      await sut?.close();
    });

    const user = (who: string) => `${who}-${uuidv7()}`;
    const online = async (u: string) => (await p.get(u)).online;

    it('a user never seen is offline, with no last_seen', async () => {
      const bob = user('bob');
      expect(await p.get(bob)).toEqual({ user: bob, online: false, last_seen: null });
    });

    it('is online while any node holds a socket; the last node out records last_seen', async () => {
      const [bob, carol] = [user('bob'), user('carol')];
      expect(await p.connect(bob, 'n1', TTL)).toBe(true);
      expect(await p.connect(bob, 'n2', TTL)).toBe(false);
      expect(await p.connect(bob, 'n1', TTL)).toBe(false); // already there
      expect(await p.get(carol)).toEqual({ user: carol, online: false, last_seen: null }); // users apart
      at(1_000);
      expect(await p.disconnect(bob, 'n1')).toBe(false);
      expect(await p.get(bob)).toEqual({ user: bob, online: true, last_seen: null });
      at(2_000);
      expect(await p.disconnect(bob, 'n2')).toBe(true);
      expect(await p.get(bob)).toEqual({ user: bob, online: false, last_seen: iso(2_000) });
      at(3_000);
      expect(await p.connect(bob, 'n1', TTL)).toBe(true); // back online: last_seen kept
      expect(await p.get(bob)).toEqual({ user: bob, online: true, last_seen: iso(2_000) });
      at(4_000);
      expect(await p.disconnect(bob, 'n1')).toBe(true);
      expect(await p.get(bob)).toEqual({ user: bob, online: false, last_seen: iso(4_000) });
    });

    it('a node that stops its heartbeat expires after ttlMs, without a last_seen', async () => {
      const bob = user('bob');
      await p.connect(bob, 'n1', TTL);
      at(TTL - 1);
      expect(await online(bob)).toBe(true);
      at(TTL);
      expect(await p.get(bob)).toEqual({ user: bob, online: false, last_seen: null });
      expect(await p.connect(bob, 'n1', TTL)).toBe(true); // offline before: a new arrival
    });

    it("refresh extends the listed users' entries on that node only", async () => {
      const [bob, carol, dave] = [user('bob'), user('carol'), user('dave')];
      await p.connect(bob, 'n1', TTL);
      await p.connect(carol, 'n1', TTL);
      await p.connect(dave, 'n2', TTL);
      await p.connect(carol, 'n2', TTL);
      at(50_000);
      await p.refresh([bob, carol], 'n1', TTL);
      await p.refresh([], 'n1', TTL);
      at(TTL + 10_000);
      expect([await online(bob), await online(carol), await online(dave)]).toEqual([true, true, false]);
      expect(await p.disconnect(carol, 'n1')).toBe(true); // n2's entry of carol expired
      at(50_000 + TTL);
      expect(await online(bob)).toBe(false);
    });

    it('refresh re-creates an entry the store lost, so presence recovers by heartbeat', async () => {
      const erin = user('erin');
      await p.refresh([erin], 'n1', TTL);
      expect(await online(erin)).toBe(true);
      expect(await p.connect(erin, 'n2', TTL)).toBe(false);
    });

    it('expired entries of other nodes never count: not for connect, not for disconnect', async () => {
      const bob = user('bob');
      await p.connect(bob, 'n1', 10_000);
      await p.connect(bob, 'n2', TTL);
      at(20_000); // n1's entry is dead, n2's alive
      expect(await p.disconnect(bob, 'n2')).toBe(true);
      expect(await p.get(bob)).toEqual({ user: bob, online: false, last_seen: iso(20_000) });
      expect(await p.connect(bob, 'n3', TTL)).toBe(true);
    });

    it("disconnect of a node without an entry leaves the other nodes' entries alone", async () => {
      const bob = user('bob');
      await p.connect(bob, 'n1', TTL);
      expect(await p.disconnect(bob, 'n9')).toBe(false);
      expect(await p.get(bob)).toEqual({ user: bob, online: true, last_seen: null });
    });
  });
}

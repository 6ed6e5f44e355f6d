// MemoryPresence: online while any node's entry lives; offline (with last_seen) when the last
// node leaves; a node that stops its heartbeat expires.
import { describe, expect, it } from 'vitest';
import { MemoryPresence } from './memory-presence.js';

describe('MemoryPresence', () => {
  it('tracks online across nodes, last_seen and TTL expiry', async () => {
    let now = 1_000_000;
    const p = new MemoryPresence(() => now);
    expect(await p.get('bob')).toEqual({ user: 'bob', online: false, last_seen: null });
    expect(await p.connect('bob', 'n1', 1000)).toBe(true);
    expect(await p.connect('bob', 'n2', 1000)).toBe(false);
    expect(await p.disconnect('bob', 'n1')).toBe(false);
    expect((await p.get('bob')).online).toBe(true);
    expect(await p.disconnect('bob', 'n2')).toBe(true);
    expect(await p.get('bob')).toEqual({ user: 'bob', online: false, last_seen: new Date(now).toISOString() });

    await p.connect('carol', 'n1', 1000);
    now += 800;
    await p.refresh(['carol'], 'n1', 1000);
    now += 800;
    expect((await p.get('carol')).online).toBe(true);
    now += 500; // no heartbeat: the entry expires
    expect((await p.get('carol')).online).toBe(false);
    expect(await p.connect('carol', 'n1', 1000)).toBe(true);
  });
});

// ValkeyPresence against a real server: online across nodes, last_seen, TTL expiry.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ValkeyHotTier } from './valkey-hot-tier.js';
import { uniqueName } from '../../../test/unique.js';
import { ValkeyPresence } from './valkey-presence.js';

let hot: ValkeyHotTier | undefined;
afterAll(() => hot?.close());

describe('ValkeyPresence', () => {
  it('tracks online across nodes, last_seen and TTL expiry', async () => {
    hot = await ValkeyHotTier.connect(inject('valkeyUrl'), { prefix: uniqueName('pres'), partitions: 1 });
    const p = new ValkeyPresence(hot);
    expect(await p.get('bob')).toEqual({ user: 'bob', online: false, last_seen: null });
    expect(await p.connect('bob', 'n1', 5000)).toBe(true);
    expect(await p.connect('bob', 'n2', 5000)).toBe(false);
    expect(await p.disconnect('bob', 'n1')).toBe(false);
    expect((await p.get('bob')).online).toBe(true);
    expect(await p.disconnect('bob', 'n2')).toBe(true);
    const off = await p.get('bob');
    expect(off.online).toBe(false);
    expect(Date.parse(off.last_seen!)).toBeGreaterThan(Date.now() - 5000);

    await p.connect('carol', 'n1', 300);
    await p.refresh(['carol'], 'n1', 300);
    expect((await p.get('carol')).online).toBe(true);
    await new Promise((r) => setTimeout(r, 400)); // no heartbeat: expired
    expect((await p.get('carol')).online).toBe(false);
    expect(await p.connect('carol', 'n1', 300)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { guardedLookup, isPublicAddress, refusedAddress, refusedUrl, ADDRESS_REFUSED, type AddressPolicy } from './address-guard.js';

const open: AddressPolicy = { allowedHosts: [], allowedPorts: [443], allowHttpLocalhost: false };

describe('push address guard', () => {
  it('public unicast addresses only, IPv4 and IPv6 (mapped and compatible forms judged as the IPv4 inside)', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '142.250.74.10', '::ffff:8.8.8.8', '2a00:1450:4001:80b::200a', '2606:4700::6810:84e5']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '0.0.0.0', '0.1.2.3', '10.0.0.5', '100.64.0.1', '100.127.255.255', '127.0.0.1', '127.9.9.9', '169.254.169.254', '172.16.0.1', '172.31.255.255',
      '192.168.1.1', '192.0.2.1', '198.18.0.1', '203.0.113.9', '224.0.0.1', '239.1.1.1', '240.0.0.1', '255.255.255.255',
      '::', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '[::ffff:a9fe:a9fe]', '::ffff:10.0.0.1', '::127.0.0.1', 'fe80::1', 'fd00::1', 'fc00::1',
      'ff02::1', '64:ff9b::a00:1', '2001:db8::1', '2002:7f00:1::1', 'fe80::1%eth0', 'not an address', '',
    ]) expect(isPublicAddress(a), a).toBe(false);
  });

  it('endpoint URLs: no IP literal (any notation), no internal name, port 443 unless allowed, the allowlist when set; http on the loopback only when allowed', () => {
    for (const u of [
      'https://169.254.169.254/latest/meta-data/', 'https://10.0.0.5/admin', 'https://127.0.0.1:6379/', 'https://[::1]/', 'https://[::ffff:127.0.0.1]/',
      'https://0.0.0.0/', 'https://2130706433/', 'https://0x7f.1/', 'https://localhost/', 'https://api.localhost/', 'https://metadata.google.internal/computeMetadata/v1/',
      'https://printer.local/', 'https://intranet/', 'https://updates.push.services.mozilla.com:8443/x', 'http://updates.push.services.mozilla.com/x', 'http://127.0.0.1:3000/x',
    ]) expect(refusedUrl(new URL(u), open), u).not.toBeNull();
    for (const u of ['https://updates.push.services.mozilla.com/wpush/v2/abc', 'https://fcm.googleapis.com/fcm/send/x', 'https://web.push.apple.com/QK', 'https://wns2-par02p.notify.windows.com/w/?token=x']) {
      expect(refusedUrl(new URL(u), open), u).toBeNull();
    }
    expect(refusedUrl(new URL('https://fcm.googleapis.com:8443/x'), { ...open, allowedPorts: [443, 8443] })).toBeNull();
    const listed = { ...open, allowedHosts: ['push.services.mozilla.com', 'fcm.googleapis.com', 'notify.windows.com', 'web.push.apple.com'] };
    expect(refusedUrl(new URL('https://updates.push.services.mozilla.com/x'), listed)).toBeNull();
    expect(refusedUrl(new URL('https://fcm.googleapis.com/x'), listed)).toBeNull();
    expect(refusedUrl(new URL('https://evil-fcm.googleapis.com.attacker.net/x'), listed)).not.toBeNull();
    expect(refusedUrl(new URL('https://xfcm.googleapis.com/x'), listed)).not.toBeNull();
    const tests = { ...open, allowHttpLocalhost: true };
    for (const u of ['http://127.0.0.1:3000/x', 'http://localhost:3000/x', 'http://[::1]:3000/x']) expect(refusedUrl(new URL(u), tests), u).toBeNull();
    for (const u of ['http://10.0.0.1/x', 'http://169.254.169.254/x', 'https://127.0.0.1/x', 'http://push.example/x']) expect(refusedUrl(new URL(u), tests), u).not.toBeNull();
  });

  it('a name is refused when any of its addresses is not public, or when it does not resolve', async () => {
    const to = (...addresses: string[]) => async () => addresses.map((address) => ({ address }));
    const u = new URL('https://push.attacker.example/x');
    expect(await refusedAddress(u, open, to('8.8.8.8'))).toBeNull();
    expect(await refusedAddress(u, open, to('8.8.8.8', '169.254.169.254'))).toMatch(/private/);
    expect(await refusedAddress(u, open, to('::ffff:10.0.0.1'))).toMatch(/private/);
    expect(await refusedAddress(u, open, to())).toMatch(/does not resolve/);
    expect(await refusedAddress(u, open, async () => { throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' }); })).toMatch(/ENOTFOUND/);
  });

  it('at connect time the push agents\' lookup refuses a name that resolves to the loopback (DNS rebinding), and allows it for the loopback-only http agent', async () => {
    const look = (loopbackOnly: boolean, all: boolean) => new Promise<{ err: NodeJS.ErrnoException | null; addr: unknown }>((resolve) => {
      guardedLookup(loopbackOnly)('localhost', { all }, (err: NodeJS.ErrnoException | null, addr: unknown) => resolve({ err, addr }));
    });
    for (const all of [false, true]) {
      const refused = await look(false, all);
      expect(refused.err?.code).toBe(ADDRESS_REFUSED);
      const allowed = await look(true, all);
      expect(allowed.err).toBeNull();
    }
  });
});

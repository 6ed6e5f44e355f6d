import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { hs256Verifier, mintToken, parseTtl } from './tokens.js';

const secret = 'x'.repeat(40);

describe('tokens', () => {
  const verifier = hs256Verifier(secret);

  it('accepts a minted token and reads sub/admin', async () => {
    expect(await verifier.verify(await mintToken(secret, 'alice'))).toEqual({ user: 'alice', admin: false });
    expect(await verifier.verify(await mintToken(secret, 'root', { admin: true }))).toEqual({ user: 'root', admin: true });
  });

  it('refuses alg none, a wrong key, an expired token, a token without sub', async () => {
    const none = new UnsecuredJWT({}).setSubject('alice').encode();
    await expect(verifier.verify(none)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verifier.verify(await mintToken('y'.repeat(40), 'alice'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(secret));
    await expect(verifier.verify(expired)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
    await expect(verifier.verify(noSub)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verifier.verify('garbage')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('parses ttls', () => {
    expect(parseTtl('1h')).toBe(3600);
    expect(parseTtl('15m')).toBe(900);
    expect(() => parseTtl('1y')).toThrow(/invalid ttl/);
  });
});

import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { hs256Verifier, mintToken, parseTtl } from './tokens.js';

const secret = 'x'.repeat(40);

describe('tokens', () => {
  const verifier = hs256Verifier(secret);

  it('accepts a minted token and reads sub/admin', async () => {
    expect(await verifier.verify(await mintToken(secret, 'alice'))).toMatchObject({ user: 'alice', admin: false, expiresAt: expect.any(Number) });
    expect(await verifier.verify(await mintToken(secret, 'root', { admin: true }))).toMatchObject({ user: 'root', admin: true });
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

  it('refuses a sub that is no storable user id (lone surrogate, NUL, whitespace, too long): 401, not 400', async () => {
    const sign = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
    for (const sub of ['x\ud800y', '\udc00', 'a\ud83d', 'a\u0000b', 'a b', 'x'.repeat(129), '']) {
      await expect(verifier.verify(await sign(sub)), JSON.stringify(sub)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(await verifier.verify(await sign('👩‍👩‍👧‍👦🇫🇷'))).toMatchObject({ user: '👩‍👩‍👧‍👦🇫🇷' });
    await expect(mintToken(secret, 'x\ud800')).rejects.toThrow(/invalid user id/);
  });

  it('parses ttls', () => {
    expect(parseTtl('1h')).toBe(3600);
    expect(parseTtl('15m')).toBe(900);
    expect(() => parseTtl('1y')).toThrow(/invalid ttl/);
  });
});

describe('JWKS tokens (RS256 / ES256)', () => {
  it('accepts tokens signed by a key of the JWKS, refuses others', async () => {
    const http = await import('node:http');
    const { generateKeyPair, exportJWK } = await import('jose');
    const { jwksVerifier } = await import('./tokens.js');
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const stranger = await generateKeyPair('RS256');
    const keys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'r1', alg: 'RS256' }, { ...(await exportJWK(ec.publicKey)), kid: 'e1', alg: 'ES256' }];
    const server = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
      const v = jwksVerifier(url);
      const sign = (key: CryptoKey | Uint8Array, alg: string, kid: string) =>
        new SignJWT({ admin: true }).setProtectedHeader({ alg, kid }).setSubject('ops').setExpirationTime('5m').sign(key as CryptoKey);
      expect(await v.verify(await sign(rsa.privateKey, 'RS256', 'r1'))).toMatchObject({ user: 'ops', admin: true });
      expect(await v.verify(await sign(ec.privateKey, 'ES256', 'e1'))).toMatchObject({ user: 'ops', admin: true });
      await expect(v.verify(await sign(stranger.privateKey, 'RS256', 'r1'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(v.verify(await mintToken(secret, 'alice'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      server.close();
    }
  });
});

describe('cachedVerifier', () => {
  it('verifies a token once until it expires, and never caches a failure', async () => {
    const { cachedVerifier } = await import('./tokens.js');
    let calls = 0;
    const inner = hs256Verifier(secret);
    const v = cachedVerifier({ verify: (t) => (calls++, inner.verify(t)) });
    const tok = await mintToken(secret, 'alice');
    expect(await v.verify(tok)).toMatchObject({ user: 'alice', admin: false, expiresAt: expect.any(Number) });
    expect(await v.verify(tok)).toMatchObject({ user: 'alice', admin: false, expiresAt: expect.any(Number) });
    expect(calls).toBe(1);
    await expect(v.verify('bad')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(v.verify('bad')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(calls).toBe(3);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime(Math.floor(Date.now() / 1000) - 1).sign(new TextEncoder().encode(secret));
    await expect(v.verify(expired)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('token lifetime, issuer and audience', () => {
  const key = new TextEncoder().encode(secret);
  const now = () => Math.floor(Date.now() / 1000);
  const rules = { maxAgeS: 3600, issuer: 'https://idp.example', audience: 'strata' };
  const strict = hs256Verifier(secret, rules);

  it('a token without exp lives AUTH_MAX_TOKEN_AGE_S after its iat, and is refused without iat', async () => {
    const lax = hs256Verifier(secret, { maxAgeS: 3600 });
    const fresh = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt(now() - 60).sign(key);
    expect(await lax.verify(fresh)).toMatchObject({ user: 'alice', expiresAt: (now() - 60 + 3600) * 1000 });
    const old = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt(now() - 3601).sign(key);
    await expect(lax.verify(old)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(key);
    await expect(lax.verify(forever)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // with exp, exp decides (as before)
    expect(await lax.verify(await mintToken(secret, 'alice', { ttlS: 7 * 86_400 }))).toMatchObject({ user: 'alice' });
  });

  it('checks iss and aud when configured; mintToken sets them', async () => {
    expect(await strict.verify(await mintToken(secret, 'alice', { issuer: rules.issuer, audience: rules.audience }))).toMatchObject({ user: 'alice' });
    await expect(strict.verify(await mintToken(secret, 'alice'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(strict.verify(await mintToken(secret, 'alice', { issuer: 'https://other', audience: rules.audience }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(strict.verify(await mintToken(secret, 'alice', { issuer: rules.issuer, audience: 'other' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

// JWT verification and minting. HS256 with AUTH_JWT_SECRET, or RS256/ES256 against a JWKS URL.
// The algorithm list is fixed per mode, so `alg: none` and algorithm confusion are refused.
// `sub` is the user id; `admin: true` marks an operator.
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors.js';
import { badString } from '../model/text.js';

export interface Principal {
  user: string;
  admin: boolean;
  /** When the token expires (ms since epoch); long-lived sockets are closed then (4004). */
  expiresAt?: number;
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

const USER_ID = /^[^\s\u0000-\u001f]{1,128}$/u;

/**
 * A user id as the UserId schema allows it, and storable (model/text.ts: well-formed UTF-16,
 * which the regex alone lets through: a lone surrogate is a code point to it). A token whose
 * `sub` is not one is refused as a credential: 401 UNAUTHENTICATED, never VALIDATION_FAILED.
 */
export function isValidUserId(id: unknown): id is string {
  return typeof id === 'string' && USER_ID.test(id) && badString(id) === undefined;
}

/** What every accepted token must satisfy besides its signature. */
export interface TokenRules {
  /** Required `iss`, when set. */
  issuer?: string;
  /** Required `aud`, when set. */
  audience?: string;
  /** A token without `exp` lives this long after its `iat`; without either it is refused. */
  maxAgeS: number;
}

export const DEFAULT_TOKEN_RULES: TokenRules = { maxAgeS: 86_400 };

function principal(payload: { sub?: unknown; admin?: unknown; exp?: unknown; iat?: unknown }, rules: TokenRules): Principal {
  if (!isValidUserId(payload.sub)) throw new AppError('UNAUTHENTICATED', 'token has no valid `sub`');
  const p: Principal = { user: payload.sub, admin: payload.admin === true };
  if (typeof payload.exp === 'number') p.expiresAt = payload.exp * 1000;
  else {
    // never accepted forever: a token without exp expires maxAgeS after it was issued
    if (typeof payload.iat !== 'number') throw new AppError('UNAUTHENTICATED', 'token has neither `exp` nor `iat`');
    p.expiresAt = (payload.iat + rules.maxAgeS) * 1000;
    if (p.expiresAt <= Date.now()) throw new AppError('UNAUTHENTICATED', `token has no \`exp\` and was issued more than ${rules.maxAgeS} s ago`);
  }
  return p;
}

function verifyOptions(algorithms: string[], rules: TokenRules) {
  return { algorithms, ...(rules.issuer ? { issuer: rules.issuer } : {}), ...(rules.audience ? { audience: rules.audience } : {}) };
}

export function hs256Verifier(secret: string, rules: TokenRules = DEFAULT_TOKEN_RULES): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, verifyOptions(['HS256'], rules));
        return principal(payload, rules);
      } catch (e) {
        if (e instanceof AppError) throw e;
        throw new AppError('UNAUTHENTICATED', `invalid token: ${(e as Error).message}`);
      }
    },
  };
}

export function jwksVerifier(url: string, rules: TokenRules = DEFAULT_TOKEN_RULES): TokenVerifier {
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(url));
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, jwks, verifyOptions(['RS256', 'ES256'], rules));
        return principal(payload, rules);
      } catch (e) {
        if (e instanceof AppError) throw e;
        throw new AppError('UNAUTHENTICATED', `invalid token: ${(e as Error).message}`);
      }
    },
  };
}

/** Parses durations such as 30s, 15m, 1h, 7d. */
export function parseTtl(ttl: string): number {
  const m = /^(\d+)([smhd])$/.exec(ttl);
  if (!m) throw new Error(`invalid ttl "${ttl}": use e.g. 30m, 1h, 7d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export async function mintToken(secret: string, user: string, opts: { admin?: boolean; ttlS?: number; issuer?: string; audience?: string } = {}): Promise<string> {
  if (!isValidUserId(user)) throw new Error(`invalid user id "${user}"`);
  const jwt = new SignJWT(opts.admin ? { admin: true } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlS ?? 3600}s`);
  if (opts.issuer) jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/**
 * Remembers verified tokens until they expire (at most `max` of them), so a client's requests
 * cost one signature check per token rather than one per request. Failures are not cached.
 */
export function cachedVerifier(inner: TokenVerifier, max = 10_000): TokenVerifier {
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();
  return {
    async verify(token) {
      const hit = cache.get(token);
      const now = Date.now();
      if (hit && hit.expiresAt > now) return hit.principal;
      const principal = await inner.verify(token);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(token, { principal, expiresAt: Math.min(expiryOf(token), now + 5 * 60_000) });
      return principal;
    },
  };
}

/** The token's `exp` in ms (already verified), or now when it has none (never cached). */
function expiryOf(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp?: number };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now();
  } catch {
    // verified tokens always decode; if not, simply do not cache
    return Date.now();
  }
}

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has working defaults for the embedded profile', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', recentLimit: 500, partitions: 16, ackAfter: 'hot', valkeyUrl: undefined });
    expect(c.dataDir).toMatch(/data$/);
  });

  it('parses values and names each bad key with what it expects', () => {
    expect(loadConfig({ PORT: '9000', ACK_AFTER: 'store', VALKEY_URL: 'redis://h:1' })).toMatchObject({ port: 9000, ackAfter: 'store', valkeyUrl: 'redis://h:1' });
    const bad = () => loadConfig({ PORT: 'eighty', ACK_AFTER: 'sometimes', DATABASE_URL: 'mysql://x', RECENT_LIMIT: '0' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('PORT="eighty"');
      expect(msg).toContain('ACK_AFTER="sometimes": unknown value');
      expect(msg).toContain('DATABASE_URL');
      expect(msg).toContain('RECENT_LIMIT');
    }
  });

  it('refuses production without an auth secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET or AUTH_JWKS_URL/);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 's'.repeat(32) }).nodeEnv).toBe('production');
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'short' })).toThrow(/AUTH_JWT_SECRET/);
  });
});

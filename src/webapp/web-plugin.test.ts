// The page and its bundle are served without a token, reference nothing outside the server,
// and the dev token endpoint exists outside production only.
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig, type Config } from '../config.js';
import { makeStack, SECRET, type TestStack } from '../../test/helpers/app.js';
import { contentSecurityPolicy, webPlugin } from './web-plugin.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function serve(nodeEnv: Config['nodeEnv']) {
  const config = testConfig({ authJwtSecret: SECRET, nodeEnv });
  stack = await makeStack({ workers: false, build: { plugins: [webPlugin(config)] } });
  return stack.app;
}

describe('web plugin', () => {
  it('serves the page and its bundle without a token, with a same-origin-only CSP', async () => {
    const app = await serve('development');
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.body).toContain('/static/app.js');
    const js = await app.inject({ url: '/static/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain('/v1/ws'); // the SDK is bundled in
    const css = await app.inject({ url: '/static/app.css' });
    expect(css.headers['content-type']).toMatch(/text\/css/);
    // nothing is loaded from outside the machine
    for (const body of [page.body, css.body]) expect(body).not.toMatch(/(src|href)=["']?https?:|@import|url\(\s*["']?https?:/i);
    expect(js.body).not.toMatch(/import\s*\(?\s*["']https?:/);
    const again = await app.inject({ url: '/static/app.js', headers: { 'if-none-match': js.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    expect((await app.inject({ url: '/static/nope.js' })).statusCode).toBe(404);
    // the service worker: at the root (its scope is the page), JavaScript, public like the page
    const sw = await app.inject({ url: '/sw.js' });
    expect(sw.statusCode).toBe(200);
    expect(sw.headers['content-type']).toMatch(/^text\/javascript/);
    expect(sw.body).toContain('showNotification');
    expect(sw.body).not.toMatch(/^\s*(import|export)\b/m); // a classic script
    expect(page.headers['content-security-policy']).toContain("worker-src 'self'");
    expect((await app.inject({ url: '/sw.js/x' })).statusCode).toBe(401);
  });

  it('mints a dev token that the API accepts (development)', async () => {
    const app = await serve('development');
    const res = await app.inject({ method: 'POST', url: '/dev/token', payload: { user: 'alice' } });
    expect(res.statusCode).toBe(200);
    const { token } = res.json() as { token: string };
    const list = await app.inject({ url: '/v1/conversations', headers: { authorization: `Bearer ${token}` } });
    expect(list.statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/dev/token', payload: { user: 'a b' } })).statusCode).toBe(400);
  });

  it('has no dev token endpoint in production', async () => {
    const app = await serve('production');
    const res = await app.inject({ method: 'POST', url: '/dev/token', payload: { user: 'alice' } });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('token":"');
    expect((await app.inject({ url: '/' })).statusCode).toBe(200); // the page itself still works (paste a token)
  });

  it('lets the page reach the S3 endpoint only when attachments live there (upload PUTs, signed image URLs)', () => {
    const local = contentSecurityPolicy(testConfig({ archiveUrl: undefined }));
    expect(local).toContain("img-src 'self' data:;");
    expect(local).toContain("connect-src 'self';");
    const minio = contentSecurityPolicy(testConfig({ archiveUrl: 's3://media/strata', s3Endpoint: 'http://127.0.0.1:9000', s3ForcePathStyle: true }));
    expect(minio).toContain("img-src 'self' data: http://127.0.0.1:9000;");
    expect(minio).toContain("connect-src 'self' http://127.0.0.1:9000;");
    const aws = contentSecurityPolicy(testConfig({ archiveUrl: 's3://media', s3Region: 'eu-west-1', s3Endpoint: undefined, s3ForcePathStyle: false }));
    expect(aws).toContain("connect-src 'self' https://s3.eu-west-1.amazonaws.com https://media.s3.eu-west-1.amazonaws.com;");
  });
});

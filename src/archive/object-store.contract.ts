// The signed-URL side of the ObjectStore port (object-store.ts), one suite for every adapter:
// head() reports what was stored; a signed PUT stores exactly the granted size and type and
// nothing else, a signed GET returns the object with the response headers it asks for, and
// neither works after it expired, for another key, or with a parameter changed. Expired URLs
// are signed in the past (SignOptions.now): no test waits for a clock.
// How a signed request is made is the target's: S3's URLs are fetched from S3 itself; the local
// directory's are Strata URLs, handed to acceptSigned as Strata's route does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { ObjectStore, SignedRequest } from './object-store.js';

export interface SignedResponse {
  status: number;
  /** A successful GET's body and headers. */
  bytes?: Uint8Array;
  contentType?: string | null;
  disposition?: string | null;
}

export interface SignedTarget {
  objects: ObjectStore;
  /** Makes the request, as a client holding the URL would (contentType: the header it sends, default the signed one). */
  perform(req: SignedRequest, opts?: { body?: Uint8Array; contentType?: string }): Promise<SignedResponse>;
  cleanup(): Promise<void>;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined | null) => (b ? new TextDecoder().decode(b) : b);
const past = () => new Date(Date.now() - 3_600_000);

export function signedUrlContract(name: string, make: () => Promise<SignedTarget>) {
  describe(`object store signed URLs: ${name}`, () => {
    let t: SignedTarget;
    let objects: ObjectStore;
    beforeAll(async () => {
      t = await make();
      objects = t.objects;
    });
    afterAll(async () => t?.cleanup());
    const key = () => `uploads/${uuidv7()}`;
    const ok = (r: SignedResponse) => r.status >= 200 && r.status < 300;

    it('head: null when absent; the size and the content type stored', async () => {
      const k = key();
      expect(await objects.head(k)).toBeNull();
      await objects.putFile(k, enc('hello, wörld'), { contentType: 'text/plain' });
      expect(await objects.head(k)).toEqual({ size: 13, contentType: 'text/plain' });
      await objects.putFile(k, enc('{}'), { contentType: 'application/json' });
      expect(await objects.head(k)).toEqual({ size: 2, contentType: 'application/json' });
      await objects.delete(k);
      expect(await objects.head(k)).toBeNull();
      // the archive's own files are put without a type; list() shows only keys
      const plain = `${key()}/part.parquet`;
      await objects.putFile(plain, enc('x'));
      expect((await objects.head(plain))?.size).toBe(1);
      expect(await objects.list(plain.slice(0, plain.lastIndexOf('/') + 1))).toEqual([plain]);
    });

    it('a signed PUT stores exactly the granted size and type; any other size or type is refused and stores nothing', async () => {
      const k = key();
      const body = enc('\u0089PNG fake bytes');
      const put = await objects.signPut(k, { size: body.length, contentType: 'image/png', expiresInS: 60 });
      expect(put).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/png' } });
      expect(Date.parse(put.expiresAt) - Date.now()).toBeGreaterThan(50_000);
      expect(Date.parse(put.expiresAt) - Date.now()).toBeLessThanOrEqual(61_000);
      expect(ok(await t.perform(put, { body: body.subarray(1) }))).toBe(false);
      expect(ok(await t.perform(put, { body: enc(`${dec(body)}!`) }))).toBe(false);
      expect(ok(await t.perform(put, { body, contentType: 'image/jpeg' }))).toBe(false);
      expect(ok(await t.perform(put, { body, contentType: 'text/html' }))).toBe(false);
      expect(await objects.head(k)).toBeNull();
      expect(ok(await t.perform(put, { body }))).toBe(true);
      expect(await objects.head(k)).toEqual({ size: body.length, contentType: 'image/png' });
      expect(await objects.readFile(k)).toEqual(body);
    });

    it('a signed PUT is refused when expired, for another key, or with its signature or a parameter changed', async () => {
      const [k, other] = [key(), key()];
      const body = enc('12345');
      const expired = await objects.signPut(k, { size: 5, contentType: 'text/plain', expiresInS: 60, now: past() });
      expect(ok(await t.perform(expired, { body }))).toBe(false);
      const put = await objects.signPut(k, { size: 5, contentType: 'text/plain', expiresInS: 60 });
      expect(ok(await t.perform({ ...put, url: put.url.replace(k, other) }, { body }))).toBe(false);
      const sig = /([?&](?:X-Amz-Signature|sig)=)([^&]+)/.exec(put.url)!;
      const flipped = sig[2][0] === 'a' ? `b${sig[2].slice(1)}` : `a${sig[2].slice(1)}`;
      expect(ok(await t.perform({ ...put, url: put.url.replace(sig[0], `${sig[1]}${flipped}`) }, { body }))).toBe(false);
      expect(ok(await t.perform({ ...put, url: put.url.replace(/([?&](?:X-Amz-Expires|expires)=)(\d+)/, (_m, p: string, n: string) => `${p}${Number(n) + 3600}`) }, { body }))).toBe(false);
      expect(await objects.head(k)).toBeNull();
      expect(await objects.head(other)).toBeNull();
    });

    it('a signed GET returns the object with the type and disposition it asks for; refused when expired or for another key', async () => {
      const [k, other] = [key(), key()];
      await objects.putFile(k, enc('%PDF-1.7 hello'), { contentType: 'application/pdf' });
      await objects.putFile(other, enc('secret'), { contentType: 'text/plain' });
      const disposition = 'attachment; filename="r_sum_.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf';
      const get = await objects.signGet(k, { expiresInS: 60, contentType: 'application/pdf', disposition });
      expect(get.method).toBe('GET');
      const r = await t.perform(get);
      expect(r.status).toBe(200);
      expect(dec(r.bytes)).toBe('%PDF-1.7 hello');
      expect(r.contentType).toBe('application/pdf');
      expect(r.disposition).toBe(disposition);
      const plain = await t.perform(await objects.signGet(k, { expiresInS: 60 }));
      expect([plain.status, plain.contentType]).toEqual([200, 'application/pdf']);
      expect(ok(await t.perform(await objects.signGet(k, { expiresInS: 60, now: past() })))).toBe(false);
      expect(ok(await t.perform({ ...get, url: get.url.replace(k, other) }))).toBe(false);
    });
  });
}

/** perform() for stores whose signed URLs are real HTTP URLs (S3). */
export async function fetchSigned(req: SignedRequest, opts: { body?: Uint8Array; contentType?: string } = {}): Promise<SignedResponse> {
  const headers = { ...req.headers, ...(opts.contentType ? { 'content-type': opts.contentType } : {}) };
  const res = await fetch(req.url, { method: req.method, headers, body: opts.body === undefined ? undefined : Buffer.from(opts.body) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return res.ok
    ? { status: res.status, bytes, contentType: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') }
    : { status: res.status };
}

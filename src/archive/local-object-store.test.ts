import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { archiveContract } from './archive.contract.js';
import { LocalObjectStore } from './local-object-store.js';
import { signedUrlContract } from './object-store.contract.js';

archiveContract('local directory', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-archive-'));
  return { objects: new LocalObjectStore(dir), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
});

// The local directory's signed URLs are Strata's (`/v1/<key>?…`): made here the way the route of
// attachments/routes.ts makes them, through acceptSigned.
signedUrlContract('local directory', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-signed-'));
  const objects = new LocalObjectStore(dir);
  return {
    objects,
    async perform(req, opts = {}) {
      const url = new URL(req.url, 'http://strata.invalid');
      expect(url.pathname.startsWith('/v1/')).toBe(true);
      const key = url.pathname.slice('/v1/'.length).split('/').map(decodeURIComponent).join('/');
      try {
        const got = await objects.acceptSigned(req.method, key, Object.fromEntries(url.searchParams), { contentType: opts.contentType ?? req.headers['content-type'], body: opts.body });
        return got ? { status: 200, bytes: got.bytes, contentType: got.contentType, disposition: got.disposition } : { status: 200 };
      } catch (e) {
        if (e instanceof AppError) return { status: e.status };
        throw e;
      }
    },
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
});

it('two stores on one directory share the signing key; another directory\'s signature is refused', async () => {
  const [a, b] = [await fs.mkdtemp(path.join(os.tmpdir(), 'strata-key-')), await fs.mkdtemp(path.join(os.tmpdir(), 'strata-key-'))];
  try {
    const [one, two, stranger] = [new LocalObjectStore(a), new LocalObjectStore(a), new LocalObjectStore(b)];
    const [s1, s2] = await Promise.all([one.signGet('k/x', { expiresInS: 60 }), two.signGet('k/x', { expiresInS: 60 })]);
    expect(s1.url).toBe(s2.url);
    await one.putFile('k/x', new Uint8Array([1, 2, 3]), { contentType: 'application/octet-stream' });
    const q = Object.fromEntries(new URL(s1.url, 'http://x').searchParams);
    expect((await two.acceptSigned('GET', 'k/x', q, {}))?.bytes).toEqual(new Uint8Array([1, 2, 3]));
    await expect(stranger.acceptSigned('GET', 'k/x', q, {})).rejects.toMatchObject({ code: 'SIGNED_URL_INVALID' });
    await expect(one.acceptSigned('PUT', 'k/x', q, { body: new Uint8Array(3) })).rejects.toMatchObject({ code: 'SIGNED_URL_INVALID' });
    expect(await one.list('')).toEqual(['k/x']); // the key and the type beside the object are not objects
  } finally {
    await fs.rm(a, { recursive: true, force: true });
    await fs.rm(b, { recursive: true, force: true });
  }
});

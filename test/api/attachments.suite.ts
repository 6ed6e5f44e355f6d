// Attachments (docs/attachments.md) through the real HTTP API, run on the embedded defaults
// (memory + SQLite + the local store, whose upload and download URLs Strata serves) and on
// Valkey + PostgreSQL + S3 (Swift s3api, presigned URLs S3 checks): a file uploaded with the URL
// it was given, sent, read from history before and after archiving (byte-identical pages),
// downloaded through the redirect; every refusal with its registry code, changing nothing; two
// sends racing for one upload; a removed member refused; expired links; deleted messages and the
// sweep; a send whose hot-tier call fails after storing, or races its own retry, keeps its files;
// the embedded store's PUT is checked before its body is read and holds the upload while it
// writes. The server listens on a real port: every URL is used exactly as the API returned it.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../../src/errors.js';
import type { HotTier } from '../../src/hot-tier/hot-tier.js';
import type { ObjectStore } from '../../src/archive/object-store.js';
import { bytes, png } from '../../src/attachments/attachments.test-kit.js';
import { sweepUploads } from '../../src/attachments/sweep.js';
import type { Attachment } from '../../src/model/message.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { makeStack, type StackOptions, type TestStack } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { WsClient } from '../helpers/ws-client.js';

type Ticket = { id: string; conversation_id: string; name: string; size: number; content_type: string; upload: { method: 'PUT'; url: string; headers: Record<string, string>; expires_at: string } };
type Msg = { id: string; seq: number; text: string | null; attachments: Attachment[] };

/** A promise the test settles: the order of two concurrent requests, without sleeping. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const opened = new Promise<T>((r) => (open = r));
  return { open, opened };
}

/** A PUT whose body the test writes piece by piece; the response resolves as soon as it arrives, body ended or not. */
function openPut(url: string, headers: Record<string, string>) {
  const req = http.request(url, { method: 'PUT', headers });
  req.on('error', () => {}); // the server may answer and close before the test stops writing: only the answer matters
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.on('response', (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (raw += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: raw ? JSON.parse(raw) : undefined }));
      res.on('error', reject);
    });
  });
  req.flushHeaders();
  return { req, response };
}

export function attachmentsSuite(name: string, opts: StackOptions & { archiveStore: () => Promise<{ store: ObjectStore; close(): Promise<void> }> }) {
  describe(`attachments on ${name}`, () => {
    let s: TestStack;
    let closeArchive: () => Promise<void>;
    let base: string;
    let alice: string, bob: string, carol: string, dave: string;
    let conv: string, other: string;
    let files: ObjectStore;

    async function call(method: string, path: string, token: string | undefined, body?: unknown) {
      const r = await fetch(`${base}${path}`, {
        method, redirect: 'manual',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const raw = await r.text();
      let json: any;
      try {
        json = raw ? JSON.parse(raw) : undefined;
      } catch {
        json = undefined;
      }
      return { status: r.status, body: json, raw, headers: r.headers };
    }
    const expectProblem = (r: { status: number; body: any; raw: string }, status: number, code: string) => {
      expect(r.status, r.raw).toBe(status);
      expect(r.body?.code, r.raw).toBe(code);
    };
    const declare = async (token: string, file: { name: string; size: number; content_type: string }, c = conv) => {
      const r = await call('POST', `/v1/conversations/${c}/uploads`, token, file);
      expect(r.status, r.raw).toBe(201);
      return r.body as Ticket;
    };
    /** PUT to the upload URL exactly as given (headers overridable to misbehave). */
    const put = (t: Ticket, body: Uint8Array, headers: Record<string, string> = {}) =>
      fetch(t.upload.url, { method: t.upload.method, headers: { ...t.upload.headers, ...headers }, body: Buffer.from(body) });
    const upload = async (token: string, name: string, content_type: string, body: Uint8Array, c = conv) => {
      const t = await declare(token, { name, size: body.length, content_type }, c);
      const r = await put(t, body);
      expect(r.ok, await r.text()).toBe(true);
      return t;
    };
    const send = (token: string, body: Record<string, unknown>, c = conv) => call('POST', `/v1/conversations/${c}/messages`, token, body);
    const lastSeq = async () => (await call('GET', `/v1/conversations/${conv}/messages?limit=1`, alice)).body.messages[0]?.seq ?? 0;
    const uploadRows = async () => Number((await (s.deps.store as SqlStore).db.selectFrom('uploads').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    /** Follows GET /v1/attachments/{id}: the redirect, then the signed URL (no token). */
    const download = async (token: string, id: string) => {
      const r = await call('GET', `/v1/attachments/${id}`, token);
      if (r.status !== 302) return { status: r.status, body: r.body, raw: r.raw };
      const location = r.headers.get('location')!;
      const file = await fetch(location);
      return { status: file.status, location, bytes: new Uint8Array(await file.arrayBuffer()), type: file.headers.get('content-type'), disposition: file.headers.get('content-disposition') };
    };

    const image = png(3, 2);
    const text = new TextEncoder().encode('notes: ünïcödé ✓\n');
    let photo: Ticket, notes: Ticket, sent: Msg;

    beforeAll(async () => {
      const archive = await opts.archiveStore();
      closeArchive = archive.close;
      // a ring of 2: the history pages below read the warm store, then the archive
      s = await makeStack({ ...opts, archive: archive.store, config: { recentLimit: 2, ...opts.config } });
      files = s.deps.attachments!.files;
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
      [alice, bob, carol, dave] = await Promise.all([s.token('alice'), s.token('bob'), s.token('carol'), s.token('dave')]);
      conv = (await call('POST', '/v1/conversations', alice, { members: ['bob', 'carol'], title: 'files' })).body.id;
      other = (await call('POST', '/v1/conversations', alice, { members: ['dave'] })).body.id;
    }, 180_000);
    afterAll(async () => {
      await s?.close();
      await closeArchive?.();
    });

    it('a file PUT to the URL it was given is attached by a send; the message carries it, with the pixel size of an image', async () => {
      photo = await upload(alice, 'ünï photo "1".png', 'IMAGE/PNG', image);
      expect(photo).toMatchObject({ conversation_id: conv, name: 'ünï photo "1".png', size: image.length, content_type: 'image/png', upload: { method: 'PUT', headers: { 'content-type': 'image/png' } } });
      expect(Date.parse(photo.upload.expires_at)).toBeGreaterThan(Date.now());
      notes = await upload(alice, 'notes.txt', 'text/plain', text);
      const r = await send(alice, { text: 'two files', attachments: [photo.id, notes.id], client_id: 'files-1' });
      expect(r.status, r.raw).toBe(201);
      sent = r.body;
      expect(sent.attachments).toEqual([
        { id: photo.id, name: 'ünï photo "1".png', size: image.length, content_type: 'image/png', width: 3, height: 2, url: `/v1/attachments/${photo.id}` },
        { id: notes.id, name: 'notes.txt', size: text.length, content_type: 'text/plain', width: null, height: null, url: `/v1/attachments/${notes.id}` },
      ]);
      // the same send again (same client_id) is a retry, not a reuse: the original message
      const again = await send(alice, { text: 'two files', attachments: [photo.id, notes.id], client_id: 'files-1' });
      expect(again.status, again.raw).toBe(200);
      expect(again.raw).toBe(r.raw);
    });

    it('members download through the redirect: the same bytes, type and file name; ?redirect=false gives the link as JSON', async () => {
      const got = await download(bob, photo.id);
      expect(got.status).toBe(200);
      expect(got.bytes).toEqual(image);
      expect(got.type).toBe('image/png');
      expect(got.disposition).toBe('inline; filename="_n_ photo _1_.png"; filename*=UTF-8\'\'%C3%BCn%C3%AF%20photo%20%221%22.png');
      const txt = await download(carol, notes.id);
      expect([txt.status, txt.type]).toEqual([200, 'text/plain']);
      expect(txt.bytes).toEqual(text);
      const link = await call('GET', `/v1/attachments/${notes.id}?redirect=false`, bob);
      expect(link.status, link.raw).toBe(200);
      const ttl = s.deps.config.attachmentUrlTtlS * 1000;
      expect(Date.parse(link.body.expires_at) - Date.now()).toBeGreaterThan(ttl - 10_000);
      expect(Date.parse(link.body.expires_at) - Date.now()).toBeLessThanOrEqual(ttl + 1000);
      expect(new Uint8Array(await (await fetch(link.body.url)).arrayBuffer())).toEqual(text);
      expectProblem(await call('GET', `/v1/attachments/${photo.id}`, dave), 404, 'ATTACHMENT_NOT_FOUND');
      expectProblem(await call('GET', `/v1/attachments/${uuidv7()}`, bob), 404, 'ATTACHMENT_NOT_FOUND');
      expectProblem(await call('GET', `/v1/attachments/${photo.id}`, undefined), 401, 'UNAUTHENTICATED');
    });

    it('history reads the same bytes before and after archiving, and archived messages keep working attachments', async () => {
      for (let i = 0; i < 4; i++) expect((await send(bob, { text: `after ${i}` })).status).toBe(201);
      const top = await lastSeq();
      await eventually('every message in the warm store', async () => (await s.deps.store.listMessages(conv, { afterSeq: top - 1, limit: 1 })).length === 1);
      const page = () => call('GET', `/v1/conversations/${conv}/messages?after=0&limit=200`, carol);
      const before = await page();
      expect(before.headers.get('x-strata-tier')).toBe('warm');
      expect(before.body.messages.find((m: Msg) => m.id === sent.id)).toEqual(sent);
      const r = await s.deps.archive!.archiveConversation(s.deps.archiving!.source, conv, top - 2);
      expect(r.archivedThrough).toBe(top - 2);
      const after = await page();
      expect(after.headers.get('x-strata-tier')).not.toBe('warm');
      expect(after.raw).toBe(before.raw);
      const got = await download(bob, photo.id);
      expect([got.status, got.bytes]).toEqual([200, image]);
    });

    it('two sends racing for one upload: exactly one attaches it, the other is UPLOAD_ATTACHED and stores nothing', async () => {
      const t = await upload(bob, 'race.gif', 'image/gif', bytes('GIF89a', [4, 0, 5, 0], [0, 0, 0]));
      const seq = await lastSeq();
      const rs = await Promise.all([send(bob, { text: 'race a', attachments: [t.id] }), send(bob, { text: 'race b', attachments: [t.id] })]);
      expect(rs.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(rs.find((r) => r.status === 409)!.body.code).toBe('UPLOAD_ATTACHED');
      expect(rs.find((r) => r.status === 201)!.body.attachments[0]).toMatchObject({ id: t.id, width: 4, height: 5 });
      expect(await lastSeq()).toBe(seq + 1);
    });

    it('refuses bad uploads with their registry codes, and a refused send stores nothing and keeps its uploads usable', async () => {
      const rows = await uploadRows();
      const objectsBefore = (await files.list('uploads/')).length;
      const max = s.deps.config.uploadMaxBytes;
      expectProblem(await call('POST', `/v1/conversations/${conv}/uploads`, alice, { name: 'big.zip', size: max + 1, content_type: 'application/zip' }), 413, 'UPLOAD_TOO_LARGE');
      expectProblem(await call('POST', `/v1/conversations/${conv}/uploads`, alice, { name: 'page.html', size: 10, content_type: 'text/html' }), 415, 'UPLOAD_TYPE_NOT_ALLOWED');
      expectProblem(await call('POST', `/v1/conversations/${conv}/uploads`, alice, { name: 'x.svg', size: 10, content_type: 'image/svg+xml' }), 415, 'UPLOAD_TYPE_NOT_ALLOWED');
      expectProblem(await call('POST', `/v1/conversations/${conv}/uploads`, alice, { name: 'a.txt', size: 10, content_type: 'text/plain; charset=utf-8' }), 415, 'UPLOAD_TYPE_NOT_ALLOWED');
      expectProblem(await call('POST', `/v1/conversations/${conv}/uploads`, alice, { name: 'a/b.txt', size: 10, content_type: 'text/plain' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', `/v1/conversations/${conv}/uploads`, alice, { name: 'a.txt', size: 0, content_type: 'text/plain' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', `/v1/conversations/${conv}/uploads`, alice, { name: 'a.txt', size: 1, content_type: 'text/plain', extra: 1 }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', `/v1/conversations/${conv}/uploads`, dave, { name: 'a.txt', size: 10, content_type: 'text/plain' }), 404, 'CONVERSATION_NOT_FOUND');
      expect(await uploadRows()).toBe(rows);

      // the URL takes exactly the declared size and type: anything else is refused and stores nothing
      const t = await declare(alice, { name: 'ten.txt', size: 10, content_type: 'text/plain' });
      const refusals = [await put(t, bytes('123456789')), await put(t, bytes('12345678901')), await put(t, bytes('0123456789'), { 'content-type': 'text/html' })];
      for (const r of refusals) expect(r.ok, `${r.status} ${await r.text()}`).toBe(false);
      expect(await files.head(`uploads/${t.id}`)).toBeNull();
      const seq = await lastSeq();
      expectProblem(await send(alice, { text: 'not yet', attachments: [t.id] }), 409, 'UPLOAD_INCOMPLETE');

      const mine = await upload(alice, 'mine.txt', 'text/plain', bytes('mine'));
      const bobs = await upload(bob, 'bobs.txt', 'text/plain', bytes('bobs'));
      const elsewhere = await upload(alice, 'elsewhere.txt', 'text/plain', bytes('elsewhere'), other);
      expectProblem(await send(alice, { text: 'x', attachments: [uuidv7()] }), 404, 'UPLOAD_NOT_FOUND');
      expectProblem(await send(alice, { text: 'x', attachments: [bobs.id] }), 403, 'UPLOAD_NOT_YOURS');
      expectProblem(await send(alice, { text: 'x', attachments: [elsewhere.id] }), 403, 'UPLOAD_NOT_YOURS');
      expectProblem(await send(alice, { text: 'x', attachments: [mine.id, notes.id] }), 409, 'UPLOAD_ATTACHED'); // notes: attached to `sent`
      expectProblem(await send(alice, { text: 'x', attachments: [notes.id], client_id: 'another' }), 409, 'UPLOAD_ATTACHED');
      expectProblem(await send(alice, { text: 'x', attachments: [mine.id, mine.id] }), 400, 'VALIDATION_FAILED');
      expectProblem(await send(alice, { text: 'x', attachments: Array.from({ length: 11 }, () => uuidv7()) }), 400, 'VALIDATION_FAILED');
      expectProblem(await send(dave, { text: 'x', attachments: [mine.id] }), 404, 'CONVERSATION_NOT_FOUND');

      // what arrived is not what was declared: another size or type in the store, or image bytes of another kind
      const short = await declare(alice, { name: 'short.txt', size: 5, content_type: 'text/plain' });
      await files.putFile(`uploads/${short.id}`, bytes('123456'), { contentType: 'text/plain' });
      expectProblem(await send(alice, { text: 'x', attachments: [short.id] }), 400, 'UPLOAD_MISMATCH');
      const typed = await declare(alice, { name: 'typed.txt', size: 5, content_type: 'text/plain' });
      await files.putFile(`uploads/${typed.id}`, bytes('12345'), { contentType: 'text/html' });
      expectProblem(await send(alice, { text: 'x', attachments: [typed.id] }), 400, 'UPLOAD_MISMATCH');
      const fake = await upload(alice, 'fake.png', 'image/png', bytes('<script>alert(1)</script>'));
      expectProblem(await send(alice, { text: 'x', attachments: [fake.id] }), 400, 'UPLOAD_MISMATCH');

      expect(await lastSeq()).toBe(seq);
      // none of those sends took `mine`: it attaches now
      const ok = await send(alice, { text: 'mine', attachments: [mine.id] });
      expect(ok.status, ok.raw).toBe(201);
      // an attached upload's bytes no longer change through Strata's own URL (S3's presigned URL lives until it expires)
      if (files.acceptSigned) {
        const late = await put(mine, bytes('MINE'));
        expect(late.status).toBe(409);
        expect((await late.json()).code).toBe('UPLOAD_ATTACHED');
      }
      expect((await files.list('uploads/')).length).toBeGreaterThan(objectsBefore);
    });

    it('a JSON file arrives as bytes, not parsed; a PUT without its content-type is refused, not an error', async () => {
      const json = bytes('{"a": [1, 2], "b": "ü"}');
      const t = await declare(bob, { name: 'data.json', size: json.length, content_type: 'application/json' });
      const bare = await fetch(t.upload.url, { method: 'PUT', body: new Blob([Buffer.from(json)]) }); // a Blob without a type: no content-type header
      expect(bare.status, await bare.text()).toBeGreaterThanOrEqual(400);
      expect(bare.status).toBeLessThan(500);
      expect(await files.head(`uploads/${t.id}`)).toBeNull();
      expect((await put(t, json)).ok).toBe(true);
      const m = await send(bob, { text: 'data', attachments: [t.id] });
      expect(m.status, m.raw).toBe(201);
      const got = await download(alice, t.id);
      expect([got.status, got.type, got.disposition?.startsWith('attachment;')]).toEqual([200, 'application/json', true]);
      expect(got.bytes).toEqual(json);
    });

    it('over the socket a send attaches uploads the same way; a bad one is an error frame with its code', async () => {
      const t = await upload(carol, 'ws.txt', 'text/plain', bytes('over the socket'));
      const ws = await WsClient.connect(base, carol);
      try {
        ws.send({ type: 'send', ref: 'a1', conversation_id: conv, text: 'socket file', attachments: [t.id] });
        const ack = await ws.waitFor((f) => f.type === 'ack' && f.ref === 'a1');
        expect(ack.message.attachments).toEqual([{ id: t.id, name: 'ws.txt', size: 15, content_type: 'text/plain', width: null, height: null, url: `/v1/attachments/${t.id}` }]);
        ws.send({ type: 'send', ref: 'a2', conversation_id: conv, text: 'again', attachments: [t.id] });
        const err = await ws.waitFor((f) => f.type === 'error' && f.ref === 'a2');
        expect(err.code).toBe('UPLOAD_ATTACHED');
      } finally {
        ws.close();
      }
    });

    it('a removed member gets no new link; links expire', async () => {
      expect((await download(carol, photo.id)).status).toBe(200);
      const removed = await call('DELETE', `/v1/conversations/${conv}/members/carol`, alice);
      expect(removed.status, removed.raw).toBe(204);
      expectProblem(await call('GET', `/v1/attachments/${photo.id}`, carol), 404, 'ATTACHMENT_NOT_FOUND');
      expectProblem(await call('GET', `/v1/attachments/${photo.id}?redirect=false`, carol), 404, 'ATTACHMENT_NOT_FOUND');
      expect((await download(bob, photo.id)).status).toBe(200);
      // a link handed out ATTACHMENT_URL_TTL_S ago (signed then, as the server signs) no longer works
      const old = await files.signGet(`uploads/${photo.id}`, { expiresInS: s.deps.config.attachmentUrlTtlS, now: new Date(Date.now() - (s.deps.config.attachmentUrlTtlS + 5) * 1000) });
      const stale = await fetch(new URL(old.url, base));
      expect(stale.status).toBe(403);
      if (files.acceptSigned) expect((await stale.json()).code).toBe('SIGNED_URL_INVALID');
    });

    it('deleting a message releases its files: the tombstone lists none, links stop, and the sweep deletes the bytes', async () => {
      const a = await upload(bob, 'bye.txt', 'text/plain', bytes('bye'));
      const m = (await send(bob, { text: 'to delete', attachments: [a.id] })).body as Msg;
      expect((await download(alice, a.id)).status).toBe(200);
      const del = await call('DELETE', `/v1/messages/${m.id}`, bob);
      expect(del.status, del.raw).toBe(200);
      expect(del.body).toMatchObject({ id: m.id, text: null, attachments: [] });
      expectProblem(await call('GET', `/v1/attachments/${a.id}`, alice), 404, 'ATTACHMENT_NOT_FOUND');
      expect(await files.head(`uploads/${a.id}`)).not.toBeNull();
      const swept = await sweepUploads(s.deps);
      expect(swept.deleted).toBeGreaterThanOrEqual(1);
      expect(await files.head(`uploads/${a.id}`)).toBeNull();
      expect(await s.deps.attachments!.uploads.getUpload(a.id)).toBeNull();
      expectProblem(await send(bob, { text: 'x', attachments: [a.id] }), 404, 'UPLOAD_NOT_FOUND');
    });

    it('the sweep deletes uploads never attached within UPLOAD_TTL_S and claims whose send died; attached files stay', async () => {
      const idle = await upload(alice, 'idle.txt', 'text/plain', bytes('idle'));
      const orphan = await upload(alice, 'orphan.txt', 'text/plain', bytes('orphan'));
      const attachments = await s.services.attachments.check('alice', conv, [orphan.id], undefined);
      await s.services.attachments.claim(attachments, uuidv7(), undefined); // a send that died before its ingest: never settled
      // a send whose message was stored but whose settling failed: the sweep finds the message and attaches
      const late = await upload(alice, 'late.txt', 'text/plain', bytes('late'));
      const stored = (await send(alice, { text: 'settled by the sweep' })).body as Msg;
      await eventually('the message in the warm store', () => s.deps.store.getMessage(stored.id));
      await s.services.attachments.claim(await s.services.attachments.check('alice', conv, [late.id], undefined), stored.id, undefined);
      expect((await sweepUploads(s.deps)).deleted).toBe(0); // nothing is old yet
      expect(await files.head(`uploads/${idle.id}`)).not.toBeNull();
      const later = Date.now() + (Math.max(s.deps.config.uploadTtlS, s.deps.config.uploadUrlTtlS) + 1) * 1000;
      const swept = await sweepUploads(s.deps, later);
      expect(swept.expired).toBeGreaterThanOrEqual(1); // idle, and what the refusals above left pending
      expect(swept.deleted).toBeGreaterThanOrEqual(2);
      expect(swept.attached).toBe(1);
      expect(await s.deps.attachments!.uploads.getUpload(late.id)).toMatchObject({ state: 'attached', message_id: stored.id });
      expect((await download(bob, late.id)).status).toBe(200);
      for (const t of [idle, orphan]) {
        expect(await files.head(`uploads/${t.id}`)).toBeNull();
        expect(await s.deps.attachments!.uploads.getUpload(t.id)).toBeNull();
      }
      expectProblem(await send(alice, { text: 'x', attachments: [idle.id] }), 404, 'UPLOAD_NOT_FOUND');
      const got = await download(bob, photo.id);
      expect([got.status, got.bytes]).toEqual([200, image]);
    });
    /** Replaces one method of an adapter for the duration of fn (a wrapper around the real one): a failing fake. */
    async function patched<O extends object, K extends keyof O, T>(obj: O, name: K, wrap: (real: O[K]) => O[K], fn: () => Promise<T>): Promise<T> {
      const own = Object.getOwnPropertyDescriptor(obj, name);
      obj[name] = wrap((obj[name] as (...a: unknown[]) => unknown).bind(obj) as O[K]);
      try {
        return await fn();
      } finally {
        if (own) Object.defineProperty(obj, name, own);
        else delete obj[name];
      }
    }
    const withIngest = <T>(wrap: (real: HotTier['ingest']) => HotTier['ingest'], fn: () => Promise<T>) => patched(s.deps.hot as HotTier, 'ingest', wrap, fn);
    const afterTtl = () => Date.now() + (Math.max(s.deps.config.uploadTtlS, s.deps.config.uploadUrlTtlS) + 1) * 1000;

    it('a send whose hot-tier call stored the message but lost the reply: the retry gets the original, and its file stays attached to it', async () => {
      const t = await upload(alice, 'lost.png', 'image/png', image);
      const [first, retry] = await withIngest((real) => {
        let lose = true;
        return async (input) => {
          const out = await real(input);
          if (lose) {
            lose = false;
            throw new AppError('UNAVAILABLE', 'the connection closed before the reply', { retryable: true });
          }
          return out;
        };
      }, async () => [
        await send(alice, { text: 'lost reply', attachments: [t.id], client_id: 'lost-1' }),
        await send(alice, { text: 'lost reply', attachments: [t.id], client_id: 'lost-1' }),
      ]);
      expectProblem(first, 503, 'UNAVAILABLE');
      expect(retry.status, retry.raw).toBe(200);
      const original = retry.body as Msg;
      expect(original.attachments.map((a) => a.id)).toEqual([t.id]);
      // the message lists the file: members download it, no other message can take it, the sweep keeps it
      const got = await download(bob, t.id);
      expect([got.status, got.bytes]).toEqual([200, image]);
      expectProblem(await send(alice, { text: 'reuse', attachments: [t.id] }), 409, 'UPLOAD_ATTACHED');
      await eventually('the message in the warm store', () => s.deps.store.getMessage(original.id));
      await sweepUploads(s.deps, afterTtl());
      expect(await s.deps.attachments!.uploads.getUpload(t.id)).toMatchObject({ state: 'attached', message_id: original.id });
      expect(await files.head(`uploads/${t.id}`)).not.toBeNull();
    });

    it('two attempts of one send at once: the first fails after the retry took over its claim; the retry\'s message keeps the file', async () => {
      const t = await upload(alice, 'twice.png', 'image/png', image);
      const [aIn, aGo, bIn, bGo] = [gate(), gate(), gate(), gate()];
      const [ra, rb] = await withIngest((real) => {
        let calls = 0;
        return async (input) => {
          if (calls++ === 0) {
            aIn.open();
            await aGo.opened;
            return { status: 'backlogged', backlog: 1 }; // the first attempt stored nothing
          }
          bIn.open();
          await bGo.opened;
          return real(input);
        };
      }, async () => {
        const pa = send(alice, { text: 'twice', attachments: [t.id], client_id: 'twice-1' });
        await aIn.opened; // A claimed the upload and is in its hot-tier call
        const pb = send(alice, { text: 'twice', attachments: [t.id], client_id: 'twice-1' });
        await bIn.opened; // B (the retry) took over A's claim and is in its hot-tier call
        aGo.open();
        const a = await pa; // A fails and settles before B stores
        bGo.open();
        return [a, await pb];
      });
      expectProblem(ra, 503, 'BACKPRESSURE');
      expect(rb.status, rb.raw).toBe(201);
      expect(await s.deps.attachments!.uploads.getUpload(t.id)).toMatchObject({ state: 'attached', message_id: rb.body.id });
      expect((await download(bob, t.id)).status).toBe(200);
      expectProblem(await send(alice, { text: 'reuse', attachments: [t.id] }), 409, 'UPLOAD_ATTACHED');
    });

    it('a claim whose send died is no download: only a file of a stored message is', async () => {
      const t = await upload(alice, 'died.txt', 'text/plain', bytes('died'));
      await s.services.attachments.claim(await s.services.attachments.check('alice', conv, [t.id], undefined), uuidv7(), undefined);
      expectProblem(await call('GET', `/v1/attachments/${t.id}`, bob), 404, 'ATTACHMENT_NOT_FOUND');
      expectProblem(await call('GET', `/v1/attachments/${t.id}?redirect=false`, alice), 404, 'ATTACHMENT_NOT_FOUND');
    });

    it('the sweep skips an object it cannot delete (logged, kept released for the next run) and deletes the rest', async () => {
      const [a, b] = [await upload(bob, 'stuck.txt', 'text/plain', bytes('stuck')), await upload(bob, 'free.txt', 'text/plain', bytes('free'))];
      const m = (await send(bob, { text: 'to delete', attachments: [a.id, b.id] })).body as Msg;
      expect((await call('DELETE', `/v1/messages/${m.id}`, bob)).status).toBe(200);
      const warned: object[] = [];
      const swept = await patched(files, 'delete', (real) => async (key) => {
        if (key === `uploads/${a.id}`) throw new AppError('UNAVAILABLE', 'the object store refused');
        return real(key);
      }, () => sweepUploads(s.deps, Date.now(), { warn: (o) => warned.push(o) }));
      expect(swept.failed).toBe(1);
      expect(warned).toContainEqual(expect.objectContaining({ upload: a.id }));
      expect(await files.head(`uploads/${b.id}`)).toBeNull();
      expect(await s.deps.attachments!.uploads.getUpload(b.id)).toBeNull();
      expect(await s.deps.attachments!.uploads.getUpload(a.id)).toMatchObject({ state: 'released' });
      expect((await sweepUploads(s.deps)).failed).toBe(0);
      expect(await files.head(`uploads/${a.id}`)).toBeNull();
      expect(await s.deps.attachments!.uploads.getUpload(a.id)).toBeNull();
    });

    it('the embedded store\'s PUT checks the signature first: without one, every upload id is answered alike', async () => {
      if (!files.acceptSigned) return; // S3 checks its own presigned URLs
      const attached = await upload(alice, 'oracle.txt', 'text/plain', bytes('oracle'));
      expect((await send(alice, { text: 'oracle', attachments: [attached.id] })).status).toBe(201);
      const pending = await declare(alice, { name: 'p.txt', size: 3, content_type: 'text/plain' });
      for (const id of [attached.id, pending.id, uuidv7()]) {
        const r = await fetch(`${base}/v1/uploads/${id}?expires=9999999999&size=3&type=text%2Fplain&sig=x`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'abc' });
        expect(r.status).toBe(403);
        expect((await r.json()).code).toBe('SIGNED_URL_INVALID');
      }
      expect(await s.deps.attachments!.uploads.getUpload(pending.id)).toMatchObject({ state: 'pending' });
    });

    it('the embedded store\'s PUT answers before reading a body it refuses: no signature, another length, more bytes than signed', async () => {
      if (!files.acceptSigned) return; // S3 checks its own presigned URLs
      const t = await declare(alice, { name: 'streamed.txt', size: 10, content_type: 'text/plain' });
      // no valid signature: refused after the first chunk of a body that never ends
      const forged = openPut(`${base}/v1/uploads/${t.id}?expires=9999999999&size=10&type=text%2Fplain&sig=x`, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      forged.req.write(Buffer.alloc(64 * 1024, 1));
      expect(await forged.response).toMatchObject({ status: 403, body: { code: 'SIGNED_URL_INVALID' } });
      forged.req.destroy();
      // a Content-Length other than the signed size: refused with no body sent
      const long = openPut(t.upload.url, { ...t.upload.headers, 'content-length': String(s.deps.config.uploadMaxBytes) });
      expect(await long.response).toMatchObject({ status: 400, body: { code: 'UPLOAD_MISMATCH' } });
      long.req.destroy();
      // a chunked body past the signed size: refused once it passes it, while the client still sends
      const over = openPut(t.upload.url, { ...t.upload.headers, 'transfer-encoding': 'chunked' });
      over.req.write(Buffer.alloc(11, 0x61));
      expect(await over.response).toMatchObject({ status: 400, body: { code: 'UPLOAD_MISMATCH' } });
      over.req.destroy();
      // nothing was stored, the upload is still pending and takes its bytes
      expect(await files.head(`uploads/${t.id}`)).toBeNull();
      expect(await s.deps.attachments!.uploads.getUpload(t.id)).toMatchObject({ state: 'pending' });
      expect((await put(t, bytes('0123456789'))).status).toBe(204);
      expect(await files.readFile(`uploads/${t.id}`)).toEqual(bytes('0123456789'));
    }, 20_000);

    it('while the embedded store receives a PUT, no send attaches the upload and no second PUT lands; an attached upload\'s bytes never change', async () => {
      if (!files.acceptSigned) return; // S3: a presigned PUT can replace the bytes until it expires (docs/attachments.md)
      const t = await upload(alice, 'racing.png', 'image/png', image);
      const other = new Uint8Array(image.length).fill(0x41);
      const slow = openPut(t.upload.url, { ...t.upload.headers, 'content-length': String(image.length) });
      slow.req.write(other.subarray(0, 10));
      await eventually('the PUT receiving', async () => (await s.deps.attachments!.uploads.getUpload(t.id))?.state === 'receiving');
      expectProblem(await send(alice, { text: 'too early', attachments: [t.id] }), 409, 'UPLOAD_INCOMPLETE');
      const second = await put(t, image);
      expect(second.status).toBe(409);
      expect((await second.json()).code).toBe('UPLOAD_IN_PROGRESS');
      slow.req.end(other.subarray(10));
      expect((await slow.response).status).toBe(204);
      // the PUT that was let through replaced the bytes before any send took them: they are not a PNG
      expectProblem(await send(alice, { text: 'not a png', attachments: [t.id] }), 400, 'UPLOAD_MISMATCH');
      expect((await put(t, image)).status).toBe(204);
      const m = await send(alice, { text: 'the png', attachments: [t.id] });
      expect(m.status, m.raw).toBe(201);
      const late = await put(t, other);
      expect(late.status).toBe(409);
      expect((await late.json()).code).toBe('UPLOAD_ATTACHED');
      const got = await download(bob, t.id);
      expect([got.status, got.bytes]).toEqual([200, image]);
    });
  });
}

// Property: whatever Unicode a client sends (emoji ZWJ sequences, flags, skin tones, RTL marks
// and text, combining marks and Zalgo, astral-plane characters, CJK, quotes, backslashes,
// control characters, any BMP code unit but a surrogate, texts of exactly MAX_TEXT_CHARS) reads
// back BYTE-IDENTICAL from every tier: the hot ring, the warm store (SQLite, PostgreSQL) and the
// cold archive (Parquet in a local directory), sent over REST and as WebSocket `send` frames,
// some of them edited. Each message's raw JSON in every history page body equals the raw JSON
// of its ack (REST 201 body, WS `ack` frame, or the edit's answer) and its text equals what
// was sent. Four stacks: {memory, Valkey} hot tier × {SQLite, PostgreSQL} warm store.
// Negative property: strings that are not storable (a lone surrogate, or NUL: model/text.ts)
// are refused on every entry point (REST bodies, path params, WS frames, the JWT `sub`) and
// nothing is stored: no message, no seq, no edit, no conversation, member or reaction.
// Random but reproducible: the seed is printed; UNICODE_SEED=<seed> replays a run.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../src/archive/local-object-store.js';
import { messageJson, type Message } from '../../src/model/message.js';
import { makeStack, SECRET, type TestStack } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { WsClient } from '../helpers/ws-client.js';
import { rng as mulberry32, type Rng } from '../../bench/lib/rng.js';

const SEED = process.env.UNICODE_SEED ? Number(process.env.UNICODE_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
console.log(`unicode-tiers: seed ${SEED} (replay with UNICODE_SEED=${SEED} npx vitest run test/integration/unicode-tiers.test.ts)`);

/** Texts per stack; each is sent twice (REST and WS), so the conversation holds 2 × N. */
const N = 200;
/** Bad strings per stack, each tried on every entry point. */
const BAD = 24;

// ---- a seeded generator (the bench's mulberry32) ------------------------------------------

const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const cp = (n: number) => String.fromCodePoint(n);

const EMOJI = ['👩‍👩‍👧‍👦', '👨🏽‍💻', '🏳️‍🌈', '🏴‍☠️', '👍🏿', '👋🏻', '🧑🏾‍🤝‍🧑🏼', '❤️', '👨‍❤️‍💋‍👨', '🇫🇷', '🇯🇵', '🇺🇳', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '#️⃣', '😀'];
const RTL = ['\u200f', '\u200e', '\u202e', '\u202d', '\u2067', '\u2069', '\u061c', 'مرحبا بالعالم', 'שָׁלוֹם עוֹלָם', 'ﷺ', 'لا', 'עברית 123 عربى'];
const CJK = ['漢字', '日本語のテキスト', 'かなカナ', '한국어', '中文，标点。', '𠜎𠜱𠝹', '〈〉「」'];
const ASTRAL = ['𝕏', '𓀀', '𐍈', '🀄', '𝄞', '\u{10FFFF}', '\u{E0001}', '\u{1F9D1}'];
const SPECIAL = ['"', '\\', '\\\\', '\\"', "'", '`', '\\u0000', '\\ud800', '\\n', '</script>', '${x}', '%s', '{"seq":0,}', ',"seq":1,', '\r\n', '\t', '\u2028', '\u2029', '\ufeff', '\u200b', '\u00a0', '\ufffd', '\uffff', '\ufffe', ' '];
const COMBINING: [number, number][] = [[0x300, 0x36f], [0x483, 0x489], [0x1ab0, 0x1aff], [0x20d0, 0x20ff], [0xfe20, 0xfe2f]];
const ASTRAL_RANGES: [number, number][] = [[0x1f300, 0x1faff], [0x1d400, 0x1d7ff], [0x13000, 0x1342f], [0x20000, 0x2a6df], [0x10000, 0x1007f], [0xe0000, 0xe007f], [0xf0000, 0x10ffff]];

function zalgo(r: Rng): string {
  let s = pick(r, ['e', 'a', 'Z', 'o', 'ж', '字']);
  for (let k = int(r, 1, 12); k > 0; k--) {
    const [lo, hi] = pick(r, COMBINING);
    s += cp(int(r, lo, hi));
  }
  return s;
}

function bmpUnit(r: Rng): string {
  for (;;) {
    const u = int(r, 1, 0xffff);
    if (u < 0xd800 || u > 0xdfff) return String.fromCharCode(u);
  }
}

function piece(r: Rng): string {
  switch (int(r, 0, 10)) {
    case 0: return pick(r, EMOJI);
    case 1: return pick(r, RTL);
    case 2: return pick(r, CJK);
    case 3: return pick(r, ASTRAL);
    case 4: { const [lo, hi] = pick(r, ASTRAL_RANGES); return cp(int(r, lo, hi)); }
    case 5: return zalgo(r);
    case 6: return `e\u0301${pick(r, ['', '\u0308', '\u20dd'])}`;
    case 7: return pick(r, SPECIAL);
    case 8: return String.fromCharCode(pick(r, [int(r, 1, 0x1f), 0x7f, int(r, 0x80, 0x9f)])); // C0 (no NUL), DEL, C1
    case 9: return bmpUnit(r);
    default: return pick(r, ['hello', 'x', ' word ', 'Ünïcödé', 'ﬁ', 'ß', 'İı', '½']);
  }
}

const codePoints = (s: string) => [...s].length;
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** A storable text of 1..max code points (about one in ten exactly max). */
function text(r: Rng, max: number): string {
  let s = '';
  if (r() < 0.1) {
    while (codePoints(s) < max) s += piece(r);
    return [...s].slice(0, max).join('');
  }
  for (let k = int(r, 1, 24); k > 0; k--) s += piece(r);
  return [...s].slice(0, max).join('') || 'x';
}

/** A string that must be refused: a lone surrogate (several ways), or NUL. */
function badText(r: Rng, max: number): string {
  const base = [...text(r, Math.min(max - 2, 40))].join('');
  const at = int(r, 0, base.length);
  let s: string;
  switch (int(r, 0, 4)) {
    case 0: s = base.slice(0, at) + String.fromCharCode(int(r, 0xd800, 0xdbff)) + base.slice(at); break; // lone high
    case 1: s = base.slice(0, at) + String.fromCharCode(int(r, 0xdc00, 0xdfff)) + base.slice(at); break; // lone low
    case 2: s = `${base}${'😀'.slice(0, 1)}`; break; // a pair cut in half
    case 3: s = `\udc00\ud800${base}`; break; // a pair in the wrong order
    default: s = base.slice(0, at) + '\u0000' + base.slice(at); // NUL
  }
  expect(wellFormed(s) && !s.includes('\u0000'), JSON.stringify(s)).toBe(false);
  return s;
}

// ---- reading pages as bytes ---------------------------------------------------------------

/** The raw JSON of each message in a history page body, checked to rebuild the body exactly. */
function rawMessages(body: string): string[] {
  const prefix = '{"messages":[';
  expect(body.startsWith(prefix), body.slice(0, 80)).toBe(true);
  const out: string[] = [];
  let depth = 0, start = -1, inString = false, escaped = false, end = -1;
  for (let i = prefix.length; i < body.length && end < 0; i++) {
    const c = body[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' && depth++ === 0) start = i;
    else if (c === '}' && --depth === 0) out.push(body.slice(start, i + 1));
    else if (c === ']' && depth === 0) end = i;
  }
  expect(body).toBe(`${prefix}${out.join(',')}${body.slice(end)}`);
  return out;
}

/** Fails with the seed, the message and where the two first differ (escaped), not a 24 KB diff. */
function sameBytes(actual: string, expected: string, what: string) {
  if (Buffer.from(actual, 'utf8').equals(Buffer.from(expected, 'utf8'))) return;
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  // every code point outside printable ASCII spelled out: a dropped U+FEFF or U+200F is visible
  const around = (s: string) => [...s.slice(Math.max(0, i - 40), i + 40)].map((c) => {
    const n = c.codePointAt(0)!;
    return n >= 0x20 && n < 0x7f ? c : `\\u{${n.toString(16)}}`;
  }).join('');
  throw new Error(`seed ${SEED}: ${what} differs at code unit ${i}:\n  got      ${around(actual)}\n  expected ${around(expected)}`);
}

// ---- the stacks -----------------------------------------------------------------------------

const COMBOS = [
  { hot: 'memory', store: 'sqlite' },
  { hot: 'valkey', store: 'sqlite' },
  { hot: 'memory', store: 'postgres' },
  { hot: 'valkey', store: 'postgres' },
] as const;

describe.each(COMBOS.map((c, i) => ({ ...c, i })))('unicode through every tier: $hot hot tier, $store warm store, local Parquet archive', ({ hot, store, i }) => {
  let s: TestStack;
  let dir: string;
  let base: string;
  let alice: string;
  const sockets: WsClient[] = [];
  const seed = (SEED + i * 0x9e3779b9) >>> 0;

  const call = (method: string, url: string, token: string, body?: unknown) => s.app.inject({
    method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    payload: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });

  async function connect(token: string): Promise<{ c: WsClient; raw: string[] }> {
    const c = await WsClient.connect(base, token);
    sockets.push(c);
    const raw: string[] = [];
    c.ws.on('message', (d) => raw.push(String(d)));
    return { c, raw };
  }

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-unicode-'));
    // The ring holds the 2 × N messages under test, so that they are read from it first; 2 × N
    // fillers afterwards push them out of it (then the warm store answers).
    s = await makeStack({ hot, store, archive: new LocalObjectStore(dir), config: { recentLimit: 2 * N } });
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    alice = await s.token('alice');
  });

  afterAll(async () => {
    for (const c of sockets) c.close();
    await s?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it(`${N} random texts over REST and WS read back byte-identical from the hot ring, the warm store and the archive`, async () => {
    const r = mulberry32(seed);
    const max = s.deps.config.maxTextChars;
    const conv = (await call('POST', '/v1/conversations', alice, { members: ['bob'], title: text(r, 200) })).json().id as string;
    const { c: ws, raw } = await connect(alice);
    const texts = Array.from({ length: N }, () => text(r, max));
    expect(texts.some((t) => codePoints(t) === max)).toBe(true);

    /** id → the raw JSON the tiers must serve for it; id → the text it must carry. */
    const expected = new Map<string, string>();
    const textOf = new Map<string, string>();
    const rest: Promise<void>[] = [];
    for (const [k, t] of texts.entries()) {
      rest.push(call('POST', `/v1/conversations/${conv}/messages`, alice, { text: t, client_id: `r-${k}` }).then((res) => {
        expect(res.statusCode, `seed ${SEED}: REST send #${k}: ${res.body.slice(0, 300)}`).toBe(201);
        const m = JSON.parse(res.body) as Message;
        expect(m.text === t, `seed ${SEED}: REST ack #${k} text`).toBe(true);
        expected.set(m.id, res.body);
        textOf.set(m.id, t);
      }));
      ws.send({ type: 'send', ref: `w-${k}`, conversation_id: conv, text: t, client_id: `w-${k}` });
    }
    await Promise.all(rest);
    await ws.until(() => ws.ofType('ack').length + ws.ofType('error').length >= N, 30_000, `${N} acks`);
    expect(ws.ofType('error')).toEqual([]);
    for (const frame of raw.filter((f) => f.startsWith('{"type":"ack"'))) {
      const k = Number(/^\{"type":"ack","ref":"w-(\d+)",/.exec(frame)![1]);
      const json = frame.slice(frame.indexOf(',"message":') + 11, -1);
      const m = JSON.parse(json) as Message;
      expect(m.text === texts[k], `seed ${SEED}: WS ack #${k} text`).toBe(true);
      expected.set(m.id, json);
      textOf.set(m.id, texts[k]);
    }
    expect(expected.size).toBe(2 * N);

    // Some of them edited, with another random text: the edit's answer is the canonical JSON too.
    const ids = [...expected.keys()];
    for (let k = 0; k < N / 10; k++) {
      const id = pick(r, ids);
      const t = text(r, max);
      const res = await call('PATCH', `/v1/messages/${id}`, alice, { text: t });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const m = JSON.parse(res.body) as Message;
      expect(m.text === t, `seed ${SEED}: edit answer text`).toBe(true);
      sameBytes(res.body, messageJson(m), `the answer of PATCH /v1/messages/${id} vs the canonical JSON`);
      expected.set(id, res.body);
      textOf.set(id, t);
    }

    const queries = [`before=${2 * N + 1}&limit=200`, 'before=201&limit=200', 'before=101&limit=77'];
    async function pass(tier: string): Promise<Buffer[]> {
      const bodies: Buffer[] = [];
      const seen = new Set<number>();
      for (const q of queries) {
        const res = await call('GET', `/v1/conversations/${conv}/messages?${q}`, alice);
        expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
        expect(res.headers['x-strata-tier'], `${q} served by`).toBe(tier);
        expect(res.rawPayload.equals(Buffer.from(res.body, 'utf8')), 'the body is valid UTF-8').toBe(true);
        bodies.push(res.rawPayload);
        for (const json of rawMessages(res.body)) {
          const m = JSON.parse(json) as Message;
          seen.add(m.seq);
          sameBytes(json, expected.get(m.id) ?? '(no such id)', `message seq ${m.seq} from the ${tier} tier (${store}, ${hot})`);
          expect(m.text === textOf.get(m.id), `seed ${SEED}: text of seq ${m.seq} from the ${tier} tier`).toBe(true);
        }
      }
      expect(seen.size).toBe(2 * N);
      return bodies;
    }

    // 1. The hot ring (it covers all 2 × N); the latest page is the first query's page.
    const latest = await call('GET', `/v1/conversations/${conv}/messages?limit=200`, alice);
    expect(latest.headers['x-strata-tier']).toBe('hot');
    const fromHot = await pass('hot');
    expect(latest.rawPayload.equals(fromHot[0])).toBe(true);

    // 2. The warm store: 2 × N fillers push them out of the ring.
    for (let k = 0; k < 2 * N; k += 50) {
      const rs = await Promise.all(Array.from({ length: 50 }, (_, j) => call('POST', `/v1/conversations/${conv}/messages`, alice, { text: `filler ${k + j}` })));
      for (const res of rs) expect(res.statusCode).toBe(201);
    }
    await eventually('every message in the warm store', async () => (await s.deps.store.maxSeq(conv)) === 4 * N, { timeoutMs: 30_000 });
    const fromWarm = await pass('warm');

    // 3. The archive: the 2 × N go to Parquet (and leave the warm store).
    const archived = await s.deps.archive!.archiveConversation(s.deps.archiving!.source, conv, 2 * N);
    expect(archived.archivedThrough).toBe(2 * N);
    expect(await s.deps.store.listMessages(conv, { afterSeq: 0, limit: 1 })).toMatchObject([{ seq: 2 * N + 1 }]);
    const fromCold = await pass('cold');

    for (const [k, q] of queries.entries()) {
      expect(fromWarm[k].equals(fromHot[k]), `seed ${SEED}: page ${q}, warm vs hot`).toBe(true);
      expect(fromCold[k].equals(fromHot[k]), `seed ${SEED}: page ${q}, cold vs hot`).toBe(true);
    }
  });

  it(`${BAD} unstorable strings (lone surrogates, NUL) are refused on every entry point and store nothing`, async () => {
    const r = mulberry32(seed ^ 0x5eed);
    const max = s.deps.config.maxTextChars;
    const bob = await s.token('bob');
    const conv = (await call('POST', '/v1/conversations', alice, { members: ['bob'] })).json().id as string;
    const m0 = (await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'base', client_id: 'base' })).json() as Message;
    const convsBefore = (await call('GET', '/v1/conversations', alice)).body;
    const membersBefore = (await call('GET', `/v1/conversations/${conv}`, alice)).json().members;
    // Malformed frames count towards the socket's bad-frame limit (100 per 10 s, then close 4429:
    // docs/websocket.md): the frames of every 10 strings go on a socket of their own.
    const wsAll: WsClient[] = [];
    let ws = (await connect(alice)).c;
    wsAll.push(ws);
    const refused = (what: string, res: { statusCode: number; headers: Record<string, unknown>; body: string }, code = 'VALIDATION_FAILED', status = 400) => {
      expect(res.statusCode, `seed ${SEED}: ${what}: ${res.body.slice(0, 200)}`).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body).code, `seed ${SEED}: ${what}`).toBe(code);
    };

    let frames = 0;
    for (let k = 0; k < BAD; k++) {
      if (k > 0 && k % 10 === 0) {
        ws = (await connect(alice)).c;
        wsAll.push(ws);
      }
      const bad = badText(r, max);
      const what = `${JSON.stringify(bad)} (#${k})`;
      // REST bodies: every string field, and an object key.
      refused(`send text ${what}`, await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: bad }));
      refused(`send client_id ${what}`, await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'ok', client_id: `c${bad}` }));
      refused(`send reply_to ${what}`, await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'ok', reply_to: bad }));
      refused(`send, a key ${what}`, await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'ok', [bad]: 1 }));
      refused(`edit text ${what}`, await call('PATCH', `/v1/messages/${m0.id}`, alice, { text: bad }));
      refused(`title ${what}`, await call('POST', '/v1/conversations', alice, { members: ['bob'], title: bad }));
      refused(`members ${what}`, await call('POST', '/v1/conversations', alice, { members: [`u${bad}`.replace(/\s/g, '_')] }));
      refused(`add member ${what}`, await call('POST', `/v1/conversations/${conv}/members`, alice, { user: `u${bad}`.replace(/\s/g, '_') }));
      refused(`read receipt, a key ${what}`, await call('POST', `/v1/conversations/${conv}/read`, bob, { seq: 1, [bad]: 1 }));
      // The JWT `sub`: a credential that names no storable user → 401, on REST and the upgrade.
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(`u${bad}`.replace(/\s/g, '_'))
        .setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
      refused(`sub ${what}`, await call('POST', `/v1/conversations/${conv}/messages`, token, { text: 'ok' }), 'UNAUTHENTICATED', 401);
      if (k < 3) await expect(WsClient.connect(base, token)).rejects.toMatchObject({ status: 401 });
      // WebSocket frames: every string, whatever the frame type; the socket stays open.
      ws.send({ type: 'send', ref: `n${k}-text`, conversation_id: conv, text: bad });
      ws.send({ type: 'send', ref: `n${k}-cid`, conversation_id: conv, text: 'ok', client_id: `c${bad}` });
      ws.send({ type: 'send', ref: `n${k}-key`, conversation_id: conv, text: 'ok', [bad]: true });
      ws.send({ type: 'react', ref: `n${k}-react`, message_id: m0.id, reaction: `+${bad}`.replace(/\s/g, '_') });
      ws.send({ type: 'typing', ref: `n${k}-typing`, conversation_id: bad });
      ws.send({ type: `t${bad}`, ref: `n${k}-type` });
      ws.send({ type: 'send', ref: bad, conversation_id: conv, text: 'ok' }); // the ref itself: refused, not echoed
      frames += 7;
    }
    // Bytes that are not UTF-8 (a surrogate as CESU-8) never decode: BAD_JSON, as before.
    refused('CESU-8 body', await call('POST', `/v1/conversations/${conv}/messages`, alice, Buffer.from([...Buffer.from('{"text":"x'), 0xed, 0xa0, 0x80, ...Buffer.from('"}')])), 'BAD_JSON');
    // Path params: a URL cannot spell a lone surrogate (its percent-encoding is not UTF-8) → 400
    // before routing; NUL can be spelled and is refused by the same check as bodies.
    for (const url of [`/v1/messages/${m0.id}/reactions/%ED%A0%80`, `/v1/conversations/${conv}/members/u%ED%B0%80`, '/v1/users/%ED%A0%80/presence']) {
      const res = await call(url.includes('reactions') ? 'PUT' : url.includes('members') ? 'DELETE' : 'GET', url, alice);
      expect(res.statusCode, url).toBe(400);
      expect(['BAD_URL', 'VALIDATION_FAILED'], url).toContain(res.json().code);
    }
    refused('NUL in a path param', await call('PUT', `/v1/messages/${m0.id}/reactions/a%00b`, alice));

    // Every frame answered with VALIDATION_FAILED, echoing its ref when the ref is storable.
    for (const w of wsAll) await w.sync();
    const errors = wsAll.flatMap((w) => w.ofType('error'));
    expect(errors).toHaveLength(frames);
    expect(errors.filter((e) => e.code !== 'VALIDATION_FAILED')).toEqual([]);
    expect(errors.filter((e) => e.ref === undefined)).toHaveLength(BAD);
    expect(errors.filter((e) => typeof e.ref === 'string' && !e.ref.startsWith('n'))).toEqual([]);
    expect(wsAll.flatMap((w) => w.ofType('ack'))).toEqual([]);

    // Nothing was stored: the next message takes the next seq (REST, then WS on the same socket),
    // m0 is unedited and unreacted, no conversation or member appeared.
    const next = await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'after' });
    expect(next.json().seq).toBe(m0.seq + 1);
    ws.send({ type: 'send', ref: 'after', conversation_id: conv, text: 'after ws' });
    expect((await ws.waitFor((f) => f.type === 'ack' && f.ref === 'after')).message.seq).toBe(m0.seq + 2);
    expect(await s.deps.hot.lastSeqs([conv])).toEqual([m0.seq + 2]);
    await eventually('the two messages persisted', async () => (await s.deps.store.maxSeq(conv)) === m0.seq + 2);
    const page = (await call('GET', `/v1/conversations/${conv}/messages?after=0`, alice)).json() as { messages: Message[] };
    expect(page.messages.map((m) => m.text)).toEqual(['base', 'after', 'after ws']);
    expect(page.messages[0]).toEqual(m0);
    expect(await s.deps.store.getMessage(m0.id)).toEqual(m0);
    expect(await s.deps.reactions.reactions(m0.id)).toEqual([]);
    expect((await call('GET', `/v1/conversations/${conv}`, alice)).json().members).toEqual(membersBefore);
    expect(JSON.parse((await call('GET', '/v1/conversations', alice)).body).conversations.map((c: { id: string }) => c.id))
      .toEqual(JSON.parse(convsBefore).conversations.map((c: { id: string }) => c.id));
  });
});

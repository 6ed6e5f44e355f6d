// The protocol descriptions the ecosystem consumes stay valid and in step with the code:
// - the OpenAPI document the server generates (GET /docs/json) passes @readme/openapi-parser;
// - docs/asyncapi.yaml (the WebSocket protocol) passes @asyncapi/parser, is served at
//   GET /docs/asyncapi.yaml without a token, names every frame type the server registers (with
//   the very schema the server validates it with), every error code a frame can carry and every
//   close code, and describes the frames a real in-process server sends.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Parser } from '@asyncapi/parser';
import { validate as validateOpenApi } from '@readme/openapi-parser';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorCodes } from '../src/errors.js';
import { asyncApiRoute, ASYNCAPI_PATH } from '../src/http/asyncapi.js';
import { CloseCode, isTerminal } from '../src/ws/close-codes.js';
import { FrameRouter, type FrameHandler } from '../src/ws/frames.js';
import { makeStack, type TestStack } from './helpers/app.js';
import { type Frame, WsClient } from './helpers/ws-client.js';

const ASYNCAPI_FILE = 'docs/asyncapi.yaml';

/** Codes no frame carries, each with the reason; every other code of src/errors.ts must be in the document. */
const HTTP_ONLY: Record<string, string> = {
  MESSAGE_ARCHIVED: 'retired with the change log: no answer carries it any more',
  UNAUTHENTICATED: 'a bad token is refused with HTTP 401 before the upgrade; no socket, no frame',
  FORBIDDEN: 'sender / owner / operator checks guard REST routes only (edit, delete, receipts, members, admin)',
  NOT_FOUND: 'no such HTTP route',
  BODY_TOO_LARGE: 'HTTP bodies; frames have FRAME_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'HTTP bodies',
  BAD_URL: 'HTTP request URLs',
  URI_TOO_LONG: 'HTTP request URLs',
  USER_NOT_FOUND: 'presence lookups are REST only',
  MEMBER_NOT_FOUND: 'membership changes are REST only',
  MEMBER_EXISTS: 'membership changes are REST only',
  LAST_OWNER: 'membership changes are REST only',
  UPLOAD_TOO_LARGE: 'uploads are declared over REST (POST …/uploads)',
  UPLOAD_TYPE_NOT_ALLOWED: 'uploads are declared over REST (POST …/uploads)',
  ATTACHMENT_NOT_FOUND: 'downloads are HTTP (GET /v1/attachments/{id})',
  SIGNED_URL_INVALID: 'signed upload/download URLs are HTTP',
  EXPORT_NOT_FOUND: 'archive jobs are REST only',
  GDPR_JOB_NOT_FOUND: 'GDPR export/erase jobs are operator REST routes (docs/gdpr.md)',
  EDIT_CONFLICT: 'edits and deletes are REST only (PATCH / DELETE /v1/messages/{id})',
  SEARCH_QUERY_INVALID: 'search is REST only (GET /v1/search)',
  WEBHOOK_NOT_FOUND: 'webhooks are operator REST routes (docs/webhooks.md)',
  WEBHOOK_URL_INVALID: 'webhooks are operator REST routes (docs/webhooks.md)',
  WEBHOOK_EVENTS_INVALID: 'webhooks are operator REST routes (docs/webhooks.md)',
  WEBHOOK_SECRET_INVALID: 'webhooks are operator REST routes (docs/webhooks.md)',
  WEBHOOK_DEAD_LETTER_NOT_FOUND: 'webhooks are operator REST routes (docs/webhooks.md)',
  PUSH_SUBSCRIPTION_INVALID: 'push subscriptions are REST only (docs/push.md)',
  PUSH_SUBSCRIPTION_LIMIT: 'push subscriptions are REST only (docs/push.md)',
  PUSH_SUBSCRIPTION_NOT_FOUND: 'push subscriptions are REST only (docs/push.md)',
  PUSH_SUBSCRIPTION_TAKEN: 'push subscriptions are REST only (docs/push.md)',
  UPLOAD_IN_PROGRESS: 'a second PUT of an upload being received: upload URLs are HTTP',
  BLOCKLIST_PATTERN_INVALID: 'the blocklist is managed by operator REST routes (docs/moderation.md)',
  BLOCKLIST_ENTRY_EXISTS: 'the blocklist is managed by operator REST routes (docs/moderation.md)',
  BLOCKLIST_ENTRY_NOT_FOUND: 'the blocklist is managed by operator REST routes (docs/moderation.md)',
  BLOCKLIST_FULL: 'the blocklist is managed by operator REST routes (docs/moderation.md)',
  REPORT_NOT_FOUND: 'reports are REST only (docs/moderation.md)',
  REPORT_RESOLVED: 'reports are REST only (docs/moderation.md)',
  MEMBER_BANNED: 'adding members is REST only (docs/moderation.md)',
};

type Json = Record<string, any>;

interface AsyncDoc {
  json: Json;
  /** Message payloads (refs resolved) by channel message key, with the direction. */
  messages: Map<string, { payload: Json; direction: 'client' | 'server' }>;
}

async function parseAsyncApi(): Promise<{ doc?: AsyncDoc; diagnostics: { severity: number; code: string | number; message: string; path: (string | number)[] }[] }> {
  const parser = new Parser();
  const { document, diagnostics } = await parser.parse(fs.readFileSync(ASYNCAPI_FILE, 'utf8'), { source: `${process.cwd()}/${ASYNCAPI_FILE}` });
  if (!document) return { diagnostics };
  const json = document.json() as Json;
  // Direction from the operations: what the server receives is a client frame, what it sends
  // (and every reply) a server frame.
  const direction = new Map<string, 'client' | 'server'>();
  for (const op of document.operations().all()) {
    for (const m of op.messages().all()) direction.set(m.id(), op.action() === 'receive' ? 'client' : 'server');
    for (const m of op.reply()?.messages().all() ?? []) direction.set(m.id(), 'server');
  }
  const messages = new Map<string, { payload: Json; direction: 'client' | 'server' }>();
  for (const m of document.messages().all()) {
    const dir = direction.get(m.id());
    if (!dir) throw new Error(`message ${m.id()} is in no operation`);
    messages.set(m.id(), { payload: m.payload()?.json() as Json, direction: dir });
  }
  return { doc: { json, messages }, diagnostics };
}

/** The frame `type` a payload schema describes. */
const frameType = (payload: Json): string => payload.properties.type.const;

/** A schema without annotations and parser bookkeeping: what validation depends on. */
function normalized(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalized);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema)
    .filter(([k]) => !['description', 'title', 'examples'].includes(k) && !k.startsWith('x-'))
    .map(([k, v]) => [k, normalized(v)]));
}

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new (Ajv as unknown as new (o: object) => InstanceType<typeof AjvModule.default>)({ strict: false, allErrors: true });
(addFormats as unknown as (a: unknown) => void)(ajv);

let stack: TestStack;
let registered: Map<string, FrameHandler>;
let asyncDoc: AsyncDoc;

beforeAll(async () => {
  // Every frame type the app registers, as buildApp registers it.
  const register = vi.spyOn(FrameRouter.prototype, 'register');
  stack = await makeStack();
  registered = new Map(register.mock.calls.map(([type, handler]) => [type, handler]));
  register.mockRestore();
  const { doc, diagnostics } = await parseAsyncApi();
  if (!doc) throw new Error(`docs/asyncapi.yaml does not parse: ${JSON.stringify(diagnostics)}`);
  asyncDoc = doc;
});
afterAll(async () => {
  await stack?.close();
});

describe('OpenAPI (GET /docs/json)', () => {
  it('is a valid OpenAPI 3 document (@readme/openapi-parser), served without a token', async () => {
    const res = await stack.app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const result = await validateOpenApi(doc, { resolve: { external: false }, validate: { errors: { colorize: false } } });
    expect(result.valid ? [] : result.errors.map((e) => e.message)).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('names shared schemas by their $id and links the AsyncAPI document', async () => {
    const doc = (await stack.app.inject('/docs/json')).json();
    expect(Object.keys(doc.components.schemas)).toContain('Message');
    expect(JSON.stringify(doc)).not.toContain('#/components/schemas/def-');
    expect(doc.info.description).toContain(ASYNCAPI_PATH);
  });
});

describe('AsyncAPI (docs/asyncapi.yaml)', () => {
  it('is a valid AsyncAPI 3.0 document (@asyncapi/parser): no errors, no warnings', async () => {
    const { doc, diagnostics } = await parseAsyncApi();
    expect(doc?.json.asyncapi).toBe('3.0.0');
    // severity 0 = error, 1 = warning; 2/3 are hints (such as "3.1.0 exists")
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`)).toEqual([]);
  });

  it(`is served at GET ${ASYNCAPI_PATH} without a token, as the file is`, async () => {
    const res = await stack.app.inject(ASYNCAPI_PATH);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    expect(res.body).toBe(fs.readFileSync(ASYNCAPI_FILE, 'utf8'));
  });

  it('answers 404 NOT_FOUND when the file is missing, and the server still starts', async () => {
    const Fastify = (await import('fastify')).default;
    const app = Fastify({ logger: false });
    asyncApiRoute(app, 'docs/no-such-asyncapi.yaml');
    const res = await app.inject(ASYNCAPI_PATH);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    await app.close();
  });

  it('describes the channel /v1/ws and its two ways to pass the token', () => {
    const { json } = asyncDoc;
    expect(json.channels.ws.address).toBe('/v1/ws');
    const schemes = Object.values(json.components.securitySchemes) as Json[];
    expect(schemes).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      expect.objectContaining({ type: 'httpApiKey', in: 'query', name: 'access_token' }),
    ]));
    expect(json.info.description).toMatch(/`ack` of that `send` always arrives \*\*before\*\*/);
  });

  it('has every frame type the server registers, with the schema the server validates it with', () => {
    const client = [...asyncDoc.messages.values()].filter((m) => m.direction === 'client');
    expect(client.map((m) => frameType(m.payload)).sort()).toEqual([...registered.keys()].sort());
    for (const m of client) {
      const handler = registered.get(frameType(m.payload));
      expect(normalized(m.payload), `client frame ${frameType(m.payload)}`).toEqual(normalized(JSON.parse(JSON.stringify(handler?.schema))));
    }
  });

  it('lists every error code a frame can carry, and none that only HTTP answers use', () => {
    const codeSchema = asyncDoc.json.components.schemas.ErrorCode as Json;
    const inDoc: string[] = codeSchema.enum;
    const all = Object.keys(errorCodes);
    expect([...inDoc, ...Object.keys(HTTP_ONLY)].sort()).toEqual([...all].sort());
    expect(inDoc.filter((c) => c in HTTP_ONLY)).toEqual([]);
    expect(Object.keys(codeSchema['x-codes']).sort()).toEqual([...inDoc].sort());
    for (const code of Object.keys(HTTP_ONLY)) expect(codeSchema.description).toContain(code);
    const errorFrame = [...asyncDoc.messages.values()].find((m) => m.direction === 'server' && frameType(m.payload) === 'error');
    expect(errorFrame?.payload.properties.code.enum).toEqual(inDoc);
  });

  it('lists every close code of src/ws/close-codes.ts in the range it belongs to', () => {
    const closes = asyncDoc.json['x-close-codes'] as { ranges: Record<'reconnect' | 'terminal', { from: number; to: number }[]>; codes: { code: number; name: string; reconnect: boolean }[] };
    for (const [name, code] of Object.entries(CloseCode)) {
      expect(closes.codes, `${name} ${code}`).toContainEqual(expect.objectContaining({ code, name }));
      expect(asyncDoc.json.info.description).toContain(`| ${code} |`);
    }
    for (const c of closes.codes) expect(c.reconnect, `close ${c.code}`).toBe(!isTerminal(c.code));
    for (const r of closes.ranges.terminal) expect([isTerminal(r.from), isTerminal(r.to), isTerminal(r.from - 1), isTerminal(r.to + 1)]).toEqual([true, true, false, false]);
    for (const r of closes.ranges.reconnect) expect([isTerminal(r.from), isTerminal(r.to)]).toEqual([false, false]);
  });

  it('describes the frames a real server sends: every server frame type seen, each valid against its schema', async () => {
    await stack.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
    const clients: WsClient[] = [];
    const connect = async (user: string) => {
      const c = await WsClient.connect(base, await stack.token(user));
      clients.push(c);
      return c;
    };
    const rest = async (user: string, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: object) => {
      const res = await stack.app.inject({ method, url, headers: { authorization: `Bearer ${await stack.token(user)}` }, payload: body });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
      return res.body ? res.json() : undefined;
    };
    try {
      const alice = await connect('alice');
      const conv = await rest('alice', 'POST', '/v1/conversations', { members: ['bob'], kind: 'group' });
      await alice.waitFor((f) => f.type === 'membership' && f.conversation_id === conv.id);
      const bob = await connect('bob');
      await alice.waitFor((f) => f.type === 'presence' && f.user === 'bob' && f.online);
      const carol = await connect('carol');
      await rest('alice', 'POST', `/v1/conversations/${conv.id}/members`, { user: 'carol' });
      await carol.waitFor((f) => f.type === 'membership' && f.change === 'added');

      alice.send({ type: 'send', ref: 's-1', conversation_id: conv.id, text: 'hi', client_id: 'm-1' });
      const ack = await alice.waitFor((f) => f.type === 'ack' && f.ref === 's-1');
      await alice.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id);
      await bob.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id);
      // the ordering rule of the document: on the sending socket, the ack comes first
      expect(alice.frames.indexOf(ack)).toBeLessThan(alice.frames.findIndex((f) => f.type === 'message' && f.message.id === ack.message.id));

      // a thread reply with a mention: the message's thread and mention fields, in ack and live frame
      bob.send({ type: 'send', ref: 's-2', conversation_id: conv.id, text: 'on it', thread_id: ack.message.id, mentions: ['alice'] });
      const reply = await bob.waitFor((f) => f.type === 'ack' && f.ref === 's-2');
      expect(reply.message).toMatchObject({ thread_id: ack.message.id, in_timeline: false, mentions: ['alice'] });
      await carol.waitFor((f) => f.type === 'message' && f.message.id === reply.message.id);
      await rest('alice', 'PUT', `/v1/messages/${ack.message.id}/pin`);
      await carol.waitFor((f) => f.type === 'pin' && f.message_id === ack.message.id && f.pinned);
      // moderation (docs/moderation.md): a mute and its lifting, slow mode on and off
      await rest('alice', 'POST', `/v1/conversations/${conv.id}/mutes`, { user: 'bob', duration_s: 60 });
      await carol.waitFor((f) => f.type === 'mute' && f.user === 'bob' && f.until !== null);
      await rest('alice', 'DELETE', `/v1/conversations/${conv.id}/mutes/bob`);
      await carol.waitFor((f) => f.type === 'mute' && f.user === 'bob' && f.until === null);
      await rest('alice', 'PATCH', `/v1/conversations/${conv.id}`, { slow_mode_s: 5 });
      await rest('alice', 'PATCH', `/v1/conversations/${conv.id}`, { slow_mode_s: 0 });
      await carol.waitFor((f) => f.type === 'rules' && f.slow_mode_s === 0);
      await rest('carol', 'PUT', `/v1/conversations/${conv.id}/settings`, { notify: 'mentions' });
      await carol.waitFor((f) => f.type === 'settings' && f.conversation_id === conv.id);

      bob.send({ type: 'read', conversation_id: conv.id, seq: 1 });
      await alice.waitFor((f) => f.type === 'receipt' && f.user === 'bob');
      bob.send({ type: 'react', message_id: ack.message.id, reaction: '👍' });
      await alice.waitFor((f) => f.type === 'reaction');
      bob.send({ type: 'typing', conversation_id: conv.id });
      await alice.waitFor((f) => f.type === 'typing');
      alice.send({ type: 'ping', ref: 7 });
      await alice.waitFor((f) => f.type === 'pong');
      await rest('alice', 'PATCH', `/v1/messages/${ack.message.id}`, { text: 'hello' });
      await bob.waitFor((f) => f.type === 'edit');
      await rest('alice', 'DELETE', `/v1/messages/${ack.message.id}`);
      await bob.waitFor((f) => f.type === 'delete');
      bob.send({ type: 'resume', ref: 'r', conversation_id: conv.id, after_seq: 0 });
      await bob.waitFor((f) => f.type === 'resumed' && f.ref === 'r');
      await rest('alice', 'PATCH', `/v1/conversations/${conv.id}`, { title: 'launch' });
      await bob.waitFor((f) => f.type === 'conversation');
      bob.send({ type: 'resume', ref: 'rc', conversation_id: conv.id, after_cursor: 0 });
      await bob.waitFor((f) => f.type === 'resumed' && f.ref === 'rc');
      alice.send({ type: 'hello' });
      await alice.waitFor((f) => f.type === 'error' && f.code === 'UNKNOWN_FRAME_TYPE');
      alice.send({ type: 'send', ref: 'x', conversation_id: '0191b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b', text: 'no' });
      await alice.waitFor((f) => f.type === 'error' && f.ref === 'x');
      bob.close();
      await alice.waitFor((f) => f.type === 'presence' && f.user === 'bob' && !f.online);

      const server = [...asyncDoc.messages.entries()].filter(([, m]) => m.direction === 'server');
      const schemas = new Map(server.map(([, m]) => [frameType(m.payload), { schema: m.payload, check: ajv.compile(m.payload) }]));
      const seen = new Set<string>();
      const problems: string[] = [];
      for (const f of clients.flatMap((c) => c.frames) as Frame[]) {
        seen.add(f.type);
        const documented = schemas.get(f.type);
        if (!documented) {
          problems.push(`undocumented frame type ${f.type}`);
          continue;
        }
        const { schema, check } = documented;
        const data: unknown = f; // check() is a type guard: keep `f` typed for the message
        if (!check(data)) problems.push(`${f.type}: ${ajv.errorsText(check.errors)} in ${JSON.stringify(f)}`);
        for (const k of Object.keys(f)) if (!(k in schema.properties)) problems.push(`${f.type}: undocumented field ${k}`);
      }
      expect(problems).toEqual([]);
      expect([...seen].sort()).toEqual([...schemas.keys()].sort());
    } finally {
      for (const c of clients) c.close();
    }
  });
});

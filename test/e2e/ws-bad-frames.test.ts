// Acceptance 7: every kind of bad frame gets an error frame with its stable code and the socket
// stays open; a frame over the size limit gets FRAME_TOO_LARGE and close 4413; a frame over
// ws' hard cap closes 1009; the node stays up and nothing was stored.
import { expect, it } from 'vitest';
import { call } from '../helpers/nodes.js';
import { threeNodeSuite } from '../helpers/node-suite.js';
import { WsClient } from '../helpers/ws-client.js';

const suite = threeNodeSuite();
const { sockets } = suite;

it('answers each bad frame with its code and stays up', async () => {
  const node = suite.cluster.nodes[1].url;
  const alice = await suite.cluster.token('alice');
  const { body: mine } = await call(node, alice, 'POST', '/v1/conversations', { members: ['bob'] });
  const { body: theirs } = await call(node, await suite.cluster.token('carol'), 'POST', '/v1/conversations', { members: ['dave'] });
  const ws = await WsClient.connect(node, alice);
  sockets.push(ws);
  const cases: [string, unknown, string][] = [
    ['not JSON', '{"type":"send",', 'BAD_JSON'],
    ['not an object', '[1,2]', 'BAD_JSON'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'BAD_JSON'],
    ['no type', { ref: 'x' }, 'UNKNOWN_FRAME_TYPE'],
    ['unknown type', { type: 'shout', ref: 'x' }, 'UNKNOWN_FRAME_TYPE'],
    ['wrong field type', { type: 'send', ref: 'x', conversation_id: mine.id, text: 5 }, 'VALIDATION_FAILED'],
    ['missing field', { type: 'resume', ref: 'x', conversation_id: mine.id }, 'VALIDATION_FAILED'],
    ['unknown field', { type: 'send', ref: 'x', conversation_id: mine.id, text: 'hi', colour: 'red' }, 'VALIDATION_FAILED'],
    ['bad id', { type: 'send', ref: 'x', conversation_id: 'not-a-uuid', text: 'hi' }, 'INVALID_ID'],
    ['text too long', { type: 'send', ref: 'x', conversation_id: mine.id, text: 'x'.repeat(4001) }, 'TEXT_TOO_LONG'],
    ['not a member', { type: 'send', ref: 'x', conversation_id: theirs.id, text: 'hi' }, 'CONVERSATION_NOT_FOUND'],
    ['read, not a member', { type: 'read', ref: 'x', conversation_id: theirs.id, seq: 1 }, 'CONVERSATION_NOT_FOUND'],
    ['unknown message', { type: 'react', ref: 'x', message_id: theirs.id, reaction: '👍' }, 'MESSAGE_NOT_FOUND'],
  ];
  for (const [what, frame, code] of cases) {
    const seen = ws.ofType('error').length;
    ws.send(frame);
    const err = await ws.until(() => ws.ofType('error')[seen], 10_000, what);
    expect({ what, code: err.code }).toEqual({ what, code });
    expect(typeof err.detail).toBe('string');
    if (typeof frame === 'object' && frame !== null && 'ref' in frame) expect(err.ref).toBe('x');
  }
  ws.send({ type: 'ping', ref: 'still-open' });
  await ws.waitFor((f) => f.type === 'pong' && f.ref === 'still-open');
  expect((await call(node, alice, 'GET', `/v1/conversations/${mine.id}/messages`)).body.messages).toEqual([]);

  // over the frame limit (64 KiB): an error frame, then 4413 (terminal)
  const big = await WsClient.connect(node, alice);
  sockets.push(big);
  big.send({ type: 'send', conversation_id: mine.id, text: 'x'.repeat(100_000) });
  expect(await big.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'FRAME_TOO_LARGE' });
  expect((await big.closed).code).toBe(4413);
  // over ws' hard cap (4 × the limit): ws itself closes with 1009
  const huge = await WsClient.connect(node, alice);
  sockets.push(huge);
  huge.send('x'.repeat(300_000));
  expect((await huge.closed).code).toBe(1009);

  expect((await fetch(`${node}/healthz`)).ok).toBe(true);
  const again = await WsClient.connect(node, alice);
  sockets.push(again);
  again.send({ type: 'send', ref: 'ok', conversation_id: mine.id, text: 'fine' });
  expect(await again.waitFor((f) => f.type === 'ack')).toMatchObject({ ref: 'ok', message: { seq: 1 } });
}, 60_000);

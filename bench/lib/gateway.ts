// Whether the stack serves the WebSocket gateway (GET /v1/ws) yet: scenarios that need it are
// reported as skipped, with the reason, when it does not.
import WebSocket from 'ws';
import type { Stack } from './stack.js';

export async function gatewayAvailable(stack: Stack, token: string): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(stack.wsUrl, { headers: { authorization: `Bearer ${token}` } });
    const t = setTimeout(() => done('no answer within 5 s'), 5000);
    function done(reason: string | null) {
      clearTimeout(t);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(reason);
    }
    ws.once('open', () => done(null));
    ws.once('unexpected-response', (_req, res) => done(`GET /v1/ws answered ${res.statusCode}: the WebSocket gateway is not in this build yet`));
    ws.once('error', (e) => done(`GET /v1/ws: ${e.message}`));
  });
}

// WebSocket close codes of the gateway, in two ranges (docs/websocket.md):
//   4000–4399 and 1001/1011: transient — reconnect with backoff, then `resume` each conversation;
//   4400–4499 and 1007/1009: terminal — reconnecting unchanged will fail the same way.
// The SDK (src/sdk/socket.ts) reconnects on everything outside 4400–4499.
export const CloseCode = {
  /** Server shutting down (deploy, scale-in): reconnect to another node. */
  GOING_AWAY: 1001,
  /** Unexpected server error. */
  INTERNAL: 1011,
  /** The socket's send buffer went over its bound (WS_MAX_BUFFER): the client reads too slowly. */
  SLOW_CONSUMER: 4001,
  /** Nothing received (not even a pong) within the idle timeout. */
  IDLE_TIMEOUT: 4002,
  /** A tier the connection needs (hot tier, warm store) was unreachable while setting it up. */
  UNAVAILABLE: 4003,
  /** The token expired while the socket was open: reconnect with a fresh token. */
  TOKEN_EXPIRED: 4004,
  /** The token was refused (normally refused before the upgrade with HTTP 401 instead). */
  UNAUTHENTICATED: 4401,
  /** An operator banned the user from the whole server (USER_BANNED): do not reconnect. */
  USER_BANNED: 4403,
  /** A frame over the frame size limit: a client bug, not fixed by reconnecting. */
  FRAME_TOO_LARGE: 4413,
  /** More than BAD_FRAME_LIMIT malformed frames within BAD_FRAME_WINDOW_MS: a broken or abusive client. */
  TOO_MANY_BAD_FRAMES: 4429,
} as const;

export type CloseCodeName = keyof typeof CloseCode;

export function isTerminal(code: number): boolean {
  return (code >= 4400 && code < 4500) || code === 1007 || code === 1009;
}

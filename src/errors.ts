// AppError and the registry of stable error codes. Codes never change meaning once released;
// docs/errors.md is generated from this registry and a test keeps the two in step. Only the
// HTTP layer (http/problem.ts) and the WS gateway translate an AppError for the wire.

export const errorCodes = {
  BAD_JSON: { status: 400, title: 'Malformed JSON', doc: 'The body is not valid JSON (or not valid UTF-8).' },
  VALIDATION_FAILED: { status: 400, title: 'Validation failed', doc: 'A field is missing, has the wrong type or is out of range; `detail` names it. Also any string of a body, path, query or WebSocket frame (keys included) that is not well-formed UTF-16 (a lone surrogate, e.g. `"\\ud800"` in JSON) or contains NUL (U+0000): no tier could store it as sent (PostgreSQL refuses NUL). Nothing was stored.' },
  INVALID_ID: { status: 400, title: 'Invalid id', doc: 'An id in the path or body is not a UUID.' },
  BAD_URL: { status: 400, title: 'Malformed URL', doc: 'The request URL cannot be decoded (e.g. a broken `%` escape).' },
  URI_TOO_LONG: { status: 414, title: 'URL too long', doc: 'A path segment is longer than the server accepts (100 characters).' },
  TEXT_TOO_LONG: { status: 400, title: 'Text too long', doc: 'Message text exceeds MAX_TEXT_CHARS.' },
  REPLY_TO_INVALID: { status: 400, title: 'Invalid reply_to', doc: '`reply_to` names no message of this conversation.' },
  THREAD_ROOT_INVALID: { status: 400, title: 'Invalid thread_id', doc: '`thread_id` must name a message of this conversation that is not itself a reply in a thread (threads are one level deep, docs/threads.md).' },
  MENTION_NOT_MEMBER: { status: 400, title: 'Mention of a non-member', doc: '`mentions` names a user who is not a member of the conversation, or names one twice. (More than 50 entries is refused by the schema: VALIDATION_FAILED.)' },
  SEARCH_QUERY_INVALID: { status: 400, title: 'Invalid search query', doc: 'The `q` of GET /v1/search does not parse: an unclosed "phrase", a * not at the end of a word, an empty or repeated from:/in:, more than 16 terms, or nothing to search for (docs/search.md).' },
  METADATA_TOO_LARGE: { status: 400, title: 'Metadata too large', doc: 'The message `metadata` object serializes to more than MAX_METADATA_BYTES bytes of JSON (docs/attachments.md).' },
  BODY_TOO_LARGE: { status: 413, title: 'Body too large', doc: 'The body exceeds BODY_LIMIT_BYTES.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', doc: 'Send bodies as application/json.' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthenticated', doc: 'The token is missing, malformed, expired, unsigned (`alg: none`) or signed with the wrong key, or its `sub` is not a valid user id (1–128 characters, no whitespace or control characters, well-formed UTF-16). The token goes in `Authorization: Bearer …` (scheme case-insensitive); `?access_token=` is accepted on the WebSocket upgrade only.' },
  FORBIDDEN: { status: 403, title: 'Forbidden', doc: 'Authenticated, but not allowed: not the sender, not an owner/admin, not an operator.' },
  NOT_FOUND: { status: 404, title: 'Not found', doc: 'No such route.' },
  CONVERSATION_NOT_FOUND: { status: 404, title: 'Conversation not found', doc: 'No such conversation, or you are not a member of it (the two are indistinguishable on purpose).' },
  MESSAGE_NOT_FOUND: { status: 404, title: 'Message not found', doc: 'No such message in a conversation you are a member of.' },
  USER_NOT_FOUND: { status: 404, title: 'User not found', doc: 'No user you share a conversation with has that id (presence is visible to people who share a conversation only; the two cases are indistinguishable on purpose).' },
  MEMBER_NOT_FOUND: { status: 404, title: 'Member not found', doc: 'That user is not a member of the conversation.' },
  MEMBER_EXISTS: { status: 409, title: 'Already a member', doc: 'That user is already a member.' },
  LAST_OWNER: { status: 409, title: 'Last owner', doc: 'The last owner of a conversation cannot be removed.' },
  MESSAGE_DELETED: { status: 409, title: 'Message deleted', doc: 'A deleted message cannot be edited.' },
  MESSAGE_ARCHIVED: { status: 409, title: 'Message archived', doc: 'Retired: no longer answered. Before the change log, edits and deletes of archived messages were refused with it; they now apply (kept as overlays over the archive, docs/changes.md). Kept in the registry so the code never means anything else.' },
  EXPORT_NOT_FOUND: { status: 404, title: 'Export job not found', doc: 'No archive job with that id on this node (jobs live in the memory of the node that started them).' },
  RATE_LIMITED: { status: 429, title: 'Rate limited', doc: 'Too many messages in the window; retry after `Retry-After` seconds. Nothing was stored.' },
  BACKPRESSURE: { status: 503, title: 'Backlog full', doc: 'The persist backlog is over PERSIST_MAX_BACKLOG; retry after `Retry-After` seconds. Nothing was stored.' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable', doc: 'A tier the request needs is unreachable; retry later.' },
  UNKNOWN_FRAME_TYPE: { status: 400, title: 'Unknown frame type', doc: 'WebSocket: the frame has no string `type`, or one the server does not know (docs/websocket.md). The socket stays open.' },
  FRAME_TOO_LARGE: { status: 413, title: 'Frame too large', doc: 'WebSocket: the frame exceeds the frame size limit; the server answers this error, then closes with 4413 (do not reconnect unchanged).' },
  RESUME_TOO_FAR: { status: 409, title: 'Resume too far', doc: 'WebSocket `resume`: more messages (`after_seq`) or changes (`after_cursor`) are missing than one resume replays (RESUME_MAX, 1,000); page them with `GET /v1/conversations/{id}/messages?after=` or `GET /v1/conversations/{id}/changes?after=`, then resume from the last one. Nothing was replayed.' },
  RELOAD_REQUIRED: { status: 410, title: 'Reload required', doc: 'The change cursor (or sync token) is older than what the server keeps (CHANGE_RETENTION_DAYS, SYNC_TOKEN_TTL_DAYS) or unknown: drop that conversation\'s local state and load it again (history, then the current cursor); for a sync token, sync again without `since`. Nothing partial was returned (docs/changes.md).' },
  EDIT_CONFLICT: { status: 409, title: 'Edit conflict', doc: 'Another change of the same message was accepted while this one was being made, three times in a row; read the message again and retry.' },
  INTERNAL: { status: 500, title: 'Internal error', doc: 'A bug; the log line with the same request id has the cause.' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  /** Seconds a client should wait before retrying (Retry-After). */
  retryAfterS?: number;

  constructor(
    readonly code: ErrorCode,
    detail?: string,
    opts: { cause?: unknown; retryable?: boolean; retryAfterS?: number } = {},
  ) {
    super(detail ?? errorCodes[code].title, { cause: opts.cause });
    this.name = 'AppError';
    this.status = errorCodes[code].status;
    this.retryable = opts.retryable ?? (this.status === 503 || this.status === 429);
    this.retryAfterS = opts.retryAfterS;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Markdown table of the registry, the source of docs/errors.md. */
export function errorDocs(): string {
  const rows = Object.entries(errorCodes).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.title} | ${e.doc} |`);
  return ['| code | status | title | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

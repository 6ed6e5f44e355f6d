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
  SEND_REJECTED: { status: 422, title: 'Send rejected', doc: 'The before-send hook (BEFORE_SEND_URL) refused this message; `detail` carries its reason (docs/hooks.md). Nothing was stored.' },
  HOOK_UNAVAILABLE: { status: 503, title: 'Before-send hook unavailable', doc: 'The before-send hook timed out, failed or answered something that is not a decision, and BEFORE_SEND_ON_FAILURE=reject: retry later.' },
  UPLOAD_TOO_LARGE: { status: 413, title: 'Upload too large', doc: 'The declared `size` of an upload exceeds UPLOAD_MAX_BYTES (docs/attachments.md). Nothing was stored.' },
  UPLOAD_TYPE_NOT_ALLOWED: { status: 415, title: 'Upload type not allowed', doc: 'The declared `content_type` of an upload is not in UPLOAD_TYPES, or is not a plain `type/subtype` (docs/attachments.md). Nothing was stored.' },
  UPLOAD_MISMATCH: { status: 400, title: 'Upload does not match', doc: 'What arrived is not what the upload declared: on a Strata upload URL, a body of another length or another `Content-Type` (refused, nothing stored); on a send, an object of another size or type in the store, or image bytes that are not the declared image type. Upload again with a new upload.' },
  UPLOAD_NOT_YOURS: { status: 403, title: 'Upload of another conversation or user', doc: 'A send names an upload that another user made, or that was made for another conversation. Nothing was stored.' },
  UPLOAD_ATTACHED: { status: 409, title: 'Upload already attached', doc: 'A send names an upload that is attached to a message already (or being attached by a concurrent send); an upload is attached once. Retrying the same send with the same `client_id` is not a reuse: it returns the original message. Nothing was stored.' },
  UPLOAD_INCOMPLETE: { status: 409, title: 'Upload not received', doc: 'A send names an upload whose bytes have not arrived yet (its URL was not used, or not successfully), or are arriving right now (a PUT to the embedded store\'s URL has not answered yet): PUT them first, send once the PUT answered. Nothing was stored.' },
  UPLOAD_IN_PROGRESS: { status: 409, title: 'Upload in progress', doc: 'A PUT to the embedded store\'s upload URL while another PUT of the same upload is still delivering its bytes: one at a time; retry once the other answered. Nothing was stored.' },
  UPLOAD_NOT_FOUND: { status: 404, title: 'Upload not found', doc: 'No such upload: never created, deleted by the sweep (unattached for UPLOAD_TTL_S, or its message was deleted), or attachments are not enabled on this server.' },
  ATTACHMENT_NOT_FOUND: { status: 404, title: 'Attachment not found', doc: 'No such attachment on a message of a conversation you are a member of, or its message was deleted (the two are indistinguishable on purpose).' },
  SIGNED_URL_INVALID: { status: 403, title: 'Signed URL invalid', doc: 'A Strata upload or download URL (the embedded local store) whose signature does not match, is incomplete or has expired: ask for a new one (`POST …/uploads`, `GET /v1/attachments/{id}`).' },
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
  GDPR_JOB_NOT_FOUND: { status: 404, title: 'GDPR job not found', doc: 'No export or erase job with that id for that user (docs/gdpr.md), or an export whose file is not written yet (its job is not `done`).' },
  EXPORT_NOT_FOUND: { status: 404, title: 'Export job not found', doc: 'No archive job with that id on this node (jobs live in the memory of the node that started them).' },
  RATE_LIMITED: { status: 429, title: 'Rate limited', doc: 'Too many messages in the window; retry after `Retry-After` seconds. Nothing was stored.' },
  BACKPRESSURE: { status: 503, title: 'Backlog full', doc: 'The persist backlog is over PERSIST_MAX_BACKLOG; retry after `Retry-After` seconds. Nothing was stored.' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable', doc: 'A tier the request needs is unreachable; retry later.' },
  UNKNOWN_FRAME_TYPE: { status: 400, title: 'Unknown frame type', doc: 'WebSocket: the frame has no string `type`, or one the server does not know (docs/websocket.md). The socket stays open.' },
  FRAME_TOO_LARGE: { status: 413, title: 'Frame too large', doc: 'WebSocket: the frame exceeds the frame size limit; the server answers this error, then closes with 4413 (do not reconnect unchanged).' },
  RESUME_TOO_FAR: { status: 409, title: 'Resume too far', doc: 'WebSocket `resume`: more messages (`after_seq`) or changes (`after_cursor`) are missing than one resume replays (RESUME_MAX, 1,000); page them with `GET /v1/conversations/{id}/messages?after=` or `GET /v1/conversations/{id}/changes?after=`, then resume from the last one. Nothing was replayed.' },
  RELOAD_REQUIRED: { status: 410, title: 'Reload required', doc: 'The change cursor (or sync token) is older than what the server keeps (CHANGE_RETENTION_DAYS, SYNC_TOKEN_TTL_DAYS) or unknown: drop that conversation\'s local state and load it again (history, then the current cursor); for a sync token, sync again without `since`. Nothing partial was returned (docs/changes.md).' },
  EDIT_CONFLICT: { status: 409, title: 'Edit conflict', doc: 'Another change of the same message was accepted while this one was being made, three times in a row; read the message again and retry.' },
  WEBHOOK_NOT_FOUND: { status: 404, title: 'Webhook endpoint not found', doc: 'No webhook endpoint with that id (docs/webhooks.md).' },
  WEBHOOK_URL_INVALID: { status: 400, title: 'Invalid webhook URL', doc: '`url` must be an absolute http:// or https:// URL with a host, without a #fragment, at most 2,048 characters. Nothing was changed.' },
  WEBHOOK_EVENTS_INVALID: { status: 400, title: 'Invalid webhook events', doc: '`events` must be a non-empty list of distinct change types: message, edit, delete, reaction, member, conversation, pin, mute, rules (docs/webhooks.md). Nothing was changed.' },
  WEBHOOK_SECRET_INVALID: { status: 400, title: 'Invalid webhook secret', doc: '`secret` must be `whsec_` followed by the base64 of 24 to 64 random bytes (Standard Webhooks). Nothing was changed.' },
  WEBHOOK_DEAD_LETTER_NOT_FOUND: { status: 404, title: 'Webhook dead letter not found', doc: 'The endpoint has no dead letter with that id (it was replayed successfully, or belongs to another endpoint).' },
  PUSH_SUBSCRIPTION_INVALID: { status: 400, title: 'Invalid push subscription', doc: '`endpoint` must be an https:// URL of a public push service (http:// only on 127.0.0.1/localhost with PUSH_ALLOW_HTTP_LOCALHOST) of at most 2,048 characters without a #fragment or credentials: no IP address, no internal name, a host that resolves to public addresses only, port 443 (PUSH_ALLOWED_PORTS), one of PUSH_ALLOWED_HOSTS when the operator lists some; `keys.p256dh` the base64url of a 65-byte uncompressed P-256 point; `keys.auth` the base64url of 16 bytes (docs/push.md). Nothing was changed.' },
  PUSH_SUBSCRIPTION_LIMIT: { status: 409, title: 'Too many push subscriptions', doc: 'You have PUSH_MAX_SUBSCRIPTIONS_PER_USER push subscriptions already: delete one first (a subscription of an endpoint you have is replaced, not added). Nothing was changed.' },
  PUSH_SUBSCRIPTION_TAKEN: { status: 409, title: 'Push subscription of another user', doc: 'Another user has a push subscription with this endpoint, and the `keys` sent are not its keys: an endpoint moves to another user only with the keys the browser holds for it (the same browser signed in as someone else). Subscribe anew in the browser. Nothing was changed.' },
  PUSH_SUBSCRIPTION_NOT_FOUND: { status: 404, title: 'Push subscription not found', doc: 'You have no push subscription with that endpoint (never made, deleted, or removed after the push service answered 404/410).' },
  BLOCKLIST_REJECTED: { status: 422, title: 'Blocked by the blocklist', doc: 'The text of a send or an edit matches an operator\'s blocklist entry whose action is `reject` (docs/moderation.md#blocklist); which entry is not said. Nothing was stored.' },
  BLOCKLIST_PATTERN_INVALID: { status: 400, title: 'Invalid blocklist pattern', doc: 'A blocklist `pattern` must be 1 to 200 characters; a `word` entry 1 to 10 words (letters or digits); a `regex` entry an RE2 pattern (no backreferences or lookaround: matching stays linear in the text). Nothing was changed.' },
  BLOCKLIST_ENTRY_EXISTS: { status: 409, title: 'Blocklist entry exists', doc: 'The blocklist has an entry of that kind and pattern already: remove it first to change its action. Nothing was changed.' },
  BLOCKLIST_ENTRY_NOT_FOUND: { status: 404, title: 'Blocklist entry not found', doc: 'No blocklist entry with that id.' },
  BLOCKLIST_FULL: { status: 409, title: 'Blocklist full', doc: 'The blocklist holds 1,000 entries, 50 of them `regex`, at most. Nothing was changed.' },
  BLOCKED: { status: 403, title: 'Blocked', doc: 'One of the two users blocked the other: no new direct conversation between them, and no message in their direct conversation, in either direction (docs/moderation.md#blocks). Which of the two blocked is not said. Nothing was stored.' },
  REPORT_NOT_FOUND: { status: 404, title: 'Report not found', doc: 'No report with that id.' },
  REPORT_RESOLVED: { status: 409, title: 'Report resolved', doc: 'The report was resolved already (perhaps by another operator at the same time); a report is resolved once.' },
  MUTED: { status: 403, title: 'Muted', doc: 'An owner or admin muted you in this conversation: you stay a member and read, but cannot send, edit or react until `muted_until` (ISO-8601, in the body and the WebSocket error frame; docs/moderation.md). Nothing was stored.' },
  ANNOUNCEMENT_ONLY: { status: 403, title: 'Announcement conversation', doc: 'Only owners and admins send in an announcement conversation; members read and react (docs/moderation.md#permissions). Nothing was stored.' },
  SLOW_MODE: { status: 429, title: 'Slow mode', doc: 'The conversation is in slow mode and your last message is younger than its cooldown (1–120 s; owners and admins are exempt): retry after `retry_after` seconds (also `Retry-After`). Nothing was stored.' },
  MEMBER_BANNED: { status: 409, title: 'Banned from the conversation', doc: 'That user is banned from this conversation: lift the ban (`DELETE /v1/conversations/{id}/bans/{user}`) before adding them. Nothing was changed.' },
  USER_ERASING: { status: 403, title: 'Being erased', doc: 'An operator\'s GDPR erase of this user is pending or running (docs/gdpr.md#erase): every request of theirs (REST, WebSocket frames and upgrade) is refused until the job ends; then the user may use Strata again, unless an operator also banned them (USER_BANNED). Nothing was stored.' },
  USER_BANNED: { status: 403, title: 'Banned', doc: 'An operator banned this user from the whole server: every request and socket of theirs is refused (open sockets are closed with 4403) until an operator lifts the ban (docs/moderation.md#app-wide-bans).' },
  INTERNAL: { status: 500, title: 'Internal error', doc: 'A bug; the log line with the same request id has the cause.' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  /** Seconds a client should wait before retrying (Retry-After). */
  retryAfterS?: number;
  /** Fields added to the problem body and the WebSocket error frame (e.g. `muted_until`). */
  extra?: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    detail?: string,
    opts: { cause?: unknown; retryable?: boolean; retryAfterS?: number; extra?: Record<string, unknown> } = {},
  ) {
    super(detail ?? errorCodes[code].title, { cause: opts.cause });
    this.name = 'AppError';
    this.status = errorCodes[code].status;
    this.retryable = opts.retryable ?? (this.status === 503 || this.status === 429);
    this.retryAfterS = opts.retryAfterS;
    this.extra = opts.extra;
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

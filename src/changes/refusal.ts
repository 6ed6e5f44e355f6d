// A hot-tier refusal (the conversation's restrictions, docs/moderation.md) as the AppError the
// client gets. Nothing was written when the hot tier refused, so every one of these is final
// for the request; only SLOW_MODE says when to try again.
import { AppError } from '../errors.js';
import type { Refusal } from '../hot-tier/hot-tier.js';

export function refusalError(r: Refusal, conversationId: string): AppError {
  switch (r.rule) {
    case 'banned':
      // a banned user sees nothing of the conversation: exactly like a non-member
      return new AppError('CONVERSATION_NOT_FOUND', `conversation ${conversationId} not found`);
    case 'muted': {
      const until = new Date(r.untilMs).toISOString();
      return new AppError('MUTED', `you are muted in this conversation until ${until}`, { extra: { muted_until: until } });
    }
    case 'announcement':
      return new AppError('ANNOUNCEMENT_ONLY', 'only owners and admins send in an announcement conversation');
    case 'slow': {
      const s = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
      return new AppError('SLOW_MODE', `slow mode: your next message is allowed in ${s} s`, { retryAfterS: s, extra: { retry_after: s } });
    }
  }
}

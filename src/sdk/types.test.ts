// The SDK's hand-written wire types (types.ts) are the server's schemas, exactly: checked by the
// type checker (`npm run typecheck`), so neither side can drift. The SDK code itself imports
// nothing of the server (.dependency-cruiser.cjs); only this test does.
import type { Static } from '@sinclair/typebox';
import { describe, expectTypeOf, it } from 'vitest';
import type { ConversationSummaryT, ConversationT, CreateConversationBody, MemberT } from '../conversations/schemas.js';
import type { HistoryPage as HistoryPageT, MessageT } from '../messages/schemas.js';
import type { Conversation, ConversationSummary, CreateConversation, HistoryPage, Member, Message } from './types.js';

describe('SDK wire types', () => {
  it('equal the server schemas', () => {
    expectTypeOf<Message>().toEqualTypeOf<Static<typeof MessageT>>();
    expectTypeOf<Member>().toEqualTypeOf<Static<typeof MemberT>>();
    expectTypeOf<Conversation>().toEqualTypeOf<Static<typeof ConversationT>>();
    expectTypeOf<ConversationSummary>().toEqualTypeOf<Static<typeof ConversationSummaryT>>();
    expectTypeOf<CreateConversation>().toEqualTypeOf<CreateConversationBody>();
    expectTypeOf<HistoryPage>().toEqualTypeOf<Static<typeof HistoryPageT>>();
  });
});

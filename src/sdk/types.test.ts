// The SDK's hand-written wire types (types.ts) are the server's schemas, exactly: checked by the
// type checker (`npm run typecheck`), so neither side can drift. The SDK code itself imports
// nothing of the server (.dependency-cruiser.cjs); only this test does.
import type { Static } from '@sinclair/typebox';
import { describe, expectTypeOf, it } from 'vitest';
import type { ChangePageT, ChangeT, SyncConversationT, SyncT } from '../changes/schemas.js';
import type { ConversationSummaryT, ConversationT, CreateConversationBody, MemberT, SetRoleBody, UpdateConversationBody } from '../conversations/schemas.js';
import type { HistoryPage as HistoryPageT, MessageT } from '../messages/schemas.js';
import type { StrataRest } from './rest.js';
import type { Change, ChangesPage, Conversation, ConversationSummary, CreateConversation, HistoryPage, Member, Message, SyncConversation, SyncResponse } from './types.js';

describe('SDK wire types', () => {
  it('equal the server schemas', () => {
    expectTypeOf<Message>().toEqualTypeOf<Static<typeof MessageT>>();
    expectTypeOf<Member>().toEqualTypeOf<Static<typeof MemberT>>();
    expectTypeOf<Conversation>().toEqualTypeOf<Static<typeof ConversationT>>();
    expectTypeOf<ConversationSummary>().toEqualTypeOf<Static<typeof ConversationSummaryT>>();
    expectTypeOf<CreateConversation>().toEqualTypeOf<CreateConversationBody>();
    expectTypeOf<HistoryPage>().toEqualTypeOf<Static<typeof HistoryPageT>>();
    expectTypeOf<Parameters<StrataRest['updateConversation']>[1]>().toEqualTypeOf<UpdateConversationBody>();
    expectTypeOf<{ role: Parameters<StrataRest['setRole']>[2] }>().toEqualTypeOf<SetRoleBody>();
  });

  // The server's ChangeT describes a change by `type` and `cursor` only (docs/changes.md has the
  // fields of each type), its `type` and SyncConversationT's `kind` are plain strings there: the
  // SDK's narrower types are checked to fit them, everything else to equal them.
  it('fit the change log schemas', () => {
    expectTypeOf<Change>().toExtend<Static<typeof ChangeT>>();
    expectTypeOf<Change['type']>().toExtend<Static<typeof ChangeT>['type']>();
    expectTypeOf<Omit<ChangesPage, 'changes'>>().toEqualTypeOf<Omit<Static<typeof ChangePageT>, 'changes'>>();
    expectTypeOf<Omit<SyncConversation, 'changes' | 'kind'>>().toEqualTypeOf<Omit<Static<typeof SyncConversationT>, 'changes' | 'kind'>>();
    expectTypeOf<SyncConversation['kind']>().toExtend<Static<typeof SyncConversationT>['kind']>();
    expectTypeOf<Omit<SyncResponse, 'conversations'>>().toEqualTypeOf<Omit<Static<typeof SyncT>, 'conversations'>>();
  });
});

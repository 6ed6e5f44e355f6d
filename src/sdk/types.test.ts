// The SDK's hand-written wire types (types.ts) are the server's schemas, exactly: checked by the
// type checker (`npm run typecheck`), so neither side can drift. The SDK code itself imports
// nothing of the server (.dependency-cruiser.cjs); only this test does.
import type { Static } from '@sinclair/typebox';
import { describe, expectTypeOf, it } from 'vitest';
import type { ChangePageT, ChangeT, SyncConversationT, SyncT } from '../changes/schemas.js';
import type { ConversationSummaryT, ConversationT, CreateConversationBody, MemberT, SetRoleBody, UpdateConversationBody } from '../conversations/schemas.js';
import type { EditBody, HistoryPage as HistoryPageT, MessageT, SendBody } from '../messages/schemas.js';
import type { PinList as PinListT } from '../pins/routes.js';
import type { ReportT } from '../moderation/reports-routes.js';
import type { BanT, MuteT } from '../moderation/rules-schemas.js';
import type { SearchPage as SearchPageT, SearchQuery } from '../search/routes.js';
import type {
  CursorQuery, MentionsPage as MentionsPageT, ReadThreadBody, RepliesPage as RepliesPageT, ThreadList as ThreadListT, ThreadListQuery, ThreadQuery,
  ThreadSummaryT, ThreadView as ThreadViewT, UserThreadList as UserThreadListT,
} from '../threads/schemas.js';
import type { StrataRest } from './rest.js';
import type { StrataSocket } from './socket.js';
import type {
  Ban, Change, ChangesPage, Conversation, ConversationSummary, CreateConversation, EditOptions, Highlight, HistoryPage, Member, MentionsPage, Message, Pin,
  PinChange, PinList, RepliesPage, SearchOptions, SearchPage, SearchResult, SendOptions, SocketEvents, SyncConversation, SyncResponse, ThreadList,
  ThreadSummary, ThreadView, UserThread, UserThreadList, Mute, Report, ReportResolution,
} from './types.js';
import type { Resolution } from '../moderation/reports.js';

/** The query or options argument of a REST method, as the server's schema types it. */
/** An intersection as one object type (expect-type tells `A & B` from the same fields written out). */
type Flat<T> = { [K in keyof T]: T[K] };
type Arg<K extends keyof StrataRest, I extends number> = StrataRest[K] extends (...a: infer A) => unknown ? NonNullable<A[I]> : never;

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

  it('of threads and mentions equal the server schemas, and so do the send and edit bodies', () => {
    expectTypeOf<ThreadSummary>().toEqualTypeOf<Static<typeof ThreadSummaryT>>();
    expectTypeOf<ThreadView>().toEqualTypeOf<Static<typeof ThreadViewT>>();
    expectTypeOf<RepliesPage>().toEqualTypeOf<Static<typeof RepliesPageT>>();
    expectTypeOf<ThreadList>().toEqualTypeOf<Static<typeof ThreadListT>>();
    expectTypeOf<Omit<UserThreadList, 'threads'>>().toEqualTypeOf<Omit<Static<typeof UserThreadListT>, 'threads'>>();
    expectTypeOf<Flat<UserThreadList['threads'][number]>>().toEqualTypeOf<Flat<Static<typeof UserThreadListT>['threads'][number]>>();
    expectTypeOf<UserThreadList['threads'][number]>().toEqualTypeOf<UserThread>();
    expectTypeOf<MentionsPage>().toEqualTypeOf<Static<typeof MentionsPageT>>();
    // what the methods send
    expectTypeOf<Flat<SendOptions & { text: string }>>().toEqualTypeOf<Flat<SendBody>>();
    expectTypeOf<Arg<'send', 2>>().toEqualTypeOf<SendOptions>();
    expectTypeOf<Parameters<StrataSocket['send']>[2]>().toEqualTypeOf<SendOptions | undefined>();
    expectTypeOf<Flat<EditOptions & { text: string }>>().toEqualTypeOf<Flat<EditBody>>();
    expectTypeOf<Arg<'edit', 2>>().toEqualTypeOf<EditOptions>();
    expectTypeOf<Arg<'replies', 1>>().toEqualTypeOf<ThreadQuery>();
    expectTypeOf<Arg<'listThreads', 1>>().toEqualTypeOf<ThreadListQuery>();
    expectTypeOf<Arg<'myThreads', 0>>().toEqualTypeOf<CursorQuery>();
    expectTypeOf<Arg<'mentions', 0>>().toEqualTypeOf<CursorQuery>();
    expectTypeOf<{ seq: Parameters<StrataRest['markThreadRead']>[1] }>().toEqualTypeOf<Static<typeof ReadThreadBody>>();
  });

  // The server's highlights are `integer[]` of exactly two items (OpenAPI 3.0 has no tuples): the
  // SDK types them as `[start, end]` pairs, checked to fit; everything else equals.
  it('of search and pins equal the server schemas, highlights as [start, end] pairs', () => {
    type ServerResult = Static<typeof SearchPageT>['results'][number];
    expectTypeOf<Omit<SearchPage, 'results'>>().toEqualTypeOf<Omit<Static<typeof SearchPageT>, 'results'>>();
    expectTypeOf<Omit<SearchResult, 'highlights' | 'snippet'>>().toEqualTypeOf<Omit<ServerResult, 'highlights' | 'snippet'>>();
    expectTypeOf<Omit<SearchResult['snippet'], 'highlights'>>().toEqualTypeOf<Omit<ServerResult['snippet'], 'highlights'>>();
    expectTypeOf<SearchResult>().toExtend<ServerResult>();
    expectTypeOf<SearchPage>().toExtend<Static<typeof SearchPageT>>();
    expectTypeOf<Highlight>().toExtend<ServerResult['highlights'][number]>();
    expectTypeOf<ServerResult['highlights']>().toEqualTypeOf<number[][]>(); // if the server ever types pairs, tighten the line above to equality
    expectTypeOf<PinList>().toEqualTypeOf<Static<typeof PinListT>>();
    expectTypeOf<PinList['pins'][number]>().toEqualTypeOf<Pin>();
    // what the methods send: q and the options are the route's querystring, exactly
    expectTypeOf<Flat<SearchOptions & { q: string }>>().toEqualTypeOf<Flat<SearchQuery>>();
    expectTypeOf<Parameters<StrataRest['search']>[0]>().toEqualTypeOf<SearchQuery['q']>();
    expectTypeOf<Arg<'search', 1>>().toEqualTypeOf<SearchOptions>();
    expectTypeOf<Parameters<StrataRest['pin']>>().toEqualTypeOf<[messageId: string]>();
    expectTypeOf<Parameters<StrataRest['unpin']>>().toEqualTypeOf<[messageId: string]>();
    expectTypeOf<ReturnType<StrataRest['pin']>>().toEqualTypeOf<Promise<void>>();
    expectTypeOf<ReturnType<StrataRest['pins']>>().toEqualTypeOf<Promise<PinList>>();
    expectTypeOf<ReturnType<StrataRest['search']>>().toEqualTypeOf<Promise<SearchPage>>();
    // the socket's pin event is the pin change
    expectTypeOf<SocketEvents['pin']>().toEqualTypeOf<PinChange>();
    expectTypeOf<Extract<Change, { type: 'pin' }>>().toEqualTypeOf<PinChange>();
  });

  it('of moderation equal the server schemas', () => {
    expectTypeOf<Ban>().toEqualTypeOf<Static<typeof BanT>>();
    expectTypeOf<Mute>().toEqualTypeOf<Static<typeof MuteT>>();
    expectTypeOf<Report>().toEqualTypeOf<Static<typeof ReportT>>();
    expectTypeOf<ReportResolution>().toEqualTypeOf<Resolution>();
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

// Builds the contract subjects of the SQL adapters beside the Store (receipts, reactions, leases,
// archive source, threads), each over a migrated SqlStore of its own from `open`; fixtures
// (conversations, messages the rows reference) go through the Store API, as the app writes them.
import { v7 as uuidv7 } from 'uuid';
import type { ArchiveSourceUnderTest } from '../archive-source.contract.js';
import type { LeasesUnderTest } from '../leases.contract.js';
import type { ReactionsUnderTest } from '../reaction-store.contract.js';
import type { ReceiptsUnderTest } from '../receipt-store.contract.js';
import { msg } from '../store.contract.js';
import type { ThreadsUnderTest } from '../thread-store.contract.js';
import { SqlArchiveSource } from './sql-archive-source.js';
import { SqlLeases } from './sql-leases.js';
import { SqlReactions } from './sql-reactions.js';
import { SqlReceipts } from './sql-receipts.js';
import { createSqlStore, type SqlStore } from './sql-store.js';
import { SqlThreads } from './sql-threads.js';
import { SqlSearch } from './sql-search.js';
import { SqlPins } from './sql-pins.js';
import type { SearchUnderTest } from '../search-store.contract.js';
import type { PinsUnderTest } from '../pin-store.contract.js';
import type { WebhooksUnderTest } from '../webhook-store.contract.js';
import { SqlWebhooks } from './sql-webhooks.js';
import type { UploadsUnderTest } from '../upload-store.contract.js';
import { SqlUploads } from './sql-uploads.js';
import type { PushUnderTest } from '../push-store.contract.js';
import { SqlPush } from './sql-push.js';
import type { AuditUnderTest } from '../audit-store.contract.js';
import type { ReportsUnderTest } from '../report-store.contract.js';
import type { BlocklistUnderTest } from '../blocklist-store.contract.js';
import type { BlocksUnderTest } from '../block-store.contract.js';
import { SqlAudit } from './sql-audit.js';
import { SqlReports } from './sql-reports.js';
import { SqlBlocklist } from './sql-blocklist.js';
import { SqlBlocks } from './sql-blocks.js';

import type { ModerationUnderTest } from '../moderation-store.contract.js';
import { SqlModeration } from './sql-moderation.js';

/** `sqlite::memory:` or a PostgreSQL URL (then in `schema`), migrated. */
export async function openStore(url: string, schema?: string): Promise<SqlStore> {
  const store = await createSqlStore(url, schema ? { schema } : {});
  await store.migrate();
  return store;
}

function conversationIn(store: SqlStore) {
  return async (): Promise<string> => {
    const id = uuidv7();
    await store.createConversation({ id, title: null, kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members: [{ user: 'alice', role: 'owner' }] });
    return id;
  };
}

export function sqlSubjects(open: () => Promise<SqlStore>) {
  return {
    receipts: async (): Promise<ReceiptsUnderTest> => {
      const store = await open();
      return { receipts: new SqlReceipts(store.db, store.dialect), conversation: conversationIn(store), close: () => store.close() };
    },
    reactions: async (): Promise<ReactionsUnderTest> => {
      const store = await open();
      const conversation = conversationIn(store);
      return {
        reactions: new SqlReactions(store.db),
        message: async () => {
          const m = msg(await conversation(), 1);
          await store.insertMessages([m]);
          return { id: m.id, conversationId: m.conversation_id };
        },
        close: () => store.close(),
      };
    },
    leases: async (): Promise<LeasesUnderTest> => {
      const store = await open();
      return { leases: new SqlLeases(store.db), close: () => store.close() };
    },
    archiveSource: async (): Promise<ArchiveSourceUnderTest> => {
      const store = await open();
      return {
        source: new SqlArchiveSource(store.db),
        conversation: conversationIn(store),
        insert: async (messages) => void (await store.insertMessages(messages)),
        close: () => store.close(),
      };
    },
    // the indexes are written by the store's persist path: the contract drives it directly
    threads: async (): Promise<ThreadsUnderTest> => {
      const store = await open();
      return {
        threads: new SqlThreads(store.db),
        store,
        receipts: new SqlReceipts(store.db, store.dialect),
        archive: new SqlArchiveSource(store.db, store.dialect),
        close: () => store.close(),
      };
    },
    // documents are written by the store's persist path, like the thread indexes
    search: async (): Promise<SearchUnderTest> => {
      const store = await open();
      return { search: new SqlSearch(store.db, store.dialect), store, archive: new SqlArchiveSource(store.db, store.dialect), close: () => store.close() };
    },
    pins: async (): Promise<PinsUnderTest> => {
      const store = await open();
      return { pins: new SqlPins(store.db), conversation: conversationIn(store), close: () => store.close() };
    },
    moderation: async (): Promise<ModerationUnderTest> => {
      const store = await open();
      const conversation = async () => {
        const id = uuidv7();
        const members = [{ user: 'alice', role: 'owner' as const }, { user: 'bob', role: 'member' as const }, { user: 'carol', role: 'member' as const }];
        await store.createConversation({ id, title: null, kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members });
        return id;
      };
      return { moderation: new SqlModeration(store.db), store, conversation, close: () => store.close() };
    },
    push: async (): Promise<PushUnderTest> => {
      const store = await open();
      return { push: new SqlPush(store.db), conversation: conversationIn(store), close: () => store.close() };
    },
    uploads: async (): Promise<UploadsUnderTest> => {
      const store = await open();
      return { uploads: new SqlUploads(store.db), conversation: conversationIn(store), close: () => store.close() };
    },
    // changes are written by the store's persist path (applyChanges), as the workers write them
    webhooks: async (): Promise<WebhooksUnderTest> => {
      const store = await open();
      return { webhooks: new SqlWebhooks(store.db), store, close: () => store.close() };
    },
    // user safety and the audit log (migration 0012)
    audit: async (): Promise<AuditUnderTest> => {
      const store = await open();
      return { audit: new SqlAudit(store.db), close: () => store.close() };
    },
    reports: async (): Promise<ReportsUnderTest> => {
      const store = await open();
      return { reports: new SqlReports(store.db), conversation: conversationIn(store), close: () => store.close() };
    },
    blocklist: async (): Promise<BlocklistUnderTest> => {
      const store = await open();
      return { blocklist: new SqlBlocklist(store.db), close: () => store.close() };
    },
    blocks: async (): Promise<BlocksUnderTest> => {
      const store = await open();
      return { blocks: new SqlBlocks(store.db), close: () => store.close() };
    },
  };
}

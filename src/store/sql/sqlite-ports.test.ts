// The SQL receipts, reactions, leases, archive source, threads, search, pins, webhooks, uploads and push on SQLite in memory (a fresh database
// per contract), against their shared contracts; postgres-ports.int.test.ts runs the same.
import { archiveSourceContract } from '../archive-source.contract.js';
import { leasesContract } from '../leases.contract.js';
import { reactionStoreContract } from '../reaction-store.contract.js';
import { receiptStoreContract } from '../receipt-store.contract.js';
import { threadStoreContract } from '../thread-store.contract.js';
import { searchStoreContract } from '../search-store.contract.js';
import { pinStoreContract } from '../pin-store.contract.js';
import { webhookStoreContract } from '../webhook-store.contract.js';
import { uploadStoreContract } from '../upload-store.contract.js';
import { pushStoreContract } from '../push-store.contract.js';
import { auditStoreContract } from '../audit-store.contract.js';
import { reportStoreContract } from '../report-store.contract.js';
import { blocklistStoreContract } from '../blocklist-store.contract.js';
import { blockStoreContract } from '../block-store.contract.js';
import { moderationStoreContract } from '../moderation-store.contract.js';
import { openStore, sqlSubjects } from './sql-ports.test-kit.js';

const sql = sqlSubjects(() => openStore('sqlite::memory:'));
receiptStoreContract('SQL on SQLite (in memory)', sql.receipts);
reactionStoreContract('SQL on SQLite (in memory)', sql.reactions);
leasesContract('SQL on SQLite (in memory)', sql.leases);
archiveSourceContract('SQL on SQLite (in memory)', sql.archiveSource);
threadStoreContract('SQL on SQLite (in memory)', sql.threads);
searchStoreContract('SQL on SQLite (in memory)', sql.search);
pinStoreContract('SQL on SQLite (in memory)', sql.pins);
webhookStoreContract('SQL on SQLite (in memory)', sql.webhooks);
uploadStoreContract('SQL on SQLite (in memory)', sql.uploads);
pushStoreContract('SQL on SQLite (in memory)', sql.push);
auditStoreContract('SQL on SQLite (in memory)', sql.audit);
reportStoreContract('SQL on SQLite (in memory)', sql.reports);
blocklistStoreContract('SQL on SQLite (in memory)', sql.blocklist);
blockStoreContract('SQL on SQLite (in memory)', sql.blocks);
moderationStoreContract('SQL on SQLite (in memory)', sql.moderation);

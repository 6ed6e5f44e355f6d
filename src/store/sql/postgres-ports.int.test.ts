// The SQL receipts, reactions, leases, archive source, threads, search, pins, webhooks, uploads and push on a real PostgreSQL server
// (test/global-setup.ts), in one fresh schema for this file, against their shared contracts.
import { inject } from 'vitest';
import { uniqueName } from '../../../test/unique.js';
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

const schema = uniqueName('ports');
const sql = sqlSubjects(() => openStore(inject('databaseUrl'), schema));
receiptStoreContract('SQL on PostgreSQL (real server)', sql.receipts);
reactionStoreContract('SQL on PostgreSQL (real server)', sql.reactions);
leasesContract('SQL on PostgreSQL (real server)', sql.leases);
archiveSourceContract('SQL on PostgreSQL (real server)', sql.archiveSource);
threadStoreContract('SQL on PostgreSQL (real server)', sql.threads);
searchStoreContract('SQL on PostgreSQL (real server)', sql.search);
pinStoreContract('SQL on PostgreSQL (real server)', sql.pins);
webhookStoreContract('SQL on PostgreSQL (real server)', sql.webhooks);
uploadStoreContract('SQL on PostgreSQL (real server)', sql.uploads);
pushStoreContract('SQL on PostgreSQL (real server)', sql.push);
auditStoreContract('SQL on PostgreSQL (real server)', sql.audit);
reportStoreContract('SQL on PostgreSQL (real server)', sql.reports);
blocklistStoreContract('SQL on PostgreSQL (real server)', sql.blocklist);
blockStoreContract('SQL on PostgreSQL (real server)', sql.blocks);
moderationStoreContract('SQL on PostgreSQL (real server)', sql.moderation);

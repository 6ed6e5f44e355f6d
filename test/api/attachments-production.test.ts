import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../src/archive/s3-object-store.js';
import { startSwift } from '../services/swift.js';
import { uniqueName } from '../unique.js';
import { attachmentsSuite } from './attachments.suite.js';

attachmentsSuite('real Valkey + PostgreSQL + S3 (Swift)', {
  hot: 'valkey', store: 'postgres',
  async archiveStore() {
    const swift = await startSwift();
    const bucket = uniqueName('strata-attachments').replace(/_/g, '-');
    const client = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    const store = new S3ObjectStore({ bucket, prefix: 'cold', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
    return { store, close: () => swift.stop() };
  },
});

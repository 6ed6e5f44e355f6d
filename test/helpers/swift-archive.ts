// An archive object store on a Swift s3api server of its own (started here, stopped by
// close()), in a fresh bucket: the production column of the API suites.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../src/archive/s3-object-store.js';
import { startSwift } from '../services/swift.js';
import { uniqueName } from '../unique.js';

export async function swiftArchiveStore(name: string): Promise<{ store: S3ObjectStore; close(): Promise<void> }> {
  const swift = await startSwift();
  const bucket = uniqueName(name).replace(/_/g, '-');
  const client = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  const store = new S3ObjectStore({ bucket, prefix: 'cold', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
  return { store, close: () => swift.stop() };
}

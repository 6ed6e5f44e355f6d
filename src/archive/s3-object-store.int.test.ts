// The archive contract against a real S3 API: Swift + s3api on loopback (test/services/swift.ts),
// started here rather than in the global setup because only this file needs it. One bucket per
// file; a listing page of 2 keys so every listing exercises ListObjectsV2 continuation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startSwift, type SwiftServer } from '../../test/services/swift.js';
import { uniqueName } from '../../test/unique.js';
import { archiveContract } from './archive.contract.js';
import { fetchSigned, signedUrlContract } from './object-store.contract.js';
import { createObjectStore } from '../main/object-store-from-url.js';
import { S3ObjectStore } from './s3-object-store.js';

let swift: SwiftServer;
const bucket = uniqueName('strata-archive').replace(/_/g, '-');

beforeAll(async () => {
  swift = await startSwift();
  const client = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
});

afterAll(async () => {
  await swift?.stop();
});

archiveContract('S3 (Swift s3api)', async () => ({
  objects: new S3ObjectStore({
    bucket, prefix: 'cold/v1', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift, listPageSize: 2,
  }),
  cleanup: async () => {},
}));

// presigned URLs fetched from Swift itself: S3 checks the signature, the expiry and the signed content-length and content-type
signedUrlContract('S3 (Swift s3api)', async () => {
  const objects = new S3ObjectStore({ bucket, prefix: 'signed', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
  return { objects, perform: fetchSigned, cleanup: () => objects.close() };
});

describe('createObjectStore', () => {
  it('builds the S3 adapter from ARCHIVE_URL and reaches the bucket under its prefix', async () => {
    const cfg = { s3Endpoint: swift.endpoint, s3Region: swift.region, s3ForcePathStyle: true, credentials: swift };
    const a = createObjectStore(`s3://${bucket}/factory/x`, cfg);
    const b = createObjectStore(`s3://${bucket}/factory`, cfg);
    expect(a.location).toBe(`s3://${bucket}/factory/x`);
    await a.putFile('k/one', new TextEncoder().encode('1'));
    expect(await b.list('x/')).toEqual(['x/k/one']);
    expect(await a.list('')).toEqual(['k/one']);
    await a.close();
    await b.close();
  });
});

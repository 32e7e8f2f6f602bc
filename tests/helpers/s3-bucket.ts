import {
	AbortMultipartUploadCommand,
	CreateBucketCommand,
	DeleteBucketCommand,
	DeleteObjectCommand,
	ListMultipartUploadsCommand,
	ListObjectsV2Command,
	S3Client
} from '@aws-sdk/client-s3';

export interface TestS3 {
	endpoint: string;
	region: string;
	accessKeyId: string;
	secretAccessKey: string;
}

/** The gateway `npm test` starts (scripts/rgw.sh); missing settings are an error, never a skip. */
export function requireTestS3(env: NodeJS.ProcessEnv = process.env): TestS3 {
	const missing = [
		'FERRY_TEST_S3_ENDPOINT',
		'FERRY_TEST_S3_ACCESS_KEY',
		'FERRY_TEST_S3_SECRET_KEY'
	].filter((name) => !env[name]);
	if (missing.length > 0) {
		throw new Error(
			`${missing.join(', ')} not set: these tests need a real S3. Run them through "npm test", or start the test gateway first with  eval "$(bash scripts/rgw.sh start)"`
		);
	}
	return {
		endpoint: env.FERRY_TEST_S3_ENDPOINT!,
		region: env.FERRY_TEST_S3_REGION || 'us-east-1',
		accessKeyId: env.FERRY_TEST_S3_ACCESS_KEY!,
		secretAccessKey: env.FERRY_TEST_S3_SECRET_KEY!
	};
}

export interface TestBucket {
	bucket: string;
	client: S3Client;
	/** The FERRY_S3_* variables that make a Ferry server (startFerry) store in this bucket. */
	ferryEnv: Record<string, string>;
	/** Aborts open multipart uploads, deletes every object and the bucket. */
	cleanup(): Promise<void>;
}

/** A fresh bucket on the test gateway, so runs never see each other's objects. */
export async function createTestBucket(
	prefix: string,
	s3: TestS3 = requireTestS3()
): Promise<TestBucket> {
	const bucket = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
	const client = new S3Client({
		endpoint: s3.endpoint,
		region: s3.region,
		forcePathStyle: true,
		requestChecksumCalculation: 'WHEN_REQUIRED',
		credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
	});
	await client.send(new CreateBucketCommand({ Bucket: bucket }));
	return {
		bucket,
		client,
		ferryEnv: {
			FERRY_S3_ENDPOINT: s3.endpoint,
			FERRY_S3_REGION: s3.region,
			FERRY_S3_BUCKET: bucket,
			FERRY_S3_ACCESS_KEY_ID: s3.accessKeyId,
			FERRY_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
			FERRY_S3_FORCE_PATH_STYLE: 'true'
		},
		async cleanup() {
			const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
			for (const u of uploads.Uploads ?? []) {
				await client.send(
					new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId })
				);
			}
			for (;;) {
				const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
				const keys = (listed.Contents ?? []).map((o) => o.Key!);
				if (keys.length === 0) break;
				// One by one: DeleteObjects needs Content-MD5, which the SDK no longer sends.
				await Promise.all(
					keys.map((Key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key })))
				);
			}
			await client.send(new DeleteBucketCommand({ Bucket: bucket }));
			client.destroy();
		}
	};
}

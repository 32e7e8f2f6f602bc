/**
 * npm run storage:setup [-- --origin https://ferry.example.com] [--create-bucket] [--health] [--dry-run]
 *
 * Prepares every configured S3 bucket for direct browser uploads: the bucket
 * exists, and its CORS lets the Ferry origin PUT parts and read the ETag.
 * Says in words what was wrong and what it changed; exits 1 if anything is
 * still wrong. Reads the same configuration as the server (FERRY_STORAGE_CONFIG
 * or FERRY_S3_* variables), through the same parser.
 */
import { parseArgs } from 'node:util';
import { CreateBucketCommand, GetBucketCorsCommand, HeadBucketCommand, PutBucketCorsCommand, type CORSRule } from '@aws-sdk/client-s3';
import { parseConfig } from '../src/lib/server/config';
import { createProvider, loadStorageSettings } from '../src/lib/server/storage/index';
import { S3Provider } from '../src/lib/server/storage/s3';
import { corsGaps, mergeCorsRules } from '../src/lib/server/storage/s3-cors';

const { values } = parseArgs({
	options: {
		origin: { type: 'string', multiple: true },
		'create-bucket': { type: 'boolean', default: false },
		health: { type: 'boolean', default: false },
		'dry-run': { type: 'boolean', default: false },
		help: { type: 'boolean', default: false }
	}
});

if (values.help) {
	console.log('Usage: npm run storage:setup -- [--origin URL]... [--create-bucket] [--health] [--dry-run]');
	process.exit(0);
}

const origins = values.origin ?? [process.env.ORIGIN || 'http://localhost:3000'];
let failed = false;
const say = (line: string) => console.log(line);
const problem = (line: string) => {
	failed = true;
	console.log(`  ✗ ${line}`);
};

async function setUpBucket(provider: S3Provider): Promise<void> {
	const s3 = provider.client;
	const bucket = provider.bucket;
	try {
		await s3.send(new HeadBucketCommand({ Bucket: bucket }));
		say(`  ✓ bucket ${bucket} exists and the credentials can reach it`);
	} catch (error) {
		const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
		if (status === 404) {
			if (!values['create-bucket']) return problem(`bucket ${bucket} does not exist; create it or run again with --create-bucket`);
			if (values['dry-run']) return say(`  • would create bucket ${bucket} (dry run)`);
			const region = await s3.config.region();
			await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as never } }));
			say(`  ✓ created bucket ${bucket}`);
		} else if (status === 403) {
			return problem(`the credentials may not use bucket ${bucket} (403); check the key's permissions and the region`);
		} else {
			return problem(`cannot reach the bucket: ${(error as Error).name} ${(error as Error).message}`);
		}
	}

	let rules: CORSRule[] = [];
	try {
		rules = (await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
	} catch (error) {
		if ((error as Error).name !== 'NoSuchCORSConfiguration') return problem(`cannot read the bucket's CORS rules: ${(error as Error).message}`);
	}
	const gaps = origins.flatMap((origin) => corsGaps(rules, origin));
	if (gaps.length === 0) return say(`  ✓ CORS already allows ${origins.join(', ')} to upload and read ETags`);
	for (const gap of gaps) say(`  • ${gap}`);
	if (values['dry-run']) return problem('CORS needs the rule above fixed (dry run: nothing changed)');
	await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: mergeCorsRules(rules, origins) } }));
	const after = (await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
	const left = origins.flatMap((origin) => corsGaps(after, origin));
	if (left.length > 0) return problem(`applied a CORS rule but the bucket still reports: ${left.join('; ')}`);
	say(`  ✓ applied CORS rule "ferry-direct-upload": PUT/GET/HEAD from ${origins.join(', ')}, exposing ETag and checksum headers`);
}

async function main() {
	const config = parseConfig(process.env);
	const settings = loadStorageSettings({ storageConfigFile: config.storageConfigFile, env: process.env });
	const from = settings.source === 'file' ? config.storageConfigFile : settings.source === 'env' ? 'FERRY_S3_* variables' : 'the default (no FERRY_STORAGE_CONFIG, no FERRY_S3_*)';
	say(`Storage configuration from ${from}: ${settings.providers.length} provider(s); browser origin(s): ${origins.join(', ')}`);
	for (const providerConfig of settings.providers) {
		// The signing secret is irrelevant here: nothing is signed for a browser.
		const provider = createProvider(providerConfig, { dataDir: config.dataDir, storageSigningSecret: 'storage-setup', origin: config.origin });
		say(`\n${providerConfig.id} (${providerConfig.kind}, priority ${providerConfig.priority}, weight ${providerConfig.weight})`);
		if (provider instanceof S3Provider) {
			say(`  endpoint ${providerConfig.kind === 's3' ? (providerConfig.endpoint ?? 'AWS') : ''}, bucket ${provider.bucket}`);
			await setUpBucket(provider).catch((error: Error) => problem(`${error.name}: ${error.message}`));
		} else {
			say(`  files under ${provider.root}; nothing to set up`);
		}
		if (values.health) {
			const health = await provider.healthCheck();
			if (health.ok) say(`  ✓ healthy (write, read back, delete in ${health.latencyMs.toFixed(0)} ms)`);
			else problem(`unhealthy: ${health.error}`);
		}
	}
	say(failed ? '\nSome providers need attention (see ✗ above).' : '\nAll providers are ready.');
	process.exitCode = failed ? 1 : 0;
}

main().catch((error: Error) => {
	console.error(error.message);
	process.exitCode = 1;
});

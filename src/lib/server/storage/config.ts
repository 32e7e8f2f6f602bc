import { z } from 'zod';
import { checksumAlgorithms } from './types';

/**
 * Which storage providers Ferry uses. Pure: the caller reads the file, so
 * tests feed any text and environment. Three sources, exactly one wins:
 *   1. FERRY_STORAGE_CONFIG names a JSON file: its provider list, as written;
 *   2. FERRY_S3_* variables: one S3 provider with id "s3";
 *   3. neither: one local-disk provider with id "local".
 */

type Env = Record<string, string | undefined>;

export interface ProviderBase {
	id: string;
	/** Lower is preferred; the next tier is used only when a whole tier is unhealthy. */
	priority: number;
	/** Share of new uploads within its tier. */
	weight: number;
}
export interface LocalProviderConfig extends ProviderBase {
	kind: 'local';
	/** Absolute, or relative to the data directory; null means `<dataDir>/storage`. */
	dir: string | null;
}
export interface S3ProviderConfig extends ProviderBase {
	kind: 's3';
	endpoint?: string;
	region: string;
	bucket: string;
	forcePathStyle: boolean;
	accessKeyId: string;
	secretAccessKey: string;
	equalPartSizes: boolean;
	checksums: ('SHA256' | 'CRC32C' | 'MD5')[];
	serverSideEncryption?: 'AES256' | 'aws:kms';
}
export type ProviderConfig = LocalProviderConfig | S3ProviderConfig;

export interface StorageSettings {
	source: 'default' | 'file' | 'env';
	providers: ProviderConfig[];
	healthCheckIntervalMs: number;
}

export class StorageConfigError extends Error {
	constructor(
		readonly problems: string[],
		where: string
	) {
		super(
			`Storage configuration (${where}) is not usable; fix these:\n  - ${problems.join('\n  - ')}`
		);
		this.name = 'StorageConfigError';
	}
}

const id = z
	.string()
	.regex(
		/^[a-z0-9][a-z0-9_-]{0,31}$/i,
		'use 1 to 32 letters, digits, "-" or "_" (it appears in URLs)'
	);
const base = {
	id,
	priority: z.number().int('must be a whole number').min(0).default(0),
	weight: z.number().positive('must be more than 0').default(1)
};
const envName = z
	.string()
	.regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the name of an environment variable (such as R2_SECRET)');

const localSchema = z.strictObject({
	...base,
	kind: z.literal('local'),
	dir: z.string().min(1).optional()
});
const s3Schema = z.strictObject({
	...base,
	kind: z.literal('s3'),
	endpoint: z.url('must be a URL such as https://s3.eu-central-1.amazonaws.com').optional(),
	region: z.string().min(1).default('us-east-1'),
	bucket: z
		.string()
		.regex(
			/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
			'must be a valid bucket name (3-63 lower-case letters, digits, "." or "-")'
		),
	forcePathStyle: z.boolean().default(false),
	equalPartSizes: z.boolean().default(false),
	checksums: z.array(z.enum(checksumAlgorithms)).default(['MD5']),
	serverSideEncryption: z.enum(['AES256', 'aws:kms']).optional(),
	accessKeyId: z.string().min(1).optional(),
	accessKeyIdEnv: envName.optional(),
	secretAccessKey: z.string().min(1).optional(),
	secretAccessKeyEnv: envName.optional()
});
const fileSchema = z.strictObject({
	healthCheckIntervalSeconds: z.number().int().min(5).max(3600).optional(),
	providers: z
		.array(
			z.discriminatedUnion('kind', [localSchema, s3Schema], {
				error: 'kind must be "local" or "s3"'
			})
		)
		.min(1, 'list at least one provider')
});

function issues(error: z.ZodError): string[] {
	return error.issues.map((issue) => {
		const where = issue.path
			.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
			.join('')
			.replace(/^\./, '');
		return where ? `${where}: ${issue.message}` : issue.message;
	});
}

/** A credential is given inline or as the name of a variable holding it. */
function credential(
	raw: Partial<
		Record<'accessKeyId' | 'accessKeyIdEnv' | 'secretAccessKey' | 'secretAccessKeyEnv', string>
	>,
	name: 'accessKeyId' | 'secretAccessKey',
	env: Env,
	where: string,
	problems: string[]
): string {
	const inline = raw[name];
	const varName = raw[`${name}Env`];
	if (inline !== undefined && varName !== undefined)
		problems.push(`${where}: give ${name} or ${name}Env, not both`);
	if (inline !== undefined) return inline;
	if (varName === undefined) {
		problems.push(
			`${where}: ${name} is missing (or set ${name}Env to the name of a variable holding it)`
		);
		return '';
	}
	const value = env[varName];
	if (!value) problems.push(`${where}: ${name}Env names ${varName}, but that variable is not set`);
	return value ?? '';
}

function healthInterval(env: Env, fromFile: number | undefined, problems: string[]): number {
	const raw = env.FERRY_STORAGE_HEALTH_INTERVAL_SECONDS;
	if (raw === undefined || raw === '') return (fromFile ?? 60) * 1000;
	const seconds = Number(raw);
	if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3600) {
		problems.push(
			`FERRY_STORAGE_HEALTH_INTERVAL_SECONDS="${raw}" must be a whole number from 5 to 3600`
		);
	}
	return seconds * 1000;
}

export function parseStorageFile(text: string, filePath: string, env: Env): StorageSettings {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw new StorageConfigError([`not valid JSON: ${(error as Error).message}`], filePath);
	}
	const parsed = fileSchema.safeParse(json);
	if (!parsed.success) throw new StorageConfigError(issues(parsed.error), filePath);
	const problems: string[] = [];
	const seen = new Set<string>();
	const providers = parsed.data.providers.map((raw, index): ProviderConfig => {
		const where = `providers[${index}] (id "${raw.id}")`;
		if (seen.has(raw.id)) problems.push(`${where}: another provider already has this id`);
		seen.add(raw.id);
		if (raw.kind === 'local')
			return {
				id: raw.id,
				kind: 'local',
				priority: raw.priority,
				weight: raw.weight,
				dir: raw.dir ?? null
			};
		const { accessKeyIdEnv: _a, secretAccessKeyEnv: _s, ...rest } = raw;
		return {
			...rest,
			accessKeyId: credential(raw, 'accessKeyId', env, where, problems),
			secretAccessKey: credential(raw, 'secretAccessKey', env, where, problems)
		};
	});
	const healthCheckIntervalMs = healthInterval(
		env,
		parsed.data.healthCheckIntervalSeconds,
		problems
	);
	if (problems.length > 0) throw new StorageConfigError(problems, filePath);
	return { source: 'file', providers, healthCheckIntervalMs };
}

const S3_ENV = [
	'FERRY_S3_ENDPOINT',
	'FERRY_S3_REGION',
	'FERRY_S3_BUCKET',
	'FERRY_S3_ACCESS_KEY_ID',
	'FERRY_S3_SECRET_ACCESS_KEY',
	'FERRY_S3_FORCE_PATH_STYLE',
	'FERRY_S3_CHECKSUMS',
	'FERRY_S3_EQUAL_PART_SIZES'
];

function flag(env: Env, name: string, problems: string[]): boolean {
	const raw = env[name]?.toLowerCase();
	if (raw === undefined || raw === '') return false;
	if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
	if (!['0', 'false', 'no', 'off'].includes(raw))
		problems.push(`${name}="${env[name]}" must be true or false`);
	return false;
}

export function parseStorageEnv(env: Env): StorageSettings {
	const problems: string[] = [];
	const given = S3_ENV.filter((name) => env[name]);
	if (given.length === 0) {
		return {
			source: 'default',
			providers: [{ id: 'local', kind: 'local', priority: 0, weight: 1, dir: null }],
			healthCheckIntervalMs: healthInterval(env, undefined, problems)
		};
	}
	for (const name of ['FERRY_S3_BUCKET', 'FERRY_S3_ACCESS_KEY_ID', 'FERRY_S3_SECRET_ACCESS_KEY']) {
		if (!env[name])
			problems.push(
				`${name} is not set (you set ${given.join(', ')}, so Ferry expects an S3 provider)`
			);
	}
	const candidate = {
		id: 's3',
		kind: 's3',
		endpoint: env.FERRY_S3_ENDPOINT || undefined,
		region: env.FERRY_S3_REGION || undefined,
		bucket: env.FERRY_S3_BUCKET ?? '',
		forcePathStyle: flag(env, 'FERRY_S3_FORCE_PATH_STYLE', problems),
		equalPartSizes: flag(env, 'FERRY_S3_EQUAL_PART_SIZES', problems),
		checksums: env.FERRY_S3_CHECKSUMS
			? env.FERRY_S3_CHECKSUMS.split(',').map((s) => s.trim().toUpperCase())
			: undefined,
		accessKeyId: env.FERRY_S3_ACCESS_KEY_ID ?? '',
		secretAccessKey: env.FERRY_S3_SECRET_ACCESS_KEY ?? ''
	};
	const parsed = s3Schema.safeParse(candidate);
	if (!parsed.success && problems.length === 0) {
		const names: Record<string, string> = {
			endpoint: 'FERRY_S3_ENDPOINT',
			bucket: 'FERRY_S3_BUCKET',
			region: 'FERRY_S3_REGION',
			checksums: 'FERRY_S3_CHECKSUMS'
		};
		for (const issue of parsed.error.issues)
			problems.push(`${names[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`);
	}
	const healthCheckIntervalMs = healthInterval(env, undefined, problems);
	if (problems.length > 0 || !parsed.success)
		throw new StorageConfigError(problems, 'FERRY_S3_* variables');
	const { accessKeyIdEnv: _a, secretAccessKeyEnv: _s, ...s3 } = parsed.data;
	return {
		source: 'env',
		providers: [
			{ ...s3, accessKeyId: candidate.accessKeyId, secretAccessKey: candidate.secretAccessKey }
		],
		healthCheckIntervalMs
	};
}

/** `fileText` is the content of FERRY_STORAGE_CONFIG's file, read by the caller. */
export function parseStorageSettings(input: {
	env: Env;
	filePath: string | null;
	fileText: string | null;
}): StorageSettings {
	if (input.filePath !== null) {
		const mixed = S3_ENV.filter((name) => input.env[name]);
		if (mixed.length > 0) {
			throw new StorageConfigError(
				[
					`both a config file and ${mixed.join(', ')} are set; put the S3 provider in the file and unset the variables`
				],
				input.filePath
			);
		}
		if (input.fileText === null)
			throw new StorageConfigError(['the file does not exist or cannot be read'], input.filePath);
		return parseStorageFile(input.fileText, input.filePath, input.env);
	}
	return parseStorageEnv(input.env);
}

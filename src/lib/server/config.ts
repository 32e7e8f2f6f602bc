import path from 'node:path';

/**
 * Ferry's configuration, read once from the environment. Every variable is
 * listed in docs/config.md. `parseConfig` is pure so tests can feed it any
 * environment; invalid settings fail start-up with every problem listed.
 */
export interface FerryConfig {
	port: number;
	host: string;
	dataDir: string;
	/** Where the SvelteKit server reaches the room server (server-to-server posts). */
	partykitUrl: string;
	/** Host (with port) browsers connect to with partysocket. */
	partykitPublicHost: string;
	defaultQuotaBytes: number;
	signupOpen: boolean;
	sessionDays: number;
	uploadExpiryDays: number;
	partUrlTtlSeconds: number;
	storageConfigFile: string | null;
	roomSecret: string | null;
	storageSigningSecret: string | null;
	/** Secure cookies unless the origin is plain http on localhost. */
	origin: string | null;
}

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Ferry cannot start; fix these settings:\n  - ${problems.join('\n  - ')}`);
		this.name = 'ConfigError';
	}
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
	const raw = env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) {
		problems.push(`${name}="${raw}" must be a whole number from ${min} to ${max}`);
		return fallback;
	}
	return value;
}

function boolean(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
	const raw = env[name]?.toLowerCase();
	if (raw === undefined || raw === '') return fallback;
	if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
	if (['0', 'false', 'no', 'off'].includes(raw)) return false;
	problems.push(`${name}="${env[name]}" must be true or false`);
	return fallback;
}

function secret(env: Env, name: string, problems: string[]): string | null {
	const raw = env[name];
	if (raw === undefined || raw === '') return null;
	if (raw.length < 32) problems.push(`${name} must be at least 32 characters (it is ${raw.length})`);
	return raw;
}

export function parseConfig(env: Env, cwd = '.'): FerryConfig {
	const problems: string[] = [];
	const port = integer(env, 'PORT', 3000, 1, 65535, problems);
	const partykitPort = integer(env, 'FERRY_PARTYKIT_PORT', 1999, 1, 65535, problems);
	const partykitHost = env.FERRY_PARTYKIT_HOST || '127.0.0.1';
	const origin = env.ORIGIN || null;
	if (origin !== null && !/^https?:\/\/[^/]+$/.test(origin)) {
		problems.push(`ORIGIN="${origin}" must look like https://ferry.example.com (no path)`);
	}
	const config: FerryConfig = {
		port,
		host: env.HOST || '0.0.0.0',
		dataDir: path.resolve(cwd, env.FERRY_DATA_DIR || './data'),
		partykitUrl: env.FERRY_PARTYKIT_URL || `http://${partykitHost}:${partykitPort}`,
		partykitPublicHost: env.FERRY_PARTYKIT_PUBLIC_HOST || `localhost:${partykitPort}`,
		defaultQuotaBytes: integer(
			env,
			'FERRY_DEFAULT_QUOTA_BYTES',
			1024 ** 4,
			0,
			Number.MAX_SAFE_INTEGER,
			problems
		),
		signupOpen: boolean(env, 'FERRY_SIGNUP_OPEN', true, problems),
		sessionDays: integer(env, 'FERRY_SESSION_DAYS', 30, 1, 365, problems),
		uploadExpiryDays: integer(env, 'FERRY_UPLOAD_EXPIRY_DAYS', 7, 1, 90, problems),
		partUrlTtlSeconds: integer(env, 'FERRY_PART_URL_TTL_SECONDS', 900, 10, 7 * 24 * 3600, problems),
		storageConfigFile: env.FERRY_STORAGE_CONFIG ? path.resolve(cwd, env.FERRY_STORAGE_CONFIG) : null,
		roomSecret: secret(env, 'FERRY_ROOM_SECRET', problems),
		storageSigningSecret: secret(env, 'FERRY_STORAGE_SIGNING_SECRET', problems),
		origin
	};
	if (problems.length > 0) throw new ConfigError(problems);
	return config;
}

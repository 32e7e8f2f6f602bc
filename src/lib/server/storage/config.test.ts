import { describe, expect, it } from 'vitest';
import { parseStorageSettings, StorageConfigError } from './config';

const problemsOf = (run: () => unknown): string[] => {
	try {
		run();
	} catch (error) {
		if (error instanceof StorageConfigError) return error.problems;
		throw error;
	}
	throw new Error('expected a StorageConfigError');
};

describe('parseStorageSettings', () => {
	it('defaults to one local provider checked every 60 s', () => {
		const settings = parseStorageSettings({ env: {}, filePath: null, fileText: null });
		expect(settings.source).toBe('default');
		expect(settings.providers).toEqual([
			{ id: 'local', kind: 'local', priority: 0, weight: 1, dir: null }
		]);
		expect(settings.healthCheckIntervalMs).toBe(60_000);
	});

	it('builds one S3 provider from FERRY_S3_* variables', () => {
		const settings = parseStorageSettings({
			filePath: null,
			fileText: null,
			env: {
				FERRY_S3_ENDPOINT: 'http://127.0.0.1:7480',
				FERRY_S3_BUCKET: 'ferry',
				FERRY_S3_ACCESS_KEY_ID: 'AK',
				FERRY_S3_SECRET_ACCESS_KEY: 'SK',
				FERRY_S3_FORCE_PATH_STYLE: 'true',
				FERRY_S3_CHECKSUMS: 'sha256, md5'
			}
		});
		expect(settings.source).toBe('env');
		expect(settings.providers).toEqual([
			expect.objectContaining({
				id: 's3',
				kind: 's3',
				endpoint: 'http://127.0.0.1:7480',
				region: 'us-east-1',
				bucket: 'ferry',
				forcePathStyle: true,
				accessKeyId: 'AK',
				secretAccessKey: 'SK',
				checksums: ['SHA256', 'MD5'],
				equalPartSizes: false
			})
		]);
	});

	it('names every missing S3 variable', () => {
		const problems = problemsOf(() =>
			parseStorageSettings({
				filePath: null,
				fileText: null,
				env: { FERRY_S3_BUCKET: 'ferry', FERRY_S3_FORCE_PATH_STYLE: 'maybe' }
			})
		);
		expect(problems.join('\n')).toMatch(/FERRY_S3_ACCESS_KEY_ID is not set/);
		expect(problems.join('\n')).toMatch(/FERRY_S3_SECRET_ACCESS_KEY is not set/);
		expect(problems.join('\n')).toMatch(/FERRY_S3_FORCE_PATH_STYLE="maybe" must be true or false/);
	});

	it('reads a provider file with credentials taken from named variables', () => {
		const fileText = JSON.stringify({
			healthCheckIntervalSeconds: 30,
			providers: [
				{
					id: 'r2',
					kind: 's3',
					priority: 0,
					weight: 3,
					endpoint: 'https://acc.r2.cloudflarestorage.com',
					region: 'auto',
					bucket: 'ferry',
					equalPartSizes: true,
					accessKeyIdEnv: 'R2_KEY',
					secretAccessKeyEnv: 'R2_SECRET'
				},
				{ id: 'disk', kind: 'local', priority: 1, dir: '/srv/ferry' }
			]
		});
		const settings = parseStorageSettings({
			filePath: '/etc/ferry/storage.json',
			fileText,
			env: { R2_KEY: 'k', R2_SECRET: 's' }
		});
		expect(settings.healthCheckIntervalMs).toBe(30_000);
		expect(settings.providers[0]).toMatchObject({
			id: 'r2',
			weight: 3,
			equalPartSizes: true,
			accessKeyId: 'k',
			secretAccessKey: 's',
			checksums: ['MD5']
		});
		expect(settings.providers[0]).not.toHaveProperty('accessKeyIdEnv');
		expect(settings.providers[1]).toEqual({
			id: 'disk',
			kind: 'local',
			priority: 1,
			weight: 1,
			dir: '/srv/ferry'
		});
	});

	it('says which provider and field is wrong, and why', () => {
		const fileText = JSON.stringify({
			providers: [
				{
					id: 'a',
					kind: 's3',
					bucket: 'Bad_Bucket',
					accessKeyIdEnv: 'MISSING_VAR',
					secretAccessKey: 's',
					acessKey: 'typo'
				},
				{ id: 'a', kind: 'ftp' }
			]
		});
		const problems = problemsOf(() =>
			parseStorageSettings({ filePath: 'storage.json', fileText, env: {} })
		);
		const text = problems.join('\n');
		expect(text).toMatch(/providers\[0\]\.bucket: must be a valid bucket name/);
		expect(text).toMatch(/acessKey/);
		expect(text).toMatch(/providers\[1\].*kind must be "local" or "s3"/);
	});

	it('reports an unset credential variable and duplicate ids once the shape is right', () => {
		const fileText = JSON.stringify({
			providers: [
				{
					id: 'a',
					kind: 's3',
					bucket: 'ferry',
					accessKeyIdEnv: 'MISSING_VAR',
					secretAccessKey: 's'
				},
				{ id: 'a', kind: 'local' }
			]
		});
		const text = problemsOf(() =>
			parseStorageSettings({ filePath: 'storage.json', fileText, env: {} })
		).join('\n');
		expect(text).toMatch(/accessKeyIdEnv names MISSING_VAR, but that variable is not set/);
		expect(text).toMatch(/providers\[1\] \(id "a"\): another provider already has this id/);
	});

	it('refuses a missing file, broken JSON and a file mixed with FERRY_S3_* variables', () => {
		expect(
			problemsOf(() => parseStorageSettings({ filePath: 'x.json', fileText: null, env: {} }))[0]
		).toMatch(/does not exist/);
		expect(
			problemsOf(() => parseStorageSettings({ filePath: 'x.json', fileText: '{', env: {} }))[0]
		).toMatch(/not valid JSON/);
		expect(
			problemsOf(() =>
				parseStorageSettings({ filePath: 'x.json', fileText: '{}', env: { FERRY_S3_BUCKET: 'b' } })
			)[0]
		).toMatch(/unset the variables/);
	});
});

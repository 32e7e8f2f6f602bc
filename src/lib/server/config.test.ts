import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
	it('has safe defaults for an empty environment', () => {
		const config = parseConfig({}, '/srv/ferry');
		expect(config).toMatchObject({
			port: 3000,
			dataDir: path.resolve('/srv/ferry/data'),
			partykitUrl: 'http://127.0.0.1:1999',
			partykitPublicHost: 'localhost:1999',
			signupOpen: true,
			uploadExpiryDays: 7,
			partUrlTtlSeconds: 900,
			roomSecret: null
		});
	});

	it('lists every invalid setting in one clear message', () => {
		const parse = () =>
			parseConfig({ PORT: 'eighty', FERRY_SIGNUP_OPEN: 'maybe', FERRY_ROOM_SECRET: 'short', ORIGIN: 'https://x.example/app' });
		expect(parse).toThrow(ConfigError);
		try {
			parse();
		} catch (error) {
			const problems = (error as ConfigError).problems;
			expect(problems).toHaveLength(4);
			expect((error as Error).message).toMatch(/PORT="eighty" must be a whole number from 1 to 65535/);
			expect((error as Error).message).toMatch(/FERRY_SIGNUP_OPEN="maybe" must be true or false/);
			expect((error as Error).message).toMatch(/FERRY_ROOM_SECRET must be at least 32 characters/);
			expect((error as Error).message).toMatch(/ORIGIN=/);
		}
	});

	it('reads the PartyKit and data settings', () => {
		const config = parseConfig({ FERRY_PARTYKIT_PORT: '2999', FERRY_DATA_DIR: '/var/lib/ferry', FERRY_PART_URL_TTL_SECONDS: '60' });
		expect(config.partykitUrl).toBe('http://127.0.0.1:2999');
		expect(config.dataDir).toBe('/var/lib/ferry');
		expect(config.partUrlTtlSeconds).toBe(60);
	});
});

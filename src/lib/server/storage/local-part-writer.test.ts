import { xxhash128 } from 'hash-wasm';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePart } from './local-part-writer';

const body = (text: string) => new Response(text).body;
let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-part-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writePart', () => {
	it('accepts the CRC32C check value of "123456789" (0xE3069283)', async () => {
		const checksum = {
			algorithm: 'CRC32C' as const,
			value: Buffer.from('e3069283', 'hex').toString('base64')
		};
		const outcome = await writePart(dir, 1, 9, checksum, body('123456789'));
		expect(outcome).toEqual({ ok: true, size: 9, etag: `"${await xxhash128('123456789')}"` });
		expect(await readFile(path.join(dir, 'part-00001'), 'utf8')).toBe('123456789');
		expect(JSON.parse(await readFile(path.join(dir, 'part-00001.json'), 'utf8'))).toMatchObject({
			partNumber: 1,
			size: 9
		});
	});

	it('refuses a wrong SHA-256, a short body and a long body, leaving nothing behind', async () => {
		const sha = createHash('sha256').update('hello').digest('base64');
		expect(
			await writePart(dir, 2, 5, { algorithm: 'SHA256', value: sha }, body('hellp'))
		).toMatchObject({ ok: false, status: 400, code: 'checksum_mismatch' });
		expect(await writePart(dir, 2, 6, null, body('hello'))).toMatchObject({
			ok: false,
			code: 'length_mismatch'
		});
		expect(await writePart(dir, 2, 4, null, body('hello'))).toMatchObject({
			ok: false,
			code: 'length_mismatch'
		});
		expect(await readdir(dir)).toEqual([]);
	});

	it('answers no_such_upload when the upload folder is gone', async () => {
		expect(await writePart(path.join(dir, 'aborted'), 1, 5, null, body('hello'))).toMatchObject({
			ok: false,
			status: 404,
			code: 'no_such_upload'
		});
	});
});

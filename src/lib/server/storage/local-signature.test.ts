import { describe, expect, it } from 'vitest';
import { buildLocalUrl, verifyLocalUrl, type LocalUrlClaims } from './local-signature';

const secret = 'x'.repeat(40);
const now = Date.UTC(2026, 10, 28);
const part: LocalUrlClaims = {
	op: 'part',
	providerId: 'local',
	uploadId: 'u'.repeat(24),
	key: 'a/b c+d.bin',
	partNumber: 3,
	length: 5_242_880,
	checksum: { algorithm: 'SHA256', value: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' },
	expiresAt: now / 1000 + 60
};

const tamper = (url: string, name: string, value: string) => {
	const u = new URL(url);
	u.searchParams.set(name, value);
	return u;
};

describe('local signed URLs', () => {
	it('round-trips every claim', () => {
		const url = buildLocalUrl('http://127.0.0.1:3000', secret, part);
		expect(url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/storage\/local\/local\/part\?/);
		expect(verifyLocalUrl(secret, new URL(url), now)).toEqual({ ok: true, claims: part });
	});

	it('says "url_expired" for a genuine URL past its expiry', () => {
		const url = new URL(buildLocalUrl('http://h', secret, part));
		expect(verifyLocalUrl(secret, url, now + 60_000)).toMatchObject({
			ok: false,
			status: 403,
			code: 'url_expired'
		});
		expect(verifyLocalUrl(secret, url, now + 59_999)).toMatchObject({ ok: true });
	});

	it.each([
		['len', '5242881'],
		['part', '4'],
		['key', 'a/other.bin'],
		['upload', 'v'.repeat(24)],
		['cs', 'SHA256:AAAA'],
		['exp', String(now / 1000 + 3600)]
	])('refuses a URL whose %s was changed', (name, value) => {
		const url = tamper(buildLocalUrl('http://h', secret, part), name, value);
		expect(verifyLocalUrl(secret, url, now)).toMatchObject({
			ok: false,
			status: 403,
			code: 'bad_signature'
		});
	});

	it('refuses a changed signature, another secret, and a removed checksum', () => {
		const url = buildLocalUrl('http://h', secret, part);
		const sig = new URL(url).searchParams.get('sig') ?? '';
		const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
		expect(verifyLocalUrl(secret, tamper(url, 'sig', flipped), now)).toMatchObject({
			code: 'bad_signature'
		});
		expect(verifyLocalUrl('y'.repeat(40), new URL(url), now)).toMatchObject({
			code: 'bad_signature'
		});
		const stripped = new URL(url);
		stripped.searchParams.delete('cs');
		expect(verifyLocalUrl(secret, stripped, now)).toMatchObject({ code: 'bad_signature' });
	});

	it('signs the download name and type of object URLs', () => {
		const claims: LocalUrlClaims = {
			op: 'object',
			providerId: 'local',
			key: 'k',
			fileName: 'Ünïcode "report".pdf',
			contentType: 'application/pdf',
			expiresAt: now / 1000 + 60
		};
		const url = buildLocalUrl('http://h', secret, claims);
		expect(verifyLocalUrl(secret, new URL(url), now)).toEqual({ ok: true, claims });
		expect(verifyLocalUrl(secret, tamper(url, 'name', 'evil.exe'), now)).toMatchObject({
			code: 'bad_signature'
		});
	});

	it('answers 404 for paths that are not storage URLs', () => {
		expect(
			verifyLocalUrl(secret, new URL('http://h/storage/local/x/other?key=a&exp=1'), now)
		).toMatchObject({ status: 404, code: 'malformed_url' });
	});
});

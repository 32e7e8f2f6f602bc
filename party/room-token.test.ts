import { describe, expect, it } from 'vitest';
import { signRoomToken, timingSafeEqual, verifyRoomToken } from './room-token';

const secret = 'test-secret-0123456789-abcdefghijklmnop';
const claims = { sub: 'u-ann', name: 'Ann Ö', room: 'room-1', role: 'member' as const };
const now = () => Date.now();

/**
 * Changes the first character: the last one of a base64url HMAC also carries
 * padding bits, so changing it can leave the decoded bytes as they were.
 */
function changeFirstChar(text: string): string {
	return (text.startsWith('A') ? 'B' : 'A') + text.slice(1);
}

describe('room tokens', () => {
	it('verify with the claims they were signed with', async () => {
		const token = await signRoomToken(secret, claims, 60);
		const result = await verifyRoomToken(secret, token, 'room-1', now());
		expect(result).toMatchObject({ ok: true, claims });
		expect(result.ok && result.claims.exp - result.claims.iat).toBe(60);
		expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
	});

	it('are refused once expired', async () => {
		const iat = Math.floor(Date.now() / 1000) - 120;
		const token = await signRoomToken(secret, { ...claims, iat }, 60);
		expect(await verifyRoomToken(secret, token, 'room-1', now())).toEqual({
			ok: false,
			code: 'expired'
		});
		// ...and accepted at a time before expiry, which shows that time alone decided.
		expect((await verifyRoomToken(secret, token, 'room-1', (iat + 30) * 1000)).ok).toBe(true);
	});

	it('are refused when the claims or the signature were changed', async () => {
		const token = await signRoomToken(secret, claims);
		const [payload, signature] = token.split('.') as [string, string];
		const forged = btoa(
			JSON.stringify({
				...JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))),
				role: 'owner'
			})
		)
			.replace(/\+/g, '-')
			.replace(/\//g, '_')
			.replace(/=+$/, '');
		expect(await verifyRoomToken(secret, `${forged}.${signature}`, 'room-1', now())).toEqual({
			ok: false,
			code: 'bad-signature'
		});
		expect(
			await verifyRoomToken(secret, `${payload}.${changeFirstChar(signature)}`, 'room-1', now())
		).toEqual({
			ok: false,
			code: 'bad-signature'
		});
	});

	it('are refused for another room', async () => {
		const token = await signRoomToken(secret, claims);
		expect(await verifyRoomToken(secret, token, 'room-2', now())).toEqual({
			ok: false,
			code: 'wrong-room'
		});
	});

	it('are refused under another secret', async () => {
		const token = await signRoomToken(secret, claims);
		expect(await verifyRoomToken(`${secret}x`, token, 'room-1', now())).toEqual({
			ok: false,
			code: 'bad-signature'
		});
	});

	it('are refused when missing or not shaped like a token', async () => {
		const token = await signRoomToken(secret, claims);
		for (const [input, code] of [
			[null, 'missing'],
			['', 'missing'],
			['abc', 'malformed'],
			[`${token}.extra`, 'malformed'],
			[`.${token.split('.')[1]}`, 'malformed'],
			[`${token.split('.')[0]}.not+base64url`, 'malformed']
		] as const) {
			expect(await verifyRoomToken(secret, input, 'room-1', now())).toEqual({ ok: false, code });
		}
	});

	it('signed over claims of the wrong shape are refused as malformed', async () => {
		// A correctly signed payload with a role the room does not know.
		const token = await signRoomToken(secret, { ...claims, role: 'admin' as 'owner' });
		expect(await verifyRoomToken(secret, token, 'room-1', now())).toEqual({
			ok: false,
			code: 'malformed'
		});
	});

	it('cannot be signed with an empty secret', async () => {
		await expect(signRoomToken('', claims)).rejects.toThrow(/FERRY_ROOM_SECRET/);
	});
});

describe('timingSafeEqual', () => {
	it('is true only for identical strings', () => {
		expect(timingSafeEqual(secret, secret)).toBe(true);
		expect(timingSafeEqual(secret, changeFirstChar(secret))).toBe(false);
		expect(timingSafeEqual(secret, `${secret}x`)).toBe(false);
		expect(timingSafeEqual('', secret)).toBe(false);
	});
});

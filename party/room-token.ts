/**
 * Short-lived room tokens: the SvelteKit server signs one after it has checked
 * that a user may see a room; the room server verifies it on connect.
 *
 * Only WebCrypto, btoa/atob and TextEncoder are used, so this module runs
 * unchanged in workerd (the room) and in Node 20 (the SvelteKit server).
 *
 * Format: base64url(JSON claims) + '.' + base64url(HMAC-SHA-256(secret, first part)).
 */

export type RoomRole = 'owner' | 'member' | 'viewer';

export interface RoomTokenClaims {
	/** User id. */
	sub: string;
	/** Display name, shown to the other members. */
	name: string;
	/** Ferry room id; a token opens exactly one room. */
	room: string;
	role: RoomRole;
	/** Issued at, unix seconds. */
	iat: number;
	/** Expires at, unix seconds. */
	exp: number;
}

export type RoomTokenError = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'wrong-room';

export type RoomTokenResult =
	{ ok: true; claims: RoomTokenClaims } | { ok: false; code: RoomTokenError };

/** Long enough to open the socket and to reconnect after a short network drop. */
export const DEFAULT_ROOM_TOKEN_TTL_SECONDS = 5 * 60;

const ROLES: readonly string[] = ['owner', 'member', 'viewer'] satisfies RoomRole[];
const encoder = new TextEncoder();

/**
 * `claims.iat` defaults to now; tests pass an old one to mint expired tokens.
 */
export async function signRoomToken(
	secret: string,
	claims: Omit<RoomTokenClaims, 'iat' | 'exp'> & { iat?: number },
	ttlSeconds: number = DEFAULT_ROOM_TOKEN_TTL_SECONDS
): Promise<string> {
	const iat = claims.iat ?? Math.floor(Date.now() / 1000);
	const full: RoomTokenClaims = {
		sub: claims.sub,
		name: claims.name,
		room: claims.room,
		role: claims.role,
		iat,
		exp: iat + ttlSeconds
	};
	const payload = toBase64Url(encoder.encode(JSON.stringify(full)));
	const key = await importKey(secret, 'sign');
	const signature = await crypto.subtle.sign('HMAC', key, encoder.encode(payload));
	return `${payload}.${toBase64Url(new Uint8Array(signature))}`;
}

/**
 * `now` is milliseconds since the epoch (`Date.now()`), passed in so tests and
 * the room reducer share one notion of time.
 */
export async function verifyRoomToken(
	secret: string,
	token: string | null | undefined,
	expectedRoomId: string,
	now: number
): Promise<RoomTokenResult> {
	if (!token) return { ok: false, code: 'missing' };
	const parts = token.split('.');
	if (parts.length !== 2) return { ok: false, code: 'malformed' };
	const [payload, signature] = parts as [string, string];
	const signatureBytes = fromBase64Url(signature);
	if (payload === '' || signatureBytes === null) return { ok: false, code: 'malformed' };

	// subtle.verify compares the MACs in constant time (CRYPTO_memcmp in both
	// Node and workerd), so the signature leaks nothing through timing.
	const key = await importKey(secret, 'verify');
	const valid = await crypto.subtle.verify('HMAC', key, signatureBytes, encoder.encode(payload));
	if (!valid) return { ok: false, code: 'bad-signature' };

	// Parsed only after the signature holds: nothing unsigned is ever trusted.
	const claims = parseClaims(fromBase64Url(payload));
	if (claims === null) return { ok: false, code: 'malformed' };
	if (claims.exp * 1000 <= now) return { ok: false, code: 'expired' };
	if (claims.room !== expectedRoomId) return { ok: false, code: 'wrong-room' };
	return { ok: true, claims };
}

/** Constant-time equality for secrets compared outside HMAC (the server's bearer secret). */
export function timingSafeEqual(a: string, b: string): boolean {
	const x = encoder.encode(a);
	const y = encoder.encode(b);
	// The length is not secret (configuration fixes it); the contents are, so
	// every byte is visited whatever differs first.
	if (x.length !== y.length) return false;
	let diff = 0;
	for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
	return diff === 0;
}

async function importKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
	// WebCrypto refuses empty HMAC keys with an obscure error; say what is wrong.
	if (secret === '') throw new Error('room token secret is empty (set FERRY_ROOM_SECRET)');
	return crypto.subtle.importKey(
		'raw',
		encoder.encode(secret),
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		[usage]
	);
}

function parseClaims(bytes: Uint8Array | null): RoomTokenClaims | null {
	if (bytes === null) return null;
	let value: unknown;
	try {
		value = JSON.parse(new TextDecoder().decode(bytes));
	} catch {
		return null;
	}
	if (typeof value !== 'object' || value === null) return null;
	const c = value as Record<string, unknown>;
	const isText = (v: unknown) => typeof v === 'string' && v !== '';
	if (!isText(c.sub) || typeof c.name !== 'string' || !isText(c.room)) return null;
	if (typeof c.role !== 'string' || !ROLES.includes(c.role)) return null;
	if (!Number.isSafeInteger(c.iat) || !Number.isSafeInteger(c.exp)) return null;
	return {
		sub: c.sub as string,
		name: c.name,
		room: c.room as string,
		role: c.role as RoomRole,
		iat: c.iat as number,
		exp: c.exp as number
	};
}

function toBase64Url(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
	// atob accepts some sloppy input (whitespace, '+', '/'); a token is strict base64url.
	if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
	try {
		const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
		return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
	} catch {
		return null;
	}
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { checksumAlgorithms, type ChecksumAlgorithm, type PartChecksum } from './types';

/**
 * Signed URLs of the local-disk provider. The signature is HMAC-SHA256 over a
 * JSON array of every field that decides what the URL may do, so no field can
 * be moved into another (a key containing a newline cannot forge a part
 * number). See docs/storage.md, "Signature format".
 */

const VERSION = 'ferry-local-v1';

export type LocalUrlClaims =
	| {
			op: 'part';
			providerId: string;
			uploadId: string;
			key: string;
			partNumber: number;
			length: number;
			checksum: PartChecksum | null;
			expiresAt: number;
	  }
	| {
			op: 'object';
			providerId: string;
			key: string;
			fileName: string | null;
			contentType: string | null;
			expiresAt: number;
	  };

export type VerifyResult =
	| { ok: true; claims: LocalUrlClaims }
	| {
			ok: false;
			status: 400 | 403 | 404;
			code: 'url_expired' | 'bad_signature' | 'malformed_url';
			message: string;
	  };

function canonical(claims: LocalUrlClaims): string {
	if (claims.op === 'part') {
		const cs = claims.checksum ? `${claims.checksum.algorithm}:${claims.checksum.value}` : '';
		return JSON.stringify([
			VERSION,
			'PUT',
			claims.providerId,
			claims.uploadId,
			claims.key,
			claims.partNumber,
			claims.length,
			cs,
			claims.expiresAt
		]);
	}
	return JSON.stringify([
		VERSION,
		'GET',
		claims.providerId,
		claims.key,
		claims.fileName ?? '',
		claims.contentType ?? '',
		claims.expiresAt
	]);
}

export function signClaims(secret: string, claims: LocalUrlClaims): string {
	return createHmac('sha256', secret).update(canonical(claims)).digest('base64url');
}

/** `expiresAt` is in whole seconds since the epoch, like S3's X-Amz-Expires arithmetic. */
export function buildLocalUrl(origin: string, secret: string, claims: LocalUrlClaims): string {
	const url = new URL(
		`/storage/local/${encodeURIComponent(claims.providerId)}/${claims.op}`,
		origin
	);
	const q = url.searchParams;
	q.set('key', claims.key);
	if (claims.op === 'part') {
		q.set('upload', claims.uploadId);
		q.set('part', String(claims.partNumber));
		q.set('len', String(claims.length));
		if (claims.checksum) q.set('cs', `${claims.checksum.algorithm}:${claims.checksum.value}`);
	} else {
		if (claims.fileName !== null) q.set('name', claims.fileName);
		if (claims.contentType !== null) q.set('type', claims.contentType);
	}
	q.set('exp', String(claims.expiresAt));
	q.set('sig', signClaims(secret, claims));
	return url.toString();
}

function wholeNumber(raw: string | null): number | null {
	if (raw === null || !/^\d{1,16}$/.test(raw)) return null;
	const value = Number(raw);
	return Number.isSafeInteger(value) ? value : null;
}

function parseChecksum(raw: string | null): PartChecksum | null | undefined {
	if (raw === null) return null;
	const at = raw.indexOf(':');
	const algorithm = raw.slice(0, at) as ChecksumAlgorithm;
	if (at < 1 || !checksumAlgorithms.includes(algorithm)) return undefined;
	return { algorithm, value: raw.slice(at + 1) };
}

/** Reads the claims a URL makes; null when it is not one of ours. */
export function parseLocalUrl(url: URL): LocalUrlClaims | null {
	const match = /^\/storage\/local\/([^/]+)\/(part|object)$/.exec(url.pathname);
	if (!match) return null;
	const q = url.searchParams;
	const providerId = decodeURIComponent(match[1] ?? '');
	const key = q.get('key');
	const expiresAt = wholeNumber(q.get('exp'));
	if (key === null || expiresAt === null) return null;
	if (match[2] === 'part') {
		const uploadId = q.get('upload');
		const partNumber = wholeNumber(q.get('part'));
		const length = wholeNumber(q.get('len'));
		const checksum = parseChecksum(q.get('cs'));
		if (uploadId === null || partNumber === null || length === null || checksum === undefined)
			return null;
		return { op: 'part', providerId, uploadId, key, partNumber, length, checksum, expiresAt };
	}
	return {
		op: 'object',
		providerId,
		key,
		fileName: q.get('name'),
		contentType: q.get('type'),
		expiresAt
	};
}

/**
 * Checks the signature before the expiry so a tampered URL is always
 * "bad_signature", and an expired one "url_expired" only when it is genuine:
 * the client may then fetch fresh URLs and retry.
 */
export function verifyLocalUrl(secret: string, url: URL, nowMs: number): VerifyResult {
	const claims = parseLocalUrl(url);
	if (!claims)
		return {
			ok: false,
			status: 404,
			code: 'malformed_url',
			message: 'This is not a Ferry storage URL.'
		};
	const given = Buffer.from(url.searchParams.get('sig') ?? '', 'base64url');
	const expected = Buffer.from(signClaims(secret, claims), 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
		return {
			ok: false,
			status: 403,
			code: 'bad_signature',
			message: 'The URL signature does not match.'
		};
	}
	if (claims.expiresAt * 1000 <= nowMs) {
		return {
			ok: false,
			status: 403,
			code: 'url_expired',
			message: 'The URL has expired; ask Ferry for a fresh one.'
		};
	}
	return { ok: true, claims };
}

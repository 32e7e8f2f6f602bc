/**
 * The share dialog's form, read into the body of POST /api/files/{fileId}/shares.
 * Checks the same rules as the server's schema (src/lib/server/shares.ts) before
 * anything is sent, so a mistake is shown next to its field rather than after a
 * round trip; share-form.test.ts holds both to the same answers. Pure: no DOM.
 */
import { parseCidr } from '$lib/core/ip-allowlist';

export const PASSWORD_MAX = 256;
export const MAX_DOWNLOADS = 1_000_000;
export const MAX_ALLOWED_IPS = 100;
const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** The server refuses expiries further out than this. */
export const EXPIRY_MAX_MS = 365 * DAY_MS;

/** Word for word the server's hint, so the page and the API explain a bad entry alike. */
export const CIDR_HINT =
	'use an IP address or a CIDR range, like 203.0.113.7, 10.0.0.0/8 or 2001:db8::/32';

export const EXPIRY_PRESETS = [
	{ value: '1h', label: '1 hour', ms: HOUR_MS },
	{ value: '1d', label: '1 day', ms: DAY_MS },
	{ value: '7d', label: '7 days', ms: 7 * DAY_MS },
	{ value: '30d', label: '30 days', ms: 30 * DAY_MS }
] as const;

export type ExpiryChoice = (typeof EXPIRY_PRESETS)[number]['value'] | 'never' | 'date';

export interface ShareFormInput {
	password: string;
	expiry: ExpiryChoice;
	/** The value of an `<input type="datetime-local">` (local time), used when `expiry` is 'date'. */
	expiryDate: string;
	maxDownloads: string;
	/** One address or CIDR range per line. */
	allowedIps: string;
	watermark: boolean;
}

export interface CreateShareBody {
	password?: string;
	/** Milliseconds since the epoch. */
	expiresAt?: number;
	maxDownloads?: number;
	allowedIps?: string[];
	watermark?: boolean;
}

export type ShareField = 'password' | 'expiresAt' | 'maxDownloads' | 'allowedIps';
export type ShareFieldErrors = Partial<Record<ShareField, string>>;

export type ShareFormResult =
	{ ok: true; body: CreateShareBody } | { ok: false; errors: ShareFieldErrors };

export function emptyShareForm(): ShareFormInput {
	return {
		password: '',
		expiry: '7d',
		expiryDate: '',
		maxDownloads: '',
		allowedIps: '',
		watermark: false
	};
}

function readExpiry(input: ShareFormInput, now: number): number | undefined | { error: string } {
	if (input.expiry === 'never') return undefined;
	if (input.expiry !== 'date') {
		const preset = EXPIRY_PRESETS.find((p) => p.value === input.expiry);
		return now + (preset?.ms ?? 0);
	}
	if (input.expiryDate.trim() === '')
		return { error: 'Pick the date and time the link stops working.' };
	const at = new Date(input.expiryDate).getTime();
	if (Number.isNaN(at)) return { error: 'Pick a date and time, like 2030-01-31 12:00.' };
	if (at <= now) return { error: 'Pick a moment in the future.' };
	if (at > now + EXPIRY_MAX_MS) return { error: 'Pick a date at most one year from now.' };
	return at;
}

function readMaxDownloads(text: string): number | undefined | { error: string } {
	const trimmed = text.trim();
	if (trimmed === '') return undefined;
	if (!/^\d+$/.test(trimmed))
		return { error: 'Enter a whole number of downloads, or leave it empty for no limit.' };
	const n = Number(trimmed);
	if (n < 1 || n > MAX_DOWNLOADS)
		return { error: `Enter a number from 1 to ${MAX_DOWNLOADS.toLocaleString('en')}.` };
	return n;
}

function readAllowedIps(text: string): string[] | undefined | { error: string } {
	const lines = text.split('\n').map((line, index) => ({ entry: line.trim(), line: index + 1 }));
	const entries = lines.filter(({ entry }) => entry !== '');
	if (entries.length === 0) return undefined;
	const bad = entries.filter(({ entry }) => parseCidr(entry) === null || entry.length > 64);
	if (bad.length > 0) {
		const where = bad.map(({ entry, line }) => `line ${line} ("${entry}")`).join(', ');
		return { error: `Check ${where}: ${CIDR_HINT}.` };
	}
	if (entries.length > MAX_ALLOWED_IPS) {
		return {
			error: `List at most ${MAX_ALLOWED_IPS} addresses or ranges (there are ${entries.length}).`
		};
	}
	return entries.map(({ entry }) => entry);
}

/** The request body, or a message for each field that needs changing. `now` fixes the presets. */
export function readShareForm(input: ShareFormInput, now: number): ShareFormResult {
	const errors: ShareFieldErrors = {};
	const body: CreateShareBody = {};
	if (input.password.length > PASSWORD_MAX) {
		errors.password = `Use at most ${PASSWORD_MAX} characters for the password.`;
	} else if (input.password !== '') {
		body.password = input.password;
	}
	const expiresAt = readExpiry(input, now);
	if (typeof expiresAt === 'object') errors.expiresAt = expiresAt.error;
	else if (expiresAt !== undefined) body.expiresAt = expiresAt;
	const maxDownloads = readMaxDownloads(input.maxDownloads);
	if (typeof maxDownloads === 'object') errors.maxDownloads = maxDownloads.error;
	else if (maxDownloads !== undefined) body.maxDownloads = maxDownloads;
	const allowedIps = readAllowedIps(input.allowedIps);
	if (allowedIps !== undefined && !Array.isArray(allowedIps)) errors.allowedIps = allowedIps.error;
	else if (allowedIps !== undefined) body.allowedIps = allowedIps;
	if (input.watermark) body.watermark = true;
	return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

const FIELDS: readonly ShareField[] = ['password', 'expiresAt', 'maxDownloads', 'allowedIps'];

/**
 * The field an `invalid_request` from the server concerns: its message starts with the
 * field's path ("allowedIps.2: use an IP address…", see parseInput in $lib/server/http).
 */
export function fieldOfServerMessage(
	message: string
): { field: ShareField; message: string } | null {
	const match = /^(\w+)(?:\.(\d+))?: (.+)$/s.exec(message);
	const field = FIELDS.find((f) => f === match?.[1]);
	if (!match || !field) return null;
	const text = match[3]!;
	const entry = match[2] === undefined ? '' : `Entry ${Number(match[2]) + 1}: `;
	return { field, message: `${entry}${text.charAt(0).toUpperCase()}${text.slice(1)}.` };
}

export type ShareState = 'active' | 'revoked' | 'expired' | 'used_up';

/** A share as GET /api/files/{fileId}/shares and GET /api/rooms/{roomId}/shares list it. */
export interface ShareView {
	id: string;
	fileId: string;
	createdAt: string;
	createdByUserId: string;
	expiresAt: string | null;
	maxDownloads: number | null;
	downloadCount: number;
	hasPassword: boolean;
	allowedIps: string[] | null;
	watermark: boolean;
	revokedAt: string | null;
	lastAccessAt: string | null;
	state: ShareState;
}

export const SHARE_STATE_WORDS: Record<ShareState, string> = {
	active: 'active',
	revoked: 'revoked',
	expired: 'expired',
	used_up: 'used up'
};

/** "1/2", or "3 (no limit)". */
export function downloadsWords(share: Pick<ShareView, 'downloadCount' | 'maxDownloads'>): string {
	return share.maxDownloads === null
		? `${share.downloadCount} (no limit)`
		: `${share.downloadCount}/${share.maxDownloads}`;
}

export type AccessOutcome =
	'ok' | 'wrong_password' | 'expired' | 'limit_reached' | 'revoked' | 'ip_refused' | 'rate_limited';

const OUTCOME_WORDS: Record<AccessOutcome, string> = {
	ok: 'allowed',
	wrong_password: 'refused: wrong or missing password',
	expired: 'refused: the link had expired',
	limit_reached: 'refused: no downloads left',
	revoked: 'refused: the link was revoked',
	ip_refused: 'refused: address not in the allowlist',
	rate_limited: 'refused: too many attempts, try later'
};

/** The access log's outcome as the owner reads it; an outcome this page does not know yet is shown as is. */
export function outcomeWords(outcome: string): string {
	return (OUTCOME_WORDS as Record<string, string>)[outcome] ?? outcome.replaceAll('_', ' ');
}

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A time from the API (ISO string) in the reader's own locale and zone. */
export function formatWhen(iso: string): string {
	const date = new Date(iso);
	return Number.isNaN(date.getTime()) ? iso : WHEN.format(date);
}

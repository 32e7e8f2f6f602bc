import { describe, expect, it } from 'vitest';
import { createShareSchema } from '$lib/server/shares';
import {
	CIDR_HINT,
	emptyShareForm,
	fieldOfServerMessage,
	outcomeWords,
	readShareForm,
	type ShareFormInput
} from './share-form';

const NOW = Date.UTC(2030, 0, 1, 12);
const form = (patch: Partial<ShareFormInput>): ShareFormInput => ({
	...emptyShareForm(),
	expiry: 'never',
	...patch
});

describe('readShareForm', () => {
	it('sends only what was filled in: an empty form is a link without limits', () => {
		expect(readShareForm(form({}), NOW)).toEqual({ ok: true, body: {} });
	});

	it('turns every field into the body the API takes', () => {
		const result = readShareForm(
			form({
				password: 'open sesame',
				expiry: '1d',
				maxDownloads: ' 2 ',
				allowedIps: '203.0.113.7\n\n 10.0.0.0/8 \n2001:db8::/32\n',
				watermark: true
			}),
			NOW
		);
		expect(result).toEqual({
			ok: true,
			body: {
				password: 'open sesame',
				expiresAt: NOW + 24 * 3600 * 1000,
				maxDownloads: 2,
				allowedIps: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'],
				watermark: true
			}
		});
	});

	it('names each field that needs changing, and the lines of bad addresses', () => {
		const result = readShareForm(
			form({
				password: 'x'.repeat(257),
				maxDownloads: '2.5',
				allowedIps: '10.0.0.1\n10.0.0.300/8\nfe80::1%eth0'
			}),
			NOW
		);
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.errors.password).toMatch(/at most 256 characters/);
		expect(result.errors.maxDownloads).toMatch(/whole number/);
		expect(result.errors.allowedIps).toBe(
			`Check line 2 ("10.0.0.300/8"), line 3 ("fe80::1%eth0"): ${CIDR_HINT}.`
		);
		expect(result.errors.expiresAt).toBeUndefined();
	});

	it('refuses a limit of 0 and more than 100 addresses', () => {
		const many = Array.from({ length: 101 }, (_, i) => `10.0.${i}.1`).join('\n');
		const result = readShareForm(form({ maxDownloads: '0', allowedIps: many }), NOW);
		expect(result).toEqual({
			ok: false,
			errors: {
				maxDownloads: 'Enter a number from 1 to 1,000,000.',
				allowedIps: 'List at most 100 addresses or ranges (there are 101).'
			}
		});
	});

	it('takes a chosen date in the future, within a year', () => {
		const inAMonth = new Date(NOW + 30 * 24 * 3600 * 1000);
		const local = (d: Date) =>
			`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
		const ok = readShareForm(form({ expiry: 'date', expiryDate: local(inAMonth) }), NOW);
		expect(ok).toEqual({ ok: true, body: { expiresAt: new Date(local(inAMonth)).getTime() } });
		const past = readShareForm(
			form({ expiry: 'date', expiryDate: local(new Date(NOW - 60_000)) }),
			NOW
		);
		expect(past).toEqual({ ok: false, errors: { expiresAt: 'Pick a moment in the future.' } });
		const far = readShareForm(
			form({ expiry: 'date', expiryDate: local(new Date(NOW + 400 * 24 * 3600 * 1000)) }),
			NOW
		);
		expect(far).toEqual({
			ok: false,
			errors: { expiresAt: 'Pick a date at most one year from now.' }
		});
		expect(readShareForm(form({ expiry: 'date' }), NOW)).toEqual({
			ok: false,
			errors: { expiresAt: 'Pick the date and time the link stops working.' }
		});
	});
});

describe('the form and the server agree', () => {
	/** What the API would get if the form sent the fields as typed, unchecked. */
	function rawBody(input: ShareFormInput) {
		const lines = input.allowedIps
			.split('\n')
			.map((line) => line.trim())
			.filter(Boolean);
		return {
			...(input.password ? { password: input.password } : {}),
			...(input.maxDownloads.trim() ? { maxDownloads: Number(input.maxDownloads) } : {}),
			...(lines.length > 0 ? { allowedIps: lines } : {}),
			...(input.watermark ? { watermark: true } : {})
		};
	}
	const cases: Partial<ShareFormInput>[] = [
		{ allowedIps: '10.1.2.3/8\n::ffff:10.0.0.0/104' },
		{ allowedIps: '010.0.0.1' },
		{ allowedIps: '2001:db8::/129' },
		{ allowedIps: '1.2.3.4/' },
		{ allowedIps: 'fe80::1%eth0' },
		{ maxDownloads: '1000001' },
		{ maxDownloads: '1000000', password: 'p' },
		{ password: 'x'.repeat(256) },
		{ password: 'x'.repeat(257) },
		{ watermark: true }
	];
	for (const patch of cases) {
		it(`accepts and refuses alike: ${JSON.stringify(patch).slice(0, 50)}`, () => {
			const input = form(patch);
			const server = createShareSchema.safeParse(rawBody(input));
			expect(readShareForm(input, Date.now()).ok).toBe(server.success);
		});
	}

	it('uses the server words for a bad address', () => {
		const server = createShareSchema.safeParse({ allowedIps: ['10.0.0.300'] });
		expect(server.error?.issues[0]?.message).toBe(CIDR_HINT);
	});
});

describe('fieldOfServerMessage', () => {
	it('puts a server refusal next to its field', () => {
		expect(fieldOfServerMessage(`allowedIps.1: ${CIDR_HINT}`)).toEqual({
			field: 'allowedIps',
			message: `Entry 2: U${CIDR_HINT.slice(1)}.`
		});
		expect(fieldOfServerMessage('expiresAt: expiresAt must be in the future')).toEqual({
			field: 'expiresAt',
			message: 'ExpiresAt must be in the future.'
		});
		expect(fieldOfServerMessage('The file does not exist')).toBeNull();
		expect(fieldOfServerMessage('watermark: expected boolean')).toBeNull();
	});
});

describe('outcomeWords', () => {
	it('says what happened in words', () => {
		expect(outcomeWords('ok')).toBe('allowed');
		expect(outcomeWords('limit_reached')).toBe('refused: no downloads left');
		expect(outcomeWords('something_new')).toBe('something new');
	});
});

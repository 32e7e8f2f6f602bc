// Tests for ../errors.ts (kept in this folder, which is where this change may add files).
import { describe, expect, it } from 'vitest';
import {
	TransferError,
	codeForHttpStatus,
	httpError,
	isTransferErrorData,
	toTransferError,
	toTransferErrorData
} from '../errors';

describe('TransferError', () => {
	it('survives structured clone as data, and branches on code', () => {
		const err = httpError(429, { retryAfterMs: 3000, partNumber: 7, cause: new Error('slow') });
		const cloned = structuredClone(toTransferErrorData(err));
		expect(isTransferErrorData(cloned)).toBe(true);
		expect(cloned).toEqual({
			name: 'TransferError',
			code: 'rate_limited',
			message: 'HTTP 429',
			retryable: true,
			httpStatus: 429,
			retryAfterMs: 3000,
			partNumber: 7,
			cause: { name: 'Error', message: 'slow' }
		});
		const back = toTransferError(cloned);
		expect(back.code).toBe('rate_limited');
		expect(back.retryAfterMs).toBe(3000);
	});

	it('defaults retryable by code, overridable', () => {
		expect(new TransferError('network').retryable).toBe(true);
		expect(new TransferError('http_4xx').retryable).toBe(false);
		expect(new TransferError('http_4xx', 'x', { retryable: true }).retryable).toBe(true);
	});

	it('maps HTTP statuses to codes', () => {
		expect([400, 403, 408, 429, 500, 503].map(codeForHttpStatus)).toEqual([
			'http_4xx',
			'http_4xx',
			'timeout',
			'rate_limited',
			'http_5xx',
			'rate_limited'
		]);
	});

	it('wraps foreign throwables with a fallback code', () => {
		expect(toTransferError(new TypeError('Failed to fetch'), 'network')).toMatchObject({
			code: 'network',
			message: 'Failed to fetch'
		});
		expect(toTransferErrorData('weird')).toMatchObject({ code: 'unknown', retryable: false });
		expect(isTransferErrorData({ name: 'TransferError', code: 'nope', retryable: true })).toBe(
			false
		);
	});
});

import { describe, expect, it } from 'vitest';
import { ApiRequestError } from './api';
import { describeError } from './handle-error';

describe('describeError', () => {
	it('passes on the server wording for codes written for people', () => {
		const shown = describeError(new ApiRequestError(409, 'email_taken', 'An account with this email already exists; sign in instead.'), 'sign up');
		expect(shown).toEqual({ code: 'email_taken', message: 'An account with this email already exists; sign in instead.' });
	});

	it('says what the user was doing for validation and network failures', () => {
		expect(describeError(new ApiRequestError(400, 'invalid_request', 'password: use at least 10 characters for the password'), 'sign up').message).toBe(
			'Could not sign up. Password: use at least 10 characters for the password.'
		);
		expect(describeError(new ApiRequestError(0, 'network', 'x'), 'create the room').message).toMatch(/^Could not create the room: .*connection/);
	});

	it('branches on code, so plain data from postMessage works too', () => {
		expect(describeError({ code: 'not_signed_in', message: 'whatever' }, 'x').code).toBe('not_signed_in');
		expect(describeError(new Error('boom'), 'save').code).toBe('unknown');
	});
});

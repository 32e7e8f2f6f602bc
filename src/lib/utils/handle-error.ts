import { errors, type ShownError } from '$lib/state/errors.svelte';

/**
 * Turns any failure into wording a person can act on and shows it in the error
 * banner. `action` says what the user was doing ("create the room"), so the
 * message can start with what went wrong for them.
 */
export function handleError(error: unknown, action: string): ShownError {
	const shown = describeError(error, action);
	errors.show(shown);
	return shown;
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

export function describeError(error: unknown, action: string): ShownError {
	const { code, message } = readError(error);
	switch (code) {
		case 'network':
			return { code, message: `Could not ${action}: Ferry's server did not answer. Check your connection and try again.` };
		case 'not_signed_in':
		case 'invalid_token':
			return { code, message: 'You are signed out. Sign in again to continue.' };
		case 'invalid_request':
			// The server says which field and what to change ("password: use at least 10 characters").
			return { code, message: `Could not ${action}. ${capitalise(message)}.` };
		case 'cross_site_request':
			return { code, message: `Could not ${action}: the request came from another site. Reload Ferry and try again.` };
		case 'server_error':
			return { code, message: `Could not ${action}: something went wrong on our side. Please try again.` };
		case 'http_error':
		case 'unknown':
			return { code, message: `Could not ${action}. Please try again.` };
		default:
			// Every other code comes with a message written for people (see $lib/server).
			return { code, message };
	}
}

function readError(error: unknown): { code: string; message: string } {
	if (typeof error === 'object' && error !== null) {
		const { code, message } = error as { code?: unknown; message?: unknown };
		if (typeof code === 'string') return { code, message: typeof message === 'string' ? message : '' };
	}
	return { code: 'unknown', message: '' };
}

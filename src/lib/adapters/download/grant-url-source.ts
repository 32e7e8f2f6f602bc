import { TransferError } from '$lib/core/errors';
import type { DownloadUrlSource } from '$lib/core/download';

export interface ShareApiError {
	readonly code: string;
	readonly message: string;
}

/** Thrown when the share API refuses (revoked, grant expired...): the page shows `message`. */
export class ShareRefusal extends TransferError {
	readonly apiCode: string;
	constructor(status: number, error: ShareApiError) {
		super('http_4xx', error.message, { httpStatus: status, retryable: false });
		this.apiCode = error.code;
	}
}

export async function readShareError(response: Response): Promise<ShareApiError> {
	const body = (await response.json().catch(() => null)) as { error?: ShareApiError } | null;
	return body?.error ?? { code: `http_${response.status}`, message: `HTTP ${response.status}` };
}

/**
 * The presigned GET of one download grant. The first URL comes with the grant; a refresh
 * trades the grant for a fresh one (POST /api/s/{token}/grants/{grant}/url), which counts no
 * download and stops at once when the link is revoked.
 */
export class GrantUrlSource implements DownloadUrlSource {
	readonly #token: string;
	readonly #grant: string;
	#url: string | null;

	constructor(token: string, grant: string, url: string | null) {
		this.#token = token;
		this.#grant = grant;
		this.#url = url;
	}

	async getUrl(refresh: boolean): Promise<string> {
		if (this.#url !== null && !refresh) return this.#url;
		let response: Response;
		try {
			response = await fetch(
				`/api/s/${encodeURIComponent(this.#token)}/grants/${encodeURIComponent(this.#grant)}/url`,
				{ method: 'POST', credentials: 'omit', cache: 'no-store' }
			);
		} catch (error) {
			throw new TransferError('network', 'Ferry could not be reached for a fresh download URL', {
				cause: error
			});
		}
		if (response.status >= 500) {
			throw new TransferError('http_5xx', 'Ferry could not sign a download URL', {
				httpStatus: response.status
			});
		}
		if (!response.ok) throw new ShareRefusal(response.status, await readShareError(response));
		const body = (await response.json()) as { url: string };
		this.#url = body.url;
		return body.url;
	}
}

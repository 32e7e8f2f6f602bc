/** A scripted PartSender that stores into a FakeServer. Test-only. */
import { TransferError } from '../../errors';
import type { PartBody, PartSender, SendOptions } from '../../../ports';
import type { FakeClock, FakeServer } from './fakes';

export type SendScript =
	| 'ok'
	/** Never answers until aborted. */
	| 'hang'
	| { fail: unknown }
	/** Sends half, waits, then finishes, or fails with `fail` if given. */
	| { delayMs: number; fail?: unknown }
	/** Reports some progress, then goes silent until aborted. */
	| { stallAfter: number };

export interface SendCall {
	partNumber: number;
	url: string;
	headers: Readonly<Record<string, string>>;
	size: number;
	at: number;
}

export class ScriptedSender implements PartSender {
	readonly calls: SendCall[] = [];
	/** partNumber -> scripts used in order; missing or exhausted means 'ok'. */
	readonly scripts = new Map<number, SendScript[]>();
	/** Applies to every part after its own scripts run out. */
	readonly everyone: SendScript[] = [];
	inFlight = 0;
	maxInFlight = 0;

	constructor(
		readonly server: FakeServer,
		readonly clock: FakeClock
	) {}

	script(partNumber: number, ...scripts: SendScript[]): this {
		this.scripts.set(partNumber, [...(this.scripts.get(partNumber) ?? []), ...scripts]);
		return this;
	}

	async send(
		url: string,
		_method: 'PUT',
		headers: Readonly<Record<string, string>>,
		body: PartBody,
		{ signal, onProgress }: SendOptions
	): Promise<{ etag: string }> {
		const signed = this.server.urls.get(url);
		if (!signed) throw new Error(`unknown url ${url}`);
		const { uploadId, partNumber } = signed;
		const size = body instanceof Uint8Array ? body.length : body.size;
		this.calls.push({ partNumber, url, headers, size, at: this.clock.now() });
		const script = this.scripts.get(partNumber)?.shift() ?? this.everyone.shift() ?? 'ok';
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		try {
			if (this.clock.now() > signed.expiresAt) {
				throw new TransferError('http_4xx', 'AccessDenied', { httpStatus: 403 });
			}
			if (script === 'hang') await this.#untilAborted(signal);
			if (typeof script === 'object' && 'fail' in script && !('delayMs' in script)) {
				throw script.fail;
			}
			if (typeof script === 'object' && 'stallAfter' in script) {
				onProgress(script.stallAfter);
				await this.#untilAborted(signal);
			}
			if (typeof script === 'object' && 'delayMs' in script) {
				onProgress(Math.floor(size / 2));
				await this.clock.sleep(script.delayMs, signal);
				if (script.fail !== undefined) throw script.fail;
			}
			signal.throwIfAborted();
			onProgress(size);
			const etag = `"etag-${partNumber}-${this.calls.length}"`;
			this.server.uploads.get(uploadId)?.stored.set(partNumber, { size, etag });
			return { etag };
		} finally {
			this.inFlight--;
		}
	}

	#untilAborted(signal: AbortSignal): Promise<never> {
		return new Promise<never>((_, reject) => {
			const abort = (): void => reject(new DOMException('aborted', 'AbortError'));
			if (signal.aborted) abort();
			signal.addEventListener('abort', abort, { once: true });
		});
	}

	partsSent(): number[] {
		return this.calls.map((c) => c.partNumber);
	}
}

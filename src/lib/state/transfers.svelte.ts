import type { EngineEvent, TransferSummary } from '$lib/workers/upload-protocol';

/**
 * What the UI shows about transfers, fed by engine events (this tab's worker through Comlink,
 * other tabs through BroadcastChannel). No network or storage work happens here.
 */
export class TransfersState {
	#items = $state.raw<TransferSummary[]>([]);
	/** Per room, how many transfers finished since the page loaded: the file list watches it. */
	#completed = $state<Record<string, number>>({});

	/** Every transfer this page knows of, in any room (the app badge counts them). */
	all(): readonly TransferSummary[] {
		return this.#items;
	}

	forRoom(roomId: string): TransferSummary[] {
		return this.#items.filter((t) => t.roomId === roomId);
	}

	completedIn(roomId: string): number {
		return this.#completed[roomId] ?? 0;
	}

	/** From this tab's own worker: authoritative. */
	applyLocal(event: EngineEvent): void {
		if (event.type === 'transfer:removed') return this.#remove(event.transferId);
		this.#upsert(event.transfer);
	}

	/** From another tab: shown as driven elsewhere unless this tab drives it itself. */
	applyRemote(event: EngineEvent): void {
		if (event.type === 'transfer:removed') {
			const driver = this.#find(event.transferId)?.driver;
			if (driver !== undefined && driver !== 'here') this.#remove(event.transferId);
			return;
		}
		if (this.#find(event.transfer.transferId)?.driver === 'here') return;
		const driver = event.transfer.driver === 'background' ? 'background' : 'elsewhere';
		this.#upsert({ ...event.transfer, driver });
	}

	replaceAll(roomId: string, summaries: readonly TransferSummary[]): void {
		const fresh = summaries.filter((s) => s.roomId === roomId);
		const kept = this.#items.filter((t) => !fresh.some((s) => s.transferId === t.transferId));
		this.#items = [...kept, ...fresh];
	}

	#find(transferId: string): TransferSummary | undefined {
		return this.#items.find((t) => t.transferId === transferId);
	}

	#upsert(summary: TransferSummary): void {
		const previous = this.#find(summary.transferId);
		if (summary.state.status === 'done' && previous?.state.status !== 'done') {
			this.#completed[summary.roomId] = (this.#completed[summary.roomId] ?? 0) + 1;
		}
		this.#items = previous
			? this.#items.map((t) => (t.transferId === summary.transferId ? summary : t))
			: [...this.#items, summary];
	}

	#remove(transferId: string): void {
		this.#items = this.#items.filter((t) => t.transferId !== transferId);
	}
}

export const transfers = new TransfersState();

// ---- wording ---------------------------------------------------------------------------------

export { formatBytes } from '$lib/core/format';

export function formatEta(ms: number | null): string {
	if (ms === null || !Number.isFinite(ms)) return '';
	const s = Math.max(1, Math.round(ms / 1000));
	if (s < 60) return `${s} s left`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m} min ${s % 60} s left`;
	return `${Math.floor(m / 60)} h ${m % 60} min left`;
}

export function percentOf(t: TransferSummary): number {
	if (t.state.status === 'done') return 100;
	const p = t.progress;
	if (!p || p.totalBytes === 0) return 0;
	return Math.min(100, Math.floor(((p.bytesConfirmed + p.bytesInFlight) / p.totalBytes) * 100));
}

/** The state in words, plus what the person can do about it. */
export function describeState(t: TransferSummary): { label: string; hint: string } {
	if (t.driver === 'elsewhere' && t.state.status !== 'done') {
		return { label: 'Uploading in another tab', hint: 'Close that tab to continue here.' };
	}
	if (
		t.driver === 'background' &&
		(t.state.status === 'uploading' || t.state.status === 'preparing')
	) {
		return {
			label: 'Uploading in the background',
			hint: 'Ferry went on while no tab was open; this tab takes over in a moment.'
		};
	}
	const s = t.state;
	switch (s.status) {
		case 'queued':
			return { label: 'Queued', hint: '' };
		case 'preparing':
			return { label: 'Preparing', hint: '' };
		case 'uploading':
			return { label: 'Uploading', hint: '' };
		case 'paused':
			return { label: 'Paused', hint: 'Resume to continue from where it stopped.' };
		case 'waiting-for-network':
			return {
				label: 'Waiting for network',
				hint: 'You are offline; the upload continues by itself when the connection is back.'
			};
		case 'waiting-for-file':
			return {
				label: 'Waiting for the file',
				hint: t.reconnectable
					? 'Ferry needs your permission to read the file again (the browser asks after a restart).'
					: 'This browser can no longer read the file. Pick the same file again to continue.'
			};
		case 'completing':
			return { label: 'Finishing', hint: '' };
		case 'done':
			return { label: 'Done', hint: '' };
		case 'cancelled':
			return { label: 'Cancelled', hint: '' };
		case 'failed':
			return { label: 'Failed', hint: failureHint(s.error.code, s.error.message) };
	}
}

function failureHint(code: string, message: string): string {
	switch (code) {
		case 'upload_gone':
			return 'The upload expired or was cancelled on the server. Dismiss it and send the file again.';
		case 'file_changed':
			return 'The file changed on disk since the upload started. Dismiss it and send the file again.';
		case 'network':
		case 'timeout':
		case 'stalled':
		case 'http_5xx':
		case 'rate_limited':
			return 'The server or network kept failing. Retry in a moment.';
		case 'http_4xx':
		case 'server_rejected':
			// The server's sentence says what to do (quota, file name...).
			return message;
		default:
			return `${message}. Retry, or dismiss it and send the file again.`;
	}
}

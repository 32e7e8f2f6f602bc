/**
 * Tells the room about the uploads this tab drives, from the same summaries the transfer list
 * shows. Only transfers with `driver: 'here'` are reported: another tab holding a transfer's
 * lock reports it from there, so the room never hears one upload twice.
 *
 * Progress goes through a per-transfer throttle (4 per second, last value kept); state changes
 * go out at once, after flushing any progress still waiting so the order stays right.
 */
import type { TransferSummary } from '$lib/workers/upload-protocol';
import type { ClientMessage, UploadProgress } from '../../../party/room-messages';
import { KeyedThrottle } from './throttle';

/** Matches the room's own broadcast interval (party/room-state.ts PROGRESS_INTERVAL_MS). */
export const PROGRESS_INTERVAL_MS = 250;

interface Ref {
	roomId: string;
	fileId: string;
	uploadId: string;
	fileName: string;
}

interface Tracked {
	ref: Ref;
	totalBytes: number;
	/** 'started' was sent (or would have been, had the connection been up). */
	started: boolean;
	phase: 'running' | 'paused' | 'over';
	progress: UploadProgress | null;
}

type Progress = Extract<ClientMessage, { type: 'file-upload-progress' }>;

export class TransferReporter {
	readonly #roomId: string;
	readonly #send: (message: ClientMessage) => void;
	readonly #throttle: KeyedThrottle<Progress>;
	readonly #tracked = new Map<string, Tracked>();

	readonly #driver: TransferSummary['driver'];

	/**
	 * `driver`: whose uploads to report. A tab reports those it drives ('here'); the service
	 * worker, when it drives uploads with no tab open, reports its own ('background').
	 */
	constructor(
		roomId: string,
		send: (message: ClientMessage) => void,
		driver: TransferSummary['driver'] = 'here'
	) {
		this.#roomId = roomId;
		this.#driver = driver;
		this.#send = send;
		this.#throttle = new KeyedThrottle<Progress>(PROGRESS_INTERVAL_MS, send);
	}

	/** The room's current summaries; call on every change. */
	update(summaries: readonly TransferSummary[]): void {
		const seen = new Set<string>();
		for (const t of summaries) {
			if (t.roomId !== this.#roomId || t.driver !== this.#driver) continue;
			seen.add(t.transferId);
			this.#updateOne(t);
		}
		for (const [transferId, tracked] of this.#tracked) {
			if (seen.has(transferId)) continue;
			// Dismissed, or another tab took it over: that tab reports it now.
			this.#throttle.drop(tracked.ref.uploadId);
			this.#tracked.delete(transferId);
		}
	}

	/** After a (re)connect the room may have restarted empty: tell it again what is running. */
	reannounce(): void {
		for (const t of this.#tracked.values()) {
			if (!t.started || t.phase === 'over') continue;
			this.#send({ type: 'file-upload-started', ...t.ref, totalBytes: t.totalBytes });
			if (t.progress) this.#send({ type: 'file-upload-progress', ...t.ref, ...t.progress });
			if (t.phase === 'paused') this.#send({ type: 'file-upload-paused', ...t.ref });
		}
	}

	dispose(): void {
		this.#throttle.dispose();
		this.#tracked.clear();
	}

	#updateOne(t: TransferSummary): void {
		const previous = this.#tracked.get(t.transferId);
		const state = t.state;
		if (state.status === 'cancelled') {
			// The server announces cancellations itself (file-upload-cancelled) when it deletes the upload.
			if (previous) this.#over(previous);
			return;
		}
		const session = 'session' in state ? state.session : null;
		if (session === null) return;
		const tracked: Tracked = previous ?? {
			ref: {
				roomId: this.#roomId,
				fileId: session.fileId,
				uploadId: session.uploadId,
				// The room must not learn an encrypted file's name; members see the sealed one decrypted.
				fileName: t.encrypted ? 'Encrypted file' : t.name
			},
			totalBytes: t.progress?.totalBytes ?? session.size,
			started: false,
			phase: 'running',
			progress: null
		};
		if (!previous) this.#tracked.set(t.transferId, tracked);
		const { ref } = tracked;

		switch (state.status) {
			case 'uploading':
			case 'completing': {
				// 'over' here is a failed transfer being retried: announce it again.
				if (!tracked.started || tracked.phase === 'over') {
					tracked.started = true;
					this.#send({ type: 'file-upload-started', ...ref, totalBytes: tracked.totalBytes });
				} else if (tracked.phase === 'paused') {
					this.#send({ type: 'file-upload-resumed', ...ref });
				}
				tracked.phase = 'running';
				const progress = toProgress(t);
				if (progress && !sameProgress(progress, tracked.progress)) {
					tracked.progress = progress;
					this.#throttle.push(ref.uploadId, { type: 'file-upload-progress', ...ref, ...progress });
				}
				return;
			}
			case 'paused':
			case 'waiting-for-network':
			case 'waiting-for-file':
				if (tracked.phase === 'over') return;
				if (tracked.started && tracked.phase === 'running') {
					this.#throttle.flush(ref.uploadId);
					this.#send({ type: 'file-upload-paused', ...ref });
				}
				tracked.phase = 'paused';
				return;
			case 'done':
				// A transfer first seen finished (restored from storage) was never announced.
				if (tracked.started && tracked.phase !== 'over') {
					this.#throttle.flush(ref.uploadId);
					this.#send({ type: 'file-upload-completed', ...ref });
				}
				this.#over(tracked);
				return;
			case 'failed':
				if (tracked.started && tracked.phase !== 'over') {
					this.#throttle.flush(ref.uploadId);
					this.#send({ type: 'file-upload-failed', ...ref, error: state.error.code.slice(0, 200) });
				}
				this.#over(tracked);
				return;
			case 'queued':
			case 'preparing':
				return;
		}
	}

	#over(tracked: Tracked): void {
		tracked.phase = 'over';
		this.#throttle.drop(tracked.ref.uploadId);
	}
}

function toProgress(t: TransferSummary): UploadProgress | null {
	const p = t.progress;
	if (!p || p.totalBytes <= 0) return null;
	const totalBytes = Math.floor(p.totalBytes);
	const bytesUploaded = Math.min(
		totalBytes,
		Math.max(0, Math.floor(p.bytesConfirmed + p.bytesInFlight))
	);
	return {
		bytesUploaded,
		totalBytes,
		percentage: Math.min(100, (bytesUploaded / totalBytes) * 100),
		uploadSpeed: Math.max(0, p.speedBps ?? 0),
		estimatedTimeRemaining: p.etaMs === null ? null : Math.max(0, p.etaMs / 1000)
	};
}

function sameProgress(a: UploadProgress, b: UploadProgress | null): boolean {
	return b !== null && a.bytesUploaded === b.bytesUploaded && a.uploadSpeed === b.uploadSpeed;
}

import type { Clock } from '../../ports';
import type { ProgressSnapshot } from './types';

/**
 * Progress of one transfer. Deterministic: every method takes `now` from the caller's Clock.
 *
 * Speed is measured on `sentTotal`, a counter that only grows (bytes that went over the wire,
 * including attempts that later failed), so a failed part does not produce negative speed.
 * The EWMA weight depends on elapsed time, not on how often we are called:
 * alpha = 1 - exp(-dt / tau).
 */
export interface ProgressOptions {
	/** EWMA time constant. */
	readonly tauMs: number;
	/** Samples closer together than this are merged (upload progress events are bursty). */
	readonly minSampleMs: number;
}

export const DEFAULT_PROGRESS_OPTIONS: ProgressOptions = { tauMs: 5_000, minSampleMs: 250 };

export class ProgressModel {
	readonly #total: number;
	readonly #partCount: number;
	readonly #options: ProgressOptions;
	readonly #inFlight = new Map<number, number>();
	#confirmed = 0;
	#partsDone = 0;
	#sentTotal = 0;
	#speed: number | null = null;
	#lastSampleAt: number | null = null;
	#lastSampleSent = 0;

	constructor(
		totalBytes: number,
		partCount: number,
		options: ProgressOptions = DEFAULT_PROGRESS_OPTIONS
	) {
		this.#total = totalBytes;
		this.#partCount = partCount;
		this.#options = options;
	}

	/** Seeds parts that were done before this model existed (resume). They add no speed. */
	seedConfirmed(bytes: number, parts: number): void {
		this.#confirmed += bytes;
		this.#partsDone += parts;
	}

	/** `loaded` is cumulative for the current attempt of `partNumber`. */
	setInFlight(partNumber: number, loaded: number, now: number): void {
		const before = this.#inFlight.get(partNumber) ?? 0;
		if (loaded > before) this.#sentTotal += loaded - before;
		this.#inFlight.set(partNumber, loaded);
		this.#sample(now);
	}

	dropInFlight(partNumber: number): void {
		this.#inFlight.delete(partNumber);
	}

	confirmPart(partNumber: number, size: number, now: number): void {
		this.setInFlight(partNumber, size, now);
		this.#inFlight.delete(partNumber);
		this.#confirmed += size;
		this.#partsDone += 1;
	}

	/** After a pause the idle gap must not read as zero speed, nor the old speed linger. */
	resetSpeed(): void {
		this.#speed = null;
		this.#lastSampleAt = null;
		this.#inFlight.clear();
	}

	snapshot(): ProgressSnapshot {
		let inFlight = 0;
		for (const loaded of this.#inFlight.values()) inFlight += loaded;
		const remaining = Math.max(0, this.#total - this.#confirmed - inFlight);
		const speed = this.#speed;
		return {
			totalBytes: this.#total,
			bytesConfirmed: this.#confirmed,
			bytesInFlight: inFlight,
			speedBps: speed,
			etaMs: speed !== null && speed > 0 ? Math.round((remaining / speed) * 1000) : null,
			partsDone: this.#partsDone,
			partCount: this.#partCount
		};
	}

	#sample(now: number): void {
		if (this.#lastSampleAt === null) {
			this.#lastSampleAt = now;
			this.#lastSampleSent = this.#sentTotal;
			return;
		}
		const dt = now - this.#lastSampleAt;
		if (dt <= 0 || dt < this.#options.minSampleMs) return;
		const rate = ((this.#sentTotal - this.#lastSampleSent) / dt) * 1000;
		const alpha = 1 - Math.exp(-dt / this.#options.tauMs);
		this.#speed = this.#speed === null ? rate : this.#speed + alpha * (rate - this.#speed);
		this.#lastSampleAt = now;
		this.#lastSampleSent = this.#sentTotal;
	}
}

export interface Throttle<T> {
	push(value: T): void;
	/** Emit the pending value now (state changes, completion). */
	flush(): void;
	cancel(): void;
}

/**
 * At most `perSecond` emissions per second, driven by the Clock port. The latest value is never
 * lost: one arriving inside the window is emitted when the window closes (trailing edge).
 */
export function createThrottle<T>(
	clock: Clock,
	perSecond: number,
	emit: (value: T) => void
): Throttle<T> {
	const intervalMs = 1000 / perSecond;
	let lastEmitAt = Number.NEGATIVE_INFINITY;
	let pending: { value: T } | null = null;
	let timer: AbortController | null = null;

	const fire = (): void => {
		if (pending === null) return;
		const { value } = pending;
		pending = null;
		lastEmitAt = clock.now();
		emit(value);
	};
	const stopTimer = (): void => {
		timer?.abort();
		timer = null;
	};

	return {
		push(value) {
			pending = { value };
			if (timer !== null) return;
			const wait = lastEmitAt + intervalMs - clock.now();
			if (wait <= 0) return fire();
			const controller = new AbortController();
			timer = controller;
			clock.sleep(wait, controller.signal).then(
				() => {
					if (timer !== controller) return;
					timer = null;
					fire();
				},
				() => {}
			);
		},
		flush() {
			stopTimer();
			fire();
		},
		cancel() {
			stopTimer();
			pending = null;
		}
	};
}

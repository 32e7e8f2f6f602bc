import type { Clock } from '../../ports';
import {
	createConcurrencyState,
	recordPartFailure,
	recordPartSuccess,
	restartRound,
	type ConcurrencyPolicy,
	type ConcurrencyState,
	type PartSample
} from './adaptive';
import {
	CLOSED_BREAKER,
	admitAttempt,
	recordBreakerFailure,
	recordBreakerSuccess,
	releaseProbe,
	type BreakerPolicy,
	type BreakerState
} from './retry';

/**
 * The mutable shell around the pure circuit breaker and concurrency controller of one transfer:
 * the only place their states are stored, so every part sees the same verdicts.
 */
export class TransferHealth {
	readonly #clock: Clock;
	readonly #breakerPolicy: BreakerPolicy;
	readonly #concurrencyPolicy: ConcurrencyPolicy;
	#breaker: BreakerState = CLOSED_BREAKER;
	#concurrency: ConcurrencyState;

	constructor(clock: Clock, breaker: BreakerPolicy, concurrency: ConcurrencyPolicy) {
		this.#clock = clock;
		this.#breakerPolicy = breaker;
		this.#concurrencyPolicy = concurrency;
		this.#concurrency = createConcurrencyState(concurrency, clock.now());
	}

	get concurrency(): number {
		return this.#concurrency.current;
	}

	get breaker(): BreakerState {
		return this.#breaker;
	}

	/** New run: idle time is no throughput signal, and a probe the old run left is void. */
	restart(): void {
		this.#breaker = releaseProbe(this.#breaker);
		this.#concurrency = restartRound(this.#concurrency, this.#clock.now());
	}

	/** Waits while the breaker is open; resolves true when this attempt is the probe. */
	async admit(signal: AbortSignal): Promise<boolean> {
		for (;;) {
			signal.throwIfAborted();
			const admission = admitAttempt(this.#breaker, this.#clock.now(), this.#breakerPolicy);
			this.#breaker = admission.state;
			if (admission.admitted) return admission.probe;
			await this.#clock.sleep(admission.waitMs, signal);
		}
	}

	succeeded(sample: Omit<PartSample, 'at'>): void {
		const at = this.#clock.now();
		this.#breaker = recordBreakerSuccess(this.#breaker);
		this.#concurrency = recordPartSuccess(
			this.#concurrency,
			{ ...sample, at },
			this.#concurrencyPolicy
		);
	}

	failed(): void {
		const now = this.#clock.now();
		this.#breaker = recordBreakerFailure(this.#breaker, now, this.#breakerPolicy);
		this.#concurrency = recordPartFailure(this.#concurrency, now, this.#concurrencyPolicy);
	}

	/** The probe ended without a verdict (aborted, offline, URL expiry). */
	released(): void {
		this.#breaker = releaseProbe(this.#breaker);
	}
}

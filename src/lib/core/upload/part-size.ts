/**
 * Part size for the next upload, from how the link behaved for the ones before. A part's plan
 * is fixed once its upload is created (its parts are numbered ranges of the file), so the
 * adaptation happens between uploads: on a fast link bigger parts mean fewer requests and
 * signatures; on a slow or lossy one smaller parts lose less to a failure and show progress
 * sooner. The server still clamps the choice to what its storage allows (upload-plan.ts).
 */

const MiB = 1024 * 1024;

export interface PartSizePolicy {
	/** How long one part should take on one connection. */
	readonly targetPartSeconds: number;
	/** Connections the aggregate speed is shared between. */
	readonly connections: number;
	readonly min: number;
	readonly max: number;
	/** Above this share of failed part attempts, parts are halved. */
	readonly lossyAbove: number;
}

export const DEFAULT_PART_SIZE_POLICY: PartSizePolicy = {
	targetPartSeconds: 10,
	connections: 6,
	min: 5 * MiB,
	max: 64 * MiB,
	lossyAbove: 0.1
};

export interface LinkSample {
	/** Aggregate upload speed, bytes per second (the progress model's smoothed figure). */
	readonly speedBps: number;
	readonly partsUploaded: number;
	readonly partFailures: number;
}

/** Whole MiB within the policy's bounds; undefined (the server's default) without a sample. */
export function choosePartSize(
	sample: LinkSample | null,
	policy: PartSizePolicy = DEFAULT_PART_SIZE_POLICY
): number | undefined {
	if (!sample || !(sample.speedBps > 0) || sample.partsUploaded === 0) return undefined;
	let size = (sample.speedBps / policy.connections) * policy.targetPartSeconds;
	const attempts = sample.partsUploaded + sample.partFailures;
	if (sample.partFailures / attempts > policy.lossyAbove) size /= 2;
	const mib = Math.max(1, Math.round(size / MiB)) * MiB;
	return Math.min(policy.max, Math.max(policy.min, mib));
}

/**
 * Collects one worker's view of the link across its transfers: the latest smoothed speed
 * while parts were moving, and how many part attempts succeeded or failed.
 */
export class LinkMeter {
	#speedBps = 0;
	#uploaded = 0;
	#failures = 0;

	speed(speedBps: number | null): void {
		if (speedBps !== null && speedBps > 0) this.#speedBps = speedBps;
	}

	partUploaded(): void {
		this.#uploaded++;
	}

	partFailed(): void {
		this.#failures++;
	}

	sample(): LinkSample | null {
		return this.#uploaded === 0
			? null
			: { speedBps: this.#speedBps, partsUploaded: this.#uploaded, partFailures: this.#failures };
	}
}

export interface SchedulerInit {
	/** Part numbers still to start, in order; consumed from the front. */
	readonly queue: number[];
	/** Read before every start, so the adaptive controller can change it mid-flight. */
	readonly limit: () => number;
	/** Aborted on the first task failure so its siblings stop too. */
	readonly scope: AbortController;
	/**
	 * `release` frees the task's slot before it settles (e.g. the PUT is done and only
	 * bookkeeping is left); a task that never calls it holds its slot until it settles.
	 */
	readonly task: (partNumber: number, release: () => void) => Promise<void>;
	/** True: start nothing more; the scheduler ends once the started tasks have settled. */
	readonly stopTaking?: () => boolean;
}

/**
 * Runs tasks with at most `limit()` holding a slot. A task only starts when a slot is free, which
 * is the backpressure that keeps at most `limit()` parts in memory. Rejects with the first task
 * error after every started task has settled (no orphaned PUTs keep running).
 */
export async function runScheduler(init: SchedulerInit): Promise<void> {
	const { queue, limit, scope, task, stopTaking = () => false } = init;
	const active = new Set<Promise<void>>();
	/** Tasks still holding a slot (started and not released). */
	let holding = 0;
	const failure: { failed: boolean; error: unknown } = { failed: false, error: undefined };
	let wake: () => void = () => {};
	for (;;) {
		while (
			!failure.failed &&
			!scope.signal.aborted &&
			!stopTaking() &&
			queue.length > 0 &&
			holding < Math.max(1, limit())
		) {
			const partNumber = queue.shift()!;
			let held = true;
			const release = (): void => {
				if (!held) return;
				held = false;
				holding--;
				wake();
			};
			holding++;
			const running: Promise<void> = task(partNumber, release)
				.catch((error: unknown) => {
					if (failure.failed) return;
					failure.failed = true;
					failure.error = error;
					scope.abort(error);
				})
				.finally(() => {
					active.delete(running);
					release();
					wake();
				});
			active.add(running);
		}
		if (active.size === 0) break;
		await new Promise<void>((resolve) => {
			wake = resolve;
		});
	}
	if (failure.failed) throw failure.error;
}

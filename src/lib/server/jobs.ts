/**
 * Periodic server work (expired upload cleanup, storage health checks) is
 * registered here so it starts once, with the server.
 */
type Job = { name: string; intervalMs: number; run: () => Promise<void> | void };

const jobs: Job[] = [];
let started = false;

export function registerJob(job: Job): void {
	jobs.push(job);
	if (started) schedule(job);
}

export function startBackgroundJobs(): void {
	if (started) return;
	started = true;
	for (const job of jobs) schedule(job);
}

function schedule(job: Job): void {
	const tick = async () => {
		try {
			await job.run();
		} catch (error) {
			console.error(`background job ${job.name} failed:`, error);
		}
	};
	setInterval(() => void tick(), job.intervalMs).unref();
}

/** Whether a new version of the app is installed and waiting for the user's "Reload". */
class SwUpdateState {
	#waiting = $state(false);
	#apply: (() => void) | null = null;

	get waiting(): boolean {
		return this.#waiting;
	}

	/** Called by the registration code when a new worker is waiting. */
	offer(apply: () => void): void {
		this.#apply = apply;
		this.#waiting = true;
	}

	reload(): void {
		this.#waiting = false;
		this.#apply?.();
	}

	dismiss(): void {
		this.#waiting = false;
	}
}

export const swUpdate = new SwUpdateState();

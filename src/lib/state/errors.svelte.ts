/** The one error the UI shows at a time, in the error banner at the top of the page. */
export interface ShownError {
	/** Machine-readable; tests and callers branch on this, never on `message`. */
	code: string;
	message: string;
}

class ErrorState {
	#current = $state<ShownError | null>(null);

	get current(): ShownError | null {
		return this.#current;
	}

	show(error: ShownError): void {
		this.#current = error;
	}

	clear(): void {
		this.#current = null;
	}
}

export const errors = new ErrorState();

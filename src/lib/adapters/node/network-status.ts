import type { NetworkStatus } from '../../ports';

/**
 * Node has no online/offline signal: a failed request says more than any probe would. So this
 * is "online" unless someone says otherwise, e.g. a test simulating a lost network, or a CLI
 * reacting to its own connectivity checks.
 */
export class SwitchableNetworkStatus implements NetworkStatus {
	#online: boolean;
	readonly #listeners = new Set<(online: boolean) => void>();

	constructor(online = true) {
		this.#online = online;
	}

	isOnline(): boolean {
		return this.#online;
	}

	set(online: boolean): void {
		if (online === this.#online) return;
		this.#online = online;
		for (const listener of [...this.#listeners]) listener(online);
	}

	onChange(listener: (online: boolean) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
}

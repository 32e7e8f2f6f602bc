/** A tiny typed emitter; events are namespaced and past tense (`upload:part-uploaded`). */
export interface Emitter<M> {
	on<K extends keyof M>(type: K, listener: (payload: M[K]) => void): () => void;
	emit<K extends keyof M>(type: K, payload: M[K]): void;
	clear(): void;
}

export function createEmitter<M>(): Emitter<M> {
	const listeners = new Map<keyof M, Set<(payload: never) => void>>();
	return {
		on(type, listener) {
			let set = listeners.get(type);
			if (!set) listeners.set(type, (set = new Set()));
			set.add(listener);
			return () => set.delete(listener);
		},
		emit(type, payload) {
			for (const listener of [...(listeners.get(type) ?? [])]) {
				// A throwing UI listener must not kill a 50 GB transfer halfway.
				try {
					(listener as (p: typeof payload) => void)(payload);
				} catch {
					/* listener bugs are the listener's problem */
				}
			}
		},
		clear() {
			listeners.clear();
		}
	};
}

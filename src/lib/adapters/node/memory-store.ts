import type { StoredPart, TransferRecord, TransferStore } from '../../ports';

/**
 * TransferStore in memory: resume works across runners in one process (tests, a CLI that
 * does not need to survive a restart). Values are copied in and out, like a real store.
 */
export class MemoryTransferStore implements TransferStore {
	readonly #transfers = new Map<
		string,
		{ transfer: TransferRecord; parts: Map<number, StoredPart> }
	>();

	async saveTransfer(record: TransferRecord): Promise<void> {
		const parts = this.#transfers.get(record.transferId)?.parts ?? new Map<number, StoredPart>();
		this.#transfers.set(record.transferId, { transfer: structuredClone(record), parts });
	}

	async savePart(transferId: string, part: StoredPart): Promise<void> {
		const entry = this.#transfers.get(transferId);
		// A part of a transfer that was deleted (cancelled) meanwhile has nowhere to go.
		entry?.parts.set(part.partNumber, { ...part });
	}

	async load(
		transferId: string
	): Promise<{ transfer: TransferRecord; parts: StoredPart[] } | undefined> {
		const entry = this.#transfers.get(transferId);
		if (!entry) return undefined;
		const parts = [...entry.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
		return { transfer: structuredClone(entry.transfer), parts: parts.map((p) => ({ ...p })) };
	}

	async list(): Promise<TransferRecord[]> {
		return [...this.#transfers.values()].map((e) => structuredClone(e.transfer));
	}

	async delete(transferId: string): Promise<void> {
		this.#transfers.delete(transferId);
	}
}

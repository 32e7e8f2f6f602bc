import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoredPart, TransferRecord, TransferStore } from '../../ports';

interface StoreFile {
	version: 1;
	transfers: Record<string, { transfer: TransferRecord; parts: StoredPart[] }>;
}

const EMPTY: StoreFile = { version: 1, transfers: {} };

/**
 * TransferStore in one JSON file, so a CLI can resume after a restart. Each change rewrites
 * the file through a temporary file and a rename: a crash leaves the old or the new version,
 * never half of one. Changes are queued, so concurrent part saves never lose each other.
 * Meant for one process at a time; a second process would overwrite the first one's parts.
 */
export class JsonFileTransferStore implements TransferStore {
	readonly #file: string;
	#queue: Promise<unknown> = Promise.resolve();

	constructor(file: string) {
		this.#file = path.resolve(file);
	}

	saveTransfer(record: TransferRecord): Promise<void> {
		return this.#change((data) => {
			const parts = data.transfers[record.transferId]?.parts ?? [];
			data.transfers[record.transferId] = { transfer: record, parts };
		});
	}

	savePart(transferId: string, part: StoredPart): Promise<void> {
		return this.#change((data) => {
			const entry = data.transfers[transferId];
			if (!entry) return;
			entry.parts = entry.parts.filter((p) => p.partNumber !== part.partNumber);
			entry.parts.push({ ...part });
			entry.parts.sort((a, b) => a.partNumber - b.partNumber);
		});
	}

	async load(
		transferId: string
	): Promise<{ transfer: TransferRecord; parts: StoredPart[] } | undefined> {
		const data = await this.#serial(() => this.#read());
		return data.transfers[transferId];
	}

	async list(): Promise<TransferRecord[]> {
		const data = await this.#serial(() => this.#read());
		return Object.values(data.transfers).map((e) => e.transfer);
	}

	delete(transferId: string): Promise<void> {
		return this.#change((data) => {
			delete data.transfers[transferId];
		});
	}

	#serial<T>(task: () => Promise<T>): Promise<T> {
		const next = this.#queue.then(task, task);
		this.#queue = next.catch(() => {});
		return next;
	}

	#change(mutate: (data: StoreFile) => void): Promise<void> {
		return this.#serial(async () => {
			const data = await this.#read();
			mutate(data);
			await mkdir(path.dirname(this.#file), { recursive: true });
			const temp = `${this.#file}.${process.pid}.tmp`;
			await writeFile(temp, JSON.stringify(data));
			await rename(temp, this.#file);
		});
	}

	async #read(): Promise<StoreFile> {
		let text: string;
		try {
			text = await readFile(this.#file, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
			throw error;
		}
		const data = JSON.parse(text) as Partial<StoreFile>;
		if (data.version !== 1 || typeof data.transfers !== 'object' || data.transfers === null) {
			throw new Error(`${this.#file} is not a Ferry transfer store (version 1)`);
		}
		return data as StoreFile;
	}
}

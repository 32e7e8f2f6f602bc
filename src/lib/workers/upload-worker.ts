/**
 * The upload engine as a dedicated module worker. It runs one TransferRunner per transfer and
 * sends the XHR PUTs; reading, hashing and AES-GCM happen in a small pool of part workers
 * (part-pool.ts), so this thread never holds a part's bytes (see README.md here).
 */
import * as Comlink from 'comlink';
import { toTransferErrorData } from '$lib/core/errors';
import { LinkMeter, TransferRunner, choosePartSize, type TransferState } from '$lib/core/upload';
import type { ChecksumAlgorithm } from '$lib/ports';
import { mathRandom, systemClock } from '$lib/adapters/clock';
import type { RecordCipher } from '$lib/adapters/crypto/cipher';
import { WasmHasher, chooseChecksumAlgorithm } from '$lib/adapters/crypto/hasher';
import { BlobFileSource } from '$lib/adapters/file/file-source';
import { createPartSender } from '$lib/adapters/http/part-sender';
import { HttpUploadApi } from '$lib/adapters/http/upload-api';
import { IdbTransferStore, type TransferRow } from '$lib/adapters/idb/transfer-store';
import { createNetworkStatus } from '$lib/adapters/network-status';
import { PartPool, PoolPartTransform } from './part-pool';
import { cipherFor, storedSource } from './transfer-inputs';
import {
	TRANSFERS_CHANNEL,
	lockName,
	type AddOptions,
	type EngineEvent,
	type TransferSummary,
	type UploadEngine
} from './upload-protocol';

interface Entry {
	summary: TransferSummary;
	runner: TransferRunner | null;
	release: (() => void) | null;
}

const store = new IdbTransferStore();
const network = createNetworkStatus();
const hasher = new WasmHasher();
const sender = createPartSender();
const pool = new PartPool();
/** The provider's per-part checksums, learned from the latest create answer. */
let providerChecksums: string[] | null = null;
const api = new HttpUploadApi({
	onStorageInfo: (info) => (providerChecksums = info.capabilities.perPartChecksums)
});
/** How this worker's uploads went, to size the parts of the next one. */
const link = new LinkMeter();
const channel = new BroadcastChannel(TRANSFERS_CHANNEL);
const entries = new Map<string, Entry>();
const listeners = new Set<(event: EngineEvent) => void>();

const FINAL: ReadonlySet<TransferState['status']> = new Set(['done', 'cancelled']);

function emit(event: EngineEvent): void {
	for (const listener of listeners) listener(event);
	channel.postMessage(event);
}

function update(entry: Entry, patch: Partial<TransferSummary>): void {
	entry.summary = { ...entry.summary, ...patch };
	emit({ type: 'transfer:updated', transfer: entry.summary });
}

/**
 * Web Locks make one tab the driver of a transfer. `ifAvailable` answers at once; when another
 * tab holds it we queue a second request, so this tab takes over when that one closes.
 */
function tryLock(transferId: string): Promise<(() => void) | null> {
	return new Promise((resolve) => {
		void navigator.locks.request(lockName(transferId), { ifAvailable: true }, (lock) => {
			if (!lock) {
				resolve(null);
				return;
			}
			return new Promise<void>((release) => resolve(() => release()));
		});
	});
}

function waitForLock(transferId: string, then: (release: () => void) => void): void {
	void navigator.locks.request(
		lockName(transferId),
		() => new Promise<void>((release) => then(() => release()))
	);
}

function summaryOf(row: TransferRow, driver: TransferSummary['driver']): TransferSummary {
	return {
		transferId: row.transferId,
		roomId: row.roomId,
		name: row.name,
		size: row.size,
		encrypted: row.options.encrypt,
		driver,
		state: { status: 'queued' },
		progress: null,
		lastError: null,
		fileId: row.record?.fileId ?? null,
		reconnectable: row.source.handle !== undefined
	};
}

/** Builds the runner and wires its events into this entry's summary. */
async function startRunner(entry: Entry, row: TransferRow, file: File | null): Promise<void> {
	const source = file ? new BlobFileSource(file) : await storedSource(row);
	let cipher: RecordCipher | undefined;
	try {
		cipher = await cipherFor(store, row, file);
	} catch (error) {
		const data = toTransferErrorData(error);
		update(entry, { state: { status: 'failed', session: null, error: data } });
		return;
	}
	const algorithm: ChecksumAlgorithm | undefined =
		row.record?.checksumAlgorithm ?? row.options.checksumAlgorithm;
	const runner = new TransferRunner(
		{ transferId: row.transferId, roomId: row.roomId, file: source },
		{
			api,
			sender,
			store,
			clock: systemClock,
			network,
			random: mathRandom,
			hasher,
			cipher,
			transform: new PoolPartTransform(pool, cipher)
		},
		{
			...(algorithm && { checksumAlgorithm: algorithm }),
			...(row.options.preferredPartSize && { preferredPartSize: row.options.preferredPartSize }),
			// Prepared parts here are checksums and lazy slices (plain) or sealed Blobs in the
			// browser's blob store (encrypted), not JS heap: keep enough ready that a signing
			// round trip queued behind the PUTs never leaves a slot idle.
			prepareAhead: 6
		}
	);
	entry.runner = runner;
	// A new file (not a resume): keep it once the upload record exists, since the copy holds
	// the transfers store and would delay saving that record.
	// A handle gives the file back after a restart: no copy needed.
	let unkept = file && !row.source.file && !row.source.handle ? file : null;
	runner.on('upload:state-changed', ({ state }) => {
		if (unkept && state.status === 'uploading') {
			keepFile(row.transferId, unkept);
			unkept = null;
		}
		const fileId = 'session' in state && state.session ? state.session.fileId : null;
		const recovered = state.status === 'uploading' || state.status === 'done';
		update(entry, { state, ...(fileId && { fileId }), ...(recovered && { lastError: null }) });
		if (FINAL.has(state.status)) {
			entry.release?.();
			entry.release = null;
		}
		if (state.status === 'cancelled') void store.deleteFileKey(row.transferId);
	});
	runner.on('upload:progress', ({ progress }) => {
		link.speed(progress.speedBps);
		update(entry, { progress });
	});
	runner.on('upload:part-uploaded', () => link.partUploaded());
	runner.on('upload:error', ({ error, willRetry, delayMs, partNumber }) => {
		if (partNumber !== undefined) link.partFailed();
		const lastError = {
			error,
			willRetry,
			at: Date.now(),
			...(delayMs !== undefined && { delayMs })
		};
		update(entry, { lastError });
	});
	if (row.pausedByUser) runner.pause();
	else void runner.start();
}

async function drive(row: TransferRow, file: File | null): Promise<TransferSummary> {
	const existing = entries.get(row.transferId);
	if (existing) return existing.summary;
	const release = await tryLock(row.transferId);
	const entry: Entry = {
		summary: summaryOf(row, release ? 'here' : 'elsewhere'),
		runner: null,
		release
	};
	entries.set(row.transferId, entry);
	if (release) {
		await startRunner(entry, row, file);
	} else {
		waitForLock(row.transferId, (releaseLater) => {
			void (async () => {
				// The other tab may have finished it meanwhile: then there is nothing to drive.
				const fresh = await store.getRow(row.transferId);
				if (!fresh || entry.runner) return releaseLater();
				entry.release = releaseLater;
				update(entry, { driver: 'here' });
				await startRunner(entry, fresh, null);
			})();
		});
	}
	return entry.summary;
}

/**
 * Keeps the File with the transfer for resume after a restart, without delaying the upload.
 * Until it is stored a reload asks the user to pick the file again. The copy is made only when
 * it fits comfortably in what the origin may still store (half of the free quota), so a large
 * file never crowds out the transfer records or fails halfway; otherwise the same happens.
 */
function keepFile(transferId: string, file: File): void {
	void (async () => {
		try {
			const { quota, usage } = await navigator.storage.estimate();
			if (quota !== undefined && file.size > (quota - (usage ?? 0)) / 2) return;
			await store.replaceSource(transferId, { file });
		} catch (error) {
			if ((error as { name?: string }).name === 'QuotaExceededError') return;
			console.error('could not keep the file for resume', error);
		}
	})();
}

function entryOf(transferId: string): Entry {
	const entry = entries.get(transferId);
	if (!entry) throw toTransferErrorData(new Error(`no transfer ${transferId} in this tab`));
	return entry;
}

async function setPausedByUser(transferId: string, paused: boolean): Promise<void> {
	const row = await store.getRow(transferId);
	if (row) await store.addTransfer({ ...row, pausedByUser: paused });
}

const engine: UploadEngine = {
	subscribe(listener) {
		listeners.add(listener);
	},

	setOnline(online) {
		network.set(online);
	},

	async add(roomId, files, options: AddOptions) {
		const algorithm = chooseChecksumAlgorithm(providerChecksums);
		const preferredPartSize = choosePartSize(link.sample());
		const summaries: TransferSummary[] = [];
		for (const { file, handle } of files) {
			const row: TransferRow = {
				transferId: crypto.randomUUID(),
				roomId,
				addedAt: Date.now(),
				name: file.name,
				size: file.size,
				lastModified: file.lastModified,
				type: file.type,
				options: {
					encrypt: options.encrypt,
					...(algorithm && { checksumAlgorithm: algorithm }),
					...(preferredPartSize && { preferredPartSize })
				},
				// A handle is kept at once. Without one, the File is stored in the background
				// (keepFile): Chromium copies it into a persistent profile, ~500 MB/s, which must
				// not hold up the first part.
				source: handle ? { handle } : {},
				record: null,
				pausedByUser: false
			};
			await store.addTransfer(row);
			summaries.push(await drive(row, file));
		}
		return summaries;
	},

	async resumeRoom(roomId) {
		const rows = await store.rowsForRoom(roomId);
		for (const row of rows) await drive(row, null);
		return engine.list(roomId);
	},

	async pause(transferId) {
		entryOf(transferId).runner?.pause();
		await setPausedByUser(transferId, true);
	},

	async resume(transferId) {
		const entry = entryOf(transferId);
		await setPausedByUser(transferId, false);
		void entry.runner?.resume();
	},

	async cancel(transferId) {
		const entry = entryOf(transferId);
		if (entry.runner) await entry.runner.cancel();
		else if (entry.summary.driver === 'here') await store.delete(transferId);
	},

	async replaceFile(transferId, { file, handle }) {
		const entry = entryOf(transferId);
		if (!entry.runner) return;
		try {
			entry.runner.replaceFile(new BlobFileSource(file));
		} catch (error) {
			throw toTransferErrorData(error);
		}
		if (handle) await store.replaceSource(transferId, { handle });
		else keepFile(transferId, file);
		void entry.runner.resume();
	},

	async handleOf(transferId) {
		return (await store.getRow(transferId))?.source.handle ?? null;
	},

	async dismiss(transferId) {
		const entry = entries.get(transferId);
		if (!entry) return;
		const status = entry.summary.state.status;
		if (status !== 'done' && status !== 'cancelled' && status !== 'failed') return;
		if (status === 'failed') {
			// Give the storage back: the upload cannot continue from here.
			await entry.runner?.cancel();
			await store.delete(transferId);
			await store.deleteFileKey(transferId);
		}
		entry.runner?.dispose();
		entry.release?.();
		entries.delete(transferId);
		emit({ type: 'transfer:removed', transferId, roomId: entry.summary.roomId });
	},

	async list(roomId) {
		return [...entries.values()].map((e) => e.summary).filter((s) => s.roomId === roomId);
	}
};

Comlink.expose(engine);

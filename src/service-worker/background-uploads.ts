/**
 * Uploads that go on without a tab. The service worker drives every stored transfer whose Web
 * Lock no tab holds, within the time the browser grants its events (`waitUntil`), asks for the
 * next grant before the current one ends, and hands a transfer back when a tab asks for its
 * lock: the tab's worker then resumes it from IndexedDB and the server's part list. Progress
 * goes out on the tabs' BroadcastChannel, so a tab that opens meanwhile shows it.
 *
 * A service worker has neither XMLHttpRequest nor Web Workers: parts go out with fetch and Blob
 * bodies (FetchPartSender), and hashing (hash-wasm) and AES-GCM (WebCrypto) run inline here.
 */
import { toTransferErrorData } from '$lib/core/errors';
import { TransferRunner, type TransferState } from '$lib/core/upload';
import { mathRandom, systemClock } from '$lib/adapters/clock';
import type { RecordCipher } from '$lib/adapters/crypto/cipher';
import { WasmHasher } from '$lib/adapters/crypto/hasher';
import { FetchPartSender } from '$lib/adapters/http/part-sender';
import { HttpUploadApi } from '$lib/adapters/http/upload-api';
import { IdbTransferStore, openFerryDb, type TransferRow } from '$lib/adapters/idb/transfer-store';
import { createNetworkStatus } from '$lib/adapters/network-status';
import { cipherFor, storedSource } from '$lib/workers/transfer-inputs';
import {
	TRANSFERS_CHANNEL,
	lockName,
	type EngineEvent,
	type TransferSummary
} from '$lib/workers/upload-protocol';
import { SYNC_TAGS, type SyncTag } from '$lib/workers/background-protocol';

/** Chromium ends a `sync` event after about 180 s and a `message` event after about 300 s. */
export const GRANT_MS = { sync: 180_000, message: 300_000 } as const;

/** Stop this long before a grant ends: pausing and releasing must finish inside it. */
const MARGIN_MS = 15_000;
/** Ask for the next grant this long before the current one ends. */
const RELAY_MS = 45_000;
/**
 * How long a hand-over (to a tab, or at the end of a grant) waits for the parts in flight;
 * well inside MARGIN_MS, so the grant never runs out first.
 */
const HANDOVER_WAIT_MS = 8_000;
/** How often we look for transfers to take and tabs that want theirs back. */
const TICK_MS = 2_000;
/** With only tab-held transfers left we watch this long (a closing tab releases its locks). */
const IDLE_MS = 20_000;
/**
 * While a tab is open, a free transfer is left alone this long: a reloading tab releases its
 * locks and takes them again a moment later, and taking it in between would cost the parts in
 * flight twice.
 */
const GRACE_MS = 10_000;

/** States in which the runner needs nothing more from us this grant. */
const SETTLED: ReadonlySet<TransferState['status']> = new Set([
	'done',
	'cancelled',
	'failed',
	'waiting-for-file'
]);

interface Driven {
	roomId: string;
	runner: TransferRunner;
	release: () => void;
	run: Promise<void>;
}

export interface BackgroundDeps {
	/** How many windows of this origin are open (`clients.matchAll({ type: 'window' })`). */
	windowCount: () => Promise<number>;
	/** Registers a Background Sync with this tag; rejects where the browser refuses it. */
	registerSync: (tag: SyncTag) => Promise<void>;
	/** For the record of what the browser granted (console of the service worker). */
	log?: (message: string) => void;
	/** Hears every change of the uploads driven here (the room relay, notifications). */
	observer?: {
		updated(summary: TransferSummary): void;
		/** The transfer was let go: finished, or handed to a tab. */
		released(roomId: string, transferId: string): void;
	};
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the lock only if nobody holds it; the release function, or null. */
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

/** Lock names some tab's worker is queued for: that tab wants the transfer back. */
async function wantedByTabs(names: ReadonlySet<string>): Promise<Set<string>> {
	const snapshot = await navigator.locks.query();
	return new Set(
		(snapshot.pending ?? []).flatMap((l) => (l.name && names.has(l.name) ? [l.name] : []))
	);
}

async function heldLocks(): Promise<Set<string>> {
	const snapshot = await navigator.locks.query();
	return new Set((snapshot.held ?? []).flatMap((l) => (l.name ? [l.name] : [])));
}

export class BackgroundUploads {
	readonly #store = new IdbTransferStore();
	readonly #network = createNetworkStatus();
	readonly #hasher = new WasmHasher();
	readonly #sender = new FetchPartSender();
	readonly #api = new HttpUploadApi();
	readonly #channel = new BroadcastChannel(TRANSFERS_CHANNEL);
	readonly #driven = new Map<string, Driven>();
	/** Transfers this loop could not move (file missing, key missing, failed): not retried. */
	readonly #settled = new Set<string>();
	/** When we first saw a transfer's lock free while a tab was open (see GRACE_MS). */
	readonly #freeSince = new Map<string, number>();
	/** End of the latest grant, minus the margin. */
	#deadline = 0;
	/** The deadline we already asked a follow-up grant for. */
	#relayedFor = 0;
	#nextTag = 0;
	/** Resolves true when it stopped at the deadline with transfers left. */
	#loop: Promise<boolean> | null = null;

	constructor(private readonly deps: BackgroundDeps) {}

	/**
	 * Works within one event's grant (`grantMs` from now). Events that arrive while the loop
	 * runs extend its deadline. The promise is the event's `waitUntil`: it settles when the loop
	 * ends or when this event's own grant does, whichever comes first, since an event that
	 * outlives its grant is treated by Chromium as a hung worker.
	 *
	 * `retryIfUnfinished` (sync events): when the grant ends with transfers left, the promise
	 * rejects. Chromium then schedules the sync again later (minutes, with backoff): the one way
	 * to re-arm once no window is left, since a worker without a window may not register a sync.
	 */
	work(grantMs: number, why: string, { retryIfUnfinished = false } = {}): Promise<void> {
		const ownDeadline = Date.now() + grantMs - MARGIN_MS;
		this.deps.log?.(`${why}: grant of ${grantMs / 1000} s`);
		this.#deadline = Math.max(this.#deadline, ownDeadline);
		this.#loop ??= this.#run().finally(() => {
			this.#loop = null;
			this.#settled.clear();
			this.#freeSince.clear();
		});
		const settle = (unfinished: boolean): void => {
			if (!retryIfUnfinished || !unfinished) return;
			this.deps.log?.(`${why}: grant ended with transfers left; asking for a retry`);
			throw new Error('the grant ended before the uploads did: retry this sync later');
		};
		const grantEnds = sleep(Math.max(0, ownDeadline - Date.now())).then(
			() => this.#driven.size > 0
		);
		return Promise.race([this.#loop, grantEnds]).then(settle);
	}

	async #run(): Promise<boolean> {
		let idleSince = Date.now();
		for (;;) {
			// A service worker gets no online/offline events in every browser; navigator.onLine works.
			this.#network.set(navigator.onLine);
			const pending = await this.#pendingRows();
			if (Date.now() >= this.#deadline) {
				await this.#yield([...this.#driven.keys()]);
				// No follow-up grant came in time: ask for one after this event ends (works while a
				// window is open; without one, a failed sync event's retry is what comes back).
				if (pending.length > 0) await this.#rearm(SYNC_TAGS[0], 'grant ended');
				return pending.length > 0;
			}
			await this.#takeFree(pending);
			await this.#yieldToTabs();
			if (this.#driven.size > 0) {
				idleSince = Date.now();
				if (this.#deadline - Date.now() < RELAY_MS) await this.#relay();
			} else if (pending.length === 0 || Date.now() - idleSince > IDLE_MS) {
				// Nothing left, or only transfers tabs drive: those tabs tell us when they leave.
				return false;
			}
			await sleep(TICK_MS);
		}
	}

	/**
	 * Asks for the next grant while this one still runs: a sync with the other tag fires at once
	 * (online) and its event extends the deadline, so parts in flight are not interrupted.
	 */
	async #relay(): Promise<void> {
		if (this.#relayedFor === this.#deadline) return;
		this.#relayedFor = this.#deadline;
		this.#nextTag = (this.#nextTag + 1) % SYNC_TAGS.length;
		await this.#rearm(SYNC_TAGS[this.#nextTag]!, 'relay');
	}

	/** A page is going away: a sync registered now, while its window exists, outlives it. */
	async pageLeaving(): Promise<void> {
		await this.#rearm(SYNC_TAGS[0], 'page leaving');
	}

	async #rearm(tag: SyncTag, why: string): Promise<void> {
		try {
			await this.deps.registerSync(tag);
			this.deps.log?.(`${why}: sync '${tag}' registered`);
		} catch (error) {
			// Chromium refuses a sync registered by a worker without a window client.
			this.deps.log?.(`${why}: sync '${tag}' refused: ${String(error)}`);
		}
	}

	/** Stored transfers the user has not paused and this loop has not given up on. */
	async #pendingRows(): Promise<TransferRow[]> {
		const db = await openFerryDb();
		const rows = await db.getAll('transfers');
		return rows.filter((row) => !row.pausedByUser && !this.#settled.has(row.transferId));
	}

	async #takeFree(rows: readonly TransferRow[]): Promise<void> {
		const held = await heldLocks();
		const tabsOpen = (await this.deps.windowCount()) > 0;
		const now = Date.now();
		for (const row of rows) {
			if (this.#driven.has(row.transferId)) continue;
			if (held.has(lockName(row.transferId))) {
				this.#freeSince.delete(row.transferId);
				continue;
			}
			if (tabsOpen) {
				const since = this.#freeSince.get(row.transferId) ?? now;
				this.#freeSince.set(row.transferId, since);
				if (now - since < GRACE_MS) continue;
			}
			const release = await tryLock(row.transferId);
			if (!release) continue;
			// A tab may have finished it between our read and the lock.
			const fresh = await this.#store.getRow(row.transferId);
			if (!fresh || fresh.pausedByUser) {
				release();
				continue;
			}
			await this.#drive(fresh, release);
		}
	}

	async #yieldToTabs(): Promise<void> {
		if (this.#driven.size === 0) return;
		const byLock = new Map([...this.#driven.keys()].map((id) => [lockName(id), id]));
		const wanted = await wantedByTabs(new Set(byLock.keys()));
		await this.#yield([...wanted].map((name) => byLock.get(name)!));
	}

	/**
	 * Pauses these transfers at a part boundary and releases their locks: the parts in flight
	 * are let finish (for at most HANDOVER_WAIT_MS, then aborted), so the next driver sends only
	 * the parts storage does not have and nothing twice.
	 */
	async #yield(transferIds: readonly string[]): Promise<void> {
		await Promise.all(
			transferIds.map(async (transferId) => {
				const driven = this.#driven.get(transferId);
				if (!driven) return;
				await driven.runner.pauseAtPartBoundary(HANDOVER_WAIT_MS);
				await driven.run;
				this.#letGo(transferId);
			})
		);
	}

	#letGo(transferId: string): void {
		const driven = this.#driven.get(transferId);
		if (!driven) return;
		this.#driven.delete(transferId);
		driven.runner.dispose();
		driven.release();
		this.deps.observer?.released(driven.roomId, transferId);
	}

	async #drive(row: TransferRow, release: () => void): Promise<void> {
		let summary: TransferSummary = {
			transferId: row.transferId,
			roomId: row.roomId,
			name: row.name,
			size: row.size,
			encrypted: row.options.encrypt,
			driver: 'background',
			state: { status: 'queued' },
			progress: null,
			lastError: null,
			fileId: row.record?.fileId ?? null,
			reconnectable: row.source.handle !== undefined
		};
		const emit = (patch: Partial<TransferSummary>): void => {
			summary = { ...summary, ...patch };
			this.#channel.postMessage({
				type: 'transfer:updated',
				transfer: summary
			} satisfies EngineEvent);
			this.deps.observer?.updated(summary);
		};
		let cipher: RecordCipher | undefined;
		try {
			cipher = await cipherFor(this.#store, row, null);
		} catch {
			// No key here: only the tab that made the transfer could go on.
			this.#settled.add(row.transferId);
			release();
			return;
		}
		const source = await storedSource(row);
		const algorithm = row.record?.checksumAlgorithm ?? row.options.checksumAlgorithm;
		// No `transform`: no worker pool here, so the core reads, encrypts and hashes inline.
		const runner = new TransferRunner(
			{ transferId: row.transferId, roomId: row.roomId, file: source },
			{
				api: this.#api,
				sender: this.#sender,
				store: this.#store,
				clock: systemClock,
				network: this.#network,
				random: mathRandom,
				hasher: this.#hasher,
				cipher
			},
			algorithm ? { checksumAlgorithm: algorithm } : {}
		);
		runner.on('upload:progress', ({ progress }) => emit({ progress }));
		runner.on('upload:error', ({ error, willRetry, delayMs }) =>
			emit({
				lastError: { error, willRetry, at: Date.now(), ...(delayMs !== undefined && { delayMs }) }
			})
		);
		runner.on('upload:state-changed', ({ state }) => {
			const fileId = 'session' in state && state.session ? state.session.fileId : null;
			const recovered = state.status === 'uploading' || state.status === 'done';
			emit({ state, ...(fileId && { fileId }), ...(recovered && { lastError: null }) });
			// A pause is ours (deadline or a tab asking): #yield lets go once the run ends.
			if (SETTLED.has(state.status)) {
				if (state.status !== 'done' && state.status !== 'cancelled') {
					this.#settled.add(row.transferId);
				}
				queueMicrotask(() => this.#letGo(row.transferId));
			}
		});
		const driven: Driven = { roomId: row.roomId, runner, release, run: Promise.resolve() };
		this.#driven.set(row.transferId, driven);
		this.deps.log?.(`driving ${row.transferId} (${row.name})`);
		driven.run = runner.start().catch((error: unknown) => {
			emit({ lastError: { error: toTransferErrorData(error), willRetry: false, at: Date.now() } });
		});
	}
}

import type { Member, RoomMessage, TransferView } from '../../../party/room-messages';
import type { ConnectionStatus } from '$lib/realtime/room-connection';

/**
 * What the room page shows live: who is here, everyone's running uploads, and whether the
 * live connection is up. Fed by the room connection's messages and status; it does no network
 * work itself. The file list stays the API's: `filesVersion` only says when to reload it.
 */
export class RoomLive {
	#status = $state<ConnectionStatus>('connecting');
	#members = $state.raw<Member[]>([]);
	/** By uploadId, in the order they started. */
	#transfers = $state.raw<TransferView[]>([]);
	#filesVersion = $state(0);
	#removed = $state(false);
	#snapshots = 0;
	readonly #me: string;
	readonly #onFilesChanged: () => void;

	constructor(me: string, onFilesChanged: () => void = () => {}) {
		this.#me = me;
		this.#onFilesChanged = onFilesChanged;
	}

	get status(): ConnectionStatus {
		return this.#status;
	}

	get connected(): boolean {
		return this.#status === 'open';
	}

	get removed(): boolean {
		return this.#removed;
	}

	get members(): Member[] {
		return this.#members;
	}

	get transfers(): TransferView[] {
		return this.#transfers;
	}

	/** Bumped on file-added, file-removed and on every catch-up snapshot after a reconnect. */
	get filesVersion(): number {
		return this.#filesVersion;
	}

	setStatus(status: ConnectionStatus): void {
		this.#status = status;
		if (status === 'ended') {
			this.#members = [];
			this.#transfers = [];
		}
	}

	apply(message: RoomMessage): void {
		switch (message.type) {
			case 'snapshot':
				this.#members = message.members;
				this.#transfers = message.transfers;
				// The first snapshot comes with the page's own first load; later ones follow a gap.
				if (++this.#snapshots > 1) this.#filesChanged();
				return;
			case 'member-joined':
				this.#members = [
					...this.#members.filter((m) => m.userId !== message.member.userId),
					message.member
				];
				return;
			case 'member-left':
				this.#members = this.#members.filter((m) => m.userId !== message.userId);
				return;
			case 'member-removed':
				this.#members = this.#members.filter((m) => m.userId !== message.userId);
				this.#transfers = this.#transfers.filter((t) => t.userId !== message.userId);
				if (message.userId === this.#me) this.#removed = true;
				return;
			case 'file-added':
			case 'file-removed':
				if (message.type === 'file-removed')
					this.#transfers = this.#transfers.filter((t) => t.fileId !== message.fileId);
				this.#filesChanged();
				return;
			case 'file-upload-started': {
				const { type: _type, totalBytes, ...ref } = message;
				const existing = this.#find(ref.uploadId);
				this.#upsert({
					...ref,
					bytesUploaded: existing?.bytesUploaded ?? 0,
					totalBytes,
					percentage: existing?.percentage ?? 0,
					uploadSpeed: existing?.uploadSpeed ?? 0,
					estimatedTimeRemaining: existing?.estimatedTimeRemaining ?? null,
					status: 'running',
					updatedAt: Date.now()
				});
				return;
			}
			case 'file-upload-progress': {
				const { type: _type, ...view } = message;
				this.#upsert({ ...view, status: 'running', updatedAt: Date.now() });
				return;
			}
			case 'file-upload-stalled': {
				const { type: _type, ...view } = message;
				this.#upsert({ ...view, status: 'stalled' });
				return;
			}
			case 'file-upload-paused':
			case 'file-upload-resumed': {
				const existing = this.#find(message.uploadId);
				if (existing)
					this.#upsert({
						...existing,
						status: message.type === 'file-upload-paused' ? 'paused' : 'running',
						updatedAt: Date.now()
					});
				return;
			}
			case 'file-upload-completed':
			case 'file-upload-failed':
			case 'file-upload-cancelled':
				this.#transfers = this.#transfers.filter((t) => t.uploadId !== message.uploadId);
				return;
		}
	}

	/** Forget everything: the page moved to another room. */
	reset(): void {
		this.#status = 'connecting';
		this.#members = [];
		this.#transfers = [];
		this.#removed = false;
		this.#snapshots = 0;
	}

	#filesChanged(): void {
		this.#filesVersion += 1;
		this.#onFilesChanged();
	}

	#find(uploadId: string): TransferView | undefined {
		return this.#transfers.find((t) => t.uploadId === uploadId);
	}

	#upsert(view: TransferView): void {
		this.#transfers = this.#find(view.uploadId)
			? this.#transfers.map((t) => (t.uploadId === view.uploadId ? view : t))
			: [...this.#transfers, view];
	}
}

/** Up to two initials for an avatar: "Ada Lovelace" -> "AL", "ada" -> "A". */
export function initialsOf(name: string): string {
	const words = name.trim().split(/\s+/).filter(Boolean);
	const letters = words.length > 1 ? [words[0]!, words.at(-1)!] : words;
	return letters.map((w) => [...w][0]!.toUpperCase()).join('') || '?';
}

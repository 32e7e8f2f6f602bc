/**
 * What the room page's share views have in common: the names this browser shows for the
 * room's files (decrypted ones included, which the server never has) and a version bumped
 * whenever a link is made or revoked, so every list of links reloads. The components do
 * the fetching; this only carries the news between them.
 */
export class RoomShares {
	#version = $state(0);
	#fileNames = $state<Record<string, string>>({});

	get version(): number {
		return this.#version;
	}

	/** Called after a link was created or revoked here. */
	changed(): void {
		this.#version += 1;
	}

	fileName(fileId: string): string {
		return this.#fileNames[fileId] ?? 'a removed file';
	}

	setFileNames(names: Record<string, string>): void {
		this.#fileNames = names;
	}
}

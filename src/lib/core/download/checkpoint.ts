/**
 * When to commit an offset writer. Committing a FileSystemWritableFileStream and reopening it
 * with keepExistingData copies the whole file so far, so a fixed interval would cost time
 * quadratic in the size. Waiting until the uncommitted bytes reach half of what is committed
 * (and at least `minBytes`) keeps the total copying within about twice the file size, while a
 * crash loses at most a third of what was fetched.
 */
export const DEFAULT_CHECKPOINT_MIN_BYTES = 256 * 1024 * 1024;

export function shouldCheckpoint(
	uncommittedBytes: number,
	committedBytes: number,
	minBytes = DEFAULT_CHECKPOINT_MIN_BYTES
): boolean {
	return uncommittedBytes >= Math.max(minBytes, committedBytes / 2);
}

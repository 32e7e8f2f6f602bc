import type { TransferState, UploadSession } from '$lib/core/upload';
import type { TransferSummary } from '$lib/workers/upload-protocol';

/** Test fixtures: one upload's session and its summaries as the engine reports them. */

export const session: UploadSession = {
	uploadId: 'up-1',
	fileId: 'file-1',
	partSize: 100,
	partCount: 10,
	size: 1000,
	expiresAt: '2030-01-01T00:00:00Z'
};

/** Transfer 't-1' of room 'room-1' in `state`, with `sent` of its 1000 bytes confirmed. */
export function summary(
	state: TransferState,
	sent = 0,
	driver: TransferSummary['driver'] = 'here'
): TransferSummary {
	return {
		transferId: 't-1',
		roomId: 'room-1',
		name: 'a.bin',
		size: 1000,
		encrypted: false,
		reconnectable: false,
		driver,
		state,
		progress: {
			totalBytes: 1000,
			bytesConfirmed: sent,
			bytesInFlight: 0,
			speedBps: 100,
			etaMs: 5000,
			partsDone: 0,
			partCount: 10
		},
		lastError: null,
		fileId: 'file-1'
	};
}

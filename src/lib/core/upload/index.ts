// Public surface of the upload core. Adapters and workers import from here.
export { TransferRunner, DEFAULT_UPLOAD_OPTIONS } from './uploader';
export type {
	PartRecord,
	PartState,
	ProgressSnapshot,
	TransferInit,
	TransferState,
	TransferStatus,
	UploadEvents,
	UploadOptions,
	UploadSession
} from './types';
export {
	DEFAULT_RETRY_POLICY,
	DEFAULT_BREAKER_POLICY,
	decideRetry,
	type RetryPolicy,
	type RetryDecision,
	type BreakerPolicy,
	type BreakerState
} from './retry';
export { DEFAULT_CONCURRENCY_POLICY, type ConcurrencyPolicy } from './adaptive';
export { LinkMeter, choosePartSize, type LinkSample } from './part-size';
export { compositeChecksum, toS3CompositeForm } from './checksum';
export { expectedPartCount, MAX_PARTS } from './plan';

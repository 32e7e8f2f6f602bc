export * from './constants';
export { CryptoFormatError, isCryptoFormatError, type CryptoFormatErrorCode } from './errors';
export {
	createHeader,
	headerAad,
	isValidPlaintextSize,
	isValidRecordSize,
	parseHeader,
	type EncryptionHeader
} from './header';
export { generateFileKey, importFileKey } from './keys';
export {
	ciphertextPartSize,
	ciphertextSize,
	partCount,
	partSpan,
	planPlaintextRange,
	plaintextSizeOf,
	recordCount,
	recordSpan,
	recordsInCiphertextRange,
	type PlaintextRangePlan,
	type RecordSpan
} from './layout';
export { LAST_RECORD_FLAG, recordNonce } from './nonce';
export { decryptRecords, encryptRecords } from './records';
export { createDecryptStream, createEncryptStream } from './stream';
export {
	decryptMetadata,
	encryptMetadata,
	fileKeyFromFragment,
	fileKeyToFragment,
	type FileMetadata
} from './metadata';
export {
	generateRoomKey,
	roomKeyFromFragment,
	roomKeyToFragment,
	unwrapFileKey,
	wrapAad,
	wrapFileKey
} from './room-keys';

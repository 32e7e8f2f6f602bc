// Node implementations of the upload core's ports (src/lib/ports.ts): tests and a future CLI.
import type { UploadPorts } from '../../ports';
import { systemClock } from './clock';
import { NodeHasher } from './hasher';
import { MemoryTransferStore } from './memory-store';
import { SwitchableNetworkStatus } from './network-status';
import { NodePartSender } from './part-sender';
import { systemRandom } from './random';
import { NodeUploadApi, type NodeUploadApiOptions } from './upload-api';

export { systemClock } from './clock';
export { RecordCipher, type EncryptionExtras } from './cipher';
export { FileRangeBody, NodeFileSource, openFileSource } from './file-source';
export { CRC32C_POLYNOMIAL, NodeHasher } from './hasher';
export { parseRetryAfter } from './http';
export { JsonFileTransferStore } from './json-file-store';
export { MemoryTransferStore } from './memory-store';
export { SwitchableNetworkStatus } from './network-status';
export { NodePartSender, type StreamingBody } from './part-sender';
export { seededRandom, systemRandom } from './random';
export {
	NodeUploadApi,
	encryptionForApi,
	type ApiAuth,
	type NodeUploadApiOptions
} from './upload-api';

/** Every port with its Node default; pass any of them to replace it (a cipher, a file store). */
export function createNodePorts(
	api: NodeUploadApiOptions,
	overrides: Partial<UploadPorts> = {}
): UploadPorts {
	return {
		api: new NodeUploadApi(api),
		sender: new NodePartSender(),
		store: new MemoryTransferStore(),
		clock: systemClock,
		network: new SwitchableNetworkStatus(),
		random: systemRandom,
		hasher: new NodeHasher(),
		...overrides
	};
}

/** Wires fakes into a TransferRunner. Test-only. */
import type { UploadPorts } from '../../../ports';
import { TransferRunner } from '../uploader';
import type { TransferStatus, UploadEvents, UploadOptions } from '../types';
import {
	FakeClock,
	FakeFile,
	FakeNetwork,
	FakeServer,
	FixedRandom,
	MemoryStore,
	Sha256Hasher
} from './fakes';
import { ScriptedSender } from './sender';

export interface Harness {
	clock: FakeClock;
	server: FakeServer;
	sender: ScriptedSender;
	store: MemoryStore;
	network: FakeNetwork;
	random: FixedRandom;
	hasher: Sha256Hasher;
	ports: UploadPorts;
	file: FakeFile;
	/** `ports` replace the fakes' (a transform, for example). */
	runner(
		options?: Partial<UploadOptions>,
		transferId?: string,
		ports?: Partial<UploadPorts>
	): TransferRunner;
}

export function createHarness(fileSize: number): Harness {
	const clock = new FakeClock();
	const server = new FakeServer(clock);
	const sender = new ScriptedSender(server, clock);
	const store = new MemoryStore();
	const network = new FakeNetwork();
	const random = new FixedRandom(0.5);
	const hasher = new Sha256Hasher();
	const file = new FakeFile(fileSize);
	const ports: UploadPorts = { api: server, sender, store, clock, network, random, hasher };
	return {
		clock,
		server,
		sender,
		store,
		network,
		random,
		hasher,
		ports,
		file,
		runner: (options = {}, transferId = 't-1', extra = {}) =>
			new TransferRunner({ transferId, roomId: 'room-1', file }, { ...ports, ...extra }, options)
	};
}

/** Records every event a runner emits. */
export function record(runner: TransferRunner) {
	const statuses: TransferStatus[] = [];
	const errors: UploadEvents['upload:error'][] = [];
	const uploaded: number[] = [];
	const progress: UploadEvents['upload:progress']['progress'][] = [];
	runner.on('upload:state-changed', (e) => statuses.push(e.state.status));
	runner.on('upload:error', (e) => errors.push(e));
	runner.on('upload:part-uploaded', (e) => uploaded.push(e.partNumber));
	runner.on('upload:progress', (e) => progress.push(e.progress));
	return { statuses, errors, uploaded, progress };
}

// `tsx scripts/bench-rooms.ts`: what the live-room server (party/) does under a busy room, on a
// real `partykit dev` (workerd), each figure next to a baseline from the same run:
//   - 100 members in one room, 20 of them reporting one transfer each 10 times a second for 10 s;
//   - progress broadcasts per second per transfer as the members receive them (limit: 4);
//   - delivery latency sender -> other members of the value that was broadcast (p50, p99);
//   - the room server's CPU (utime+stime of every process in partykit's process group);
//   - the raw relay rate of the same room for an unthrottled message type, flooded.
// Not a test: it prints figures and asserts nothing. Bounded to ~60 s; partykit is always stopped.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { RoomMessage } from '../party/room-messages';
import { signRoomToken } from '../party/room-token';
import { startPartyKit, type PartyKitServer } from './lib/partykit';

const MEMBERS = 100;
const SENDERS = 20;
/** Reports per second per sender, the rate an over-eager client might use. */
const REPORT_HZ = 10;
const THROTTLED_MS = 10_000;
const RAW_MS = 4_000;
/** Unacknowledged started-messages per sender in the raw phase: enough to keep the room busy. */
const RAW_WINDOW = 8;
/** Members that record arrival times (never senders, so they only ever see others' reports). */
const OBSERVERS = 5;
const LIMIT_PER_SECOND = 4;
const DEADLINE_MS = 58_000;

const CLK_TCK = 100; // Linux USER_HZ; `getconf CLK_TCK` is 100 on every mainstream kernel.

const secret = randomBytes(32).toString('base64url');
const roomId = `bench-${randomUUID()}`;
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- room server processes and their CPU ------------------------------------------------------

interface ProcSample {
	/** pid -> [comm, utime+stime ticks] */
	ticks: Map<number, [string, number]>;
	at: number;
}

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself contain spaces. */
function readStat(pid: number): { comm: string; rest: string[] } | null {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const open = text.indexOf('(');
		const close = text.lastIndexOf(')');
		return { comm: text.slice(open + 1, close), rest: text.slice(close + 2).split(' ') };
	} catch {
		return null; // gone in the meantime
	}
}

function allPids(): number[] {
	return readdirSync('/proc')
		.filter((name) => /^\d+$/.test(name))
		.map(Number);
}

/** startPartyKit runs `node …/partykit/dist/bin.mjs dev --port N` as a group leader: its pid is the pgid. */
function partykitGroup(port: number): number {
	for (const pid of allPids()) {
		let cmdline: string[];
		try {
			cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
		} catch {
			continue;
		}
		const at = cmdline.indexOf('--port');
		if (
			cmdline.some((a) => a.endsWith('partykit/dist/bin.mjs')) &&
			cmdline[at + 1] === String(port)
		)
			return Number(readStat(pid)?.rest[2] ?? pid); // field 5: pgrp
	}
	throw new Error(`no partykit dev process found for port ${port}`);
}

function sampleGroup(pgid: number): ProcSample {
	const ticks = new Map<number, [string, number]>();
	for (const pid of allPids()) {
		const stat = readStat(pid);
		// rest[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
		if (stat === null || Number(stat.rest[2]) !== pgid) continue;
		ticks.set(pid, [stat.comm, Number(stat.rest[11]) + Number(stat.rest[12])]);
	}
	return { ticks, at: performance.now() };
}

/** CPU between two samples in % of one core, per process name (workerd, node, …) and in total. */
function cpuBetween(a: ProcSample, b: ProcSample): { byName: Map<string, number>; total: number } {
	const seconds = (b.at - a.at) / 1000;
	const byName = new Map<string, number>();
	let total = 0;
	for (const [pid, [comm, ticks]] of b.ticks) {
		const used = (ticks - (a.ticks.get(pid)?.[1] ?? 0)) / CLK_TCK / seconds;
		byName.set(comm, (byName.get(comm) ?? 0) + used * 100);
		total += used * 100;
	}
	return { byName, total };
}

const cpuLine = (c: { byName: Map<string, number>; total: number }) =>
	`${fmt(c.total)} % of one core (` +
	[...c.byName]
		.sort((x, y) => y[1] - x[1])
		.map(([name, pct]) => `${name} ${fmt(pct)} %`)
		.join(', ') +
	')';

// ---- room stats ------------------------------------------------------------------------------

interface RoomStatsBody {
	stats: {
		messagesIn: number;
		broadcastsOut: number;
		sentOut: number;
		dropped: number;
		rejected: number;
		coalesced: number;
	};
	connections: number;
	transfers: number;
}

async function roomStats(server: PartyKitServer): Promise<RoomStatsBody> {
	const res = await fetch(`http://${server.host}/parties/main/${roomId}`, {
		headers: { Authorization: `Bearer ${secret}` }
	});
	if (!res.ok) throw new Error(`stats: HTTP ${res.status}`);
	return (await res.json()) as RoomStatsBody;
}

// ---- members ---------------------------------------------------------------------------------

interface Member {
	index: number;
	ws: WebSocket;
	frames: number;
}

/** Raw ws instead of partysocket: 100 reconnecting wrappers are not needed here. Same URL partysocket builds. */
async function connect(
	server: PartyKitServer,
	index: number,
	/** Null for the silent majority: they only count frames, so the client process stays light. */
	onMessage: ((m: RoomMessage, at: number) => void) | null
): Promise<Member> {
	const token = await signRoomToken(
		secret,
		{ sub: `u-${index}`, name: `Member ${index}`, room: roomId, role: 'member' },
		300
	);
	const ws = new WebSocket(
		`ws://${server.host}/parties/main/${roomId}?_pk=${randomUUID()}&token=${token}`
	);
	const member: Member = { index, ws, frames: 0 };
	ws.on('message', (data) => {
		member.frames++;
		if (onMessage) onMessage(JSON.parse(String(data)) as RoomMessage, performance.now());
	});
	// The first message is the snapshot: the room has registered the member.
	await new Promise<void>((resolve, reject) => {
		ws.once('message', () => resolve());
		ws.once('error', reject);
		ws.once('unexpected-response', (_req, res) =>
			reject(new Error(`upgrade refused: HTTP ${res.statusCode}`))
		);
	});
	return member;
}

function progressMessage(sender: number, seq: number): string {
	const totalBytes = 1e12;
	const bytesUploaded = seq * 1_000_000;
	return JSON.stringify({
		type: 'file-upload-progress',
		fileId: `file-${sender}`,
		uploadId: `up-${sender}`,
		fileName: `bench-${sender}.bin`,
		bytesUploaded,
		totalBytes,
		percentage: (bytesUploaded / totalBytes) * 100,
		uploadSpeed: 10_000_000,
		estimatedTimeRemaining: 1000
	});
}

/** `totalBytes` doubles as a sequence number: the room passes it through unchanged. */
function startedMessage(sender: number | 'probe', seq: number): string {
	return JSON.stringify({
		type: 'file-upload-started',
		fileId: `file-${sender}`,
		uploadId: `up-${sender}`,
		fileName: `bench-${sender}.bin`,
		totalBytes: 1e12 + seq
	});
}

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ---- the run ---------------------------------------------------------------------------------

async function run(server: PartyKitServer): Promise<void> {
	const pgid = partykitGroup(server.port);

	/** `${uploadId}:${bytesUploaded}` -> when the sender sent it. */
	const sentAt = new Map<string, number>();
	/** Arrival times of progress broadcasts at the observers, per uploadId (first observer only). */
	const arrivals = new Map<string, number[]>();
	const latencies: number[] = [];
	/** Raw phase: per-sender in-flight count and a callback to top the window up. */
	let rawHandler: ((m: RoomMessage, at: number, member: number) => void) | null = null;
	let rawReceivedAtObserver = 0;
	/** Phase 1 probe: unthrottled messages from one more member, for the transport latency alone. */
	const probeSentAt = new Map<number, number>();
	const probeLatencies: number[] = [];
	const PROBE = SENDERS; // the first member that is neither sender nor observer

	const firstObserver = MEMBERS - OBSERVERS;
	const connectStarted = performance.now();
	const members: Member[] = [];
	// In batches, so the joins (each one a snapshot plus a member-joined broadcast) do not all race.
	for (let from = 0; from < MEMBERS; from += 20) {
		const batch = await Promise.all(
			Array.from({ length: Math.min(20, MEMBERS - from) }, (_, k) => {
				const index = from + k;
				const listens = index < SENDERS || index >= firstObserver;
				return connect(
					server,
					index,
					!listens
						? null
						: (m, at) => {
								if (rawHandler) rawHandler(m, at, index);
								if (index < firstObserver) return;
								if (m.type === 'file-upload-started' && m.uploadId === 'up-probe') {
									const sent = probeSentAt.get(m.totalBytes);
									if (sent !== undefined) probeLatencies.push(at - sent);
								} else if (m.type === 'file-upload-progress') {
									const sent = sentAt.get(`${m.uploadId}:${m.bytesUploaded}`);
									if (sent !== undefined) latencies.push(at - sent);
									if (index === firstObserver) {
										const list = arrivals.get(m.uploadId) ?? [];
										list.push(at);
										arrivals.set(m.uploadId, list);
									}
								} else if (m.type === 'file-upload-started' && index === firstObserver) {
									rawReceivedAtObserver++;
								}
							}
				);
			})
		);
		members.push(...batch);
	}
	const connectMs = performance.now() - connectStarted;
	const before = await roomStats(server);
	console.info(
		`${before.connections} members connected in ${fmt(connectMs, 0)} ms (room ${roomId}); partykit pgid ${pgid}`
	);

	// ---- phase 1: throttled progress ----
	const cpu0 = sampleGroup(pgid);
	const client0 = process.cpuUsage();
	const phaseStart = performance.now();
	const timers: NodeJS.Timeout[] = [];
	let reportsSent = 0;
	await new Promise<void>((resolve) => {
		for (let s = 0; s < SENDERS; s++) {
			// Spread the senders over the 100 ms period, as independent tabs would be.
			const offset = (s * 1000) / REPORT_HZ / SENDERS;
			timers.push(
				setTimeout(() => {
					let seq = 0;
					const send = () => {
						if (performance.now() - phaseStart >= THROTTLED_MS) return;
						seq++;
						sentAt.set(`up-${s}:${seq * 1_000_000}`, performance.now());
						members[s]!.ws.send(progressMessage(s, seq));
						reportsSent++;
					};
					send();
					timers.push(setInterval(send, 1000 / REPORT_HZ));
				}, offset)
			);
		}
		let probeSeq = 0;
		const probe = setInterval(() => {
			if (performance.now() - phaseStart >= THROTTLED_MS) return;
			probeSeq++;
			probeSentAt.set(1e12 + probeSeq, performance.now());
			members[PROBE]!.ws.send(startedMessage('probe', probeSeq));
		}, 1000 / REPORT_HZ);
		timers.push(probe);
		setTimeout(resolve, THROTTLED_MS);
	});
	const probesSent = probeSentAt.size;
	const sendingMs = performance.now() - phaseStart;
	// The trailing flush of each transfer comes at most one slot (250 ms) later.
	await sleep(400);
	for (const t of timers) clearInterval(t);
	const cpu1 = sampleGroup(pgid);
	const client1 = process.cpuUsage(client0);
	const throttledWallMs = cpu1.at - cpu0.at;
	const mid = await roomStats(server);

	// ---- phase 2: raw relay of an unthrottled message ----
	// Which message to flood, from party/room-state.ts: `file-upload-progress` is the throttled
	// one; `file-upload-started` goes through the same parse, ownership check and transfer-map
	// update and is then broadcast every time, with no throttle. Repeating it on the senders' own
	// 20 uploadIds keeps the transfer map at the same 20 entries as in phase 1 (fresh uploadIds
	// would grow the map, which the reducer copies on every event, and measure that instead).
	// So the two phases differ only in the throttle. Closed loop: each sender keeps RAW_WINDOW
	// messages unacknowledged (its own echo is the acknowledgement; broadcasts include the sender),
	// which saturates the room without an unbounded queue.
	const inFlight = new Array<number>(SENDERS).fill(0);
	const rawSeq = new Array<number>(SENDERS).fill(0);
	const rawSentAt = new Map<string, number>();
	const rawLatencies: number[] = [];
	let rawOpen = true;
	const topUp = (s: number) => {
		while (rawOpen && inFlight[s]! < RAW_WINDOW) {
			const seq = ++rawSeq[s]!;
			rawSentAt.set(`up-${s}:${1e12 + seq}`, performance.now());
			members[s]!.ws.send(startedMessage(s, seq));
			inFlight[s]!++;
		}
	};
	rawHandler = (m, at, index) => {
		if (m.type !== 'file-upload-started') return;
		if (index === firstObserver) {
			const sent = rawSentAt.get(`${m.uploadId}:${m.totalBytes}`);
			if (sent !== undefined) rawLatencies.push(at - sent);
		}
		if (index < SENDERS && m.uploadId === `up-${index}`) {
			inFlight[index]!--;
			topUp(index);
		}
	};
	const cpu2 = sampleGroup(pgid);
	const clientRaw0 = process.cpuUsage();
	const rawObserved0 = rawReceivedAtObserver;
	for (let s = 0; s < SENDERS; s++) topUp(s);
	await sleep(RAW_MS);
	rawOpen = false;
	const cpu3 = sampleGroup(pgid);
	const clientRaw = process.cpuUsage(clientRaw0);
	const rawObserved = rawReceivedAtObserver - rawObserved0;
	const rawWallMs = cpu3.at - cpu2.at;
	await sleep(300); // let the last window drain before reading the counters
	const after = await roomStats(server);
	rawHandler = null;

	// ---- figures ----
	const perTransfer: number[] = [];
	let maxInWindow = 0;
	let minGap = Infinity;
	for (let s = 0; s < SENDERS; s++) {
		const times = arrivals.get(`up-${s}`) ?? [];
		// Steady rate between the first and the last broadcast this member saw for the transfer.
		if (times.length > 1)
			perTransfer.push((times.length - 1) / ((times.at(-1)! - times[0]!) / 1000));
		for (let i = 0; i < times.length; i++) {
			if (i > 0) minGap = Math.min(minGap, times[i]! - times[i - 1]!);
			let j = i;
			while (j < times.length && times[j]! - times[i]! < 1000) j++;
			maxInWindow = Math.max(maxInWindow, j - i);
		}
	}
	const meanPerTransfer = perTransfer.reduce((a, b) => a + b, 0) / perTransfer.length;
	const maxPerTransfer = Math.max(...perTransfer);
	const sorted = [...latencies].sort((a, b) => a - b);
	const probeSorted = [...probeLatencies].sort((a, b) => a - b);
	const rawSorted = [...rawLatencies].sort((a, b) => a - b);

	// The probe's messages are broadcast unthrottled: take them out of the progress figures.
	const throttledBroadcasts = mid.stats.broadcastsOut - before.stats.broadcastsOut - probesSent;
	const throttledIn = mid.stats.messagesIn - before.stats.messagesIn - probesSent;
	const throttledBps = throttledBroadcasts / (throttledWallMs / 1000);
	const rawBroadcasts = after.stats.broadcastsOut - mid.stats.broadcastsOut;
	const rawIn = after.stats.messagesIn - mid.stats.messagesIn;
	// From the observer's arrivals within the timed window (the room's counter also holds the drain).
	const rawBps = rawObserved / (rawWallMs / 1000);
	const unthrottledDemand = SENDERS * REPORT_HZ;
	const cpuThrottled = cpuBetween(cpu0, cpu1);
	const cpuRaw = cpuBetween(cpu2, cpu3);
	const clientCpu = ((client1.user + client1.system) / 1000 / throttledWallMs) * 100;
	const clientRawCpu = ((clientRaw.user + clientRaw.system) / 1000 / rawWallMs) * 100;

	console.info('');
	console.info(
		`== throttled progress: ${SENDERS} transfers x ${REPORT_HZ} reports/s for ${fmt(sendingMs / 1000)} s, ${MEMBERS} members ==`
	);
	console.info(
		`reports sent ${reportsSent}, room messagesIn ${throttledIn}, coalesced ${mid.stats.coalesced - before.stats.coalesced}, ` +
			`dropped ${mid.stats.dropped - before.stats.dropped}, rejected ${mid.stats.rejected - before.stats.rejected}`
	);
	console.info(
		`throttled broadcasts/s per transfer: ${fmt(meanPerTransfer, 2)} mean, ${fmt(maxPerTransfer, 2)} max (limit ${LIMIT_PER_SECOND}); ` +
			`at most ${maxInWindow} in any 1 s window at a member, min gap ${fmt(minGap, 0)} ms`
	);
	console.info(
		`room broadcasts ${throttledBroadcasts} = ${fmt(throttledBps)}/s for the room ` +
			`(${fmt(throttledBps / SENDERS, 2)}/s per transfer by the room's counter), ` +
			`i.e. ${fmt((throttledBps / unthrottledDemand) * 100)} % of the ${unthrottledDemand} reports/s coming in; ` +
			`${fmt(throttledBps * MEMBERS, 0)} frames/s fanned out`
	);
	console.info(
		`delivery latency sender -> other members (${sorted.length} deliveries at ${OBSERVERS} members; ` +
			`age of the broadcast value, includes the throttle's hold of up to one report interval): ` +
			`p50 ${fmt(percentile(sorted, 50))} ms, p99 ${fmt(percentile(sorted, 99))} ms, max ${fmt(sorted.at(-1) ?? NaN)} ms ` +
			`(target p99 < 100 ms: ${percentile(sorted, 99) < 100 ? 'met' : 'NOT met'})`
	);
	console.info(
		`transport alone (probe: ${probesSent} unthrottled messages at ${REPORT_HZ}/s alongside the load): ` +
			`p50 ${fmt(percentile(probeSorted, 50))} ms, p99 ${fmt(percentile(probeSorted, 99))} ms`
	);
	console.info(`room CPU: ${cpuLine(cpuThrottled)}; bench client ${fmt(clientCpu)} % of one core`);

	console.info('');
	console.info(
		`== raw relay: file-upload-started (unthrottled), ${SENDERS} senders x ${RAW_WINDOW} in flight, ${fmt(rawWallMs / 1000)} s ==`
	);
	console.info(
		`raw relay ${fmt(rawBps, 0)} broadcasts/s (${fmt(rawBps * MEMBERS, 0)} frames/s fanned out); ` +
			`room counters incl. drain: messagesIn ${rawIn}, broadcastsOut ${rawBroadcasts}`
	);
	console.info(
		`raw latency under saturation (queueing included): p50 ${fmt(percentile(rawSorted, 50))} ms, p99 ${fmt(percentile(rawSorted, 99))} ms`
	);
	console.info(`room CPU: ${cpuLine(cpuRaw)}; bench client ${fmt(clientRawCpu)} % of one core`);

	console.info('');
	console.info('== summary ==');
	console.info(
		`throttled broadcasts/s per transfer: ${fmt(meanPerTransfer, 2)} (max ${fmt(maxPerTransfer, 2)}; limit ${LIMIT_PER_SECOND})`
	);
	console.info(
		`p50 ${fmt(percentile(sorted, 50))} ms, p99 ${fmt(percentile(sorted, 99))} ms (target p99 < 100 ms); ` +
			`transport alone p50 ${fmt(percentile(probeSorted, 50))} ms, p99 ${fmt(percentile(probeSorted, 99))} ms`
	);
	console.info(
		`room CPU ${fmt(cpuThrottled.total)} % of one core for ${SENDERS} transfers to ${MEMBERS} members ` +
			`(${fmt(cpuRaw.total)} % when relaying flat out)`
	);
	console.info(
		`raw relay ${fmt(rawBps, 0)} broadcasts/s; throttled output ${fmt(throttledBps)}/s is ${fmt((throttledBps / rawBps) * 100, 2)} % of raw ` +
			`(and ${fmt((throttledBps / unthrottledDemand) * 100)} % of what ${SENDERS} x ${REPORT_HZ} Hz would cost unthrottled)`
	);

	for (const m of members) m.ws.terminate();
}

async function main(): Promise<void> {
	const started = performance.now();
	const server = await startPartyKit({ secret });
	console.info(`partykit dev ready on ${server.host} in ${fmt(performance.now() - started, 0)} ms`);
	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		await server.stop();
	};
	const onSignal = () => void stop().then(() => process.exit(130));
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	const watchdog = setTimeout(
		() => {
			console.error(`bench-rooms: over ${DEADLINE_MS / 1000} s, giving up\n${server.logs()}`);
			void stop().then(() => process.exit(1));
		},
		DEADLINE_MS - (performance.now() - started)
	);
	try {
		await run(server);
	} catch (error) {
		console.error(`partykit dev output:\n${server.logs()}`);
		throw error;
	} finally {
		clearTimeout(watchdog);
		await stop();
	}
	console.info(`done in ${fmt((performance.now() - started) / 1000)} s`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	}
);

// CPU time used by the processes below this one (Chromium's processes, the Ferry server) and by
// the test S3 gateway's processes, by process kind and thread name, from Linux /proc: where a
// benchmark run spends the two cores.
// Sampled every 250 ms so a process that exits keeps its last figure.
import fs from 'node:fs';
import { processesBelow, readProcs, type Proc } from './procs';

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

interface ThreadUse {
	kind: string;
	thread: string;
	ms: number;
}

/** A thread's (or process's) short name and its CPU time so far. */
function cpuOf(file: string): { comm: string; ms: number } | null {
	try {
		const stat = fs.readFileSync(file, 'utf8');
		const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
		const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// rest[0] = state, [1] = ppid, [11] = utime, [12] = stime
		return { comm, ms: (Number(rest[11]) + Number(rest[12])) * TICK_MS };
	} catch {
		return null;
	}
}

function kindOf({ comm, cmdline }: Proc): string {
	if (SERVICES.has(comm)) return comm;
	if (!cmdline.includes('chrom')) return cmdline.includes('node') ? 'node' : 'other';
	const type = /--type=(\S+)/.exec(cmdline)?.[1];
	if (!type) return 'browser';
	const sub = /--utility-sub-type=(\S+)/.exec(cmdline)?.[1];
	return sub
		? `utility:${sub
				.replace(/\.mojom\.\w+$/, '')
				.split('.')
				.pop()}`
		: type;
}

/** Services a run talks to that are not our children: the test S3 gateway's processes. */
const SERVICES = new Set(['radosgw', 'ceph-osd', 'ceph-mon', 'ceph-mgr']);

/** Our descendants and the gateway's processes, from one read of the process table. */
function watched(root: number): Proc[] {
	const procs = readProcs();
	return [...processesBelow(root, procs), ...procs.filter((p) => SERVICES.has(p.comm))];
}

export interface CpuUse {
	stop(): { totalMs: number; rows: ThreadUse[] };
}

/** Starts counting CPU from now; stop() gives the time used since, by kind and thread name. */
export function startCpuUse(root = process.pid): CpuUse {
	const first = new Map<string, number>();
	const last = new Map<string, ThreadUse>();
	const kinds = new Map<number, string>();
	const sample = () => {
		for (const proc of watched(root)) {
			const { pid } = proc;
			let kind = kinds.get(pid);
			if (!kind) kinds.set(pid, (kind = kindOf(proc)));
			let tids: string[] = [];
			try {
				tids = fs.readdirSync(`/proc/${pid}/task`);
			} catch {
				continue;
			}
			for (const tid of tids) {
				const s = cpuOf(`/proc/${pid}/task/${tid}/stat`);
				if (!s) continue;
				const key = `${pid}/${tid}`;
				if (!first.has(key)) first.set(key, s.ms);
				last.set(key, { kind, thread: s.comm.replace(/\d+$/, '#'), ms: s.ms });
			}
		}
	};
	sample();
	const timer = setInterval(sample, 250);
	return {
		stop() {
			clearInterval(timer);
			sample();
			const sums = new Map<string, ThreadUse>();
			for (const [key, use] of last) {
				const ms = use.ms - (first.get(key) ?? use.ms);
				const id = `${use.kind}|${use.thread}`;
				const row = sums.get(id) ?? { kind: use.kind, thread: use.thread, ms: 0 };
				row.ms += ms;
				sums.set(id, row);
			}
			const rows = [...sums.values()].filter((r) => r.ms > 0).sort((a, b) => b.ms - a.ms);
			return { totalMs: rows.reduce((s, r) => s + r.ms, 0), rows };
		}
	};
}

/** One line per process kind, its busiest threads in brackets, seconds of CPU. */
export function formatCpuUse(use: { totalMs: number; rows: ThreadUse[] }, top = 4): string {
	const byKind = new Map<string, ThreadUse[]>();
	for (const row of use.rows) byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row]);
	const lines = [...byKind.entries()]
		.map(([kind, rows]) => ({ kind, rows, ms: rows.reduce((s, r) => s + r.ms, 0) }))
		.sort((a, b) => b.ms - a.ms)
		.map(
			({ kind, rows, ms }) =>
				`      ${kind.padEnd(18)} ${(ms / 1000).toFixed(1).padStart(5)} s  (${rows
					.slice(0, top)
					.map((r) => `${r.thread} ${(r.ms / 1000).toFixed(1)}`)
					.join(', ')})`
		);
	return [`    CPU ${(use.totalMs / 1000).toFixed(1)} s in all:`, ...lines].join('\n');
}

// CPU time used by the processes below this one (Chromium's processes, the Ferry server) and by
// the test S3 gateway's processes, by process kind and thread name, from Linux /proc: where a
// benchmark run spends the two cores.
// Sampled every 250 ms so a process that exits keeps its last figure.
import fs from 'node:fs';

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

interface ThreadUse {
	kind: string;
	thread: string;
	ms: number;
}

function statOf(file: string): { comm: string; ppid: number; ms: number } | null {
	try {
		const stat = fs.readFileSync(file, 'utf8');
		const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
		const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// rest[0] = state, [1] = ppid, [11] = utime, [12] = stime
		return { comm, ppid: Number(rest[1]), ms: (Number(rest[11]) + Number(rest[12])) * TICK_MS };
	} catch {
		return null;
	}
}

function kindOf(pid: number): string {
	let cmdline = '';
	try {
		cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
	} catch {
		return 'gone';
	}
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

function descendants(root: number): number[] {
	const parent = new Map<number, number>();
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		const s = statOf(`/proc/${name}/stat`);
		if (s) parent.set(Number(name), s.ppid);
	}
	const below = new Set([root]);
	let grew = true;
	while (grew) {
		grew = false;
		for (const [pid, ppid] of parent) {
			if (below.has(ppid) && !below.has(pid)) {
				below.add(pid);
				grew = true;
			}
		}
	}
	below.delete(root);
	return [...below];
}

/** Services a run talks to that are not our children: the test S3 gateway's processes. */
const SERVICES = new Set(['radosgw', 'ceph-osd', 'ceph-mon', 'ceph-mgr']);

function services(): Map<number, string> {
	const found = new Map<number, string>();
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		const s = statOf(`/proc/${name}/stat`);
		if (s && SERVICES.has(s.comm)) found.set(Number(name), s.comm);
	}
	return found;
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
		const gateway = services();
		for (const pid of [...descendants(root), ...gateway.keys()]) {
			let kind = kinds.get(pid);
			if (!kind) kinds.set(pid, (kind = gateway.get(pid) ?? kindOf(pid)));
			let tids: string[] = [];
			try {
				tids = fs.readdirSync(`/proc/${pid}/task`);
			} catch {
				continue;
			}
			for (const tid of tids) {
				const s = statOf(`/proc/${pid}/task/${tid}/stat`);
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

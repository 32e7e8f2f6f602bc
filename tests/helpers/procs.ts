// The Linux process table (/proc), for benchmarks that account memory and CPU per process.
import fs from 'node:fs';

export interface Proc {
	pid: number;
	ppid: number;
	/** The kernel's short name, e.g. "radosgw". */
	comm: string;
	/** Arguments joined by spaces. */
	cmdline: string;
}

/** Every process readable now; one that exits meanwhile is left out. */
export function readProcs(): Proc[] {
	const procs: Proc[] = [];
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			// pid (comm) state ppid ...; comm may hold spaces and parentheses.
			const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
			procs.push({ pid: Number(name), ppid: Number(rest[1]), comm, cmdline });
		} catch {
			// Gone meanwhile.
		}
	}
	return procs;
}

/** The processes below `rootPid` (children, their children, ...), from one table. */
export function processesBelow(rootPid: number, procs: Proc[] = readProcs()): Proc[] {
	const below = new Set<number>([rootPid]);
	let grew = true;
	while (grew) {
		grew = false;
		for (const p of procs) {
			if (below.has(p.ppid) && !below.has(p.pid)) {
				below.add(p.pid);
				grew = true;
			}
		}
	}
	return procs.filter((p) => below.has(p.pid) && p.pid !== rootPid);
}

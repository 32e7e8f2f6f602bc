// Resident memory of the Chromium processes started by this Node process (Linux /proc).
// A renderer holds the page's and its dedicated workers' heaps plus ArrayBuffer backing stores,
// which V8's JS heap figures do not include; the browser process holds Blob data.
import fs from 'node:fs';

interface Proc {
	pid: number;
	ppid: number;
	cmdline: string;
}

function readProcs(): Proc[] {
	const procs: Proc[] = [];
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			// pid (comm) state ppid ...; comm may hold spaces and parentheses.
			const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
			procs.push({ pid: Number(name), ppid: Number(rest[1]), cmdline });
		} catch {
			// Gone meanwhile.
		}
	}
	return procs;
}

/** Chromium processes below `rootPid` (default: this process). */
function chromiumBelow(rootPid: number): Proc[] {
	const procs = readProcs();
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
	return procs.filter((p) => below.has(p.pid) && p.pid !== rootPid && p.cmdline.includes('chrom'));
}

/** Renderer processes below `rootPid` (default: this process). */
export function rendererPids(rootPid = process.pid): number[] {
	return chromiumBelow(rootPid)
		.filter((p) => p.cmdline.includes('--type=renderer'))
		.map((p) => p.pid);
}

/**
 * Chromium's browser processes below `rootPid` (no --type): they hold the data of in-memory
 * Blobs, such as an encrypted upload's sealed parts, which no renderer figure includes.
 */
export function browserPids(rootPid = process.pid): number[] {
	return chromiumBelow(rootPid)
		.filter((p) => !p.cmdline.includes('--type='))
		.map((p) => p.pid);
}

/** VmRSS of one process in bytes, 0 when it is gone. */
export function rssBytes(pid: number): number {
	try {
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const match = /VmRSS:\s+(\d+) kB/.exec(status);
		return match ? Number(match[1]) * 1024 : 0;
	} catch {
		return 0;
	}
}

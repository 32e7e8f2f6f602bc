// Resident memory of the Chromium processes started by this Node process (Linux /proc).
// A renderer holds the page's and its dedicated workers' heaps plus ArrayBuffer backing stores,
// which V8's JS heap figures do not include; the browser process holds Blob data.
import fs from 'node:fs';
import { processesBelow, type Proc } from './procs';

/** Chromium processes below `rootPid`. */
function chromiumBelow(rootPid: number): Proc[] {
	return processesBelow(rootPid).filter((p) => p.cmdline.includes('chrom'));
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

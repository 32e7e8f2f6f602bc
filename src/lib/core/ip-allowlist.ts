/**
 * IP addresses and CIDR ranges for share-link allowlists: parsing, a canonical
 * spelling to store, and matching. Pure: no Node APIs, so it is easy to test.
 *
 * IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are treated as the IPv4
 * address they carry, because a dual-stack server reports IPv4 clients that
 * way and an allowlist of `10.0.0.0/8` must still match them.
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
	family: IpFamily;
	/** The address as an unsigned integer (32 bits for IPv4, 128 for IPv6). */
	value: bigint;
}

export interface IpRange {
	family: IpFamily;
	/** The network address (host bits cleared). */
	network: bigint;
	prefix: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };
const MAPPED_PREFIX = 0xffffn << 32n;

function parseIpv4(text: string): bigint | null {
	const parts = text.split('.');
	if (parts.length !== 4) return null;
	let value = 0n;
	for (const part of parts) {
		// No leading zeros: "010" means 8 to some parsers and 10 to others.
		if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
		const n = Number(part);
		if (n > 255) return null;
		value = (value << 8n) | BigInt(n);
	}
	return value;
}

function parseIpv6(text: string): bigint | null {
	if (text.length > 45 || !/^[0-9a-f:.]+$/i.test(text)) return null;
	const halves = text.split('::');
	if (halves.length > 2) return null;
	const groupsOf = (half: string): number[] | null => {
		if (half === '') return [];
		const out: number[] = [];
		const pieces = half.split(':');
		for (const [i, piece] of pieces.entries()) {
			if (i === pieces.length - 1 && piece.includes('.')) {
				const v4 = parseIpv4(piece);
				if (v4 === null) return null;
				out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
			} else {
				if (!/^[0-9a-f]{1,4}$/i.test(piece)) return null;
				out.push(parseInt(piece, 16));
			}
		}
		return out;
	};
	const head = groupsOf(halves[0]!);
	const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
	if (!head || !tail) return null;
	// An embedded IPv4 part may only end the address.
	if (halves.length === 2 && halves[0]!.includes('.')) return null;
	const missing = 8 - head.length - tail.length;
	if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
	const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
	return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses one address; IPv4-mapped IPv6 becomes IPv4. A zone (`%eth0`) is dropped. */
export function parseIp(text: string): IpAddress | null {
	const trimmed = text.trim();
	if (trimmed.includes(':')) {
		const value = parseIpv6(trimmed.replace(/%[\w.-]+$/, ''));
		if (value === null) return null;
		if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
		return { family: 6, value };
	}
	const value = parseIpv4(trimmed);
	return value === null ? null : { family: 4, value };
}

function mask(family: IpFamily, prefix: number): bigint {
	const bits = BITS[family];
	return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/**
 * Parses `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32` or `::ffff:10.0.0.0/104`.
 * Host bits are cleared (`10.1.2.3/8` is `10.0.0.0/8`). Zones are refused:
 * they mean nothing to a client address seen by the server.
 */
export function parseCidr(text: string): IpRange | null {
	const trimmed = text.trim();
	const slash = trimmed.indexOf('/');
	const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash);
	if (addressText.includes('%')) return null;
	const prefixText = slash === -1 ? null : trimmed.slice(slash + 1);
	if (prefixText !== null && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
	if (addressText.includes(':')) {
		const value = parseIpv6(addressText);
		if (value === null) return null;
		const prefix = prefixText === null ? 128 : Number(prefixText);
		if (prefix > 128) return null;
		if (value >> 32n === 0xffffn && prefix >= 96) {
			return { family: 4, network: value & 0xffffffffn & mask(4, prefix - 96), prefix: prefix - 96 };
		}
		return { family: 6, network: value & mask(6, prefix), prefix };
	}
	const value = parseIpv4(addressText);
	if (value === null) return null;
	const prefix = prefixText === null ? 32 : Number(prefixText);
	if (prefix > 32) return null;
	return { family: 4, network: value & mask(4, prefix), prefix };
}

/** Whether `address` lies in `range`; an IPv4 client also matches IPv6 ranges holding its mapped form. */
export function rangeContains(range: IpRange, address: IpAddress): boolean {
	let { family, value } = address;
	if (family === 4 && range.family === 6) {
		family = 6;
		value = MAPPED_PREFIX | value;
	}
	if (family !== range.family) return false;
	return (value & mask(family, range.prefix)) === range.network;
}

/** True when the client address (as `getClientAddress()` gives it) is in any of the ranges. */
export function isAllowed(ranges: readonly IpRange[], clientAddress: string | null): boolean {
	const address = clientAddress === null ? null : parseIp(clientAddress);
	if (!address) return false;
	return ranges.some((range) => rangeContains(range, address));
}

function formatIpv4(value: bigint): string {
	return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(value: bigint): string {
	const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
	let bestStart = -1;
	let bestLength = 1;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLength) {
			bestStart = i;
			bestLength = j - i;
		}
		i = j;
	}
	const hex = groups.map((g) => g.toString(16));
	if (bestStart === -1) return hex.join(':');
	return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical spelling stored and shown: `10.0.0.0/8`, `1.2.3.4`, `2001:db8::/32`. */
export function formatCidr(range: IpRange): string {
	const address = range.family === 4 ? formatIpv4(range.network) : formatIpv6(range.network);
	return range.prefix === BITS[range.family] ? address : `${address}/${range.prefix}`;
}

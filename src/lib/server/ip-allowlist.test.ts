import { describe, expect, it } from 'vitest';
import { formatCidr, isAllowed, parseCidr, parseIp, rangeContains, type IpRange } from './ip-allowlist';

function ranges(...texts: string[]): IpRange[] {
	return texts.map((t) => {
		const range = parseCidr(t);
		if (!range) throw new Error(`test range ${t} did not parse`);
		return range;
	});
}

describe('parseIp', () => {
	it('reads IPv4 and IPv6, with :: and an embedded IPv4 tail', () => {
		expect(parseIp('1.2.3.4')).toEqual({ family: 4, value: 0x01020304n });
		expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
		expect(parseIp('::')).toEqual({ family: 6, value: 0n });
		expect(parseIp('2001:DB8::1')).toEqual({ family: 6, value: (0x20010db8n << 96n) | 1n });
		expect(parseIp('1:2:3:4:5:6:7:8')?.value).toBe(0x00010002000300040005000600070008n);
		expect(parseIp('64:ff9b::192.0.2.33')?.value).toBe((0x64ff9bn << 96n) | 0xc0000221n);
		expect(parseIp('fe80::1%eth0')).toEqual({ family: 6, value: (0xfe80n << 112n) | 1n });
	});

	it('turns IPv4-mapped IPv6 into IPv4', () => {
		expect(parseIp('::ffff:127.0.0.1')).toEqual({ family: 4, value: 0x7f000001n });
		expect(parseIp('::ffff:7f00:1')).toEqual({ family: 4, value: 0x7f000001n });
		expect(parseIp('0:0:0:0:0:ffff:10.1.2.3')).toEqual({ family: 4, value: 0x0a010203n });
	});

	it('refuses malformed addresses', () => {
		for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', '1::2::3', ':1::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', '1.2.3.4::', '::1.2.3', 'localhost', '1.2.3.4/8']) {
			expect(parseIp(bad), bad).toBeNull();
		}
	});
});

describe('parseCidr', () => {
	it('reads single addresses and ranges, clearing host bits', () => {
		expect(parseCidr('10.1.2.3/8')).toEqual({ family: 4, network: 0x0a000000n, prefix: 8 });
		expect(parseCidr('1.2.3.4')).toEqual({ family: 4, network: 0x01020304n, prefix: 32 });
		expect(parseCidr('0.0.0.0/0')).toEqual({ family: 4, network: 0n, prefix: 0 });
		expect(parseCidr('2001:db8::ff/32')).toEqual({ family: 6, network: 0x20010db8n << 96n, prefix: 32 });
		expect(parseCidr('::1')).toEqual({ family: 6, network: 1n, prefix: 128 });
	});

	it('reads mapped ranges of /96 or longer as IPv4', () => {
		expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ family: 4, network: 0x0a000000n, prefix: 8 });
		expect(parseCidr('::ffff:1.2.3.4')).toEqual({ family: 4, network: 0x01020304n, prefix: 32 });
	});

	it('refuses bad prefixes, zones and garbage', () => {
		for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/08', '10.0.0.0/-1', '10.0.0.0/8/8', 'fe80::1%eth0/64', 'fe80::1%eth0', 'everyone', '']) {
			expect(parseCidr(bad), bad).toBeNull();
		}
	});
});

describe('matching', () => {
	it('matches IPv4 clients, plain or mapped, against IPv4 ranges', () => {
		const loopback = ranges('127.0.0.0/8');
		expect(isAllowed(loopback, '127.0.0.1')).toBe(true);
		expect(isAllowed(loopback, '::ffff:127.0.0.1')).toBe(true);
		expect(isAllowed(loopback, '128.0.0.1')).toBe(false);
		expect(isAllowed(ranges('10.0.0.0/8'), '::ffff:127.0.0.1')).toBe(false);
		expect(isAllowed(ranges('192.168.1.7'), '192.168.1.7')).toBe(true);
		expect(isAllowed(ranges('192.168.1.7'), '192.168.1.8')).toBe(false);
		expect(isAllowed(ranges('0.0.0.0/0'), '8.8.8.8')).toBe(true);
	});

	it('matches IPv6 clients against IPv6 ranges only', () => {
		const doc = ranges('2001:db8::/32');
		expect(isAllowed(doc, '2001:db8:ffff::1')).toBe(true);
		expect(isAllowed(doc, '2001:db9::1')).toBe(false);
		expect(isAllowed(ranges('0.0.0.0/0'), '::1')).toBe(false);
		expect(isAllowed(ranges('::1'), '::1')).toBe(true);
	});

	it('lets an IPv6 range that holds the mapped form match an IPv4 client', () => {
		const [all] = ranges('::/0');
		expect(rangeContains(all!, parseIp('10.0.0.1')!)).toBe(true);
		expect(isAllowed(ranges('::ffff:0:0/95'), '10.0.0.1')).toBe(true);
		expect(isAllowed(ranges('2001:db8::/32'), '10.0.0.1')).toBe(false);
	});

	it('refuses an unknown or unparsable client address', () => {
		expect(isAllowed(ranges('0.0.0.0/0', '::/0'), null)).toBe(false);
		expect(isAllowed(ranges('0.0.0.0/0', '::/0'), 'not-an-ip')).toBe(false);
		expect(isAllowed([], '127.0.0.1')).toBe(false);
	});
});

describe('formatCidr', () => {
	it('writes the canonical spelling', () => {
		const cases: [string, string][] = [
			['10.1.2.3/8', '10.0.0.0/8'],
			['1.2.3.4/32', '1.2.3.4'],
			['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
			['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
			['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
			['::', '::'],
			['::/0', '::/0'],
			['1::', '1::'],
			['fe80::/10', 'fe80::/10'],
			['::ffff:10.0.0.0/104', '10.0.0.0/8']
		];
		for (const [input, canonical] of cases) {
			expect(formatCidr(parseCidr(input)!), input).toBe(canonical);
			expect(formatCidr(parseCidr(canonical)!), `${canonical} round trip`).toBe(canonical);
		}
	});
});

import { describe, expect, it } from 'vitest';
import { LinkMeter, choosePartSize } from './part-size';

const MiB = 1024 * 1024;

describe('part size for the next upload', () => {
	it("leaves the server's default until a part went through", () => {
		expect(choosePartSize(null)).toBeUndefined();
		expect(new LinkMeter().sample()).toBeNull();
	});

	it('sizes parts to about 10 s per connection, in whole MiB, within 5..64 MiB', () => {
		const at = (bps: number) =>
			choosePartSize({ speedBps: bps, partsUploaded: 10, partFailures: 0 });
		// 100 Mbit/s shared by 6 connections: ~2 MB/s each, ~20 MiB in 10 s.
		expect(at(12.5e6)).toBe(20 * MiB);
		// A phone on 10 Mbit/s: the 5 MiB floor (S3's minimum part size).
		expect(at(1.25e6)).toBe(5 * MiB);
		// A fast LAN: the 64 MiB ceiling.
		expect(at(400e6)).toBe(64 * MiB);
	});

	it('halves parts on a lossy link, where a failure costs a whole part', () => {
		const clean = choosePartSize({ speedBps: 12.5e6, partsUploaded: 20, partFailures: 1 });
		const lossy = choosePartSize({ speedBps: 12.5e6, partsUploaded: 20, partFailures: 5 });
		expect(clean).toBe(20 * MiB);
		expect(lossy).toBe(10 * MiB);
	});

	it('the meter keeps the latest moving speed and counts attempts', () => {
		const meter = new LinkMeter();
		meter.speed(8e6);
		meter.speed(null);
		meter.speed(0);
		meter.partUploaded();
		meter.partUploaded();
		meter.partFailed();
		expect(meter.sample()).toEqual({ speedBps: 8e6, partsUploaded: 2, partFailures: 1 });
	});
});

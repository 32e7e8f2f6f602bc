import { describe, expect, it } from 'vitest';
import { ProgressModel, createThrottle } from './progress';
import { FakeClock } from './testing/fakes';

describe('ProgressModel', () => {
	it('separates confirmed bytes from bytes in flight, and drops a failed attempt', () => {
		const p = new ProgressModel(100, 10);
		p.setInFlight(1, 4, 0);
		p.setInFlight(2, 6, 0);
		expect(p.snapshot()).toMatchObject({ bytesConfirmed: 0, bytesInFlight: 10 });
		p.confirmPart(1, 10, 100);
		p.dropInFlight(2);
		expect(p.snapshot()).toMatchObject({ bytesConfirmed: 10, bytesInFlight: 0, partsDone: 1 });
	});

	it('smooths speed with a time-based EWMA and derives the ETA', () => {
		const p = new ProgressModel(100_000, 1, { tauMs: 1000, minSampleMs: 100 });
		for (let t = 0; t <= 10_000; t += 500) p.setInFlight(1, t, t); // 1000 B/s
		const s = p.snapshot();
		expect(s.speedBps).toBeCloseTo(1000, 5);
		expect(s.etaMs).toBeCloseTo(90_000, -1);
	});

	it('reacts to a speed change gradually, not at once', () => {
		const p = new ProgressModel(1e9, 1, { tauMs: 2000, minSampleMs: 100 });
		let sent = 0;
		for (let t = 0; t <= 10_000; t += 500) p.setInFlight(1, (sent += 500), t); // 1000 B/s
		sent += 2500;
		p.setInFlight(1, sent, 10_500); // a 5000 B/s burst for 500 ms
		const speed = p.snapshot().speedBps!;
		expect(speed).toBeGreaterThan(1000);
		expect(speed).toBeLessThan(3000);
	});

	it('does not count a retried part twice towards speed', () => {
		const p = new ProgressModel(100, 1, { tauMs: 1000, minSampleMs: 0 });
		p.setInFlight(1, 0, 0);
		p.setInFlight(1, 50, 1000);
		p.dropInFlight(1);
		p.setInFlight(1, 0, 1000);
		p.setInFlight(1, 10, 2000);
		expect(p.snapshot().bytesInFlight).toBe(10);
		expect(p.snapshot().speedBps).toBeGreaterThan(0);
	});

	it('has no speed or ETA before any sample, and counts seeded parts as confirmed', () => {
		const p = new ProgressModel(30, 3);
		p.seedConfirmed(20, 2);
		expect(p.snapshot()).toMatchObject({ bytesConfirmed: 20, speedBps: null, etaMs: null });
	});
});

describe('createThrottle', () => {
	it('emits the first value at once, coalesces a burst and emits the latest at window end', async () => {
		const clock = new FakeClock(0);
		const out: [number, number][] = [];
		const t = createThrottle<number>(clock, 4, (v) => out.push([clock.now(), v]));
		t.push(1);
		t.push(2);
		t.push(3);
		expect(out).toEqual([[0, 1]]);
		await clock.advance(249);
		expect(out).toHaveLength(1);
		await clock.advance(1);
		expect(out).toEqual([
			[0, 1],
			[250, 3]
		]);
		await clock.advance(1000);
		t.push(4);
		expect(out.at(-1)).toEqual([1250, 4]);
	});

	it('flush emits the pending value now; cancel drops it', async () => {
		const clock = new FakeClock(0);
		const out: number[] = [];
		const t = createThrottle<number>(clock, 1, (v) => out.push(v));
		t.push(1);
		t.push(2);
		t.flush();
		expect(out).toEqual([1, 2]);
		t.push(3);
		t.cancel();
		await clock.advance(5000);
		expect(out).toEqual([1, 2]);
		expect(clock.pendingTimers).toBe(0);
	});
});

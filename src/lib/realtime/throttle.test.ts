import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyedThrottle } from './throttle';

describe('KeyedThrottle', () => {
	beforeEach(() => {
		vi.useFakeTimers();
		vi.setSystemTime(1_000_000);
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	function recorder() {
		const sent: { at: number; value: string }[] = [];
		const throttle = new KeyedThrottle<string>(250, (value) =>
			sent.push({ at: Date.now(), value })
		);
		return { sent, throttle };
	}

	it('sends the first value at once, at most 4 per second, and the last value after the burst', () => {
		const { sent, throttle } = recorder();
		for (let i = 0; i < 200; i++) {
			throttle.push('a', `v${i}`);
			vi.advanceTimersByTime(10);
		}
		// Pushes spanned 0..1990 ms; let the trailing send happen.
		vi.advanceTimersByTime(1000);
		expect(sent[0]).toEqual({ at: 1_000_000, value: 'v0' });
		expect(sent.at(-1)?.value).toBe('v199');
		for (let i = 1; i < sent.length; i++) {
			expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(250);
		}
		// Any one-second window holds at most four sends.
		for (const first of sent) {
			expect(
				sent.filter((s) => s.at >= first.at && s.at < first.at + 1000).length
			).toBeLessThanOrEqual(4);
		}
		// ...and the throttle does not starve: about one send per interval over two seconds.
		expect(sent.length).toBeGreaterThanOrEqual(8);
		expect(sent.length).toBeLessThanOrEqual(9);
	});

	it('sends nothing extra when there was nothing after the leading value', () => {
		const { sent, throttle } = recorder();
		throttle.push('a', 'only');
		vi.advanceTimersByTime(5000);
		expect(sent.map((s) => s.value)).toEqual(['only']);
		// Long after the interval, the next value is again sent at once.
		throttle.push('a', 'later');
		expect(sent.map((s) => s.value)).toEqual(['only', 'later']);
	});

	it('throttles each key on its own', () => {
		const { sent, throttle } = recorder();
		throttle.push('a', 'a1');
		throttle.push('b', 'b1');
		throttle.push('a', 'a2');
		throttle.push('b', 'b2');
		expect(sent.map((s) => s.value)).toEqual(['a1', 'b1']);
		vi.advanceTimersByTime(250);
		expect(sent.map((s) => s.value)).toEqual(['a1', 'b1', 'a2', 'b2']);
	});

	it('flush sends the waiting value now and keeps the interval after it', () => {
		const { sent, throttle } = recorder();
		throttle.push('a', 'v1');
		vi.advanceTimersByTime(50);
		throttle.push('a', 'v2');
		throttle.flush('a');
		expect(sent.map((s) => s.value)).toEqual(['v1', 'v2']);
		vi.advanceTimersByTime(1000);
		expect(sent).toHaveLength(2);
		throttle.push('a', 'v3');
		expect(sent).toHaveLength(3);
	});

	it('drop and dispose forget what was waiting', () => {
		const { sent, throttle } = recorder();
		throttle.push('a', 'a1');
		throttle.push('a', 'a2');
		throttle.push('b', 'b1');
		throttle.push('b', 'b2');
		throttle.drop('a');
		vi.advanceTimersByTime(300);
		expect(sent.map((s) => s.value)).toEqual(['a1', 'b1', 'b2']);
		throttle.push('b', 'b3');
		throttle.dispose();
		vi.advanceTimersByTime(1000);
		expect(sent.map((s) => s.value)).toEqual(['a1', 'b1', 'b2']);
	});
});

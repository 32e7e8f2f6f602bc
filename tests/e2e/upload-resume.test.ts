import { afterAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_CONCURRENCY_POLICY } from '../../src/lib/core/upload';
import { launchPersistent, makeProfileDir, removeProfileDir } from '../helpers/browser';
import {
	MiB,
	bigFile,
	countPartPuts,
	downloadSha256,
	removeBigFiles,
	roomFiles,
	signedInRoom,
	transferOf,
	until
} from './upload-helpers';

const baseURL = inject('ferryUrl');
/** The engine's concurrency ceiling: parts that can be in flight. */
const MAX_IN_FLIGHT = DEFAULT_CONCURRENCY_POLICY.max;

afterAll(() => removeBigFiles());

describe('resume after a reload (persistent Chromium profile)', () => {
	it('reloading at ~20 % resumes from IndexedDB and sends again only parts that were in flight', async () => {
		const profile = makeProfileDir();
		const context = await launchPersistent(profile);
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const puts = countPartPuts(context);
			const confirmed = new Set<number>();
			let reloaded = false;
			context.on('requestfinished', (request) => {
				const match = /\/api\/uploads\/[^/]+\/parts\/(\d+)\/done$/.exec(
					new URL(request.url()).pathname
				);
				if (match && !reloaded) confirmed.add(Number(match[1]));
			});
			const page = context.pages()[0] ?? (await context.newPage());
			await page.goto(`${baseURL}/rooms/${roomId}`);
			const file = bigFile(512 * MiB, 'resume-me.bin');
			const started = Date.now();
			await page.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(page, file.name);
			await until(async () => (await t.percent()) >= 20, 120_000, 'progress past 20 %');
			const before = puts.parts();
			reloaded = true;
			const confirmedBefore = new Set(confirmed);
			console.log(
				`reload at ${await t.percent()} %: ${before.length} PUTs started, ${confirmedBefore.size} parts confirmed`
			);
			await page.reload();

			// The transfer comes back from IndexedDB without any click and finishes.
			await expect
				.poll(() => t.state.textContent(), { timeout: 150_000, interval: 100 })
				.toBe('Done');
			const seconds = (Date.now() - started) / 1000;
			const after = puts.parts().slice(before.length);
			console.log(
				`512 MiB with a reload: ${seconds.toFixed(2)} s; PUTs before ${before.length}, after ${after.length}`
			);

			// Confirmed parts are never sent again; at most the parts in flight at the reload are.
			expect(after.filter((n) => confirmedBefore.has(n))).toEqual([]);
			const resent = after.filter((n) => before.includes(n));
			expect(resent.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
			expect(new Set(puts.parts()).size).toBe(32);
			expect(puts.count()).toBeLessThanOrEqual(32 + MAX_IN_FLIGHT);

			const listed = (await roomFiles(client, roomId)).find((f) => f.name === file.name);
			expect(await downloadSha256(client, listed!.id)).toEqual({
				sha256: file.sha256,
				bytes: 512 * MiB
			});
		} finally {
			await context.close();
			removeProfileDir(profile);
		}
	});
});

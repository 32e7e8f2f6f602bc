// The page's side of encrypted previews: registers a preview with the
// service worker (key included, by postMessage only) and checks it is still
// known, since a restarted worker has forgotten every registration.

import {
	isPreviewResponse,
	type PreviewRegistration,
	type PreviewRequest,
	type PreviewResponse
} from '$lib/core/preview';
import { newRequestId } from '$lib/core/protocol-sw';

type WithoutId<T> = T extends unknown ? Omit<T, 'requestId'> : never;

/** The active service worker controlling this page, or null when there is none (yet). */
async function controller(timeoutMs: number): Promise<ServiceWorker | null> {
	if (!('serviceWorker' in navigator)) return null;
	if (navigator.serviceWorker.controller) return navigator.serviceWorker.controller;
	await Promise.race([
		new Promise((resolve) =>
			navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true })
		),
		new Promise((resolve) => setTimeout(resolve, timeoutMs))
	]);
	return navigator.serviceWorker.controller;
}

async function ask(message: WithoutId<PreviewRequest>, timeoutMs = 5000): Promise<PreviewResponse> {
	const worker = await controller(timeoutMs);
	if (!worker)
		throw Object.assign(new Error('No service worker controls this page.'), {
			code: 'sw_unavailable'
		});
	const channel = new MessageChannel();
	const requestId = newRequestId();
	const reply = new Promise<PreviewResponse>((resolve, reject) => {
		const timer = setTimeout(
			() =>
				reject(
					Object.assign(new Error('The service worker did not answer.'), { code: 'sw_unavailable' })
				),
			timeoutMs
		);
		channel.port1.onmessage = (event: MessageEvent<unknown>) => {
			clearTimeout(timer);
			if (isPreviewResponse(event.data)) resolve(event.data);
			else reject(new Error('Unexpected answer from the service worker.'));
		};
	});
	worker.postMessage({ ...message, requestId }, [channel.port2]);
	return reply;
}

export async function registerPreview(registration: PreviewRegistration): Promise<void> {
	const reply = await ask({ type: 'PREVIEW_REGISTER', ...registration });
	if (reply.type === 'PREVIEW_ERROR')
		throw Object.assign(new Error(reply.message), { code: 'preview_failed' });
}

export async function previewStatus(
	previewId: string
): Promise<{ known: boolean; fetched: [number, number][] }> {
	const reply = await ask({ type: 'PREVIEW_HAS', previewId });
	return reply.type === 'PREVIEW_OK'
		? { known: reply.known, fetched: reply.fetched ?? [] }
		: { known: false, fetched: [] };
}

export async function forgetPreview(previewId: string): Promise<void> {
	await ask({ type: 'PREVIEW_FORGET', previewId }).catch(() => undefined);
}

export function newPreviewId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Thumbnails are made from the plaintext in the uploader's browser, before
// anything is encrypted, because nobody else can see the pixels later.

import { THUMBNAIL_EDGE, previewKind } from '$lib/core/preview';

function scaleToFit(width: number, height: number): { width: number; height: number } {
	const scale = Math.min(1, THUMBNAIL_EDGE / Math.max(width, height));
	return {
		width: Math.max(1, Math.round(width * scale)),
		height: Math.max(1, Math.round(height * scale))
	};
}

async function encode(source: CanvasImageSource, width: number, height: number): Promise<Blob> {
	const size = scaleToFit(width, height);
	const canvas = new OffscreenCanvas(size.width, size.height);
	const context = canvas.getContext('2d');
	if (!context) throw new Error('no 2d context');
	context.drawImage(source, 0, 0, size.width, size.height);
	return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
}

async function imageThumbnail(file: File): Promise<Blob> {
	const bitmap = await createImageBitmap(file);
	try {
		return await encode(bitmap, bitmap.width, bitmap.height);
	} finally {
		bitmap.close();
	}
}

/** A frame a little into the video (the very first is often black), drawn from a <video> element. */
async function videoThumbnail(file: File): Promise<Blob> {
	const url = URL.createObjectURL(file);
	const video = document.createElement('video');
	video.muted = true;
	video.preload = 'auto';
	try {
		await new Promise<void>((resolve, reject) => {
			video.onloadeddata = () => resolve();
			video.onerror = () => reject(new Error('video not readable'));
			video.src = url;
		});
		const target = Number.isFinite(video.duration) ? Math.min(1, video.duration / 2) : 0;
		if (target > 0) {
			await new Promise<void>((resolve) => {
				video.onseeked = () => resolve();
				video.currentTime = target;
			});
		}
		return await encode(video, video.videoWidth, video.videoHeight);
	} finally {
		video.removeAttribute('src');
		video.load();
		URL.revokeObjectURL(url);
	}
}

/** A small JPEG for an image or video, or null for other files and ones the browser cannot decode. */
export async function makeThumbnail(file: File): Promise<Blob | null> {
	const kind = previewKind(file.type, file.name);
	try {
		if (kind === 'image') return await imageThumbnail(file);
		if (kind === 'video') return await videoThumbnail(file);
	} catch {
		// An undecodable picture just has no thumbnail.
	}
	return null;
}

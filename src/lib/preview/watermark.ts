/**
 * Draws the recipient's watermark (IP and time) across a picture, repeated so
 * cropping one corner does not remove it. It is drawn into the pixels the
 * page shows; it does not stop someone from fetching the original bytes with
 * the same link, see docs/architecture.md "Previews".
 */
export function drawWatermark(
	context: CanvasRenderingContext2D,
	width: number,
	height: number,
	text: string
): void {
	if (!text) return;
	const size = Math.max(12, Math.round(Math.min(width, height) / 18));
	context.save();
	context.font = `${size}px sans-serif`;
	context.fillStyle = 'rgba(255, 255, 255, 0.45)';
	context.strokeStyle = 'rgba(0, 0, 0, 0.45)';
	context.lineWidth = Math.max(1, size / 12);
	context.translate(width / 2, height / 2);
	context.rotate(-Math.PI / 6);
	const step = size * 4;
	const reach = Math.hypot(width, height) / 2;
	for (let y = -reach; y <= reach; y += step) {
		for (let x = -reach; x <= reach; x += context.measureText(text).width + size * 2) {
			context.strokeText(text, x, y);
			context.fillText(text, x, y);
		}
	}
	context.restore();
}

/** What the watermark says: the recipient's address as the server saw it, and the time. */
export function watermarkText(ip: string | null, at: Date): string {
	return `${ip ?? 'unknown address'} · ${at.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

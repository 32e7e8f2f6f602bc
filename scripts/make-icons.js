#!/usr/bin/env node
// Draws Ferry's app icons (a white ferry on a teal square) and writes them as
// PNG files under static/icons/. Only node:zlib is used: the PNG is written by
// hand (signature, IHDR, one IDAT, IEND) so the icons can be regenerated
// without an image library. Run: node scripts/make-icons.js
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'static/icons');

const TEAL = [0x0f, 0x76, 0x6e];
const WHITE = [0xff, 0xff, 0xff];
const SAMPLES = 4; // 4 x 4 supersampling for smooth edges

/** PNG chunk: length, type, data, CRC-32 of type + data. */
function chunk(type, data) {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(zlib.crc32(body) >>> 0);
	return Buffer.concat([length, body, crc]);
}

/** Encodes RGBA pixels (width * height * 4 bytes) as a PNG, filter 0 on every row. */
function encodePng(width, height, rgba) {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = 6; // colour type RGBA
	const raw = Buffer.alloc((width * 4 + 1) * height);
	for (let y = 0; y < height; y++) {
		raw[y * (width * 4 + 1)] = 0;
		rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
	}
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
		chunk('IEND', Buffer.alloc(0))
	]);
}

/** Inside a rounded rectangle (all coordinates in the unit square). */
function inRoundedRect(x, y, left, top, right, bottom, radius) {
	if (x < left || x > right || y < top || y > bottom) return false;
	const cx = Math.min(Math.max(x, left + radius), right - radius);
	const cy = Math.min(Math.max(y, top + radius), bottom - radius);
	return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/**
 * The glyph in a unit square centred on (0.5, 0.5), scaled by `scale`:
 * a hull (trapezoid), a cabin with a funnel, and a wave under the hull.
 */
function inGlyph(px, py, scale) {
	const x = (px - 0.5) / scale + 0.5;
	const y = (py - 0.5) / scale + 0.5;
	// Hull: wide at the deck (y = 0.52), narrower at the keel (y = 0.68).
	if (y >= 0.52 && y <= 0.68) {
		const t = (y - 0.52) / 0.16;
		const half = 0.36 - 0.1 * t;
		if (Math.abs(x - 0.5) <= half) return true;
	}
	if (inRoundedRect(x, y, 0.3, 0.38, 0.66, 0.5, 0.02)) return true; // cabin
	if (inRoundedRect(x, y, 0.42, 0.26, 0.52, 0.38, 0.015)) return true; // funnel
	// Wave: a band following a sine under the hull.
	const wave = 0.76 + 0.025 * Math.sin((x - 0.14) * Math.PI * 6);
	if (x >= 0.14 && x <= 0.86 && Math.abs(y - wave) <= 0.025) return true;
	return false;
}

function render(size, { maskable }) {
	const rgba = Buffer.alloc(size * size * 4);
	// A maskable icon fills the square (the platform cuts the shape) and keeps the
	// glyph inside the central safe zone (a circle of 40 % radius).
	const glyphScale = maskable ? 0.62 : 0.86;
	for (let y = 0; y < size; y++) {
		for (let x = 0; x < size; x++) {
			let bg = 0;
			let fg = 0;
			for (let sy = 0; sy < SAMPLES; sy++) {
				for (let sx = 0; sx < SAMPLES; sx++) {
					const u = (x + (sx + 0.5) / SAMPLES) / size;
					const v = (y + (sy + 0.5) / SAMPLES) / size;
					const inside = maskable || inRoundedRect(u, v, 0.02, 0.02, 0.98, 0.98, 0.2);
					if (!inside) continue;
					bg++;
					if (inGlyph(u, v, glyphScale)) fg++;
				}
			}
			const n = SAMPLES * SAMPLES;
			const i = (y * size + x) * 4;
			const mix = bg === 0 ? 0 : fg / bg;
			for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(TEAL[c] * (1 - mix) + WHITE[c] * mix);
			rgba[i + 3] = Math.round((255 * bg) / n);
		}
	}
	return encodePng(size, size, rgba);
}

fs.mkdirSync(outDir, { recursive: true });
const icons = [
	{ file: 'icon-192.png', size: 192, maskable: false },
	{ file: 'icon-512.png', size: 512, maskable: false },
	{ file: 'icon-maskable-512.png', size: 512, maskable: true }
];
for (const icon of icons) {
	const png = render(icon.size, icon);
	fs.writeFileSync(path.join(outDir, icon.file), png);
	console.log(`static/icons/${icon.file}: ${icon.size} x ${icon.size}, ${png.length} bytes`);
}

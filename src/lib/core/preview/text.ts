/** How much of a text file a preview shows; the rest is a download away. */
export const TEXT_PREVIEW_BYTES = 64 * 1024;

/**
 * Decodes the first bytes of a text file for display as text (the caller puts
 * it in a text node, never in HTML). A multi-byte character cut by the limit
 * is dropped rather than shown as a replacement character; a NUL byte says
 * the file is binary after all.
 */
export function decodeTextPreview(
	bytes: Uint8Array,
	truncated: boolean
): { text: string; binary: boolean; truncated: boolean } {
	if (bytes.includes(0)) return { text: '', binary: true, truncated };
	let end = bytes.length;
	if (truncated) {
		// Step back over continuation bytes to the start of the last character,
		// and drop it if its sequence is incomplete.
		let lead = end - 1;
		while (lead > 0 && lead > end - 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
		const first = bytes[lead] ?? 0;
		const needed = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
		if (lead + needed > end) end = lead;
	}
	const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, end));
	return { text, binary: false, truncated };
}

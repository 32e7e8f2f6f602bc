// Which viewer a file gets. Decided from the content type the uploader's
// browser reported, with the name's extension as a fallback for the many
// files browsers report as application/octet-stream or an empty type.

export type PreviewKind = 'image' | 'video' | 'audio' | 'pdf' | 'text' | 'none';

const TEXT_TYPES = new Set([
	'application/json',
	'application/xml',
	'application/javascript',
	'application/x-javascript',
	'application/typescript',
	'application/x-sh',
	'application/x-yaml',
	'application/yaml',
	'application/toml',
	'application/sql'
]);

const EXTENSIONS: Record<string, PreviewKind> = {
	png: 'image',
	jpg: 'image',
	jpeg: 'image',
	gif: 'image',
	webp: 'image',
	avif: 'image',
	bmp: 'image',
	svg: 'image',
	mp4: 'video',
	m4v: 'video',
	webm: 'video',
	mov: 'video',
	ogv: 'video',
	mp3: 'audio',
	m4a: 'audio',
	ogg: 'audio',
	oga: 'audio',
	opus: 'audio',
	wav: 'audio',
	flac: 'audio',
	pdf: 'pdf',
	txt: 'text',
	md: 'text',
	csv: 'text',
	tsv: 'text',
	log: 'text',
	json: 'text',
	xml: 'text',
	yaml: 'text',
	yml: 'text',
	toml: 'text',
	ini: 'text',
	js: 'text',
	mjs: 'text',
	ts: 'text',
	tsx: 'text',
	jsx: 'text',
	svelte: 'text',
	py: 'text',
	rs: 'text',
	go: 'text',
	java: 'text',
	c: 'text',
	h: 'text',
	cpp: 'text',
	hpp: 'text',
	cs: 'text',
	rb: 'text',
	php: 'text',
	sh: 'text',
	sql: 'text',
	css: 'text',
	html: 'text',
	htm: 'text'
};

export function previewKind(contentType: string, name = ''): PreviewKind {
	const type = contentType.split(';')[0]!.trim().toLowerCase();
	// SVG can carry script; it is shown through <img>, which never runs it.
	if (type.startsWith('image/')) return 'image';
	if (type.startsWith('video/')) return 'video';
	if (type.startsWith('audio/')) return 'audio';
	if (type === 'application/pdf') return 'pdf';
	if (
		type.startsWith('text/') ||
		TEXT_TYPES.has(type) ||
		type.endsWith('+json') ||
		type.endsWith('+xml')
	)
		return 'text';
	const dot = name.lastIndexOf('.');
	if (dot < 0) return 'none';
	return EXTENSIONS[name.slice(dot + 1).toLowerCase()] ?? 'none';
}

/**
 * The type a preview response is served as. Anything shown as text is
 * text/plain so that HTML, SVG-as-text or script is never interpreted; an
 * image keeps its own type (an <img> does not run script in SVG).
 */
export function previewContentType(kind: PreviewKind, contentType: string): string {
	if (kind === 'text' || kind === 'none') return 'text/plain; charset=utf-8';
	if (kind === 'pdf') return 'application/pdf';
	return contentType.split(';')[0]!.trim() || 'application/octet-stream';
}

/**
 * The type to register a preview with, once the page decided its kind from
 * type and name: an encrypted file's stored type is often
 * application/octet-stream (or sealed), and the service worker sees no name.
 */
export function typeForKind(kind: PreviewKind, contentType: string): string {
	if (kind === 'pdf') return 'application/pdf';
	if (kind === 'text') return 'text/plain';
	return contentType;
}

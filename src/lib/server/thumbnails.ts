// A file's thumbnail is a small storage object next to the file
// (`<storageKey>.thumbnail`), written by the uploader's browser after the
// upload. Plain files get a JPEG or WebP; encrypted files get the envelope of
// core/preview/thumbnail-envelope.ts (sealed with the file's key, which the
// server never sees), so the server can check only its shape and size.

import { envelopeHeader, MAX_THUMBNAIL_BYTES } from '$lib/core/preview';
import { getFile } from './files';
import { ApiError } from './http';
import { LocalDiskProvider, type StorageProvider } from './storage';
import type { UploadDeps } from './uploads';

const URL_TTL_SECONDS = 300;

export function thumbnailKey(storageKey: string): string {
	return `${storageKey}.thumbnail`;
}

function isJpeg(bytes: Uint8Array): boolean {
	return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function isWebp(bytes: Uint8Array): boolean {
	const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
	return bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP';
}

/** Checks what the client sent against what this file's thumbnail must be; 4xx otherwise. */
export function checkThumbnail(encrypted: boolean, contentType: string, bytes: Uint8Array): string {
	if (bytes.length === 0) throw new ApiError(400, 'empty_thumbnail', 'The thumbnail is empty.');
	if (bytes.length > MAX_THUMBNAIL_BYTES) {
		throw new ApiError(
			413,
			'thumbnail_too_large',
			`A thumbnail may be at most ${MAX_THUMBNAIL_BYTES / 1024} KiB.`
		);
	}
	const type = contentType.split(';')[0]!.trim().toLowerCase();
	if (encrypted) {
		if (type !== 'application/octet-stream') {
			throw new ApiError(
				415,
				'unsupported_media_type',
				'The thumbnail of an encrypted file must be sent as application/octet-stream (sealed with the file key).'
			);
		}
		try {
			envelopeHeader(bytes);
		} catch {
			throw new ApiError(
				400,
				'invalid_thumbnail',
				'This is not a sealed thumbnail (12-byte nonce base followed by whole records).'
			);
		}
		return type;
	}
	if (type === 'image/jpeg' && isJpeg(bytes)) return type;
	if (type === 'image/webp' && isWebp(bytes)) return type;
	throw new ApiError(
		415,
		'unsupported_media_type',
		'A thumbnail must be a JPEG (image/jpeg) or WebP (image/webp) image whose bytes match its type.'
	);
}

/** Writes a small object through the provider's multipart API (the only write the interface has). */
async function putSmallObject(
	provider: StorageProvider,
	key: string,
	contentType: string,
	bytes: Uint8Array<ArrayBuffer>,
	origin: string
): Promise<void> {
	const { uploadId } = await provider.createMultipartUpload({ key, contentType });
	try {
		let etag: string;
		if (provider instanceof LocalDiskProvider) {
			const body = new Blob([bytes]).stream();
			const outcome = await provider.receivePart(uploadId, key, 1, bytes.length, null, body);
			if (!outcome.ok) throw new Error(outcome.message);
			etag = outcome.etag;
		} else {
			const [signed] = await provider.signPartUrls({
				key,
				uploadId,
				parts: [{ partNumber: 1, size: bytes.length }],
				origin
			});
			const response = await fetch(signed!.url, {
				method: 'PUT',
				headers: signed!.headers,
				body: bytes
			});
			if (!response.ok) throw new Error(`storage answered ${response.status}`);
			etag = response.headers.get('etag') ?? '';
		}
		await provider.completeMultipartUpload({ key, uploadId, parts: [{ partNumber: 1, etag }] });
	} catch (error) {
		await provider.abortMultipartUpload({ key, uploadId }).catch(() => undefined);
		throw error;
	}
}

/** Members who may upload (owner, member) store a thumbnail; viewers and outsiders may not. */
export async function putThumbnail(
	deps: UploadDeps,
	fileId: string,
	userId: string,
	contentType: string,
	bytes: Uint8Array<ArrayBuffer>,
	origin: string
) {
	const { file, role } = getFile(deps.db, fileId, userId);
	if (role === 'viewer')
		throw new ApiError(
			403,
			'forbidden',
			'Viewers cannot change thumbnails; ask a room owner for the member role.'
		);
	const type = checkThumbnail(file.encryptionJson !== null, contentType, bytes);
	const provider = deps.storage.get(file.storageProviderId);
	await deps.storage.call(file.storageProviderId, () =>
		putSmallObject(provider, thumbnailKey(file.storageKey), type, bytes, origin)
	);
	return { roomId: file.roomId, size: bytes.length, encrypted: file.encryptionJson !== null };
}

/** A presigned GET of the thumbnail, or 404 when the file has none. */
export async function thumbnailUrl(
	deps: UploadDeps,
	fileId: string,
	userId: string,
	origin: string
) {
	const { file } = getFile(deps.db, fileId, userId);
	const provider = deps.storage.get(file.storageProviderId);
	const key = thumbnailKey(file.storageKey);
	const info = await deps.storage.call(file.storageProviderId, () => provider.headObject(key));
	if (!info) throw new ApiError(404, 'thumbnail_not_found', 'This file has no thumbnail.');
	const contentType = file.encryptionJson
		? 'application/octet-stream'
		: (info.contentType ?? 'image/jpeg');
	const url = await deps.storage.call(file.storageProviderId, () =>
		provider.signGetUrl({ key, expiresInSeconds: URL_TTL_SECONDS, contentType, origin })
	);
	return { url, encrypted: file.encryptionJson !== null };
}

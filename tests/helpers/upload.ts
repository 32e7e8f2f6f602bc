import type { ApiClient } from './api-client';

export interface UploadedFile {
	id: string;
	roomId: string;
	name: string;
	size: number;
	contentType: string;
}

export interface UploadOptions {
	contentType?: string;
	/** Sent as is with the upload (`{ header, wrappedKey?, encryptedMetadata? }`); `bytes` are then the ciphertext. */
	encryption?: unknown;
}

function expectStatus(response: { status: number; body: unknown }, status: number, step: string): void {
	if (response.status !== status) throw new Error(`${step} answered ${response.status}: ${JSON.stringify(response.body)}`);
}

/**
 * Uploads a file of one part through the API, as a browser would: create the
 * upload, sign part 1, PUT the bytes with the signed headers, complete with
 * the ETag. Returns the completed file.
 */
export async function uploadSmallFile(client: ApiClient, roomId: string, bytes: Uint8Array<ArrayBuffer>, name: string, options: UploadOptions = {}): Promise<UploadedFile> {
	const created = await client.json<{ uploadId: string; partCount: number }>('POST', '/api/uploads', {
		roomId,
		fileName: name,
		size: bytes.length,
		contentType: options.contentType ?? 'application/octet-stream',
		...(options.encryption === undefined ? {} : { encryption: options.encryption })
	});
	expectStatus(created, 201, 'create upload');
	if (created.body.partCount !== 1) throw new Error(`uploadSmallFile handles one part; this file needs ${created.body.partCount}`);
	const { uploadId } = created.body;
	const signed = await client.json<{ parts: { url: string; headers: Record<string, string> }[] }>('POST', `/api/uploads/${uploadId}/parts`, { partNumbers: [1] });
	expectStatus(signed, 200, 'sign part 1');
	const part = signed.body.parts[0]!;
	const put = await fetch(part.url, { method: 'PUT', headers: part.headers, body: bytes });
	if (put.status !== 200) throw new Error(`PUT part 1 answered ${put.status}: ${await put.text()}`);
	const etag = put.headers.get('etag');
	if (!etag) throw new Error('PUT part 1 answered without an ETag');
	const done = await client.json<{ file: UploadedFile }>('POST', `/api/uploads/${uploadId}/complete`, { parts: [{ partNumber: 1, etag }] });
	expectStatus(done, 200, 'complete upload');
	return done.body.file;
}

import { z } from 'zod';

const controlChars = /[\p{Cc}\p{Cf}]/u;

/** A file name as a person sees it: no folders, no control characters, not "." or "..". */
export const fileNameSchema = z
	.string()
	.min(1, 'give the file a name')
	.refine((n) => new TextEncoder().encode(n).length <= 255, 'file names may be at most 255 bytes long')
	.refine((n) => !/[/\\]/.test(n), 'file names may not contain / or \\ (folders are not part of the name)')
	.refine((n) => !controlChars.test(n), 'file names may not contain control characters')
	.refine((n) => n.trim() !== '' && n !== '.' && n !== '..', 'that is not a usable file name');

const contentTypeSchema = z
	.string()
	.max(255)
	.regex(/^[\w.+-]+\/[\w.+-]+(?:\s*;\s*[\w.+-]+=(?:[\w.+-]+|"[^"\p{Cc}]*"))*$/u, 'contentType must look like type/subtype');

export const encryptionSchema = z.object({
	/** The record-format header (docs/encryption.md): never the key. */
	header: z.strictObject({
		version: z.literal(1, 'only encryption format version 1 is supported'),
		recordSize: z.number().int(),
		nonceBase: z.string().max(64),
		plaintextSize: z.number().int().nonnegative()
	}),
	/** The file key wrapped by a key the server never sees (room or share key), opaque here. */
	wrappedKey: z.string().max(4096).optional(),
	/** Encrypted file name and type, opaque here. */
	encryptedMetadata: z.string().max(8192).optional()
});

export const createUploadSchema = z.object({
	roomId: z.string().min(1, 'roomId is required').max(64),
	fileName: fileNameSchema,
	size: z.number('size must be a number of bytes').int('size must be a whole number of bytes').nonnegative('size may not be negative').max(Number.MAX_SAFE_INTEGER),
	contentType: contentTypeSchema.optional(),
	lastModified: z.number().int().nonnegative().optional(),
	encryption: encryptionSchema.optional(),
	checksumAlgorithm: z.enum(['CRC32C', 'SHA256', 'MD5'], 'checksumAlgorithm must be CRC32C, SHA256 or MD5').optional(),
	preferredPartSize: z.number().int().positive().optional()
});

const partNumber = z.number('part numbers are whole numbers from 1').int('part numbers are whole numbers from 1').min(1, 'part numbers start at 1');
const base64 = z.string().max(128).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'checksums are base64 strings');

export const signPartsSchema = z.object({
	partNumbers: z.array(partNumber).min(1, 'ask for at least one part').max(100, 'sign at most 100 parts per request'),
	checksums: z.record(z.string().regex(/^\d+$/), base64).optional()
});

export const partDoneSchema = z.object({
	etag: z.string().min(1).max(200),
	size: z.number().int().nonnegative(),
	checksum: base64.optional()
});

export const completeSchema = z.object({
	parts: z
		.array(z.object({ partNumber, etag: z.string().min(1).max(200) }))
		.min(1, 'list every part')
		.max(10_000),
	checksum: z.object({ algorithm: z.enum(['CRC32C', 'SHA256', 'MD5']), value: base64 }).optional()
});

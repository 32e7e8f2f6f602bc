/** The link info of GET /api/s/{token} (docs/api.md), as the page and the download store keep it. */
export interface ShareInfo {
	fileName: string | null;
	encryptedMetadata: string | null;
	/** Bytes as stored: ciphertext size for encrypted files. */
	size: number;
	contentType: string;
	sharedBy: string | null;
	expiresAt: string | null;
	requiresPassword: boolean;
	downloadsLeft: number | null;
	encrypted: boolean;
	encryption: { header: { plaintextSize: number } } | null;
	/** "Watermark previews": the recipient's address and the time, drawn into previews. */
	watermark?: string | null;
}

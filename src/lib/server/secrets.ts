import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface FerrySecrets {
	roomSecret: string;
	storageSigningSecret: string;
}

/**
 * Secrets not given in the environment are generated at first start and kept
 * in `<data dir>/secrets.json` (mode 0600), outside the repository, so a
 * restart keeps sessions' signed URLs and room tokens valid.
 */
export function loadOrCreateSecrets(
	dataDir: string,
	given: { roomSecret: string | null; storageSigningSecret: string | null }
): FerrySecrets {
	const file = path.join(dataDir, 'secrets.json');
	let stored: Partial<FerrySecrets> = {};
	if (fs.existsSync(file)) {
		try {
			stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<FerrySecrets>;
		} catch {
			throw new Error(`${file} is not valid JSON; fix it or delete it to generate new secrets`);
		}
	}
	const fresh = () => randomBytes(32).toString('base64url');
	const merged: FerrySecrets = {
		roomSecret: stored.roomSecret ?? fresh(),
		storageSigningSecret: stored.storageSigningSecret ?? fresh()
	};
	if (merged.roomSecret !== stored.roomSecret || merged.storageSigningSecret !== stored.storageSigningSecret) {
		fs.mkdirSync(dataDir, { recursive: true });
		fs.writeFileSync(file, JSON.stringify(merged, null, '\t') + '\n', { mode: 0o600 });
	}
	return {
		roomSecret: given.roomSecret ?? merged.roomSecret,
		storageSigningSecret: given.storageSigningSecret ?? merged.storageSigningSecret
	};
}

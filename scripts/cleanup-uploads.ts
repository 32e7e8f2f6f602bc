// `npm run uploads:cleanup`: aborts upload sessions idle past their expiry on
// their storage provider and removes their rows (the server also does this
// every 15 minutes). Uses the same settings as the server (docs/config.md).
import { getUploadDeps } from '../src/lib/server/services';
import { cleanupExpiredUploads } from '../src/lib/server/uploads';

const cleaned = await cleanupExpiredUploads(getUploadDeps());
console.log(`Cleaned up ${cleaned} expired upload${cleaned === 1 ? '' : 's'}.`);
process.exit(0);

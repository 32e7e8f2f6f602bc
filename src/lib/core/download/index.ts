export { Downloader, DEFAULT_DOWNLOAD_OPTIONS } from './downloader';
export { DEFAULT_RANGE_SIZE, planEncryptedRanges, planPlainRanges, plannedSize } from './plan';
export { shouldCheckpoint } from './checkpoint';
export type * from './types';
export { canCheckpoint } from './types';

/** The only record format this code writes or reads. */
export const FORMAT_VERSION = 1;

/** AES-256: the per-file key is 32 raw bytes. */
export const KEY_SIZE = 32;
/** 96-bit GCM nonces: the one size GCM uses without hashing the nonce first. */
export const NONCE_SIZE = 12;
/** Full 128-bit GCM tags; shorter tags weaken forgery resistance for no real saving. */
export const TAG_SIZE = 16;

export const MIN_RECORD_SIZE = 4 * 1024;
export const MAX_RECORD_SIZE = 16 * 1024 * 1024;
/**
 * 64 KiB keeps the per-record overhead at 0.024 % and a ranged read (video
 * seek, preview) at most 64 KiB away from the byte it wants, while an 8 MiB
 * part is still only 128 WebCrypto calls.
 */
export const DEFAULT_RECORD_SIZE = 64 * 1024;

/**
 * 4 PiB. Far beyond any object store's limit, and small enough that every
 * ciphertext offset (plaintext + 16 bytes per record of at least 4 KiB) stays a
 * safe JavaScript integer, so the offset arithmetic needs no BigInt.
 */
export const MAX_PLAINTEXT_SIZE = 2 ** 52;

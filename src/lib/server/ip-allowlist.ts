// Moved to $lib/core so the share dialog checks allowlists with the same rules the server applies.
export * from '$lib/core/ip-allowlist';

import type { CORSRule } from '@aws-sdk/client-s3';

/**
 * The bucket CORS rule browsers need for direct part uploads: PUT with the
 * checksum headers, and the ETag readable by the page (without ExposeHeaders
 * the browser hides it and the upload cannot be completed).
 */
export const CORS_ALLOWED_HEADERS = [
	'content-type',
	'content-md5',
	'x-amz-checksum-sha256',
	'x-amz-checksum-crc32c',
	'range'
];
export const CORS_EXPOSED_HEADERS = [
	'ETag',
	'Content-Length',
	'Content-Range',
	'Accept-Ranges',
	'x-amz-checksum-sha256',
	'x-amz-checksum-crc32c'
];

export function ferryCorsRule(origins: string[]): CORSRule {
	return {
		ID: 'ferry-direct-upload',
		AllowedOrigins: origins,
		AllowedMethods: ['PUT', 'GET', 'HEAD'],
		AllowedHeaders: CORS_ALLOWED_HEADERS,
		ExposeHeaders: CORS_EXPOSED_HEADERS,
		MaxAgeSeconds: 3600
	};
}

const lower = (values: string[] | undefined) => new Set((values ?? []).map((v) => v.toLowerCase()));

/** What an existing rule set lacks for `origin`, in words; empty when it is enough. */
export function corsGaps(rules: CORSRule[], origin: string): string[] {
	const rule = rules.find((r) => (r.AllowedOrigins ?? []).some((o) => o === '*' || o === origin));
	if (!rule) return [`no CORS rule allows the origin ${origin}`];
	const gaps: string[] = [];
	const methods = lower(rule.AllowedMethods);
	for (const method of ['put', 'get', 'head'])
		if (!methods.has(method))
			gaps.push(`the rule for ${origin} does not allow ${method.toUpperCase()}`);
	const allowed = lower(rule.AllowedHeaders);
	if (!allowed.has('*'))
		for (const header of CORS_ALLOWED_HEADERS)
			if (!allowed.has(header))
				gaps.push(`the rule for ${origin} does not allow the request header ${header}`);
	const exposed = lower(rule.ExposeHeaders);
	if (!exposed.has('etag'))
		gaps.push(`the rule for ${origin} does not expose ETag, so browsers cannot complete uploads`);
	return gaps;
}

/** Keeps rules unrelated to Ferry, replaces ours. */
export function mergeCorsRules(existing: CORSRule[], origins: string[]): CORSRule[] {
	return [...existing.filter((rule) => rule.ID !== 'ferry-direct-upload'), ferryCorsRule(origins)];
}

import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from './db';
import { apiTokens, users } from './db/schema';
import { ApiError } from './http';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password';
import { RateLimiter } from './rate-limit';
import { hashToken, newId, randomToken } from './tokens';

export const signupSchema = z.object({
	email: z.email('enter a valid email address').max(254),
	password: z
		.string()
		.min(10, 'use at least 10 characters for the password')
		.max(256, 'use at most 256 characters for the password'),
	name: z
		.string()
		.trim()
		.min(1, 'enter your name')
		.max(80, 'use at most 80 characters for the name')
		.regex(/^[^\p{Cc}]*$/u, 'the name may not contain control characters')
});

export const loginSchema = z.object({
	email: z.string().trim().min(1, 'enter your email address').max(254),
	password: z.string().min(1, 'enter your password').max(256)
});

export type PublicUser = { id: string; email: string; name: string };

function toPublic(user: { id: string; email: string; displayName: string }): PublicUser {
	return { id: user.id, email: user.email, name: user.displayName };
}

export async function signUp(db: Db, input: z.infer<typeof signupSchema>): Promise<PublicUser> {
	const email = input.email.trim().toLowerCase();
	const existing = db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
	if (existing) {
		throw new ApiError(409, 'email_taken', 'An account with this email already exists; sign in instead.');
	}
	const user = { id: newId(), email, displayName: input.name, passwordHash: await hashPassword(input.password) };
	try {
		db.insert(users).values(user).run();
	} catch (error) {
		// Two sign-ups racing for the same address: the unique index decides.
		if (String(error).includes('UNIQUE')) {
			throw new ApiError(409, 'email_taken', 'An account with this email already exists; sign in instead.');
		}
		throw error;
	}
	return toPublic(user);
}

// Per account: 10 failures in 15 minutes; per IP: 50 failures in 15 minutes.
export const loginLimits = {
	account: new RateLimiter(10, 15 * 60 * 1000),
	ip: new RateLimiter(50, 15 * 60 * 1000)
};

export async function logIn(
	db: Db,
	input: z.infer<typeof loginSchema>,
	ip: string | null
): Promise<PublicUser> {
	const email = input.email.trim().toLowerCase();
	const accountKey = `account:${email}`;
	const ipKey = `ip:${ip ?? 'unknown'}`;
	const wait = Math.max(loginLimits.account.retryAfterSeconds(accountKey), loginLimits.ip.retryAfterSeconds(ipKey));
	if (wait > 0) throw tooManyAttempts(wait);
	const user = db.select().from(users).where(eq(users.email, email)).get();
	const ok = user ? await verifyPassword(user.passwordHash, input.password) : (await burnPasswordCheck(input.password), false);
	if (!user || !ok) {
		const over = Math.max(loginLimits.account.hit(accountKey), loginLimits.ip.hit(ipKey));
		if (over > 0) throw tooManyAttempts(over);
		throw new ApiError(401, 'invalid_credentials', 'The email or password is wrong.');
	}
	loginLimits.account.reset(accountKey);
	return toPublic(user);
}

function tooManyAttempts(seconds: number): ApiError {
	return new ApiError(
		429,
		'rate_limited',
		`Too many failed sign-ins; try again in ${seconds} s.`,
		{ 'Retry-After': String(seconds) }
	);
}

export const tokenNameSchema = z.object({
	name: z.string().trim().min(1, 'give the token a name').max(80, 'use at most 80 characters')
});

/** Personal API tokens are shown once; we keep only their hash. */
export function createApiToken(db: Db, userId: string, name: string): { id: string; token: string } {
	const token = `ferry_${randomToken(24)}`;
	const id = newId();
	db.insert(apiTokens).values({ id, userId, name, tokenHash: hashToken(token) }).run();
	return { id, token };
}

export function revokeApiToken(db: Db, userId: string, tokenId: string): boolean {
	const result = db
		.update(apiTokens)
		.set({ revokedAt: new Date() })
		.where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
		.run();
	return result.changes > 0;
}

export function listApiTokens(db: Db, userId: string) {
	return db
		.select({ id: apiTokens.id, name: apiTokens.name, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt })
		.from(apiTokens)
		.where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
		.all();
}

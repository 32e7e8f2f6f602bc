import { sql } from 'drizzle-orm';
import {
	index,
	integer,
	primaryKey,
	sqliteTable,
	text
} from 'drizzle-orm/sqlite-core';

/** Timestamps are stored as integer milliseconds since the epoch. */
const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });
const createdAt = () =>
	timestamp('created_at')
		.notNull()
		.default(sql`(unixepoch('subsec') * 1000)`);

export const roomRoles = ['owner', 'member', 'viewer'] as const;
export type RoomRole = (typeof roomRoles)[number];

export const users = sqliteTable('users', {
	id: text('id').primaryKey(),
	/** Stored lower-cased and trimmed, so sign-in is case-insensitive. */
	email: text('email').notNull().unique(),
	displayName: text('display_name').notNull(),
	passwordHash: text('password_hash').notNull(),
	/** Null means the instance default from configuration. */
	storageQuotaBytes: integer('storage_quota_bytes'),
	createdAt: createdAt()
});

export const sessions = sqliteTable(
	'sessions',
	{
		/** SHA-256 (hex) of the cookie token; the token itself is never stored. */
		id: text('id').primaryKey(),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		expiresAt: timestamp('expires_at').notNull(),
		createdAt: createdAt(),
		createdFromIp: text('created_from_ip'),
		userAgent: text('user_agent')
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);

export const apiTokens = sqliteTable(
	'api_tokens',
	{
		id: text('id').primaryKey(),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		/** SHA-256 (hex) of the bearer token, shown to the user once at creation. */
		tokenHash: text('token_hash').notNull().unique(),
		createdAt: createdAt(),
		lastUsedAt: timestamp('last_used_at'),
		revokedAt: timestamp('revoked_at')
	},
	(t) => [index('api_tokens_user_idx').on(t.userId)]
);

export const rooms = sqliteTable('rooms', {
	id: text('id').primaryKey(),
	name: text('name').notNull(),
	createdByUserId: text('created_by_user_id').references(() => users.id, {
		onDelete: 'set null'
	}),
	/** End-to-end encrypted rooms keep their key in members' browsers only. */
	isEndToEndEncrypted: integer('is_end_to_end_encrypted', { mode: 'boolean' })
		.notNull()
		.default(false),
	createdAt: createdAt()
});

export const roomMembers = sqliteTable(
	'room_members',
	{
		roomId: text('room_id')
			.notNull()
			.references(() => rooms.id, { onDelete: 'cascade' }),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		role: text('role', { enum: roomRoles }).notNull(),
		joinedAt: createdAt()
	},
	(t) => [primaryKey({ columns: [t.roomId, t.userId] }), index('room_members_user_idx').on(t.userId)]
);

export const roomInvites = sqliteTable(
	'room_invites',
	{
		id: text('id').primaryKey(),
		roomId: text('room_id')
			.notNull()
			.references(() => rooms.id, { onDelete: 'cascade' }),
		/** SHA-256 (hex) of the invite token carried in the link. */
		tokenHash: text('token_hash').notNull().unique(),
		role: text('role', { enum: roomRoles }).notNull(),
		createdByUserId: text('created_by_user_id').references(() => users.id, {
			onDelete: 'set null'
		}),
		expiresAt: timestamp('expires_at').notNull(),
		acceptedCount: integer('accepted_count').notNull().default(0),
		revokedAt: timestamp('revoked_at'),
		createdAt: createdAt()
	},
	(t) => [index('room_invites_room_idx').on(t.roomId)]
);

export const storageProviders = sqliteTable('storage_providers', {
	/** The id given in configuration, e.g. "local" or "s3-main". */
	id: text('id').primaryKey(),
	kind: text('kind', { enum: ['local', 's3'] }).notNull(),
	priority: integer('priority').notNull().default(0),
	weight: integer('weight').notNull().default(1),
	isHealthy: integer('is_healthy', { mode: 'boolean' }).notNull().default(true),
	lastHealthCheckAt: timestamp('last_health_check_at'),
	lastHealthError: text('last_health_error'),
	createdAt: createdAt()
});

export const files = sqliteTable(
	'files',
	{
		id: text('id').primaryKey(),
		roomId: text('room_id')
			.notNull()
			.references(() => rooms.id, { onDelete: 'cascade' }),
		uploadedByUserId: text('uploaded_by_user_id').references(() => users.id, {
			onDelete: 'set null'
		}),
		storageProviderId: text('storage_provider_id')
			.notNull()
			.references(() => storageProviders.id),
		storageKey: text('storage_key').notNull(),
		/** For end-to-end encrypted files this is ciphertext (base64url), never the real name. */
		name: text('name').notNull(),
		contentType: text('content_type').notNull(),
		/** Bytes as stored (ciphertext size for encrypted files). */
		sizeBytes: integer('size_bytes').notNull(),
		checksumAlgorithm: text('checksum_algorithm'),
		checksumValue: text('checksum_value'),
		/** Encryption header (no key) as JSON, or null for plain files. */
		encryptionJson: text('encryption_json'),
		/** Only "available" files are listed; a row exists only once an upload completed. */
		status: text('status', { enum: ['available', 'deleting'] })
			.notNull()
			.default('available'),
		createdAt: createdAt()
	},
	(t) => [index('files_room_idx').on(t.roomId)]
);

export const uploadStates = ['uploading', 'completing', 'completed', 'aborted', 'expired'] as const;

export const uploadSessions = sqliteTable(
	'upload_sessions',
	{
		id: text('id').primaryKey(),
		/** Reserved at creation; the files row with this id appears only at completion. */
		fileId: text('file_id').notNull().unique(),
		roomId: text('room_id')
			.notNull()
			.references(() => rooms.id, { onDelete: 'cascade' }),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		storageProviderId: text('storage_provider_id')
			.notNull()
			.references(() => storageProviders.id),
		storageKey: text('storage_key').notNull(),
		/** The provider's own multipart upload id. */
		storageUploadId: text('storage_upload_id').notNull(),
		fileName: text('file_name').notNull(),
		contentType: text('content_type').notNull(),
		sizeBytes: integer('size_bytes').notNull(),
		partSizeBytes: integer('part_size_bytes').notNull(),
		partCount: integer('part_count').notNull(),
		checksumAlgorithm: text('checksum_algorithm'),
		encryptionJson: text('encryption_json'),
		lastModifiedAt: timestamp('last_modified_at'),
		state: text('state', { enum: uploadStates }).notNull().default('uploading'),
		createdAt: createdAt(),
		lastActivityAt: timestamp('last_activity_at').notNull(),
		expiresAt: timestamp('expires_at').notNull(),
		completedAt: timestamp('completed_at')
	},
	(t) => [
		index('upload_sessions_user_idx').on(t.userId),
		index('upload_sessions_expiry_idx').on(t.state, t.expiresAt)
	]
);

export const uploadParts = sqliteTable(
	'upload_parts',
	{
		uploadSessionId: text('upload_session_id')
			.notNull()
			.references(() => uploadSessions.id, { onDelete: 'cascade' }),
		partNumber: integer('part_number').notNull(),
		sizeBytes: integer('size_bytes').notNull(),
		etag: text('etag').notNull(),
		checksum: text('checksum'),
		reportedAt: createdAt()
	},
	(t) => [primaryKey({ columns: [t.uploadSessionId, t.partNumber] })]
);

export const shares = sqliteTable(
	'shares',
	{
		id: text('id').primaryKey(),
		fileId: text('file_id')
			.notNull()
			.references(() => files.id, { onDelete: 'cascade' }),
		createdByUserId: text('created_by_user_id').references(() => users.id, {
			onDelete: 'set null'
		}),
		/** SHA-256 (hex) of the link token; the token is only in the link. */
		tokenHash: text('token_hash').notNull().unique(),
		passwordHash: text('password_hash'),
		expiresAt: timestamp('expires_at'),
		maxDownloads: integer('max_downloads'),
		downloadCount: integer('download_count').notNull().default(0),
		allowedIpsJson: text('allowed_ips_json'),
		watermarkPreviews: integer('watermark_previews', { mode: 'boolean' }).notNull().default(false),
		revokedAt: timestamp('revoked_at'),
		createdAt: createdAt()
	},
	(t) => [index('shares_file_idx').on(t.fileId)]
);

export const shareDownloadGrants = sqliteTable('share_download_grants', {
	/** SHA-256 (hex) of the single-use grant token. */
	id: text('id').primaryKey(),
	shareId: text('share_id')
		.notNull()
		.references(() => shares.id, { onDelete: 'cascade' }),
	expiresAt: timestamp('expires_at').notNull(),
	usedAt: timestamp('used_at'),
	createdAt: createdAt()
});

export const shareAccessOutcomes = [
	'ok',
	'wrong_password',
	'expired',
	'limit_reached',
	'revoked',
	'ip_refused',
	'rate_limited'
] as const;

export const shareAccessLog = sqliteTable(
	'share_access_log',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		shareId: text('share_id')
			.notNull()
			.references(() => shares.id, { onDelete: 'cascade' }),
		at: createdAt(),
		ip: text('ip'),
		userAgent: text('user_agent'),
		outcome: text('outcome', { enum: shareAccessOutcomes }).notNull()
	},
	(t) => [index('share_access_log_share_idx').on(t.shareId)]
);

export const auditLog = sqliteTable(
	'audit_log',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		at: createdAt(),
		/** Null for anonymous actors (failed sign-in, share recipients). */
		actorUserId: text('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
		action: text('action').notNull(),
		roomId: text('room_id').references(() => rooms.id, { onDelete: 'cascade' }),
		targetType: text('target_type'),
		targetId: text('target_id'),
		ip: text('ip'),
		userAgent: text('user_agent'),
		detailsJson: text('details_json')
	},
	(t) => [index('audit_log_room_idx').on(t.roomId, t.at)]
);

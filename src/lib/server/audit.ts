import type { Db } from './db';
import { auditLog } from './db/schema';

export interface AuditEntry {
	action: string;
	actorUserId?: string | null;
	roomId?: string | null;
	targetType?: string;
	targetId?: string;
	ip?: string | null;
	userAgent?: string | null;
	details?: Record<string, unknown>;
}

/** Records a security-relevant action: who, what, when, from where. */
export function audit(db: Db, entry: AuditEntry): void {
	db.insert(auditLog)
		.values({
			action: entry.action,
			actorUserId: entry.actorUserId ?? null,
			roomId: entry.roomId ?? null,
			targetType: entry.targetType ?? null,
			targetId: entry.targetId ?? null,
			ip: entry.ip ?? null,
			userAgent: entry.userAgent?.slice(0, 400) ?? null,
			detailsJson: entry.details ? JSON.stringify(entry.details) : null
		})
		.run();
}

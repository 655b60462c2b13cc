/**
 * The shapes of MasterClaw Core's session API, as zod schemas. The client parses
 * every response through them; the embedded Core builds its answers to match them.
 * Objects are not strict: a Core may add fields, and the client ignores what it does
 * not know.
 */
import { z } from 'zod';

import { parseCoreDatetime } from './datetime.js';

/** Query and body limits of the Core's routes. */
export const SESSION_LIST_LIMIT = { min: 1, max: 500, default: 100 } as const;
export const SESSION_HISTORY_LIMIT = { min: 1, max: 100, default: 50 } as const;
export const BULK_DELETE_OLDER_THAN_DAYS = { min: 1, max: 365, default: 30 } as const;

export const coreDatetime = z
  .string()
  .refine((text) => parseCoreDatetime(text) !== undefined, { message: 'not an ISO 8601 datetime' });

export const sessionInfoSchema = z.object({
  session_id: z.string(),
  created_at: coreDatetime,
  last_active: coreDatetime,
  message_count: z.number().int().nonnegative(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const sessionListResponseSchema = z.object({
  sessions: z.array(sessionInfoSchema),
  total: z.number().int().nonnegative(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type SessionListResponse = z.infer<typeof sessionListResponseSchema>;

export const memoryEntrySchema = z.object({
  id: z.string().nullable().optional(),
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  timestamp: coreDatetime,
  source: z.string().nullable().optional(),
});
export type MemoryEntry = z.infer<typeof memoryEntrySchema>;

export const sessionHistoryResponseSchema = z.object({
  session_id: z.string(),
  messages: z.array(memoryEntrySchema),
  total_messages: z.number().int().nonnegative(),
  session_duration_minutes: z.number().nullable(),
});
export type SessionHistoryResponse = z.infer<typeof sessionHistoryResponseSchema>;

export const sessionDeleteResponseSchema = z.object({
  success: z.boolean(),
  session_id: z.string(),
  memories_deleted: z.number().int().nonnegative(),
  message: z.string(),
});
export type SessionDeleteResponse = z.infer<typeof sessionDeleteResponseSchema>;

export const sessionStatsSchema = z.object({
  total_sessions: z.number().int().nonnegative(),
  total_messages: z.number().int().nonnegative(),
  average_messages_per_session: z.number().nonnegative(),
  active_sessions_24h: z.number().int().nonnegative(),
  active_sessions_7d: z.number().int().nonnegative(),
  timestamp: coreDatetime,
});
export type SessionStats = z.infer<typeof sessionStatsSchema>;

export const bulkSessionDeleteRequestSchema = z.object({
  session_ids: z.array(z.string()).nullable().optional(),
  older_than_days: z
    .number()
    .int()
    .min(BULK_DELETE_OLDER_THAN_DAYS.min)
    .max(BULK_DELETE_OLDER_THAN_DAYS.max)
    .optional(),
  dry_run: z.boolean().optional(),
});
export type BulkSessionDeleteRequest = z.infer<typeof bulkSessionDeleteRequestSchema>;

export const bulkSessionDeleteResponseSchema = z.object({
  success: z.boolean(),
  sessions_deleted: z.number().int().nonnegative(),
  sessions_failed: z.number().int().nonnegative(),
  memories_deleted: z.number().int().nonnegative(),
  dry_run: z.boolean(),
  deleted_session_ids: z.array(z.string()),
  failed_session_ids: z.array(z.object({ session_id: z.string(), error: z.string() })),
  duration_ms: z.number(),
  message: z.string(),
});
export type BulkSessionDeleteResponse = z.infer<typeof bulkSessionDeleteResponseSchema>;

export const memoryAddRequestSchema = z.object({
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  source: z.string().nullable().optional(),
  timestamp: coreDatetime.optional(),
});
export type MemoryAddRequest = z.infer<typeof memoryAddRequestSchema>;

export const memoryAddResponseSchema = z.object({
  success: z.boolean(),
  memory_id: z.string(),
  message: z.string(),
});
export type MemoryAddResponse = z.infer<typeof memoryAddResponseSchema>;

/** Error bodies: `error` on today's Core, `detail` on older or proxied ones, `message` as a last resort. */
export const errorBodySchema = z.object({
  error: z.unknown().optional(),
  detail: z.unknown().optional(),
  message: z.unknown().optional(),
  errors: z
    .array(z.object({ field: z.string(), message: z.string(), type: z.string().optional() }))
    .optional(),
  status_code: z.number().optional(),
  code: z.string().optional(),
  retry_after: z.number().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Metadata of a memory that belongs to a session. */
export const CHAT_INTERACTION_TYPE = 'chat_interaction';

export { openAuditLog, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES } from './log.js';
export type { AuditLog, AuditLogOptions } from './log.js';
export { verifyAuditLog } from './verify.js';
export type { AuditVerifyResult, VerifyAuditLogOptions } from './verify.js';
export { readAuditEntries } from './read.js';
export type { ReadAuditEntriesOptions } from './read.js';
export { AUDIT_OUTCOMES } from './entry.js';
export type { AuditEntryInput, AuditOutcome, AuditRecord } from './entry.js';
export { redactUrl, redactText } from './redact.js';

/* db_audit.h: the append-only, hash-chained audit log.
 *
 * Entry n commits to entry n-1: hash_n = keccak256(hash_{n-1} || be64(seq) || be64(at) ||
 * wallet || 0x00 || session_id || 0x00 || event || 0x00 || details), with hash_0 = 32 zero
 * bytes and details as canonical JSON (sorted keys, compact). audit_head holds the last
 * (seq, hash), updated in the same transaction, so deleting the newest entries is detected
 * like any other edit. Triggers refuse UPDATE and DELETE on the table.
 * Details never hold secrets: only ids, addresses, amounts, reasons. */
#ifndef SKM_DB_AUDIT_H
#define SKM_DB_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"

/* Append one entry inside the caller's open transaction (db_begin). details is borrowed
 * (an object, may be NULL for {}). wallet is lower-case hex; session_id may be "".
 * Returns: MCP_OK or MCP_EDB. */
enum mcp_rc db_audit_append(struct db *db, int64_t at, const char *wallet, const char *session_id,
                            const char *event, json_t *details, struct mcp_error *err) SKM_WARN_UNUSED;

/* Read entries newest first for a wallet (session_id NULL) or a session, starting below
 * before_seq (0 = from the newest), at most limit. Each entry: {seq, at (RFC 3339), event,
 * sessionId, details}. Returns: MCP_OK and *out (new array), *next_seq (0 when no more). */
enum mcp_rc db_audit_read(json_t **out, int64_t *next_seq, struct db *db, const char *wallet,
                          const char *session_id, int64_t before_seq, int limit,
                          struct mcp_error *err) SKM_WARN_UNUSED;

/* Walk the whole chain and check every link, the sequence numbers and the head.
 * Returns: MCP_OK and *n_entries; MCP_ECRYPTO with the first broken seq and what is wrong
 * ("entry 17 was altered", "entries after 41 were deleted"); MCP_EDB. */
enum mcp_rc db_audit_verify(int64_t *n_entries, struct db *db, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

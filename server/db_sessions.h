/* db_sessions.h: the sessions table. A row is written once at request time and then only
 * changes status (pending -> active | declined, active -> revoked), always through a guarded
 * UPDATE that names the status it expects, so two processes can never both move one session.
 * "expired" (active past expires_at) and "lapsed" (pending past approval_deadline) are derived
 * from the clock when read: no sweeper is needed for correctness. */
#ifndef SKM_DB_SESSIONS_H
#define SKM_DB_SESSIONS_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"

#define SESSION_ID_MAX 40

struct session_row {
    char id[SESSION_ID_MAX];
    char wallet[43];       /* lower-case 0x hex */
    char owner[43];
    uint64_t chain_id;
    char account_type[24]; /* "other" ("session-approval" in older rows) or "kernel-v3" */
    char feature[81];
    char label[81];
    char scope_key[67];
    char schedule[256];    /* the automation's schedule in words, or "" */
    char session_key[43];
    char status[12];       /* stored status */
    int64_t created_at, approval_deadline, valid_after, expires_at, approved_at, ended_at;
    uint8_t digest[32];
    char *policy;          /* canonical JSON, malloc'd (db_session_row_free) */
    char *typed_data;      /* the typed data the user was asked to sign, malloc'd */
    char *account;         /* kernel-v3 account options (JSON) or "", malloc'd */
};

void db_session_row_free(struct session_row *r);

/* The status a person should see at time now: the stored one, or "expired"/"lapsed". */
const char *db_session_status(const struct session_row *r, int64_t now);

/* Returns: 1 if the session is live at now (pending before its deadline, or active before
 * expiry), else 0. */
int db_session_is_live(const struct session_row *r, int64_t now);

/* A new random session id, "ses_" + 26 base32 characters (130 bits from libsodium). */
void db_session_new_id(char out[SESSION_ID_MAX]);

/* INSERT a new (pending) row. Returns: MCP_OK, MCP_ECONFLICT (id exists), or MCP_EDB. */
enum mcp_rc db_session_insert(struct db *db, const struct session_row *r, struct mcp_error *err) SKM_WARN_UNUSED;

/* Load one row. Returns: MCP_OK, MCP_ENOTFOUND (message names the id), or MCP_EDB. */
enum mcp_rc db_session_get(struct db *db, struct session_row *out, const char *id, struct mcp_error *err) SKM_WARN_UNUSED;

/* Move id from `from` to `to` at time at (sets approved_at for "active", ended_at otherwise).
 * Returns: MCP_OK; MCP_ECONFLICT if the row was not in `from` any more; MCP_EDB. */
enum mcp_rc db_session_transition(struct db *db, const char *id, const char *from, const char *to, int64_t at,
                                  struct mcp_error *err) SKM_WARN_UNUSED;

/* Sessions of a wallet, newest first, whose derived status matches filter ("all", "live" =
 * active or pending, or one of active, pending, expired, revoked, declined, lapsed). Paging by (created_at, id) below the
 * cursor values (cursor_at 0 = from the newest). Returns rows in *rows (n, caller frees each
 * with db_session_row_free and the array with free) and sets *more when another page exists. */
enum mcp_rc db_session_list(struct session_row **rows, int *n, int *more, struct db *db, const char *wallet,
                            const char *filter, int64_t now, int64_t cursor_at, const char *cursor_id, int limit,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* Live sessions of a wallet that collide with a new request: same feature when feature is
 * not "", else same scope_key. Same output convention as db_session_list. */
enum mcp_rc db_session_find_live(struct session_row **rows, int *n, struct db *db, const char *wallet,
                                 const char *feature, const char *scope_key, int64_t now,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* Sessions of a wallet (any status, newest first, at most 20) whose feature equals term or
 * whose label equals term ignoring case; term "" matches every session of the wallet. */
enum mcp_rc db_session_match(struct session_row **rows, int *n, struct db *db, const char *wallet,
                             const char *term, struct mcp_error *err) SKM_WARN_UNUSED;

/* Delete the sealed keys of sessions that can never be used again at time now (expired,
 * lapsed, and any declined or revoked left behind): crypto-shredding for sessions that ended
 * by time. Runs inside the caller's write transaction; scans only the keys table, and at most
 * once per minute per process (pass force to run it now).
 * Returns: MCP_OK or MCP_EDB; *n_shredded (may be NULL). */
enum mcp_rc db_session_shred_ended(struct db *db, int64_t now, int force, int *n_shredded,
                                   struct mcp_error *err) SKM_WARN_UNUSED;

#endif

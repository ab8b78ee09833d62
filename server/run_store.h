/* run_store.h: the executor's state in the database (schema v2, server/db.c): the automation
 * each session was approved for, each slice's claim and outcome, and pauses.
 *
 * Claiming: run_store_claim runs inside BEGIN IMMEDIATE and re-reads the session, the
 * automation and the slice rows under the write lock, so any number of `sessionkey-mcp run`
 * processes on one data directory never hold the same slice, and never two slices of one
 * session at once (they share the session's nonce sequence). A slice held by an executor on
 * this host whose process is gone (kill -9) is taken over at once; one held from another host
 * only after its lease. A taken-over slice keeps its nonce and user operation hash, so the
 * new holder follows the operation already sent instead of sending another.
 *
 * Slice states: claimed (being built and signed) -> sent (user operation hash recorded BEFORE
 * it is handed to the bundler) -> done | failed (retried after retry_at, on the same nonce
 * while the chain has not used it). */
#ifndef SKM_RUN_STORE_H
#define SKM_RUN_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "db_sessions.h"
#include "mcp_err.h"

#define RUN_HOLDER_MAX 96
#define RUN_TEXT_MAX 320

struct run_slice {
    char session_id[SESSION_ID_MAX];
    int idx;
    int64_t due_at;
    char state[8];
    char claimed_by[RUN_HOLDER_MAX];
    int64_t lease_until;      /* claimed/sent: lease end; failed: not retried before this */
    int attempts;
    char nonce[80];           /* decimal, "" before the first build */
    char user_op_hash[67];
    char reservation_id[40];
    char amount_in[80], amount_out[80];
    char tx_hash[67];
    char error[RUN_TEXT_MAX];
    int64_t updated_at;
    int64_t sent_at;          /* when the gate signed the operation last sent (0: never) */
};

struct run_auto {
    char session_id[SESSION_ID_MAX];
    char *spec;               /* the automation JSON, malloc'd (run_auto_free) */
    int paused;
    char pause_kind[16];      /* "unreachable" (resumes by itself), "failures", or "" */
    char pause_reason[RUN_TEXT_MAX];
    int failures;             /* consecutive failed attempts */
    int64_t next_at;
};

void run_auto_free(struct run_auto *a);

/* Keep the automation a session is requested for (inside the request's transaction).
 * Returns: MCP_OK, MCP_ENOMEM, MCP_EDB. */
enum mcp_rc run_store_put_spec(struct db *db, const char *session_id, json_t *spec, int64_t now,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* The automation of a session. Returns: MCP_OK, MCP_ENOTFOUND (no automation), MCP_EDB. */
enum mcp_rc run_store_get(struct db *db, const char *session_id, struct run_auto *out,
                          struct mcp_error *err) SKM_WARN_UNUSED;

/* Ids of the sessions an executor follows: active, not expired at now, with an automation.
 * Out: *ids (malloc'd array of SESSION_ID_MAX strings; free) and *n. */
enum mcp_rc run_store_followed(struct db *db, int64_t now, char (**ids)[SESSION_ID_MAX], int *n,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* This process's holder name, "host:pid". */
void run_store_holder(char out[RUN_HOLDER_MAX]);

/* 1 when holder names a process on this host that no longer exists. */
int run_store_holder_gone(const char *holder);

enum run_claim {
    RUN_CLAIMED,       /* *out is ours (fresh, or taken over with its nonce / hash) */
    RUN_CLAIM_DONE,    /* the slice already ran */
    RUN_CLAIM_BUSY,    /* another live executor holds this or another slice of the session */
    RUN_CLAIM_WAIT,    /* a failed slice whose retry time has not come */
    RUN_CLAIM_STOPPED  /* the session is not active (revoked, expired) or the automation is paused */
};

/* Claim slice idx (due at due_at) of session_id for holder, with a lease of lease seconds.
 * One BEGIN IMMEDIATE transaction. Returns: MCP_OK with *res; MCP_EDB. */
enum mcp_rc run_store_claim(struct db *db, const char *session_id, int idx, int64_t due_at, const char *holder,
                            int64_t now, int64_t lease, enum run_claim *res, struct run_slice *out,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* Record the operation about to be sent (before the bundler sees it): state sent. */
enum mcp_rc run_store_sent(struct db *db, const struct run_slice *s, int64_t now,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* The slice ran: state done, the automation's failure count back to 0. */
enum mcp_rc run_store_done(struct db *db, const struct run_slice *s, int64_t now,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* An attempt failed: state failed, retried after retry_at; the automation's consecutive
 * failures + 1, and at max_failures it is paused (kind, reason). *paused (may be NULL) says
 * whether this pause happened. */
enum mcp_rc run_store_failed(struct db *db, const struct run_slice *s, const char *why, int64_t retry_at,
                             int max_failures, const char *kind, int64_t now, int *paused,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* Not yet (the gate's rate limit): state failed until retry_at, no attempt or failure counted. */
enum mcp_rc run_store_defer(struct db *db, const struct run_slice *s, const char *why, int64_t retry_at, int64_t now,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* Give a claim back untouched (SIGTERM before anything was signed). */
enum mcp_rc run_store_release(struct db *db, const struct run_slice *s, struct mcp_error *err) SKM_WARN_UNUSED;

/* Pause (kind, reason) or resume (kind NULL) an automation. */
enum mcp_rc run_store_pause(struct db *db, const char *session_id, const char *kind, const char *reason,
                            int64_t now, struct mcp_error *err) SKM_WARN_UNUSED;

/* The next slice's time, for list_automations. */
enum mcp_rc run_store_set_next(struct db *db, const char *session_id, int64_t next_at,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* The slices of a session in index order. Out: *rows (malloc'd) and *n. */
enum mcp_rc run_store_slices(struct db *db, const char *session_id, struct run_slice **rows, int *n,
                             struct mcp_error *err) SKM_WARN_UNUSED;

#endif

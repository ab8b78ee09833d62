/* run_store.c: the executor's tables (see run_store.h). */
#include "run_store.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "db_audit.h"

static void copy_col(char *out, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    snprintf(out, size, "%s", t ? (const char *)t : "");
}

void run_auto_free(struct run_auto *a)
{
    free(a->spec);
    a->spec = NULL;
}

enum mcp_rc run_store_put_spec(struct db *db, const char *session_id, json_t *spec, int64_t now,
                               struct mcp_error *err)
{
    char *text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
    sqlite3_stmt *st;
    enum mcp_rc rc;

    if (text == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if ((rc = db_prepare(db, &st, "INSERT OR REPLACE INTO automations(session_id, spec, updated_at) VALUES(?,?,?)",
                         err)) == MCP_OK) {
        sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now);
        rc = db_step_done(db, st, "saving the automation", err);
    }
    free(text);
    return rc;
}

enum mcp_rc run_store_get(struct db *db, const char *session_id, struct run_auto *out, struct mcp_error *err)
{
    sqlite3_stmt *st;
    int src;

    memset(out, 0, sizeof *out);
    if (db_prepare(db, &st, "SELECT spec, paused, pause_kind, pause_reason, failures, next_at FROM automations "
                   "WHERE session_id = ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        snprintf(out->session_id, sizeof out->session_id, "%s", session_id);
        out->spec = strdup((const char *)sqlite3_column_text(st, 0));
        out->paused = sqlite3_column_int(st, 1);
        copy_col(out->pause_kind, sizeof out->pause_kind, st, 2);
        copy_col(out->pause_reason, sizeof out->pause_reason, st, 3);
        out->failures = sqlite3_column_int(st, 4);
        out->next_at = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    if (src == SQLITE_DONE)
        return mcp_errf(err, MCP_ENOTFOUND, "session %s has no automation", session_id);
    if (src != SQLITE_ROW)
        return db_fail(db, src, "reading the automation", err);
    return out->spec ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
}

enum mcp_rc run_store_followed(struct db *db, int64_t now, char (**ids)[SESSION_ID_MAX], int *n,
                               struct mcp_error *err)
{
    sqlite3_stmt *st;
    int src, cap = 0;

    *ids = NULL;
    *n = 0;
    if (db_prepare(db, &st, "SELECT s.id FROM sessions s JOIN automations a ON a.session_id = s.id "
                   "WHERE s.status = 'active' AND s.expires_at > ? ORDER BY s.created_at, s.id", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_int64(st, 1, now);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            void *p = realloc(*ids, (size_t)(cap = cap ? cap * 2 : 16) * sizeof **ids);

            if (p == NULL) {
                sqlite3_finalize(st);
                return mcp_errf(err, MCP_ENOMEM, "out of memory");
            }
            *ids = p;
        }
        copy_col((*ids)[(*n)++], SESSION_ID_MAX, st, 0);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? MCP_OK : db_fail(db, src, "listing the automations", err);
}

void run_store_holder(char out[RUN_HOLDER_MAX])
{
    char host[64] = "";

    gethostname(host, sizeof host - 1);
    snprintf(out, RUN_HOLDER_MAX, "%s:%ld", host, (long)getpid());
}

int run_store_holder_gone(const char *holder)
{
    char host[64] = "";
    const char *colon = strrchr(holder, ':');
    long pid;

    gethostname(host, sizeof host - 1);
    if (colon == NULL || (size_t)(colon - holder) != strlen(host) || strncmp(holder, host, strlen(host)) != 0)
        return 0;
    pid = strtol(colon + 1, NULL, 10);
    if (pid <= 0)
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static const char slice_cols[] = "session_id, idx, due_at, state, claimed_by, lease_until, attempts, nonce, "
                                 "user_op_hash, reservation_id, amount_in, amount_out, tx_hash, error, updated_at, sent_at";

static void read_slice(struct run_slice *s, sqlite3_stmt *st)
{
    memset(s, 0, sizeof *s);
    copy_col(s->session_id, sizeof s->session_id, st, 0);
    s->idx = sqlite3_column_int(st, 1);
    s->due_at = sqlite3_column_int64(st, 2);
    copy_col(s->state, sizeof s->state, st, 3);
    copy_col(s->claimed_by, sizeof s->claimed_by, st, 4);
    s->lease_until = sqlite3_column_int64(st, 5);
    s->attempts = sqlite3_column_int(st, 6);
    copy_col(s->nonce, sizeof s->nonce, st, 7);
    copy_col(s->user_op_hash, sizeof s->user_op_hash, st, 8);
    copy_col(s->reservation_id, sizeof s->reservation_id, st, 9);
    copy_col(s->amount_in, sizeof s->amount_in, st, 10);
    copy_col(s->amount_out, sizeof s->amount_out, st, 11);
    copy_col(s->tx_hash, sizeof s->tx_hash, st, 12);
    copy_col(s->error, sizeof s->error, st, 13);
    s->updated_at = sqlite3_column_int64(st, 14);
    s->sent_at = sqlite3_column_int64(st, 15);
}

enum mcp_rc run_store_slices(struct db *db, const char *session_id, struct run_slice **rows, int *n,
                             struct mcp_error *err)
{
    char sql[400];
    sqlite3_stmt *st;
    int src, cap = 0;

    *rows = NULL;
    *n = 0;
    snprintf(sql, sizeof sql, "SELECT %s FROM slices WHERE session_id = ? ORDER BY idx", slice_cols);
    if (db_prepare(db, &st, sql, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            void *p = realloc(*rows, (size_t)(cap = cap ? cap * 2 : 8) * sizeof **rows);

            if (p == NULL) {
                sqlite3_finalize(st);
                free(*rows);
                *rows = NULL;
                *n = 0;
                return mcp_errf(err, MCP_ENOMEM, "out of memory");
            }
            *rows = p;
        }
        read_slice(&(*rows)[(*n)++], st);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? MCP_OK : db_fail(db, src, "reading the slices", err);
}

/* Inside the claim transaction: is the session still to be served? */
static enum mcp_rc claim_gate(struct db *db, const char *session_id, int64_t now, int *ok, struct mcp_error *err)
{
    sqlite3_stmt *st;
    int src;

    *ok = 0;
    if (db_prepare(db, &st, "SELECT 1 FROM sessions s JOIN automations a ON a.session_id = s.id WHERE s.id = ? "
                   "AND s.status = 'active' AND s.expires_at > ? AND a.paused = 0", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return db_fail(db, src, "checking the session", err);
    *ok = src == SQLITE_ROW;
    return MCP_OK;
}

static enum mcp_rc claim_in_tx(struct db *db, const char *session_id, int idx, int64_t due_at, const char *holder,
                               int64_t now, int64_t lease, enum run_claim *res, struct run_slice *out,
                               struct mcp_error *err)
{
    struct run_slice *rows = NULL, *mine = NULL;
    sqlite3_stmt *st;
    int n = 0, ok;
    enum mcp_rc rc;

    if ((rc = claim_gate(db, session_id, now, &ok, err)) != MCP_OK)
        return rc;
    if (!ok) {
        *res = RUN_CLAIM_STOPPED;
        return MCP_OK;
    }
    if ((rc = run_store_slices(db, session_id, &rows, &n, err)) != MCP_OK)
        return rc;
    *res = RUN_CLAIMED;
    for (int i = 0; i < n; i++) {
        char host[64] = "";

        gethostname(host, sizeof host - 1);
        if (rows[i].idx == idx)
            mine = &rows[i];
        /* a live holder on this host keeps its slice whatever the lease says (the test clock
         * can jump); another host's holder keeps it until the lease ends */
        if ((strcmp(rows[i].state, "claimed") == 0 || strcmp(rows[i].state, "sent") == 0) &&
            strcmp(rows[i].claimed_by, holder) != 0 && !run_store_holder_gone(rows[i].claimed_by) &&
            (strncmp(rows[i].claimed_by, host, strlen(host)) == 0 || rows[i].lease_until > now))
            *res = RUN_CLAIM_BUSY;
    }
    if (*res == RUN_CLAIMED && mine != NULL && strcmp(mine->state, "done") == 0)
        *res = RUN_CLAIM_DONE;
    if (*res == RUN_CLAIMED && mine != NULL && strcmp(mine->state, "failed") == 0 && mine->lease_until > now)
        *res = RUN_CLAIM_WAIT;
    if (*res != RUN_CLAIMED) {
        free(rows);
        return MCP_OK;
    }
    if (mine != NULL) {
        *out = *mine;
        rc = db_prepare(db, &st, "UPDATE slices SET claimed_by = ?, lease_until = ?, updated_at = ?, "
                        "state = CASE state WHEN 'failed' THEN 'claimed' ELSE state END "
                        "WHERE session_id = ? AND idx = ?", err);
        if (rc == MCP_OK) {
            sqlite3_bind_text(st, 1, holder, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, now + lease);
            sqlite3_bind_int64(st, 3, now);
            sqlite3_bind_text(st, 4, session_id, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 5, idx);
            rc = db_step_done(db, st, "claiming a slice", err);
        }
        if (strcmp(out->state, "failed") == 0)
            snprintf(out->state, sizeof out->state, "claimed");
    } else {
        memset(out, 0, sizeof *out);
        snprintf(out->session_id, sizeof out->session_id, "%s", session_id);
        out->idx = idx;
        out->due_at = due_at;
        snprintf(out->state, sizeof out->state, "claimed");
        rc = db_prepare(db, &st, "INSERT INTO slices(session_id, idx, due_at, state, claimed_by, lease_until, "
                        "updated_at) VALUES(?,?,?,'claimed',?,?,?)", err);
        if (rc == MCP_OK) {
            sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, idx);
            sqlite3_bind_int64(st, 3, due_at);
            sqlite3_bind_text(st, 4, holder, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, now + lease);
            sqlite3_bind_int64(st, 6, now);
            rc = db_step_done(db, st, "claiming a slice", err);
        }
    }
    snprintf(out->claimed_by, sizeof out->claimed_by, "%s", holder);
    out->lease_until = now + lease;
    free(rows);
    return rc;
}

enum mcp_rc run_store_claim(struct db *db, const char *session_id, int idx, int64_t due_at, const char *holder,
                            int64_t now, int64_t lease, enum run_claim *res, struct run_slice *out,
                            struct mcp_error *err)
{
    enum mcp_rc rc;

    *res = RUN_CLAIM_BUSY;
    if (db_begin(db, err) != MCP_OK)
        return MCP_EDB;
    rc = claim_in_tx(db, session_id, idx, due_at, holder, now, lease, res, out, err);
    if (rc == MCP_OK)
        rc = db_commit(db, err);
    db_rollback(db);
    return rc;
}

/* One UPDATE of a slice row in its own transaction. */
static enum mcp_rc update_slice(struct db *db, const struct run_slice *s, const char *state, int64_t lease_until,
                                int add_attempt, int64_t now, struct mcp_error *err)
{
    sqlite3_stmt *st;

    if (db_prepare(db, &st, "UPDATE slices SET state = ?, lease_until = ?, attempts = attempts + ?, nonce = ?, "
                   "user_op_hash = ?, reservation_id = ?, amount_in = ?, amount_out = ?, tx_hash = ?, error = ?, "
                   "updated_at = ? WHERE session_id = ? AND idx = ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, lease_until);
    sqlite3_bind_int(st, 3, add_attempt);
    sqlite3_bind_text(st, 4, s->nonce, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, s->user_op_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, s->reservation_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, s->amount_in, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, s->amount_out, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, s->tx_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, s->error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_text(st, 12, s->session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 13, s->idx);
    return db_step_done(db, st, "saving the slice", err);
}

enum mcp_rc run_store_sent(struct db *db, const struct run_slice *s, int64_t now, struct mcp_error *err)
{
    sqlite3_stmt *st;
    enum mcp_rc rc;

    if (db_begin(db, err) != MCP_OK)
        return MCP_EDB;
    if ((rc = update_slice(db, s, "sent", s->lease_until, 0, now, err)) == MCP_OK &&
        (rc = db_prepare(db, &st, "UPDATE slices SET sent_at = ? WHERE session_id = ? AND idx = ?", err)) == MCP_OK) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, s->session_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, s->idx);
        if ((rc = db_step_done(db, st, "saving the slice", err)) == MCP_OK)
            rc = db_commit(db, err);
    }
    db_rollback(db);
    return rc;
}

static enum mcp_rc set_failures(struct db *db, const char *session_id, const char *expr_sql, int64_t now,
                                struct mcp_error *err)
{
    sqlite3_stmt *st;

    if (db_prepare(db, &st, expr_sql, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, session_id, -1, SQLITE_STATIC);
    return db_step_done(db, st, "saving the automation", err);
}

enum mcp_rc run_store_done(struct db *db, const struct run_slice *s, int64_t now, struct mcp_error *err)
{
    enum mcp_rc rc;

    if (db_begin(db, err) != MCP_OK)
        return MCP_EDB;
    if ((rc = update_slice(db, s, "done", 0, 1, now, err)) == MCP_OK &&
        (rc = set_failures(db, s->session_id, "UPDATE automations SET failures = 0, updated_at = ? "
                           "WHERE session_id = ?", now, err)) == MCP_OK)
        rc = db_commit(db, err);
    db_rollback(db);
    return rc;
}

enum mcp_rc run_store_failed(struct db *db, const struct run_slice *s, const char *why, int64_t retry_at,
                             int max_failures, const char *kind, int64_t now, int *paused, struct mcp_error *err)
{
    struct run_slice f = *s;
    struct run_auto a;
    enum mcp_rc rc;

    if (paused)
        *paused = 0;
    snprintf(f.error, sizeof f.error, "%s", why);
    if (db_begin(db, err) != MCP_OK)
        return MCP_EDB;
    if ((rc = update_slice(db, &f, "failed", retry_at, 1, now, err)) != MCP_OK ||
        (rc = set_failures(db, s->session_id, "UPDATE automations SET failures = failures + 1, updated_at = ? "
                           "WHERE session_id = ?", now, err)) != MCP_OK ||
        (rc = run_store_get(db, s->session_id, &a, err)) != MCP_OK)
        goto out;
    if (a.failures >= max_failures && !a.paused) {
        char reason[RUN_TEXT_MAX];

        snprintf(reason, sizeof reason, "%d attempts in a row failed; the last: %.200s", a.failures, why);
        rc = run_store_pause(db, s->session_id, kind, reason, now, err);
        if (paused)
            *paused = rc == MCP_OK;
    }
    run_auto_free(&a);
    if (rc == MCP_OK)
        rc = db_commit(db, err);
out:
    db_rollback(db);
    return rc;
}

enum mcp_rc run_store_defer(struct db *db, const struct run_slice *s, const char *why, int64_t retry_at, int64_t now,
                            struct mcp_error *err)
{
    struct run_slice f = *s;

    snprintf(f.error, sizeof f.error, "%s", why);
    return update_slice(db, &f, "failed", retry_at, 0, now, err);
}

enum mcp_rc run_store_release(struct db *db, const struct run_slice *s, struct mcp_error *err)
{
    sqlite3_stmt *st;

    if (s->nonce[0] != '\0' || s->user_op_hash[0] != '\0') /* keep what a later holder must follow */
        return update_slice(db, s, "failed", 0, 0, s->updated_at, err);
    if (db_prepare(db, &st, "DELETE FROM slices WHERE session_id = ? AND idx = ? AND state = 'claimed'", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, s->session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, s->idx);
    return db_step_done(db, st, "giving back a slice", err);
}

/* The pause or resume in the audit log, inside the caller's transaction. */
static enum mcp_rc audit_pause(struct db *db, const char *session_id, const char *kind, const char *reason,
                               int64_t now, struct mcp_error *err)
{
    char wallet[43] = "";
    sqlite3_stmt *st;
    json_t *d;
    enum mcp_rc rc;

    if (db_prepare(db, &st, "SELECT wallet FROM sessions WHERE id = ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        copy_col(wallet, sizeof wallet, st, 0);
    sqlite3_finalize(st);
    d = kind ? json_pack("{s:s, s:s}", "kind", kind, "reason", reason ? reason : "") : json_object();
    if (d == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = db_audit_append(db, now, wallet, session_id, kind ? "automation_paused" : "automation_resumed", d, err);
    json_decref(d);
    return rc;
}

enum mcp_rc run_store_pause(struct db *db, const char *session_id, const char *kind, const char *reason,
                            int64_t now, struct mcp_error *err)
{
    int own = !db->in_tx;
    sqlite3_stmt *st;
    enum mcp_rc rc;

    if (own && db_begin(db, err) != MCP_OK)
        return MCP_EDB;
    if ((rc = db_prepare(db, &st, "UPDATE automations SET paused = ?, pause_kind = ?, pause_reason = ?, "
                         "failures = CASE WHEN ? THEN failures ELSE 0 END, updated_at = ? WHERE session_id = ?",
                         err)) == MCP_OK) {
        sqlite3_bind_int(st, 1, kind != NULL);
        sqlite3_bind_text(st, 2, kind ? kind : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, kind ? reason : "", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, kind != NULL);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_text(st, 6, session_id, -1, SQLITE_STATIC);
        rc = db_step_done(db, st, "pausing the automation", err);
    }
    if (rc == MCP_OK)
        rc = audit_pause(db, session_id, kind, reason, now, err);
    if (own) {
        if (rc == MCP_OK)
            rc = db_commit(db, err);
        db_rollback(db);
    }
    return rc;
}

enum mcp_rc run_store_set_next(struct db *db, const char *session_id, int64_t next_at, struct mcp_error *err)
{
    sqlite3_stmt *st;

    if (db_prepare(db, &st, "UPDATE automations SET next_at = ? WHERE session_id = ? AND next_at != ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_int64(st, 1, next_at);
    sqlite3_bind_text(st, 2, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, next_at);
    return db_step_done(db, st, "saving the next slice time", err);
}

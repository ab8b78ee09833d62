/* db_sessions.c: the sessions table (see db_sessions.h). */
#include "db_sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS "id, wallet, owner, chain_id, account_type, feature, label, scope_key, session_key, status, " \
             "created_at, approval_deadline, valid_after, expires_at, approved_at, ended_at, digest, policy, typed_data, " \
             "schedule, account"

/* Live = pending before the deadline, or active before expiry (expressed once, in SQL). */
#define LIVE_SQL "((status = 'pending' AND approval_deadline > :now) OR (status = 'active' AND expires_at > :now))"

void db_session_row_free(struct session_row *r)
{
    free(r->policy);
    free(r->typed_data);
    free(r->account);
    r->policy = r->typed_data = r->account = NULL;
}

const char *db_session_status(const struct session_row *r, int64_t now)
{
    if (strcmp(r->status, "active") == 0 && now >= r->expires_at)
        return "expired";
    if (strcmp(r->status, "pending") == 0 && now >= r->approval_deadline)
        return "lapsed";
    return r->status;
}

int db_session_is_live(const struct session_row *r, int64_t now)
{
    const char *s = db_session_status(r, now);

    return strcmp(s, "active") == 0 || strcmp(s, "pending") == 0;
}

void db_session_new_id(char out[SESSION_ID_MAX])
{
    db_random_id(out, "ses_");
}

static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static char *dup_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    return strdup(t ? (const char *)t : "");
}

static int read_row(struct session_row *r, sqlite3_stmt *st)
{
    memset(r, 0, sizeof *r);
    copy_text(r->id, sizeof r->id, st, 0);
    copy_text(r->wallet, sizeof r->wallet, st, 1);
    copy_text(r->owner, sizeof r->owner, st, 2);
    r->chain_id = (uint64_t)sqlite3_column_int64(st, 3);
    copy_text(r->account_type, sizeof r->account_type, st, 4);
    copy_text(r->feature, sizeof r->feature, st, 5);
    copy_text(r->label, sizeof r->label, st, 6);
    copy_text(r->scope_key, sizeof r->scope_key, st, 7);
    copy_text(r->session_key, sizeof r->session_key, st, 8);
    copy_text(r->status, sizeof r->status, st, 9);
    r->created_at = sqlite3_column_int64(st, 10);
    r->approval_deadline = sqlite3_column_int64(st, 11);
    r->valid_after = sqlite3_column_int64(st, 12);
    r->expires_at = sqlite3_column_int64(st, 13);
    r->approved_at = sqlite3_column_int64(st, 14);
    r->ended_at = sqlite3_column_int64(st, 15);
    if (sqlite3_column_bytes(st, 16) == 32)
        memcpy(r->digest, sqlite3_column_blob(st, 16), 32);
    r->policy = dup_text(st, 17);
    r->typed_data = dup_text(st, 18);
    copy_text(r->schedule, sizeof r->schedule, st, 19);
    r->account = dup_text(st, 20);
    return r->policy != NULL && r->typed_data != NULL && r->account != NULL;
}

enum mcp_rc db_session_insert(struct db *db, const struct session_row *r, struct mcp_error *err)
{
    sqlite3_stmt *st;
    int rc;

    if (db_prepare(db, &st, "INSERT INTO sessions(" COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->wallet, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)r->chain_id);
    sqlite3_bind_text(st, 5, r->account_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->feature, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->scope_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->session_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, r->created_at);
    sqlite3_bind_int64(st, 12, r->approval_deadline);
    sqlite3_bind_int64(st, 13, r->valid_after);
    sqlite3_bind_int64(st, 14, r->expires_at);
    sqlite3_bind_null(st, 15);
    sqlite3_bind_null(st, 16);
    sqlite3_bind_blob(st, 17, r->digest, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 18, r->policy, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 19, r->typed_data, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 20, r->schedule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 21, r->account ? r->account : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return mcp_errf(err, MCP_ECONFLICT, "session %s already exists", r->id);
    return rc == SQLITE_DONE ? MCP_OK : db_fail(db, rc, "saving the session", err);
}

enum mcp_rc db_session_get(struct db *db, struct session_row *out, const char *id, struct mcp_error *err)
{
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof *out);
    if (db_prepare(db, &st, "SELECT " COLS " FROM sessions WHERE id = ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && !read_row(out, st)) {
        sqlite3_finalize(st);
        db_session_row_free(out);
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return mcp_errf(err, MCP_ENOTFOUND, "There is no session %.40s. Call list_automations to see the wallet's "
                        "sessions and their ids.", id);
    return rc == SQLITE_ROW ? MCP_OK : db_fail(db, rc, "reading the session", err);
}

enum mcp_rc db_session_transition(struct db *db, const char *id, const char *from, const char *to, int64_t at,
                                  struct mcp_error *err)
{
    /* A pending request past its deadline is lapsed even though its stored status says
     * pending: the guard includes the deadline, so no race can activate it. */
    const char *sql = strcmp(to, "active") == 0
                          ? "UPDATE sessions SET status = ?1, approved_at = ?2 WHERE id = ?3 AND status = ?4 "
                            "AND approval_deadline > ?2"
                          : "UPDATE sessions SET status = ?1, ended_at = ?2 WHERE id = ?3 AND status = ?4 "
                            "AND (?4 <> 'pending' OR approval_deadline > ?2)";
    sqlite3_stmt *st;
    int rc;

    if (db_prepare(db, &st, sql, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, rc, "updating the session", err);
    if (sqlite3_changes(db->h) != 1)
        return mcp_errf(err, MCP_ECONFLICT, "session %s is no longer %s (it changed or its time ran out); check "
                        "list_automations and retry if needed", id, from);
    return MCP_OK;
}

/* Collect rows from a prepared statement. */
/* Read up to cap rows; then finalize st, or only reset it when it is a cached statement. */
static enum mcp_rc collect(struct session_row **rows, int *n, int cap, sqlite3_stmt *st, int cached, struct db *db,
                           struct mcp_error *err)
{
    struct session_row *a = calloc((size_t)cap + 1, sizeof *a);
    int rc = SQLITE_DONE;

    *rows = NULL;
    *n = 0;
    if (a == NULL) {
        cached ? sqlite3_reset(st) : sqlite3_finalize(st);
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    while (*n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!read_row(&a[(*n)++], st)) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    if (*n == cap && rc == SQLITE_ROW)
        rc = SQLITE_DONE;
    if (cached)
        sqlite3_reset(st);
    else
        sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < *n; i++)
            db_session_row_free(&a[i]);
        free(a);
        *n = 0;
        return db_fail(db, rc, "reading sessions", err);
    }
    *rows = a;
    return MCP_OK;
}

/* The derived status as a SQL expression over a row and :now. */
#define STATUS_SQL                                                                                 \
    "(CASE WHEN status = 'active' AND expires_at <= :now THEN 'expired' "                          \
    "WHEN status = 'pending' AND approval_deadline <= :now THEN 'lapsed' ELSE status END)"

enum mcp_rc db_session_list(struct session_row **rows, int *n, int *more, struct db *db, const char *wallet,
                            const char *filter, int64_t now, int64_t cursor_at, const char *cursor_id, int limit,
                            struct mcp_error *err)
{
    static const char sql[] =
        "SELECT " COLS " FROM sessions WHERE wallet = :w AND (:f = 'all' OR " STATUS_SQL " = :f OR "
        "(:f = 'live' AND " STATUS_SQL " IN ('active', 'pending'))) "
        "AND (:ca = 0 OR created_at < :ca OR (created_at = :ca AND id < :ci)) "
        "ORDER BY created_at DESC, id DESC LIMIT :lim";
    sqlite3_stmt *st;
    enum mcp_rc rc;

    if (db_cached(db, &st, sql, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":w"), wallet, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":f"), filter, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), now);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":ca"), cursor_at);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":ci"), cursor_id ? cursor_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":lim"), limit + 1);
    rc = collect(rows, n, limit + 1, st, 1, db, err);
    *more = 0;
    if (rc == MCP_OK && *n > limit) {
        *more = 1;
        db_session_row_free(&(*rows)[--*n]);
    }
    return rc;
}

enum mcp_rc db_session_find_live(struct session_row **rows, int *n, struct db *db, const char *wallet,
                                 const char *feature, const char *scope_key, int64_t now, struct mcp_error *err)
{
    sqlite3_stmt *st;

    if (db_prepare(db, &st,
                   "SELECT " COLS " FROM sessions WHERE wallet = :w AND " LIVE_SQL " AND "
                   "(CASE WHEN :feat <> '' THEN feature = :feat ELSE scope_key = :scope END) "
                   "ORDER BY created_at DESC LIMIT 20", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":w"), wallet, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), now);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":feat"), feature, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":scope"), scope_key, -1, SQLITE_STATIC);
    return collect(rows, n, 20, st, 0, db, err);
}

enum mcp_rc db_session_match(struct session_row **rows, int *n, struct db *db, const char *wallet,
                             const char *term, struct mcp_error *err)
{
    sqlite3_stmt *st;

    if (db_prepare(db, &st,
                   "SELECT " COLS " FROM sessions WHERE wallet = ?1 AND (?2 = '' OR feature = ?2 OR "
                   "lower(label) = lower(?2)) ORDER BY created_at DESC, id DESC LIMIT 20", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, term, -1, SQLITE_STATIC);
    return collect(rows, n, 20, st, 0, db, err);
}

enum mcp_rc db_session_shred_ended(struct db *db, int64_t now, int force, int *n_shredded, struct mcp_error *err)
{
    static int64_t last_sweep;
    sqlite3_stmt *st;
    enum mcp_rc rc;

    if (n_shredded != NULL)
        *n_shredded = 0;
    if (!force && now >= last_sweep && now - last_sweep < 60)
        return MCP_OK;
    if (db_prepare(db, &st,
                   "DELETE FROM session_keys WHERE session_id IN (SELECT k.session_id FROM session_keys k "
                   "JOIN sessions s ON s.id = k.session_id WHERE (s.status = 'active' AND s.expires_at <= ?1) "
                   "OR (s.status = 'pending' AND s.approval_deadline <= ?1) OR s.status IN ('declined', 'revoked'))",
                   err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_int64(st, 1, now);
    rc = db_step_done(db, st, "removing keys of ended sessions", err);
    if (rc == MCP_OK) {
        last_sweep = now;
        if (n_shredded != NULL)
            *n_shredded = sqlite3_changes(db->h);
    }
    return rc;
}

/* db_audit.c: hash-chained audit log (see db_audit.h). */
#include "db_audit.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "eth_keccak.h"

static void be64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static void link_hash(uint8_t out[32], const uint8_t prev[32], int64_t seq, int64_t at, const char *wallet,
                      const char *session_id, const char *event, const char *details)
{
    struct eth_keccak k;
    uint8_t num[8];

    eth_keccak_init(&k);
    eth_keccak_update(&k, prev, 32);
    be64(num, (uint64_t)seq);
    eth_keccak_update(&k, num, 8);
    be64(num, (uint64_t)at);
    eth_keccak_update(&k, num, 8);
    eth_keccak_update(&k, wallet, strlen(wallet) + 1);
    eth_keccak_update(&k, session_id, strlen(session_id) + 1);
    eth_keccak_update(&k, event, strlen(event) + 1);
    eth_keccak_update(&k, details, strlen(details));
    eth_keccak_final(&k, out);
}

/* The current head (seq 0 and zero hash for an empty log). */
static enum mcp_rc head(struct db *db, int64_t *seq, uint8_t hash[32], struct mcp_error *err)
{
    sqlite3_stmt *st;
    int rc;

    *seq = 0;
    memset(hash, 0, 32);
    if (db_prepare(db, &st, "SELECT seq, hash FROM audit_head WHERE id = 1", err) != MCP_OK)
        return MCP_EDB;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32) {
        *seq = sqlite3_column_int64(st, 0);
        memcpy(hash, sqlite3_column_blob(st, 1), 32);
    }
    sqlite3_finalize(st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? MCP_OK : db_fail(db, rc, "reading the audit log", err);
}

enum mcp_rc db_audit_append(struct db *db, int64_t at, const char *wallet, const char *session_id,
                            const char *event, json_t *details, struct mcp_error *err)
{
    uint8_t prev[32], hash[32];
    sqlite3_stmt *st = NULL;
    char *dj = details ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    enum mcp_rc rc;
    int64_t seq;

    if (dj == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if ((rc = head(db, &seq, prev, err)) != MCP_OK)
        goto out;
    seq++;
    link_hash(hash, prev, seq, at, wallet, session_id, event, dj);
    if ((rc = db_prepare(db, &st, "INSERT INTO audit(seq, at, wallet, session_id, event, details, prev_hash, hash) "
                                  "VALUES(?,?,?,?,?,?,?,?)", err)) != MCP_OK)
        goto out;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_text(st, 3, wallet, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, dj, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, prev, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 8, hash, 32, SQLITE_STATIC);
    if ((rc = db_step_done(db, st, "writing the audit log", err)) != MCP_OK)
        goto out;
    if ((rc = db_prepare(db, &st, "INSERT INTO audit_head(id, seq, hash) VALUES(1, ?, ?) "
                                  "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", err)) != MCP_OK)
        goto out;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
    rc = db_step_done(db, st, "writing the audit log", err);
out:
    free(dj);
    return rc;
}

static json_t *entry_json(sqlite3_stmt *st)
{
    char when[24];
    json_error_t jerr;
    json_t *details = json_loads((const char *)sqlite3_column_text(st, 4), 0, &jerr);

    clock_format(when, sqlite3_column_int64(st, 1));
    return json_pack("{s:I, s:s, s:s, s:s, s:o}", "seq", (json_int_t)sqlite3_column_int64(st, 0), "at", when,
                     "event", (const char *)sqlite3_column_text(st, 3), "sessionId",
                     (const char *)sqlite3_column_text(st, 2), "details", details ? details : json_object());
}

enum mcp_rc db_audit_read(json_t **out, int64_t *next_seq, struct db *db, const char *wallet,
                          const char *session_id, int64_t before_seq, int limit, struct mcp_error *err)
{
    const char *sql = session_id
                          ? "SELECT seq, at, session_id, event, details FROM audit WHERE session_id = ?1 AND seq < ?2 "
                            "ORDER BY seq DESC LIMIT ?3"
                          : "SELECT seq, at, session_id, event, details FROM audit WHERE wallet = ?1 AND seq < ?2 "
                            "ORDER BY seq DESC LIMIT ?3";
    sqlite3_stmt *st;
    json_t *arr = json_array();
    int rc, n = 0;

    *out = NULL;
    *next_seq = 0;
    if (arr == NULL || db_prepare(db, &st, sql, err) != MCP_OK) {
        json_decref(arr);
        return err ? err->rc : MCP_EDB;
    }
    sqlite3_bind_text(st, 1, session_id ? session_id : wallet, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, before_seq > 0 ? before_seq : INT64_MAX);
    sqlite3_bind_int(st, 3, limit + 1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (++n > limit) {
            *next_seq = sqlite3_column_int64(st, 0) + 1;
            break;
        }
        json_array_append_new(arr, entry_json(st));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(arr);
        return db_fail(db, rc, "reading the audit log", err);
    }
    *out = arr;
    return MCP_OK;
}

enum mcp_rc db_audit_verify(int64_t *n_entries, struct db *db, struct mcp_error *err)
{
    uint8_t prev[32] = {0}, want[32], head_hash[32];
    int64_t expect = 1, head_seq;
    sqlite3_stmt *st;
    int rc;

    *n_entries = 0;
    if (head(db, &head_seq, head_hash, err) != MCP_OK)
        return MCP_EDB;
    if (db_prepare(db, &st, "SELECT seq, at, wallet, session_id, event, details, prev_hash, hash FROM audit "
                            "ORDER BY seq", err) != MCP_OK)
        return MCP_EDB;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        if (seq != expect) {
            sqlite3_finalize(st);
            return mcp_errf(err, MCP_ECRYPTO, "audit log broken: entry %lld is missing (deleted)", (long long)expect);
        }
        link_hash(want, prev, seq, sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2),
                  (const char *)sqlite3_column_text(st, 3), (const char *)sqlite3_column_text(st, 4),
                  (const char *)sqlite3_column_text(st, 5));
        if (sqlite3_column_bytes(st, 6) != 32 || memcmp(sqlite3_column_blob(st, 6), prev, 32) != 0 ||
            sqlite3_column_bytes(st, 7) != 32 || memcmp(sqlite3_column_blob(st, 7), want, 32) != 0) {
            sqlite3_finalize(st);
            return mcp_errf(err, MCP_ECRYPTO, "audit log broken: entry %lld was altered", (long long)seq);
        }
        memcpy(prev, want, 32);
        expect++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, rc, "reading the audit log", err);
    if (head_seq != expect - 1 || memcmp(head_hash, prev, 32) != 0)
        return mcp_errf(err, MCP_ECRYPTO, "audit log broken: the log ends at entry %lld but %lld entries were "
                        "written (the newest entries were deleted or the head was altered)",
                        (long long)(expect - 1), (long long)head_seq);
    *n_entries = expect - 1;
    return MCP_OK;
}

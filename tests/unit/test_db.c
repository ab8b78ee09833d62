/* test_db.c: storage: migrations, sessions, guarded transitions, derived status, audit chain. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "db.h"
#include "db_audit.h"
#include "db_sessions.h"
#include "test.h"

static struct db *open_tmp(void)
{
    struct db *db = NULL;
    struct mcp_error err;

    if (db_open(&db, test_tmpdir(), &err) != MCP_OK)
        test_fail(__FILE__, __LINE__, "db_open: %s", err.msg);
    return db;
}

static void fill_row(struct session_row *r, const char *wallet, const char *feature, int64_t now)
{
    memset(r, 0, sizeof *r);
    db_session_new_id(r->id);
    snprintf(r->wallet, sizeof r->wallet, "%s", wallet);
    snprintf(r->owner, sizeof r->owner, "%s", wallet);
    r->chain_id = 8453;
    snprintf(r->account_type, sizeof r->account_type, "session-approval");
    snprintf(r->feature, sizeof r->feature, "%s", feature);
    snprintf(r->scope_key, sizeof r->scope_key, "scope-%s", feature);
    snprintf(r->session_key, sizeof r->session_key, "0x%040d", 1);
    snprintf(r->status, sizeof r->status, "pending");
    r->created_at = now;
    r->approval_deadline = now + 900;
    r->valid_after = now;
    r->expires_at = now + 86400;
    r->policy = (char *)"{}";
    r->typed_data = (char *)"{}";
}

TEST(db_open_creates_private_file_and_migrates_once)
{
    const char *dir = test_tmpdir();
    struct db *a = NULL, *b = NULL;
    struct mcp_error err;
    char path[512];
    struct stat st;

    CHECK(db_open(&a, dir, &err) == MCP_OK);
    CHECK(db_open(&b, dir, &err) == MCP_OK); /* second process-like handle: no re-migration */
    snprintf(path, sizeof path, "%s/%s", dir, DB_FILE);
    CHECK(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    db_close(a);
    db_close(b);
}

TEST(db_session_roundtrip_and_transitions)
{
    struct db *db = open_tmp();
    struct session_row r, got;
    struct mcp_error err;

    CHECK(db != NULL);
    fill_row(&r, "0xaaaa000000000000000000000000000000000001", "twap", 1000);
    CHECK(db_session_insert(db, &r, &err) == MCP_OK);
    CHECK(db_session_insert(db, &r, &err) == MCP_ECONFLICT);
    CHECK(db_session_get(db, &got, r.id, &err) == MCP_OK);
    CHECK_STR(got.wallet, r.wallet);
    CHECK_EQ_INT(got.expires_at, 1000 + 86400);
    CHECK_STR(db_session_status(&got, 1000), "pending");
    CHECK_STR(db_session_status(&got, 1000 + 900), "lapsed");
    db_session_row_free(&got);
    CHECK(db_session_transition(db, r.id, "pending", "active", 1100, &err) == MCP_OK);
    /* a second, racing transition from the old state must fail */
    CHECK(db_session_transition(db, r.id, "pending", "declined", 1101, &err) == MCP_ECONFLICT);
    CHECK(db_session_get(db, &got, r.id, &err) == MCP_OK);
    CHECK_STR(got.status, "active");
    CHECK_EQ_INT(got.approved_at, 1100);
    CHECK_STR(db_session_status(&got, 1000 + 86399), "active");
    CHECK_STR(db_session_status(&got, 1000 + 86400), "expired");
    db_session_row_free(&got);
    CHECK(db_session_get(db, &got, "ses_nope", &err) == MCP_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "ses_nope");
    db_close(db);
}

TEST(db_session_list_filters_and_pages)
{
    struct db *db = open_tmp();
    const char *w = "0xbbbb000000000000000000000000000000000002";
    struct session_row r, *rows;
    struct mcp_error err;
    int n, more, total = 0;
    int64_t cat = 0;
    char cid[SESSION_ID_MAX] = "";

    CHECK(db != NULL);
    for (int i = 0; i < 7; i++) {
        fill_row(&r, w, "", 2000 + i);
        CHECK(db_session_insert(db, &r, &err) == MCP_OK);
        if (i < 3)
            CHECK(db_session_transition(db, r.id, "pending", "active", 2000 + i, &err) == MCP_OK);
    }
    fill_row(&r, "0xcccc000000000000000000000000000000000003", "", 2000);
    CHECK(db_session_insert(db, &r, &err) == MCP_OK);
    CHECK(db_session_list(&rows, &n, &more, db, w, "active", 2100, 0, NULL, 10, &err) == MCP_OK);
    CHECK_EQ_INT(n, 3);
    for (int i = 0; i < n; i++)
        db_session_row_free(&rows[i]);
    free(rows);
    /* page through "all" two at a time: 7 rows, newest first, no repeats */
    do {
        CHECK(db_session_list(&rows, &n, &more, db, w, "all", 2100, cat, cid, 2, &err) == MCP_OK);
        for (int i = 0; i < n; i++) {
            if (i > 0 || total > 0)
                CHECK(rows[i].created_at <= cat);
            cat = rows[i].created_at;
            snprintf(cid, sizeof cid, "%s", rows[i].id);
            db_session_row_free(&rows[i]);
        }
        total += n;
        free(rows);
    } while (more);
    CHECK_EQ_INT(total, 7);
    /* everything pending lapses after 900 s */
    CHECK(db_session_list(&rows, &n, &more, db, w, "lapsed", 2006 + 900, 0, NULL, 10, &err) == MCP_OK);
    CHECK_EQ_INT(n, 4);
    for (int i = 0; i < n; i++)
        db_session_row_free(&rows[i]);
    free(rows);
    db_close(db);
}

TEST(db_find_live_by_feature_and_scope)
{
    struct db *db = open_tmp();
    const char *w = "0xdddd000000000000000000000000000000000004";
    struct session_row r, *rows;
    struct mcp_error err;
    int n;

    CHECK(db != NULL);
    fill_row(&r, w, "twap", 3000);
    CHECK(db_session_insert(db, &r, &err) == MCP_OK);
    CHECK(db_session_find_live(&rows, &n, db, w, "twap", "x", 3001, &err) == MCP_OK);
    CHECK_EQ_INT(n, 1);
    db_session_row_free(&rows[0]);
    free(rows);
    CHECK(db_session_find_live(&rows, &n, db, w, "stop_loss", "x", 3001, &err) == MCP_OK);
    CHECK_EQ_INT(n, 0);
    free(rows);
    /* the pending request lapses: no longer a duplicate */
    CHECK(db_session_find_live(&rows, &n, db, w, "twap", "x", 3000 + 900, &err) == MCP_OK);
    CHECK_EQ_INT(n, 0);
    free(rows);
    db_close(db);
}

static int audit_n(struct db *db)
{
    int64_t n = -1;
    struct mcp_error err;

    return db_audit_verify(&n, db, &err) == MCP_OK ? (int)n : -1;
}

static void append_some(struct db *db, int count)
{
    struct mcp_error err;

    for (int i = 0; i < count; i++) {
        json_t *d = json_pack("{s:i, s:s}", "i", i, "why", "test");
        if (db_begin(db, &err) != MCP_OK || db_audit_append(db, 100 + i, "0xw", "ses_x", "approved", d, &err) != MCP_OK ||
            db_commit(db, &err) != MCP_OK)
            test_fail(__FILE__, __LINE__, "append: %s", err.msg);
        json_decref(d);
    }
}

TEST(db_audit_chain_verifies_and_reads_newest_first)
{
    struct db *db = open_tmp();
    struct mcp_error err;
    json_t *page;
    int64_t next;

    CHECK(db != NULL);
    CHECK_EQ_INT(audit_n(db), 0);
    append_some(db, 5);
    CHECK_EQ_INT(audit_n(db), 5);
    CHECK(db_audit_read(&page, &next, db, "0xw", NULL, 0, 2, &err) == MCP_OK);
    CHECK_EQ_INT(json_array_size(page), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(page, 0), "seq")), 5);
    CHECK_EQ_INT(next, 4);
    json_decref(page);
    CHECK(db_audit_read(&page, &next, db, "0xw", NULL, next, 10, &err) == MCP_OK);
    CHECK_EQ_INT(json_array_size(page), 3);
    CHECK_EQ_INT(next, 0);
    json_decref(page);
    db_close(db);
}

TEST(db_audit_is_append_only_and_detects_tampering)
{
    struct db *db = open_tmp();
    struct mcp_error err;
    int64_t n;

    CHECK(db != NULL);
    append_some(db, 4);
    /* the triggers refuse edits through SQL */
    CHECK(sqlite3_exec(db->h, "UPDATE audit SET event = 'x' WHERE seq = 2", NULL, NULL, NULL) != SQLITE_OK);
    CHECK(sqlite3_exec(db->h, "DELETE FROM audit WHERE seq = 4", NULL, NULL, NULL) != SQLITE_OK);
    /* someone who drops the triggers and edits an entry is still caught */
    CHECK(sqlite3_exec(db->h, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
                              "UPDATE audit SET details = '{\"i\":9}' WHERE seq = 2", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(db_audit_verify(&n, db, &err) == MCP_ECRYPTO);
    CHECK_CONTAINS(err.msg, "entry 2 was altered");
    db_close(db);
}

TEST(db_audit_detects_deleted_middle_and_tail)
{
    struct db *db = open_tmp();
    struct mcp_error err;
    int64_t n;

    CHECK(db != NULL);
    append_some(db, 5);
    CHECK(sqlite3_exec(db->h, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 5", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK(db_audit_verify(&n, db, &err) == MCP_ECRYPTO);
    CHECK_CONTAINS(err.msg, "ends at entry 4 but 5 entries");
    CHECK(sqlite3_exec(db->h, "DELETE FROM audit WHERE seq = 2", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(db_audit_verify(&n, db, &err) == MCP_ECRYPTO);
    CHECK_CONTAINS(err.msg, "entry 2 is missing");
    db_close(db);
}

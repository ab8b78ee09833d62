/* db.c: open, migrate, transactions (see db.h). */
#include "db.h"
#include "db_private.h"
#include "err_words.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <time.h>

#include "keys_store.h"
#include "log.h"
#include "testhook.h"

#define BUSY_TIMEOUT_MS 5000
#define BUSY_SLEEP_MIN_US 500 /* a waiting writer retries every 0.5-1.5 ms, with jitter */

/* Version 1. Amounts are decimal strings of base units (exact, any size). Times are Unix
 * seconds. "expired" and "lapsed" are derived from time at read, never needed in a sweep. */
static const char schema_v1[] =
    "CREATE TABLE sessions("
    " id TEXT PRIMARY KEY,"
    " wallet TEXT NOT NULL,"            /* lower-case 0x address */
    " owner TEXT NOT NULL,"
    " chain_id INTEGER NOT NULL,"
    " account_type TEXT NOT NULL,"      /* 'other' (EIP-712 SessionApproval; 'session-approval' in older rows) or 'kernel-v3' */
    " feature TEXT NOT NULL,"           /* twap, stop_loss, a label, or '' */
    " label TEXT NOT NULL,"
    " scope_key TEXT NOT NULL,"         /* hash of chain, contract and function set: duplicate detection */
    " schedule TEXT NOT NULL,"          /* an automation's schedule in words, or '' */
    " account TEXT NOT NULL,"           /* kernel-v3 account options (JSON), or '' */
    " policy TEXT NOT NULL,"            /* canonical JSON: the single source of truth */
    " session_key TEXT NOT NULL,"       /* the session key's address */
    " status TEXT NOT NULL CHECK(status IN ('pending','active','declined','lapsed','revoked')),"
    " created_at INTEGER NOT NULL,"
    " approval_deadline INTEGER NOT NULL,"
    " valid_after INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " approved_at INTEGER,"
    " ended_at INTEGER,"                /* declined / revoked time */
    " typed_data TEXT NOT NULL,"        /* exactly what the user was asked to sign */
    " digest BLOB NOT NULL);"
    "CREATE INDEX sessions_wallet ON sessions(wallet, created_at);"
    KEYS_SCHEMA_SQL ";"
    "CREATE TABLE approvals("
    " session_id TEXT PRIMARY KEY REFERENCES sessions(id),"
    " signature BLOB NOT NULL,"
    " serialized_approval TEXT,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE ledger("
    " id INTEGER PRIMARY KEY,"
    " session_id TEXT NOT NULL REFERENCES sessions(id),"
    " reservation_id TEXT NOT NULL UNIQUE,"
    " amount TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK(state IN ('reserved','committed','released')),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " lapses_at INTEGER NOT NULL,"
    " tx_hash TEXT);"
    "CREATE INDEX ledger_session ON ledger(session_id, state);"
    "CREATE TABLE audit("
    " seq INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " wallet TEXT NOT NULL,"
    " session_id TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " details TEXT NOT NULL,"
    " prev_hash BLOB NOT NULL,"
    " hash BLOB NOT NULL);"
    "CREATE INDEX audit_wallet ON audit(wallet, seq);"
    "CREATE INDEX audit_session ON audit(session_id, seq);"
    "CREATE TABLE audit_head(id INTEGER PRIMARY KEY CHECK(id = 1), seq INTEGER NOT NULL, hash BLOB NOT NULL);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/* Version 2 (issue 11): ledger rows bound to the ERC-4337 nonce a signature was given for.
 * nonce_key: "0x" + 48 hex digits (the 192-bit key), nonce_seq: decimal, NULL for a check
 * without a signature. signed_at: the latest signature for that nonce. ledger_ops: every
 * user operation hash signed for a reservation (retries on one nonce sign several). */
static const char schema_v2[] =
    "ALTER TABLE ledger ADD COLUMN nonce_key TEXT;"
    "ALTER TABLE ledger ADD COLUMN nonce_seq TEXT;"
    "ALTER TABLE ledger ADD COLUMN signed_at INTEGER;"
    "CREATE UNIQUE INDEX ledger_nonce ON ledger(session_id, nonce_key, nonce_seq);"
    "CREATE TABLE ledger_ops("
    " op_hash TEXT PRIMARY KEY,"
    " reservation_id TEXT NOT NULL REFERENCES ledger(reservation_id),"
    " amount TEXT NOT NULL,"
    " signed_at INTEGER NOT NULL);"
    "CREATE INDEX ledger_ops_reservation ON ledger_ops(reservation_id);";

/* Version 3: the automation executor (`sessionkey-mcp run`, server/run_store.h).
 * automations: the automation a session was approved for (the plan_automation input, JSON) and
 * the executor's live state; slices: one row per claimed slice (TWAP slice index, or 0 for a
 * stop-loss's one sale), claimed inside BEGIN IMMEDIATE so two executors never run one twice. */
static const char schema_v3[] =
    "CREATE TABLE automations("
    " session_id TEXT PRIMARY KEY REFERENCES sessions(id),"
    " spec TEXT NOT NULL,"                /* the automation object (JSON) */
    " paused INTEGER NOT NULL DEFAULT 0,"
    " pause_kind TEXT NOT NULL DEFAULT '',"      /* unreachable (resumes by itself), failures */
    " pause_reason TEXT NOT NULL DEFAULT '',"
    " failures INTEGER NOT NULL DEFAULT 0," /* consecutive failed attempts */
    " next_at INTEGER NOT NULL DEFAULT 0,"  /* the next slice's time (0: none) */
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE slices("
    " session_id TEXT NOT NULL REFERENCES sessions(id),"
    " idx INTEGER NOT NULL,"
    " due_at INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK(state IN ('claimed','sent','done','failed')),"
    " claimed_by TEXT NOT NULL,"          /* host:pid of the executor holding it */
    " lease_until INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " nonce TEXT NOT NULL DEFAULT '',"    /* the ERC-4337 nonce the slice is bound to */
    " user_op_hash TEXT NOT NULL DEFAULT '',"
    " reservation_id TEXT NOT NULL DEFAULT '',"
    " amount_in TEXT NOT NULL DEFAULT '',"
    " amount_out TEXT NOT NULL DEFAULT '',"
    " tx_hash TEXT NOT NULL DEFAULT '',"
    " error TEXT NOT NULL DEFAULT '',"
    " sent_at INTEGER NOT NULL DEFAULT 0," /* when the gate signed it: the rate limit counts from here */
    " updated_at INTEGER NOT NULL,"
    " PRIMARY KEY(session_id, idx));";

void db_random_id(char out[DB_ID_SIZE], const char prefix[4])
{
    static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
    uint8_t rnd[26];

    randombytes_buf(rnd, sizeof rnd);
    memcpy(out, prefix, 4);
    for (int i = 0; i < 26; i++)
        out[4 + i] = b32[rnd[i] & 31];
    out[30] = '\0';
}

enum mcp_rc db_fail(struct db *db, int rc, const char *what, struct mcp_error *err)
{
    const char *detail = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);

    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return mcp_errf(err, MCP_EDB, "Storage is busy while %s: another sessionkey-mcp process held the "
                        "database for more than %d seconds. Nothing was changed; retry in a moment.",
                        what, BUSY_TIMEOUT_MS / 1000);
    case SQLITE_FULL:
        log_warn("database %s: disk full while %s", db ? db->path : "", what);
        return mcp_errf(err, MCP_EDB, "The disk is full while %s (the database in " ERR_WORDS_DATA_DIR "). "
                        "Nothing was changed; free some space and retry.", what);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        log_warn("database %s: cannot write while %s: %s", db ? db->path : "", what, detail);
        return mcp_errf(err, MCP_EDB, "Cannot write the database while %s (%s). Nothing was changed; check that "
                        ERR_WORDS_DATA_DIR " is writable, then retry.", what, detail);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        log_warn("database %s is damaged (%s) while %s", db ? db->path : "", detail, what);
        return mcp_errf(err, MCP_EDB, "The database in " ERR_WORDS_DATA_DIR " is damaged (%s) while %s. Nothing "
                        "was changed; restore it from a backup, then retry.", detail, what);
    default:
        return mcp_errf(err, MCP_EDB, "Storage error while %s: %s. Nothing was changed; retry.", what, detail);
    }
}

/* SQLite's default busy handler backs off in steps of up to 100 ms and hands the lock out
 * unfairly, so under several writers a few requests wait far longer than the others (p99 of
 * 100+ ms for a 1 ms median). Short jittered retries keep the tail close to the queue length.
 * Gives up after BUSY_TIMEOUT_MS in total, as the plain timeout did. */
static int busy_wait(void *ud, int count)
{
    struct timespec now;
    int64_t *start = ud, t;

    clock_gettime(CLOCK_MONOTONIC, &now);
    t = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    if (count == 0)
        *start = t;
    if (t - *start >= (int64_t)BUSY_TIMEOUT_MS * 1000)
        return 0;
    usleep(BUSY_SLEEP_MIN_US + randombytes_uniform(1000));
    return 1;
}

static enum mcp_rc exec(struct db *db, const char *sql, const char *what, struct mcp_error *err)
{
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? MCP_OK : db_fail(db, rc, what, err);
}

enum mcp_rc db_prepare(struct db *db, sqlite3_stmt **st, const char *sql, struct mcp_error *err)
{
    int rc = sqlite3_prepare_v2(db->h, sql, -1, st, NULL);

    if (rc != SQLITE_OK) {
        *st = NULL;
        log_error("prepare failed: %s: %s", sqlite3_errmsg(db->h), sql);
        return db_fail(db, rc, "preparing a query", err);
    }
    return MCP_OK;
}

enum mcp_rc db_cached(struct db *db, sqlite3_stmt **st, const char *sql, struct mcp_error *err)
{
    for (int i = 0; i < db->n_cache; i++) {
        if (db->cache[i].sql == sql) {
            *st = db->cache[i].st;
            sqlite3_reset(*st);
            sqlite3_clear_bindings(*st);
            return MCP_OK;
        }
    }
    /* only a fixed handful of constant queries use the cache: running out is a bug */
    if (MCP_NEVER(db->n_cache == DB_STMT_CACHE))
        return mcp_errf(err, MCP_EINTERNAL, "statement cache full");
    if (db_prepare(db, st, sql, err) != MCP_OK)
        return MCP_EDB;
    db->cache[db->n_cache].sql = sql;
    db->cache[db->n_cache++].st = *st;
    return MCP_OK;
}

enum mcp_rc db_step_done(struct db *db, sqlite3_stmt *st, const char *what, struct mcp_error *err)
{
    int rc = sqlite3_step(st);

    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MCP_OK : db_fail(db, rc, what, err);
}

static int user_version(struct db *db)
{
    sqlite3_stmt *st;
    int v = -1;

    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static enum mcp_rc migrate(struct db *db, struct mcp_error *err)
{
    int v = user_version(db);

    if (v == DB_SCHEMA_VERSION)
        return MCP_OK; /* the common case: no write lock needed to open */
    if (db_begin(db, err) != MCP_OK)
        return MCP_EDB;
    v = user_version(db); /* read inside the write lock: two processes never migrate twice */
    if (v < 0 || v > DB_SCHEMA_VERSION) {
        db_rollback(db);
        return v < 0 ? db_fail(db, sqlite3_errcode(db->h), "reading the schema version", err)
                     : mcp_errf(err, MCP_EDB, "The database in " ERR_WORDS_DATA_DIR " was written by a newer "
                                "sessionkey-mcp (schema %d; this one knows %d). Nothing was changed. Upgrade "
                                "sessionkey-mcp, then retry.", v, DB_SCHEMA_VERSION);
    }
    if (v == 0 && (exec(db, schema_v1, "creating the database", err) != MCP_OK ||
                   exec(db, "PRAGMA user_version = 1", "creating the database", err) != MCP_OK)) {
        db_rollback(db);
        return MCP_EDB;
    }
    if (v <= 1 && (exec(db, schema_v2, "updating the database", err) != MCP_OK ||
                   exec(db, "PRAGMA user_version = 2", "updating the database", err) != MCP_OK)) {
        db_rollback(db);
        return MCP_EDB;
    }
    if (v <= 2 && (exec(db, schema_v3, "adding the executor's tables", err) != MCP_OK ||
                   exec(db, "PRAGMA user_version = 3", "adding the executor's tables", err) != MCP_OK)) {
        db_rollback(db);
        return MCP_EDB;
    }
    return db_commit(db, err);
}

/* Create the file 0600 ourselves so SQLite never creates it with the umask's mode. */
enum mcp_rc db_open(struct db **out, const char *data_dir, struct mcp_error *err)
{
    struct db *db = calloc(1, sizeof *db);
    enum mcp_rc rc;
    int src;

    *out = NULL;
    if (db == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    snprintf(db->path, sizeof db->path, "%s/%s", data_dir, DB_FILE);
    if ((rc = db_private_check(data_dir, db->path, err)) != MCP_OK)
        goto fail;
    src = sqlite3_open_v2(db->path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
    if (src != SQLITE_OK) {
        rc = db_fail(db, src, "opening the database", err);
        goto fail;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_handler(db->h, busy_wait, &db->busy_start);
    if ((rc = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                       "PRAGMA secure_delete=ON;", "opening the database", err)) != MCP_OK)
        goto fail;
    if ((rc = migrate(db, err)) != MCP_OK)
        goto fail;
    *out = db;
    return MCP_OK;
fail:
    db_close(db);
    return rc;
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    db_rollback(db);
    for (int i = 0; i < db->n_cache; i++)
        sqlite3_finalize(db->cache[i].st);
    sqlite3_close_v2(db->h);
    free(db);
}

enum mcp_rc db_begin(struct db *db, struct mcp_error *err)
{
    int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return db_fail(db, rc, "starting a write", err);
    db->in_tx = 1;
    return MCP_OK;
}

enum mcp_rc db_commit(struct db *db, struct mcp_error *err)
{
    int rc;

    if (testhook_fault("db_commit")) {
        db_rollback(db);
        return db_fail(db, SQLITE_FULL, "saving", err);
    }
    rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_rollback(db);
        return db_fail(db, rc, "saving", err);
    }
    db->in_tx = 0;
    return MCP_OK;
}

void db_rollback(struct db *db)
{
    if (db != NULL && db->in_tx) {
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
        db->in_tx = 0;
    }
}

/* db.h: the SQLite store in the data directory (sessionkey.db): open, migrate, transactions,
 * and SQLite errors turned into messages a person can act on.
 *
 * Several server processes (one per MCP host) share one data directory: WAL mode, a busy
 * timeout, and BEGIN IMMEDIATE for every write, so writers queue instead of failing. Every
 * state change is one transaction: nothing is ever half-written. */
#ifndef SKM_DB_H
#define SKM_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "mcp_err.h"

#define DB_FILE "sessionkey.db"
#define DB_SCHEMA_VERSION 3

#define DB_STMT_CACHE 16

struct db {
    sqlite3 *h;
    char path[4200];
    int in_tx;
    struct {
        const char *sql; /* identity of a constant SQL string */
        sqlite3_stmt *st;
    } cache[DB_STMT_CACHE];
    int n_cache;
    int64_t busy_start; /* when the current wait for the write lock began (microseconds) */
};

/* A fresh random id: the 4-character prefix ("ses_", "res_") + 26 base32 characters (130 bits
 * from libsodium) + NUL, 31 bytes in all. */
#define DB_ID_SIZE 31
void db_random_id(char out[DB_ID_SIZE], const char prefix[4]);

/* Open (creating if needed, mode 0600) data_dir/sessionkey.db, set WAL, busy timeout,
 * secure_delete, foreign keys, and migrate to DB_SCHEMA_VERSION.
 * Returns: MCP_OK and *out (free with db_close), or MCP_EDB with a message naming the file
 * and what to do. */
enum mcp_rc db_open(struct db **out, const char *data_dir, struct mcp_error *err) SKM_WARN_UNUSED;
void db_close(struct db *db);

/* BEGIN IMMEDIATE (takes the write lock up front, waiting up to the busy timeout). */
enum mcp_rc db_begin(struct db *db, struct mcp_error *err) SKM_WARN_UNUSED;
enum mcp_rc db_commit(struct db *db, struct mcp_error *err) SKM_WARN_UNUSED;
/* Roll back if a transaction is open; safe to call at any exit label. */
void db_rollback(struct db *db);

/* Turn a SQLite result code into err: MCP_EDB with words for busy/locked ("another
 * sessionkey-mcp process is writing; retry in a moment"), full disk, read-only files,
 * corruption, I/O errors. `what` says what we were doing ("saving the session").
 * Returns: MCP_EDB. */
enum mcp_rc db_fail(struct db *db, int sqlite_rc, const char *what, struct mcp_error *err);

/* Prepare sql (a constant). Returns: MCP_OK and *st, or MCP_EDB. */
enum mcp_rc db_prepare(struct db *db, sqlite3_stmt **st, const char *sql, struct mcp_error *err) SKM_WARN_UNUSED;

/* A prepared statement for a constant sql string, kept for the life of the connection (hot
 * read paths: no re-parse per call). The statement comes back reset with no bindings; the
 * caller calls sqlite3_reset(st) when done and never finalizes it.
 * Returns: MCP_OK and *st, or MCP_EDB. */
enum mcp_rc db_cached(struct db *db, sqlite3_stmt **st, const char *sql, struct mcp_error *err) SKM_WARN_UNUSED;

/* Run a statement that returns no rows (sqlite3_step to DONE), then finalize it.
 * Returns: MCP_OK or MCP_EDB. */
enum mcp_rc db_step_done(struct db *db, sqlite3_stmt *st, const char *what, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

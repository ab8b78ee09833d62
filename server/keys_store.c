/* keys_store.c: session_keys rows: put (seal + INSERT), get (SELECT + open), shred. */
#include "keys_store.h"
#include "testhook.h"

#include <string.h>

#include "eth_secp.h"

static enum mcp_rc db_fail(sqlite3 *db, const char *what, struct mcp_error *err)
{
    return mcp_errf(err, MCP_EDB, "session keys: %s: %s", what, sqlite3_errmsg(db));
}

static enum mcp_rc secure_delete_on(sqlite3 *db, struct mcp_error *err)
{
    if (sqlite3_exec(db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(db, "cannot turn on secure_delete", err);
    return MCP_OK;
}

enum mcp_rc keys_store_init(sqlite3 *db, struct mcp_error *err)
{
    enum mcp_rc rc = secure_delete_on(db, err);

    if (rc != MCP_OK)
        return rc;
    if (sqlite3_exec(db, KEYS_SCHEMA_SQL, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(db, "cannot create table session_keys", err);
    return MCP_OK;
}

static enum mcp_rc insert_row(sqlite3 *db, const char *session_id, const char *wallet,
                              const uint8_t sealed[KEYS_SEALED_LEN], int64_t created_at,
                              struct mcp_error *err)
{
    static const char sql[] =
        "INSERT INTO session_keys(session_id, wallet, sealed, created_at) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = NULL;
    enum mcp_rc rc = MCP_OK;
    int src;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, "cannot prepare insert", err);
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, wallet, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, sealed, KEYS_SEALED_LEN, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, created_at);
    src = sqlite3_step(st);
    if (src == SQLITE_CONSTRAINT)
        rc = mcp_errf(err, MCP_ECONFLICT, "session %s already has a session key", session_id);
    else if (src != SQLITE_DONE)
        rc = db_fail(db, "cannot insert", err);
    sqlite3_finalize(st);
    return rc;
}

enum mcp_rc keys_store_put(sqlite3 *db, struct keys_master *m, const char *session_id,
                           const char *wallet, const uint8_t priv[KEYS_PRIV_LEN],
                           int64_t created_at, struct mcp_error *err)
{
    uint8_t sealed[KEYS_SEALED_LEN];
    char canon[43];
    enum mcp_rc rc;

    rc = keys_wallet_canonical(canon, wallet, err);
    if (rc == MCP_OK)
        rc = keys_seal(sealed, m, priv, session_id, canon, err);
    if (rc == MCP_OK)
        rc = insert_row(db, session_id, canon, sealed, created_at, err);
    return rc;
}

enum mcp_rc keys_store_generate(uint8_t addr[20], sqlite3 *db, struct keys_master *m,
                                const char *session_id, const char *wallet, int64_t created_at,
                                struct mcp_error *err)
{
    uint8_t *priv = keys_priv_alloc();
    enum mcp_rc rc;

    memset(addr, 0, 20);
    if (priv == NULL)
        return mcp_errf(err, MCP_ENOMEM, "session %s: cannot allocate secure memory", session_id);
    rc = testhook_fault("keygen") ? mcp_errf(err, MCP_ECRYPTO, "the secure random generator failed (test fault)")
                                  : eth_secp_keygen(priv, err);
    if (rc == MCP_OK)
        rc = eth_secp_address(addr, priv, err);
    if (rc == MCP_OK)
        rc = keys_store_put(db, m, session_id, wallet, priv, created_at, err);
    keys_priv_free(priv);
    if (rc != MCP_OK)
        memset(addr, 0, 20);
    return rc;
}

/* SELECT the sealed blob of session_id and open it while the statement still owns it. */
enum mcp_rc keys_store_get(uint8_t **priv, sqlite3 *db, struct keys_master *m,
                           const char *session_id, const char *wallet, struct mcp_error *err)
{
    static const char sql[] = "SELECT sealed FROM session_keys WHERE session_id = ?1";
    sqlite3_stmt *st = NULL;
    enum mcp_rc rc;
    int src;

    *priv = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, "cannot prepare select", err);
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_TRANSIENT);
    src = sqlite3_step(st);
    if (src == SQLITE_DONE)
        rc = mcp_errf(err, MCP_ENOTFOUND, "session %s has no session key (never created, or "
                                          "destroyed when the session ended)", session_id);
    else if (src != SQLITE_ROW)
        rc = db_fail(db, "cannot select", err);
    else if (sqlite3_column_type(st, 0) != SQLITE_BLOB)
        rc = mcp_errf(err, MCP_ECRYPTO, "sealed key of session %s is not a blob: it is damaged",
                      session_id);
    else
        rc = keys_unseal(priv, m, sqlite3_column_blob(st, 0),
                         (size_t)sqlite3_column_bytes(st, 0), session_id, wallet, err);
    sqlite3_finalize(st);
    return rc;
}

enum mcp_rc keys_store_shred(sqlite3 *db, const char *session_id, int *removed,
                             struct mcp_error *err)
{
    static const char sql[] = "DELETE FROM session_keys WHERE session_id = ?1";
    sqlite3_stmt *st = NULL;
    enum mcp_rc rc;

    if (removed != NULL)
        *removed = 0;
    rc = secure_delete_on(db, err);
    if (rc != MCP_OK)
        return rc;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, "cannot prepare delete", err);
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(db, "cannot delete", err);
    else if (removed != NULL)
        *removed = sqlite3_changes(db) > 0;
    sqlite3_finalize(st);
    return rc;
}

enum mcp_rc keys_store_checkpoint(sqlite3 *db, struct mcp_error *err)
{
    int n_log = 0, n_ckpt = 0;
    int src = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &n_log, &n_ckpt);

    if (src == SQLITE_BUSY)
        return mcp_errf(err, MCP_ECONFLICT,
                        "session keys: the WAL checkpoint could not complete while other "
                        "connections are reading; shredded keys may linger in the WAL until the "
                        "next checkpoint");
    if (src != SQLITE_OK)
        return db_fail(db, "WAL checkpoint failed", err);
    return MCP_OK;
}

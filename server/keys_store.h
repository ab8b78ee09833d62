/* keys_store.h: sealed session keys in the session_keys table, over a caller-owned sqlite3*.
 *
 * Only sealed keys (keys_seal.h) are written; the clear key never reaches SQLite. Shredding a
 * session deletes its row with PRAGMA secure_delete=ON, so SQLite overwrites the ciphertext in
 * the page; once the WAL is checkpointed (keys_store_checkpoint) the bytes are gone from the
 * database files: revoking or expiring a session destroys its key (crypto-shredding).
 *
 * The functions run single statements and do not open transactions: they join the caller's
 * transaction if one is open (e.g. a revoke that also writes an audit row). */
#ifndef SKM_KEYS_STORE_H
#define SKM_KEYS_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "keys_master.h"
#include "keys_seal.h"
#include "mcp_err.h"

#define KEYS_SCHEMA_SQL                                                                            \
    "CREATE TABLE IF NOT EXISTS session_keys("                                                     \
    "session_id TEXT PRIMARY KEY, "                                                                \
    "wallet TEXT NOT NULL, "                                                                       \
    "sealed BLOB NOT NULL, "                                                                       \
    "created_at INTEGER NOT NULL)"

/* Turn on PRAGMA secure_delete for this connection and create the table (KEYS_SCHEMA_SQL).
 * Returns: MCP_OK or MCP_EDB (with SQLite's message). */
enum mcp_rc keys_store_init(sqlite3 *db, struct mcp_error *err) SKM_WARN_UNUSED;

/* Seal priv for (session_id, wallet) and INSERT it. created_at: Unix seconds.
 * Returns: MCP_OK; MCP_ECONFLICT if the session already has a key; MCP_EDB; errors of
 * keys_seal(). In: priv is not modified (the caller wipes it). */
enum mcp_rc keys_store_put(sqlite3 *db, struct keys_master *m, const char *session_id,
                           const char *wallet, const uint8_t priv[KEYS_PRIV_LEN],
                           int64_t created_at, struct mcp_error *err) SKM_WARN_UNUSED;

/* Create a fresh secp256k1 key, store it sealed for (session_id, wallet), wipe the clear key.
 * Returns: as keys_store_put(), plus errors of eth_secp_keygen()/eth_secp_address().
 * Out: addr, the key's 20-byte address (the only thing that leaves this function). */
enum mcp_rc keys_store_generate(uint8_t addr[20], sqlite3 *db, struct keys_master *m,
                                const char *session_id, const char *wallet, int64_t created_at,
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* Load and open the key of session_id. wallet is the session's wallet (from the sessions
 * table, not from session_keys): the seal only opens for the wallet it was made for.
 * Returns: MCP_OK; MCP_ENOTFOUND if the session has no key (never created, or shredded);
 * MCP_EDB; errors of keys_unseal().
 * Out: *priv as keys_unseal(): release with keys_priv_free(). NULL on failure. */
enum mcp_rc keys_store_get(uint8_t **priv, sqlite3 *db, struct keys_master *m,
                           const char *session_id, const char *wallet,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* Delete the sealed key of session_id with secure_delete on (the ciphertext is overwritten
 * in its page). Deleting a session that has no key is not an error.
 * Returns: MCP_OK or MCP_EDB. Out: *removed (may be NULL): 1 if a row was deleted, else 0. */
enum mcp_rc keys_store_shred(sqlite3 *db, const char *session_id, int *removed,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* In WAL mode, the frames holding the old ciphertext stay in <db>-wal until a checkpoint
 * rewrites the database and truncates the log. Call this after the transaction that shredded
 * keys has committed (it cannot run inside one). No-op for rollback-journal databases.
 * Returns: MCP_OK; MCP_EDB when SQLite fails; MCP_ECONFLICT when another connection's readers
 * kept the checkpoint from completing (retry later; the keys are deleted but old bytes may
 * remain in the WAL until then). Best effort: callers may ignore the result (later
 * checkpoints overwrite the old frames as the WAL is reused), so it is not warn_unused. */
enum mcp_rc keys_store_checkpoint(sqlite3 *db, struct mcp_error *err);

#endif

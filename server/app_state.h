/* app_state.h: per-process resources the tools share, each opened on first use (never on the
 * startup path): the database and the master key. Single-threaded server: no locking. */
#ifndef SKM_APP_STATE_H
#define SKM_APP_STATE_H

#include "cfg.h"
#include "db.h"
#include "keys_master.h"
#include "mcp_err.h"

/* Returns: the open database (creating the data directory and schema on first use), or NULL
 * with err set (MCP_EDB / MCP_EIO). Borrowed: valid until app_state_close(). */
struct db *app_db(const struct skm_config *cfg, struct mcp_error *err);

/* Returns: the master-key handle (the key itself is loaded lazily by keys_master_get), or
 * NULL with err set. Borrowed. */
struct keys_master *app_keys(const struct skm_config *cfg, struct mcp_error *err);

struct chain_client;

/* A JSON-RPC client for chain_id, built from --rpc, SKM_RPC_<id> and the config file's "rpc"
 * object (in that order of precedence). Creating it does no network I/O.
 * Returns: the client (borrowed, cached per chain), or NULL with err: MCP_ENOTFOUND when no
 * endpoint is configured for the chain (callers skip optional checks then), MCP_EINVAL for
 * a bad --rpc spec. */
struct chain_client *app_chain(const struct skm_config *cfg, uint64_t chain_id, struct mcp_error *err);

/* A JSON-RPC client for the ERC-4337 bundler of chain_id, from --bundler, SKM_BUNDLER_<id>
 * and the config file's "bundler" object (same precedence as app_chain). Returns: as
 * app_chain (MCP_ENOTFOUND: no bundler configured for the chain). */
struct chain_client *app_bundler(const struct skm_config *cfg, uint64_t chain_id, struct mcp_error *err);

void app_state_close(void);

#endif

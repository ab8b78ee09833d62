/* run_exec.h: the executor's work on one automation: decide whether a slice is due (the
 * schedule, or the stop-loss price), claim it, build the swap and the Kernel v3 user
 * operation, have the gate check and sign it (the authorize_execution tool, exactly as
 * `sessionkey-mcp exec` runs it: the executor never touches a session key), send it to the
 * bundler, follow it to its receipt and report the outcome to the ledger (report_execution).
 *
 * Failures: an attempt that fails is recorded with its reason and retried after a backoff, on
 * the same nonce while the chain has not used it; after max_failures attempts in a row the
 * automation is paused with the reason. An unreachable bundler or RPC pauses it as
 * "unreachable", which resumes by itself once the bundler answers again. A gate denial other
 * than the rate limit pauses it at once (the policy says no: retrying cannot help). */
#ifndef SKM_RUN_EXEC_H
#define SKM_RUN_EXEC_H

#include <signal.h>
#include <stdint.h>

#include "cfg.h"
#include "chain_config.h"
#include "db.h"
#include "db_sessions.h"
#include "mcp_err.h"

#define RUN_MAX_CHAINS 16

struct run_chain_opt {
    uint64_t chain_id;
    uint8_t addr[20];
};

struct run_ctx {
    struct skm_config cfg;          /* data dir, --rpc, log level, config file */
    struct chain_config bundlers;   /* --bundler CHAINID=URL, config "bundler" */
    struct run_chain_opt quoter[RUN_MAX_CHAINS];
    int n_quoter;
    struct run_chain_opt paymaster[RUN_MAX_CHAINS];
    int n_paymaster;
    int poll_seconds;               /* stop-loss price checks (default 15) */
    int max_failures;               /* consecutive failures before a pause (default 3) */
    int backoff_seconds;            /* first retry delay, doubling (default 30) */
    int slippage_bps;               /* minimum out = quote x (1 - this / 10000) (default 100) */
    uint32_t pool_fee;              /* Uniswap V3 fee tier (default 500) */
    int64_t lease_seconds;          /* a claim from another host lapses after this (default 600) */
    long receipt_timeout_ms;        /* wait for inclusion (default 120000) */
    long receipt_poll_ms;           /* between receipt polls (default 500) */
    char holder[96];
    volatile sig_atomic_t *stop;    /* set by SIGTERM: finish the slice in flight, then return */
    struct db *db;
    /* per-session memory (stop-loss last price check), keyed by session id */
    struct run_seen *seen;
    int n_seen, cap_seen;
    /* statistics for logs and the benchmark */
    long slices_sent, slices_done;
};

/* Look at one followed session and run its due slice, if any.
 * Returns: MCP_OK (whatever happened to the slice: it is recorded and logged); MCP_EDB when
 * the database failed; *next_due (may be NULL) gets the session's next slice time or 0. */
enum mcp_rc run_session(struct run_ctx *c, const char *session_id, int64_t *next_due, struct mcp_error *err);

/* The bundler client for a chain: --bundler, SKM_BUNDLER_<id>, the config file's "bundler".
 * Returns: borrowed (cached) or NULL with err (MCP_ENOTFOUND: "no bundler for chain ..."). */
struct chain_client *run_bundler_client(struct run_ctx *c, uint64_t chain_id, struct mcp_error *err);

/* Release cached clients and per-session memory. */
void run_ctx_close(struct run_ctx *c);

/* One structured log line (JSON) on stderr: {"ts","level","event", fields...}; fields is
 * stolen (may be NULL). Dropped below the configured level. */
void run_log(enum log_level level, const char *event, json_t *fields);

#endif

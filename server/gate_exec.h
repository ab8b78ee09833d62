/* gate_exec.h: the execution gate end to end, shared by the authorize_execution and
 * report_execution tools and `sessionkey-mcp exec` (which runs those tools).
 *
 * authorize: read the request (gate_input.h) -> decode the calls (gate_decode.h) ->
 *   BEGIN IMMEDIATE -> load the session and its policy -> recompute the user operation hash
 *   on the session's chain -> read the ledger totals (gate_ledger.h) -> decide (gate_check.h)
 *   -> if allowed, reserve the amount -> append the decision to the audit log -> COMMIT ->
 *   only then, if a user operation was given and the decision is allowed, sign its hash with
 *   the session key (gate_sign.h). Every decision, allowed or denied, is in the audit log
 *   ("execution_allowed" / "execution_denied"). If signing fails after the commit, the
 *   reservation is released again ("execution_released", reason "signing failed") and the
 *   call fails with the reason.
 * report: for "failed" on a signed reservation, first read what the chain shows
 *   (gate_evidence.h, outside the write lock) -> BEGIN IMMEDIATE -> commit or release the
 *   reservation (a signed one is released only with evidence; without it, it keeps counting)
 *   -> audit
 *   ("execution_committed" / "execution_released") -> COMMIT, and return the session's live
 *   figures.
 *
 * Both take the time as an argument (the caller reads clock_now()), so tests can run them at
 * any moment without touching the clock. */
#ifndef SKM_GATE_EXEC_H
#define SKM_GATE_EXEC_H

#include <jansson.h>
#include <stdint.h>

#include "cfg.h"
#include "db.h"
#include "gate_price.h"
#include "keys_master.h"
#include "mcp_err.h"

struct gate_env {
    struct db *db;
    struct keys_master *km;  /* may be NULL when no request will need a signature */
    int64_t now;
    int64_t lapse;           /* seconds an unreported check without a signature counts (GATE_LAPSE_SECONDS) */
    const struct skm_config *cfg;        /* the registry (NULL: built in); endpoints for settlement
                                          * evidence (--bundler, --rpc) */
    const struct gate_quoter *quoter;    /* the price source (gate_price.h); NULL: none, so
                                          * every swap is refused NO_QUOTE */
};

/* Decide on an execution (args borrowed: authorize_execution's arguments).
 * Returns: MCP_OK with *out = {allowed, rule, reason, sessionId, amount, reservationId?,
 * reservedUntil?, userOpHash?, signature?} (a new reference), for allowed and denied
 * decisions alike; MCP_EINVAL for arguments that cannot be read; MCP_ENOTFOUND for an unknown
 * session; MCP_EDB / MCP_ENOMEM; errors of signing (the reservation is then released). */
enum mcp_rc gate_authorize(json_t **out, const struct gate_env *env, json_t *args,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* Record an outcome (args borrowed: report_execution's arguments).
 * Returns: MCP_OK with *out = {reservationId, sessionId, state, amount, late, alreadyRecorded,
 * stillCounts, evidence?, txHash?, spent, remaining, executed, slicesDone?, slicesLeft?};
 * MCP_EINVAL; MCP_ENOTFOUND;
 * MCP_ECONFLICT; MCP_EDB. */
enum mcp_rc gate_report(json_t **out, const struct gate_env *env, json_t *args,
                        struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* automation_cover.h: the one rule that decides whether an automation (a TWAP or a
 * stop-loss) is already covered on a wallet. plan_automation answers "covered" with it, and
 * request_session_approval refuses a request that names the automation as a duplicate with
 * it, so the two can never disagree.
 *
 * An automation is identified by what it does, not by its kind: the chain, the kind, the token
 * sold and the token received (a WETH->USDC TWAP is another automation than a USDC->WETH one;
 * a stop-loss by its token pair). It is covered by an active session of the wallet that either
 * runs this same automation and still has something left to spend, or (any other session) can
 * run the whole plan from now: the router and function, the spend token, a per-trade cap and
 * a remaining budget large enough, a rate limit no tighter, time enough left. A pending,
 * unsigned request for the same automation does not cover it: a new request replaces it. */
#ifndef SKM_AUTOMATION_COVER_H
#define SKM_AUTOMATION_COVER_H

#include <stdint.h>

#include "db.h"
#include "db_sessions.h"
#include "plan_automation.h"

struct automation_cover {
    char id[SESSION_ID_MAX]; /* the covering active session, or "" */
    int same;                /* 1: it runs this same automation; 0: a wider session can run the plan */
    char line[400];          /* the session in one line (session_view_one_line) */
};

/* The identity of the automation (the sessions table's scope_key for sessions that name one):
 * keccak256 of "automation", chain id, kind, sell token, buy token; lower-case 0x hex. */
void automation_cover_key(char out[67], const struct plan *pl);

/* Apply the rule to the wallet's sessions at now. Returns: MCP_OK (out->id "" when nothing
 * covers the plan) or MCP_EDB. */
enum mcp_rc automation_cover_find(struct automation_cover *out, struct db *db, const char *wallet,
                                  const struct plan *pl, int64_t now, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* session_view.h: how a stored session is shown: one line for messages, the next-step
 * sentence after approval, and the list_automations entry (permissions rendered from the
 * stored policy, live spent/executed/remaining figures from the ledger). */
#ifndef SKM_SESSION_VIEW_H
#define SKM_SESSION_VIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_sessions.h"
#include "eth_u256.h"

/* "ses_… “ETH TWAP” (active, expires in 5 hours 12 minutes)". */
void session_view_one_line(char *out, size_t size, const struct session_row *r, int64_t now);

/* After approval: what will happen, from the policy ("It may now make trades of up to $50
 * USDC each, at most 1 trade per hour, $1000 USDC in total, until 2026-11-25T10:00:00Z."). */
void session_view_next_step(char *out, size_t size, const struct session_row *r, int64_t now);

struct policy;

/* An amount of base units in the policy's token, in words ("$50 USDC", "0.5 WETH"). */
void session_view_amount(char *out, size_t size, const struct policy *p, const struct eth_u256 *v);

/* The duplicate-detection key of a policy: keccak256 of chain id, target and the sorted
 * selectors, as 0x + 64 hex digits (out size 67). */
void session_view_scope_key(char out[67], const struct policy *p);

/* Ledger totals of a session now (gate_ledger_totals): committed (spent) and live reserved
 * amounts (lapsed reservations no longer count), committed and in-flight counts. */
struct session_spend {
    struct eth_u256 spent, reserved;
    long long executed;
    long long pending;
};
enum mcp_rc session_view_spend(struct session_spend *out, struct db *db, const char *session_id,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* The serialized approval stored for a Kernel v3 session, malloc'd, or NULL when there is
 * none (not a Kernel session, not approved) or on error. */
char *session_view_approval(struct db *db, const char *session_id);

/* The list_automations entry. Returns: a new object, or NULL with err set. */
json_t *session_view_json(struct db *db, const struct session_row *r, int64_t now, struct mcp_error *err);

#endif

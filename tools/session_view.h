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

/* "ses_… “ETH TWAP” (active until Sat 5 Dec, 14:00 UTC)": status in words, the end as a time. */
void session_view_one_line(char *out, size_t size, const struct session_row *r, int64_t now);

/* After approval: what will happen, from the stored promise (session_view_promise: "I'll
 * execute $41.67 USDC trades into WETH every hour until Sat 5 Dec, 14:00 UTC (24 trades; the
 * last one $41.59 USDC).") or else from the policy ("The backend may now make trades of up to
 * $50 USDC each, at most 1 trade per hour, $1000 USDC in total, until Sat 5 Dec, 14:00 UTC."). */
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

struct plan;
struct skm_config;

/* What an automation will do once approved, for the session's schedule column: the part
 * before "until <end>" and, after a tab, the detail in brackets after it:
 * "execute $41.67 USDC trades into WETH every hour\t24 trades; the last one $41.59 USDC",
 * "sell 0.5 WETH for USDC once the price of WETH falls to $2400, at any time\t". The end is
 * added when it is shown, always as a time. */
void session_view_promise(char *out, size_t size, const struct plan *p, const struct skm_config *cfg);

/* The words a user says to revoke r: "cancel my ETH TWAP" (its label), "cancel my TWAP order",
 * "cancel my stop-loss", else "cancel session ses_…". revoke_session finds r by them. */
void session_view_revoke_words(char *out, size_t size, const struct session_row *r);

/* "0x5aAe…BeAed": a checksummed address shortened for a sentence (out size 16). */
void session_view_short_address(char out[16], const char *lower);

#endif

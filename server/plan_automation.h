/* plan_automation.h: from an automation (a TWAP or a stop-loss) to the narrowest session
 * that can run it: the router, the one function, the per-trade cap, the total, the duration
 * and the rate limit, plus the schedule in words. The same plan is the yardstick when a
 * request_session_approval names an automation: its permissions may be narrower than the
 * plan, never wider. All amounts are exact base units; nothing is floating point. */
#ifndef SKM_PLAN_AUTOMATION_H
#define SKM_PLAN_AUTOMATION_H

#include <jansson.h>
#include <stdint.h>

#include "cfg.h"
#include "eth_u256.h"
#include "mcp_err.h"
#include "policy.h"

#define PLAN_MAX_TRADES 10000
#define PLAN_STOP_LOSS_DEFAULT_DURATION 604800 /* 7 days */

struct plan {
    char kind[12];                 /* "twap" or "stop_loss" */
    uint64_t chain_id;
    uint8_t router[20];            /* the chain's Uniswap V3 SwapRouter02 */
    uint8_t selector[4];           /* exactInputSingle */
    uint8_t sell[20], buy[20];     /* spend token, token received */
    char sell_symbol[16], buy_symbol[16];
    unsigned sell_decimals;
    int sell_usd;
    struct eth_u256 total;         /* maxTotal */
    struct eth_u256 trade;         /* every trade but the last: total / trades rounded to the display step */
    struct eth_u256 last;          /* the last trade: the remainder, so trade * (trades - 1) + last == total */
    struct eth_u256 cap;           /* maxPerTransaction: the largest trade (trade or last), no headroom */
    uint32_t trades;               /* how many trades */
    uint32_t interval;             /* seconds between trades (twap); the duration (stop-loss) */
    uint32_t duration;             /* seconds */
    char trigger[80];              /* stop-loss trigger price, as given */
    char label[96];
    char schedule[256];            /* "$41.67 USDC into WETH every hour for 24 hours (24 trades: 23 of ...)" */
};

/* Build the plan for automation (borrowed, valid against the schema) on chain_id.
 * Returns: MCP_OK; MCP_EINVAL naming the field (a token the registry cannot name, an interval
 * longer than the duration, too many trades, a missing field for the kind); MCP_ENOTFOUND when
 * the chain has no registered swap router. */
enum mcp_rc plan_build(struct plan *out, const struct skm_config *cfg, uint64_t chain_id, json_t *automation,
                       struct mcp_error *err) SKM_WARN_UNUSED;

/* The exact request_session_approval arguments for the plan. Returns: a new object or NULL. */
json_t *plan_proposal(const struct plan *p, const char *wallet, json_t *automation);

/* Check that policy (built from a request that names this automation) is no wider than the
 * plan: same router, function set within the plan's, same spend token, maxTotal, per-trade
 * cap and duration no larger, a rate limit no looser. Returns: MCP_OK, or MCP_EPOLICY listing
 * every wider value with the narrower value to use. */
enum mcp_rc plan_check_narrow(const struct plan *p, const struct policy *pol, struct mcp_error *err) SKM_WARN_UNUSED;

/* 1 if an active session's policy (with `remaining` still unspent, expiring at expires_at)
 * can run the whole plan starting at now. */
int plan_covered_by(const struct plan *p, const struct policy *pol, const struct eth_u256 *remaining,
                    int64_t expires_at, int64_t now);

#endif

/* policy_price.h: what a session's swaps may buy and at what price, part of the policy (and
 * so of the policy hash the owner signs). Built by policy_from_request, stored under the
 * canonical policy's "price" key, read by the execution gate (gate_price.h) and shown in the
 * ✓/✗ summary.
 *   maxSlippageBps  the worst price a swap may accept, below the market quote, in basis
 *                   points (100 = 1%, the default; request permissions.maxSlippage "0.5" =
 *                   0.5%). A swap's minimum output must be at least quote × (1 − slippage).
 *   buyToken        for a session planned for an automation: the only token its swaps may
 *                   buy (TWAP buyToken, stop-loss receiveToken), with its symbol and decimals.
 *   trigger         for a stop-loss: sell only when one spend token is worth this much of the
 *                   buy token or less; kept as given ("2000") and in buy-token base units
 *                   per whole spend token.
 * The block is present in every policy whose functions include a swap; other policies (token
 * transfers) have none, and policies stored before it existed parse without it. */
#ifndef SKM_POLICY_PRICE_H
#define SKM_POLICY_PRICE_H

#include <jansson.h>

#include "mcp_err.h"
#include "policy.h"
#include "rgy_registry.h"

#define POLICY_SLIPPAGE_DEFAULT_BPS 100u
#define POLICY_SLIPPAGE_MAX_BPS 5000u /* 50% */

/* Fill p->price from the request (args borrowed; p already has its chain, token and
 * functions). Returns: MCP_OK; MCP_EINVAL naming the field (maxSlippage out of range or
 * malformed, a trigger price with more decimals than the buy token has). An automation whose
 * tokens the registry cannot name leaves buyToken unset (plan_build reports it). */
enum mcp_rc policy_price_from_request(struct policy *p, const struct rgy *r, json_t *args,
                                      struct mcp_error *err) SKM_WARN_UNUSED;

/* The canonical "price" object, or NULL when p has none (or on OOM: check p->price.present). */
json_t *policy_price_to_json(const struct policy *p);

/* Parse the "price" object strictly into p->price. j may be NULL (no block: present = 0). */
enum mcp_rc policy_price_from_json(struct policy *p, json_t *j, struct mcp_error *err) SKM_WARN_UNUSED;

/* "1%", "0.5%", "0.25%": out size >= 16. */
void policy_price_slippage_words(char *out, size_t size, uint32_t bps);

/* The slippage of p: its stored value, or the default for a policy without a price block. */
uint32_t policy_price_slippage(const struct policy *p);

#endif

/* gate_price.h: what a swap buys and at what price, for the execution gate.
 *
 * After decoding and before the checks, gate_price_annotate looks at every swap effect:
 *   - each token of the swap (a path's every hop, or a single swap's two ends) must be a
 *     registry token, else hop_unknown (PATH_TOKEN_UNKNOWN);
 *   - the quote: with a price source for the session's chain (the chain's Uniswap V3 QuoterV2,
 *     chains.<id>.quoterV2 in the registry, read with eth_call over the chain's RPC endpoint)
 *     quoteExactInputSingle / quoteExactInput give the output for an exact-input swap's
 *     amountIn, quoteExactOutputSingle / quoteExactOutput the input an exact-output swap
 *     needs; without one (no --rpc for the chain, no quoter, the call fails) the effect is
 *     GATE_QUOTE_UNAVAILABLE with the reason, and the checks refuse it (NO_QUOTE: fail closed).
 * The checks (gate_check.h) then compare, exactly, in integers:
 *   SLIPPAGE             exact in:  minOut × 10000 < quote × (10000 − maxSlippageBps)
 *                        exact out: amountInMaximum × 10000 > quote × (10000 + maxSlippageBps)
 *   TRIGGER_NOT_REACHED  a stop-loss whose price (buy-token base units per whole spend token:
 *                        out × 10^spendDecimals / in) is above the trigger.
 * The quoter is a parameter so that tests can stand in a price source of their own; the
 * server uses gate_price_rpc_quoter. */
#ifndef SKM_GATE_PRICE_H
#define SKM_GATE_PRICE_H

#include <stdint.h>

#include "cfg.h"
#include "eth_u256.h"
#include "gate_decode.h"
#include "mcp_err.h"
#include "policy.h"

enum {
    GATE_QUOTE_NONE = 0,        /* not a swap, or not looked at */
    GATE_QUOTE_OK = 1,          /* quoted holds the quote */
    GATE_QUOTE_UNAVAILABLE = 2  /* no price source: quote_why says why */
};

/* A price source: quote effect e (a swap) on chain_id. Out: *quoted (see gate_decode.h).
 * Returns: MCP_OK; any error with words (the effect becomes GATE_QUOTE_UNAVAILABLE). */
typedef enum mcp_rc (*gate_quote_fn)(void *ud, struct eth_u256 *quoted, const struct gate_effect *e,
                                     uint64_t chain_id, struct mcp_error *err);

struct gate_quoter {
    gate_quote_fn fn;
    void *ud;
};

/* The server's price source: QuoterV2 over RPC; ud is the struct skm_config (may be NULL:
 * then every quote is unavailable, "no RPC endpoint"). */
enum mcp_rc gate_price_rpc_quoter(void *ud, struct eth_u256 *quoted, const struct gate_effect *e, uint64_t chain_id,
                                  struct mcp_error *err);

/* Annotate the swap effects of fx for policy p (hop_unknown, quote_state, quoted, quote_why).
 * cfg: for the registry (NULL: built in). q: the price source (NULL: none). Never fails:
 * whatever cannot be learned is marked so that the checks refuse it. */
void gate_price_annotate(struct gate_effects *fx, const struct policy *p, const struct skm_config *cfg,
                         const struct gate_quoter *q);

/* Exact comparison of products: returns <0, 0, >0 as a×b is below, equal to or above c×d. */
int gate_price_cmp_products(const struct eth_u256 *a, const struct eth_u256 *b, const struct eth_u256 *c,
                            const struct eth_u256 *d);

#endif

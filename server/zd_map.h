/* zd_map.h: our session policy (policy.h) as ZeroDev policies, and which of its limits the
 * chain enforces once the approval is installed.
 *
 * The mapping (a policies spec, zd_policy.h, fed to zd_permission_from_spec):
 *   call       one CallPolicy (a permission holds only one instance of a policy contract),
 *              one permission per allowed function on the target, valueLimit 0, with rules
 *              where the function's arguments sit at fixed offsets:
 *                exactInputSingle / exactOutputSingle (SwapRouter02 and SwapRouter layouts):
 *                  tokenIn EQUAL spend token, recipient EQUAL the wallet itself, amountIn
 *                  (exactOutput: amountInMaximum) LESS_THAN_OR_EQUAL maxPerTransaction
 *                ERC-20 transfer / approve: amount LESS_THAN_OR_EQUAL maxPerTransaction, and
 *                  recipient / spender EQUAL opts->transfer_to / opts->approve_spender when set
 *              other functions (path swaps, multicall, unknown selectors): target and
 *              selector only; their amounts, tokens and recipients are checked by the server.
 *   rateLimit  count per period over the session's duration D:
 *                count 1  -> no-reset contract {interval: period, count: ceil(D / period)}
 *                            (one UserOp per period, as many as fit in D: a 24-slice TWAP for
 *                            1/hour over 24 h). Never {interval: period, count: 1} when D is
 *                            longer than a period: that allows a single UserOp in total.
 *                count >1 -> reset contract {interval: period, count} (count per period).
 *   timestamp  {validAfter: valid_after, validUntil: valid_until - 1} (the chain accepts a
 *              UserOp at validUntil itself; the server's window ends before valid_until).
 * The total cap has no ZeroDev policy (CallPolicy has no cumulative limit): server only. */
#ifndef SKM_ZD_MAP_H
#define SKM_ZD_MAP_H

#include <jansson.h>
#include <stdint.h>

#include "mcp_err.h"
#include "policy.h"
#include "zd_account.h"
#include "zd_approval.h"
#include "zd_call_policy.h"
#include "zd_enable.h"

struct zd_map_opts {
    enum zd_call_version call_version; /* 0: ZD_CALL_V0_0_4, ZeroDev's default */
    const uint8_t *transfer_to;        /* ERC-20 transfer: the only recipient, or NULL */
    const uint8_t *approve_spender;    /* ERC-20 approve: the only spender, or NULL */
};

/* Who enforces a limit. */
enum zd_enforced {
    ZD_ENF_NONE = 0,   /* not part of this policy */
    ZD_ENF_SERVER = 1, /* only the server's execution gate */
    ZD_ENF_PARTLY = 2, /* the chain for some allowed functions, the server for all */
    ZD_ENF_CHAIN = 3   /* the chain (and the server) */
};

struct zd_enforcement {
    enum zd_enforced target;      /* only the policy's contract */
    enum zd_enforced functions;   /* only the allowed functions */
    enum zd_enforced no_eth;      /* no native value */
    enum zd_enforced spend_token; /* only the spend token is paid */
    enum zd_enforced recipient;   /* swap output / transfer recipient is the wallet (or set) */
    enum zd_enforced max_per_tx;
    enum zd_enforced max_total;   /* always ZD_ENF_SERVER */
    enum zd_enforced rate_limit;
    enum zd_enforced expiry;
};

/* The rate-limit spec for count per period over duration seconds, as described above.
 * Out: *interval, *count, *reset. Returns: 0 when there is no rate limit (count or period 0),
 * else 1. */
int zd_map_rate_limit(uint64_t *interval, uint64_t *count, int *reset, uint32_t rate_count,
                      uint32_t rate_period, int64_t duration);

/* The policies spec of p (see the top of this file).
 * Returns: MCP_OK; MCP_EINVAL if p cannot be mapped (no functions, an expiry in the past of
 * valid_after, a limit beyond the contracts' uint48); MCP_ENOMEM.
 * Out: *out, a new JSON object (keys: call, rateLimit?, timestamp). */
enum mcp_rc zd_map_spec(json_t **out, const struct policy *p, const struct zd_map_opts *opts,
                        struct mcp_error *err) SKM_WARN_UNUSED;

/* zd_map_spec then zd_permission_from_spec with p's session key (EIP-55).
 * Out: *out (release with zd_permission_free). */
enum mcp_rc zd_map_permission(struct zd_permission *out, const struct policy *p,
                              const struct zd_map_opts *opts,
                              struct mcp_error *err) SKM_WARN_UNUSED;

/* The account reference for p: chain, owner (EIP-55), the wallet as the account (EIP-55). */
void zd_map_account_ref(struct zd_account_ref *out, const struct policy *p, enum zd_kernel k,
                        const struct eth_u256 *index);

/* Which limits of p the chain enforces with the mapping above (opts may be NULL). */
void zd_enforcement(struct zd_enforcement *out, const struct policy *p,
                    const struct zd_map_opts *opts);

/* "chain", "chain for some functions", "server", "" for ZD_ENF_NONE. */
const char *zd_enforced_word(enum zd_enforced e);

/* The enforcement as JSON {"target": "chain", ..., "maxTotal": "server"}: a new reference,
 * NULL on OOM. */
json_t *zd_enforcement_json(const struct zd_enforcement *e);

#endif

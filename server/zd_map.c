/* zd_map.c: struct policy -> ZeroDev policies spec, and what the chain enforces of it. */
#include "zd_map.h"

#include <stdio.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "zd_policy.h"

enum fn_kind { FN_SWAP = 1, FN_TRANSFER = 2, FN_APPROVE = 3 };

/* Functions whose arguments the chain can check (static arguments at fixed offsets, after the
 * selector). -1: no such argument. */
struct fn_layout {
    const char *signature;
    enum fn_kind kind;
    int token_off, who_off, amount_off;
};

#define SWAP7 "(address,address,uint24,address,uint256,uint256,uint160)"
#define SWAP8 "(address,address,uint24,address,uint256,uint256,uint256,uint160)"

static const struct fn_layout layouts[] = {
    /* SwapRouter02: (tokenIn, tokenOut, fee, recipient, amountIn|amountOut,
     * amountOutMinimum|amountInMaximum, sqrtPriceLimitX96) */
    {"exactInputSingle(" SWAP7 ")", FN_SWAP, 0, 96, 128},
    {"exactOutputSingle(" SWAP7 ")", FN_SWAP, 0, 96, 160},
    /* SwapRouter (v1): a deadline after recipient */
    {"exactInputSingle(" SWAP8 ")", FN_SWAP, 0, 96, 160},
    {"exactOutputSingle(" SWAP8 ")", FN_SWAP, 0, 96, 192},
    {"transfer(address,uint256)", FN_TRANSFER, -1, 0, 32},
    {"approve(address,uint256)", FN_APPROVE, -1, 0, 32},
};

static const struct fn_layout *layout_of(const struct policy_function *f)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        if (strcmp(f->signature, layouts[i].signature) == 0)
            return &layouts[i];
    }
    return NULL;
}

static const uint8_t *who_of(const struct fn_layout *l, const struct policy *p,
                             const struct zd_map_opts *o)
{
    if (l->kind == FN_SWAP)
        return p->wallet;
    if (l->kind == FN_TRANSFER)
        return o != NULL ? o->transfer_to : NULL;
    return o != NULL ? o->approve_spender : NULL;
}

int zd_map_rate_limit(uint64_t *interval, uint64_t *count, int *reset, uint32_t rate_count,
                      uint32_t rate_period, int64_t duration)
{
    *interval = rate_period;
    *count = rate_count;
    *reset = 0;
    if (rate_count == 0 || rate_period == 0)
        return 0;
    if (rate_count > 1) {
        *reset = 1; /* count per interval needs the contract that resets */
        return 1;
    }
    /* One per period on the no-reset contract: enough UserOps for the whole session. */
    *count = duration > 0 ? ((uint64_t)duration + rate_period - 1) / rate_period : 1;
    if (*count == 0)
        *count = 1;
    return 1;
}

/* ---- the call policy ---- */

static json_t *word_addr(const uint8_t a[20])
{
    uint8_t w[32] = {0};
    char s[67];

    memcpy(w + 12, a, 20);
    eth_hex_encode(s, w, 32);
    return json_string(s);
}

static json_t *word_u256(const struct eth_u256 *v)
{
    uint8_t w[32];
    char s[67];

    eth_u256_to_be(w, v);
    eth_hex_encode(s, w, 32);
    return json_string(s);
}

static int add_rule(json_t *rules, const char *cond, int offset, json_t *param)
{
    return json_array_append_new(rules, json_pack("{s:s, s:i, s:[o]}", "condition", cond,
                                                  "offset", offset, "params", param));
}

static json_t *function_rules(const struct policy *p, const struct policy_function *f,
                              const struct zd_map_opts *o)
{
    const struct fn_layout *l = layout_of(f);
    const uint8_t *who = l != NULL ? who_of(l, p, o) : NULL;
    json_t *rules = json_array();
    int bad = rules == NULL;

    if (l == NULL || bad)
        return rules;
    if (l->token_off >= 0)
        bad |= add_rule(rules, "EQUAL", l->token_off, word_addr(p->spend_token));
    if (who != NULL)
        bad |= add_rule(rules, "EQUAL", l->who_off, word_addr(who));
    bad |= add_rule(rules, "LESS_THAN_OR_EQUAL", l->amount_off, word_u256(&p->max_per_tx));
    if (bad) {
        json_decref(rules);
        return NULL;
    }
    return rules;
}

static json_t *call_spec(const struct policy *p, const struct zd_map_opts *o)
{
    char target[ETH_ADDR_STR_SIZE], sel[11];
    json_t *arr = json_array();

    eth_addr_format(target, p->target);
    for (size_t i = 0; arr != NULL && i < p->n_functions; i++) {
        eth_hex_encode(sel, p->functions[i].selector, 4);
        if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o}", "target", target,
                                                 "selector", sel, "valueLimit", "0", "rules",
                                                 function_rules(p, &p->functions[i], o))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static enum mcp_rc add_rate_limit(json_t *spec, const struct policy *p, struct mcp_error *err)
{
    uint64_t interval, count;
    int reset;

    if (!zd_map_rate_limit(&interval, &count, &reset, p->rate_count, p->rate_period,
                           p->valid_until - p->valid_after))
        return MCP_OK;
    if (count > (uint64_t)ZD_UINT48_MAX)
        return mcp_errf(err, MCP_EINVAL, "rate limit: %llu UserOps is beyond what the rate-limit "
                        "contract can count", (unsigned long long)count);
    if (json_object_set_new(spec, "rateLimit",
                            reset ? json_pack("{s:I, s:I, s:b}", "count", (json_int_t)count,
                                              "interval", (json_int_t)interval, "reset", 1)
                                  : json_pack("{s:I, s:I}", "count", (json_int_t)count,
                                              "interval", (json_int_t)interval)) != 0)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    return MCP_OK;
}

enum mcp_rc zd_map_spec(json_t **out, const struct policy *p, const struct zd_map_opts *opts,
                        struct mcp_error *err)
{
    json_t *spec = NULL, *call;
    enum mcp_rc rc = MCP_OK;

    *out = NULL;
    if (p->n_functions == 0 || p->n_functions > POLICY_MAX_FUNCTIONS)
        return mcp_errf(err, MCP_EINVAL, "policy: no functions to allow");
    if (p->valid_after < 0 || p->valid_until <= p->valid_after ||
        p->valid_until - 1 > ZD_UINT48_MAX)
        return mcp_errf(err, MCP_EINVAL, "policy: the validity window cannot be expressed "
                        "on chain");
    call = call_spec(p, opts);
    if (call != NULL)
        spec = json_pack("{s:o}", "call", call);
    if (spec == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = add_rate_limit(spec, p, err);
    if (rc == MCP_OK &&
        json_object_set_new(spec, "timestamp",
                            json_pack("{s:I, s:I}", "validAfter", (json_int_t)p->valid_after,
                                      "validUntil", (json_int_t)(p->valid_until - 1))) != 0)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc == MCP_OK)
        *out = spec;
    else
        json_decref(spec);
    return rc;
}

enum mcp_rc zd_map_permission(struct zd_permission *out, const struct policy *p,
                              const struct zd_map_opts *opts, struct mcp_error *err)
{
    enum zd_call_version v = opts != NULL && opts->call_version ? opts->call_version
                                                                 : ZD_CALL_V0_0_4;
    char key[ETH_ADDR_STR_SIZE];
    json_t *spec = NULL;
    enum mcp_rc rc = zd_map_spec(&spec, p, opts, err);

    memset(out, 0, sizeof *out);
    eth_addr_format(key, p->session_key);
    if (rc == MCP_OK)
        rc = zd_permission_from_spec(out, spec, zd_call_version_name(v), key, err);
    json_decref(spec);
    return rc;
}

void zd_map_account_ref(struct zd_account_ref *out, const struct policy *p, enum zd_kernel k,
                        const struct eth_u256 *index)
{
    memset(out, 0, sizeof *out);
    out->kernel = k;
    out->chain_id = p->chain_id;
    eth_addr_format(out->owner, p->owner);
    eth_addr_format(out->account, p->wallet);
    if (index != NULL)
        out->index = *index;
}

/* ---- enforcement ---- */

/* All of n functions have a chain rule for a limit, some, or none. */
static enum zd_enforced share(size_t with_rule, size_t n)
{
    if (with_rule == 0)
        return ZD_ENF_SERVER;
    return with_rule == n ? ZD_ENF_CHAIN : ZD_ENF_PARTLY;
}

/* Does the policy constrain where f sends value (swap output, transfer or approval target)? */
static int has_recipient_limit(const struct policy_function *f, const struct fn_layout *l,
                               const struct zd_map_opts *o)
{
    if (strcmp(f->category, "swap") == 0)
        return 1;
    if (l != NULL && l->kind == FN_TRANSFER)
        return o != NULL && o->transfer_to != NULL;
    if (l != NULL && l->kind == FN_APPROVE)
        return o != NULL && o->approve_spender != NULL;
    return 0;
}

void zd_enforcement(struct zd_enforcement *out, const struct policy *p,
                    const struct zd_map_opts *opts)
{
    size_t token = 0, who = 0, who_limited = 0, amount = 0, n = p->n_functions;
    uint64_t interval, count;
    int reset;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const struct fn_layout *l = layout_of(&p->functions[i]);

        if (has_recipient_limit(&p->functions[i], l, opts)) {
            who_limited++;
            who += l != NULL && who_of(l, p, opts) != NULL;
        }
        if (l == NULL)
            continue;
        amount++;
        /* a token contract's own transfer/approve can only move that token */
        token += l->token_off >= 0 || memcmp(p->target, p->spend_token, 20) == 0;
    }
    out->target = ZD_ENF_CHAIN;
    out->functions = ZD_ENF_CHAIN;
    out->no_eth = ZD_ENF_CHAIN;
    out->spend_token = share(token, n);
    out->recipient = who_limited == 0 ? ZD_ENF_NONE : share(who, who_limited);
    out->max_per_tx = share(amount, n);
    out->max_total = ZD_ENF_SERVER;
    /* The rolling rate ("1 trade per hour") is the server's: the no-reset contract only caps the
     * number of UserOps (unused slots can be spent at once) and the reset one counts per fixed
     * window (a burst across an edge gets through). What the chain does hold is said by
     * zd_session_enforcement_note ("at most 24 trades in total"). */
    out->rate_limit = zd_map_rate_limit(&interval, &count, &reset, p->rate_count, p->rate_period,
                                        p->valid_until - p->valid_after)
                          ? ZD_ENF_SERVER
                          : ZD_ENF_NONE;
    out->expiry = ZD_ENF_CHAIN;
}

const char *zd_enforced_word(enum zd_enforced e)
{
    switch (e) {
    case ZD_ENF_CHAIN:
        return "chain";
    case ZD_ENF_PARTLY:
        return "chain for some functions";
    case ZD_ENF_SERVER:
        return "server";
    case ZD_ENF_NONE:
        break;
    }
    return "";
}

json_t *zd_enforcement_json(const struct zd_enforcement *e)
{
    const struct {
        const char *key;
        enum zd_enforced v;
    } f[] = {{"target", e->target},         {"functions", e->functions},
             {"noEth", e->no_eth},          {"spendToken", e->spend_token},
             {"recipient", e->recipient},   {"maxPerTransaction", e->max_per_tx},
             {"maxTotal", e->max_total},    {"rateLimit", e->rate_limit},
             {"expiry", e->expiry}};
    json_t *o = json_object();

    for (size_t i = 0; o != NULL && i < sizeof f / sizeof f[0]; i++) {
        if (f[i].v != ZD_ENF_NONE &&
            json_object_set_new(o, f[i].key, json_string(zd_enforced_word(f[i].v))) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

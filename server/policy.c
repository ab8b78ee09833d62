/* policy.c: building a policy from request_session_approval's arguments, with every check the
 * schema cannot make (see policy.h). The canonical JSON form is in policy_json.c. */
#include "policy.h"
#include "policy_price.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "policy_words.h"

#define MAX_UNIX_48 ((int64_t)1 << 48) /* validUntil is a uint48 in the signed typed data */

static const uint8_t zero_addr[20];

/* What the request refers to while it is being turned into a policy. */
struct req {
    const struct rgy *rgy;
    const struct rgy_contract *contract; /* NULL: not registered */
    json_t *args;
    json_t *perm;
};

static enum mcp_rc parse_address(uint8_t out[20], json_t *v, const char *what,
                                 struct mcp_error *err)
{
    if (!json_is_string(v))
        return mcp_errf(err, MCP_EINVAL, "%s: missing; send an address (0x and 40 hex digits)",
                        what);
    return eth_addr_parse(out, json_string_value(v), what, err);
}

static enum mcp_rc parse_parties(struct policy *p, const struct req *rq,
                                 const uint8_t session_key[20], struct mcp_error *err)
{
    json_t *owner = json_object_get(rq->args, "ownerAddress");

    if (parse_address(p->wallet, json_object_get(rq->args, "walletAddress"), "walletAddress",
                      err) != MCP_OK)
        return MCP_EINVAL;
    if (memcmp(p->wallet, zero_addr, 20) == 0)
        return mcp_errf(err, MCP_EINVAL, "walletAddress: the zero address is not a wallet; send "
                        "the address of the user's smart wallet");
    memcpy(p->owner, p->wallet, 20);
    if (owner != NULL && parse_address(p->owner, owner, "ownerAddress", err) != MCP_OK)
        return MCP_EINVAL;
    if (memcmp(p->owner, zero_addr, 20) == 0)
        return mcp_errf(err, MCP_EINVAL, "ownerAddress: the zero address cannot sign; send the "
                        "address of the wallet's owner key, or leave ownerAddress out");
    memcpy(p->session_key, session_key, 20);
    return MCP_OK;
}

static enum mcp_rc parse_duration(struct policy *p, json_t *v, int64_t now, struct mcp_error *err)
{
    json_int_t d = json_is_integer(v) ? json_integer_value(v) : -1;
    char words[POLICY_WORDS_MAX];

    if (d <= 0)
        return mcp_errf(err, MCP_EINVAL, "duration: %s; send the session's length in seconds, "
                        "from 60 (1 minute) to 2592000 (30 days)",
                        json_is_integer(v) ? "must be more than 0" : "missing or not a whole number");
    policy_words_duration(words, sizeof words, (uint64_t)d);
    if (d < POLICY_MIN_DURATION)
        return mcp_errf(err, MCP_EINVAL, "duration: %s is too short; a session lasts at least "
                        "1 minute (60)", words);
    if (d > POLICY_MAX_DURATION)
        return mcp_errf(err, MCP_EINVAL, "duration: %s is too long; a session lasts at most "
                        "30 days (2592000)", words);
    if (now < 0 || now > MAX_UNIX_48 - 1 - POLICY_MAX_DURATION)
        return mcp_errf(err, MCP_EINTERNAL, "the clock reads %lld, which is not a usable time",
                        (long long)now);
    p->valid_after = now;
    p->valid_until = now + (int64_t)d;
    return MCP_OK;
}

static enum mcp_rc parse_chain(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    json_t *v = json_object_get(rq->perm, "chainId");
    const char *name;

    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return mcp_errf(err, MCP_EINVAL, "chainId: must be a whole number of at least 1, such as "
                        "8453 for Base");
    p->chain_id = (uint64_t)json_integer_value(v);
    name = rgy_chain_name(rq->rgy, p->chain_id);
    if (name != NULL)
        snprintf(p->chain_name, sizeof p->chain_name, "%s", name);
    else
        snprintf(p->chain_name, sizeof p->chain_name, "chain %llu",
                 (unsigned long long)p->chain_id);
    return MCP_OK;
}

static enum mcp_rc parse_target(struct policy *p, struct req *rq, struct mcp_error *err)
{
    const struct rgy_contract *c;

    if (parse_address(p->target, json_object_get(rq->perm, "contractAddress"), "contractAddress",
                      err) != MCP_OK)
        return MCP_EINVAL;
    if (memcmp(p->target, zero_addr, 20) == 0)
        return mcp_errf(err, MCP_EINVAL, "contractAddress: the zero address is not a contract; "
                        "send the address of the one contract the session may call, such as a "
                        "Uniswap V3 router");
    if (memcmp(p->target, p->wallet, 20) == 0)
        return mcp_errf(err, MCP_EINVAL, "contractAddress: that is the wallet itself; a session "
                        "key may never call its own wallet (it could change the wallet's owners "
                        "or modules); send the contract it should use, such as a Uniswap V3 router");
    c = rgy_contract(rq->rgy, p->chain_id, p->target);
    rq->contract = c;
    if (c == NULL)
        return MCP_OK;
    p->contract_known = 1;
    p->contract_is_token = c->is_token;
    snprintf(p->contract_name, sizeof p->contract_name, "%s", c->name);
    snprintf(p->family, sizeof p->family, "%s", c->words);
    return MCP_OK;
}

static enum mcp_rc unknown_token(const struct policy *p, const struct req *rq,
                                 struct mcp_error *err)
{
    const struct rgy_token *usdc = rgy_chain_usdc(rq->rgy, p->chain_id);
    char addr[ETH_ADDR_STR_SIZE], hint[96] = "";

    eth_addr_format(addr, p->spend_token);
    if (usdc != NULL) {
        char u[ETH_ADDR_STR_SIZE];
        eth_addr_format(u, usdc->address);
        snprintf(hint, sizeof hint, ", or leave spendToken out to use %s (%s)", usdc->symbol, u);
    }
    return mcp_errf(err, MCP_EINVAL, "spendToken: %s is not a token we know on %s, and the limits "
                    "can only be read with its exact decimals; name it in the config file's "
                    "registry (tokens → \"%llu\" → its address → symbol and decimals)%s",
                    addr, p->chain_name, (unsigned long long)p->chain_id, hint);
}

static void set_token(struct policy *p, const struct rgy_token *t, int defaulted)
{
    memcpy(p->spend_token, t->address, 20);
    snprintf(p->token_symbol, sizeof p->token_symbol, "%s", t->symbol);
    p->token_decimals = t->decimals;
    p->token_usd = t->usd;
    p->token_known = 1;
    p->token_defaulted = defaulted;
}

static enum mcp_rc default_token(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    const struct rgy_token *t;

    if (rq->contract != NULL && rq->contract->is_token) {
        t = rgy_token(rq->rgy, p->chain_id, p->target);
        if (t == NULL)
            return mcp_errf(err, MCP_EINTERNAL, "registry: token contract without a token entry");
        set_token(p, t, 0);
        return MCP_OK;
    }
    t = rgy_chain_usdc(rq->rgy, p->chain_id);
    if (t == NULL)
        return mcp_errf(err, MCP_EINVAL, "spendToken: missing, and %s has no default token; send "
                        "spendToken, the address of the token the limits are counted in (it must "
                        "be named in the config file's registry)", p->chain_name);
    set_token(p, t, 1);
    return MCP_OK;
}

static enum mcp_rc parse_token(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    json_t *v = json_object_get(rq->args, "spendToken");
    const struct rgy_token *t;
    char addr[ETH_ADDR_STR_SIZE];

    if (v == NULL)
        return default_token(p, rq, err);
    if (parse_address(p->spend_token, v, "spendToken", err) != MCP_OK)
        return MCP_EINVAL;
    if ((t = rgy_token(rq->rgy, p->chain_id, p->spend_token)) == NULL)
        return unknown_token(p, rq, err);
    if (p->contract_is_token && memcmp(p->spend_token, p->target, 20) != 0) {
        eth_addr_format(addr, p->target);
        return mcp_errf(err, MCP_EINVAL, "spendToken: this session may only call the %s token "
                        "contract, so its limits are counted in %s; leave spendToken out or send "
                        "%s", p->contract_name, p->contract_name, addr);
    }
    set_token(p, t, 0);
    return MCP_OK;
}

/* Decimal places that matter in s ("41.670" has 2), or 0 when s has no point. */
static size_t decimal_places(const char *s)
{
    const char *dot = strchr(s, '.');
    size_t n;

    if (dot == NULL)
        return 0;
    n = strlen(dot + 1);
    while (n > 0 && dot[n] == '0')
        n--;
    return n;
}

static enum mcp_rc parse_amount(struct eth_u256 *out, const struct policy *p, json_t *v,
                                const char *what, const char *example, struct mcp_error *err)
{
    const char *s = json_string_value(v);
    size_t places;

    if (s == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: missing; send an amount in token units as a "
                        "string, such as \"%s\"", what, example);
    places = decimal_places(s);
    if (places > p->token_decimals && strspn(s, "0123456789.") == strlen(s))
        return mcp_errf(err, MCP_EINVAL, "%s: has %zu decimal place%s; %s has %u; round it to at "
                        "most %u", what, places, places == 1 ? "" : "s", p->token_symbol,
                        p->token_decimals, p->token_decimals);
    if (eth_u256_from_units(out, s, p->token_decimals, what, err) != MCP_OK)
        return MCP_EINVAL;
    if (eth_u256_is_zero(out))
        return mcp_errf(err, MCP_EINVAL, "%s: must be more than 0; send an amount in %s such as "
                        "\"%s\"", what, p->token_symbol, example);
    return MCP_OK;
}

static enum mcp_rc parse_amounts(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    char per[POLICY_WORDS_MAX], total[POLICY_WORDS_MAX];

    if (parse_amount(&p->max_per_tx, p, json_object_get(rq->perm, "maxPerTransaction"),
                     "maxPerTransaction", "50", err) != MCP_OK ||
        parse_amount(&p->max_total, p, json_object_get(rq->perm, "maxTotal"), "maxTotal", "1000",
                     err) != MCP_OK)
        return MCP_EINVAL;
    if (eth_u256_cmp(&p->max_per_tx, &p->max_total) <= 0)
        return MCP_OK;
    policy_words_amount(per, sizeof per, &p->max_per_tx, p->token_decimals, p->token_symbol,
                        p->token_usd);
    policy_words_amount(total, sizeof total, &p->max_total, p->token_decimals, p->token_symbol,
                        p->token_usd);
    return mcp_errf(err, MCP_EINVAL, "maxPerTransaction: %s is more than maxTotal (%s); one "
                    "transaction cannot spend more than the whole session; lower "
                    "maxPerTransaction or raise maxTotal", per, total);
}

static enum mcp_rc parse_rate(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    json_t *rl = json_object_get(rq->perm, "rateLimit"), *count, *period;

    if (rl == NULL)
        return MCP_OK;
    count = json_object_get(rl, "count");
    period = json_object_get(rl, "period");
    if (!json_is_integer(count) || json_integer_value(count) < 1 ||
        json_integer_value(count) > (json_int_t)UINT32_MAX)
        return mcp_errf(err, MCP_EINVAL, "rateLimit.count: must be a whole number of at least 1 "
                        "(transactions per period); leave rateLimit out for no rate limit");
    if (!json_is_integer(period) || json_integer_value(period) < 1 ||
        json_integer_value(period) > (json_int_t)UINT32_MAX)
        return mcp_errf(err, MCP_EINVAL, "rateLimit.period: must be a whole number of seconds, at "
                        "least 1, such as 3600 for one hour");
    p->rate_count = (uint32_t)json_integer_value(count);
    p->rate_period = (uint32_t)json_integer_value(period);
    return MCP_OK;
}

static void describe_function(char *out, size_t size, const struct policy_function *f)
{
    if (f->name[0] != '\0')
        snprintf(out, size, "%s", f->overloaded || !f->known ? f->signature : f->name);
    else
        eth_hex_encode(out, f->selector, 4);
}

static enum mcp_rc check_duplicate(const struct policy *p, size_t i, struct mcp_error *err)
{
    char desc[POLICY_SIG_MAX];

    for (size_t j = 0; j < i; j++) {
        if (memcmp(p->functions[j].selector, p->functions[i].selector, 4) != 0)
            continue;
        describe_function(desc, sizeof desc, &p->functions[j]);
        return mcp_errf(err, MCP_EINVAL, "allowedFunctions[%zu]: the same function as "
                        "allowedFunctions[%zu] (%.200s); list each function once", i, j, desc);
    }
    return MCP_OK;
}

static enum mcp_rc parse_functions(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    json_t *arr = json_object_get(rq->perm, "allowedFunctions");
    size_t n = json_array_size(arr);

    if (!json_is_array(arr) || n == 0 || n > POLICY_MAX_FUNCTIONS)
        return mcp_errf(err, MCP_EINVAL, "allowedFunctions: send a list of 1 to %d functions, "
                        "such as [\"exactInputSingle\"]", POLICY_MAX_FUNCTIONS);
    for (size_t i = 0; i < n; i++) {
        struct policy_function *f = &p->functions[i];
        struct rgy_resolved r;
        char what[40];
        enum mcp_rc rc;

        snprintf(what, sizeof what, "allowedFunctions[%zu]", i);
        rc = rgy_resolve_function(&r, rq->contract, json_string_value(json_array_get(arr, i)),
                                  what, err);
        if (rc != MCP_OK)
            return rc;
        memcpy(f->signature, r.signature, sizeof f->signature);
        memcpy(f->name, r.name, sizeof f->name);
        memcpy(f->selector, r.selector, 4);
        memcpy(f->category, r.category, sizeof f->category);
        f->known = r.known;
        f->overloaded = r.overloaded;
        if (check_duplicate(p, i, err) != MCP_OK)
            return MCP_EINVAL;
        p->n_functions = i + 1;
    }
    return MCP_OK;
}

/* Case-insensitive substring test for ASCII words. */
static int mentions(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

static void derive_feature(struct policy *p)
{
    if (mentions(p->label, "twap"))
        snprintf(p->feature, sizeof p->feature, "twap");
    else if (mentions(p->label, "stop loss") || mentions(p->label, "stop-loss") ||
             mentions(p->label, "stoploss") || mentions(p->label, "stop_loss"))
        snprintf(p->feature, sizeof p->feature, "stop_loss");
    else
        memcpy(p->feature, p->label, sizeof p->feature);
}

/* feature: automation.kind when the request names one, else derived from the label. */
static void set_feature(struct policy *p, const struct req *rq)
{
    const char *kind = json_string_value(json_object_get(json_object_get(rq->args, "automation"), "kind"));

    if (kind != NULL && (strcmp(kind, "twap") == 0 || strcmp(kind, "stop_loss") == 0))
        snprintf(p->feature, sizeof p->feature, "%s", kind);
    else
        derive_feature(p);
}

static enum mcp_rc parse_label(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    json_t *v = json_object_get(rq->args, "label");
    const char *s = json_string_value(v);

    if (v == NULL) {
        set_feature(p, rq);
        return MCP_OK;
    }
    if (s == NULL || json_string_length(v) == 0 || json_string_length(v) >= sizeof p->label ||
        strlen(s) != json_string_length(v))
        return mcp_errf(err, MCP_EINVAL, "label: send a short name of 1 to 80 characters, such "
                        "as \"ETH TWAP\"");
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return mcp_errf(err, MCP_EINVAL, "label: must be one line without control characters; "
                            "send a short name such as \"ETH TWAP\"");
    memcpy(p->label, s, json_string_length(v) + 1);
    set_feature(p, rq);
    return MCP_OK;
}

/* ---- fees: the per-operation fee cap and the paymaster allow-list (issue 11) ---- */

static enum mcp_rc parse_max_fee(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    json_t *v = json_object_get(rq->perm, "maxFeePerOperation");
    const char *s = json_string_value(v);

    if (v == NULL)
        return eth_u256_from_dec(&p->max_fee_per_op, POLICY_DEFAULT_MAX_FEE_WEI, "maxFeePerOperation", err);
    if (s == NULL || decimal_places(s) > 18 || strspn(s, "0123456789.") != strlen(s) ||
        eth_u256_from_units(&p->max_fee_per_op, s, 18, "maxFeePerOperation", NULL) != MCP_OK)
        return mcp_errf(err, MCP_EINVAL, "maxFeePerOperation: expected an amount of ETH as a decimal string with at "
                        "most 18 decimal places, such as \"0.005\"; leave it out for the default of 0.005 ETH");
    if (eth_u256_is_zero(&p->max_fee_per_op))
        return mcp_errf(err, MCP_EINVAL, "maxFeePerOperation: must be more than 0 ETH, or no operation could pay its "
                        "gas; send an amount such as \"0.005\"");
    return MCP_OK;
}

int policy_paymaster_index(const struct policy *p, const uint8_t pm[20])
{
    for (size_t i = 0; i < p->n_paymasters; i++)
        if (memcmp(p->paymasters[i], pm, 20) == 0)
            return (int)i;
    return -1;
}

static enum mcp_rc parse_paymasters(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    json_t *arr = json_object_get(rq->perm, "paymasters"), *v;
    uint8_t a[20];
    char what[40];
    size_t i;

    if (arr == NULL)
        return MCP_OK;
    if (!json_is_array(arr) || json_array_size(arr) > POLICY_MAX_PAYMASTERS)
        return mcp_errf(err, MCP_EINVAL, "paymasters: expected a list of at most %d paymaster addresses; leave it "
                        "out when the wallet pays its own gas", POLICY_MAX_PAYMASTERS);
    json_array_foreach(arr, i, v) {
        snprintf(what, sizeof what, "paymasters[%zu]", i);
        if (parse_address(a, v, what, err) != MCP_OK)
            return MCP_EINVAL;
        if (memcmp(a, zero_addr, 20) == 0)
            return mcp_errf(err, MCP_EINVAL, "%s: the zero address is not a paymaster; send the paymaster "
                            "contract's address", what);
        if (policy_paymaster_index(p, a) >= 0)
            return mcp_errf(err, MCP_EINVAL, "%s: listed twice; send each paymaster once", what);
        memcpy(p->paymasters[p->n_paymasters++], a, 20);
    }
    return MCP_OK;
}

static enum mcp_rc parse_fees(struct policy *p, const struct req *rq, struct mcp_error *err)
{
    if (parse_max_fee(p, rq, err) != MCP_OK)
        return MCP_EINVAL;
    return parse_paymasters(p, rq, err);
}

enum mcp_rc policy_from_request(struct policy *out, const struct skm_config *cfg, json_t *args,
                                const uint8_t session_key[20], int64_t now, struct mcp_error *err)
{
    struct req rq = {NULL, NULL, args, json_object_get(args, "permissions")};
    struct mcp_error rerr = {MCP_OK, ""};
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    out->version = POLICY_VERSION;
    if ((rq.rgy = rgy_get(cfg, &rerr)) == NULL)
        return mcp_errf(err, rerr.rc, "%s", rerr.msg);
    if (!json_is_object(args) || !json_is_object(rq.perm))
        rc = mcp_errf(err, MCP_EINVAL, "permissions: missing; send what the session may do "
                      "(chainId, contractAddress, allowedFunctions, maxPerTransaction, maxTotal)");
    else
        rc = parse_parties(out, &rq, session_key, err);
    if (rc == MCP_OK)
        rc = parse_duration(out, json_object_get(args, "duration"), now, err);
    if (rc == MCP_OK)
        rc = parse_chain(out, &rq, err);
    if (rc == MCP_OK)
        rc = parse_target(out, &rq, err);
    if (rc == MCP_OK)
        rc = parse_functions(out, &rq, err);
    if (rc == MCP_OK)
        rc = parse_token(out, &rq, err);
    if (rc == MCP_OK)
        rc = parse_amounts(out, &rq, err);
    if (rc == MCP_OK)
        rc = parse_rate(out, &rq, err);
    if (rc == MCP_OK)
        rc = parse_label(out, &rq, err);
    if (rc == MCP_OK)
        rc = policy_price_from_request(out, rq.rgy, args, err);
    if (rc == MCP_OK)
        rc = parse_fees(out, &rq, err);
    if (rc != MCP_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

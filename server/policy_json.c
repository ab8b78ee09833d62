/* policy_json.c: the canonical JSON form of a policy, its strict parser, and the policy hash
 * (see policy.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_hex.h"
#include "eth_keccak.h"
#include "policy.h"
#include "policy_price.h"

/* Every key of the canonical form, so that the parser can refuse anything else. */
static const char *const policy_keys[] = {
    "version", "chainId", "chainName", "wallet", "owner", "sessionKey", "target",
    "contractKnown", "contractIsToken", "contractName", "family", "functions", "spendToken",
    "tokenSymbol", "tokenDecimals", "tokenUsd", "tokenKnown", "tokenDefaulted",
    "maxPerTransaction", "maxTotal", "rateLimitCount", "rateLimitPeriod", "validAfter",
    "validUntil", "label", "feature",
    "maxFeePerOperation", "paymasters", /* fees (issue 11) */
    NULL};

static const char *const function_keys[] = {"signature", "name", "selector", "category", "known",
                                             "overloaded", NULL};

/* ---- writing ---- */

static json_t *function_to_json(const struct policy_function *f)
{
    return json_pack("{s:s, s:s, s:o, s:s, s:b, s:b}", "signature", f->signature, "name", f->name,
                     "selector", eth_hex_json(f->selector, 4), "category", f->category, "known",
                     f->known, "overloaded", f->overloaded);
}

static json_t *functions_to_json(const struct policy *p)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < p->n_functions; i++) {
        if (json_array_append_new(arr, function_to_json(&p->functions[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The price block (policy_price.h), added when the policy has one. */
static json_t *with_price(json_t *j, const struct policy *p)
{
    json_t *price;

    if (j == NULL || !p->price.present)
        return j;
    if ((price = policy_price_to_json(p)) == NULL || json_object_set_new(j, "price", price) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The fee block: maxFeePerOperation (decimal wei) and paymasters (lower-case addresses). */
static json_t *fees_to_json(json_t *j, const struct policy *p)
{
    json_t *pms = json_array();

    for (size_t i = 0; pms != NULL && i < p->n_paymasters; i++)
        if (json_array_append_new(pms, eth_hex_json(p->paymasters[i], 20)) != 0) {
            json_decref(pms);
            pms = NULL;
        }
    if (j == NULL || pms == NULL || json_object_set_new(j, "paymasters", pms) != 0 ||
        json_object_set_new(j, "maxFeePerOperation", eth_u256_json_dec(&p->max_fee_per_op)) != 0 ||
        json_object_get(j, "maxFeePerOperation") == NULL) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *policy_to_json_base(const struct policy *p);

json_t *policy_to_json(const struct policy *p)
{
    return with_price(fees_to_json(policy_to_json_base(p), p), p);
}

static json_t *policy_to_json_base(const struct policy *p)
{
    return json_pack(
        "{s:i, s:I, s:s, s:o, s:o, s:o, s:o, s:b, s:b, s:s, s:s, s:o, s:o,"
        " s:s, s:i, s:b, s:b, s:b, s:o, s:o, s:I, s:I, s:I, s:I, s:s, s:s}",
        "version", p->version, "chainId", (json_int_t)p->chain_id, "chainName", p->chain_name,
        "wallet", eth_hex_json(p->wallet, 20), "owner", eth_hex_json(p->owner, 20), "sessionKey",
        eth_hex_json(p->session_key, 20), "target", eth_hex_json(p->target, 20), "contractKnown",
        p->contract_known, "contractIsToken", p->contract_is_token, "contractName",
        p->contract_name, "family", p->family, "functions", functions_to_json(p), "spendToken",
        eth_hex_json(p->spend_token, 20), "tokenSymbol", p->token_symbol, "tokenDecimals",
        (int)p->token_decimals, "tokenUsd", p->token_usd, "tokenKnown", p->token_known,
        "tokenDefaulted", p->token_defaulted, "maxPerTransaction", eth_u256_json_dec(&p->max_per_tx),
        "maxTotal", eth_u256_json_dec(&p->max_total), "rateLimitCount", (json_int_t)p->rate_count,
        "rateLimitPeriod", (json_int_t)p->rate_period, "validAfter", (json_int_t)p->valid_after,
        "validUntil", (json_int_t)p->valid_until, "label", p->label, "feature", p->feature);
}

char *policy_canonical(const struct policy *p)
{
    json_t *j = policy_to_json(p);
    char *s = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

    json_decref(j);
    return s;
}

enum mcp_rc policy_hash_checked(uint8_t out[32], const struct policy *p, struct mcp_error *err)
{
    char *s = policy_canonical(p);

    memset(out, 0, 32);
    if (s == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory while hashing the policy");
    eth_keccak256(out, s, strlen(s));
    free(s);
    return MCP_OK;
}

void policy_hash(uint8_t out[32], const struct policy *p)
{
    if (policy_hash_checked(out, p, NULL) != MCP_OK)
        memset(out, 0, 32);
}

int policy_all_swaps(const struct policy *p)
{
    for (size_t i = 0; i < p->n_functions; i++)
        if (!p->functions[i].known || strcmp(p->functions[i].category, "swap") != 0)
            return 0;
    return p->n_functions > 0;
}

int policy_has_rate_limit(const struct policy *p)
{
    return p->rate_count != 0 && p->rate_period != 0;
}

/* ---- reading, strictly ---- */

static enum mcp_rc only_keys(json_t *obj, const char *const *keys, const char *where,
                             struct mcp_error *err)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return mcp_errf(err, MCP_EINVAL, "%s: expected a JSON object", where);
    json_object_foreach(obj, key, v) {
        size_t i;

        for (i = 0; keys[i] != NULL && strcmp(keys[i], key) != 0; i++)
            ;
        if (keys[i] == NULL)
            return mcp_errf(err, MCP_EINVAL, "%s: unknown key \"%.40s\"", where, key);
    }
    (void)v;
    for (size_t i = 0; keys[i] != NULL; i++)
        if (json_object_get(obj, keys[i]) == NULL)
            return mcp_errf(err, MCP_EINVAL, "%s: missing \"%s\"", where, keys[i]);
    return MCP_OK;
}

static enum mcp_rc get_text(char *buf, size_t size, json_t *obj, const char *key,
                            const char *where, struct mcp_error *err)
{
    json_t *v = json_object_get(obj, key);
    size_t n = json_string_length(v);

    if (!json_is_string(v) || n >= size || strlen(json_string_value(v)) != n)
        return mcp_errf(err, MCP_EINVAL, "%s.%s: expected a text of at most %zu bytes", where, key,
                        size - 1);
    memcpy(buf, json_string_value(v), n + 1);
    return MCP_OK;
}

static enum mcp_rc get_bool(int *out, json_t *obj, const char *key, const char *where,
                            struct mcp_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_boolean(v))
        return mcp_errf(err, MCP_EINVAL, "%s.%s: expected true or false", where, key);
    *out = json_is_true(v);
    return MCP_OK;
}

static enum mcp_rc get_int(json_int_t *out, json_t *obj, const char *key, json_int_t lo,
                           json_int_t hi, const char *where, struct mcp_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return mcp_errf(err, MCP_EINVAL, "%s.%s: expected a whole number from %lld to %lld", where,
                        key, (long long)lo, (long long)hi);
    *out = json_integer_value(v);
    return MCP_OK;
}

/* Lower-case "0x" hex of exactly n bytes. */
static enum mcp_rc get_hex(uint8_t *out, size_t n, json_t *obj, const char *key, const char *where,
                           struct mcp_error *err)
{
    const char *s = json_string_value(json_object_get(obj, key));

    if (s == NULL || strlen(s) != 2 + 2 * n || strncmp(s, "0x", 2) != 0 ||
        strspn(s + 2, "0123456789abcdef") != 2 * n)
        return mcp_errf(err, MCP_EINVAL, "%s.%s: expected 0x and %zu lower-case hex digits", where,
                        key, 2 * n);
    return eth_hex_decode(out, n, s, key, err);
}

static enum mcp_rc get_amount(struct eth_u256 *out, json_t *obj, const char *key, const char *where,
                              struct mcp_error *err)
{
    const char *s = json_string_value(json_object_get(obj, key));
    char back[80];

    if (s == NULL || eth_u256_from_dec(out, s, key, NULL) != MCP_OK)
        return mcp_errf(err, MCP_EINVAL, "%s.%s: expected a decimal string of base units", where,
                        key);
    eth_u256_to_dec(back, sizeof back, out);
    if (strcmp(back, s) != 0)
        return mcp_errf(err, MCP_EINVAL, "%s.%s: not in canonical form (\"%s\")", where, key, back);
    return MCP_OK;
}

static int is_category(const char *s)
{
    return s[0] == '\0' || strcmp(s, "swap") == 0 || strcmp(s, "batch") == 0 ||
           strcmp(s, "transfer") == 0 || strcmp(s, "approve") == 0 || strcmp(s, "other") == 0;
}

/* A function's fields must agree: the selector and name are those of the signature. */
static enum mcp_rc check_function(const struct policy_function *f, const char *where,
                                  struct mcp_error *err)
{
    struct rgy_function parsed;

    if (!is_category(f->category))
        return mcp_errf(err, MCP_EINVAL, "%s.category: unknown category \"%s\"", where,
                        f->category);
    if (f->signature[0] == '\0') {
        if (f->name[0] != '\0' || f->known || f->overloaded || f->category[0] != '\0')
            return mcp_errf(err, MCP_EINVAL, "%s: a function without a signature has no name, "
                            "category or known/overloaded flags", where);
        return MCP_OK;
    }
    if (rgy_parse_signature(&parsed, f->signature, where, err) != MCP_OK)
        return MCP_EINVAL;
    if (strcmp(parsed.signature, f->signature) != 0 || strcmp(parsed.name, f->name) != 0 ||
        memcmp(parsed.selector, f->selector, 4) != 0)
        return mcp_errf(err, MCP_EINVAL, "%s: signature, name and selector do not agree", where);
    if (f->known && f->category[0] == '\0')
        return mcp_errf(err, MCP_EINVAL, "%s: a known function has a category", where);
    return MCP_OK;
}

static enum mcp_rc function_from_json(struct policy_function *f, json_t *j, const char *where,
                                      struct mcp_error *err)
{
    if (only_keys(j, function_keys, where, err) != MCP_OK ||
        get_text(f->signature, sizeof f->signature, j, "signature", where, err) != MCP_OK ||
        get_text(f->name, sizeof f->name, j, "name", where, err) != MCP_OK ||
        get_hex(f->selector, 4, j, "selector", where, err) != MCP_OK ||
        get_text(f->category, sizeof f->category, j, "category", where, err) != MCP_OK ||
        get_bool(&f->known, j, "known", where, err) != MCP_OK ||
        get_bool(&f->overloaded, j, "overloaded", where, err) != MCP_OK)
        return MCP_EINVAL;
    return check_function(f, where, err);
}

static enum mcp_rc functions_from_json(struct policy *p, json_t *arr, struct mcp_error *err)
{
    size_t n = json_array_size(arr);

    if (!json_is_array(arr) || n == 0 || n > POLICY_MAX_FUNCTIONS)
        return mcp_errf(err, MCP_EINVAL, "policy.functions: expected 1 to %d functions",
                        POLICY_MAX_FUNCTIONS);
    for (size_t i = 0; i < n; i++) {
        char where[40];

        snprintf(where, sizeof where, "policy.functions[%zu]", i);
        if (function_from_json(&p->functions[i], json_array_get(arr, i), where, err) != MCP_OK)
            return MCP_EINVAL;
        for (size_t k = 0; k < i; k++)
            if (memcmp(p->functions[k].selector, p->functions[i].selector, 4) == 0)
                return mcp_errf(err, MCP_EINVAL, "%s: the same selector as policy.functions[%zu]",
                                where, k);
    }
    p->n_functions = n;
    return MCP_OK;
}

static enum mcp_rc parties_from_json(struct policy *p, json_t *j, struct mcp_error *err)
{
    json_int_t v;

    if (get_int(&v, j, "version", POLICY_VERSION, POLICY_VERSION, "policy", err) != MCP_OK)
        return MCP_EINVAL;
    p->version = (int)v;
    if (get_int(&v, j, "chainId", 1, INT64_MAX, "policy", err) != MCP_OK)
        return MCP_EINVAL;
    p->chain_id = (uint64_t)v;
    if (get_text(p->chain_name, sizeof p->chain_name, j, "chainName", "policy", err) ||
        get_hex(p->wallet, 20, j, "wallet", "policy", err) ||
        get_hex(p->owner, 20, j, "owner", "policy", err) ||
        get_hex(p->session_key, 20, j, "sessionKey", "policy", err) ||
        get_hex(p->target, 20, j, "target", "policy", err))
        return MCP_EINVAL;
    return MCP_OK;
}

static enum mcp_rc contract_from_json(struct policy *p, json_t *j, struct mcp_error *err)
{
    if (get_bool(&p->contract_known, j, "contractKnown", "policy", err) ||
        get_bool(&p->contract_is_token, j, "contractIsToken", "policy", err) ||
        get_text(p->contract_name, sizeof p->contract_name, j, "contractName", "policy", err) ||
        get_text(p->family, sizeof p->family, j, "family", "policy", err))
        return MCP_EINVAL;
    if (!p->contract_known && (p->contract_is_token || p->contract_name[0] || p->family[0]))
        return mcp_errf(err, MCP_EINVAL, "policy: an unknown contract has no name, family words "
                        "or token flag");
    return functions_from_json(p, json_object_get(j, "functions"), err);
}

static enum mcp_rc token_from_json(struct policy *p, json_t *j, struct mcp_error *err)
{
    json_int_t v;

    if (get_hex(p->spend_token, 20, j, "spendToken", "policy", err) ||
        get_text(p->token_symbol, sizeof p->token_symbol, j, "tokenSymbol", "policy", err) ||
        get_int(&v, j, "tokenDecimals", 0, 77, "policy", err) ||
        get_bool(&p->token_usd, j, "tokenUsd", "policy", err) ||
        get_bool(&p->token_known, j, "tokenKnown", "policy", err) ||
        get_bool(&p->token_defaulted, j, "tokenDefaulted", "policy", err))
        return MCP_EINVAL;
    p->token_decimals = (unsigned)v;
    return MCP_OK;
}

static enum mcp_rc limits_from_json(struct policy *p, json_t *j, struct mcp_error *err)
{
    json_int_t count, period, after, until;

    if (get_amount(&p->max_per_tx, j, "maxPerTransaction", "policy", err) ||
        get_amount(&p->max_total, j, "maxTotal", "policy", err) ||
        get_int(&count, j, "rateLimitCount", 0, UINT32_MAX, "policy", err) ||
        get_int(&period, j, "rateLimitPeriod", 0, UINT32_MAX, "policy", err) ||
        get_int(&after, j, "validAfter", 0, ((json_int_t)1 << 48) - 1, "policy", err) ||
        get_int(&until, j, "validUntil", after, ((json_int_t)1 << 48) - 1, "policy", err))
        return MCP_EINVAL;
    if ((count == 0) != (period == 0))
        return mcp_errf(err, MCP_EINVAL, "policy: rateLimitCount and rateLimitPeriod are both 0 "
                        "(no rate limit) or both set");
    p->rate_count = (uint32_t)count;
    p->rate_period = (uint32_t)period;
    p->valid_after = after;
    p->valid_until = until;
    return MCP_OK;
}

/* The fixed keys, plus the optional "price" block (policy_price.h). */
static enum mcp_rc only_keys_but_price(json_t *j, struct mcp_error *err)
{
    json_t *rest;
    enum mcp_rc rc;

    if (!json_is_object(j) || json_object_get(j, "price") == NULL)
        return only_keys(j, policy_keys, "policy", err);
    if ((rest = json_copy(j)) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_object_del(rest, "price");
    rc = only_keys(rest, policy_keys, "policy", err);
    json_decref(rest);
    return rc;
}

static enum mcp_rc fees_from_json(struct policy *p, json_t *j, struct mcp_error *err)
{
    json_t *arr = json_object_get(j, "paymasters"), *v;
    char key[24];
    size_t i;

    if (get_amount(&p->max_fee_per_op, j, "maxFeePerOperation", "policy", err) != MCP_OK)
        return MCP_EINVAL;
    if (eth_u256_is_zero(&p->max_fee_per_op))
        return mcp_errf(err, MCP_EINVAL, "policy.maxFeePerOperation: must be more than 0");
    if (!json_is_array(arr) || json_array_size(arr) > POLICY_MAX_PAYMASTERS)
        return mcp_errf(err, MCP_EINVAL, "policy.paymasters: expected a list of at most %d addresses",
                        POLICY_MAX_PAYMASTERS);
    json_array_foreach(arr, i, v) {
        json_t *wrap = json_pack("{s:O}", "a", v);
        snprintf(key, sizeof key, "paymasters[%zu]", i);
        if (wrap == NULL || get_hex(p->paymasters[i], 20, wrap, "a", key, err) != MCP_OK) {
            json_decref(wrap);
            return MCP_EINVAL;
        }
        json_decref(wrap);
        if (policy_paymaster_index(p, p->paymasters[i]) >= 0)
            return mcp_errf(err, MCP_EINVAL, "policy.paymasters: %s is listed twice", key);
        p->n_paymasters = i + 1;
    }
    return MCP_OK;
}

enum mcp_rc policy_from_json(struct policy *out, json_t *j, struct mcp_error *err)
{
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    rc = only_keys_but_price(j, err);
    if (rc == MCP_OK)
        rc = parties_from_json(out, j, err);
    if (rc == MCP_OK)
        rc = contract_from_json(out, j, err);
    if (rc == MCP_OK)
        rc = token_from_json(out, j, err);
    if (rc == MCP_OK)
        rc = limits_from_json(out, j, err);
    if (rc == MCP_OK &&
        (get_text(out->label, sizeof out->label, j, "label", "policy", err) ||
         get_text(out->feature, sizeof out->feature, j, "feature", "policy", err)))
        rc = MCP_EINVAL;
    if (rc == MCP_OK)
        rc = policy_price_from_json(out, json_object_get(j, "price"), err);
    if (rc == MCP_OK)
        rc = fees_from_json(out, j, err);
    if (rc != MCP_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

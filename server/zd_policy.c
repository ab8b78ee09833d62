/* zd_policy.c: each ZeroDev policy's serialized parameters and init data
 * (@zerodev/permissions 5.6.3 policies/to*Policy.ts). CallPolicy details: zd_call_policy.c. */
#include "zd_policy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "eth_addr.h"
#include "eth_u256.h"
#include "zd_call_policy.h"
#include "zd_const.h"
#include "zd_json.h"

/* ---- spec checks ---- */

static enum mcp_rc check_keys(const json_t *spec, const char *kind, const char *const *allowed,
                              struct mcp_error *err)
{
    const char *key;
    json_t *val;

    if (!json_is_object(spec))
        return mcp_errf(err, MCP_EINVAL, "%s: expected an object", kind);
    json_object_foreach((json_t *)spec, key, val) {
        size_t i = 0;

        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] == NULL)
            return mcp_errf(err, MCP_EINVAL, "%s: unknown key \"%.40s\"", kind, key);
    }
    return MCP_OK;
}

/* An optional whole number 0..max (default def). */
static enum mcp_rc get_uint(json_int_t *out, const json_t *spec, const char *key, json_int_t def,
                            json_int_t max, const char *kind, struct mcp_error *err)
{
    const json_t *v = json_object_get(spec, key);

    *out = def;
    if (v == NULL)
        return MCP_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return mcp_errf(err, MCP_EINVAL, "%s.%s: expected a whole number from 0 to %lld", kind,
                        key, (long long)max);
    *out = json_integer_value(v);
    return MCP_OK;
}

static int flag_valid(const char *s)
{
    return s != NULL && zd_hex_valid(s, 2) && s[1] == 'x';
}

static enum mcp_rc get_flag(const char **out, const json_t *spec, const char *kind,
                            struct mcp_error *err)
{
    const json_t *v = json_object_get(spec, "flag");

    *out = ZD_FLAG_ALL;
    if (v == NULL)
        return MCP_OK;
    if (!flag_valid(json_string_value(v)))
        return mcp_errf(err, MCP_EINVAL, "%s.flag: expected \"0x0000\" (all validations), "
                        "\"0x0001\" (not for UserOps) or \"0x0002\" (not for signatures)", kind);
    *out = json_string_value(v);
    return MCP_OK;
}

static json_t *wrap(json_t *params)
{
    return params != NULL ? json_pack("{s:o}", "policyParams", params) : NULL;
}

static enum mcp_rc done(json_t **out, json_t *params, struct mcp_error *err)
{
    *out = wrap(params);
    return *out != NULL ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
}

/* ---- policies from specs ---- */

static enum mcp_rc call_from_spec(json_t **out, json_t *spec, const char *version,
                                  struct mcp_error *err)
{
    enum zd_call_version v = ZD_CALL_V0_0_4;
    json_t *perms = NULL;
    enum mcp_rc rc = version != NULL ? zd_call_version_parse(&v, version, err)
                     : mcp_errf(err, MCP_EINVAL, "callPolicyVersion: needed with a call policy "
                                "(\"0.0.4\" is ZeroDev's default, \"0.0.5\" adds SLICE_EQUAL)");

    if (rc == MCP_OK)
        rc = zd_call_permissions(&perms, spec, v, err);
    if (rc != MCP_OK)
        return rc;
    return done(out, json_pack("{s:s, s:s, s:s, s:o}", "type", "call", "policyVersion",
                               zd_call_version_name(v), "policyFlag", ZD_FLAG_ALL,
                               "permissions", perms), err);
}

static enum mcp_rc rate_limit_from_spec(json_t **out, json_t *spec, struct mcp_error *err)
{
    static const char *const keys[] = {"count", "interval", "startAt", "reset", "flag", NULL};
    json_int_t count = 0, interval = 0, start = 0;
    const char *flag;
    const json_t *reset = json_object_get(spec, "reset");
    enum mcp_rc rc = check_keys(spec, "rateLimit", keys, err);

    if (rc == MCP_OK && json_object_get(spec, "count") == NULL)
        rc = mcp_errf(err, MCP_EINVAL, "rateLimit.count: missing");
    if (rc == MCP_OK)
        rc = get_uint(&count, spec, "count", 0, ZD_UINT48_MAX, "rateLimit", err);
    if (rc == MCP_OK && count == 0)
        rc = mcp_errf(err, MCP_EINVAL, "rateLimit.count: 0 would allow nothing; at least 1");
    if (rc == MCP_OK)
        rc = get_uint(&interval, spec, "interval", 0, ZD_UINT48_MAX, "rateLimit", err);
    if (rc == MCP_OK)
        rc = get_uint(&start, spec, "startAt", 0, ZD_UINT48_MAX, "rateLimit", err);
    if (rc == MCP_OK && reset != NULL && !json_is_boolean(reset))
        rc = mcp_errf(err, MCP_EINVAL, "rateLimit.reset: expected true or false");
    if (rc == MCP_OK && json_is_true(reset) && start != 0)
        rc = mcp_errf(err, MCP_EINVAL, "rateLimit.startAt: the rate limit with reset does not "
                      "support startAt");
    if (rc == MCP_OK)
        rc = get_flag(&flag, spec, "rateLimit", err);
    if (rc != MCP_OK)
        return rc;
    return done(out, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "type", "rate-limit",
                               "policyAddress",
                               json_is_true(reset) ? ZD_RATE_LIMIT_RESET_POLICY
                                                   : ZD_RATE_LIMIT_POLICY,
                               "policyFlag", flag, "interval", interval, "count", count,
                               "startAt", start), err);
}

static enum mcp_rc timestamp_from_spec(json_t **out, json_t *spec, struct mcp_error *err)
{
    static const char *const keys[] = {"validAfter", "validUntil", "flag", NULL};
    json_int_t after = 0, until = 0;
    const char *flag;
    enum mcp_rc rc = check_keys(spec, "timestamp", keys, err);

    if (rc == MCP_OK)
        rc = get_uint(&after, spec, "validAfter", 0, ZD_UINT48_MAX, "timestamp", err);
    if (rc == MCP_OK)
        rc = get_uint(&until, spec, "validUntil", 0, ZD_UINT48_MAX, "timestamp", err);
    if (rc == MCP_OK && until != 0 && until < after)
        rc = mcp_errf(err, MCP_EINVAL, "timestamp: validUntil (%lld) is before validAfter (%lld)",
                      (long long)until, (long long)after);
    if (rc == MCP_OK)
        rc = get_flag(&flag, spec, "timestamp", err);
    if (rc != MCP_OK)
        return rc;
    return done(out, json_pack("{s:s, s:s, s:s, s:I, s:I}", "type", "timestamp", "policyAddress",
                               ZD_TIMESTAMP_POLICY, "policyFlag", flag, "validAfter", after,
                               "validUntil", until), err);
}

static enum mcp_rc check_address(const json_t *v, const char *what, struct mcp_error *err)
{
    uint8_t a[20];

    if (!json_is_string(v))
        return mcp_errf(err, MCP_EINVAL, "%s: expected an address", what);
    return eth_addr_parse(a, json_string_value(v), what, err);
}

/* uint128 as a canonical decimal string. */
static enum mcp_rc gas_allowed(char dec[80], const json_t *v, struct mcp_error *err)
{
    struct eth_u256 u;
    enum mcp_rc rc = MCP_OK;

    if (v == NULL)
        eth_u256_from_u64(&u, 0);
    else if (json_is_string(v))
        rc = eth_u256_from_dec(&u, json_string_value(v), "gas.allowed", err);
    else
        return mcp_errf(err, MCP_EINVAL, "gas.allowed: expected a decimal string of wei");
    if (rc == MCP_OK && (u.w[2] != 0 || u.w[3] != 0))
        rc = mcp_errf(err, MCP_EINVAL, "gas.allowed: above the uint128 range");
    if (rc == MCP_OK)
        eth_u256_to_dec(dec, 80, &u);
    return rc;
}

static enum mcp_rc gas_from_spec(json_t **out, json_t *spec, struct mcp_error *err)
{
    static const char *const keys[] = {"allowed", "enforcePaymaster", "allowedPaymaster", "flag",
                                       NULL};
    const json_t *enforce = json_object_get(spec, "enforcePaymaster");
    const json_t *pm = json_object_get(spec, "allowedPaymaster");
    char dec[80];
    const char *flag;
    enum mcp_rc rc = check_keys(spec, "gas", keys, err);

    if (rc == MCP_OK)
        rc = gas_allowed(dec, json_object_get(spec, "allowed"), err);
    if (rc == MCP_OK && enforce != NULL && !json_is_boolean(enforce))
        rc = mcp_errf(err, MCP_EINVAL, "gas.enforcePaymaster: expected true or false");
    if (rc == MCP_OK && pm != NULL)
        rc = check_address(pm, "gas.allowedPaymaster", err);
    if (rc == MCP_OK)
        rc = get_flag(&flag, spec, "gas", err);
    if (rc != MCP_OK)
        return rc;
    return done(out, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "type", "gas", "policyAddress",
                               ZD_GAS_POLICY, "policyFlag", flag, "allowed", dec,
                               "enforcePaymaster", json_is_true(enforce), "allowedPaymaster",
                               pm != NULL ? json_string_value(pm) : ZD_ZERO_ADDRESS), err);
}

static enum mcp_rc check_callers(const json_t *list, struct mcp_error *err)
{
    char what[48];
    size_t i;
    json_t *a;
    enum mcp_rc rc = MCP_OK;

    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > ZD_MAX_ALLOWED_CALLERS)
        return mcp_errf(err, MCP_EINVAL, "signatureCaller.allowedCallers: expected 1 to %d "
                        "addresses", ZD_MAX_ALLOWED_CALLERS);
    json_array_foreach(list, i, a) {
        snprintf(what, sizeof what, "signatureCaller.allowedCallers[%zu]", i);
        if (rc == MCP_OK)
            rc = check_address(a, what, err);
    }
    return rc;
}

static enum mcp_rc sig_caller_from_spec(json_t **out, json_t *spec, struct mcp_error *err)
{
    static const char *const keys[] = {"allowedCallers", "flag", NULL};
    const char *flag;
    enum mcp_rc rc = check_keys(spec, "signatureCaller", keys, err);

    if (rc == MCP_OK)
        rc = check_callers(json_object_get(spec, "allowedCallers"), err);
    if (rc == MCP_OK)
        rc = get_flag(&flag, spec, "signatureCaller", err);
    if (rc != MCP_OK)
        return rc;
    return done(out, json_pack("{s:s, s:s, s:s, s:O}", "type", "signature-caller",
                               "policyAddress", ZD_SIGNATURE_CALLER_POLICY, "policyFlag", flag,
                               "allowedCallers", json_object_get(spec, "allowedCallers")), err);
}

static enum mcp_rc sudo_from_spec(json_t **out, json_t *spec, struct mcp_error *err)
{
    if (!json_is_true(spec))
        return mcp_errf(err, MCP_EINVAL, "sudo: expected true (the session key may do anything "
                        "the other policies allow; use with care)");
    return done(out, json_pack("{s:s, s:s, s:s}", "type", "sudo", "policyAddress",
                               ZD_SUDO_POLICY, "policyFlag", ZD_FLAG_ALL), err);
}

enum mcp_rc zd_policy_from_spec(json_t **out, const char *kind, json_t *spec,
                                const char *call_version, struct mcp_error *err)
{
    *out = NULL;
    if (strcmp(kind, "call") == 0)
        return call_from_spec(out, spec, call_version, err);
    if (strcmp(kind, "rateLimit") == 0)
        return rate_limit_from_spec(out, spec, err);
    if (strcmp(kind, "timestamp") == 0)
        return timestamp_from_spec(out, spec, err);
    if (strcmp(kind, "gas") == 0)
        return gas_from_spec(out, spec, err);
    if (strcmp(kind, "signatureCaller") == 0)
        return sig_caller_from_spec(out, spec, err);
    if (strcmp(kind, "sudo") == 0)
        return sudo_from_spec(out, spec, err);
    return mcp_errf(err, MCP_EINVAL, "policies: unknown policy \"%.40s\" (known: call, "
                    "rateLimit, timestamp, gas, signatureCaller, sudo)", kind);
}

enum mcp_rc zd_policies_from_spec(json_t **out, json_t *spec, const char *call_version,
                                  struct mcp_error *err)
{
    const char *key;
    json_t *val, *arr, *p = NULL;
    enum mcp_rc rc = MCP_OK;

    *out = NULL;
    if (!json_is_object(spec) || json_object_size(spec) == 0 ||
        json_object_size(spec) > ZD_MAX_POLICIES)
        return mcp_errf(err, MCP_EINVAL, "policies: expected an object with at least one policy "
                        "(call, rateLimit, timestamp, gas, signatureCaller, sudo)");
    if ((arr = json_array()) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_object_foreach(spec, key, val) {
        if (rc == MCP_OK)
            rc = zd_policy_from_spec(&p, key, val, call_version, err);
        if (rc == MCP_OK && json_array_append_new(arr, p) != 0)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if (rc == MCP_OK)
        *out = arr;
    else
        json_decref(arr);
    return rc;
}

/* ---- encoding ---- */

const char *zd_policy_type(const json_t *policy)
{
    return json_string_value(json_object_get(json_object_get(policy, "policyParams"), "type"));
}

/* A whole number field of stored params, 0..max. */
static enum mcp_rc param_uint(uint64_t *out, const json_t *pp, const char *key, json_int_t max,
                              struct mcp_error *err)
{
    const json_t *v = json_object_get(pp, key);

    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return mcp_errf(err, MCP_EINVAL, "policyParams.%s: expected a whole number from 0 to "
                        "%lld", key, (long long)max);
    *out = (uint64_t)json_integer_value(v);
    return MCP_OK;
}

static void add_uint48(struct zd_hex *h, uint64_t v)
{
    char s[16];

    snprintf(s, sizeof s, "%012llx", (unsigned long long)v);
    zd_hex_add_text(h, s);
}

static enum mcp_rc encode_rate_limit(struct zd_hex *data, const json_t *pp, int reset,
                                     struct mcp_error *err)
{
    uint64_t interval = 0, count = 0, start = 0;
    enum mcp_rc rc = param_uint(&interval, pp, "interval", ZD_UINT48_MAX, err);

    if (rc == MCP_OK)
        rc = param_uint(&count, pp, "count", ZD_UINT48_MAX, err);
    if (rc == MCP_OK)
        rc = param_uint(&start, pp, "startAt", ZD_UINT48_MAX, err);
    if (rc == MCP_OK && reset && start != 0)
        rc = mcp_errf(err, MCP_EINVAL, "policyParams.startAt: the rate limit with reset does not "
                      "support startAt");
    if (rc != MCP_OK)
        return rc;
    add_uint48(data, interval); /* 18 (or 12) raw bytes, not ABI */
    add_uint48(data, count);
    if (!reset)
        add_uint48(data, start);
    return MCP_OK;
}

static enum mcp_rc encode_timestamp(struct zd_hex *data, const json_t *pp, struct mcp_error *err)
{
    uint64_t after = 0, until = 0;
    enum mcp_rc rc = param_uint(&after, pp, "validAfter", ZD_UINT48_MAX, err);

    if (rc == MCP_OK)
        rc = param_uint(&until, pp, "validUntil", ZD_UINT48_MAX, err);
    if (rc != MCP_OK)
        return rc;
    zd_hex_add_word(data, after);
    zd_hex_add_word(data, until);
    return MCP_OK;
}

static enum mcp_rc encode_gas(struct zd_hex *data, const json_t *pp, struct mcp_error *err)
{
    const json_t *allowed = json_object_get(pp, "allowed"), *enforce;
    uint8_t pm[20], word[32];
    struct eth_u256 u;
    char dec[80];
    enum mcp_rc rc = gas_allowed(dec, allowed != NULL ? allowed : json_null(), err);

    enforce = json_object_get(pp, "enforcePaymaster");
    if (rc == MCP_OK && !json_is_boolean(enforce))
        rc = mcp_errf(err, MCP_EINVAL, "policyParams.enforcePaymaster: expected true or false");
    if (rc == MCP_OK)
        rc = check_address(json_object_get(pp, "allowedPaymaster"), "policyParams.allowedPaymaster",
                           err);
    if (rc == MCP_OK)
        rc = eth_u256_from_dec(&u, dec, "policyParams.allowed", err);
    if (rc == MCP_OK)
        rc = eth_addr_parse(pm, json_string_value(json_object_get(pp, "allowedPaymaster")),
                            "policyParams.allowedPaymaster", err);
    if (rc != MCP_OK)
        return rc;
    eth_u256_to_be(word, &u);
    zd_hex_add_bytes(data, word, 32);
    zd_hex_add_word(data, json_is_true(enforce) ? 1 : 0);
    zd_hex_add_zeros(data, 12);
    zd_hex_add_bytes(data, pm, 20);
    return MCP_OK;
}

static enum mcp_rc encode_sig_caller(struct zd_hex *data, const json_t *pp, struct mcp_error *err)
{
    const json_t *list = json_object_get(pp, "allowedCallers"), *a;
    uint8_t addr[20];
    size_t i;
    enum mcp_rc rc = check_callers(list, err);

    if (rc != MCP_OK)
        return rc;
    zd_hex_add_word(data, 32);
    zd_hex_add_word(data, json_array_size(list));
    json_array_foreach(list, i, a) {
        if (eth_addr_parse(addr, json_string_value(a), "allowedCallers", err) != MCP_OK)
            return MCP_EINVAL;
        zd_hex_add_zeros(data, 12);
        zd_hex_add_bytes(data, addr, 20);
    }
    return MCP_OK;
}

static enum mcp_rc encode_call(struct zd_hex *data, const json_t *pp, const char **addr,
                               struct mcp_error *err)
{
    const char *ver = json_string_value(json_object_get(pp, "policyVersion"));
    const json_t *given = json_object_get(pp, "policyAddress");
    enum zd_call_version v = ZD_CALL_V0_0_4, by_addr = ZD_CALL_V0_0_4;
    enum mcp_rc rc = zd_call_version_parse(&v, ver, err);

    if (rc != MCP_OK)
        return rc;
    *addr = zd_call_policy_address(v);
    if (given != NULL) { /* an explicit address: only the version's own contract */
        if (!zd_call_version_of_address(&by_addr, json_string_value(given)) || by_addr != v)
            return mcp_errf(err, MCP_EINVAL, "policyParams.policyAddress: not the CallPolicy %s "
                            "contract %s", zd_call_version_name(v), *addr);
        *addr = json_string_value(given);
    }
    return zd_call_encode(data, json_object_get(pp, "permissions"), v, err);
}

/* The contract address and the type-specific data. */
static enum mcp_rc encode_by_type(struct zd_hex *data, const char **addr, const char *type,
                                  const json_t *pp, struct mcp_error *err)
{
    const char *given = json_string_value(json_object_get(pp, "policyAddress"));

    if (strcmp(type, "call") == 0)
        return encode_call(data, pp, addr, err);
    *addr = given;
    if (given == NULL)
        return mcp_errf(err, MCP_EINVAL, "policyParams.policyAddress: missing");
    if (strcmp(type, "rate-limit") == 0 && (strcmp(given, ZD_RATE_LIMIT_POLICY) == 0 ||
                                            strcmp(given, ZD_RATE_LIMIT_RESET_POLICY) == 0))
        return encode_rate_limit(data, pp, strcmp(given, ZD_RATE_LIMIT_RESET_POLICY) == 0, err);
    if (strcmp(type, "timestamp") == 0 && strcasecmp(given, ZD_TIMESTAMP_POLICY) == 0)
        return encode_timestamp(data, pp, err);
    if (strcmp(type, "gas") == 0 && strcasecmp(given, ZD_GAS_POLICY) == 0)
        return encode_gas(data, pp, err);
    if (strcmp(type, "signature-caller") == 0 && strcasecmp(given, ZD_SIGNATURE_CALLER_POLICY) == 0)
        return encode_sig_caller(data, pp, err);
    if (strcmp(type, "sudo") == 0 && strcasecmp(given, ZD_SUDO_POLICY) == 0)
        return MCP_OK;
    return mcp_errf(err, MCP_EINVAL, "policyParams: a %.20s policy at %.42s is not one this "
                    "server knows (only the ZeroDev SDK's default contracts)", type, given);
}

enum mcp_rc zd_policy_encode(struct zd_hex *info, struct zd_hex *data, json_t *policy,
                             struct mcp_error *err)
{
    const json_t *pp = json_object_get(policy, "policyParams");
    const char *type = zd_policy_type(policy);
    const char *flag = json_string_value(json_object_get(pp, "policyFlag"));
    const char *addr = NULL;
    enum mcp_rc rc;

    if (!json_is_object(pp) || type == NULL)
        return mcp_errf(err, MCP_EINVAL, "policy: expected {\"policyParams\": {\"type\": ...}}");
    if (!flag_valid(flag))
        return mcp_errf(err, MCP_EINVAL, "policyParams.policyFlag: expected \"0x\" + 4 hex digits");
    rc = encode_by_type(data, &addr, type, pp, err);
    if (rc == MCP_OK) {
        zd_hex_add_text(info, flag);
        zd_hex_add_text(info, addr);
        rc = zd_hex_check(info, err);
    }
    if (rc == MCP_OK)
        rc = zd_hex_check(data, err);
    return rc;
}

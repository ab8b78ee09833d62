/* zd_call_abi.c: CallPolicy permissions in ABI form: find the function in the ABI, compute
 * its selector, and turn args into rules the way the SDK's getPermissionFromABI does
 * (@zerodev/permissions 5.6.3 policies/callPolicyUtils.ts): a rule per non-null arg at
 * offset index * 32, keyed {params, offset, condition}; values padded left to 32 bytes with
 * their hex digits kept as written. */
#include "zd_call_policy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_abi.h"
#include "eth_hex.h"
#include "eth_keccak.h"
#include "eth_u256.h"
#include "zd_json.h"

#define SIG_MAX 2048
#define MAX_ABI_ITEMS 1024

struct sig_buf {
    char s[SIG_MAX];
    size_t len;
    int overflow;
};

static void sig_add(struct sig_buf *b, const char *s)
{
    size_t n = strlen(s);

    if (b->len + n + 1 > sizeof b->s) {
        b->overflow = 1;
        return;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* viem's formatAbiParameter: "tuple[]" becomes "(<components>)[]", other types verbatim. */
static int add_params(struct sig_buf *b, const json_t *params, int depth);

static int add_param(struct sig_buf *b, const json_t *p, int depth)
{
    const char *type = json_string_value(json_object_get(p, "type"));

    if (type == NULL || depth > ETH_ABI_MAX_DEPTH)
        return 0;
    if (strncmp(type, "tuple", 5) == 0) {
        if (!add_params(b, json_object_get(p, "components"), depth + 1))
            return 0;
        sig_add(b, type + 5);
        return 1;
    }
    sig_add(b, type);
    return 1;
}

static int add_params(struct sig_buf *b, const json_t *params, int depth)
{
    size_t i;
    json_t *p;

    if (params != NULL && !json_is_array(params))
        return 0;
    sig_add(b, "(");
    json_array_foreach(params, i, p) {
        if (i > 0)
            sig_add(b, ",");
        if (!json_is_object(p) || !add_param(b, p, depth))
            return 0;
    }
    sig_add(b, ")");
    return 1;
}

/* The signature "name(type,...)" of an ABI function item, checked to be canonical (so that
 * its selector is the one Solidity computes). */
static enum mcp_rc function_signature(char sig[SIG_MAX], const json_t *fn, const char *path,
                                      struct mcp_error *err)
{
    struct sig_buf b = {.len = 0};
    struct eth_abi_type *t = NULL;
    char *canon = NULL;
    const char *name = json_string_value(json_object_get(fn, "name"));
    int ok = add_params(&b, json_object_get(fn, "inputs"), 1) && !b.overflow;
    enum mcp_rc rc = MCP_OK;

    if (!ok)
        return mcp_errf(err, MCP_EINVAL, "%s.abi: function %s has malformed inputs", path, name);
    if (strcmp(b.s, "()") != 0) {
        rc = eth_abi_params_parse(&t, b.s, err);
        if (rc == MCP_OK && (canon = eth_abi_type_canonical(t)) == NULL)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        if (rc == MCP_OK && strcmp(canon, b.s) != 0)
            rc = mcp_errf(err, MCP_EINVAL, "%s.abi: function %s has the parameter list %.200s; "
                          "write the canonical types %.200s", path, name, b.s, canon);
        else if (rc != MCP_OK)
            mcp_err_prefix(err, "%s.abi: function %s", path, name);
    }
    free(canon);
    eth_abi_type_free(t);
    if (rc == MCP_OK && strlen(name) + b.len + 1 > SIG_MAX)
        rc = mcp_errf(err, MCP_EINVAL, "%s.abi: function signature too long", path);
    if (rc == MCP_OK)
        snprintf(sig, SIG_MAX, "%s%s", name, b.s);
    return rc;
}

static void selector_hex(char out[11], const char *sig)
{
    uint8_t h[32];
    static const char d[] = "0123456789abcdef";

    eth_keccak256(h, sig, strlen(sig));
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 4; i++) {
        out[2 + 2 * i] = d[h[i] >> 4];
        out[3 + 2 * i] = d[h[i] & 15];
    }
    out[10] = '\0';
}

/* Pick the function: the only one of that name, or the overload whose selector is given. */
static enum mcp_rc find_function(json_t **fn, char sel[11], json_t *perm, const char *path,
                                 struct mcp_error *err)
{
    json_t *abi = json_object_get(perm, "abi"), *item, *want = json_object_get(perm, "selector");
    const char *name = json_string_value(json_object_get(perm, "functionName"));
    char sig[SIG_MAX], s[11], wanted[11] = "";
    size_t i, found = 0;
    enum mcp_rc rc = MCP_OK;

    *fn = NULL;
    if (!json_is_array(abi) || json_array_size(abi) > MAX_ABI_ITEMS || name == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: abi must be an ABI array and functionName a string",
                        path);
    for (i = 0; want != NULL && i < 10; i++)
        wanted[i] = (char)tolower((unsigned char)json_string_value(want)[i]);
    json_array_foreach(abi, i, item) {
        const char *type = json_string_value(json_object_get(item, "type"));
        const char *n = json_string_value(json_object_get(item, "name"));

        if (rc != MCP_OK || type == NULL || strcmp(type, "function") != 0 || n == NULL ||
            strcmp(n, name) != 0)
            continue;
        found++;
        rc = function_signature(sig, item, path, err);
        if (rc == MCP_OK)
            selector_hex(s, sig);
        if (rc == MCP_OK && (want == NULL || strcmp(s, wanted) == 0) && *fn == NULL) {
            *fn = item;
            memcpy(sel, s, 11);
        }
    }
    if (rc != MCP_OK)
        return rc;
    if (found == 0)
        return mcp_errf(err, MCP_EINVAL, "%s: function \"%.60s\" is not in the ABI", path, name);
    if (found > 1 && want == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: \"%.60s\" is overloaded (%zu functions); add the "
                        "selector of the one you mean", path, name, found);
    if (*fn == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: selector %s is not the selector of any function "
                        "\"%.60s\" in the ABI", path, wanted, name);
    return MCP_OK;
}

/* viem's toHex for an arg value (our JSON spelling: see zd_call_policy.h). out: "0x..." */
static enum mcp_rc value_hex(char *out, size_t out_size, const json_t *v, const char *path,
                             struct mcp_error *err)
{
    const char *s = json_string_value(v);
    struct eth_u256 u;
    enum mcp_rc rc;

    if (s != NULL && s[0] == '0' && s[1] == 'x') {
        size_t n = strlen(s);

        for (size_t i = 2; i < n; i++) {
            if (!isxdigit((unsigned char)s[i]))
                return mcp_errf(err, MCP_EINVAL, "%s: \"0x\" value with a non-hex digit", path);
        }
        if (n - 2 > 64)
            return mcp_errf(err, MCP_EINVAL, "%s: value is longer than 32 bytes", path);
        snprintf(out, out_size, "%s", s);
        return MCP_OK;
    }
    if (json_is_true(v) || json_is_false(v)) {
        snprintf(out, out_size, "0x%d", json_is_true(v) ? 1 : 0);
        return MCP_OK;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0 &&
        json_integer_value(v) <= ZD_JSON_MAX_SAFE) {
        snprintf(out, out_size, "0x%llx", (unsigned long long)json_integer_value(v));
        return MCP_OK;
    }
    if (s == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: expected \"0x\" hex, a decimal string, a whole "
                        "number or true/false", path);
    rc = eth_u256_from_dec(&u, s, path, err);
    if (rc == MCP_OK) { /* a decimal string is a bigint: toHex gives minimal lower-case hex */
        uint8_t w[32];
        size_t i = 0;
        static const char d[] = "0123456789abcdef";
        char *p = out + 2;

        eth_u256_to_be(w, &u);
        while (i < 31 && w[i] == 0)
            i++;
        out[0] = '0';
        out[1] = 'x';
        if (w[i] >> 4)
            *p++ = d[w[i] >> 4];
        *p++ = d[w[i] & 15];
        for (i++; i < 32; i++) {
            *p++ = d[w[i] >> 4];
            *p++ = d[w[i] & 15];
        }
        *p = '\0';
    }
    return rc;
}

/* pad(hex, {size: 32}): zeros on the left, digits kept. */
static json_t *pad32(const char *hex)
{
    char out[67];
    size_t n = strlen(hex) - 2;

    memcpy(out, "0x", 2);
    memset(out + 2, '0', 64 - n);
    memcpy(out + 2 + 64 - n, hex + 2, n + 1);
    return json_string(out);
}

static json_t *word_of(uint64_t v)
{
    char out[67];

    snprintf(out, sizeof out, "0x%064llx", (unsigned long long)v);
    return json_string(out);
}

/* SLICE_EQUAL: [start, length, keccak256(value)], value checked against the argument type. */
static enum mcp_rc slice_params(json_t *params, const json_t *arg, const json_t *input,
                                const char *path, struct mcp_error *err)
{
    const char *type = json_string_value(json_object_get(input, "type"));
    const char *s = json_string_value(json_object_get(arg, "value"));
    json_t *js = json_object_get(arg, "start"), *jl = json_object_get(arg, "length");
    uint8_t *bytes = NULL, h[32];
    size_t n = 0;
    char kh[67];
    enum mcp_rc rc = MCP_OK;

    if (!json_is_integer(js) || json_integer_value(js) < 0 || !json_is_integer(jl) ||
        json_integer_value(jl) < 0 || json_integer_value(js) > ZD_JSON_MAX_SAFE ||
        json_integer_value(jl) > ZD_JSON_MAX_SAFE)
        return mcp_errf(err, MCP_EINVAL, "%s: SLICE_EQUAL needs start and length (whole numbers)",
                        path);
    if (type == NULL || (strcmp(type, "string") != 0 && strcmp(type, "bytes") != 0) || s == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: SLICE_EQUAL works on a string or bytes argument, "
                        "with a string value", path);
    if (strcmp(type, "bytes") == 0 && zd_hex_valid(s, (size_t)-1))
        rc = eth_hex_decode_alloc(&bytes, &n, s, path, err);
    else if (strcmp(type, "bytes") == 0 && s[0] == '0' && s[1] == 'x')
        rc = mcp_errf(err, MCP_EINVAL, "%s: \"0x\" value is not an even number of hex digits",
                      path);
    else if ((bytes = (uint8_t *)strdup(s)) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    else
        n = strlen(s);
    if (rc == MCP_OK && n != (size_t)json_integer_value(jl))
        rc = mcp_errf(err, MCP_EINVAL, "%s: the value is %zu bytes long but length says %lld",
                      path, n, (long long)json_integer_value(jl));
    if (rc == MCP_OK) {
        eth_keccak256(h, bytes, n);
        kh[0] = '0';
        kh[1] = 'x';
        for (int i = 0; i < 32; i++)
            snprintf(kh + 2 + 2 * i, 3, "%02x", h[i]);
        if (json_array_append_new(params, word_of((uint64_t)json_integer_value(js))) ||
            json_array_append_new(params, word_of((uint64_t)json_integer_value(jl))) ||
            json_array_append_new(params, json_string(kh)))
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    free(bytes);
    return rc;
}

static enum mcp_rc padded_value(json_t **out, const json_t *v, const char *path,
                                struct mcp_error *err)
{
    char hex[80];
    enum mcp_rc rc = value_hex(hex, sizeof hex, v, path, err);

    *out = NULL;
    if (rc == MCP_OK && (*out = pad32(hex)) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    return rc;
}

/* The params of the rule for one arg. Out: *out, a string (0.0.1) or an array. */
static enum mcp_rc rule_params(json_t **out, const json_t *arg, int c, const json_t *input,
                               enum zd_call_version v, const char *path, struct mcp_error *err)
{
    json_t *value = json_object_get(arg, "value"), *arr, *item, *p = NULL;
    size_t i;
    enum mcp_rc rc = MCP_OK;

    *out = NULL;
    if (v == ZD_CALL_V0_0_1)
        return padded_value(out, value, path, err);
    if ((arr = json_array()) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (c == ZD_COND_SLICE_EQUAL) {
        rc = slice_params(arr, arg, input, path, err);
    } else if (c == ZD_COND_ONE_OF) {
        if (!json_is_array(value) || json_array_size(value) == 0 ||
            json_array_size(value) > ZD_CALL_MAX_PARAMS)
            rc = mcp_errf(err, MCP_EINVAL, "%s: ONE_OF takes an array of 1 to %d values", path,
                          ZD_CALL_MAX_PARAMS);
        json_array_foreach(value, i, item) {
            if (rc == MCP_OK)
                rc = padded_value(&p, item, path, err);
            if (rc == MCP_OK && json_array_append_new(arr, p) != 0)
                rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        }
    } else {
        rc = padded_value(&p, value, path, err);
        if (rc == MCP_OK && json_array_append_new(arr, p) != 0)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if (rc == MCP_OK)
        *out = arr;
    else
        json_decref(arr);
    return rc;
}

static enum mcp_rc check_arg(const json_t *arg, int *c, enum zd_call_version v, const char *path,
                             struct mcp_error *err)
{
    const char *key;
    json_t *val;

    if (!json_is_object(arg) || json_object_get(arg, "value") == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: expected {\"condition\", \"value\"} or null", path);
    json_object_foreach((json_t *)arg, key, val) {
        if (strcmp(key, "condition") != 0 && strcmp(key, "value") != 0 &&
            strcmp(key, "start") != 0 && strcmp(key, "length") != 0)
            return mcp_errf(err, MCP_EINVAL, "%s: unknown key \"%.40s\"", path, key);
    }
    *c = zd_condition_parse(json_object_get(arg, "condition"));
    if (*c < 0)
        return mcp_errf(err, MCP_EINVAL, "%s.condition: expected one of EQUAL, GREATER_THAN, "
                        "LESS_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN_OR_EQUAL, NOT_EQUAL, ONE_OF, "
                        "SLICE_EQUAL", path);
    if (*c == ZD_COND_ONE_OF && v < ZD_CALL_V0_0_2)
        return mcp_errf(err, MCP_EINVAL, "%s: ONE_OF needs CallPolicy 0.0.2 or later", path);
    if (*c == ZD_COND_SLICE_EQUAL && v < ZD_CALL_V0_0_5)
        return mcp_errf(err, MCP_EINVAL, "%s: SLICE_EQUAL needs CallPolicy 0.0.5", path);
    return MCP_OK;
}

/* The arg as the SDK serializes it (condition as a number, the rest verbatim). */
static json_t *arg_copy(const json_t *arg, int c)
{
    const char *key;
    json_t *val, *o = json_object();

    json_object_foreach((json_t *)arg, key, val) {
        json_t *x = strcmp(key, "condition") == 0 ? json_integer(c) : json_deep_copy(val);

        if (o != NULL && json_object_set_new(o, key, x) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* One arg: append its rule (unless null) and its serialized copy. */
static enum mcp_rc one_arg(json_t *rules, json_t *args_out, const json_t *arg,
                           const json_t *input, size_t i, enum zd_call_version v,
                           const char *path, struct mcp_error *err)
{
    json_t *params = NULL, *rule;
    int c = -1;
    enum mcp_rc rc;

    if (json_is_null(arg))
        return json_array_append_new(args_out, json_null()) == 0
                   ? MCP_OK
                   : mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = check_arg(arg, &c, v, path, err);
    if (rc == MCP_OK)
        rc = rule_params(&params, arg, c, input, v, path, err);
    if (rc != MCP_OK)
        return rc;
    rule = json_pack("{s:o, s:I, s:i}", "params", params, "offset", (json_int_t)(i * 32),
                     "condition", c);
    if (rule == NULL || json_array_append_new(rules, rule) != 0 ||
        json_array_append_new(args_out, arg_copy(arg, c)) != 0)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    return MCP_OK;
}

static enum mcp_rc build_rules(json_t *rules, json_t *args_out, json_t *args, const json_t *fn,
                               enum zd_call_version v, const char *path, struct mcp_error *err)
{
    json_t *inputs = json_object_get(fn, "inputs"), *arg;
    char p[160];
    size_t i;
    enum mcp_rc rc = MCP_OK;

    if (!json_is_array(args) || json_array_size(args) > json_array_size(inputs))
        return mcp_errf(err, MCP_EINVAL, "%s.args: expected an array with at most one entry per "
                        "parameter (%zu)", path, json_array_size(inputs));
    json_array_foreach(args, i, arg) {
        snprintf(p, sizeof p, "%s.args[%zu]", path, i);
        if (rc == MCP_OK)
            rc = one_arg(rules, args_out, arg, json_array_get(inputs, i), i, v, p, err);
    }
    return rc;
}

enum mcp_rc zd_call_abi_rules(char sel_hex[11], json_t **rules, json_t **args_out, json_t *perm,
                              enum zd_call_version v, const char *path, struct mcp_error *err)
{
    json_t *fn = NULL, *args = json_object_get(perm, "args");
    enum mcp_rc rc;

    *rules = NULL;
    *args_out = NULL;
    rc = find_function(&fn, sel_hex, perm, path, err);
    if (rc != MCP_OK)
        return rc;
    *rules = json_array();
    if (args != NULL)
        *args_out = json_array();
    if (*rules == NULL || (args != NULL && *args_out == NULL))
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc == MCP_OK && args != NULL)
        rc = build_rules(*rules, *args_out, args, fn, v, path, err);
    if (rc != MCP_OK) {
        json_decref(*rules);
        json_decref(*args_out);
        *rules = NULL;
        *args_out = NULL;
    }
    return rc;
}

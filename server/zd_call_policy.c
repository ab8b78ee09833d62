/* zd_call_policy.c: CallPolicy permissions: processing specs the way toCallPolicy does
 * (@zerodev/permissions 5.6.3 policies/toCallPolicy.ts), checking them, and encoding them
 * (policies/callPolicyUtils.ts encodePermissionData). ABI-form rules: zd_call_abi.c. */
#include "zd_call_policy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_u256.h"
#include "zd_const.h"
#include "zd_json.h"

#define PATH_MAX_LEN 96

static const char *const version_names[] = {"0.0.1", "0.0.2", "0.0.3", "0.0.4", "0.0.5"};
static const char *const version_addrs[] = {ZD_CALL_POLICY_V0_0_1, ZD_CALL_POLICY_V0_0_2,
                                            ZD_CALL_POLICY_V0_0_3, ZD_CALL_POLICY_V0_0_4,
                                            ZD_CALL_POLICY_V0_0_5};
static const char *const cond_names[] = {"EQUAL",     "GREATER_THAN",          "LESS_THAN",
                                         "GREATER_THAN_OR_EQUAL", "LESS_THAN_OR_EQUAL",
                                         "NOT_EQUAL", "ONE_OF",                "SLICE_EQUAL"};

enum mcp_rc zd_call_version_parse(enum zd_call_version *out, const char *s, struct mcp_error *err)
{
    for (int i = 0; i < 5; i++) {
        if (s != NULL && strcmp(s, version_names[i]) == 0) {
            *out = (enum zd_call_version)(i + 1);
            return MCP_OK;
        }
    }
    return mcp_errf(err, MCP_EINVAL, "callPolicyVersion: expected \"0.0.1\" .. \"0.0.5\" "
                    "(\"0.0.4\" is ZeroDev's default, \"0.0.5\" adds SLICE_EQUAL)");
}

const char *zd_call_version_name(enum zd_call_version v)
{
    return v >= ZD_CALL_V0_0_1 && v <= ZD_CALL_V0_0_5 ? version_names[v - 1] : "?";
}

const char *zd_call_policy_address(enum zd_call_version v)
{
    return v >= ZD_CALL_V0_0_1 && v <= ZD_CALL_V0_0_5 ? version_addrs[v - 1] : ZD_ZERO_ADDRESS;
}

int zd_call_version_of_address(enum zd_call_version *out, const char *address)
{
    for (int i = 0; i < 5; i++) {
        if (address != NULL && strcasecmp(address, version_addrs[i]) == 0) {
            *out = (enum zd_call_version)(i + 1);
            return 1;
        }
    }
    return 0;
}

const char *zd_condition_name(int condition)
{
    return condition >= 0 && condition <= 7 ? cond_names[condition] : NULL;
}

int zd_condition_parse(const json_t *v)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 7)
        return (int)json_integer_value(v);
    for (int i = 0; json_is_string(v) && i < 8; i++) {
        if (strcmp(json_string_value(v), cond_names[i]) == 0)
            return i;
    }
    return -1;
}

/* ---- checks shared by processing and encoding ---- */

static enum mcp_rc check_condition(int c, enum zd_call_version v, const char *path,
                                   struct mcp_error *err)
{
    if (c < 0)
        return mcp_errf(err, MCP_EINVAL, "%s.condition: expected one of EQUAL, GREATER_THAN, "
                        "LESS_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN_OR_EQUAL, NOT_EQUAL, ONE_OF, "
                        "SLICE_EQUAL", path);
    if (c == ZD_COND_ONE_OF && v < ZD_CALL_V0_0_2)
        return mcp_errf(err, MCP_EINVAL, "%s: ONE_OF needs CallPolicy 0.0.2 or later "
                        "(callPolicyVersion is %s)", path, zd_call_version_name(v));
    if (c == ZD_COND_SLICE_EQUAL && v < ZD_CALL_V0_0_5)
        return mcp_errf(err, MCP_EINVAL, "%s: SLICE_EQUAL needs CallPolicy 0.0.5 "
                        "(callPolicyVersion is %s)", path, zd_call_version_name(v));
    return MCP_OK;
}

/* A JSON integer 0 .. 2^53 - 1 (what JavaScript keeps exact). */
static int get_safe_uint(uint64_t *out, const json_t *v)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > ZD_JSON_MAX_SAFE)
        return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

static enum mcp_rc check_param_count(int c, size_t n, const char *path, struct mcp_error *err)
{
    if (n == 0 || n > ZD_CALL_MAX_PARAMS)
        return mcp_errf(err, MCP_EINVAL, "%s.params: expected 1 to %d values", path,
                        ZD_CALL_MAX_PARAMS);
    if (c == ZD_COND_SLICE_EQUAL && n != 3)
        return mcp_errf(err, MCP_EINVAL, "%s.params: SLICE_EQUAL takes exactly 3 words "
                        "[start, length, keccak256(value)]", path);
    if (c != ZD_COND_SLICE_EQUAL && c != ZD_COND_ONE_OF && n != 1)
        return mcp_errf(err, MCP_EINVAL, "%s.params: %s compares against exactly one word", path,
                        zd_condition_name(c));
    return MCP_OK;
}

static enum mcp_rc check_word(const json_t *p, const char *path, size_t i, struct mcp_error *err)
{
    if (!json_is_string(p) || !zd_hex_valid(json_string_value(p), 32))
        return mcp_errf(err, MCP_EINVAL, "%s.params[%zu]: expected a 32-byte word, \"0x\" + 64 "
                        "hex digits", path, i);
    return MCP_OK;
}

/* Rule params as stored: 0.0.1 one string; later an array of words. */
static enum mcp_rc check_params(const json_t *params, int c, enum zd_call_version v,
                                const char *path, struct mcp_error *err)
{
    size_t i;
    json_t *p;
    enum mcp_rc rc;

    if (v == ZD_CALL_V0_0_1)
        return check_word(params, path, 0, err);
    if (!json_is_array(params))
        return mcp_errf(err, MCP_EINVAL, "%s.params: expected an array of 32-byte words", path);
    rc = check_param_count(c, json_array_size(params), path, err);
    json_array_foreach(params, i, p) {
        if (rc == MCP_OK)
            rc = check_word(p, path, i, err);
    }
    return rc;
}

static enum mcp_rc check_call_type(const json_t *v, const char *path, struct mcp_error *err)
{
    const char *s = json_string_value(v);

    if (s == NULL || (strcmp(s, "0x00") != 0 && strcmp(s, "0x01") != 0 && strcmp(s, "0xff") != 0))
        return mcp_errf(err, MCP_EINVAL, "%s.callType: expected \"0x00\" (call), \"0x01\" (batch "
                        "call) or \"0xff\" (delegate call)", path);
    return MCP_OK;
}

static enum mcp_rc check_target(const json_t *v, enum zd_call_version ver, const char *path,
                                struct mcp_error *err)
{
    uint8_t a[20], zero[20] = {0};
    char what[PATH_MAX_LEN + 8];
    enum mcp_rc rc;

    snprintf(what, sizeof what, "%s.target", path);
    if (!json_is_string(v))
        return mcp_errf(err, MCP_EINVAL, "%s: expected a contract address", what);
    rc = eth_addr_parse(a, json_string_value(v), what, err);
    if (rc == MCP_OK && memcmp(a, zero, 20) == 0 && ver < ZD_CALL_V0_0_2)
        rc = mcp_errf(err, MCP_EINVAL, "%s: the zero address (\"any contract\") needs CallPolicy "
                      "0.0.2 or later", what);
    return rc;
}

static enum mcp_rc check_selector(const json_t *v, const char *path, struct mcp_error *err)
{
    if (!json_is_string(v) || !zd_hex_valid(json_string_value(v), 4))
        return mcp_errf(err, MCP_EINVAL, "%s.selector: expected \"0x\" + 8 hex digits", path);
    return MCP_OK;
}

/* A valueLimit (decimal string or JSON integer >= 0) as a canonical decimal string. */
static enum mcp_rc value_limit(char dec[80], const json_t *v, const char *path,
                               struct mcp_error *err)
{
    struct eth_u256 u;
    char what[PATH_MAX_LEN + 16];
    enum mcp_rc rc = MCP_OK;

    snprintf(what, sizeof what, "%s.valueLimit", path);
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        eth_u256_from_u64(&u, (uint64_t)json_integer_value(v));
    else if (json_is_string(v))
        rc = eth_u256_from_dec(&u, json_string_value(v), what, err);
    else
        return mcp_errf(err, MCP_EINVAL, "%s: expected a decimal string of wei", what);
    if (rc == MCP_OK)
        eth_u256_to_dec(dec, 80, &u);
    return rc;
}

/* ---- processing (toCallPolicy) ---- */

/* One manual rule; the caller's key order kept. */
static enum mcp_rc process_rule(json_t **out, json_t *rule, enum zd_call_version v,
                                const char *path, struct mcp_error *err)
{
    const char *key;
    json_t *val, *o = json_object(), *params;
    int c = zd_condition_parse(json_object_get(rule, "condition"));
    uint64_t off = 0;
    enum mcp_rc rc = MCP_OK;

    *out = NULL;
    if (o == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (!json_is_object(rule) || json_object_size(rule) != 3 ||
        !json_object_get(rule, "offset") || !json_object_get(rule, "params"))
        rc = mcp_errf(err, MCP_EINVAL, "%s: expected {\"condition\", \"offset\", \"params\"}",
                      path);
    if (rc == MCP_OK)
        rc = check_condition(c, v, path, err);
    if (rc == MCP_OK && !get_safe_uint(&off, json_object_get(rule, "offset")))
        rc = mcp_errf(err, MCP_EINVAL, "%s.offset: expected a byte offset into the arguments "
                      "(a multiple of 32 for top-level words)", path);
    params = json_object_get(rule, "params");
    /* 0.0.1 takes one bytes32; accept ["0x.."] too and store the string, as the SDK needs. */
    if (v == ZD_CALL_V0_0_1 && json_is_array(params) && json_array_size(params) == 1)
        params = json_array_get(params, 0);
    if (rc == MCP_OK)
        rc = check_params(params, c, v, path, err);
    json_object_foreach(rule, key, val) {
        json_t *copy = strcmp(key, "condition") == 0 ? json_integer(c)
                       : strcmp(key, "params") == 0  ? json_deep_copy(params)
                                                     : json_deep_copy(val);

        if (rc == MCP_OK && json_object_set_new(o, key, copy) != 0)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        else if (rc != MCP_OK)
            json_decref(copy);
    }
    if (rc == MCP_OK)
        *out = o;
    else
        json_decref(o);
    return rc;
}

static enum mcp_rc process_rules(json_t **out, json_t *rules, enum zd_call_version v,
                                 const char *path, struct mcp_error *err)
{
    char p[PATH_MAX_LEN + 24];
    json_t *arr, *item, *r = NULL;
    size_t i;
    enum mcp_rc rc = MCP_OK;

    *out = NULL;
    if (!json_is_array(rules) || json_array_size(rules) > ZD_CALL_MAX_RULES)
        return mcp_errf(err, MCP_EINVAL, "%s.rules: expected an array of at most %d rules", path,
                        ZD_CALL_MAX_RULES);
    arr = json_array();
    if (arr == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_array_foreach(rules, i, item) {
        snprintf(p, sizeof p, "%s.rules[%zu]", path, i);
        if (rc == MCP_OK)
            rc = process_rule(&r, item, v, p, err);
        if (rc == MCP_OK && json_array_append_new(arr, r) != 0)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if (rc == MCP_OK)
        *out = arr;
    else
        json_decref(arr);
    return rc;
}

/* What the ABI form or the spec itself gives for selector and rules. */
struct generated {
    char selector[11];
    json_t *rules; /* owned */
    json_t *args;  /* owned, may be NULL */
};

static enum mcp_rc check_keys(json_t *perm, const char *path, struct mcp_error *err)
{
    static const char *const allowed[] = {"target", "selector", "valueLimit", "callType",
                                          "rules",  "abi",      "functionName", "args"};
    const char *key;
    json_t *val;
    int has_abi = json_object_get(perm, "abi") != NULL;

    json_object_foreach(perm, key, val) {
        size_t i = 0;

        while (i < 8 && strcmp(key, allowed[i]) != 0)
            i++;
        if (i == 8 || val == NULL)
            return mcp_errf(err, MCP_EINVAL, "%s: unknown key \"%.40s\" (allowed: target, "
                            "selector, valueLimit, callType, rules, or abi + functionName + args)",
                            path, key);
    }
    if (has_abi != (json_object_get(perm, "functionName") != NULL))
        return mcp_errf(err, MCP_EINVAL, "%s: abi and functionName go together", path);
    if (has_abi && json_object_get(perm, "rules") != NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: give either rules (with a selector) or abi + "
                        "functionName + args, not both", path);
    if (!has_abi && json_object_get(perm, "args") != NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: args need abi and functionName", path);
    return MCP_OK;
}

static enum mcp_rc generate(struct generated *g, json_t *perm, enum zd_call_version v,
                            const char *path, struct mcp_error *err)
{
    json_t *sel = json_object_get(perm, "selector"), *rules = json_object_get(perm, "rules");
    enum mcp_rc rc = MCP_OK;

    memset(g, 0, sizeof *g);
    strcpy(g->selector, "0x00000000");
    if (sel != NULL)
        rc = check_selector(sel, path, err);
    if (rc == MCP_OK && json_object_get(perm, "abi") != NULL)
        return zd_call_abi_rules(g->selector, &g->rules, &g->args, perm, v, path, err);
    if (rc == MCP_OK && sel != NULL) {
        for (int i = 0; i < 10; i++)
            g->selector[i] = (char)tolower((unsigned char)json_string_value(sel)[i]);
    }
    if (rc == MCP_OK && rules != NULL)
        return process_rules(&g->rules, rules, v, path, err);
    if (rc == MCP_OK && (g->rules = json_array()) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    return rc;
}

/* The processed value of one spec key. Out: *pv, a new reference. */
static enum mcp_rc processed_value(json_t **pv, const char *key, json_t *val,
                                   const struct generated *g, const char *path,
                                   struct mcp_error *err)
{
    char dec[80];
    enum mcp_rc rc;

    if (strcmp(key, "selector") == 0) {
        *pv = json_string(g->selector);
    } else if (strcmp(key, "rules") == 0) {
        *pv = json_incref(g->rules);
    } else if (strcmp(key, "args") == 0) {
        *pv = json_incref(g->args);
    } else if (strcmp(key, "valueLimit") == 0) {
        rc = value_limit(dec, val, path, err);
        if (rc != MCP_OK)
            return rc;
        *pv = json_string(dec);
    } else {
        *pv = json_deep_copy(val); /* target, callType, abi, functionName: verbatim */
    }
    return *pv != NULL ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
}

/* {...perm, callType, selector, valueLimit, rules}: existing keys keep their place. */
static enum mcp_rc process_one(json_t **out, json_t *perm, enum zd_call_version v,
                               const char *path, struct mcp_error *err)
{
    struct generated g;
    const char *key;
    json_t *val, *o = NULL;
    enum mcp_rc rc;

    *out = NULL;
    if (!json_is_object(perm))
        return mcp_errf(err, MCP_EINVAL, "%s: expected a permission object", path);
    rc = check_keys(perm, path, err);
    if (rc == MCP_OK)
        rc = check_target(json_object_get(perm, "target"), v, path, err);
    if (rc == MCP_OK && json_object_get(perm, "callType") != NULL)
        rc = check_call_type(json_object_get(perm, "callType"), path, err);
    if (rc != MCP_OK)
        return rc;
    rc = generate(&g, perm, v, path, err);
    if (rc == MCP_OK && (o = json_object()) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_object_foreach(perm, key, val) {
        json_t *pv = NULL;

        if (rc == MCP_OK)
            rc = processed_value(&pv, key, val, &g, path, err);
        if (rc == MCP_OK && json_object_set_new(o, key, pv) != 0)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if (rc == MCP_OK && !json_object_get(o, "callType"))
        rc = json_object_set_new(o, "callType", json_string("0x00")) ? MCP_ENOMEM : MCP_OK;
    if (rc == MCP_OK && !json_object_get(o, "selector"))
        rc = json_object_set_new(o, "selector", json_string(g.selector)) ? MCP_ENOMEM : MCP_OK;
    if (rc == MCP_OK && !json_object_get(o, "valueLimit"))
        rc = json_object_set_new(o, "valueLimit", json_string("0")) ? MCP_ENOMEM : MCP_OK;
    if (rc == MCP_OK && !json_object_get(o, "rules"))
        rc = json_object_set(o, "rules", g.rules) ? MCP_ENOMEM : MCP_OK;
    if (rc == MCP_ENOMEM)
        mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_decref(g.rules);
    json_decref(g.args);
    if (rc == MCP_OK)
        *out = o;
    else
        json_decref(o);
    return rc;
}

/* The on-chain key of a permission: callType, target (lower case), selector. */
static void permission_key(char key[64], json_t *perm)
{
    char t[ETH_ADDR_STR_SIZE];
    size_t i;

    snprintf(t, sizeof t, "%s", json_string_value(json_object_get(perm, "target")));
    for (i = 0; t[i] != '\0'; i++)
        t[i] = (char)tolower((unsigned char)t[i]);
    snprintf(key, 64, "%s|%s|%s", json_string_value(json_object_get(perm, "callType")), t,
             json_string_value(json_object_get(perm, "selector")));
}

static enum mcp_rc check_duplicates(json_t *perms, struct mcp_error *err)
{
    char a[64], b[64];

    for (size_t i = 0; i < json_array_size(perms); i++) {
        permission_key(a, json_array_get(perms, i));
        for (size_t j = 0; j < i; j++) {
            permission_key(b, json_array_get(perms, j));
            if (strcmp(a, b) == 0)
                return mcp_errf(err, MCP_EINVAL, "call[%zu] and call[%zu] have the same call "
                                "type, target and selector: CallPolicy refuses duplicates "
                                "(\"duplicate permissionHash\"); merge their rules", j, i);
        }
    }
    return MCP_OK;
}

enum mcp_rc zd_call_permissions(json_t **out, json_t *specs, enum zd_call_version v,
                                struct mcp_error *err)
{
    char path[PATH_MAX_LEN];
    json_t *arr, *item, *p = NULL;
    size_t i;
    enum mcp_rc rc = MCP_OK;

    *out = NULL;
    if (!json_is_array(specs) || json_array_size(specs) == 0 ||
        json_array_size(specs) > ZD_CALL_MAX_PERMISSIONS)
        return mcp_errf(err, MCP_EINVAL, "call: expected an array of 1 to %d permissions",
                        ZD_CALL_MAX_PERMISSIONS);
    if ((arr = json_array()) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_array_foreach(specs, i, item) {
        snprintf(path, sizeof path, "call[%zu]", i);
        if (rc == MCP_OK)
            rc = process_one(&p, item, v, path, err);
        if (rc == MCP_OK && json_array_append_new(arr, p) != 0)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if (rc == MCP_OK)
        rc = check_duplicates(arr, err);
    if (rc == MCP_OK)
        *out = arr;
    else
        json_decref(arr);
    return rc;
}

/* ---- encoding (abi.encode(Permission[])) ---- */

/* n | offsets | elements: an array of dynamic tuples (without the leading 0x20). */
static void dyn_array(struct zd_hex *h, const struct zd_hex *elems, size_t n)
{
    size_t off = 32 * n;

    zd_hex_add_word(h, n);
    for (size_t i = 0; i < n; i++) {
        zd_hex_add_word(h, off);
        off += zd_hex_nbytes(&elems[i]);
    }
    for (size_t i = 0; i < n; i++)
        zd_hex_add_hex(h, &elems[i]);
}

static void free_elems(struct zd_hex *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zd_hex_free(&e[i]);
    free(e);
}

static enum mcp_rc encode_rule(struct zd_hex *h, json_t *rule, enum zd_call_version v,
                               const char *path, struct mcp_error *err)
{
    int c = zd_condition_parse(json_object_get(rule, "condition"));
    json_t *params = json_object_get(rule, "params"), *p;
    uint64_t off = 0;
    size_t i;
    enum mcp_rc rc = json_is_integer(json_object_get(rule, "condition"))
                         ? check_condition(c, v, path, err)
                         : mcp_errf(err, MCP_EINVAL, "%s.condition: expected a number", path);

    if (rc == MCP_OK && !get_safe_uint(&off, json_object_get(rule, "offset")))
        rc = mcp_errf(err, MCP_EINVAL, "%s.offset: expected a whole number", path);
    if (rc == MCP_OK)
        rc = check_params(params, c, v, path, err);
    if (rc != MCP_OK)
        return rc;
    zd_hex_add_word(h, (uint64_t)c);
    zd_hex_add_word(h, off);
    if (v == ZD_CALL_V0_0_1) {
        zd_hex_add_text(h, json_string_value(params));
        return MCP_OK;
    }
    zd_hex_add_word(h, 0x60);
    zd_hex_add_word(h, json_array_size(params));
    json_array_foreach(params, i, p)
        zd_hex_add_text(h, json_string_value(p));
    return MCP_OK;
}

static enum mcp_rc encode_rules(struct zd_hex *h, json_t *rules, enum zd_call_version v,
                                const char *path, struct mcp_error *err)
{
    char p[PATH_MAX_LEN + 24];
    size_t n = json_array_size(rules), i;
    struct zd_hex *e;
    json_t *r;
    enum mcp_rc rc = MCP_OK;

    if (!json_is_array(rules) || n > ZD_CALL_MAX_RULES)
        return mcp_errf(err, MCP_EINVAL, "%s.rules: expected an array of at most %d rules", path,
                        ZD_CALL_MAX_RULES);
    if ((e = calloc(n + 1, sizeof *e)) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_array_foreach(rules, i, r) {
        snprintf(p, sizeof p, "%s.rules[%zu]", path, i);
        if (rc == MCP_OK && !json_is_object(r))
            rc = mcp_errf(err, MCP_EINVAL, "%s: expected a rule object", p);
        if (rc == MCP_OK)
            rc = encode_rule(&e[i], r, v, p, err);
    }
    if (rc == MCP_OK && v == ZD_CALL_V0_0_1) { /* static tuples sit inline */
        zd_hex_add_word(h, n);
        for (i = 0; i < n; i++)
            zd_hex_add_hex(h, &e[i]);
    } else if (rc == MCP_OK) {
        dyn_array(h, e, n);
    }
    free_elems(e, n);
    return rc;
}

static enum mcp_rc encode_permission(struct zd_hex *h, json_t *perm, enum zd_call_version v,
                                     const char *path, struct mcp_error *err)
{
    uint8_t target[20], word[32];
    struct eth_u256 limit;
    json_t *lim = json_object_get(perm, "valueLimit");
    char what[PATH_MAX_LEN + 16];
    enum mcp_rc rc = json_is_object(perm) ? MCP_OK
                     : mcp_errf(err, MCP_EINVAL, "%s: expected a permission object", path);

    if (rc == MCP_OK)
        rc = check_call_type(json_object_get(perm, "callType"), path, err);
    if (rc == MCP_OK)
        rc = check_target(json_object_get(perm, "target"), v, path, err);
    if (rc == MCP_OK)
        rc = check_selector(json_object_get(perm, "selector"), path, err);
    snprintf(what, sizeof what, "%s.valueLimit", path);
    if (rc == MCP_OK && !json_is_string(lim))
        rc = mcp_errf(err, MCP_EINVAL, "%s: expected a decimal string", what);
    if (rc == MCP_OK)
        rc = eth_u256_from_dec(&limit, json_string_value(lim), what, err);
    if (rc == MCP_OK)
        rc = eth_addr_parse(target, json_string_value(json_object_get(perm, "target")), path, err);
    if (rc != MCP_OK)
        return rc;
    zd_hex_add_padded(h, json_string_value(json_object_get(perm, "callType")));
    zd_hex_add_zeros(h, 12);
    zd_hex_add_bytes(h, target, 20); /* viem lower-cases ABI addresses */
    zd_hex_add_padded(h, json_string_value(json_object_get(perm, "selector")));
    eth_u256_to_be(word, &limit);
    zd_hex_add_bytes(h, word, 32);
    zd_hex_add_word(h, 0xa0); /* the rules array follows the 5-word head */
    return encode_rules(h, json_object_get(perm, "rules"), v, path, err);
}

enum mcp_rc zd_call_encode(struct zd_hex *data, json_t *permissions, enum zd_call_version v,
                           struct mcp_error *err)
{
    char path[PATH_MAX_LEN];
    size_t n = json_array_size(permissions), i;
    struct zd_hex *e;
    json_t *p;
    enum mcp_rc rc = MCP_OK;

    if (!json_is_array(permissions) || n == 0 || n > ZD_CALL_MAX_PERMISSIONS)
        return mcp_errf(err, MCP_EINVAL, "permissions: expected an array of 1 to %d permissions",
                        ZD_CALL_MAX_PERMISSIONS);
    if ((e = calloc(n, sizeof *e)) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_array_foreach(permissions, i, p) {
        snprintf(path, sizeof path, "permissions[%zu]", i);
        if (rc == MCP_OK)
            rc = encode_permission(&e[i], p, v, path, err);
    }
    if (rc == MCP_OK) {
        zd_hex_add_word(data, 32);
        dyn_array(data, e, n);
        rc = zd_hex_check(data, err);
    }
    free_elems(e, n);
    return rc;
}

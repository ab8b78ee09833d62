/* cli_zerodev.c: `sessionkey-mcp zerodev approve [--rpc CHAINID=URL] [--timeout-ms N]
 * < input.json`.
 *
 * Input (one JSON object):
 *   ownerPrivateKey     "0x" + 64 hex: sign the Enable typed data here (tests, scripts), or
 *   ownerAddress        the owner (root ECDSA key) address; then print the typed data to sign,
 *   enableSignature     and, when the owner signed it elsewhere, the 65-byte signature
 *   sessionKeyAddress   the session key's address
 *   chainId             a whole number
 *   kernelVersion       "0.3.0" | "0.3.1" (may be left out with accountAddress and --rpc: read
 *                       from the account's accountId())
 *   callPolicyVersion   "0.0.1" .. "0.0.5" (needed with a call policy)
 *   index               account index, a whole number or a decimal string (default 0)
 *   accountAddress      the account (default: the counterfactual one of owner and index)
 *   onchain             {deployed, currentNonce, domainVersion?}: the account's state, stated;
 *                       otherwise read over --rpc (or SKM_RPC_<chainId>); with neither, the
 *                       account is assumed undeployed (nonce 1) and the output says so
 *   policies            {call, rateLimit, timestamp, gas, signatureCaller, sudo} (zd_policy.h),
 *                       in the order they go into the permission
 * Output: accountAddress, initCode, permissionId, validationId, policies [{type, info, data}],
 * signerElement, enableData, enableTypedData, eip712 {domainSeparator, structHash, digest},
 * enableSignature and serializedApproval (when signed), and kernelVersion, chainId,
 * onchain {deployed, currentNonce, domainVersion, source}, warnings []. */
#include "cli_zerodev.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain_config.h"
#include "cli_util.h"
#include "chain_rpc.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_secp.h"
#include "zd_approval.h"
#include "zd_const.h"
#include "zd_serialize.h"

#define ZD_CLI_MAX_INPUT (4u << 20)

struct zd_cli {
    struct chain_config cfg;
    json_t *in;        /* the input object */
    json_t *warnings;  /* strings */
    uint8_t owner_key[32];
    int has_key;
    uint8_t sig[65];
    int has_sig;
    struct zd_account_ref ref;
    struct zd_approval a;
};


static int usage(const char *problem)
{
    char msg[MCP_ERR_MSG_MAX];

    snprintf(msg, sizeof msg, "%s. Usage: sessionkey-mcp zerodev approve [--rpc CHAINID=URL] "
             "[--timeout-ms N] < input.json", problem);
    return cli_print_error(2, msg);
}

static void warn(struct zd_cli *c, const char *text)
{
    json_array_append_new(c->warnings, json_string(text));
}

/* ---- input ---- */

static enum mcp_rc read_input(json_t **out, struct mcp_error *err)
{
    char *buf = malloc(ZD_CLI_MAX_INPUT + 1);
    size_t n = 0, got;
    json_error_t jerr;

    *out = NULL;
    if (buf == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    while (n <= ZD_CLI_MAX_INPUT && (got = fread(buf + n, 1, ZD_CLI_MAX_INPUT + 1 - n, stdin)) > 0)
        n += got;
    if (n > ZD_CLI_MAX_INPUT) {
        free(buf);
        return mcp_errf(err, MCP_EINVAL, "input: more than %u bytes", ZD_CLI_MAX_INPUT);
    }
    *out = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
    sodium_memzero(buf, n); /* it may hold the owner's private key */
    free(buf);
    if (*out == NULL)
        return mcp_errf(err, MCP_EINVAL, "input: not JSON (line %d: %s)", jerr.line, jerr.text);
    if (!json_is_object(*out))
        return mcp_errf(err, MCP_EINVAL, "input: expected a JSON object");
    return MCP_OK;
}

static enum mcp_rc check_input_keys(const json_t *in, struct mcp_error *err)
{
    static const char *const keys[] = {"ownerPrivateKey", "ownerAddress", "enableSignature",
                                       "sessionKeyAddress", "chainId", "kernelVersion",
                                       "callPolicyVersion", "index", "accountAddress", "onchain",
                                       "policies", NULL};
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)in, key, v) {
        size_t i = 0;

        while (keys[i] != NULL && strcmp(keys[i], key) != 0)
            i++;
        if (keys[i] == NULL)
            return mcp_errf(err, MCP_EINVAL, "input: unknown field \"%.40s\"", key);
    }
    return MCP_OK;
}

static const char *str(const json_t *in, const char *key)
{
    return json_string_value(json_object_get(in, key));
}

/* A whole number (JSON integer >= 0 or decimal string) as a u256. */
static enum mcp_rc whole(struct eth_u256 *out, const json_t *v, const char *what,
                         struct mcp_error *err)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        eth_u256_from_u64(out, (uint64_t)json_integer_value(v));
        return MCP_OK;
    }
    if (json_is_string(v))
        return eth_u256_from_dec(out, json_string_value(v), what, err);
    return mcp_errf(err, MCP_EINVAL, "%s: expected a whole number", what);
}

static enum mcp_rc parse_owner(struct zd_cli *c, struct mcp_error *err)
{
    const char *pk = str(c->in, "ownerPrivateKey"), *addr = str(c->in, "ownerAddress");
    uint8_t a[20];
    enum mcp_rc rc;

    if ((pk == NULL) == (addr == NULL))
        return mcp_errf(err, MCP_EINVAL, "give exactly one of ownerPrivateKey and ownerAddress");
    if (addr != NULL) {
        snprintf(c->ref.owner, sizeof c->ref.owner, "%s", addr);
        return eth_addr_parse(a, addr, "ownerAddress", err);
    }
    if (json_object_get(c->in, "enableSignature") != NULL)
        return mcp_errf(err, MCP_EINVAL, "enableSignature goes with ownerAddress; with "
                        "ownerPrivateKey the approval is signed here");
    rc = eth_hex_decode(c->owner_key, 32, pk, "ownerPrivateKey", err);
    if (rc == MCP_OK)
        rc = eth_secp_address(a, c->owner_key, err);
    if (rc == MCP_OK) {
        c->has_key = 1;
        eth_addr_format(c->ref.owner, a); /* the SDK's signer address is EIP-55 */
    }
    return rc;
}

static enum mcp_rc parse_account(struct zd_cli *c, struct mcp_error *err)
{
    const json_t *chain = json_object_get(c->in, "chainId"), *idx = json_object_get(c->in, "index");
    const char *acct = str(c->in, "accountAddress");
    uint8_t a[20];
    enum mcp_rc rc = MCP_OK;

    if (!json_is_integer(chain) || json_integer_value(chain) < 1 ||
        (uint64_t)json_integer_value(chain) > CHAIN_ID_MAX)
        return mcp_errf(err, MCP_EINVAL, "chainId: expected a whole number, e.g. 8453");
    c->ref.chain_id = (uint64_t)json_integer_value(chain);
    if (idx != NULL)
        rc = whole(&c->ref.index, idx, "index", err);
    if (rc == MCP_OK && json_object_get(c->in, "accountAddress") != NULL) {
        rc = acct != NULL ? eth_addr_parse(a, acct, "accountAddress", err)
                          : mcp_errf(err, MCP_EINVAL, "accountAddress: expected an address");
        if (rc == MCP_OK)
            snprintf(c->ref.account, sizeof c->ref.account, "%s", acct);
    }
    if (rc == MCP_OK && json_object_get(c->in, "enableSignature") != NULL &&
        eth_hex_decode(c->sig, 65, str(c->in, "enableSignature") ? str(c->in, "enableSignature")
                                                                   : "",
                       "enableSignature", err) != MCP_OK)
        rc = MCP_EINVAL;
    c->has_sig = rc == MCP_OK && json_object_get(c->in, "enableSignature") != NULL;
    return rc;
}

/* ---- chain state ---- */

static enum mcp_rc open_chain(struct chain_client **cl, struct zd_cli *c, struct mcp_error *err)
{
    const char *url;

    *cl = NULL;
    if (chain_config_url(&url, &c->cfg, c->ref.chain_id, NULL) != MCP_OK)
        return MCP_OK; /* no endpoint: the caller decides */
    return chain_client_new(cl, &c->cfg, c->ref.chain_id, err);
}

static enum mcp_rc kernel_version(struct zd_cli *c, struct chain_client *cl,
                                  struct mcp_error *err)
{
    uint8_t a[20];
    enum mcp_rc rc;

    if (json_object_get(c->in, "kernelVersion") != NULL)
        return zd_kernel_parse(&c->ref.kernel, str(c->in, "kernelVersion"), err);
    if (cl == NULL || c->ref.account[0] == '\0')
        return mcp_errf(err, MCP_EINVAL, "kernelVersion: give \"0.3.0\" or \"0.3.1\" (it can be "
                        "read from a deployed account with accountAddress and --rpc)");
    rc = eth_addr_parse(a, c->ref.account, "accountAddress", err);
    if (rc == MCP_OK)
        rc = zd_account_detect_kernel(&c->ref.kernel, cl, a, err);
    return rc;
}

static enum mcp_rc onchain_given(struct zd_onchain *oc, struct zd_cli *c, struct mcp_error *err)
{
    const json_t *o = json_object_get(c->in, "onchain"), *d = json_object_get(o, "deployed");
    const json_t *n = json_object_get(o, "currentNonce");
    const char *ver = json_string_value(json_object_get(o, "domainVersion"));
    json_int_t nonce = n != NULL ? json_integer_value(n) : 1;

    if (!json_is_object(o) || !json_is_boolean(d) || (n != NULL && !json_is_integer(n)) ||
        nonce < 0 || nonce > UINT32_MAX ||
        (json_object_get(o, "domainVersion") != NULL && ver == NULL) ||
        json_object_size(o) != (size_t)(1 + (n != NULL) + (ver != NULL)))
        return mcp_errf(err, MCP_EINVAL, "onchain: expected {\"deployed\": true|false, "
                        "\"currentNonce\": N, \"domainVersion\"?: \"0.3.1\"}");
    if (json_is_true(d) && n == NULL)
        return mcp_errf(err, MCP_EINVAL, "onchain.currentNonce: needed for a deployed account");
    return zd_onchain_given(oc, c->ref.kernel, json_is_true(d), (uint32_t)nonce, ver, err);
}

static enum mcp_rc resolve_onchain(struct zd_cli *c, struct chain_client *cl,
                                   struct mcp_error *err)
{
    struct zd_onchain oc;
    enum mcp_rc rc = MCP_OK;

    if (json_object_get(c->in, "onchain") != NULL) {
        rc = onchain_given(&oc, c, err);
    } else if (cl != NULL) {
        rc = zd_onchain_read(&oc, cl, c->a.account_addr, c->ref.kernel, err);
    } else {
        zd_onchain_assume_undeployed(&oc, c->ref.kernel);
        warn(c, "No RPC endpoint and no onchain state given: the account is assumed NOT deployed "
             "(nonce 1). If it is deployed, this approval fails with AA23; pass --rpc "
             "CHAINID=URL or onchain {deployed, currentNonce}.");
    }
    if (rc == MCP_OK)
        rc = zd_approval_set_onchain(&c->a, &oc, err);
    return rc;
}

/* A no-reset rate limit with count 1 allows one UserOp in total: say so loudly. */
static void rate_limit_warning(struct zd_cli *c)
{
    const json_t *rl = json_object_get(json_object_get(c->in, "policies"), "rateLimit");

    if (json_is_object(rl) && !json_is_true(json_object_get(rl, "reset")) &&
        json_integer_value(json_object_get(rl, "count")) == 1 &&
        json_integer_value(json_object_get(rl, "interval")) > 0)
        warn(c, "rateLimit: on the default (no-reset) contract, count 1 allows ONE UserOp in "
             "total, not one per interval. For N per interval use reset: true; for one per "
             "interval over a session, set count to the number of intervals.");
}

/* ---- output ---- */

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char *s = eth_hex_encode_alloc(b, n);
    json_t *j = s != NULL ? json_string(s) : NULL;

    free(s);
    return j;
}

static json_t *policies_json(const struct zd_approval *a)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < a->en.n_policies; i++) {
        const char *type = zd_policy_type(json_array_get(a->perm.policies, i));

        if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "type", type, "info",
                                                 zd_hex_str(&a->en.info[i]), "data",
                                                 zd_hex_str(&a->en.data[i]))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static const char *source_word(enum zd_nonce_source s)
{
    return s == ZD_NONCE_RPC ? "rpc" : s == ZD_NONCE_GIVEN ? "input" : "assumed";
}

static json_t *output_json(const struct zd_cli *c)
{
    const struct zd_approval *a = &c->a;

    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:O, s:{s:o, s:o, s:o}, s:s, s:I, "
                     "s:{s:b, s:I, s:s, s:s}, s:O}",
                     "accountAddress", a->account, "initCode", zd_hex_str(&a->init_code),
                     "permissionId", hex_json(a->en.permission_id, 4), "validationId",
                     hex_json(a->en.validation_id, 21), "policies", policies_json(a),
                     "signerElement", zd_hex_str(&a->en.signer_element), "enableData",
                     zd_hex_str(&a->en.enable_data), "enableTypedData", a->typed_data, "eip712",
                     "domainSeparator", hex_json(a->domain_sep, 32), "structHash",
                     hex_json(a->struct_hash, 32), "digest", hex_json(a->digest, 32),
                     "kernelVersion", zd_kernel_name(a->kernel), "chainId",
                     (json_int_t)a->chain_id, "onchain", "deployed", a->onchain.deployed,
                     "currentNonce", (json_int_t)a->onchain.nonce, "domainVersion",
                     a->onchain.domain_version, "source", source_word(a->onchain.source),
                     "warnings", c->warnings);
}

static enum mcp_rc add_signature(json_t *out, struct zd_cli *c, struct mcp_error *err)
{
    char *b64 = NULL;
    enum mcp_rc rc = MCP_OK;

    if (c->has_key)
        rc = eth_secp_sign(c->sig, c->a.digest, c->owner_key, err);
    if (rc != MCP_OK || (!c->has_key && !c->has_sig))
        return rc;
    rc = zd_serialize_approval(&b64, NULL, &c->a, c->sig, err);
    if (rc == MCP_OK) {
        uint8_t s[65];

        memcpy(s, c->sig, 65);
        if (s[64] < 27)
            s[64] = (uint8_t)(s[64] + 27);
        if (json_object_set_new(out, "enableSignature", hex_json(s, 65)) != 0 ||
            json_object_set_new(out, "serializedApproval", json_string(b64)) != 0)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    free(b64);
    return rc;
}

/* ---- the command ---- */

/* Overwrite the private key's text inside the parsed input before it is freed. */
static void wipe_key(json_t *in)
{
    const char *pk = str(in, "ownerPrivateKey");

    if (pk != NULL)
        sodium_memzero((void *)(uintptr_t)pk, strlen(pk));
}

static enum mcp_rc build(json_t **out, struct zd_cli *c, struct mcp_error *err)
{
    struct chain_client *cl = NULL;
    struct zd_permission perm;
    enum mcp_rc rc = check_input_keys(c->in, err);

    memset(&perm, 0, sizeof perm);
    if (rc == MCP_OK)
        rc = parse_owner(c, err);
    if (rc == MCP_OK)
        rc = parse_account(c, err);
    if (rc == MCP_OK && json_object_get(c->in, "onchain") == NULL)
        rc = open_chain(&cl, c, err);
    if (rc == MCP_OK)
        rc = kernel_version(c, cl, err);
    if (rc == MCP_OK && !json_is_string(json_object_get(c->in, "sessionKeyAddress")))
        rc = mcp_errf(err, MCP_EINVAL, "sessionKeyAddress: expected the session key's address");
    if (rc == MCP_OK)
        rc = zd_permission_from_spec(&perm, json_object_get(c->in, "policies"),
                                     str(c->in, "callPolicyVersion"),
                                     str(c->in, "sessionKeyAddress"), err);
    if (rc == MCP_OK)
        rc = zd_approval_prepare(&c->a, &c->ref, &perm, err);
    if (rc == MCP_OK)
        rc = resolve_onchain(c, cl, err);
    rate_limit_warning(c);
    if (rc == MCP_OK && (*out = output_json(c)) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc == MCP_OK)
        rc = add_signature(*out, c, err);
    zd_permission_free(&perm);
    chain_client_free(cl);
    return rc;
}

static enum mcp_rc parse_option(struct zd_cli *c, const char *opt, const char *val,
                                struct mcp_error *err)
{
    char *end = NULL;
    long ms;

    if (val == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s needs a value", opt);
    if (strcmp(opt, "--rpc") == 0)
        return chain_config_add(&c->cfg, val, err);
    if (strcmp(opt, "--timeout-ms") != 0)
        return mcp_errf(err, MCP_EINVAL, "unknown option %.40s", opt);
    ms = strtol(val, &end, 10);
    if (*end != '\0' || ms < 1 || ms > 600000)
        return mcp_errf(err, MCP_EINVAL, "--timeout-ms: expected 1 to 600000");
    c->cfg.timeout_ms = ms;
    return MCP_OK;
}

/* Options come in pairs after "approve". */
static enum mcp_rc parse_options(struct zd_cli *c, int argc, char **argv, struct mcp_error *err)
{
    enum mcp_rc rc = MCP_OK;

    for (int i = 2; rc == MCP_OK && i < argc; i += 2)
        rc = parse_option(c, argv[i], i + 1 < argc ? argv[i + 1] : NULL, err);
    return rc;
}

int cli_zerodev_main(int argc, char **argv)
{
    struct zd_cli c;
    struct mcp_error err;
    json_t *out = NULL;
    int status;
    enum mcp_rc rc;

    if (argc < 2 || strcmp(argv[1], "approve") != 0)
        return usage(argc < 2 ? "missing command" : "unknown zerodev command");
    memset(&c, 0, sizeof c);
    chain_config_init(&c.cfg);
    if (parse_options(&c, argc, argv, &err) != MCP_OK) {
        chain_config_free(&c.cfg);
        return usage(err.msg);
    }
    c.warnings = json_array();
    rc = c.warnings != NULL ? read_input(&c.in, &err) : mcp_errf(&err, MCP_ENOMEM, "out of memory");
    if (rc == MCP_OK)
        rc = build(&out, &c, &err);
    status = rc == MCP_OK ? cli_print_json(out) : cli_print_error(1, err.msg);
    sodium_memzero(c.owner_key, sizeof c.owner_key);
    wipe_key(c.in);
    json_decref(out);
    json_decref(c.in);
    json_decref(c.warnings);
    zd_approval_free(&c.a);
    chain_config_free(&c.cfg);
    return status;
}

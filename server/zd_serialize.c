/* zd_serialize.c: the serialized permission account (@zerodev/permissions 5.6.3
 * serializePermissionAccount.ts, utils.ts serializePermissionAccountParams), written only
 * after the owner's signature checks out, and read back with every part verified. */
#include "zd_serialize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_secp.h"
#include "zd_const.h"
#include "zd_json.h"

#define MAX_SERIALIZED (1u << 20) /* base64 characters we read */

/* Kernel's ECDSA validator needs v = 27/28; wallets sometimes give 0/1. */
static void normalize_v(uint8_t out[65], const uint8_t sig[65])
{
    memcpy(out, sig, 65);
    if (out[64] < 27)
        out[64] = (uint8_t)(out[64] + 27);
}

static enum mcp_rc check_signer(const uint8_t digest[32], const uint8_t sig[65],
                                const uint8_t owner[20], struct mcp_error *err)
{
    uint8_t who[20];
    char got[ETH_ADDR_STR_SIZE], want[ETH_ADDR_STR_SIZE];
    enum mcp_rc rc = eth_secp_recover(who, digest, sig, err);

    if (rc != MCP_OK) {
        mcp_err_prefix(err, "enableSignature");
        return MCP_ECRYPTO;
    }
    if (memcmp(who, owner, 20) == 0)
        return MCP_OK;
    eth_addr_format(got, who);
    eth_addr_format(want, owner);
    return mcp_errf(err, MCP_ECRYPTO, "the enable signature recovers %s, not the owner %s: it "
                    "was made by another key or over other data (other policies, nonce, chain "
                    "or account)", got, want);
}

/* The JSON the SDK stringifies, keys in its order. */
static json_t *approval_json(const struct zd_approval *a, const char *sig_hex)
{
    char pid[11];

    eth_hex_encode(pid, a->en.permission_id, 4);
    return json_pack("{s:{s:O, s:s}, s:{s:s, s:s}, s:{s:i, s:i}, s:{s:s, s:s}, s:s, s:b}",
                     "permissionParams", "policies", a->perm.policies, "permissionId", pid,
                     "action", "selector", ZD_ACTION_SELECTOR, "address", ZD_ZERO_ADDRESS,
                     "validityData", "validAfter", 0, "validUntil", 0, "accountParams",
                     "initCode", zd_hex_str(&a->init_code), "accountAddress", a->account,
                     "enableSignature", sig_hex, "isPreInstalled", 0);
}

enum mcp_rc zd_serialize_approval(char **out_b64, char **out_json, const struct zd_approval *a,
                                  const uint8_t sig[65], struct mcp_error *err)
{
    uint8_t s[65];
    char sig_hex[2 * 65 + 3], *text = NULL;
    json_t *j = NULL;
    enum mcp_rc rc;

    *out_b64 = NULL;
    if (out_json != NULL)
        *out_json = NULL;
    if (a->typed_data == NULL)
        return mcp_errf(err, MCP_EINVAL, "internal: the approval has no typed data yet");
    normalize_v(s, sig);
    rc = check_signer(a->digest, s, a->owner, err);
    if (rc != MCP_OK)
        return rc;
    eth_hex_encode(sig_hex, s, 65);
    if ((j = approval_json(a, sig_hex)) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc == MCP_OK)
        rc = zd_json_stringify(&text, j, err);
    if (rc == MCP_OK && (*out_b64 = zd_base64_encode((const uint8_t *)text, strlen(text))) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc == MCP_OK && out_json != NULL) {
        *out_json = text;
        text = NULL;
    }
    free(text);
    json_decref(j);
    return rc;
}

/* ---- reading back ---- */

void zd_verified_free(struct zd_verified *v)
{
    json_decref(v->policies);
    memset(v, 0, sizeof *v);
}

/* obj has exactly these keys (NULL-terminated). */
static int has_keys(const json_t *obj, const char *const *keys)
{
    size_t n = 0;

    if (!json_is_object(obj))
        return 0;
    for (; keys[n] != NULL; n++) {
        if (json_object_get(obj, keys[n]) == NULL)
            return 0;
    }
    return json_object_size(obj) == n;
}

static enum mcp_rc load_json(json_t **out, const char *b64, struct mcp_error *err)
{
    uint8_t *text = NULL;
    size_t len = 0;
    json_error_t jerr;
    enum mcp_rc rc;

    *out = NULL;
    if (b64 == NULL || strlen(b64) > MAX_SERIALIZED)
        return mcp_errf(err, MCP_EINVAL, "serialized approval: missing or too long");
    rc = zd_base64_decode(&text, &len, b64, "serialized approval", err);
    if (rc == MCP_OK && (*out = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES,
                                           &jerr)) == NULL)
        rc = mcp_errf(err, MCP_EINVAL, "serialized approval: not JSON (%s)", jerr.text);
    free(text);
    return rc;
}

static enum mcp_rc check_shape(const json_t *j, struct mcp_error *err)
{
    static const char *const top[] = {"permissionParams", "action", "validityData",
                                      "accountParams", "enableSignature", "isPreInstalled", NULL};
    static const char *const pp[] = {"policies", "permissionId", NULL};
    static const char *const act[] = {"selector", "address", NULL};
    static const char *const vd[] = {"validAfter", "validUntil", NULL};
    static const char *const ap[] = {"initCode", "accountAddress", NULL};
    const json_t *action = json_object_get(j, "action"), *v = json_object_get(j, "validityData");

    if (json_object_get(j, "privateKey") != NULL)
        return mcp_errf(err, MCP_EINVAL, "serialized approval: it contains a private key; refused "
                        "(session keys never travel in approvals here)");
    if (!has_keys(j, top) || !has_keys(json_object_get(j, "permissionParams"), pp) ||
        !has_keys(action, act) || !has_keys(v, vd) ||
        !has_keys(json_object_get(j, "accountParams"), ap))
        return mcp_errf(err, MCP_EINVAL, "serialized approval: not the shape of an enable-mode "
                        "ZeroDev permission account (permissionParams, action, validityData, "
                        "accountParams, enableSignature, isPreInstalled)");
    if (!json_is_false(json_object_get(j, "isPreInstalled")))
        return mcp_errf(err, MCP_EINVAL, "serialized approval: pre-installed permissions are not "
                        "supported");
    if (!json_is_string(json_object_get(action, "selector")) ||
        strcasecmp(json_string_value(json_object_get(action, "selector")), ZD_ACTION_SELECTOR) ||
        !json_is_string(json_object_get(action, "address")) ||
        strcasecmp(json_string_value(json_object_get(action, "address")), ZD_ZERO_ADDRESS))
        return mcp_errf(err, MCP_EINVAL, "serialized approval: only the default action (Kernel "
                        "execute) is supported");
    if (json_integer_value(json_object_get(v, "validAfter")) != 0 ||
        json_integer_value(json_object_get(v, "validUntil")) != 0 ||
        !json_is_integer(json_object_get(v, "validAfter")) ||
        !json_is_integer(json_object_get(v, "validUntil")))
        return mcp_errf(err, MCP_EINVAL, "serialized approval: validityData must be 0/0 (limits "
                        "belong in a timestamp policy)");
    return MCP_OK;
}

/* Policies, permissionId and the Enable digest; the signer check follows. */
static enum mcp_rc verify_permission(struct zd_verified *out, struct zd_enable *en,
                                     const json_t *j, const char *session_key,
                                     struct mcp_error *err)
{
    const json_t *pp = json_object_get(j, "permissionParams");
    const char *pid = json_string_value(json_object_get(pp, "permissionId"));
    struct zd_permission perm;
    uint8_t stored[4];
    enum mcp_rc rc = zd_permission_from_policies(&perm, json_object_get(pp, "policies"),
                                                 session_key, err);

    if (rc == MCP_OK)
        rc = zd_enable_build(en, &perm, err);
    if (rc == MCP_OK && (pid == NULL || eth_hex_decode(stored, 4, pid, "permissionId", err)))
        rc = mcp_errf(err, MCP_EINVAL, "serialized approval: permissionId is not 4 bytes of hex");
    if (rc == MCP_OK && memcmp(stored, en->permission_id, 4) != 0)
        rc = mcp_errf(err, MCP_EINVAL, "serialized approval: permissionId %s is not the id of its "
                      "policies with session key %s", pid, session_key);
    if (rc == MCP_OK) {
        memcpy(out->permission_id, stored, 4);
        out->policies = json_incref(perm.policies);
    }
    zd_permission_free(&perm);
    return rc;
}

static enum mcp_rc verify_account(struct zd_verified *out, const json_t *j, char account[43],
                                  struct mcp_error *err)
{
    const json_t *ap = json_object_get(j, "accountParams");
    const char *init = json_string_value(json_object_get(ap, "initCode"));
    const char *acct = json_string_value(json_object_get(ap, "accountAddress"));
    enum mcp_rc rc = init != NULL ? zd_account_parse_init_code(&out->kernel, out->owner,
                                                               &out->index, init, err)
                                  : mcp_errf(err, MCP_EINVAL, "initCode: expected hex");

    if (rc == MCP_OK && acct == NULL)
        rc = mcp_errf(err, MCP_EINVAL, "accountAddress: expected an address");
    if (rc == MCP_OK)
        rc = eth_addr_parse(out->account, acct, "accountAddress", err);
    if (rc == MCP_OK)
        snprintf(account, 43, "%s", acct);
    return rc;
}

enum mcp_rc zd_serialize_verify(struct zd_verified *out, const char *b64, const char *session_key,
                                uint64_t chain_id, const struct zd_onchain *oc,
                                struct mcp_error *err)
{
    struct zd_enable en;
    struct zd_onchain assumed;
    json_t *j = NULL, *td = NULL;
    const char *sig;
    char account[43];
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    memset(&en, 0, sizeof en);
    rc = load_json(&j, b64, err);
    if (rc == MCP_OK)
        rc = check_shape(j, err);
    if (rc == MCP_OK)
        rc = verify_account(out, j, account, err);
    if (rc == MCP_OK)
        rc = verify_permission(out, &en, j, session_key, err);
    sig = json_string_value(json_object_get(j, "enableSignature"));
    if (rc == MCP_OK && (sig == NULL || eth_hex_decode(out->enable_signature, 65, sig,
                                                      "enableSignature", err) != MCP_OK))
        rc = mcp_errf(err, MCP_EINVAL, "enableSignature: expected 65 bytes of hex");
    if (rc == MCP_OK && oc == NULL) {
        zd_onchain_assume_undeployed(&assumed, out->kernel);
        oc = &assumed;
    }
    if (rc == MCP_OK)
        rc = zd_enable_typed_data(&td, out->digest, NULL, NULL, &en, oc, chain_id, account, err);
    if (rc == MCP_OK)
        rc = check_signer(out->digest, out->enable_signature, out->owner, err);
    zd_enable_free(&en);
    json_decref(td);
    json_decref(j);
    return rc;
}

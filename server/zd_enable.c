/* zd_enable.c: permission encoding and the Enable typed data
 * (@zerodev/permissions 5.6.3 toPermissionValidator.ts, policies/utils/toPolicyId.ts,
 * signers/utils/toSignerId.ts; @zerodev/sdk 5.5.10 accounts/kernel/utils/plugins/ep0_7/
 * getPluginsEnableTypedData.ts, accounts/kernel/utils/common/accountMetadata.ts). */
#include "zd_enable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_calls.h"
#include "eth_abi.h"
#include "eth_eip712.h"
#include "eth_hex.h"
#include "eth_keccak.h"
#include "zd_const.h"
#include "zd_json.h"

static const uint8_t sel_eip712_domain[4] = {0x84, 0xb0, 0x19, 0x6e}; /* eip712Domain() */

/* ---- permission ---- */

enum mcp_rc zd_permission_from_policies(struct zd_permission *out, json_t *policies,
                                        const char *session_key, struct mcp_error *err)
{
    uint8_t a[20];
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    if (!json_is_array(policies) || json_array_size(policies) == 0 ||
        json_array_size(policies) > ZD_MAX_POLICIES)
        return mcp_errf(err, MCP_EINVAL, "policies: expected 1 to %d policies", ZD_MAX_POLICIES);
    rc = eth_addr_parse(a, session_key, "sessionKeyAddress", err);
    if (rc != MCP_OK)
        return rc;
    snprintf(out->session_key, sizeof out->session_key, "%s", session_key);
    out->policies = json_incref(policies);
    return MCP_OK;
}

enum mcp_rc zd_permission_from_spec(struct zd_permission *out, json_t *policies_spec,
                                    const char *call_version, const char *session_key,
                                    struct mcp_error *err)
{
    json_t *policies = NULL;
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    rc = zd_policies_from_spec(&policies, policies_spec, call_version, err);
    if (rc == MCP_OK)
        rc = zd_permission_from_policies(out, policies, session_key, err);
    json_decref(policies);
    return rc;
}

void zd_permission_free(struct zd_permission *p)
{
    json_decref(p->policies);
    memset(p, 0, sizeof *p);
}

/* ---- enable data and ids ---- */

void zd_enable_free(struct zd_enable *e)
{
    for (size_t i = 0; i < ZD_MAX_POLICIES; i++) {
        zd_hex_free(&e->info[i]);
        zd_hex_free(&e->data[i]);
    }
    zd_hex_free(&e->signer_element);
    zd_hex_free(&e->enable_data);
    memset(e, 0, sizeof *e);
}

static enum mcp_rc encode_policies(struct zd_enable *e, const struct zd_permission *p,
                                   struct mcp_error *err)
{
    size_t i;
    json_t *pol;
    enum mcp_rc rc = MCP_OK;

    json_array_foreach(p->policies, i, pol) {
        if (rc == MCP_OK)
            rc = zd_policy_encode(&e->info[i], &e->data[i], pol, err);
        if (rc != MCP_OK) {
            const char *type = zd_policy_type(pol);

            mcp_err_prefix(err, "policy %zu (%s)", i, type != NULL ? type : "?");
            return rc;
        }
    }
    e->n_policies = json_array_size(p->policies);
    return MCP_OK;
}

/* keccak256(abi.encode(bytes[] [abi.encode(bytes[] policies), flag, abi.encode(bytes signer)])). */
static enum mcp_rc permission_id(struct zd_enable *e, const struct zd_hex *elements,
                                 const struct zd_permission *p, struct mcp_error *err)
{
    struct zd_hex parts[3], signer, all;
    uint8_t h[32];
    enum mcp_rc rc;

    for (int i = 0; i < 3; i++)
        zd_hex_init(&parts[i]);
    zd_hex_init(&signer);
    zd_hex_init(&all);
    zd_hex_abi_bytes_array(&parts[0], elements, e->n_policies);
    zd_hex_add_text(&parts[1], ZD_FLAG_ALL);
    zd_hex_add_text(&signer, ZD_ECDSA_SIGNER);
    zd_hex_add_text(&signer, p->session_key);
    zd_hex_abi_bytes(&parts[2], &signer);
    zd_hex_abi_bytes_array(&all, parts, 3);
    rc = zd_hex_keccak(h, &all, err);
    memcpy(e->permission_id, h, 4);
    e->validation_id[0] = 0x02; /* VALIDATOR_TYPE.PERMISSION */
    memcpy(e->validation_id + 1, h, 4);
    memset(e->validation_id + 5, 0, 16);
    for (int i = 0; i < 3; i++)
        zd_hex_free(&parts[i]);
    zd_hex_free(&signer);
    zd_hex_free(&all);
    return rc;
}

enum mcp_rc zd_enable_build(struct zd_enable *out, const struct zd_permission *p,
                            struct mcp_error *err)
{
    struct zd_hex elements[ZD_MAX_POLICIES + 1];
    size_t n;
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    rc = encode_policies(out, p, err);
    if (rc != MCP_OK)
        return rc;
    n = out->n_policies;
    for (size_t i = 0; i <= n; i++)
        zd_hex_init(&elements[i]);
    for (size_t i = 0; i < n; i++) {
        zd_hex_add_hex(&elements[i], &out->info[i]);
        zd_hex_add_hex(&elements[i], &out->data[i]);
    }
    zd_hex_add_text(&out->signer_element, ZD_FLAG_ALL);
    zd_hex_add_text(&out->signer_element, ZD_ECDSA_SIGNER);
    zd_hex_add_text(&out->signer_element, p->session_key);
    zd_hex_add_hex(&elements[n], &out->signer_element);
    zd_hex_abi_bytes_array(&out->enable_data, elements, n + 1);
    rc = zd_hex_check(&out->enable_data, err);
    if (rc == MCP_OK)
        rc = permission_id(out, elements, p, err);
    for (size_t i = 0; i <= n; i++)
        zd_hex_free(&elements[i]);
    return rc;
}

void zd_enable_selector_data(struct zd_hex *out)
{
    zd_hex_add_text(out, ZD_ACTION_SELECTOR);
    zd_hex_add_text(out, ZD_ZERO_ADDRESS); /* action address */
    zd_hex_add_text(out, ZD_ZERO_ADDRESS); /* action hook */
    /* abi.encode(bytes selectorInitData, bytes hookInitData) */
    zd_hex_add_word(out, 0x40);
    zd_hex_add_word(out, 0x80);
    zd_hex_add_word(out, 1);
    zd_hex_add_padded(out, ZD_SELECTOR_INIT_CALL_TYPE);
    zd_hex_add_word(out, 2);
    zd_hex_add_padded(out, ZD_SELECTOR_INIT_HOOK);
}

/* ---- on-chain state ---- */

void zd_onchain_assume_undeployed(struct zd_onchain *out, enum zd_kernel k)
{
    memset(out, 0, sizeof *out);
    out->nonce = 1;
    snprintf(out->domain_version, sizeof out->domain_version, "%s", zd_kernel_domain_version(k));
    out->source = ZD_NONCE_ASSUMED;
}

enum mcp_rc zd_onchain_given(struct zd_onchain *out, enum zd_kernel k, int deployed,
                             uint32_t nonce, const char *domain_version, struct mcp_error *err)
{
    zd_onchain_assume_undeployed(out, k);
    out->source = ZD_NONCE_GIVEN;
    out->deployed = deployed;
    if (deployed && nonce == 0)
        return mcp_errf(err, MCP_EINVAL, "onchain.currentNonce: a deployed Kernel account's "
                        "currentNonce is at least 1 (read it with `sessionkey-mcp chain "
                        "current-nonce ACCOUNT`)");
    if (!deployed && nonce != 1)
        return mcp_errf(err, MCP_EINVAL, "onchain.currentNonce: an undeployed account starts at "
                        "nonce 1, not %u", (unsigned)nonce);
    out->nonce = nonce;
    if (domain_version != NULL) {
        if (domain_version[0] == '\0' || strlen(domain_version) >= sizeof out->domain_version ||
            !chain_text_is_clean((const uint8_t *)domain_version, strlen(domain_version)))
            return mcp_errf(err, MCP_EINVAL, "onchain.domainVersion: expected a short version "
                            "string such as \"0.3.1\"");
        snprintf(out->domain_version, sizeof out->domain_version, "%s", domain_version);
    }
    return MCP_OK;
}

/* eip712Domain() of a deployed account: name must be "Kernel"; the version is used. */
static enum mcp_rc read_domain(struct zd_onchain *out, struct chain_client *cl,
                               const uint8_t account[20], struct mcp_error *err)
{
    struct eth_abi_type *t = NULL;
    json_t *dom = NULL;
    uint8_t *ret = NULL;
    size_t len = 0;
    const char *name, *ver;
    enum mcp_rc rc = chain_eth_call(&ret, &len, cl, account, sel_eip712_domain, 4, err);

    if (rc == MCP_OK)
        rc = eth_abi_params_parse(&t, "bytes1,string,string,uint256,address,bytes32,uint256[]",
                                  err);
    if (rc == MCP_OK && (rc = eth_abi_decode_params(&dom, t, ret, len, err)) != MCP_OK)
        rc = mcp_errf(err, MCP_ERPC, "eip712Domain() answered something that is not an EIP-5267 "
                      "domain (%s)", err != NULL ? err->msg : "");
    name = json_string_value(json_array_get(dom, 1));
    ver = json_string_value(json_array_get(dom, 2));
    if (rc == MCP_OK && (name == NULL || strcmp(name, "Kernel") != 0))
        rc = mcp_errf(err, MCP_ERPC, "the account's EIP-712 domain is not Kernel's: not a "
                      "ZeroDev Kernel account");
    if (rc == MCP_OK && (ver == NULL || ver[0] == '\0' || strlen(ver) >= sizeof out->domain_version
                         || !chain_text_is_clean((const uint8_t *)ver, strlen(ver))))
        rc = mcp_errf(err, MCP_ERPC, "the account's EIP-712 domain version is unusable");
    if (rc == MCP_OK)
        snprintf(out->domain_version, sizeof out->domain_version, "%s", ver);
    json_decref(dom);
    eth_abi_type_free(t);
    free(ret);
    return rc;
}

enum mcp_rc zd_onchain_read(struct zd_onchain *out, struct chain_client *cl,
                            const uint8_t account[20], enum zd_kernel k, struct mcp_error *err)
{
    uint8_t *code = NULL;
    size_t len = 0;
    enum mcp_rc rc = chain_get_code(&code, &len, cl, account, err);

    free(code);
    zd_onchain_assume_undeployed(out, k);
    out->source = ZD_NONCE_RPC;
    if (rc != MCP_OK) {
        mcp_err_prefix(err, "cannot tell whether the account is deployed, so its approval "
                       "nonce is unknown (not guessing: a wrong nonce makes every session "
                       "UserOp fail with AA23)");
        return rc;
    }
    if (len == 0)
        return MCP_OK;
    out->deployed = 1;
    rc = chain_kernel_current_nonce(&out->nonce, cl, account, err);
    if (rc == MCP_OK && out->nonce == 0)
        rc = mcp_errf(err, MCP_ERPC, "currentNonce() is 0: the account is not an initialized "
                      "Kernel v3 account");
    if (rc != MCP_OK) {
        mcp_err_prefix(err, "cannot read the deployed account's currentNonce() (not guessing: a "
                       "wrong nonce makes every session UserOp fail with AA23)");
        return rc;
    }
    rc = read_domain(out, cl, account, err);
    if (rc != MCP_OK)
        mcp_err_prefix(err, "cannot read the account's EIP-712 domain (eip712Domain())");
    return rc;
}

/* ---- typed data ---- */

static json_t *enable_type(void)
{
    return json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
                     "name", "validationId", "type", "bytes21", "name", "nonce", "type", "uint32",
                     "name", "hook", "type", "address", "name", "validatorData", "type", "bytes",
                     "name", "hookData", "type", "bytes", "name", "selectorData", "type",
                     "bytes");
}

static json_t *typed_data_json(const struct zd_enable *e, const struct zd_onchain *oc,
                               uint64_t chain_id, const char *account)
{
    char vid[2 * 21 + 3];
    struct zd_hex sel;
    json_t *td;

    zd_hex_init(&sel);
    zd_enable_selector_data(&sel);
    eth_hex_encode(vid, e->validation_id, 21);
    td = sel.failed ? NULL
         : json_pack("{s:{s:s, s:s, s:I, s:s}, s:{s:o}, s:{s:s, s:I, s:s, s:s, s:s, s:s}, s:s}",
                     "domain", "name", "Kernel", "version", oc->domain_version, "chainId",
                     (json_int_t)chain_id, "verifyingContract", account, "types", "Enable",
                     enable_type(), "message", "validationId", vid, "nonce",
                     (json_int_t)oc->nonce, "hook", ZD_ZERO_ADDRESS, "validatorData",
                     zd_hex_str(&e->enable_data), "hookData", "0x", "selectorData",
                     zd_hex_str(&sel), "primaryType", "Enable");
    zd_hex_free(&sel);
    return td;
}

enum mcp_rc zd_enable_typed_data(json_t **out, uint8_t digest[32], uint8_t domain_sep[32],
                                 uint8_t struct_hash[32], const struct zd_enable *e,
                                 const struct zd_onchain *oc, uint64_t chain_id,
                                 const char *account, struct mcp_error *err)
{
    json_t *td;
    enum mcp_rc rc;

    *out = NULL;
    memset(digest, 0, 32);
    if (chain_id == 0 || chain_id > (uint64_t)ZD_JSON_MAX_SAFE)
        return mcp_errf(err, MCP_EINVAL, "chainId: expected 1 .. 2^53 - 1");
    td = typed_data_json(e, oc, chain_id, account);
    if (td == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = eth_eip712_hash(digest, domain_sep, struct_hash, td, err);
    if (rc != MCP_OK) {
        json_decref(td);
        return rc;
    }
    *out = td;
    return MCP_OK;
}

json_t *zd_enable_typed_data_for_wallet(json_t *typed_data)
{
    json_t *domain = json_object_get(typed_data, "domain"), *fields = json_array(), *types, *out;
    static const char *const order[][2] = {{"name", "string"}, {"version", "string"},
                                           {"chainId", "uint256"},
                                           {"verifyingContract", "address"},
                                           {"salt", "bytes32"}};
    const char *key;
    json_t *val;

    for (size_t i = 0; fields != NULL && i < 5; i++) {
        if (json_object_get(domain, order[i][0]) != NULL &&
            json_array_append_new(fields, json_pack("{s:s, s:s}", "name", order[i][0], "type",
                                                    order[i][1])) != 0) {
            json_decref(fields);
            return NULL;
        }
    }
    types = json_pack("{s:o}", "EIP712Domain", fields);
    json_object_foreach(json_object_get(typed_data, "types"), key, val) {
        if (types != NULL && json_object_set(types, key, val) != 0) {
            json_decref(types);
            types = NULL;
        }
    }
    out = types != NULL ? json_deep_copy(typed_data) : NULL;
    if (out != NULL && json_object_set_new(out, "types", types) != 0) {
        json_decref(out);
        return NULL;
    }
    if (out == NULL)
        json_decref(types);
    return out;
}

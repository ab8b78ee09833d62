/* zd_approval.c: assembling one approval (account, permission, on-chain state, typed data),
 * as createKernelAccount + toKernelPluginManager.getPluginsEnableTypedData do in the SDK. */
#include "zd_approval.h"

#include <stdio.h>
#include <string.h>

void zd_approval_free(struct zd_approval *a)
{
    zd_permission_free(&a->perm);
    zd_enable_free(&a->en);
    zd_hex_free(&a->init_code);
    json_decref(a->typed_data);
    memset(a, 0, sizeof *a);
}

static enum mcp_rc set_account(struct zd_approval *a, const struct zd_account_ref *ref,
                               struct mcp_error *err)
{
    uint8_t cf[20];
    enum mcp_rc rc = zd_account_address(cf, a->kernel, a->owner, &ref->index, err);

    if (rc != MCP_OK)
        return rc;
    eth_addr_format(a->counterfactual, cf);
    if (ref->account[0] == '\0') {
        memcpy(a->account_addr, cf, 20);
        eth_addr_format(a->account, cf);
    } else {
        rc = eth_addr_parse(a->account_addr, ref->account, "accountAddress", err);
        snprintf(a->account, sizeof a->account, "%s", ref->account);
    }
    a->account_is_counterfactual = memcmp(a->account_addr, cf, 20) == 0;
    return rc;
}

enum mcp_rc zd_approval_prepare(struct zd_approval *a, const struct zd_account_ref *ref,
                                struct zd_permission *perm, struct mcp_error *err)
{
    enum mcp_rc rc;

    memset(a, 0, sizeof *a);
    a->perm = *perm;
    memset(perm, 0, sizeof *perm);
    a->kernel = ref->kernel;
    a->chain_id = ref->chain_id;
    snprintf(a->owner_text, sizeof a->owner_text, "%s", ref->owner);
    rc = eth_addr_parse(a->owner, ref->owner, "ownerAddress", err);
    if (rc == MCP_OK)
        rc = set_account(a, ref, err);
    if (rc == MCP_OK)
        rc = zd_account_init_code(&a->init_code, a->kernel, a->owner_text, &ref->index, err);
    if (rc == MCP_OK)
        rc = zd_enable_build(&a->en, &a->perm, err);
    return rc;
}

enum mcp_rc zd_approval_set_onchain(struct zd_approval *a, const struct zd_onchain *oc,
                                    struct mcp_error *err)
{
    if (!oc->deployed && !a->account_is_counterfactual)
        return mcp_errf(err, MCP_EINVAL, "accountAddress %s has no code, and Kernel %s with this "
                        "owner and index would deploy %s instead: check kernelVersion and index "
                        "(an approval for it could never be used)", a->account,
                        zd_kernel_name(a->kernel), a->counterfactual);
    a->onchain = *oc;
    a->has_onchain = 1;
    json_decref(a->typed_data);
    a->typed_data = NULL;
    return zd_enable_typed_data(&a->typed_data, a->digest, a->domain_sep, a->struct_hash, &a->en,
                                &a->onchain, a->chain_id, a->account, err);
}

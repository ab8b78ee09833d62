/* zd_approval.h: one owner-side ZeroDev session-key approval, end to end: the account
 * (initCode, address), the permission's enable data, the on-chain nonce and the Enable typed
 * data with its digest. zd_serialize.h turns it, with the owner's signature, into the
 * serialized approval.
 *
 * Use:
 *   zd_approval_prepare(&a, &ref, &perm)      permission moved into a; account computed
 *   zd_onchain_read(&oc, cl, a.account_addr, ref.kernel)   (or zd_onchain_given / _assume_)
 *   zd_approval_set_onchain(&a, &oc)          typed data + digest: show, store, have signed
 *   zd_serialize_approval(&b64, &a, sig)      after the owner signed; checks the signer
 *   zd_approval_free(&a) */
#ifndef SKM_ZD_APPROVAL_H
#define SKM_ZD_APPROVAL_H

#include <jansson.h>
#include <stdint.h>

#include "eth_addr.h"
#include "eth_u256.h"
#include "mcp_err.h"
#include "zd_account.h"
#include "zd_enable.h"
#include "zd_hex.h"

/* Which account, on which chain. */
struct zd_account_ref {
    enum zd_kernel kernel;
    uint64_t chain_id;                /* 1 .. 2^53 - 1 */
    char owner[ETH_ADDR_STR_SIZE];    /* the ECDSA owner, spelled as the SDK would have it */
    struct eth_u256 index;            /* the account index (default 0) */
    char account[ETH_ADDR_STR_SIZE];  /* the account address; "" = the counterfactual one */
};

struct zd_approval {
    enum zd_kernel kernel;
    uint64_t chain_id;
    struct zd_permission perm;        /* owned */
    struct zd_enable en;
    struct zd_hex init_code;
    char owner_text[ETH_ADDR_STR_SIZE];
    uint8_t owner[20];
    char account[ETH_ADDR_STR_SIZE];  /* as given, or EIP-55 of the counterfactual address */
    uint8_t account_addr[20];
    char counterfactual[ETH_ADDR_STR_SIZE]; /* EIP-55 CREATE2 address of owner and index */
    int account_is_counterfactual;    /* account equals it */
    int has_onchain;
    struct zd_onchain onchain;
    json_t *typed_data;               /* owned; NULL before zd_approval_set_onchain */
    uint8_t digest[32], domain_sep[32], struct_hash[32];
};

/* Compute everything that does not depend on the chain's state.
 * Args: perm is moved into a (perm is zeroed: do not free it; on failure it is freed).
 * Returns: MCP_OK; MCP_EINVAL (bad owner/account address, a policy failing its checks);
 * MCP_ENOMEM. Out: *a (release with zd_approval_free, also after a failure). */
enum mcp_rc zd_approval_prepare(struct zd_approval *a, const struct zd_account_ref *ref,
                                struct zd_permission *perm, struct mcp_error *err) SKM_WARN_UNUSED;

/* Fix the on-chain state and build the Enable typed data and digest.
 * An undeployed account must be the counterfactual one (else its initCode would deploy
 * another address): MCP_EINVAL saying which address owner and index give.
 * Returns: MCP_OK; MCP_EINVAL; MCP_ENOMEM. */
enum mcp_rc zd_approval_set_onchain(struct zd_approval *a, const struct zd_onchain *oc,
                                    struct mcp_error *err) SKM_WARN_UNUSED;

/* Release everything a owns and zero it. Safe on a zeroed or already released approval. */
void zd_approval_free(struct zd_approval *a);

#endif

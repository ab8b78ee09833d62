/* zd_serialize.h: the serialized permission account, the string the ZeroDev SDK's
 * serializePermissionAccount writes and deserializePermissionAccount reads:
 * base64(JSON.stringify({permissionParams: {policies, permissionId}, action, validityData,
 * accountParams: {initCode, accountAddress}, enableSignature, isPreInstalled: false})).
 *
 * It never holds a private key (the SDK's "owner-created" variant puts the session key in it;
 * we never write that form and refuse to read it): the executor pairs it with the session key
 * signer, which stays in this server. It is built only after the owner's signature is checked
 * to recover the owner over the Enable digest. */
#ifndef SKM_ZD_SERIALIZE_H
#define SKM_ZD_SERIALIZE_H

#include <jansson.h>
#include <stdint.h>

#include "eth_u256.h"
#include "mcp_err.h"
#include "zd_account.h"
#include "zd_approval.h"
#include "zd_enable.h"

/* Check the owner's Enable signature and write the serialized approval.
 * Args: a after zd_approval_set_onchain; sig = r || s || v (v 27/28 or 0/1; stored as 27/28).
 * Returns: MCP_OK; MCP_ECRYPTO when the signature does not recover the owner ("the enable
 * signature recovers 0xAbc..., not the owner 0xDef...: ...") or is malformed; MCP_EINVAL if a
 * has no typed data yet; MCP_ENOMEM.
 * Out: *out_b64 (malloc'd; NULL on failure); *out_json (optional, may be NULL: the decoded
 * JSON text, malloc'd). */
enum mcp_rc zd_serialize_approval(char **out_b64, char **out_json, const struct zd_approval *a,
                                  const uint8_t sig[65], struct mcp_error *err) SKM_WARN_UNUSED;

/* What a serialized approval says, once verified. */
struct zd_verified {
    enum zd_kernel kernel;       /* from the initCode's factory */
    uint8_t owner[20];           /* from the initCode */
    struct eth_u256 index;
    uint8_t account[20];
    uint8_t permission_id[4];
    uint8_t enable_signature[65];
    uint8_t digest[32];          /* the Enable digest it signs */
    json_t *policies;            /* owned: [{"policyParams"}] */
};

/* Read a serialized approval (untrusted) and verify it: strict JSON of the shape above (no
 * privateKey, no EIP-7702 data, not pre-installed, the default action, no validity window),
 * policies that encode, a permissionId equal to the one they and session_key give, an ECDSA
 * Kernel 0.3.0/0.3.1 initCode, and an enableSignature that recovers the initCode's owner over
 * the Enable digest for chain_id and oc (NULL: an undeployed account, nonce 1).
 * Returns: MCP_OK; MCP_EINVAL naming what is malformed; MCP_ECRYPTO for a signature that
 * recovers someone else (the message names the recovered address); MCP_ENOMEM.
 * Out: *out (release with zd_verified_free, also after a failure). */
enum mcp_rc zd_serialize_verify(struct zd_verified *out, const char *b64, const char *session_key,
                                uint64_t chain_id, const struct zd_onchain *oc,
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* Release v's policies and zero it. */
void zd_verified_free(struct zd_verified *v);

#endif

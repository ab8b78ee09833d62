/* zd_enable.h: a ZeroDev permission (policies + the ECDSA session-key signer), its enable
 * data, permissionId and validationId, and the EIP-712 `Enable` typed data the account owner
 * signs to install it (Kernel 0.3.0 / 0.3.1, EntryPoint 0.7).
 *
 * Everything is byte-identical to @zerodev/permissions 5.6.3 toPermissionValidator and
 * @zerodev/sdk 5.5.10 getPluginsEnableTypedData (ep0_7), hex letter case included:
 *   element        flag (2) || contract (20) || data          (policies, then the signer)
 *   enableData     abi.encode(bytes[] elements)
 *   permissionId   keccak256(abi.encode(bytes[] [abi.encode(bytes[] policies), 0x0000,
 *                  abi.encode(bytes signerContract || sessionKey)]))[0..4]
 *   validationId   0x02 || permissionId || 16 zero bytes (bytes21)
 *   Enable         {validationId, nonce: currentNonce, hook: 0, validatorData: enableData,
 *                   hookData: 0x, selectorData: 0xe9ae5c53 || 0 (20) || 0 (20) ||
 *                   abi.encode(bytes 0xFF, bytes 0x0000)}
 *   domain         {name "Kernel", version, chainId, verifyingContract: account}
 *
 * The nonce is the account's currentNonce() at the time the first session UserOp runs. Kernel
 * sets it to 1 at deployment; it moves when the owner invalidates approvals or changes
 * validators. Unlike the SDK (which reads it and quietly uses 1 when the read fails, the cause
 * of the AA23 failures users report), this module never guesses: an account with code must
 * answer currentNonce(), else the approval is refused; 1 is used only for an account without
 * code, or when the caller states the account is undeployed and flags that it did not check. */
#ifndef SKM_ZD_ENABLE_H
#define SKM_ZD_ENABLE_H

#include <jansson.h>
#include <stdint.h>

#include "chain_rpc.h"
#include "eth_addr.h"
#include "eth_u256.h"
#include "mcp_err.h"
#include "zd_account.h"
#include "zd_hex.h"
#include "zd_policy.h"

/* A permission: what the session key may do. */
struct zd_permission {
    json_t *policies;                    /* owned: [{"policyParams": {...}}, ...] */
    char session_key[ETH_ADDR_STR_SIZE]; /* the session key address, spelled as given */
};

/* What a permission installs. Release with zd_enable_free. */
struct zd_enable {
    size_t n_policies;
    struct zd_hex info[ZD_MAX_POLICIES];  /* per policy: flag || contract */
    struct zd_hex data[ZD_MAX_POLICIES];  /* per policy: init data */
    struct zd_hex signer_element;         /* 0x0000 || ECDSA signer || session key */
    struct zd_hex enable_data;            /* the Enable message's validatorData */
    uint8_t permission_id[4];
    uint8_t validation_id[21];
};

/* Where the nonce (and the domain version) came from. */
enum zd_nonce_source {
    ZD_NONCE_RPC = 1,     /* read from the chain: eth_getCode, currentNonce(), eip712Domain() */
    ZD_NONCE_GIVEN = 2,   /* stated by the caller (onchain {deployed, currentNonce}) */
    ZD_NONCE_ASSUMED = 3  /* nobody checked: undeployed assumed, nonce 1 (flag it to the user) */
};

/* The account's on-chain state the Enable signature depends on. */
struct zd_onchain {
    int deployed;
    uint32_t nonce;              /* currentNonce() (1 for an undeployed account) */
    char domain_version[33];     /* EIP-712 domain version ("0.3.1", "0.3.0-beta") */
    enum zd_nonce_source source;
};

/* Build a permission from a policies spec (zd_policy.h; borrowed) and the session key
 * address (checked, kept as spelled).
 * Returns: MCP_OK; MCP_EINVAL naming the field; MCP_ENOMEM. Out: *out (zeroed on failure);
 * release with zd_permission_free. */
enum mcp_rc zd_permission_from_spec(struct zd_permission *out, json_t *policies_spec,
                                    const char *call_version, const char *session_key,
                                    struct mcp_error *err) SKM_WARN_UNUSED;

/* As zd_permission_from_spec, from already built policies (borrowed array of
 * {"policyParams"}; a reference is kept), e.g. read back from a serialized approval. */
enum mcp_rc zd_permission_from_policies(struct zd_permission *out, json_t *policies,
                                        const char *session_key,
                                        struct mcp_error *err) SKM_WARN_UNUSED;

/* Release p's policies and zero it. Safe on a zeroed or already released permission. */
void zd_permission_free(struct zd_permission *p);

/* Encode a permission: every element, enableData, permissionId, validationId.
 * Returns: MCP_OK; MCP_EINVAL (a policy fails its checks, naming it); MCP_ENOMEM.
 * Out: *out (release with zd_enable_free, also after a failure). */
enum mcp_rc zd_enable_build(struct zd_enable *out, const struct zd_permission *p,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* Release e's hex texts and zero it. Safe on a zeroed or already released struct. */
void zd_enable_free(struct zd_enable *e);

/* selectorData of the Enable message for the default action (Kernel execute). */
void zd_enable_selector_data(struct zd_hex *out);

/* An undeployed account as nobody checked it: nonce 1, the version's default domain version,
 * source ZD_NONCE_ASSUMED. */
void zd_onchain_assume_undeployed(struct zd_onchain *out, enum zd_kernel k);

/* The caller's statement of the account's state. deployed: nonce must be >= 1 (Kernel never
 * has 0 once deployed); undeployed: nonce must be 1. domain_version may be NULL (the
 * version's default). Returns: MCP_OK or MCP_EINVAL saying which statement is impossible. */
enum mcp_rc zd_onchain_given(struct zd_onchain *out, enum zd_kernel k, int deployed,
                             uint32_t nonce, const char *domain_version,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* Read the state over RPC: eth_getCode; for an account with code, currentNonce() and
 * eip712Domain() too. Any failure is an error (no guess); a currentNonce of 0 or a domain
 * name other than "Kernel" is an error (MCP_ERPC: not a Kernel v3 account).
 * Returns: MCP_OK; MCP_EHTTP / MCP_ERPC with the chain's message, prefixed with what could not
 * be read and why it matters. Out: *out, source ZD_NONCE_RPC. */
enum mcp_rc zd_onchain_read(struct zd_onchain *out, struct chain_client *cl,
                            const uint8_t account[20], enum zd_kernel k,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* The Enable typed data (the object viem's signTypedData gets: domain, types {Enable},
 * message, primaryType; no EIP712Domain type, as the SDK passes it) and its hashes.
 * Args: account is the account address as the SDK would spell it (checksummed, or as the
 * caller gave it); chain_id <= 2^53 - 1.
 * Out: *out (new reference), digest, domain_sep, struct_hash (the last two may be NULL).
 * Returns: MCP_OK; MCP_EINVAL; MCP_ENOMEM. */
enum mcp_rc zd_enable_typed_data(json_t **out, uint8_t digest[32], uint8_t domain_sep[32],
                                 uint8_t struct_hash[32], const struct zd_enable *e,
                                 const struct zd_onchain *oc, uint64_t chain_id,
                                 const char *account, struct mcp_error *err) SKM_WARN_UNUSED;

/* typed_data (borrowed) with types.EIP712Domain added in front, the form wallets take over
 * eth_signTypedData_v4 (what viem's wallet client sends). Returns: a new reference, NULL on
 * OOM. */
json_t *zd_enable_typed_data_for_wallet(json_t *typed_data);

#endif

/* policy_typed.h: the EIP-712 typed data a user signs to approve a session on an account that
 * is not a ZeroDev Kernel (our own "SessionApproval" format), built from the policy alone.
 *
 *   domain       {name: "sessionkey-mcp", version: "1", chainId}
 *   primaryType  "SessionApproval"
 *   SessionApproval(string sessionId, address wallet, address owner, address sessionKey,
 *                   address target, bytes4[] selectors, address spendToken,
 *                   uint256 maxPerTransaction, uint256 maxTotal, uint32 rateLimitCount,
 *                   uint32 rateLimitPeriod, uint48 validAfter, uint48 validUntil,
 *                   string summary, bytes32 summaryHash, bytes32 policyHash)
 *
 * The summary text itself is in the message so that the wallet shows it; summaryHash is
 * keccak256 of its UTF-8 bytes and policyHash is policy_hash(p), so the signature covers the
 * exact words shown and the exact stored policy. Addresses are EIP-55 checksummed, selectors
 * in the policy's order, uint256 values decimal strings, the smaller integers JSON numbers. */
#ifndef SKM_POLICY_TYPED_H
#define SKM_POLICY_TYPED_H

#include <jansson.h>
#include <stdint.h>

#include "mcp_err.h"
#include "policy.h"

#define POLICY_TYPED_DOMAIN_NAME "sessionkey-mcp"
#define POLICY_TYPED_DOMAIN_VERSION "1"

/* The eth_signTypedData_v4 object (types with EIP712Domain, primaryType, domain, message).
 * Args: session_id and summary_text (the policy_summary text of p) are copied.
 * Returns: a new reference, or NULL on OOM (or text that is not UTF-8). */
json_t *policy_typed_data(const struct policy *p, const char *session_id, const char *summary_text);

/* The digest the owner signs: eth_eip712_hash of typed (borrowed).
 * Returns: MCP_OK or the errors of eth_eip712_hash. Out: digest (zeroed on failure). */
enum mcp_rc policy_typed_digest(uint8_t digest[32], json_t *typed,
                                struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* zd_policy.h: the ZeroDev permission policies: their parameters as the SDK serializes them
 * (`{"policyParams": {...}}`, the objects inside permissionParams.policies) and their on-chain
 * form (policy info = flag || contract address, policy data).
 *
 * A policy is held as that JSON object, built from a spec (the `policies` member of
 * `sessionkey-mcp zerodev approve`'s input, which zd_map also produces):
 *   call            [permission, ...]  (zd_call_policy.h), with callPolicyVersion
 *   rateLimit       {count, interval, startAt?, reset?, flag?}
 *                     no reset (default): one UserOp per interval, count UserOps in total;
 *                     reset: true: count UserOps per interval, indefinitely (startAt must be 0)
 *   timestamp       {validAfter, validUntil, flag?}   (Unix seconds, 0 = unbounded)
 *   gas             {allowed?, enforcePaymaster?, allowedPaymaster?, flag?}  (allowed in wei)
 *   signatureCaller {allowedCallers: [address, ...], flag?}
 *   sudo            true
 * flag: "0x0000" (default: every validation), "0x0001" (not for UserOps), "0x0002" (not for
 * signatures). Key order inside policyParams is the SDK's (toXPolicy in @zerodev/permissions
 * 5.6.3 policies/), defaults are the SDK's.
 *
 * Encoding reads the same JSON, so a serialized approval read back is checked by encoding it
 * again. Only the SDK's default contract addresses are accepted. */
#ifndef SKM_ZD_POLICY_H
#define SKM_ZD_POLICY_H

#include <jansson.h>

#include "mcp_err.h"
#include "zd_hex.h"

#define ZD_MAX_POLICIES 16
#define ZD_MAX_ALLOWED_CALLERS 32
#define ZD_UINT48_MAX 281474976710655LL

/* One policy from its spec.
 * Args: kind is a spec key ("call", "rateLimit", ...); spec borrowed; call_version ("0.0.4")
 * is needed for "call" only (may be NULL otherwise).
 * Returns: MCP_OK; MCP_EINVAL naming the field ("rateLimit.count: ..."); MCP_ENOMEM.
 * Out: *out, a new {"policyParams": {...}} object (NULL on failure). */
enum mcp_rc zd_policy_from_spec(json_t **out, const char *kind, json_t *spec,
                                const char *call_version, struct mcp_error *err) SKM_WARN_UNUSED;

/* Every policy of a spec object, in the object's key order (the order is part of the
 * permission: it changes the permissionId and is the order Kernel checks them in).
 * Returns: as zd_policy_from_spec; MCP_EINVAL also for an empty object or more than
 * ZD_MAX_POLICIES. Out: *out, a new JSON array of {"policyParams": {...}}. */
enum mcp_rc zd_policies_from_spec(json_t **out, json_t *spec, const char *call_version,
                                  struct mcp_error *err) SKM_WARN_UNUSED;

/* The on-chain form of one policy (borrowed {"policyParams": {...}}, trusted or not: every
 * field is checked). info = policyFlag || policyAddress as spelled; data = the policy's
 * init data. Both are appended to.
 * Returns: MCP_OK; MCP_EINVAL naming the field; MCP_ENOMEM. */
enum mcp_rc zd_policy_encode(struct zd_hex *info, struct zd_hex *data, json_t *policy,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* The policy's "type" ("call", "rate-limit", "timestamp", "gas", "signature-caller",
 * "sudo"), borrowed from policy; NULL if absent. */
const char *zd_policy_type(const json_t *policy);

#endif

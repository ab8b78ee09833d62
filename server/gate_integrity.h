/* gate_integrity.h: the stored policy is what the owner signed. Before deciding, the gate
 * recomputes from the stored row what the owner's signature covers and compares:
 *   - the row's wallet, owner, chain, session key and validity window are the policy's (the
 *     status and expiry the gate reads come from those columns);
 *   - session-approval accounts: policy_hash(policy) is the typed data's policyHash, and the
 *     typed data's EIP-712 digest is the digest the owner signed (row.digest);
 *   - Kernel v3 accounts: the Enable data rebuilt from the policy and the stored account
 *     options (permission id, call policy, validity) hashes to row.digest.
 * A mismatch means the database was edited after approval: the gate refuses (POLICY_TAMPERED)
 * and audits the refusal. What this cannot see: a row rewritten consistently together with a
 * new signature from a new owner; the owner check (owner verification) covers that. */
#ifndef SKM_GATE_INTEGRITY_H
#define SKM_GATE_INTEGRITY_H

#include <stddef.h>

#include "db_sessions.h"
#include "mcp_err.h"
#include "policy.h"

/* Check row (borrowed) against its parsed policy p.
 * Returns: MCP_OK with *intact 1, or 0 and why (plain words, what differs); MCP_ENOMEM. */
enum mcp_rc gate_policy_intact(int *intact, char *why, size_t why_size, const struct session_row *row,
                               const struct policy *p, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

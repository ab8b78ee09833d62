/* gate_opfacts.h: what the gate reads from a user operation besides its calls (issue 11):
 * its nonce (key and sequence, and whether the key is the session's), its worst-case fee
 * and its paymaster, and whether an earlier signature was given for the same nonce. Fills
 * the fields of struct gate_request that gate_check turns into NONCE_KEY, NONCE_USED,
 * FEE_CAP and PAYMASTER_NOT_ALLOWED. Runs inside the authorize transaction.
 *
 * Fee: (callGasLimit + verificationGasLimit + preVerificationGas +
 * paymasterVerificationGasLimit + paymasterPostOpGasLimit) x maxFeePerGas, in wei: the most
 * the EntryPoint can charge for the operation. */
#ifndef SKM_GATE_OPFACTS_H
#define SKM_GATE_OPFACTS_H

#include "db.h"
#include "db_sessions.h"
#include "gate_check.h"
#include "gate_nonce.h"
#include "gate_userop.h"
#include "policy.h"

struct gate_opfacts {
    struct gate_nonce nonce;
    struct gate_bound existing;  /* the reservation already made for this nonce, if found */
};

/* Fill rq (nonce, fee, paymaster) and out. row: the session (its account type and Kernel
 * options give the permission id).
 * Returns: MCP_OK; MCP_EDB; MCP_EINTERNAL when the stored Kernel options cannot be read. */
enum mcp_rc gate_opfacts(struct gate_opfacts *out, struct gate_request *rq, struct db *db,
                         const struct session_row *row, const struct policy *p, const struct gate_user_op *op,
                         int64_t now, struct mcp_error *err) SKM_WARN_UNUSED;

/* The worst-case fee of op in wei. Returns 0, or 1 when it does not fit in 256 bits. */
int gate_opfacts_fee(struct eth_u256 *out, const struct gate_user_op *op);

/* The Kernel v3 permission id of a session (row account type "kernel-v3").
 * Returns: MCP_OK; MCP_EINTERNAL when its stored options cannot be read. */
enum mcp_rc gate_opfacts_permission_id(uint8_t out[4], const struct session_row *row, const struct policy *p,
                                       struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* gate_userop.h: ERC-4337 v0.7 user operations (the form Kernel v3 uses): read one from the
 * JSON a bundler or viem would send, and compute its hash, which is what the session key
 * signs. The gate never signs a hash handed to it: it recomputes the hash from the operation
 * whose callData it decoded and checked, so a signature can only ever authorize the calls
 * that were checked, on the session's chain, for the session's wallet.
 *
 * JSON shape (the v0.7 RPC form; quantities as "0x" hex or decimal strings, or JSON integers):
 *   sender, nonce, callData, callGasLimit, verificationGasLimit, preVerificationGas,
 *   maxFeePerGas, maxPriorityFeePerGas (required);
 *   factory + factoryData, paymaster + paymasterVerificationGasLimit +
 *   paymasterPostOpGasLimit + paymasterData, signature (ignored) (optional).
 *
 * Hash (EntryPoint v0.7, 0x0000000071727De22E5E9d8BAf0edAc6f37da032):
 *   packed = abi.encode(sender, nonce, keccak(initCode), keccak(callData),
 *                       verificationGasLimit << 128 | callGasLimit, preVerificationGas,
 *                       maxPriorityFeePerGas << 128 | maxFeePerGas, keccak(paymasterAndData))
 *   initCode = factory || factoryData (empty without a factory)
 *   paymasterAndData = paymaster || uint128 verification gas || uint128 post-op gas
 *                      || paymasterData (empty without a paymaster)
 *   userOpHash = keccak(abi.encode(keccak(packed), entryPoint, chainId))
 * (the same as viem's getUserOperationHash for entryPointVersion "0.7"). */
#ifndef SKM_GATE_USEROP_H
#define SKM_GATE_USEROP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "eth_u256.h"
#include "mcp_err.h"

struct gate_user_op {
    uint8_t sender[20];
    struct eth_u256 nonce;
    uint8_t *init_code;          /* malloc'd (gate_userop_free) */
    size_t init_code_len;
    uint8_t *call_data;          /* malloc'd */
    size_t call_data_len;
    struct eth_u256 call_gas, verification_gas, pre_verification_gas, max_fee, max_priority_fee;
    uint8_t *paymaster_and_data; /* malloc'd */
    size_t paymaster_and_data_len;
};

/* Read a user operation (j borrowed). Errors name the field ("userOp.callGasLimit: ...").
 * Returns: MCP_OK, MCP_EINVAL, MCP_ENOMEM. Out: *op (free with gate_userop_free, also after
 * a failure). */
enum mcp_rc gate_userop_parse(struct gate_user_op *op, json_t *j, struct mcp_error *err) SKM_WARN_UNUSED;

void gate_userop_free(struct gate_user_op *op);

/* The EntryPoint v0.7 user operation hash on chain_id. */
void gate_userop_hash(uint8_t out[32], const struct gate_user_op *op, uint64_t chain_id);

#endif

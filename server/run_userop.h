/* run_userop.h: what the executor sends for a Kernel v3 account (EntryPoint v0.7): the swap,
 * the approval, Kernel's execute call data (ERC-7579), the permission's nonce key, the
 * enable-mode signature, and the user operation in the JSON form bundlers take.
 *
 * Kernel execute(bytes32 mode, bytes executionCalldata), selector 0xe9ae5c53:
 *   single: mode = 32 zero bytes (callType 0x00 CALL, execType 0x00 default);
 *           executionCalldata = target (20) || value (32) || callData (packed)
 *   batch:  mode = 0x01 || 31 zero bytes; executionCalldata =
 *           abi.encode((address target, uint256 value, bytes callData)[])
 * Nonce key (uint192, the high 24 bytes of the 32-byte nonce):
 *   mode (0x00 default, 0x01 enable) || 0x02 (permission) || permissionId (4) || 16 zero bytes
 *   || custom key (2 bytes, big-endian)
 * Enable-mode signature (Kernel v3 ValidationManager._enableMode):
 *   hook (20 zero bytes) || abi.encode(bytes validatorData, bytes hookData, bytes selectorData,
 *   bytes enableSig, bytes userOpSig); userOpSig is the gate's 0xff || r || s || v. */
#ifndef SKM_RUN_USEROP_H
#define SKM_RUN_USEROP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "eth_u256.h"
#include "mcp_err.h"
#include "zd_hex.h"

#define RUN_MAX_CALLS 4

struct run_call {
    uint8_t target[20];
    struct eth_u256 value;
    struct zd_hex data;
};

/* SwapRouter02 exactInputSingle((tokenIn, tokenOut, fee, recipient, amountIn, amountOutMinimum,
 * sqrtPriceLimitX96 = 0)), selector 0x04e45aaf. out must be initialized (appended to). */
void run_swap_calldata(struct zd_hex *out, const uint8_t token_in[20], const uint8_t token_out[20], uint32_t fee,
                       const uint8_t recipient[20], const struct eth_u256 *amount_in,
                       const struct eth_u256 *min_out);

/* ERC-20 approve(spender, amount), selector 0x095ea7b3. */
void run_approve_calldata(struct zd_hex *out, const uint8_t spender[20], const struct eth_u256 *amount);

/* Kernel execute call data for n calls (1: single mode; more: batch). */
void run_kernel_execute(struct zd_hex *out, const struct run_call *calls, size_t n);

/* The 24-byte nonce key; the full nonce is key || 8-byte sequence. */
void run_nonce_key(uint8_t key[24], int enable_mode, const uint8_t permission_id[4], uint16_t custom);

/* The enable-mode signature (texts are "0x" hex). */
void run_enable_signature(struct zd_hex *out, const char *validator_data, const char *selector_data,
                          const char *enable_sig, const char *user_op_sig);

/* A dummy session signature of the right shape for gas estimation (0xff || 65 bytes). */
extern const char run_dummy_session_sig[];

struct run_user_op {
    uint8_t sender[20];
    struct eth_u256 nonce;
    char *factory;            /* "0x.." or NULL; with factory_data */
    char *factory_data;
    char *call_data;          /* "0x.." */
    struct eth_u256 call_gas, verification_gas, pre_verification_gas, max_fee, max_priority_fee;
    char *paymaster;          /* NULL without a paymaster */
    char *paymaster_data;
    struct eth_u256 pm_verification_gas, pm_post_op_gas;
    char *signature;
};

void run_user_op_free(struct run_user_op *op);

/* The v0.7 RPC form: quantities as "0x" hex without leading zeros; factory / paymaster fields
 * only when set. Returns: a new object, or NULL on OOM. */
json_t *run_user_op_json(const struct run_user_op *op);

/* "0x" hex quantity of v (out size >= 67). */
void run_quantity(char *out, const struct eth_u256 *v);

#endif

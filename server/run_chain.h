/* run_chain.h: the executor's reads from the chain and its bundler calls (ERC-4337 v0.7
 * JSON-RPC: eth_estimateUserOperationGas, eth_sendUserOperation, eth_getUserOperationReceipt,
 * and pimlico_getUserOperationGasPrice where the bundler has it). Every function names the
 * chain or bundler and the method in its error (chain_rpc.h). */
#ifndef SKM_RUN_CHAIN_H
#define SKM_RUN_CHAIN_H

#include <jansson.h>
#include <stdint.h>

#include "chain_rpc.h"
#include "eth_u256.h"
#include "mcp_err.h"
#include "run_userop.h"

#define RUN_ENTRY_POINT "0x0000000071727De22E5E9d8BAf0edAc6f37da032"

/* EntryPoint.getNonce(sender, key): the full 256-bit nonce (key || sequence). */
enum mcp_rc run_chain_nonce(struct eth_u256 *out, struct chain_client *cl, const uint8_t sender[20],
                            const uint8_t key[24], struct mcp_error *err) SKM_WARN_UNUSED;

/* 1 in *deployed when the account has code. */
enum mcp_rc run_chain_deployed(int *deployed, struct chain_client *cl, const uint8_t account[20],
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* Kernel validationConfig(bytes21 vId): 1 in *installed when the permission is installed
 * (its hook is set). */
enum mcp_rc run_chain_permission_installed(int *installed, struct chain_client *cl, const uint8_t account[20],
                                           const uint8_t validation_id[21], struct mcp_error *err) SKM_WARN_UNUSED;

/* QuoterV2.quoteExactInputSingle((tokenIn, tokenOut, amountIn, fee, 0)): amountOut. */
enum mcp_rc run_chain_quote(struct eth_u256 *out, struct chain_client *cl, const uint8_t quoter[20],
                            const uint8_t token_in[20], const uint8_t token_out[20], const struct eth_u256 *amount_in,
                            uint32_t fee, struct mcp_error *err) SKM_WARN_UNUSED;

/* ERC-20 allowance(owner, spender). */
enum mcp_rc run_chain_allowance(struct eth_u256 *out, struct chain_client *cl, const uint8_t token[20],
                                const uint8_t owner[20], const uint8_t spender[20],
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* Fees: pimlico_getUserOperationGasPrice ("fast") when the bundler offers it, else the
 * chain's eth_maxPriorityFeePerGas and eth_gasPrice (max fee = 2 x gas price + tip). */
enum mcp_rc run_chain_fees(struct eth_u256 *max_fee, struct eth_u256 *max_priority, struct chain_client *rpc,
                           struct chain_client *bundler, struct mcp_error *err) SKM_WARN_UNUSED;

/* eth_estimateUserOperationGas: fills op's gas limits (and the paymaster's when it has one). */
enum mcp_rc run_bundler_estimate(struct run_user_op *op, struct chain_client *bundler,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* eth_sendUserOperation: the user operation hash the bundler returns ("0x" + 64). */
enum mcp_rc run_bundler_send(char hash[67], struct chain_client *bundler, const struct run_user_op *op,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* eth_getUserOperationReceipt: *receipt is NULL while the operation is not included, else
 * the receipt object (new reference). */
enum mcp_rc run_bundler_receipt(json_t **receipt, struct chain_client *bundler, const char *hash,
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* From a receipt: success flag, transaction hash, the amount of token that reached wallet
 * (ERC-20 Transfer logs), and a revert reason in words (Error(string) decoded when it is one). */
void run_receipt_read(const json_t *receipt, const uint8_t token[20], const uint8_t wallet[20], int *success,
                      char tx_hash[67], struct eth_u256 *amount_out, char *reason, size_t reason_size);

#endif

/* chain_calls.h: the chain reads the server needs, over chain_rpc (block tag "latest").
 *
 * Contract answers are untrusted and decoded strictly: a uint must be exactly one 32-byte
 * word in range, a string must be canonical ABI (offset 0x20, exact length, zero padding) or
 * a bytes32 of an old token such as MKR, and text must be valid UTF-8 without control,
 * invisible or direction-changing characters (it ends up in summaries people approve).
 * All messages are prefixed "chain <id> (<endpoint>): ..." like chain_rpc's. */
#ifndef SKM_CHAIN_CALLS_H
#define SKM_CHAIN_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "chain_rpc.h"
#include "eth_u256.h"
#include "mcp_err.h"

/* Function selectors (keccak256 of the signature, first 4 bytes). */
extern const uint8_t chain_sel_balance_of[4];        /* balanceOf(address)              70a08231 */
extern const uint8_t chain_sel_decimals[4];          /* decimals()                      313ce567 */
extern const uint8_t chain_sel_symbol[4];            /* symbol()                        95d89b41 */
extern const uint8_t chain_sel_current_nonce[4];     /* currentNonce() (Kernel v3)      adb610a3 */
extern const uint8_t chain_sel_is_valid_signature[4]; /* isValidSignature(bytes32,bytes) 1626ba7e */

/* ERC-1271's "valid" answer (the isValidSignature selector). */
#define CHAIN_ERC1271_MAGIC 0x1626ba7eu

#define CHAIN_SYMBOL_MAX 64 /* bytes of a token symbol we accept */

/* The chain id, checked against the configured one (asked once per client).
 * Returns: as chain_rpc_call(). */
enum mcp_rc chain_get_chain_id(uint64_t *out, struct chain_client *cl,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* eth_getBalance in wei. Returns: as chain_rpc_call(); MCP_ERPC for a malformed quantity. */
enum mcp_rc chain_get_balance(struct eth_u256 *out, struct chain_client *cl,
                              const uint8_t addr[20], struct mcp_error *err) SKM_WARN_UNUSED;

/* eth_getCode. Out: *code (malloc'd, non-NULL on success; caller frees), *len (0: no code). */
enum mcp_rc chain_get_code(uint8_t **code, size_t *len, struct chain_client *cl,
                           const uint8_t addr[20], struct mcp_error *err) SKM_WARN_UNUSED;

/* eth_call to `to` with data. Out: *ret (malloc'd, non-NULL on success), *ret_len.
 * A revert is MCP_ERPC with the node's message. */
enum mcp_rc chain_eth_call(uint8_t **ret, size_t *ret_len, struct chain_client *cl,
                           const uint8_t to[20], const uint8_t *data, size_t data_len,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* ERC-20 balanceOf(owner) of token, in base units. */
enum mcp_rc chain_erc20_balance(struct eth_u256 *out, struct chain_client *cl,
                                const uint8_t token[20], const uint8_t owner[20],
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* ERC-20 decimals(); must fit a uint8. */
enum mcp_rc chain_erc20_decimals(unsigned *out, struct chain_client *cl, const uint8_t token[20],
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* ERC-20 symbol() as a string or bytes32. out size >= CHAIN_SYMBOL_MAX + 1. */
enum mcp_rc chain_erc20_symbol(char *out, size_t out_size, struct chain_client *cl,
                               const uint8_t token[20], struct mcp_error *err) SKM_WARN_UNUSED;

/* Kernel v3 currentNonce() (a uint32). */
enum mcp_rc chain_kernel_current_nonce(uint32_t *out, struct chain_client *cl,
                                       const uint8_t account[20],
                                       struct mcp_error *err) SKM_WARN_UNUSED;

/* ERC-1271 isValidSignature(hash, sig) on account.
 * Out: *magic, the bytes4 it returned (as a big-endian number); *valid = (*magic ==
 * CHAIN_ERC1271_MAGIC). A revert is an error (MCP_ERPC), not "invalid". */
enum mcp_rc chain_erc1271_check(int *valid, uint32_t *magic, struct chain_client *cl,
                                const uint8_t account[20], const uint8_t hash[32],
                                const uint8_t *sig, size_t sig_len,
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* --- strict decoders of eth_call results (untrusted), exported for tests --- */

/* Exactly one 32-byte word. Returns: MCP_OK or MCP_ERPC naming `what`. */
enum mcp_rc chain_abi_decode_uint(struct eth_u256 *out, const uint8_t *ret, size_t len,
                                  const char *what, struct mcp_error *err) SKM_WARN_UNUSED;

/* A string return value: canonical ABI string, or 32 bytes (bytes32: text, then only NULs).
 * Returns: MCP_OK; MCP_ERPC naming `what` for malformed encodings, text that is not clean
 * UTF-8 (see above), or text longer than out_size - 1 bytes. Out: out, NUL-terminated. */
enum mcp_rc chain_abi_decode_string(char *out, size_t out_size, const uint8_t *ret, size_t len,
                                    const char *what, struct mcp_error *err) SKM_WARN_UNUSED;

/* Check that s[0..len) is UTF-8 fit to show people: valid, no NUL, no C0/C1 control, no
 * zero-width, bidi-control or BOM characters. Returns: 1 if fit, else 0. */
int chain_text_is_clean(const uint8_t *s, size_t len);

#endif

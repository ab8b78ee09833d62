/* zd_account.h: ZeroDev Kernel v3 accounts (0.3.0 and 0.3.1, EntryPoint 0.7) owned by an
 * ECDSA key through the ECDSA validator: the initCode the SDK writes (meta factory
 * deployWithFactory), the counterfactual address, and the version of a deployed account.
 *
 * initCode is the meta-factory call data without the factory address in front:
 *   deployWithFactory(factory, initData, bytes32 index)          selector 0xc5265d5d
 *   initData (0.3.0) = initialize(bytes21 0x01||ecdsaValidator, address 0, bytes owner, bytes 0x)
 *   initData (0.3.1) = the same plus bytes[] initConfig = []
 * address = CREATE2(factory, keccak256(initData || index), keccak256(ERC-1967 proxy init code
 * of the implementation)), which is what the EntryPoint's getSenderAddress returns. */
#ifndef SKM_ZD_ACCOUNT_H
#define SKM_ZD_ACCOUNT_H

#include <stdint.h>

#include "chain_rpc.h"
#include "eth_u256.h"
#include "mcp_err.h"
#include "zd_hex.h"

enum zd_kernel {
    ZD_KERNEL_0_3_0 = 1,
    ZD_KERNEL_0_3_1 = 2
};

/* "0.3.0" or "0.3.1". Returns: MCP_OK; MCP_EUNSUPPORTED for other Kernel versions ("0.3.2",
 * "0.3.3", "0.2.4") with a message saying what is supported; MCP_EINVAL for anything else. */
enum mcp_rc zd_kernel_parse(enum zd_kernel *out, const char *s,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* "0.3.0" / "0.3.1". */
const char *zd_kernel_name(enum zd_kernel k);

/* The EIP-712 domain version Kernel uses when it cannot be read from the account:
 * "0.3.0-beta" for 0.3.0, "0.3.1" for 0.3.1 (the SDK's accountMetadata fallback). */
const char *zd_kernel_domain_version(enum zd_kernel k);

/* initCode for an ECDSA owner. owner_text is the owner address as the SDK got it (EIP-55 when
 * it came from a private key; whatever the caller wrote otherwise: it is copied as bytes into
 * the text). Returns: MCP_OK; MCP_EINVAL (owner_text not an address); MCP_ENOMEM.
 * Out: out (appended to). */
enum mcp_rc zd_account_init_code(struct zd_hex *out, enum zd_kernel k, const char *owner_text,
                                 const struct eth_u256 *index,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* The counterfactual account address of an ECDSA owner and index.
 * Returns: MCP_OK; MCP_ENOMEM. */
enum mcp_rc zd_account_address(uint8_t out[20], enum zd_kernel k, const uint8_t owner[20],
                               const struct eth_u256 *index,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* keccak256 of the ERC-1967 proxy init code LibClone deploys for the version's
 * implementation (the factory's initCodeHash). */
void zd_account_init_code_hash(uint8_t out[32], enum zd_kernel k);

/* Decode an initCode this module writes: kernel version (from the factory), owner and index.
 * Returns: MCP_OK; MCP_EINVAL ("initCode: ...") for anything else. */
enum mcp_rc zd_account_parse_init_code(enum zd_kernel *k, uint8_t owner[20],
                                       struct eth_u256 *index, const char *init_code,
                                       struct mcp_error *err) SKM_WARN_UNUSED;

/* The Kernel version of a deployed account from its accountId() ("kernel.advanced.v0.3.1",
 * "kernel.advanced.v0.3.0-beta").
 * Returns: MCP_OK; MCP_EUNSUPPORTED for another account (message quotes the id, cleaned);
 * MCP_ERPC / MCP_EHTTP from the chain (no code answers "0x", which is an error here). */
enum mcp_rc zd_account_detect_kernel(enum zd_kernel *out, struct chain_client *cl,
                                     const uint8_t account[20],
                                     struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* eth_secp.h: secp256k1 for Ethereum, over libsecp256k1 (with the recovery module).
 * One process-wide context, created and randomized on first use (never on the startup path).
 * Private keys are 32-byte buffers the caller owns and wipes (sodium_memzero). */
#ifndef SKM_ETH_SECP_H
#define SKM_ETH_SECP_H

#include <stddef.h>
#include <stdint.h>

#include "mcp_err.h"

/* Generate a private key from libsodium's CSPRNG (retrying until it is a valid scalar). */
enum mcp_rc eth_secp_keygen(uint8_t priv[32], struct mcp_error *err) SKM_WARN_UNUSED;

/* The 20-byte address of a private key: keccak256(uncompressed pubkey[1..64])[12..32]. */
enum mcp_rc eth_secp_address(uint8_t addr[20], const uint8_t priv[32], struct mcp_error *err) SKM_WARN_UNUSED;

/* Sign a 32-byte hash: RFC 6979 deterministic, low-s. sig = r(32) || s(32) || v(1) with
 * v = 27 or 28 (the form eth_sign/EIP-712 wallets produce). */
enum mcp_rc eth_secp_sign(uint8_t sig[65], const uint8_t hash[32], const uint8_t priv[32],
                          struct mcp_error *err) SKM_WARN_UNUSED;

/* Recover the signer address of a 65-byte signature over hash. Accepts v in {0,1,27,28};
 * rejects high-s, r or s zero or >= n, other v values, with a message saying which. */
enum mcp_rc eth_secp_recover(uint8_t addr[20], const uint8_t hash[32], const uint8_t sig[65],
                             struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* eth_addr.h: Ethereum addresses as text: parsing with EIP-55 checksum validation, and
 * formatting in checksummed form. The 20-byte form is what the rest of the code passes around. */
#ifndef SKM_ETH_ADDR_H
#define SKM_ETH_ADDR_H

#include <stdint.h>

#include "mcp_err.h"

/* "0x" + 40 digits + NUL. */
#define ETH_ADDR_STR_SIZE 43

/* Parse "0x" followed by exactly 40 hex digits into addr.
 * All-lower-case and all-upper-case digits are accepted as they are (no checksum to check);
 * mixed case must be the EIP-55 checksum.
 * Returns: MCP_OK, or MCP_EINVAL with a message naming `what` (the field, e.g. "walletAddress"):
 *   "walletAddress: checksum mismatch (did you mean 0x5aAe...?)", or the shape that was expected.
 * Out: addr (zeroed on failure). */
enum mcp_rc eth_addr_parse(uint8_t addr[20], const char *s, const char *what,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* Write the EIP-55 checksummed form of addr ("0x5aAeb605...") into out. */
void eth_addr_format(char out[ETH_ADDR_STR_SIZE], const uint8_t addr[20]);

#endif

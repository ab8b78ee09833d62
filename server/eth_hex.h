/* eth_hex.h: hex <-> bytes, the way Ethereum JSON writes them ("0x"-prefixed, lower case). */
#ifndef SKM_ETH_HEX_H
#define SKM_ETH_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "mcp_err.h"

/* Decode hex (with or without "0x", either case) into exactly out_len bytes.
 * Returns: MCP_OK, or MCP_EINVAL (odd length, bad digit, wrong length) with a message that
 * names `what` ("signature: expected 65 bytes (130 hex digits), got 64"). */
enum mcp_rc eth_hex_decode(uint8_t *out, size_t out_len, const char *hex, const char *what,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* Decode hex of any (even) length into a new malloc'd buffer (*out, *out_len); caller frees.
 * Empty "0x" gives *out_len == 0 and a non-NULL *out. */
enum mcp_rc eth_hex_decode_alloc(uint8_t **out, size_t *out_len, const char *hex, const char *what,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* The value of one hex digit (either case), or -1. */
int eth_hex_digit(char c);

/* A new JSON string of "0x" + hex of len bytes (len <= 64), or NULL on OOM. */
struct json_t;
struct json_t *eth_hex_json(const uint8_t *in, size_t len);

/* Encode len bytes as "0x" + 2*len lower-case digits + NUL into out (size >= 2*len + 3). */
void eth_hex_encode(char *out, const uint8_t *in, size_t len);

/* As eth_hex_encode into a new malloc'd string; NULL on OOM. */
char *eth_hex_encode_alloc(const uint8_t *in, size_t len);

#endif

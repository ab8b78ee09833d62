/* zd_json.h: JSON text exactly as JavaScript's JSON.stringify writes it, and base64 as the
 * ZeroDev SDK's bytesToBase64/base64ToBytes use it (standard alphabet, padded).
 *
 * The serialized permission account is base64(JSON.stringify(params)); key order, escaping and
 * number spelling are part of its bytes. jansson keeps object keys in insertion order, so an
 * object built (or parsed) in the SDK's order comes out in that order. */
#ifndef SKM_ZD_JSON_H
#define SKM_ZD_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp_err.h"

/* JavaScript's largest exact integer (2^53 - 1): JSON numbers above it are refused, because
 * the SDK would not read them back exactly. */
#define ZD_JSON_MAX_SAFE 9007199254740991LL

/* JSON.stringify(v) with no spacing: insertion-ordered keys; strings escaped as JavaScript
 * does (\" \\ \b \f \n \r \t, other controls as \u00xx, everything else verbatim UTF-8);
 * integers in decimal; a real only if it is a whole number within +-ZD_JSON_MAX_SAFE.
 * Args: v borrowed.
 * Returns: MCP_OK; MCP_EINVAL for a real that is not such a number or an integer beyond
 * +-ZD_JSON_MAX_SAFE; MCP_ENOMEM. Out: *out, a new malloc'd NUL-terminated string (NULL on
 * failure). */
enum mcp_rc zd_json_stringify(char **out, const json_t *v, struct mcp_error *err) SKM_WARN_UNUSED;

/* Standard base64 with '=' padding. Returns: a new malloc'd string, NULL on OOM. */
char *zd_base64_encode(const uint8_t *in, size_t len);

/* Decode standard base64 (padding required when the length is not a multiple of 4; no
 * whitespace). Returns: MCP_OK, MCP_EINVAL naming `what`, MCP_ENOMEM.
 * Out: *out (malloc'd, NUL-terminated for convenience; non-NULL on success), *len. */
enum mcp_rc zd_base64_decode(uint8_t **out, size_t *len, const char *s, const char *what,
                             struct mcp_error *err) SKM_WARN_UNUSED;

#endif

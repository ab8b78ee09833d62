/* cli_util.h: what every command-line subcommand shares: one JSON line on stdout, errors as
 * {"error": "..."}, and reading a private key from a file only its owner can access. */
#ifndef SKM_CLI_UTIL_H
#define SKM_CLI_UTIL_H

#include <jansson.h>
#include <stdint.h>

#include "mcp_err.h"

/* Print obj (borrowed; NULL counts as a failure) as one compact line and flush.
 * Returns: 0, or 1 if it could not be written. */
int cli_print_json(json_t *obj);

/* Print {"error": msg} as one line. Returns: status (the exit code to use). */
int cli_print_error(int status, const char *msg);

/* A private key from a file: 0x (optional) + 64 hex digits + an optional line end. Refused
 * when the file is not regular, is longer than a key, or group/others can access it (the
 * message says "run chmod 600 on it"). The text is wiped after use; messages never quote it.
 * Returns: MCP_OK, MCP_EIO, MCP_EINVAL. */
enum mcp_rc cli_read_key_file(uint8_t priv[32], const char *path, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* tool_util.h: small helpers shared by tool handlers. */
#ifndef SKM_TOOL_UTIL_H
#define SKM_TOOL_UTIL_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "tool.h"

/* What the agent can always offer instead: relayable words for signing by hand. */
extern const char tool_manual_fallback[];

/* The shared database, or NULL with err set to a message that says nothing was changed,
 * how to retry, and the manual fallback. */
struct db *tool_db(struct tool_ctx *ctx, struct mcp_error *err);

/* Destroy the keys of sessions that ended by time, in a transaction of its own, then flush
 * them out of the WAL. force: run now (a tool just saw a lapsed or expired session); else
 * at most once a minute. Best effort: failures are logged, never shown to the user. */
void tool_sweep(struct db *db, int64_t now, int force);

/* Parse args[field] as an address (EIP-55 rules) into lower-case "0x..." (out size 43).
 * Returns: MCP_OK or MCP_EINVAL naming the field. */
enum mcp_rc tool_address(char out[43], json_t *args, const char *field, struct mcp_error *err) SKM_WARN_UNUSED;

/* Checksummed form of a lower-case address (out size 43). */
void tool_checksum(char out[43], const char *lower);

/* Integer argument with a default. */
long long tool_int(json_t *args, const char *field, long long dflt);

/* Append printf-formatted text to a growing malloc'd string (*s may be NULL).
 * Returns: 0, or -1 on OOM (*s is then freed and set to NULL). */
int tool_appendf(char **s, const char *fmt, ...) SKM_PRINTF(2, 3);

#endif

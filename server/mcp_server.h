/* mcp_server.h: the MCP protocol layer. Takes one decoded input line, returns at most one
 * response; knows the protocol eras (legacy initialize handshake, 2025-11-25 back to
 * 2024-11-05; stateless 2026-07-28), pinned per process by the first message that decides. */
#ifndef SKM_MCP_SERVER_H
#define SKM_MCP_SERVER_H

#include <jansson.h>
#include <stddef.h>

#include "cfg.h"

enum mcp_era { MCP_ERA_NONE = 0, MCP_ERA_LEGACY = 1, MCP_ERA_MODERN = 2 };

/* Sends a server-initiated message (a notification) to the client. Returns 0 on success. */
typedef int (*mcp_emit_fn)(void *ud, json_t *msg);

struct mcp_server {
    const struct skm_config *cfg;
    enum mcp_era era;
    char version[16];      /* negotiated legacy version, "" before initialize */
    int initialized;       /* initialize was answered (legacy) */
    int client_ready;      /* notifications/initialized arrived (legacy) */
    int client_log_level;  /* -1: client did not ask for log notifications */
    mcp_emit_fn emit;
    void *emit_ud;
};

extern const char *const mcp_legacy_versions[]; /* newest first, NULL-terminated */
extern const char mcp_modern_version[];         /* "2026-07-28" */

void mcp_server_init(struct mcp_server *s, const struct skm_config *cfg, mcp_emit_fn emit, void *emit_ud);

/* Release what the server registered process-wide (its log notification sink). */
void mcp_server_close(struct mcp_server *s);

/* Handle one input line (without its newline). Returns: a new reference to the response
 * (object, or array for a 2025-03-26 batch), or NULL when nothing is to be sent. */
json_t *mcp_handle_line(struct mcp_server *s, const char *line, size_t len);

/* The response for an input line that exceeded the size limit. Returns: new reference. */
json_t *mcp_line_too_long(struct mcp_server *s, size_t limit);

#endif

/* mcp_server.h: the MCP protocol layer. Takes one decoded input line, returns at most one
 * response; knows the protocol eras (legacy initialize handshake, 2025-11-25 back to
 * 2024-11-05; stateless 2026-07-28), pinned per process by the first message that decides. */
#ifndef SKM_MCP_SERVER_H
#define SKM_MCP_SERVER_H

#include <jansson.h>
#include <stddef.h>

#include "cfg.h"
#include "mcp_elicit.h"

enum mcp_era { MCP_ERA_NONE = 0, MCP_ERA_LEGACY = 1, MCP_ERA_MODERN = 2 };

/* Sends a server-initiated message (a notification) to the client. Returns 0 on success. */
typedef int (*mcp_emit_fn)(void *ud, json_t *msg);

/* A serialized list result, reused verbatim: lists never change in a process. */
struct mcp_list_cache {
    const void *method;   /* the method table row */
    const char *version;  /* protocol version string (static) */
    int modern;
    char *text;           /* the result object, serialized */
};

#define MCP_LIST_CACHE_MAX 16

struct mcp_server {
    const struct skm_config *cfg;
    enum mcp_era era;
    char version[16];      /* negotiated legacy version, "" before initialize */
    int initialized;       /* initialize was answered (legacy) */
    int client_ready;      /* notifications/initialized arrived (legacy) */
    int client_log_level;  /* -1: client did not ask for log notifications */
    mcp_emit_fn emit;
    void *emit_ud;
    struct mcp_list_cache cache[MCP_LIST_CACHE_MAX];
    int n_cache;
    int client_url_elicitation; /* legacy: initialize declared capabilities.elicitation.url */
    struct mcp_elicit_table elicit; /* legacy: open URL elicitations (-32042) by session */
};

extern const char *const mcp_legacy_versions[]; /* newest first, NULL-terminated */
extern const char mcp_modern_version[];         /* "2026-07-28" */

void mcp_server_init(struct mcp_server *s, const struct skm_config *cfg, mcp_emit_fn emit, void *emit_ud);

/* Release what the server registered process-wide (its log notification sink). */
void mcp_server_close(struct mcp_server *s);

/* The approval of session_id was settled outside the MCP request flow (the approval page) or
 * inside it (confirm_session): outcome is "approved" or "declined". If this connection was
 * sent a URL elicitation for that session, send notifications/elicitation/complete for it
 * (once). Signature of the page module's approval_listener; ctx is the struct mcp_server. */
void mcp_approval_outcome(void *ctx, const char *session_id, const char *outcome);

/* Handle one input line (without its newline). Returns: a new reference to the response
 * (object, or array for a 2025-03-26 batch), or NULL when nothing is to be sent. */
json_t *mcp_handle_line(struct mcp_server *s, const char *line, size_t len);

/* As mcp_handle_line, but returns the serialized response line ("...\n", malloc'd, length in
 * *len) or NULL when nothing is to be sent. Lists are served from a per-process cache of
 * their serialized results with only the id spliced in. */
char *mcp_handle_line_text(struct mcp_server *s, const char *line, size_t len, size_t *out_len);

/* The response for an input line that exceeded the size limit. Returns: new reference. */
json_t *mcp_line_too_long(struct mcp_server *s, size_t limit);

#endif

/* tool.h: what a tool handler is, and the const table that lists them (tools/table.c).
 *
 * By the time a handler runs, the core has checked the lifecycle state, found the tool,
 * and validated `args` against schemas/<name>.input.json. Handlers hold domain logic only:
 * validate what a schema cannot say, compute, one storage transaction, render.
 *
 * Ownership: args is borrowed. On MCP_OK the handler sets out->structured (a new reference,
 * an object matching schemas/<name>.output.json) and optionally out->text (malloc'd; when
 * NULL the core sends the JSON of structured as the text block). On failure it returns an
 * mcp_rc and fills err with words a person understands, including what to do next; the core
 * turns that into a tool result with isError: true. A handler may instead set out->is_error
 * with text (and optionally structured matching the schema) for refusals that carry data. */
#ifndef SKM_TOOL_H
#define SKM_TOOL_H

#include <jansson.h>
#include <stddef.h>

#include "mcp_err.h"

struct skm_config;

struct tool_ctx {
    const struct skm_config *cfg;
    const char *protocol_version; /* negotiated (legacy) or requested (2026-07-28) */
};

struct tool_reply {
    json_t *structured; /* new reference or NULL */
    char *text;         /* malloc'd or NULL */
    int is_error;
};

typedef enum mcp_rc (*tool_fn)(struct tool_ctx *ctx, json_t *args, struct tool_reply *out,
                               struct mcp_error *err);

/* Annotation hints (clients treat them as untrusted hints, never as security). */
#define TOOL_READONLY 0x01u    /* readOnlyHint: changes nothing */
#define TOOL_DESTRUCTIVE 0x02u /* destructiveHint: may destroy something (revocation) */
#define TOOL_IDEMPOTENT 0x04u  /* idempotentHint: repeating the call changes nothing more */
#define TOOL_OPEN_WORLD 0x08u  /* openWorldHint: talks to the outside (a chain RPC) */
/* Not a hint: an executor tool (it obtains signatures or holds budget). Listed and served only
 * by a server started with --executor, never to a chat model; `sessionkey-mcp exec` runs it. */
#define TOOL_EXECUTOR 0x10u

/* One row per tool. Columns:
 *   name         the MCP tool name: ^[a-zA-Z0-9_-]{1,64}$, also the schema file stem
 *   title        human display name
 *   description  what the model reads to decide when to call it: purpose, when, what follows
 *   flags        TOOL_* annotation hints
 *   fn           the handler */
struct tool_def {
    const char *name;
    const char *title;
    const char *description;
    unsigned flags;
    tool_fn fn;
};

extern const struct tool_def tool_table[];
extern const size_t tool_count;

/* Helpers for handlers. */
/* Returns: a malloc'd copy of s (NULL on OOM). */
char *tool_strdup(const char *s);

#endif

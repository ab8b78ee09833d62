/* reg_tools.h: the tool registry: schemas from the compiled-in assets, tools/list bodies per
 * protocol generation, and tools/call (validate -> handler -> result checked against the
 * output schema). Loaded on first use, never on the startup path. */
#ifndef SKM_REG_TOOLS_H
#define SKM_REG_TOOLS_H

#include <jansson.h>

#include "mcp_err.h"
#include "tool.h"

/* What a protocol revision may see of a tool and its result. */
enum reg_gen {
    REG_GEN_2024 = 0, /* 2024-11-05: name, description, inputSchema; text results only */
    REG_GEN_2025_03 = 1, /* + annotations */
    REG_GEN_2025_06 = 2, /* + title, outputSchema, structuredContent (2025-06-18 and later) */
    REG_GEN_COUNT = 3
};

/* Map a protocol version string to its generation. */
enum reg_gen reg_gen_for(const char *protocol_version);

/* Load and check every tool's schemas (portable subset, name rules, uniqueness) once.
 * Returns: MCP_OK, or MCP_EINTERNAL naming the bad asset. */
enum mcp_rc reg_load(struct mcp_error *err) SKM_WARN_UNUSED;

/* The "tools" array for tools/list. Returns: a BORROWED reference owned by the registry
 * (valid until reg_unload), or NULL if reg_load failed. */
json_t *reg_tools_list(enum reg_gen gen);

/* The "tools" array a server shows: with executor 0 (a chat server) without the executor tools
 * (TOOL_EXECUTOR), with executor 1 (--executor) all of them. BORROWED, as reg_tools_list. */
json_t *reg_tools_list_for(enum reg_gen gen, int executor);

/* 1 when a server started with (executor 1) or without (0) --executor serves tool t. */
int reg_served(const struct tool_def *t, int executor);

/* Find a tool by name. Returns: the row or NULL. */
const struct tool_def *reg_find(const char *name);

/* Run a tool: validate args (borrowed; NULL means {}), call the handler, build the
 * CallToolResult. Validation failures and handler errors become isError results.
 * Returns: a new reference to the result object, or NULL on OOM. */
json_t *reg_call(const struct tool_def *tool, struct tool_ctx *ctx, json_t *args, enum reg_gen gen);

/* Check every compiled-in asset: schemas of every tool present and portable, no orphans.
 * Returns: MCP_OK or MCP_EINTERNAL. */
enum mcp_rc reg_check_assets(struct mcp_error *err) SKM_WARN_UNUSED;

void reg_unload(void);

#endif

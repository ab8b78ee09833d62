/* mcp_app.h: the MCP App (MCP Apps extension "io.modelcontextprotocol/ui", SEP-1865, stable
 * 2026-01-26) that shows a pending approval inside hosts that render apps: one ui:// resource
 * holding a self-contained HTML page (compiled in from web/mcp-app.html), offered through
 * resources/list and resources/read, and linked from request_session_approval's tool
 * definition by _meta.ui.resourceUri. The page gets the tool result from the host over
 * postMessage, shows the ✓/✗ summary, and asks the host to open the approval page in the
 * user's browser (ui/open-link), where the wallet is. */
#ifndef SKM_MCP_APP_H
#define SKM_MCP_APP_H

#include <jansson.h>

#include "mcp_err.h"

#define MCP_APP_URI "ui://sessionkey/approval"
#define MCP_APP_MIME "text/html;profile=mcp-app"

/* The "resources" array of resources/list. full: 2025-06-18 and later (title, _meta).
 * Returns: new reference, or NULL on OOM / missing asset. */
json_t *mcp_app_resources(int full);

/* The "contents" array of resources/read for uri. Returns: MCP_OK and *out (new reference),
 * MCP_ENOTFOUND with words when no such resource, MCP_EINTERNAL/MCP_ENOMEM otherwise. */
enum mcp_rc mcp_app_read(json_t **out, const char *uri, int full, struct mcp_error *err);

/* The tool definition's _meta for tool `name` (2025-06-18 and later), or NULL when the tool
 * has no app. Returns: new reference. */
json_t *mcp_app_tool_meta(const char *name);

#endif

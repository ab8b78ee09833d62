/* mcp_app.c: see mcp_app.h. */
#include "mcp_app.h"

#include <string.h>

#include "assets.h"

#define APP_ASSET "web/mcp-app.html"
#define APP_TOOL "request_session_approval"

/* Resource-level UI metadata: no csp entry, so the host applies the spec's restrictive
 * default (no network at all); a border, since the view is a card. */
static json_t *resource_meta(void)
{
    return json_pack("{s:{s:b}}", "ui", "prefersBorder", 1);
}

json_t *mcp_app_resources(int full)
{
    json_t *r;

    if (asset_find(APP_ASSET) == NULL)
        return NULL;
    r = json_pack("{s:s, s:s, s:s, s:s}", "uri", MCP_APP_URI, "name", "approval",
                  "description", "In-chat view of a pending session-key approval: the summary of what the session "
                  "can and cannot do, and a button that opens the approval page in the browser, where the wallet is.",
                  "mimeType", MCP_APP_MIME);
    if (r != NULL && full) {
        json_object_set_new(r, "title", json_string("Session approval"));
        json_object_set_new(r, "_meta", resource_meta());
    }
    return r ? json_pack("[o]", r) : NULL;
}

enum mcp_rc mcp_app_read(json_t **out, const char *uri, int full, struct mcp_error *err)
{
    const struct asset *a = asset_find(APP_ASSET);
    json_t *c;

    *out = NULL;
    if (strcmp(uri, MCP_APP_URI) != 0)
        return mcp_errf(err, MCP_ENOTFOUND, "Resource not found: %.200s (this server has one resource, %s)", uri,
                        MCP_APP_URI);
    if (a == NULL)
        return mcp_errf(err, MCP_EINTERNAL, "asset %s is missing from the build", APP_ASSET);
    c = json_pack("{s:s, s:s, s:s%}", "uri", MCP_APP_URI, "mimeType", MCP_APP_MIME, "text", (const char *)a->bytes,
                  a->len);
    if (c != NULL && full)
        json_object_set_new(c, "_meta", resource_meta());
    if (c == NULL || (*out = json_pack("[o]", c)) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    return MCP_OK;
}

json_t *mcp_app_tool_meta(const char *name)
{
    if (strcmp(name, APP_TOOL) != 0)
        return NULL;
    /* _meta.ui.resourceUri is the current form; "ui/resourceUri" is the deprecated flat key
     * that hosts built before 2026-01-26 still read (the official server helper sets both). */
    return json_pack("{s:{s:s}, s:s}", "ui", "resourceUri", MCP_APP_URI, "ui/resourceUri", MCP_APP_URI);
}

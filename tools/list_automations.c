/* list_automations.c: the list_automations tool. Not implemented yet: the session lifecycle (storage, keys,
 * summaries) lands with the lifecycle issue; until then it says so honestly. */
#include "tools_decl.h"

enum mcp_rc tool_list_automations(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err)
{
    (void)ctx, (void)args, (void)out;
    return mcp_errf(err, MCP_EUNSUPPORTED,
                    "list_automations is not available in this version of sessionkey-mcp yet: session approvals "
                    "are still being built, so nothing was created or changed. Retry after upgrading, or have "
                    "the user sign each transaction manually in their own wallet instead.");
}

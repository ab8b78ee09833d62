/* tools_decl.h: the handlers named in tools/table.c, one file each in tools/. */
#ifndef SKM_TOOLS_DECL_H
#define SKM_TOOLS_DECL_H

#include "tool.h"

enum mcp_rc tool_request_session_approval(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err);
enum mcp_rc tool_confirm_session(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err);
enum mcp_rc tool_list_automations(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err);
enum mcp_rc tool_revoke_session(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err);

enum mcp_rc tool_get_session_history(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err);

enum mcp_rc tool_plan_automation(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err);
enum mcp_rc tool_authorize_execution(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err);
enum mcp_rc tool_report_execution(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err);

#endif

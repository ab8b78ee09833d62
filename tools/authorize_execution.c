/* authorize_execution.c: the execution gate as a tool. The executor (or `sessionkey-mcp exec`)
 * asks whether an execution may run; an allowed one is reserved against the session's limits
 * and, when a user operation is given, signed with the session key. See server/gate_exec.h. */
#include <stdio.h>
#include <stdlib.h>

#include "app_state.h"
#include "clock.h"
#include "gate_exec.h"
#include "gate_ledger.h"
#include "tool_util.h"
#include "tools_decl.h"

static char *result_text(json_t *o)
{
    char *text = NULL;
    int allowed = json_is_true(json_object_get(o, "allowed"));
    const char *res = json_string_value(json_object_get(o, "reservationId"));

    if (!allowed) {
        tool_appendf(&text, "Denied (%s): %s Nothing was reserved or signed.",
                     json_string_value(json_object_get(o, "rule")), json_string_value(json_object_get(o, "reason")));
        return text;
    }
    tool_appendf(&text, "%s Reservation %s holds the amount until %s; report the outcome with report_execution "
                 "(the transaction hash, or \"failed\").%s",
                 json_string_value(json_object_get(o, "reason")), res,
                 json_string_value(json_object_get(o, "reservedUntil")),
                 json_object_get(o, "signature") ? " The user operation is signed (signature)." :
                 " Nothing was signed: pass the userOp to get a signature.");
    return text;
}

enum mcp_rc tool_authorize_execution(struct tool_ctx *ctx, json_t *args, struct tool_reply *out,
                                     struct mcp_error *err)
{
    struct gate_env env = {NULL, NULL, clock_now(), GATE_LAPSE_SECONDS, ctx->cfg};
    json_t *o = NULL;

    if ((env.db = tool_db(ctx, err)) == NULL)
        return err->rc;
    if (json_object_get(args, "userOp") != NULL && (env.km = app_keys(ctx->cfg, err)) == NULL)
        return err->rc;
    if (gate_authorize(&o, &env, args, err) != MCP_OK)
        return err->rc;
    out->structured = o;
    out->text = result_text(o);
    return out->text == NULL ? mcp_errf(err, MCP_ENOMEM, "out of memory") : MCP_OK;
}

/* report_execution.c: the executor reports what happened to an allowed execution: a
 * transaction hash commits its reservation (spent), "failed" releases it. See
 * server/gate_exec.h and server/gate_ledger.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "clock.h"
#include "gate_exec.h"
#include "gate_ledger.h"
#include "tool_util.h"
#include "tools_decl.h"

static char *result_text(json_t *o)
{
    const char *state = json_string_value(json_object_get(o, "state"));
    const char *evidence = json_string_value(json_object_get(o, "evidence"));
    char *text = NULL;

    if (json_is_true(json_object_get(o, "stillCounts"))) {
        tool_appendf(&text, "Reservation %s still counts (%s): a signed operation stays executable until its nonce is "
                     "used, so a \"failed\" report alone does not give the amount back. %s%s%s Report again once the "
                     "operation reverted or its nonce was used by another operation, or retry it on the same nonce "
                     "(it is then counted once, at the larger amount). Session %s has %s left.",
                     json_string_value(json_object_get(o, "reservationId")),
                     json_string_value(json_object_get(o, "amount")), evidence ? "The chain shows: " : "",
                     evidence ? evidence : "", evidence ? "." : "", json_string_value(json_object_get(o, "sessionId")),
                     json_string_value(json_object_get(o, "remaining")));
        return text;
    }

    tool_appendf(&text, "Reservation %s is %s%s%s: %s %s. Session %s has spent %s in %lld execution%s; %s left.",
                 json_string_value(json_object_get(o, "reservationId")), state,
                 json_is_true(json_object_get(o, "alreadyRecorded")) ? " (already recorded)" : "",
                 json_is_true(json_object_get(o, "late")) ? " (reported after it lapsed)" : "",
                 json_string_value(json_object_get(o, "amount")),
                 strcmp(state, "committed") == 0 ? "counted as spent" : "given back",
                 json_string_value(json_object_get(o, "sessionId")), json_string_value(json_object_get(o, "spent")),
                 (long long)json_integer_value(json_object_get(o, "executed")),
                 json_integer_value(json_object_get(o, "executed")) == 1 ? "" : "s",
                 json_string_value(json_object_get(o, "remaining")));
    if (json_object_get(o, "slicesLeft") != NULL)
        tool_appendf(&text, " TWAP: %lld of %lld slices done, %lld left.",
                     (long long)json_integer_value(json_object_get(o, "slicesDone")),
                     (long long)json_integer_value(json_object_get(o, "slicesTotal")),
                     (long long)json_integer_value(json_object_get(o, "slicesLeft")));
    return text;
}

enum mcp_rc tool_report_execution(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err)
{
    struct gate_env env = {.now = clock_now(), .lapse = GATE_LAPSE_SECONDS, .cfg = ctx->cfg};
    json_t *o = NULL;

    if ((env.db = tool_db(ctx, err)) == NULL)
        return err->rc;
    if (gate_report(&o, &env, args, err) != MCP_OK)
        return err->rc;
    out->structured = o;
    out->text = result_text(o);
    return out->text == NULL ? mcp_errf(err, MCP_ENOMEM, "out of memory") : MCP_OK;
}

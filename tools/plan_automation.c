/* plan_automation.c: read-only. For an automation (a TWAP or a stop-loss) on a wallet, say
 * whether an active session already covers it (automation_cover.h: the same rule the request's
 * duplicate check uses) and, if not, propose the exact, narrowest request_session_approval
 * arguments, with the owner and account given, and the schedule in words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation_cover.h"
#include "clock.h"
#include "db_sessions.h"
#include "plan_automation.h"
#include "session_view.h"
#include "tool_util.h"
#include "tools_decl.h"
#include "zd_session.h"

/* The request the plan proposes, with the owner and account as given; checked the way
 * request_session_approval will check it (policy and account ownership), so that following the
 * plan works as is. Returns: a new object, or NULL with err set. */
static json_t *proposal_for(struct tool_ctx *ctx, const struct plan *pl, const char *wallet, json_t *args,
                            int64_t now, struct mcp_error *err)
{
    static const uint8_t no_key[20];
    json_t *owner = json_object_get(args, "ownerAddress"), *account = json_object_get(args, "account");
    json_t *prop = plan_proposal(pl, wallet, json_object_get(args, "automation"));
    struct zd_session_opts zo;
    struct policy pol;
    char note[600];
    int kernel;

    if (prop == NULL) {
        mcp_errf(err, MCP_ENOMEM, "out of memory");
        return NULL;
    }
    if (owner != NULL)
        json_object_set(prop, "ownerAddress", owner);
    if (account != NULL)
        json_object_set(prop, "account", account);
    if (policy_from_request(&pol, ctx->cfg, prop, no_key, now, err) != MCP_OK ||
        zd_session_choose(&zo, &kernel, note, sizeof note, ctx->cfg, &pol, prop, err) != MCP_OK) {
        mcp_err_prefix(err, "The plan's request would be refused, so none is proposed");
        json_decref(prop);
        return NULL;
    }
    return prop;
}

enum mcp_rc tool_plan_automation(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err)
{
    json_t *automation = json_object_get(args, "automation"), *proposal;
    uint64_t chain = (uint64_t)tool_int(args, "chainId", 0);
    char wallet[43], shown[43], amt[82], last[82];
    int64_t now = clock_now();
    struct automation_cover cv;
    struct plan pl;
    struct db *db;

    if (tool_address(wallet, args, "walletAddress", err) != MCP_OK ||
        plan_build(&pl, ctx->cfg, chain, automation, err) != MCP_OK || (db = tool_db(ctx, err)) == NULL ||
        automation_cover_find(&cv, db, wallet, &pl, now, err) != MCP_OK)
        return err->rc;
    tool_checksum(shown, wallet);
    eth_u256_to_units(amt, sizeof amt, &pl.trade, pl.sell_decimals);
    eth_u256_to_units(last, sizeof last, &pl.last, pl.sell_decimals);
    out->structured = json_pack("{s:b, s:s, s:i, s:s, s:s}", "covered", cv.id[0] != '\0', "schedule", pl.schedule,
                                "trades", (int)pl.trades, "tradeAmount", amt, "lastTradeAmount", last);
    if (out->structured == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (cv.id[0]) {
        json_object_set_new(out->structured, "coveringSessionId", json_string(cv.id));
        if (cv.same)
            tool_appendf(&out->text, "Session %s already runs this automation: %s. No new approval is needed. To "
                         "start it over, revoke it with revoke_session {\"sessionId\": \"%s\"} and plan again.",
                         cv.id, cv.line, cv.id);
        else
            tool_appendf(&out->text, "Session %s already allows this: %s. No new approval is needed.", cv.id,
                         pl.schedule);
        return out->text ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if ((proposal = proposal_for(ctx, &pl, shown, args, now, err)) == NULL)
        return err->rc;
    char *pj = json_dumps(proposal, JSON_COMPACT);
    json_object_set_new(out->structured, "proposal", proposal);
    tool_appendf(&out->text, "Plan: %s.\nNo active session covers it. To set it up, call request_session_approval "
                 "with exactly these arguments (they are the narrowest that work):\n%s", pl.schedule, pj ? pj : "");
    free(pj);
    return out->text ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
}

/* plan_automation.c: read-only. For an automation (a TWAP or a stop-loss) on a wallet, say
 * whether an active session already covers it and, if not, propose the exact, narrowest
 * request_session_approval arguments and the schedule in words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db_sessions.h"
#include "plan_automation.h"
#include "session_view.h"
#include "tool_util.h"
#include "tools_decl.h"

/* The newest active session of the wallet that can run the whole plan, or "" . */
static enum mcp_rc find_cover(char id[SESSION_ID_MAX], struct db *db, const char *wallet, const struct plan *pl,
                              int64_t now, struct mcp_error *err)
{
    struct session_row *rows = NULL;
    int n = 0, more = 0;
    enum mcp_rc rc = db_session_list(&rows, &n, &more, db, wallet, "active", now, 0, NULL, 100, err);

    id[0] = '\0';
    for (int i = 0; rc == MCP_OK && i < n && id[0] == '\0'; i++) {
        struct session_spend spend;
        struct eth_u256 used, left = {{0}};
        struct policy pol;
        json_error_t jerr;
        json_t *j = json_loads(rows[i].policy, 0, &jerr);

        if (j != NULL && policy_from_json(&pol, j, NULL) == MCP_OK &&
            (rc = session_view_spend(&spend, db, rows[i].id, err)) == MCP_OK) {
            eth_u256_add(&used, &spend.spent, &spend.reserved);
            if (eth_u256_cmp(&used, &pol.max_total) < 0)
                eth_u256_sub(&left, &pol.max_total, &used);
            if (plan_covered_by(pl, &pol, &left, rows[i].expires_at, now))
                snprintf(id, SESSION_ID_MAX, "%s", rows[i].id);
        }
        json_decref(j);
    }
    for (int i = 0; i < n; i++)
        db_session_row_free(&rows[i]);
    free(rows);
    return rc;
}

enum mcp_rc tool_plan_automation(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err)
{
    json_t *automation = json_object_get(args, "automation"), *proposal;
    uint64_t chain = (uint64_t)tool_int(args, "chainId", 0);
    char wallet[43], shown[43], cover[SESSION_ID_MAX], amt[82];
    int64_t now = clock_now();
    struct plan pl;
    struct db *db;

    if (tool_address(wallet, args, "walletAddress", err) != MCP_OK ||
        plan_build(&pl, ctx->cfg, chain, automation, err) != MCP_OK || (db = tool_db(ctx, err)) == NULL ||
        find_cover(cover, db, wallet, &pl, now, err) != MCP_OK)
        return err->rc;
    tool_checksum(shown, wallet);
    eth_u256_to_units(amt, sizeof amt, &pl.trade, pl.sell_decimals);
    out->structured = json_pack("{s:b, s:s, s:i, s:s}", "covered", cover[0] != '\0', "schedule", pl.schedule,
                                "trades", (int)pl.trades, "tradeAmount", amt);
    if (out->structured == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (cover[0]) {
        json_object_set_new(out->structured, "coveringSessionId", json_string(cover));
        tool_appendf(&out->text, "Session %s already allows this: %s. No new approval is needed.", cover,
                     pl.schedule);
        return out->text ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    proposal = plan_proposal(&pl, shown, automation);
    char *pj = proposal ? json_dumps(proposal, JSON_COMPACT) : NULL;
    json_object_set_new(out->structured, "proposal", proposal);
    tool_appendf(&out->text, "Plan: %s.\nNo active session covers it. To set it up, call request_session_approval "
                 "with exactly these arguments (they are the narrowest that work):\n%s", pl.schedule, pj ? pj : "");
    free(pj);
    return out->text ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
}

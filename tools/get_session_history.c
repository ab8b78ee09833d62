/* get_session_history.c: the audit trail of a wallet or one session, newest first, paged.
 * Reads the hash-chained audit log; every approval, rejection, revocation, execution and
 * denial is there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_audit.h"
#include "db_sessions.h"
#include "tool_util.h"
#include "run_view.h"
#include "tools_decl.h"

static enum mcp_rc parse_cursor(int64_t *before, json_t *args, struct mcp_error *err)
{
    const char *c = json_string_value(json_object_get(args, "cursor"));
    char *end;

    *before = 0;
    if (c == NULL)
        return MCP_OK;
    if (strncmp(c, "before:", 7) != 0 || (*before = strtoll(c + 7, &end, 10)) <= 0 || *end != '\0')
        return mcp_errf(err, MCP_EINVAL, "cursor: \"%.40s\" is not a cursor this tool returned; pass nextCursor "
                        "from the previous page, or omit it to start from the newest entry", c);
    return MCP_OK;
}

static char *render(json_t *entries, const char *whose)
{
    char *text = NULL;
    size_t i;
    json_t *e;

    tool_appendf(&text, "History of %s (newest first):\n", whose);
    if (json_array_size(entries) == 0)
        tool_appendf(&text, "(nothing recorded yet)\n");
    json_array_foreach(entries, i, e) {
        char *d = json_dumps(json_object_get(e, "details"), JSON_COMPACT | JSON_SORT_KEYS);
        tool_appendf(&text, "#%lld %s %s %s %s\n", (long long)json_integer_value(json_object_get(e, "seq")),
                     json_string_value(json_object_get(e, "at")), json_string_value(json_object_get(e, "event")),
                     json_string_value(json_object_get(e, "sessionId")), d ? d : "");
        free(d);
    }
    return text;
}

enum mcp_rc tool_get_session_history(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err)
{
    const char *sid = json_string_value(json_object_get(args, "sessionId"));
    int limit = (int)tool_int(args, "limit", 20);
    json_t *entries = NULL;
    char wallet[43] = "";
    int64_t before, next;
    struct db *db;
    char cursor[40];

    if (sid == NULL && json_object_get(args, "walletAddress") == NULL)
        return mcp_errf(err, MCP_EINVAL, "Give walletAddress (the whole wallet's history) or sessionId (one session).");
    if (sid == NULL && tool_address(wallet, args, "walletAddress", err) != MCP_OK)
        return MCP_EINVAL;
    if (parse_cursor(&before, args, err) != MCP_OK || (db = tool_db(ctx, err)) == NULL)
        return err->rc;
    if (db_audit_read(&entries, &next, db, wallet, sid, before, limit, err) != MCP_OK)
        return err->rc;
    out->structured = json_pack("{s:o}", "entries", entries);
    if (out->structured != NULL && next > 0) {
        snprintf(cursor, sizeof cursor, "before:%lld", (long long)next);
        json_object_set_new(out->structured, "nextCursor", json_string(cursor));
    }
    if (sid == NULL)
        tool_checksum(wallet, wallet);
    out->text = render(json_object_get(out->structured, "entries"), sid ? sid : wallet);
    if (out->structured == NULL || out->text == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (next > 0)
        tool_appendf(&out->text, "More entries: call again with cursor \"%s\".\n", cursor);
    if (sid != NULL)
        run_view_history(ctx->cfg, db, sid, out->structured, &out->text);
    return MCP_OK;
}

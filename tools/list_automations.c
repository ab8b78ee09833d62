/* list_automations.c: a wallet's sessions with what each may do (✓ lines rendered from the
 * stored policy), when it expires, what it has spent and has left, and how to revoke it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db_sessions.h"
#include "session_view.h"
#include "tool_util.h"
#include "run_view.h"
#include "tools_decl.h"

static enum mcp_rc parse_cursor(int64_t *at, char id[SESSION_ID_MAX], json_t *args, struct mcp_error *err)
{
    const char *c = json_string_value(json_object_get(args, "cursor"));
    long long v;
    int used = 0;

    *at = 0;
    id[0] = '\0';
    if (c == NULL)
        return MCP_OK;
    if (sscanf(c, "c:%lld:%39[a-z0-9_]%n", &v, id, &used) != 2 || c[used] != '\0' || v <= 0)
        return mcp_errf(err, MCP_EINVAL, "cursor: \"%.40s\" is not a cursor this tool returned; pass nextCursor "
                        "from the previous page, or omit it", c);
    *at = v;
    return MCP_OK;
}

static const char *str(json_t *s, const char *key)
{
    const char *v = json_string_value(json_object_get(s, key));

    return v ? v : "";
}

/* One session: its name and where it stands (the end as a time), its ✓ and ✗ lines, what it
 * spent, has in flight and has left, and, while it can still act, the words that revoke it. */
static void render_one(char **text, json_t *s)
{
    size_t i;
    json_t *line, *revoke = json_object_get(s, "revokeWords");
    long long done = (long long)json_integer_value(json_object_get(s, "executed"));
    long long flight = (long long)json_integer_value(json_object_get(s, "inFlight"));
    const char *label = str(s, "label"), *feature = str(s, "feature");
    const char *kind = strcmp(feature, "twap") == 0 ? "TWAP order" : strcmp(feature, "stop_loss") == 0 ? "stop-loss"
                                                                                                        : "session";

    tool_appendf(text, "\n• %s — %s\n", label[0] ? label : kind, str(s, "expiresIn"));
    json_array_foreach(json_object_get(s, "can"), i, line)
        tool_appendf(text, "  ✓ %s\n", json_string_value(line));
    json_array_foreach(json_object_get(s, "cannot"), i, line)
        tool_appendf(text, "  ✗ Cannot: %s\n", json_string_value(line));
    if (json_is_false(json_object_get(s, "ownerVerified")))
        tool_appendf(text, "  ℹ Owner not verified: nothing on chain confirmed who owns this wallet.\n");
    tool_appendf(text, "  Spent %s in %lld trade%s", str(s, "spent"), done, done == 1 ? "" : "s");
    if (revoke != NULL)
        tool_appendf(text, "; %s in flight (%lld trade%s); %s left.\n", str(s, "inFlightAmount"), flight,
                     flight == 1 ? "" : "s", str(s, "remaining"));
    else
        tool_appendf(text, ". It has ended: nothing more can run.\n");
    json_array_foreach(json_object_get(s, "unsettledOperations"), i, line)
        tool_appendf(text, "  In flight: %s signed at %s (nonce %s), not settled yet; it counts against the limits "
                     "until the chain shows it ran or can never run.\n",
                     json_string_value(json_object_get(line, "amount")),
                     json_string_value(json_object_get(line, "signedAt")),
                     json_string_value(json_object_get(line, "nonce")));
    if (json_object_get(s, "slicesTotal") != NULL) {
        if (revoke != NULL)
            tool_appendf(text, "  Slices: %lld of %lld done, %lld left.\n", done,
                         (long long)json_integer_value(json_object_get(s, "slicesTotal")),
                         (long long)json_integer_value(json_object_get(s, "slicesLeft")));
        else
            tool_appendf(text, "  Slices: %lld of %lld done.\n", done,
                         (long long)json_integer_value(json_object_get(s, "slicesTotal")));
    }
    if (revoke != NULL)
        tool_appendf(text, "  To cancel it, say '%s'.\n", json_string_value(revoke));
    tool_appendf(text, "  Session id: %s\n", str(s, "sessionId"));
}

/* The first line: how many, of which kind, on which wallet; never a dangling colon. */
static void render_head(char **text, const char *filter, int n, const char *wallet)
{
    const char *which = strcmp(filter, "live") == 0 ? "active" : strcmp(filter, "pending") == 0 ? "unsigned"
                                                              : strcmp(filter, "all") == 0 ? ""
                                                                                           : filter;

    if (n == 0) {
        tool_appendf(text, "You have no %s%sautomations.", which, which[0] ? " " : "");
        return;
    }
    if (strcmp(filter, "live") == 0)
        which = "";
    tool_appendf(text, "You have %d %s%sautomation%s on %s%s:\n", n, which, which[0] ? " " : "", n == 1 ? "" : "s",
                 wallet, strcmp(filter, "live") == 0 ? " (active or waiting for your signature)" : "");
}

enum mcp_rc tool_list_automations(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err)
{
    const char *filter = json_string_value(json_object_get(args, "status"));
    int with_approval = json_is_true(json_object_get(args, "includeApproval"));
    int limit = (int)tool_int(args, "limit", 20), n = 0, more = 0;
    struct session_row *rows = NULL;
    char wallet[43], shown[43], cid[SESSION_ID_MAX];
    json_t *list = json_array();
    int64_t now = clock_now(), cat;
    enum mcp_rc rc = MCP_OK;
    struct db *db;

    filter = filter ? filter : "live";
    if (list == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (tool_address(wallet, args, "walletAddress", err) != MCP_OK || parse_cursor(&cat, cid, args, err) != MCP_OK ||
        (db = tool_db(ctx, err)) == NULL ||
        db_session_list(&rows, &n, &more, db, wallet, filter, now, cat, cid, limit, err) != MCP_OK) {
        json_decref(list);
        return err->rc;
    }
    tool_checksum(shown, wallet);
    render_head(&out->text, filter, n, shown);
    for (int i = 0; i < n && rc == MCP_OK; i++) {
        json_t *s = session_view_json(db, &rows[i], now, err);
        if (s == NULL)
            rc = err->rc;
        else {
            if (with_approval && strcmp(db_session_status(&rows[i], now), "active") == 0) {
                char *b64 = session_view_approval(db, rows[i].id);
                if (b64 != NULL)
                    json_object_set_new(s, "serializedApproval", json_string(b64));
                free(b64);
            }
            render_one(&out->text, s);
            run_view_attach(ctx->cfg, db, &rows[i], s, &out->text);
            json_array_append_new(list, s);
        }
    }
    out->structured = json_pack("{s:o}", "sessions", list);
    if (rc == MCP_OK && more && n > 0) {
        char cursor[80];
        snprintf(cursor, sizeof cursor, "c:%lld:%s", (long long)rows[n - 1].created_at, rows[n - 1].id);
        json_object_set_new(out->structured, "nextCursor", json_string(cursor));
        tool_appendf(&out->text, "\nMore sessions: call again with cursor \"%s\".\n", cursor);
    }
    for (int i = 0; i < n; i++)
        db_session_row_free(&rows[i]);
    free(rows);
    if (rc == MCP_OK && (out->structured == NULL || out->text == NULL))
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    return rc;
}

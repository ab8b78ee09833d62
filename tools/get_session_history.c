/* get_session_history.c: the audit trail of a wallet or one session, newest first, paged.
 * Reads the hash-chained audit log; every approval, rejection, revocation, execution and
 * denial is there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "clock.h"
#include "db_audit.h"
#include "db_sessions.h"
#include "policy_words.h"
#include "session_view.h"
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

static const char *detail(json_t *e, const char *key)
{
    const char *v = json_string_value(json_object_get(json_object_get(e, "details"), key));

    return v ? v : "";
}

/* "2026-12-05T14:00:00Z" back to Unix seconds; 0 when it is not that form. */
static int64_t parse_at(const char *at)
{
    struct tm tm;
    int y, mo, d, h, mi, sec;

    if (at == NULL || sscanf(at, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) != 6)
        return 0;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return (int64_t)timegm(&tm);
}

/* What happened, in words: amounts as recorded (in tokens), people by short address. */
static void event_words(char *out, size_t size, json_t *e, int64_t now)
{
    const char *ev = json_string_value(json_object_get(e, "event"));
    json_t *d = json_object_get(e, "details");
    char who[16], when[POLICY_WORDS_MAX];

    ev = ev ? ev : "";
    if (strcmp(ev, "requested") == 0) {
        json_t *until = json_object_get(d, "expiresAt");
        if (json_is_integer(until))
            policy_words_when(when, sizeof when, (int64_t)json_integer_value(until), now);
        snprintf(out, size, "requested: up to %s in total, %s per trade, until %s; waiting for the owner's signature",
                 detail(e, "maxTotal"), detail(e, "maxPerTransaction"), json_is_integer(until) ? when : "its end");
    } else if (strcmp(ev, "approved") == 0) {
        if (detail(e, "signer")[0]) {
            session_view_short_address(who, detail(e, "signer"));
            snprintf(out, size, "approved by %s (signature checked)", who);
        } else {
            snprintf(out, size, "approved by the wallet owner (signature checked)");
        }
    } else if (strcmp(ev, "declined") == 0) {
        snprintf(out, size, "declined by the user; the session key was destroyed");
    } else if (strcmp(ev, "signature_refused") == 0) {
        snprintf(out, size, "a signature was refused (not a valid approval by the wallet owner); nothing changed");
    } else if (strcmp(ev, "revoked") == 0) {
        const char *why = detail(e, "reason");
        snprintf(out, size, "revoked%s%s%s; the session key was destroyed", why[0] ? " (\"" : "", why,
                 why[0] ? "\")" : "");
    } else if (strcmp(ev, "execution_allowed") == 0) {
        snprintf(out, size, "a trade of %s was allowed and is on its way", detail(e, "amount"));
    } else if (strcmp(ev, "execution_denied") == 0) {
        snprintf(out, size, "a trade of %s was refused: %s", detail(e, "amount"), detail(e, "reason"));
    } else if (strcmp(ev, "execution_committed") == 0) {
        const char *tx = detail(e, "txHash");
        snprintf(out, size, "a trade of %s went through%s%.12s%s", detail(e, "amount"), tx[0] ? " (transaction " : "",
                 tx, tx[0] ? "\xe2\x80\xa6)" : "");
    } else if (strcmp(ev, "execution_released") == 0) {
        snprintf(out, size, "a trade of %s did not go through; its amount is free again", detail(e, "amount"));
    } else if (strcmp(ev, "execution_still_counts") == 0) {
        snprintf(out, size, "a trade of %s was reported as failed, but it was signed and the chain has not shown "
                 "that it can never run, so it still counts against the limits", detail(e, "amount"));
    } else if (strcmp(ev, "replaced") == 0) {
        snprintf(out, size, "replaced by a new request for the same automation before it was signed; its session "
                 "key was destroyed");
    } else {
        size_t i = 0;
        for (; ev[i] && i + 1 < size; i++)
            out[i] = ev[i] == '_' ? ' ' : ev[i];
        out[i] = '\0';
    }
}

/* A session's name for the history lines: its label, else what it is, else its id. */
static void session_name(char *out, size_t size, struct db *db, const char *sid)
{
    struct session_row row;

    if (sid == NULL || db_session_get(db, &row, sid, NULL) != MCP_OK) {
        snprintf(out, size, "%s", sid ? sid : "");
        return;
    }
    snprintf(out, size, "%s", row.label[0] ? row.label : strcmp(row.feature, "twap") == 0 ? "TWAP order"
                              : strcmp(row.feature, "stop_loss") == 0 ? "stop-loss" : row.id);
    db_session_row_free(&row);
}

static char *render(struct db *db, json_t *entries, const char *whose, int one_session)
{
    int64_t now = clock_now();
    char *text = NULL;
    size_t i;
    json_t *e;

    tool_appendf(&text, "History of %s, newest first:\n", whose);
    if (json_array_size(entries) == 0)
        tool_appendf(&text, "Nothing has been recorded yet.\n");
    json_array_foreach(entries, i, e) {
        char when[POLICY_WORDS_MAX], what[600], name[120] = "";
        policy_words_when(when, sizeof when, parse_at(json_string_value(json_object_get(e, "at"))), now);
        event_words(what, sizeof what, e, now);
        if (!one_session)
            session_name(name, sizeof name, db, json_string_value(json_object_get(e, "sessionId")));
        tool_appendf(&text, "%s \xe2\x80\x94 %s%s%s\n", when, name, name[0] ? ": " : "", what);
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
    char cursor[40], whose[200];

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
    if (sid == NULL) {
        char shortw[16];
        session_view_short_address(shortw, wallet);
        snprintf(whose, sizeof whose, "wallet %s", shortw);
    } else {
        char name[120];
        session_name(name, sizeof name, db, sid);
        snprintf(whose, sizeof whose, "%s%s%s%s", name, strcmp(name, sid) ? " (" : "", strcmp(name, sid) ? sid : "",
                 strcmp(name, sid) ? ")" : "");
    }
    out->text = render(db, json_object_get(out->structured, "entries"), whose, sid != NULL);
    if (out->structured == NULL || out->text == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (next > 0)
        tool_appendf(&out->text, "More entries: call again with cursor \"%s\".\n", cursor);
    if (sid != NULL)
        run_view_history(ctx->cfg, db, sid, out->structured, &out->text);
    return MCP_OK;
}

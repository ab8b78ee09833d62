/* tool_util.c: helpers shared by tool handlers (see tool_util.h). */
#include "tool_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "db_sessions.h"
#include "eth_addr.h"
#include "keys_store.h"
#include "log.h"

const char tool_manual_fallback[] =
    "Meanwhile nothing is automated: the user can still make each trade themselves by signing every "
    "transaction in their own wallet.";

struct db *tool_db(struct tool_ctx *ctx, struct mcp_error *err)
{
    struct db *db = app_db(ctx->cfg, err);

    if (db == NULL)
        mcp_errf(err, err->rc ? err->rc : MCP_EDB, "%.300s%s %s", err->msg,
                 strstr(err->msg, "retry") ? "" : " Nothing was changed. Retry once the storage problem is fixed "
                                                  "(check the data directory: --data-dir or SESSIONKEY_MCP_HOME).",
                 tool_manual_fallback);
    return db;
}

void tool_sweep(struct db *db, int64_t now, int force)
{
    struct mcp_error err;
    int n = 0;

    if (db_begin(db, &err) == MCP_OK && db_session_shred_ended(db, now, force, &n, &err) == MCP_OK &&
        db_commit(db, &err) == MCP_OK) {
        if (n > 0)
            keys_store_checkpoint(db->h, NULL);
        return;
    }
    db_rollback(db);
    log_warn("could not remove the keys of ended sessions: %s", err.msg);
}

enum mcp_rc tool_address(char out[43], json_t *args, const char *field, struct mcp_error *err)
{
    uint8_t a[20];
    const char *s = json_string_value(json_object_get(args, field));

    if (s == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s is required: the wallet address (0x followed by 40 hex digits)", field);
    if (eth_addr_parse(a, s, field, err) != MCP_OK)
        return MCP_EINVAL;
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 20; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", a[i]);
    return MCP_OK;
}

void tool_checksum(char out[43], const char *lower)
{
    uint8_t a[20];

    if (eth_addr_parse(a, lower, "address", NULL) == MCP_OK)
        eth_addr_format(out, a);
    else
        snprintf(out, 43, "%s", lower);
}

long long tool_int(json_t *args, const char *field, long long dflt)
{
    json_t *v = json_object_get(args, field);

    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

int tool_appendf(char **s, const char *fmt, ...)
{
    size_t old = *s ? strlen(*s) : 0;
    va_list ap;
    char *ns;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (ns = realloc(*s, old + (size_t)n + 1)) == NULL) {
        free(*s);
        *s = NULL;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(ns + old, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *s = ns;
    return 0;
}

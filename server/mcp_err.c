/* mcp_err.c: formatting of struct mcp_error and the rc -> word table. */
#include "mcp_err.h"

#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum mcp_rc mcp_errf(struct mcp_error *err, enum mcp_rc rc, const char *fmt, ...)
{
    char tmp[MCP_ERR_MSG_MAX];
    va_list ap;

    if (err == NULL)
        return rc;
    /* format into a temporary: callers may pass err->msg itself as an argument */
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    utf8_sanitize(tmp);
    memcpy(err->msg, tmp, sizeof tmp);
    err->rc = rc;
    return rc;
}

void mcp_err_prefix(struct mcp_error *err, const char *fmt, ...)
{
    char head[MCP_ERR_MSG_MAX], old[MCP_ERR_MSG_MAX];
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", head, old);
    utf8_sanitize(err->msg);
}

void mcp_err_clear(struct mcp_error *err)
{
    if (err == NULL)
        return;
    err->rc = MCP_OK;
    err->msg[0] = '\0';
}

const char *mcp_rc_word(enum mcp_rc rc)
{
    static const char *const words[] = {
        [MCP_OK] = "OK",
        [MCP_ENOMEM] = "OUT_OF_MEMORY",
        [MCP_EINVAL] = "INVALID_ARGUMENT",
        [MCP_EIO] = "IO_ERROR",
        [MCP_EDB] = "STORAGE_ERROR",
        [MCP_EHTTP] = "NETWORK_ERROR",
        [MCP_ECRYPTO] = "SIGNATURE_ERROR",
        [MCP_EPOLICY] = "POLICY_DENIED",
        [MCP_EINTERNAL] = "INTERNAL_ERROR",
        [MCP_ENOTFOUND] = "NOT_FOUND",
        [MCP_ECONFLICT] = "CONFLICT",
        [MCP_ERPC] = "RPC_ERROR",
        [MCP_EUNSUPPORTED] = "NOT_IMPLEMENTED",
    };

    if ((unsigned)rc >= sizeof words / sizeof words[0] || words[rc] == NULL)
        return "INTERNAL_ERROR";
    return words[rc];
}

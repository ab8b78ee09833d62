/* approval_link.c: see approval_link.h. */
#include "approval_link.h"

#include <stdio.h>
#include <stdlib.h>

static approval_link_fn g_provider;

void approval_link_set_provider(approval_link_fn fn)
{
    g_provider = fn;
}

enum mcp_rc approval_link_get(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                              struct mcp_error *err)
{
    struct mcp_error local = {MCP_OK, ""};
    enum mcp_rc rc;

    if (err == NULL) /* callers that only want the link; providers write their words to err */
        err = &local;
    if (n > 0)
        buf[0] = '\0';
    if (g_provider == NULL && cfg != NULL && cfg->approval_port < 0)
        return mcp_errf(err, MCP_ENOTFOUND, "The approval page is turned off (--approval-port off): the owner "
                        "signs the typed data in their own wallet and the signature goes to confirm_session.");
    if (g_provider == NULL)
        return mcp_errf(err, MCP_ENOTFOUND, "the approval page is not available in this server (it is off or not "
                        "built in)");
    rc = g_provider(buf, n, cfg, session_id, err);
    if (rc != MCP_OK && n > 0)
        buf[0] = '\0';
    return rc;
}

#if defined(SKM_TEST_HOOKS)
enum mcp_rc approval_link_test_provider(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                                        struct mcp_error *err)
{
    const char *base = getenv("SKM_TEST_APPROVAL_URL");

    (void)cfg;
    if (base == NULL)
        return mcp_errf(err, MCP_ENOTFOUND, "no test approval URL");
    if ((size_t)snprintf(buf, n, "%s%s", base, session_id) >= n)
        return mcp_errf(err, MCP_EINTERNAL, "the approval link is too long");
    return MCP_OK;
}
#endif

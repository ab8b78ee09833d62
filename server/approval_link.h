/* approval_link.h: where the approval page's link comes from. The module that serves the
 * loopback approval page registers its URL maker here at startup (main.c); tools ask for a
 * session's link through approval_link_get and never depend on the page itself. With no
 * provider (the page is off, or not built in) there is no link and results say how to sign
 * by hand instead. Process-wide, single-threaded. */
#ifndef SKM_APPROVAL_LINK_H
#define SKM_APPROVAL_LINK_H

#include <stddef.h>

#include "cfg.h"
#include "mcp_err.h"

/* Writes the approval page URL for session_id into buf (size n). Same shape as the page
 * module's approval_url(). Returns MCP_OK, or an error with words in err. */
typedef enum mcp_rc (*approval_link_fn)(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                                        struct mcp_error *err);

#define APPROVAL_LINK_MAX 512

/* Register the URL maker (NULL: no link). */
void approval_link_set_provider(approval_link_fn fn);

/* The link for session_id. Returns: MCP_OK with buf set; MCP_ENOTFOUND when no page is
 * available (buf is ""); another code when the provider failed (err says why, buf ""). */
enum mcp_rc approval_link_get(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                              struct mcp_error *err);

#if defined(SKM_TEST_HOOKS)
/* TEST BUILDS ONLY: a provider that returns $SKM_TEST_APPROVAL_URL followed by the session id,
 * so the link plumbing (results, URL elicitation, MRTR) is testable without the page. main.c
 * registers it only when that variable is set and no real provider is. */
enum mcp_rc approval_link_test_provider(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                                        struct mcp_error *err);
#endif

#endif

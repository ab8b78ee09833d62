/* approval.h: the loopback approval page. For each pending session the server can serve one
 * page on http://127.0.0.1:PORT/approve/<token> where the owner reviews the summary and signs
 * the stored typed data in their own browser wallet. Nothing of it is bound or allocated
 * before the first call to approval_url / approval_view_url (startup cost unchanged).
 * Single-threaded: everything runs from the stdio event loop (io_lines extra sources). */
#ifndef SKM_APPROVAL_H
#define SKM_APPROVAL_H

#include <stddef.h>

#include "cfg.h"
#include "mcp_err.h"

/* Returns the page URL for a pending session, starting the loopback server on first use.
 * Writes "http://127.0.0.1:PORT/approve/<token>" into buf. MCP_OK, or an error in words
 * (disabled with --approval-port off, bind failure...). */
enum mcp_rc approval_url(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                         struct mcp_error *err);

/* The framed view URL for the in-chat MCP App: "http://127.0.0.1:PORT/view/<token>". */
enum mcp_rc approval_view_url(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                              struct mcp_error *err);

/* Called (from the event loop) when a page approves or declines a session; outcome is
 * "approved" or "declined". One listener; d2 registers it to send notifications/elicitation/complete. */
typedef void (*approval_listener)(void *ctx, const char *session_id, const char *outcome);
void approval_set_listener(approval_listener fn, void *ctx);

/* Close the listening socket and every connection, forget every token (process exit). */
void approval_shutdown(void);

#endif

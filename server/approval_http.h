/* approval_http.h: the loopback HTTP server under the approval page. One listening socket on
 * 127.0.0.1, non-blocking client connections served from the stdio event loop (io_lines
 * extra sources), one request per connection. Before a request reaches the handler it has
 * been parsed strictly (http_parse.h), its Host is 127.0.0.1:PORT or localhost:PORT (DNS
 * rebinding), and a POST comes from the page's own origin with a JSON body. Bounded: at most
 * HTTP_MAX_CLIENTS connections (the oldest unfinished one, after HTTP_EVICT_MS, makes room
 * for a new one), each
 * with HTTP_REQUEST_MS to deliver its request and as long to take the answer. Every answer
 * says no-store, no-referrer, nosniff, and carries a Content-Security-Policy that allows
 * only the page itself. */
#ifndef SKM_APPROVAL_HTTP_H
#define SKM_APPROVAL_HTTP_H

#include <stddef.h>

#include "http_parse.h"
#include "mcp_err.h"

#define HTTP_MAX_CLIENTS 32
#define HTTP_REQUEST_MS 5000
#define HTTP_EVICT_MS 1000
#define HTTP_LINGER_MS 1000

struct http_response {
    int status;
    const char *content_type; /* static string */
    char *body;               /* malloc'd (freed by the server) or NULL */
    size_t len;
    char nonce[32];           /* script/style nonce of an HTML page, "" for none */
    int frame_ok;             /* may be framed by another page (the in-chat view) */
};

/* The route handler: fills res (status 0 counts as 500). Runs on the event loop. */
typedef void (*http_handler)(const struct http_request *req, struct http_response *res);

/* Bind 127.0.0.1:port (0: any free port) and start serving through fn.
 * Returns: MCP_OK with *bound the port; MCP_EIO in words when the port cannot be bound. */
enum mcp_rc http_server_start(int port, http_handler fn, int *bound, struct mcp_error *err) SKM_WARN_UNUSED;

/* Close every connection and the listening socket. */
void http_server_stop(void);

#endif

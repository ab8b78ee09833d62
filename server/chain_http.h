/* chain_http.h: HTTP POST of JSON bodies over libcurl, loaded with dlopen() on first use.
 *
 * libcurl is not linked: it drags ~33 shared libraries and ~10 ms into process start
 * (docs: compiled-peers.md). The first chain_http_new() loads CHAIN_HTTP_SONAME once
 * (pthread_once), resolves the few functions used here and calls curl_global_init. If that
 * fails, every chain_http_* call reports why and how to install libcurl.
 *
 * A struct chain_http is one libcurl easy handle, so connections are reused between requests.
 * It is not thread-safe: use one per thread. No redirects are followed, only http/https are
 * spoken, and response bodies are capped. Messages never contain the URL (the caller knows
 * which endpoint it asked and names it without credentials). */
#ifndef SKM_CHAIN_HTTP_H
#define SKM_CHAIN_HTTP_H

#include <stddef.h>

#include "mcp_err.h"

#define CHAIN_HTTP_SONAME "libcurl.so.4"

/* Why a request failed below HTTP; decides whether a retry may help. */
enum chain_http_fail {
    CHAIN_HTTP_FAIL_NONE = 0,
    CHAIN_HTTP_FAIL_CONNECT = 1,   /* refused, unreachable, no connection within the connect
                                      timeout, reset, closed early: retryable */
    CHAIN_HTTP_FAIL_TIMEOUT = 2,   /* the request's whole time limit passed */
    CHAIN_HTTP_FAIL_RESOLVE = 3,   /* DNS: retryable */
    CHAIN_HTTP_FAIL_TOO_LARGE = 4, /* body over max_response: not retryable */
    CHAIN_HTTP_FAIL_OTHER = 5      /* TLS, bad URL, library missing, OOM: not retryable */
};

struct chain_http_request {
    const char *url;         /* may carry userinfo; never echoed in messages */
    const char *body;        /* JSON, sent as application/json */
    size_t body_len;
    long connect_timeout_ms; /* > 0 */
    long timeout_ms;         /* whole request, > 0 */
    size_t max_response;     /* body cap in bytes */
};

struct chain_http_response {
    long status;             /* HTTP status code */
    char *body;              /* malloc'd, NUL-terminated (NUL not counted), or NULL */
    size_t body_len;
};

struct chain_http;

/* Load libcurl if needed and create a handle.
 * Returns: MCP_OK; MCP_EUNSUPPORTED when libcurl cannot be loaded (the message says how to
 * install it); MCP_ENOMEM. Out: *out, released with chain_http_free(); NULL on failure. */
enum mcp_rc chain_http_new(struct chain_http **out, struct mcp_error *err) SKM_WARN_UNUSED;

void chain_http_free(struct chain_http *h);

/* POST req->body to req->url. Any HTTP status counts as an answer.
 * Returns: MCP_OK with *resp filled (release with chain_http_response_free()); MCP_EHTTP when
 * no complete answer arrived, with *fail saying why and a message such as "connection
 * refused" or "timed out after 5 s"; MCP_ENOMEM.
 * Out: *resp (zeroed on failure), *fail (CHAIN_HTTP_FAIL_NONE on success). */
enum mcp_rc chain_http_post(struct chain_http_response *resp, enum chain_http_fail *fail,
                            struct chain_http *h, const struct chain_http_request *req,
                            struct mcp_error *err) SKM_WARN_UNUSED;

void chain_http_response_free(struct chain_http_response *resp);

/* Returns: 1 if libcurl has been loaded into this process, else 0. */
int chain_http_loaded(void);

/* Try to load soname and resolve every function this module needs, then unload it again.
 * Does not touch the process-wide state. For diagnostics and tests.
 * Returns: MCP_OK, or MCP_EUNSUPPORTED with the message chain_http_new() would give. */
enum mcp_rc chain_http_check_library(const char *soname, struct mcp_error *err) SKM_WARN_UNUSED;

/* Format a duration for messages: "5 s", "1.5 s", "800 ms". out size >= 32. */
void chain_http_format_ms(char *out, size_t out_size, long ms);

#endif

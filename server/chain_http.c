/* chain_http.c: the one place that talks to libcurl, through dlopen()'d function pointers. */
#include "chain_http.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The libcurl functions we use, resolved by name. */
struct curl_api {
    void *lib;
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_reset)(CURL *h);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
};

struct chain_http {
    CURL *easy;
    struct curl_slist *headers;
};

/* The response body as it arrives, capped at max. */
struct body_buf {
    char *data;
    size_t len, cap, max;
    int too_large;
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static struct curl_api g_api;
static struct mcp_error g_load_err;
static int g_loaded;

/* dlsym into a function pointer without an object-to-function pointer cast (ISO C). */
static int resolve(void *lib, const char *name, void *fn_out, size_t fn_size, const char *soname,
                   struct mcp_error *err)
{
    void *sym = dlsym(lib, name);

    if (sym == NULL) {
        mcp_errf(err, MCP_EUNSUPPORTED,
                 "libcurl could not be loaded: %s has no %s (libcurl too old?). Install a "
                 "current libcurl: apt-get install libcurl4",
                 soname, name);
        return -1;
    }
    memcpy(fn_out, &sym, fn_size);
    return 0;
}

#define RESOLVE(api, field, name)                                                                 \
    resolve((api)->lib, name, &(api)->field, sizeof (api)->field, soname, err)

static enum mcp_rc load_api(struct curl_api *api, const char *soname, struct mcp_error *err)
{
    memset(api, 0, sizeof *api);
    api->lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (api->lib == NULL)
        return mcp_errf(err, MCP_EUNSUPPORTED,
                        "libcurl could not be loaded (%s), and chain RPC needs it. Install it: "
                        "apt-get install libcurl4 (Debian/Ubuntu), dnf install libcurl (Fedora), "
                        "apk add libcurl (Alpine)",
                        dlerror());
    if (RESOLVE(api, global_init, "curl_global_init") ||
        RESOLVE(api, easy_init, "curl_easy_init") ||
        RESOLVE(api, easy_setopt, "curl_easy_setopt") ||
        RESOLVE(api, easy_perform, "curl_easy_perform") ||
        RESOLVE(api, easy_getinfo, "curl_easy_getinfo") ||
        RESOLVE(api, easy_reset, "curl_easy_reset") ||
        RESOLVE(api, easy_cleanup, "curl_easy_cleanup") ||
        RESOLVE(api, easy_strerror, "curl_easy_strerror") ||
        RESOLVE(api, slist_append, "curl_slist_append") ||
        RESOLVE(api, slist_free_all, "curl_slist_free_all")) {
        dlclose(api->lib);
        memset(api, 0, sizeof *api);
        return MCP_EUNSUPPORTED;
    }
    return MCP_OK;
}

static void load_once(void)
{
    if (load_api(&g_api, CHAIN_HTTP_SONAME, &g_load_err) != MCP_OK)
        return;
    if (g_api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        mcp_errf(&g_load_err, MCP_EUNSUPPORTED, "libcurl could not be initialized "
                                                "(curl_global_init failed)");
        return;
    }
    g_loaded = 1;
}

int chain_http_loaded(void)
{
    return g_loaded;
}

enum mcp_rc chain_http_check_library(const char *soname, struct mcp_error *err)
{
    struct curl_api api;
    enum mcp_rc rc = load_api(&api, soname, err);

    if (rc == MCP_OK)
        dlclose(api.lib);
    return rc;
}

enum mcp_rc chain_http_new(struct chain_http **out, struct mcp_error *err)
{
    struct chain_http *h;
    struct curl_slist *l = NULL;

    *out = NULL;
    pthread_once(&g_once, load_once);
    if (!g_loaded)
        return mcp_errf(err, g_load_err.rc, "%s", g_load_err.msg);
    h = calloc(1, sizeof *h);
    if (h == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    h->easy = g_api.easy_init();
    /* "Expect:" stops curl from waiting for 100-continue on bodies over 1 KiB. */
    l = g_api.slist_append(NULL, "Content-Type: application/json");
    l = l != NULL ? g_api.slist_append(l, "Accept: application/json") : NULL;
    h->headers = l != NULL ? g_api.slist_append(l, "Expect:") : NULL;
    if (h->easy == NULL || h->headers == NULL) {
        if (h->headers == NULL && l != NULL)
            g_api.slist_free_all(l);
        chain_http_free(h);
        return mcp_errf(err, MCP_ENOMEM, "out of memory creating an HTTP handle");
    }
    *out = h;
    return MCP_OK;
}

void chain_http_free(struct chain_http *h)
{
    if (h == NULL)
        return;
    if (h->easy != NULL)
        g_api.easy_cleanup(h->easy);
    if (h->headers != NULL)
        g_api.slist_free_all(h->headers);
    free(h);
}

void chain_http_response_free(struct chain_http_response *resp)
{
    free(resp->body);
    memset(resp, 0, sizeof *resp);
}

/* "1.500 s" -> "1.5 s" */
static void trim_fraction(char *s)
{
    char *dot = strchr(s, '.'), *end, *z;

    if (dot == NULL || (end = strchr(dot, ' ')) == NULL)
        return;
    z = end;
    while (z > dot + 1 && z[-1] == '0')
        z--;
    memmove(z, end, strlen(end) + 1);
}

void chain_http_format_ms(char *out, size_t out_size, long ms)
{
    if (ms % 1000 == 0)
        snprintf(out, out_size, "%ld s", ms / 1000);
    else if (ms > 1000)
        snprintf(out, out_size, "%ld.%03ld s", ms / 1000, ms % 1000);
    else
        snprintf(out, out_size, "%ld ms", ms);
    trim_fraction(out);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body_buf *b = userdata;
    size_t n = size * nmemb;

    if (n > b->max - b->len) {
        b->too_large = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        p = realloc(b->data, cap);
        if (p == NULL)
            return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* Set one option unless an earlier one failed (c is the running result). */
#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (c == CURLE_OK)                                                                         \
            c = g_api.easy_setopt(e, opt, val);                                                    \
    } while (0)

static CURLcode set_options(struct chain_http *h, const struct chain_http_request *req,
                            struct body_buf *body, char *errbuf)
{
    CURL *e = h->easy;
    CURLcode c = CURLE_OK;

    g_api.easy_reset(e); /* keeps the connection cache */
    SETOPT(CURLOPT_URL, req->url);
    SETOPT(CURLOPT_POST, 1L);
    SETOPT(CURLOPT_POSTFIELDS, req->body);
    SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    SETOPT(CURLOPT_HTTPHEADER, h->headers);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, (void *)body);
    SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, req->timeout_ms);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_response);
    SETOPT(CURLOPT_USERAGENT, "sessionkey-mcp");
    /* An older libcurl without this option is fine: URLs are checked when configured. */
    if (c == CURLE_OK &&
        g_api.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OUT_OF_MEMORY)
        c = CURLE_OUT_OF_MEMORY;
    return c;
}

static void format_bytes(char *out, size_t out_size, size_t n)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(out, out_size, "%zu MiB", n >> 20);
    else
        snprintf(out, out_size, "%zu bytes", n);
}

static enum mcp_rc connect_failure(struct chain_http *h, struct mcp_error *err)
{
    long os_errno = 0;

    g_api.easy_getinfo(h->easy, CURLINFO_OS_ERRNO, &os_errno);
    if (os_errno == ECONNREFUSED)
        return mcp_errf(err, MCP_EHTTP, "connection refused");
    if (os_errno != 0)
        return mcp_errf(err, MCP_EHTTP, "could not connect: %s", strerror((int)os_errno));
    return mcp_errf(err, MCP_EHTTP, "could not connect");
}

/* A connect timeout shorter than the request's limit is a connection failure (retryable);
 * otherwise the whole limit is gone. */
static enum mcp_rc timeout_failure(enum chain_http_fail *fail, struct chain_http *h,
                                   const struct chain_http_request *req, struct mcp_error *err)
{
    curl_off_t connect_us = 0;
    char t[32];

    g_api.easy_getinfo(h->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    if (connect_us == 0 && req->connect_timeout_ms < req->timeout_ms) {
        *fail = CHAIN_HTTP_FAIL_CONNECT;
        chain_http_format_ms(t, sizeof t, req->connect_timeout_ms);
        return mcp_errf(err, MCP_EHTTP, "could not connect within %s", t);
    }
    *fail = CHAIN_HTTP_FAIL_TIMEOUT;
    chain_http_format_ms(t, sizeof t, req->timeout_ms);
    return mcp_errf(err, MCP_EHTTP, "timed out after %s", t);
}

/* Translate a failed transfer into *fail and a message. */
static enum mcp_rc map_failure(enum chain_http_fail *fail, struct chain_http *h, CURLcode c,
                               const struct chain_http_request *req, const struct body_buf *body,
                               const char *errbuf, struct mcp_error *err)
{
    char limit[32];

    format_bytes(limit, sizeof limit, req->max_response);
    switch (c) {
    case CURLE_COULDNT_CONNECT:
        *fail = CHAIN_HTTP_FAIL_CONNECT;
        return connect_failure(h, err);
    case CURLE_OPERATION_TIMEDOUT:
        return timeout_failure(fail, h, req, err);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        *fail = CHAIN_HTTP_FAIL_RESOLVE;
        return mcp_errf(err, MCP_EHTTP, "could not resolve the host name");
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
        *fail = CHAIN_HTTP_FAIL_CONNECT;
        return mcp_errf(err, MCP_EHTTP, "the connection broke before a full answer arrived (%s)",
                        g_api.easy_strerror(c));
    case CURLE_FILESIZE_EXCEEDED:
        *fail = CHAIN_HTTP_FAIL_TOO_LARGE;
        return mcp_errf(err, MCP_EHTTP, "the answer is larger than the %s limit", limit);
    case CURLE_OUT_OF_MEMORY:
        *fail = CHAIN_HTTP_FAIL_OTHER;
        return mcp_errf(err, MCP_ENOMEM, "out of memory during the HTTP request");
    default:
        break;
    }
    if (c == CURLE_WRITE_ERROR && body->too_large) {
        *fail = CHAIN_HTTP_FAIL_TOO_LARGE;
        return mcp_errf(err, MCP_EHTTP, "the answer is larger than the %s limit", limit);
    }
    *fail = CHAIN_HTTP_FAIL_OTHER;
    return mcp_errf(err, MCP_EHTTP, "%s%s%s", g_api.easy_strerror(c), errbuf[0] ? ": " : "",
                    errbuf);
}

enum mcp_rc chain_http_post(struct chain_http_response *resp, enum chain_http_fail *fail,
                            struct chain_http *h, const struct chain_http_request *req,
                            struct mcp_error *err)
{
    struct body_buf body = {.max = req->max_response};
    char errbuf[CURL_ERROR_SIZE] = "";
    enum mcp_rc rc = MCP_OK;
    CURLcode c;

    memset(resp, 0, sizeof *resp);
    *fail = CHAIN_HTTP_FAIL_NONE;
    c = set_options(h, req, &body, errbuf);
    if (c != CURLE_OK) {
        *fail = CHAIN_HTTP_FAIL_OTHER;
        rc = mcp_errf(err, c == CURLE_OUT_OF_MEMORY ? MCP_ENOMEM : MCP_EHTTP,
                      "cannot set up the request: %s", g_api.easy_strerror(c));
        goto out;
    }
    c = g_api.easy_perform(h->easy);
    if (c != CURLE_OK) {
        rc = map_failure(fail, h, c, req, &body, errbuf, err);
        goto out;
    }
    g_api.easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &resp->status);
    if (body.data == NULL)
        body.data = calloc(1, 1);
    if (body.data == NULL) {
        *fail = CHAIN_HTTP_FAIL_OTHER;
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        goto out;
    }
    resp->body = body.data;
    resp->body_len = body.len;
    body.data = NULL;
out:
    g_api.easy_setopt(h->easy, CURLOPT_ERRORBUFFER, (char *)NULL);
    free(body.data);
    return rc;
}

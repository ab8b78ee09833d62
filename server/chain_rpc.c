/* chain_rpc.c: JSON-RPC over chain_http: budget, retries, answer checks, chain id check. */
#include "chain_rpc.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain_http.h"
#include "eth_hex.h"

#define MIN_ATTEMPT_MS 100 /* do not start an attempt with less time than this left */
#define QUOTE_MAX 160      /* characters of remote text quoted in messages */

struct chain_client {
    struct chain_http *http; /* created on the first call: that is when libcurl loads */
    uint64_t chain_id;
    char *url;
    char shown[320];
    long timeout_ms, connect_timeout_ms, backoff_ms;
    unsigned attempts, last_attempts;
    size_t max_response;
    json_int_t next_id;
    int verified;
};

enum mcp_rc chain_client_new(struct chain_client **out, const struct chain_config *c,
                             uint64_t chain_id, struct mcp_error *err)
{
    struct chain_client *cl;
    const char *url;
    enum mcp_rc rc;

    *out = NULL;
    rc = chain_config_url(&url, c, chain_id, err);
    if (rc != MCP_OK)
        return rc;
    cl = calloc(1, sizeof *cl);
    if (cl == NULL || (cl->url = strdup(url)) == NULL) {
        free(cl);
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    cl->chain_id = chain_id;
    chain_url_redact(cl->shown, sizeof cl->shown, url);
    cl->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : CHAIN_DEFAULT_TIMEOUT_MS;
    cl->connect_timeout_ms = c->connect_timeout_ms > 0 ? c->connect_timeout_ms : cl->timeout_ms;
    cl->backoff_ms = c->backoff_ms >= 0 ? c->backoff_ms : CHAIN_DEFAULT_BACKOFF_MS;
    cl->attempts = c->attempts > 0 ? c->attempts : 1;
    cl->max_response = c->max_response > 0 ? c->max_response : CHAIN_DEFAULT_MAX_RESPONSE;
    cl->next_id = 1;
    *out = cl;
    return MCP_OK;
}

void chain_client_free(struct chain_client *cl)
{
    if (cl == NULL)
        return;
    chain_http_free(cl->http);
    free(cl->url);
    free(cl);
}

uint64_t chain_client_chain_id(const struct chain_client *cl)
{
    return cl->chain_id;
}

const char *chain_client_endpoint(const struct chain_client *cl)
{
    return cl->shown;
}

unsigned chain_client_last_attempts(const struct chain_client *cl)
{
    return cl->last_attempts;
}

void chain_client_err_prefix(const struct chain_client *cl, const char *method,
                             struct mcp_error *err)
{
    mcp_err_prefix(err, "chain %llu (%s): %s", (unsigned long long)cl->chain_id, cl->shown,
                   method);
}

/* Copy remote text for a message: printable ASCII only, shortened. */
static void quote_remote(char *out, size_t out_size, const char *in)
{
    size_t n = 0;

    for (; *in != '\0' && n + 4 < out_size && n < QUOTE_MAX; in++)
        out[n++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
    if (*in != '\0') {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* --- answers --- */

static enum mcp_rc error_answer(const json_t *e, struct mcp_error *err)
{
    json_t *code = json_object_get(e, "code"), *msg = json_object_get(e, "message");
    json_t *data = json_object_get(e, "data");
    char text[QUOTE_MAX + 8] = "", extra[QUOTE_MAX + 8] = "";

    if (!json_is_object(e) || !json_is_integer(code))
        return mcp_errf(err, MCP_ERPC, "answered with a malformed JSON-RPC error object");
    if (json_is_string(msg))
        quote_remote(text, sizeof text, json_string_value(msg));
    if (json_is_string(data))
        quote_remote(extra, sizeof extra, json_string_value(data));
    return mcp_errf(err, MCP_ERPC, "answered with error %lld: %s%s%s%s",
                    (long long)json_integer_value(code), text[0] ? text : "(no message)",
                    extra[0] ? " (data " : "", extra, extra[0] ? ")" : "");
}

static enum mcp_rc check_envelope(const json_t *root, json_int_t id, struct mcp_error *err)
{
    json_t *ver = json_object_get(root, "jsonrpc"), *got = json_object_get(root, "id");

    if (!json_is_object(root))
        return mcp_errf(err, MCP_ERPC, "answered with JSON that is not a JSON-RPC response "
                                       "object");
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
        return mcp_errf(err, MCP_ERPC, "answered without \"jsonrpc\": \"2.0\"");
    if (!json_is_integer(got))
        return mcp_errf(err, MCP_ERPC, "answered with a missing or non-numeric id, expected %lld",
                        (long long)id);
    if (json_integer_value(got) != id)
        return mcp_errf(err, MCP_ERPC, "answered with id %lld, expected %lld",
                        (long long)json_integer_value(got), (long long)id);
    return MCP_OK;
}

enum mcp_rc chain_rpc_parse_response(json_t **result, const char *body, size_t len,
                                     json_int_t id, struct mcp_error *err)
{
    json_error_t jerr;
    json_t *root, *res, *e;
    enum mcp_rc rc;

    *result = NULL;
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return mcp_errf(err, MCP_ERPC, "answered with invalid JSON (%zu bytes, error at byte %d)",
                        len, jerr.position);
    rc = check_envelope(root, id, err);
    if (rc != MCP_OK)
        goto out;
    res = json_object_get(root, "result");
    e = json_object_get(root, "error");
    if ((res == NULL) == (e == NULL))
        rc = mcp_errf(err, MCP_ERPC, "answered with %s \"result\" and \"error\"",
                      res == NULL ? "neither" : "both");
    else if (e != NULL)
        rc = error_answer(e, err);
    else
        *result = json_incref(res);
out:
    json_decref(root);
    return rc;
}

enum mcp_rc chain_parse_quantity(struct eth_u256 *out, const char *s, const char *what,
                                 struct mcp_error *err)
{
    uint8_t be[32] = {0};
    size_t n;

    memset(out, 0, sizeof *out);
    if (s == NULL || s[0] != '0' || s[1] != 'x')
        return mcp_errf(err, MCP_ERPC, "%s: quantity must start with 0x", what);
    n = strlen(s + 2);
    if (n == 0 || n > 64)
        return mcp_errf(err, MCP_ERPC, "%s: quantity must have 1 to 64 hex digits, has %zu",
                        what, n);
    if (n > 1 && s[2] == '0')
        return mcp_errf(err, MCP_ERPC, "%s: quantity has a leading zero (\"0x0...\")", what);
    for (size_t i = 0; i < n; i++) {
        if (eth_hex_digit(s[2 + i]) < 0)
            return mcp_errf(err, MCP_ERPC, "%s: quantity has a non-hex character", what);
    }
    /* right-align the digits, two per byte */
    for (size_t i = 0; i < n; i++) {
        char c = s[2 + n - 1 - i];
        unsigned v = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);

        be[31 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
    }
    eth_u256_from_be(out, be);
    return MCP_OK;
}

enum mcp_rc chain_parse_data(uint8_t **out, size_t *len, const char *s, const char *what,
                             struct mcp_error *err)
{
    struct mcp_error hex_err;

    *out = NULL;
    *len = 0;
    if (s == NULL || s[0] != '0' || s[1] != 'x')
        return mcp_errf(err, MCP_ERPC, "%s: data must start with 0x", what);
    if (eth_hex_decode_alloc(out, len, s, what, &hex_err) != MCP_OK)
        return mcp_errf(err, hex_err.rc == MCP_ENOMEM ? MCP_ENOMEM : MCP_ERPC, "%s",
                        hex_err.msg);
    return MCP_OK;
}

/* --- the exchange --- */

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A non-2xx answer: say which status, and the JSON-RPC error if the body carries one. */
static enum mcp_rc status_error(const struct chain_http_response *resp, struct mcp_error *err)
{
    const char *hint = "";
    struct mcp_error rpc_err;
    json_t *root = json_loadb(resp->body, resp->body_len, 0, NULL);

    if (resp->status == 401 || resp->status == 403)
        hint = " (the endpoint refused the request: check the API key in the URL)";
    else if (resp->status == 429)
        hint = " (rate limited)";
    if (root != NULL && json_is_object(json_object_get(root, "error")) &&
        error_answer(json_object_get(root, "error"), &rpc_err) == MCP_ERPC) {
        json_decref(root);
        return mcp_errf(err, MCP_EHTTP, "HTTP %ld%s; %s", resp->status, hint, rpc_err.msg);
    }
    json_decref(root);
    return mcp_errf(err, MCP_EHTTP, "HTTP %ld%s", resp->status, hint);
}

/* One POST with `left` ms of budget. *retry says whether another attempt may help. */
static enum mcp_rc attempt(struct chain_http_response *resp, int *retry, struct chain_client *cl,
                           const char *body, size_t len, long left, struct mcp_error *err)
{
    struct chain_http_request req = {cl->url, body, len, cl->connect_timeout_ms, left,
                                     cl->max_response};
    enum chain_http_fail fail;
    char budget[32];
    enum mcp_rc rc;

    *retry = 0;
    if (left <= 0) { /* libcurl reads a limit of 0 as "no limit" */
        chain_http_format_ms(budget, sizeof budget, cl->timeout_ms);
        return mcp_errf(err, MCP_EHTTP, "timed out after %s", budget);
    }
    if (req.connect_timeout_ms > left)
        req.connect_timeout_ms = left;
    rc = chain_http_post(resp, &fail, cl->http, &req, err);
    if (rc != MCP_OK) {
        *retry = fail == CHAIN_HTTP_FAIL_CONNECT || fail == CHAIN_HTTP_FAIL_RESOLVE;
        if (fail == CHAIN_HTTP_FAIL_TIMEOUT) {
            chain_http_format_ms(budget, sizeof budget, cl->timeout_ms);
            rc = mcp_errf(err, MCP_EHTTP, "timed out after %s", budget);
        }
        return rc;
    }
    if (resp->status >= 200 && resp->status < 300)
        return MCP_OK;
    *retry = resp->status == 429 || (resp->status >= 500 && resp->status < 600);
    rc = status_error(resp, err);
    chain_http_response_free(resp);
    return rc;
}

static void append_attempts(unsigned n, int out_of_time, const struct chain_client *cl,
                            struct mcp_error *err)
{
    char budget[32], old[MCP_ERR_MSG_MAX];

    if (n < 2 && !out_of_time)
        return;
    chain_http_format_ms(budget, sizeof budget, cl->timeout_ms);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s after %u attempt%s%s%s", old, n, n == 1 ? "" : "s",
             out_of_time ? "; no time left for another within the budget of " : "",
             out_of_time ? budget : "");
}

/* 0 .. delay/2 ms, so clients that failed together do not retry together. */
static long jitter(long delay)
{
    if (delay < 2 || sodium_init() < 0)
        return 0;
    return (long)randombytes_uniform((uint32_t)(delay / 2 + 1));
}

/* POST body until a 2xx answer, a final failure, or the end of attempts or budget. */
static enum mcp_rc exchange(struct chain_http_response *resp, struct chain_client *cl,
                            const char *body, size_t len, struct mcp_error *err)
{
    long deadline = now_ms() + cl->timeout_ms, delay = cl->backoff_ms, wait;
    struct mcp_error local;
    enum mcp_rc rc;
    int retry;

    if (err == NULL)
        err = &local;
    for (unsigned n = 1;; n++) {
        cl->last_attempts = n;
        rc = attempt(resp, &retry, cl, body, len, deadline - now_ms(), err);
        if (rc == MCP_OK || !retry || n >= cl->attempts) {
            if (rc != MCP_OK)
                append_attempts(n, 0, cl, err);
            return rc;
        }
        wait = delay + jitter(delay);
        delay *= 2;
        if (deadline - now_ms() < wait + MIN_ATTEMPT_MS) {
            append_attempts(n, 1, cl, err);
            return rc;
        }
        sleep_ms(wait);
    }
}

static enum mcp_rc build_request(char **out, json_int_t id, const char *method,
                                 const json_t *params, struct mcp_error *err)
{
    json_t *p = params != NULL ? json_incref((json_t *)params) : json_array();
    json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method", method,
                            "params", p); /* "o" takes p, even on failure */

    *out = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (*out == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory building the request");
    return MCP_OK;
}

/* One call without the chain id check. Errors are prefixed with the chain and method. */
static enum mcp_rc raw_call(json_t **result, struct chain_client *cl, const char *method,
                            const json_t *params, struct mcp_error *err)
{
    struct chain_http_response resp = {0};
    json_int_t id = cl->next_id++;
    char *body = NULL;
    enum mcp_rc rc = MCP_OK;

    *result = NULL;
    if (cl->http == NULL)
        rc = chain_http_new(&cl->http, err);
    if (rc == MCP_OK)
        rc = build_request(&body, id, method, params, err);
    if (rc == MCP_OK)
        rc = exchange(&resp, cl, body, strlen(body), err);
    if (rc == MCP_OK)
        rc = chain_rpc_parse_response(result, resp.body, resp.body_len, id, err);
    if (rc != MCP_OK)
        chain_client_err_prefix(cl, method, err);
    chain_http_response_free(&resp);
    free(body);
    return rc;
}

static enum mcp_rc verify_chain(struct chain_client *cl, struct mcp_error *err)
{
    struct eth_u256 v;
    uint64_t got = 0;
    json_t *res = NULL;
    enum mcp_rc rc = raw_call(&res, cl, "eth_chainId", NULL, err);

    if (rc != MCP_OK)
        return rc;
    rc = chain_parse_quantity(&v, json_string_value(res), "eth_chainId", err);
    json_decref(res);
    if (rc == MCP_OK && (!eth_u256_to_u64(&got, &v) || got != cl->chain_id))
        rc = mcp_errf(err, MCP_ERPC,
                      "eth_chainId says %llu, expected %llu: this endpoint serves another chain "
                      "(check --rpc %llu=... or %s%llu)",
                      (unsigned long long)got, (unsigned long long)cl->chain_id,
                      (unsigned long long)cl->chain_id, CHAIN_ENV_PREFIX,
                      (unsigned long long)cl->chain_id);
    if (rc != MCP_OK) {
        mcp_err_prefix(err, "chain %llu (%s)", (unsigned long long)cl->chain_id, cl->shown);
        return rc;
    }
    cl->verified = 1;
    return MCP_OK;
}

enum mcp_rc chain_rpc_call(json_t **result, struct chain_client *cl, const char *method,
                           const json_t *params, struct mcp_error *err)
{
    enum mcp_rc rc;

    *result = NULL;
    if (!cl->verified) {
        rc = verify_chain(cl, err);
        if (rc != MCP_OK)
            return rc;
    }
    if (strcmp(method, "eth_chainId") == 0) { /* asked once per client: answer from the check */
        char hex[24];
        snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)cl->chain_id);
        *result = json_string(hex);
        return *result != NULL ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    return raw_call(result, cl, method, params, err);
}

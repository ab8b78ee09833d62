/* chain_config.c: endpoint table (command line, environment, config file) and URL redaction. */
#include "chain_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void chain_config_init(struct chain_config *c)
{
    memset(c, 0, sizeof *c);
    c->timeout_ms = CHAIN_DEFAULT_TIMEOUT_MS;
    c->connect_timeout_ms = CHAIN_DEFAULT_CONNECT_TIMEOUT_MS;
    c->attempts = CHAIN_DEFAULT_ATTEMPTS;
    c->backoff_ms = CHAIN_DEFAULT_BACKOFF_MS;
    c->max_response = CHAIN_DEFAULT_MAX_RESPONSE;
    c->env_prefix = CHAIN_ENV_PREFIX;
    c->option = "--rpc";
}

void chain_config_init_bundler(struct chain_config *c)
{
    chain_config_init(c);
    c->env_prefix = BUNDLER_ENV_PREFIX;
    c->option = "--bundler";
}

void chain_config_free(struct chain_config *c)
{
    for (size_t i = 0; i < c->n_ep; i++)
        free(c->ep[i].url);
    c->n_ep = 0;
}

enum mcp_rc chain_parse_id(uint64_t *out, const char *s, const char *what, struct mcp_error *err)
{
    uint64_t v = 0;
    size_t i;

    *out = 0;
    if (s == NULL || s[0] == '\0')
        return mcp_errf(err, MCP_EINVAL, "%s: empty; expected a decimal chain id such as 8453",
                        what);
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 16)
            return mcp_errf(err, MCP_EINVAL, "%s: expected a decimal chain id such as 8453", what);
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (s[0] == '0' || v > CHAIN_ID_MAX)
        return mcp_errf(err, MCP_EINVAL, "%s: chain id must be between 1 and %llu without leading "
                                         "zeros", what, (unsigned long long)CHAIN_ID_MAX);
    *out = v;
    return MCP_OK;
}

/* Length of the scheme prefix ("http://" or "https://", any case), or 0. */
static size_t scheme_len(const char *url)
{
    if (strncasecmp(url, "http://", 7) == 0)
        return 7;
    if (strncasecmp(url, "https://", 8) == 0)
        return 8;
    return 0;
}

/* Length of the authority ([userinfo@]host[:port]) starting at a. */
static size_t authority_len(const char *a)
{
    return strcspn(a, "/?#");
}

/* The host part of an authority: after the last '@'. */
static const char *authority_host(const char *a, size_t a_len, size_t *host_len)
{
    const char *host = a;

    for (size_t i = 0; i < a_len; i++) {
        if (a[i] == '@')
            host = a + i + 1;
    }
    *host_len = a_len - (size_t)(host - a);
    return host;
}

enum mcp_rc chain_url_check(const char *url, const char *what, struct mcp_error *err)
{
    size_t n = url != NULL ? strlen(url) : 0, s, a_len, host_len;
    const char *host;

    if (n == 0)
        return mcp_errf(err, MCP_EINVAL, "%s: empty URL", what);
    if (n > CHAIN_URL_MAX)
        return mcp_errf(err, MCP_EINVAL, "%s: URL is %zu bytes, at most %d allowed", what, n,
                        CHAIN_URL_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)url[i];

        if (ch <= 0x20 || ch == 0x7f)
            return mcp_errf(err, MCP_EINVAL, "%s: URL contains a space or control character",
                            what);
    }
    s = scheme_len(url);
    if (s == 0)
        return mcp_errf(err, MCP_EINVAL, "%s: URL must start with http:// or https://", what);
    a_len = authority_len(url + s);
    host = authority_host(url + s, a_len, &host_len);
    if (host_len == 0 || host[0] == ':')
        return mcp_errf(err, MCP_EINVAL, "%s: URL has no host", what);
    return MCP_OK;
}

void chain_url_redact(char *out, size_t out_size, const char *url)
{
    size_t s = url != NULL ? scheme_len(url) : 0, a_len, host_len;
    const char *host;
    int more;

    if (s == 0) {
        snprintf(out, out_size, "(unparseable URL)");
        return;
    }
    a_len = authority_len(url + s);
    host = authority_host(url + s, a_len, &host_len);
    more = url[s + a_len] != '\0' && strcmp(url + s + a_len, "/") != 0;
    if (host_len > 255)
        host_len = 255;
    snprintf(out, out_size, "%.*s%.*s%s", (int)s, url, (int)host_len, host, more ? "/..." : "");
}

/* Index of chain_id in c, or c->n_ep. */
static size_t find(const struct chain_config *c, uint64_t chain_id)
{
    size_t i;

    for (i = 0; i < c->n_ep; i++) {
        if (c->ep[i].chain_id == chain_id)
            break;
    }
    return i;
}

/* Insert or replace; a file entry never replaces a command-line one. */
static enum mcp_rc put(struct chain_config *c, uint64_t chain_id, const char *url, int from_file,
                       struct mcp_error *err)
{
    size_t i = find(c, chain_id);
    char *copy;

    if (i < c->n_ep && from_file && !c->ep[i].from_file)
        return MCP_OK;
    if (i == c->n_ep && c->n_ep == CHAIN_MAX_ENDPOINTS)
        return mcp_errf(err, MCP_EINVAL, "too many RPC endpoints (at most %d chains)",
                        CHAIN_MAX_ENDPOINTS);
    copy = strdup(url);
    if (copy == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (i == c->n_ep)
        c->n_ep++;
    else
        free(c->ep[i].url);
    c->ep[i] = (struct chain_endpoint){chain_id, copy, from_file};
    return MCP_OK;
}

enum mcp_rc chain_config_add(struct chain_config *c, const char *spec, struct mcp_error *err)
{
    const char *eq = spec != NULL ? strchr(spec, '=') : NULL;
    char id_text[24];
    uint64_t id;
    enum mcp_rc rc;

    if (eq == NULL)
        return mcp_errf(err, MCP_EINVAL,
                        "--rpc: expected CHAINID=URL, e.g. 8453=https://mainnet.base.org");
    if ((size_t)(eq - spec) >= sizeof id_text)
        return mcp_errf(err, MCP_EINVAL, "--rpc: chain id before '=' is too long");
    memcpy(id_text, spec, (size_t)(eq - spec));
    id_text[eq - spec] = '\0';
    rc = chain_parse_id(&id, id_text, "--rpc", err);
    if (rc == MCP_OK)
        rc = chain_url_check(eq + 1, "--rpc", err);
    if (rc == MCP_OK)
        rc = put(c, id, eq + 1, 0, err);
    return rc;
}

/* Validate every entry of obj before adding any. */
static enum mcp_rc check_json(const json_t *obj, struct mcp_error *err)
{
    const char *key;
    json_t *val;
    uint64_t id;
    char what[64];

    if (!json_is_object(obj))
        return mcp_errf(err, MCP_EINVAL, "config file: \"rpc\" must be an object "
                                         "{\"CHAINID\": \"URL\"}");
    json_object_foreach((json_t *)obj, key, val) {
        snprintf(what, sizeof what, "config file: rpc \"%.20s\"", key);
        if (chain_parse_id(&id, key, what, err) != MCP_OK)
            return MCP_EINVAL;
        if (!json_is_string(val))
            return mcp_errf(err, MCP_EINVAL, "%s: the URL must be a string", what);
        if (chain_url_check(json_string_value(val), what, err) != MCP_OK)
            return MCP_EINVAL;
    }
    return MCP_OK;
}

enum mcp_rc chain_config_add_json(struct chain_config *c, const json_t *obj, struct mcp_error *err)
{
    const char *key;
    json_t *val;
    uint64_t id;
    enum mcp_rc rc = check_json(obj, err);

    if (rc != MCP_OK)
        return rc;
    json_object_foreach((json_t *)obj, key, val) {
        if (chain_parse_id(&id, key, "config file", err) != MCP_OK)
            return MCP_EINTERNAL; /* checked above */
        rc = put(c, id, json_string_value(val), 1, err);
        if (rc != MCP_OK)
            return rc;
    }
    return MCP_OK;
}

enum mcp_rc chain_config_url(const char **url, const struct chain_config *c, uint64_t chain_id,
                             struct mcp_error *err)
{
    char name[48];
    const char *env;
    size_t i = find(c, chain_id);

    *url = NULL;
    if (i < c->n_ep && !c->ep[i].from_file) {
        *url = c->ep[i].url;
        return MCP_OK;
    }
    snprintf(name, sizeof name, "%s%llu", c->env_prefix ? c->env_prefix : CHAIN_ENV_PREFIX,
             (unsigned long long)chain_id);
    env = getenv(name);
    if (env != NULL && env[0] != '\0') {
        if (chain_url_check(env, name, err) != MCP_OK)
            return MCP_EINVAL;
        *url = env;
        return MCP_OK;
    }
    if (i < c->n_ep) {
        *url = c->ep[i].url;
        return MCP_OK;
    }
    return mcp_errf(err, MCP_ENOTFOUND,
                    "no %s endpoint for chain %llu: pass %s %llu=URL or set %s",
                    c->option && strcmp(c->option, "--bundler") == 0 ? "bundler" : "RPC",
                    (unsigned long long)chain_id, c->option ? c->option : "--rpc", (unsigned long long)chain_id, name);
}

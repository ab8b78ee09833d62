/* chain_config.h: which JSON-RPC endpoint serves which chain, and the client's limits.
 *
 * Endpoints come from three places; the first that names a chain wins:
 *   1. --rpc CHAINID=URL on the command line      (chain_config_add)
 *   2. the environment, SKM_RPC_<CHAINID>=URL     (looked up by chain_config_url)
 *   3. the config file, {"8453": "https://..."}   (chain_config_add_json)
 * Within one source a later entry for the same chain replaces the earlier one.
 *
 * URLs must be http:// or https:// with a host. They may carry credentials (userinfo or an
 * API key in the path or query); messages only ever show chain_url_redact()'s form. */
#ifndef SKM_CHAIN_CONFIG_H
#define SKM_CHAIN_CONFIG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp_err.h"

#define CHAIN_MAX_ENDPOINTS 64
#define CHAIN_URL_MAX 2048
#define CHAIN_ENV_PREFIX "SKM_RPC_"
/* ERC-4337 bundler endpoints (eth_getUserOperationReceipt, ...): the same three sources, as
 * --bundler CHAINID=URL, SKM_BUNDLER_<CHAINID> and the config file's "bundler" object. */
#define BUNDLER_ENV_PREFIX "SKM_BUNDLER_"
/* 2^53 - 1: chain ids stay exact as JSON numbers in JavaScript clients (no real chain is near). */
#define CHAIN_ID_MAX 9007199254740991ULL

#define CHAIN_DEFAULT_TIMEOUT_MS 5000         /* a whole call, retries included */
#define CHAIN_DEFAULT_CONNECT_TIMEOUT_MS 3000 /* one TCP/TLS connect */
#define CHAIN_DEFAULT_ATTEMPTS 3
#define CHAIN_DEFAULT_BACKOFF_MS 200          /* first retry delay; doubles, plus jitter */
#define CHAIN_DEFAULT_MAX_RESPONSE (4u << 20)

struct chain_endpoint {
    uint64_t chain_id;
    char *url;     /* malloc'd */
    int from_file; /* 1: config file (below the environment); 0: command line */
};

struct chain_config {
    struct chain_endpoint ep[CHAIN_MAX_ENDPOINTS];
    size_t n_ep;
    long timeout_ms;         /* budget for one call including retries and backoff */
    long connect_timeout_ms; /* per connection attempt (capped by what is left of the budget) */
    unsigned attempts;       /* tries per call on transport errors, >= 1 */
    long backoff_ms;         /* delay before the 2nd try; doubles each time, +0..50% jitter */
    size_t max_response;     /* cap on one response body */
    const char *env_prefix;  /* CHAIN_ENV_PREFIX, or BUNDLER_ENV_PREFIX for bundler endpoints */
    const char *option;      /* the option that names these endpoints: "--rpc" or "--bundler" */
};

/* Empty endpoint list and the CHAIN_DEFAULT_* limits (chain RPC endpoints: --rpc). */
void chain_config_init(struct chain_config *c);

/* As chain_config_init, for bundler endpoints (--bundler, SKM_BUNDLER_<id>). */
void chain_config_init_bundler(struct chain_config *c);

/* Free the URLs; c can be initialized again afterwards. */
void chain_config_free(struct chain_config *c);

/* Add a command-line endpoint "CHAINID=URL" (e.g. "8453=https://mainnet.base.org").
 * Returns: MCP_OK; MCP_EINVAL naming what is wrong (never echoing the URL's credentials);
 * MCP_ENOMEM. */
enum mcp_rc chain_config_add(struct chain_config *c, const char *spec,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* Add config-file endpoints from an object {"8453": "https://...", ...} (borrowed).
 * Entries never replace command-line ones. Returns: as chain_config_add(); on error nothing
 * from obj has been added. */
enum mcp_rc chain_config_add_json(struct chain_config *c, const json_t *obj,
                                  struct mcp_error *err) SKM_WARN_UNUSED;

/* The endpoint for chain_id by the precedence above.
 * Returns: MCP_OK; MCP_ENOTFOUND ("no RPC endpoint for chain 8453: pass --rpc 8453=URL or set
 * SKM_RPC_8453"); MCP_EINVAL if the environment variable holds an unusable URL.
 * Out: *url, borrowed from c or from the environment; valid while both are unchanged. */
enum mcp_rc chain_config_url(const char **url, const struct chain_config *c, uint64_t chain_id,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* Parse a decimal chain id (1..CHAIN_ID_MAX; no sign, no leading zeros).
 * Returns: MCP_OK or MCP_EINVAL naming `what`. */
enum mcp_rc chain_parse_id(uint64_t *out, const char *s, const char *what,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* Check that url is usable: http/https, a host, no spaces or control characters, at most
 * CHAIN_URL_MAX bytes. Returns: MCP_OK or MCP_EINVAL naming `what`. */
enum mcp_rc chain_url_check(const char *url, const char *what,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* A form of url safe to show: scheme://host[:port], then "/..." if the URL had a path, query
 * or fragment (API keys often live there); userinfo is dropped. out_size >= 16; the result is
 * truncated to fit. An unparseable URL gives "(unparseable URL)". */
void chain_url_redact(char *out, size_t out_size, const char *url);

#endif

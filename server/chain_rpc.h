/* chain_rpc.h: a JSON-RPC 2.0 client for one chain's endpoint.
 *
 * Every call runs under one time budget (chain_config.timeout_ms, default 5 s) that covers
 * all attempts and the waits between them. Transport failures (connection refused or reset,
 * connect timeouts, DNS, HTTP 429 and 5xx) are retried with exponential backoff and jitter
 * while attempts and budget remain; a JSON-RPC error answer, an invalid answer or another
 * HTTP status is never retried. Answers are capped in size and their id must match.
 *
 * Before the first other call, the client asks eth_chainId once and refuses to go on if the
 * endpoint serves another chain; the result is cached for the life of the client.
 *
 * Messages name the chain, the endpoint (redacted: no credentials) and what happened:
 *   "chain 8453 (https://mainnet.base.org): eth_getBalance: HTTP 502 after 3 attempts"
 *
 * Ownership: functions never steal json_t arguments; returned json_t are new references.
 * A client is not thread-safe. libcurl is loaded on the first call, not by chain_client_new. */
#ifndef SKM_CHAIN_RPC_H
#define SKM_CHAIN_RPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "chain_config.h"
#include "eth_u256.h"
#include "mcp_err.h"

struct chain_client;

/* A client for chain_id, with the endpoint chain_config_url() picks and c's limits.
 * No network traffic and no libcurl loading happen here.
 * Returns: MCP_OK; MCP_ENOTFOUND / MCP_EINVAL from chain_config_url(); MCP_ENOMEM.
 * Out: *out, released with chain_client_free(); NULL on failure. */
enum mcp_rc chain_client_new(struct chain_client **out, const struct chain_config *c,
                             uint64_t chain_id, struct mcp_error *err) SKM_WARN_UNUSED;

void chain_client_free(struct chain_client *cl);

uint64_t chain_client_chain_id(const struct chain_client *cl);

/* The endpoint as chain_url_redact() shows it. Borrowed from cl. */
const char *chain_client_endpoint(const struct chain_client *cl);

/* Prefix err's message with "chain <id> (<endpoint>): <method>: ". */
void chain_client_err_prefix(const struct chain_client *cl, const char *method,
                             struct mcp_error *err);

/* Call method with params (a JSON array, borrowed; NULL means []).
 * Returns: MCP_OK; MCP_EHTTP (transport, HTTP status, budget exhausted); MCP_ERPC (the
 * endpoint answered a JSON-RPC error or something that is not a valid answer, or serves
 * another chain); MCP_ENOMEM; MCP_EUNSUPPORTED (libcurl missing). Messages are prefixed as
 * chain_client_err_prefix() does.
 * Out: *result, a new reference to the "result" member (may be JSON null); NULL on failure. */
enum mcp_rc chain_rpc_call(json_t **result, struct chain_client *cl, const char *method,
                           const json_t *params, struct mcp_error *err) SKM_WARN_UNUSED;

/* Attempts made by the last chain_rpc_call() on cl (for logs and tests). */
unsigned chain_client_last_attempts(const struct chain_client *cl);

/* Parse a JSON-RPC response body (untrusted) to a request with id `id`.
 * Returns: MCP_OK; MCP_ERPC with "answered with invalid JSON", "answered with id 7, expected
 * 3", "answered with error -32000: execution reverted", ...; MCP_ENOMEM. Messages quote at
 * most a sanitized, shortened form of the remote text.
 * Out: *result, a new reference (NULL on failure). */
enum mcp_rc chain_rpc_parse_response(json_t **result, const char *body, size_t len,
                                     json_int_t id, struct mcp_error *err) SKM_WARN_UNUSED;

/* Parse a JSON-RPC QUANTITY: "0x" + hex digits, no leading zeros ("0x0" is zero; "0x",
 * "0x01", "1", "-0x1" are rejected), at most 64 digits.
 * Returns: MCP_OK or MCP_ERPC naming `what`. */
enum mcp_rc chain_parse_quantity(struct eth_u256 *out, const char *s, const char *what,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* Parse JSON-RPC DATA: "0x" + an even number of hex digits ("0x" is empty).
 * Returns: MCP_OK or MCP_ERPC naming `what`; MCP_ENOMEM.
 * Out: *out (malloc'd, non-NULL on success, caller frees) and *len. */
enum mcp_rc chain_parse_data(uint8_t **out, size_t *len, const char *s, const char *what,
                             struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* rgy_registry.h: the registry of things we can name: chains (name, default USDC), tokens
 * (symbol, decimals, pegged to USD or not) and contracts with their functions (canonical
 * signature, selector, category), so that a policy can say "Uniswap V3 swaps" and "$50 USDC"
 * instead of raw addresses and base units.
 *
 * Source: data/registry.json, compiled in, merged with the config file's "registry" key
 * (a path to a JSON file of the same shape, relative to the config file's folder, or an
 * inline object). Merge rules, applied entry by entry:
 *   chains.<id>                 fields replace fields ("usdc": null removes the default token)
 *   tokens.<id>.<address>       the whole entry is replaced
 *   contracts.<id>.<address>    the whole entry is replaced
 *   families.<name>             the whole entry is replaced
 * Shapes:
 *   chains     {"<chainId>": {"name": "Base", "usdc": "0x..."}}    (usdc must be a token below)
 *   tokens     {"<chainId>": {"0x...": {"symbol": "USDC", "decimals": 6, "usd": true}}}
 *   families   {"<id>": {"name": "Uniswap V3 SwapRouter02", "words": "Uniswap V3 swaps",
 *                        "functions": [{"signature": "f(uint256)", "category": "swap"}]}}
 *   contracts  {"<chainId>": {"0x...": {"family": "<id>"}}}, or with its own "name", "words",
 *              "functions" (each overriding the family's)
 * Categories: swap (exchanges tokens for the wallet itself), batch (bundles several calls),
 * transfer (sends tokens to an address), approve (lets an address spend tokens), other.
 * Selectors are computed from the signatures with keccak at load; the file never holds them.
 * Every registered token is also a contract of the "erc20" family (transfer, approve), named
 * by its symbol, unless a contract entry names the same address.
 *
 * Addresses in the file may be lower case or EIP-55; a wrong checksum is a load error. */
#ifndef SKM_RGY_REGISTRY_H
#define SKM_RGY_REGISTRY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "mcp_err.h"

#define RGY_NAME_MAX 64      /* chain and contract names, family words: bytes incl. NUL */
#define RGY_SYMBOL_MAX 16    /* token symbols */
#define RGY_SIG_MAX 320      /* canonical function signatures */
#define RGY_FN_NAME_MAX 96   /* function names */
#define RGY_CATEGORY_MAX 16  /* "swap", "batch", "transfer", "approve", "other" */
#define RGY_MAX_FUNCTIONS 64 /* per contract */

struct rgy; /* opaque; see rgy_get */

struct rgy_chain {
    uint64_t id;
    char name[RGY_NAME_MAX];
    int has_usdc;      /* 1 when the chain has a default token */
    uint8_t usdc[20];  /* the chain's USDC (a registered token) */
    int has_quoter;    /* 1 when the chain names a Uniswap V3 QuoterV2 */
    uint8_t quoter[20]; /* chains.<id>.quoterV2: the gate's price source (gate_quote.h) */
};

struct rgy_token {
    uint64_t chain_id;
    uint8_t address[20];
    char symbol[RGY_SYMBOL_MAX];
    unsigned decimals; /* 0..77 */
    int usd;           /* 1 for stablecoins pegged to the US dollar: amounts read "$50 USDC" */
};

struct rgy_function {
    char signature[RGY_SIG_MAX]; /* canonical: "exactInputSingle((address,...,uint160))" */
    char name[RGY_FN_NAME_MAX];  /* "exactInputSingle" */
    uint8_t selector[4];         /* keccak256(signature)[0..4] */
    char category[RGY_CATEGORY_MAX];
};

struct rgy_contract {
    uint64_t chain_id;
    uint8_t address[20];
    char name[RGY_NAME_MAX];  /* "Uniswap V3 SwapRouter02"; a token's symbol for tokens */
    char words[RGY_NAME_MAX]; /* family words for the summary ("Uniswap V3 swaps") or "" */
    int is_token;             /* 1: a registered token, functions from the "erc20" family */
    size_t n_functions;
    const struct rgy_function *functions;
};

/* What an allowedFunctions entry resolved to (rgy_resolve_function). */
struct rgy_resolved {
    char signature[RGY_SIG_MAX];     /* canonical; "" when only the selector was given and no
                                      * registered function has it */
    char name[RGY_FN_NAME_MAX];      /* "" likewise */
    uint8_t selector[4];
    char category[RGY_CATEGORY_MAX]; /* "" unless known */
    int known;                       /* 1: one of the contract's registered functions */
    int overloaded;                  /* 1: the contract has another function with this name */
};

/* The registry for cfg: built-in data merged with cfg->file's "registry" (cfg and cfg->file
 * may be NULL: built-in only). Loaded on first use and kept for the life of the process
 * (one registry per distinct override; rgy_unload frees them all).
 * Returns: a borrowed handle, or NULL with err set: MCP_EINVAL for a bad override (the
 * message names the file and the entry), MCP_EIO when the override file cannot be read,
 * MCP_EINTERNAL for bad built-in data, MCP_ENOMEM. */
const struct rgy *rgy_get(const struct skm_config *cfg, struct mcp_error *err);

/* Load a registry outside the cache: built-in data merged with override (borrowed; a JSON
 * object of the registry shape, or NULL). Relative paths are not involved here.
 * Out: *out for rgy_free (NULL on failure). Returns: as rgy_get. */
enum mcp_rc rgy_load(struct rgy **out, json_t *override, struct mcp_error *err) SKM_WARN_UNUSED;

void rgy_free(struct rgy *r);

/* Free every registry rgy_get has loaded (handles it returned become invalid). */
void rgy_unload(void);

/* Lookups. Returns: borrowed entries valid while r lives, or NULL when not registered. */
const struct rgy_chain *rgy_chain(const struct rgy *r, uint64_t chain_id);
const struct rgy_token *rgy_token(const struct rgy *r, uint64_t chain_id,
                                  const uint8_t address[20]);
const struct rgy_contract *rgy_contract(const struct rgy *r, uint64_t chain_id,
                                        const uint8_t address[20]);

/* The token with this symbol on the chain: an exact match, else a case-insensitive one
 * ("usdc" finds USDC). Returns: NULL when none matches, or when several tokens on the chain
 * match equally (ambiguous: the caller should ask for the address). */
const struct rgy_token *rgy_token_by_symbol(const struct rgy *r, uint64_t chain_id,
                                            const char *symbol);

/* A contract on the chain (not a token) with the function of this canonical signature; the
 * first in registry order (built-in entries first, then those the config file adds).
 * Returns: NULL when no registered contract on the chain has it. */
const struct rgy_contract *rgy_contract_with_function(const struct rgy *r, uint64_t chain_id,
                                                      const char *signature);

/* The chain's name ("Base"), or NULL when the chain is not registered. */
const char *rgy_chain_name(const struct rgy *r, uint64_t chain_id);

/* The chain's default token (USDC). Returns: the token, or NULL when the chain has none. */
const struct rgy_token *rgy_chain_usdc(const struct rgy *r, uint64_t chain_id);

/* Resolve one allowedFunctions entry for contract c (NULL: a contract we do not know).
 * entry is one of:
 *   a name       "exactInputSingle": must name exactly one of c's functions; a name with
 *                several overloads ("multicall") is an error listing their signatures; a
 *                name alone is an error for an unknown contract (we cannot tell which
 *                function it means)
 *   a signature  "exactInputSingle((address,address,uint24,...))": whitespace and parameter
 *                names are dropped; must be one of c's functions; for an unknown contract any
 *                valid signature is accepted (known = 0)
 *   a selector   "0x04e45aaf": must be one of c's functions; for an unknown contract it is
 *                accepted without a name (known = 0, signature and name "")
 * Whitespace around the entry is ignored. `what` names it in messages ("allowedFunctions[1]").
 * Returns: MCP_OK, MCP_EINVAL (the message says what to send instead), MCP_ENOMEM.
 * Out: *out (zeroed on failure). */
enum mcp_rc rgy_resolve_function(struct rgy_resolved *out, const struct rgy_contract *c,
                                 const char *entry, const char *what,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* Parse a function signature: whitespace anywhere between tokens and parameter names are
 * allowed ("exactInput( (bytes path, address recipient, uint256, uint256) )").
 * Out: out->signature (canonical), out->name, out->selector; out->category is set to "".
 * `what` prefixes messages. Returns: MCP_OK, MCP_EINVAL, MCP_ENOMEM. */
enum mcp_rc rgy_parse_signature(struct rgy_function *out, const char *sig, const char *what,
                                struct mcp_error *err) SKM_WARN_UNUSED;

#endif

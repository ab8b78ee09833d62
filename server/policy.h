/* policy.h: a session's policy: the single source of truth for what a session key may do.
 * Built once from request_session_approval's arguments (policy_from_request), stored as
 * canonical JSON (policy_to_json / policy_from_json), hashed (policy_hash), and the only
 * input of the ✓/✗ summary (policy_summary.h), the typed data the user signs
 * (policy_typed.h) and the execution checks.
 *
 * The struct is fixed-size (no heap) and self-contained: the names the summary needs (chain,
 * contract, family words, function names, token symbol) are resolved from the registry when
 * the policy is made and stored in it, so a later registry change cannot change what an
 * approved policy says. */
#ifndef SKM_POLICY_H
#define SKM_POLICY_H

#include <jansson.h>
#include <stdint.h>

#include "cfg.h"
#include "eth_u256.h"
#include "mcp_err.h"
#include "rgy_registry.h"

#define POLICY_VERSION 1
#define POLICY_MAX_FUNCTIONS 32          /* allowedFunctions maxItems */
#define POLICY_NAME_MAX RGY_NAME_MAX     /* chain/contract names, family words */
#define POLICY_SYMBOL_MAX RGY_SYMBOL_MAX
#define POLICY_SIG_MAX RGY_SIG_MAX
#define POLICY_FN_NAME_MAX RGY_FN_NAME_MAX
#define POLICY_CATEGORY_MAX RGY_CATEGORY_MAX
#define POLICY_LABEL_MAX 324             /* 80 characters of up to 4 UTF-8 bytes, + NUL */
#define POLICY_MIN_DURATION 60           /* seconds: 1 minute */
#define POLICY_MAX_DURATION 2592000      /* seconds: 30 days */
#define POLICY_MAX_PAYMASTERS 8          /* permissions.paymasters maxItems */
#define POLICY_DEFAULT_MAX_FEE_WEI "5000000000000000" /* 0.005 ETH per operation */

struct policy_function {
    char signature[POLICY_SIG_MAX];     /* canonical; "" when only the selector is known */
    char name[POLICY_FN_NAME_MAX];      /* "exactInputSingle"; "" when only the selector is known */
    uint8_t selector[4];
    char category[POLICY_CATEGORY_MAX]; /* swap, batch, transfer, approve, other; "" unknown */
    int known;                          /* a registered function of a registered contract */
    int overloaded;                     /* the contract has another function of this name */
};

/* What swaps may buy and at what price (policy_price.h). */
struct policy_price {
    int present;                        /* 1: the policy has a "price" block */
    uint32_t max_slippage_bps;          /* 1..POLICY_SLIPPAGE_MAX_BPS */
    int has_buy;                        /* 1: swaps may buy only buy_token */
    uint8_t buy_token[20];
    char buy_symbol[POLICY_SYMBOL_MAX];
    unsigned buy_decimals;
    int has_trigger;                    /* 1: a stop-loss trigger */
    char trigger[80];                   /* as given: "2000" (buy token per spend token) */
    struct eth_u256 trigger_base;       /* trigger in buy-token base units per whole spend token */
};

struct policy {
    int version;                        /* POLICY_VERSION */
    uint64_t chain_id;
    char chain_name[POLICY_NAME_MAX];   /* "Base"; "chain 12345" when not registered */
    uint8_t wallet[20];                 /* the smart account the session acts for */
    uint8_t owner[20];                  /* who signs the approval (defaults to wallet) */
    uint8_t session_key[20];            /* the session key's address */
    uint8_t target[20];                 /* the only contract the session may call */
    int contract_known;                 /* target is a registered contract or token */
    int contract_is_token;              /* target is a registered token (ERC-20 scope) */
    char contract_name[POLICY_NAME_MAX]; /* "Uniswap V3 SwapRouter02", "USDC"; "" unknown */
    char family[POLICY_NAME_MAX];       /* family words "Uniswap V3 swaps", or "" */
    size_t n_functions;                 /* 1..POLICY_MAX_FUNCTIONS */
    struct policy_function functions[POLICY_MAX_FUNCTIONS];
    uint8_t spend_token[20];            /* the token the limits are counted in */
    char token_symbol[POLICY_SYMBOL_MAX];
    unsigned token_decimals;
    int token_usd;                      /* pegged to USD: amounts read "$50 USDC" */
    int token_known;                    /* from the registry (always 1 for new policies) */
    int token_defaulted;                /* 1: no spendToken was sent; the chain's USDC is used */
    struct eth_u256 max_per_tx;         /* base units */
    struct eth_u256 max_total;          /* base units */
    uint32_t rate_count;                /* transactions per rate_period; 0 = no rate limit */
    uint32_t rate_period;               /* seconds; 0 = no rate limit */
    int64_t valid_after;                /* Unix seconds */
    int64_t valid_until;                /* Unix seconds; valid while now < valid_until */
    char label[POLICY_LABEL_MAX];       /* the request's label, or "" */
    char feature[POLICY_LABEL_MAX];     /* "twap", "stop_loss", else the label, or "" */
    struct policy_price price;          /* policy_price.h */
    /* Fees (issue 11): what one operation may cost in gas, and who may pay for it. */
    struct eth_u256 max_fee_per_op;     /* wei: (all gas limits) x maxFeePerGas must not exceed it */
    size_t n_paymasters;                /* 0: no paymaster may be named */
    uint8_t paymasters[POLICY_MAX_PAYMASTERS][20];
};

/* Build a policy from request_session_approval's arguments (borrowed; already valid against
 * schemas/request_session_approval.input.json) and check what the schema cannot:
 *   - addresses (EIP-55 checksums), naming the field; the zero address or the wallet itself
 *     as contractAddress is refused;
 *   - duration 60 s .. 30 days, in words ("duration: 30 seconds is too short; ...");
 *   - amounts above 0, with no more decimal places than the token has, and
 *     maxPerTransaction <= maxTotal;
 *   - rateLimit count and period at least 1;
 *   - spendToken: defaults to the token itself when contractAddress is a registered token,
 *     else to the chain's USDC (token_defaulted = 1); must be a registered token (we must
 *     know its decimals to read "50"); for a token contract it must be that token;
 *   - allowedFunctions resolved through the registry (rgy_resolve_function), no duplicates;
 *   - maxFeePerOperation: decimal ETH, above 0 (default 0.005 ETH); paymasters: checksummed
 *     addresses, no duplicates, none by default.
 * ownerAddress defaults to walletAddress. valid_after = now, valid_until = now + duration.
 * feature: automation.kind ("twap", "stop_loss") when the request has one; else "twap" when
 * the label mentions TWAP, "stop_loss" when it mentions a stop loss, else the label.
 * Args: cfg (may be NULL: built-in registry), session_key (the new key's address), now (Unix
 * seconds, from the clock module).
 * Returns: MCP_OK; MCP_EINVAL with a message naming the field, what was wrong and what to send
 * instead; errors of rgy_get. Out: *out (zeroed on failure). */
enum mcp_rc policy_from_request(struct policy *out, const struct skm_config *cfg, json_t *args,
                                const uint8_t session_key[20], int64_t now,
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* The canonical JSON form: every field, addresses lower-case 0x hex, amounts decimal strings
 * of base units, selectors 0x hex (8 digits). Keys are camelCase; dump with
 * JSON_SORT_KEYS | JSON_COMPACT for hashing and storage.
 * Returns: a new reference, or NULL on OOM (or a string field that is not UTF-8). */
json_t *policy_to_json(const struct policy *p);

/* Parse the canonical form strictly: exactly the keys policy_to_json writes, each of the
 * right type and shape (lower-case addresses, canonical decimals), version POLICY_VERSION,
 * and consistent (each signature's selector and name match it; no duplicate selectors; both
 * or neither rate-limit values; valid_after <= valid_until).
 * policy_from_json(policy_to_json(p)) gives back p exactly.
 * Args: j borrowed. Returns: MCP_OK, MCP_EINVAL naming the key. Out: *out (zeroed on failure). */
enum mcp_rc policy_from_json(struct policy *out, json_t *j, struct mcp_error *err) SKM_WARN_UNUSED;

/* The canonical text: json_dumps(policy_to_json(p), JSON_SORT_KEYS | JSON_COMPACT).
 * Returns: a new malloc'd string, NULL on OOM. */
char *policy_canonical(const struct policy *p);

/* keccak256 of the canonical text.
 * Returns: MCP_OK or MCP_ENOMEM (out is then all zero). */
enum mcp_rc policy_hash_checked(uint8_t out[32], const struct policy *p,
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* As policy_hash_checked for callers that cannot act on OOM: out is all zero bytes then, a
 * value no real policy hashes to, so anything signed over it fails to verify. */
void policy_hash(uint8_t out[32], const struct policy *p);

/* Small shared predicates (used by the summary and the execution checks). */
/* 1 when every function is a known swap (the summary then says "trade"). */
int policy_all_swaps(const struct policy *p);
/* 1 when a rate limit is set. */
int policy_has_rate_limit(const struct policy *p);
/* The index of paymaster pm in the allow-list, or -1. */
int policy_paymaster_index(const struct policy *p, const uint8_t pm[20]);

#endif

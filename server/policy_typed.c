/* policy_typed.c: the SessionApproval EIP-712 typed data (see policy_typed.h). */
#include "policy_typed.h"

#include <string.h>

#include "eth_addr.h"
#include "eth_eip712.h"
#include "eth_hex.h"
#include "eth_keccak.h"

/* {"name": n, "type": t} pairs, in signing order. */
static const char *const approval_fields[][2] = {
    {"sessionId", "string"},          {"wallet", "address"},
    {"owner", "address"},             {"sessionKey", "address"},
    {"target", "address"},            {"selectors", "bytes4[]"},
    {"spendToken", "address"},        {"maxPerTransaction", "uint256"},
    {"maxTotal", "uint256"},          {"rateLimitCount", "uint32"},
    {"rateLimitPeriod", "uint32"},    {"validAfter", "uint48"},
    {"validUntil", "uint48"},         {"summary", "string"},
    {"summaryHash", "bytes32"},       {"policyHash", "bytes32"},
};

static const char *const domain_fields[][2] = {
    {"name", "string"}, {"version", "string"}, {"chainId", "uint256"}};

static json_t *field_list(const char *const (*fields)[2], size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < n; i++) {
        if (json_array_append_new(arr, json_pack("{s:s, s:s}", "name", fields[i][0], "type",
                                                 fields[i][1])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *types(void)
{
    return json_pack("{s:o, s:o}", "EIP712Domain",
                     field_list(domain_fields, sizeof domain_fields / sizeof domain_fields[0]),
                     "SessionApproval",
                     field_list(approval_fields, sizeof approval_fields / sizeof approval_fields[0]));
}

static json_t *address(const uint8_t a[20])
{
    char s[ETH_ADDR_STR_SIZE];

    eth_addr_format(s, a);
    return json_string(s);
}

static json_t *selectors(const struct policy *p)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < p->n_functions; i++) {
        if (json_array_append_new(arr, eth_hex_json(p->functions[i].selector, 4)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *message(const struct policy *p, const char *session_id, const char *summary_text)
{
    uint8_t summary_hash[32], policy_hash_b[32];

    eth_keccak256(summary_hash, summary_text, strlen(summary_text));
    if (policy_hash_checked(policy_hash_b, p, NULL) != MCP_OK)
        return NULL;
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:s, "
                     "s:o, s:o}",
                     "sessionId", session_id, "wallet", address(p->wallet), "owner",
                     address(p->owner), "sessionKey", address(p->session_key), "target",
                     address(p->target), "selectors", selectors(p), "spendToken",
                     address(p->spend_token), "maxPerTransaction", eth_u256_json_dec(&p->max_per_tx),
                     "maxTotal", eth_u256_json_dec(&p->max_total), "rateLimitCount",
                     (json_int_t)p->rate_count, "rateLimitPeriod", (json_int_t)p->rate_period,
                     "validAfter", (json_int_t)p->valid_after, "validUntil",
                     (json_int_t)p->valid_until, "summary", summary_text, "summaryHash",
                     eth_hex_json(summary_hash, 32), "policyHash", eth_hex_json(policy_hash_b, 32));
}

json_t *policy_typed_data(const struct policy *p, const char *session_id, const char *summary_text)
{
    if (session_id == NULL || summary_text == NULL)
        return NULL;
    return json_pack("{s:o, s:s, s:{s:s, s:s, s:I}, s:o}", "types", types(), "primaryType",
                     "SessionApproval", "domain", "name", POLICY_TYPED_DOMAIN_NAME, "version",
                     POLICY_TYPED_DOMAIN_VERSION, "chainId", (json_int_t)p->chain_id, "message",
                     message(p, session_id, summary_text));
}

enum mcp_rc policy_typed_digest(uint8_t digest[32], json_t *typed, struct mcp_error *err)
{
    return eth_eip712_hash(digest, NULL, NULL, typed, err);
}

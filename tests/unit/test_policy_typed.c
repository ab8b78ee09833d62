/* test_policy_typed.c: the SessionApproval typed data of the seed policy against
 * tests/golden/typed/: seed.json (the typed data), seed.policy.json (the canonical policy its
 * policyHash covers) and seed.digest (the EIP-712 digest, computed with viem's hashTypedData;
 * tests/interop/policy_typed.test.mjs checks the same files on the viem side).
 * SKM_UPDATE_GOLDEN=1 rewrites seed.json and seed.policy.json (never seed.digest). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_keccak.h"
#include "policy.h"
#include "policy_summary.h"
#include "policy_typed.h"
#include "test.h"

#define NOW 1767225600
#define SESSION_KEY "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
#define SESSION_ID "3f1c2a9e-6b7d-4e58-9a0b-1c2d3e4f5a6b"
#define TYPED "tests/golden/typed/"

static int seed_policy(struct policy *p)
{
    json_t *args = json_load_file("tests/golden/summary/seed.json", 0, NULL);
    uint8_t key[20];
    struct mcp_error err;
    enum mcp_rc rc;

    if (args == NULL || eth_addr_parse(key, SESSION_KEY, "key", NULL) != MCP_OK)
        return 0;
    rc = policy_from_request(p, NULL, args, key, NOW, &err);
    json_decref(args);
    return rc == MCP_OK;
}

/* The seed's typed data as the server builds it; a new reference or NULL. */
static json_t *seed_typed(char **text_out)
{
    struct policy p;
    struct mcp_error err;
    char *text = NULL;
    json_t *typed;

    if (!seed_policy(&p) || policy_summary(NULL, NULL, NULL, &text, &p, &err) != MCP_OK)
        return NULL;
    typed = policy_typed_data(&p, SESSION_ID, text);
    if (text_out != NULL)
        *text_out = text;
    else
        free(text);
    return typed;
}

static void update_golden(json_t *typed, const struct policy *p)
{
    char *canon = policy_canonical(p), *pretty = json_dumps(typed, JSON_INDENT(2));
    FILE *f;

    if (pretty != NULL && (f = fopen(TYPED "seed.json", "wb")) != NULL) {
        fprintf(f, "%s\n", pretty);
        fclose(f);
    }
    if (canon != NULL && (f = fopen(TYPED "seed.policy.json", "wb")) != NULL) {
        fprintf(f, "%s\n", canon);
        fclose(f);
    }
    free(pretty);
    free(canon);
}

TEST(typed_seed_matches_golden)
{
    struct policy p;
    json_t *typed = seed_typed(NULL), *golden;
    json_error_t jerr;

    CHECK(typed != NULL);
    CHECK(seed_policy(&p));
    if (getenv("SKM_UPDATE_GOLDEN") != NULL)
        update_golden(typed, &p);
    golden = json_load_file(TYPED "seed.json", JSON_REJECT_DUPLICATES, &jerr);
    CHECK(golden != NULL);
    CHECK(json_equal(typed, golden));
    json_decref(typed);
    json_decref(golden);
}

TEST(typed_golden_digest)
{
    json_t *golden = json_load_file(TYPED "seed.json", JSON_REJECT_DUPLICATES, NULL);
    char *want = test_slurp(TYPED "seed.digest"), got[67];
    uint8_t digest[32];
    struct mcp_error err;

    CHECK(golden != NULL);
    CHECK(want != NULL);
    CHECK_EQ_INT(policy_typed_digest(digest, golden, &err), MCP_OK);
    eth_hex_encode(got, digest, 32);
    CHECK(strlen(want) >= 66);
    want[66] = '\0';
    CHECK_STR(got, want);
    free(want);
    json_decref(golden);
}

TEST(typed_hashes_bind_summary_and_policy)
{
    struct policy p;
    char *text = NULL, *canon = NULL, *pinned = test_slurp(TYPED "seed.policy.json"), hex[67];
    json_t *typed = seed_typed(&text), *msg;
    uint8_t h[32];

    CHECK(typed != NULL && text != NULL && pinned != NULL);
    CHECK(seed_policy(&p));
    msg = json_object_get(typed, "message");
    CHECK_STR(json_string_value(json_object_get(msg, "summary")), text);
    eth_keccak256(h, text, strlen(text));
    eth_hex_encode(hex, h, 32);
    CHECK_STR(json_string_value(json_object_get(msg, "summaryHash")), hex);
    policy_hash(h, &p);
    eth_hex_encode(hex, h, 32);
    CHECK_STR(json_string_value(json_object_get(msg, "policyHash")), hex);
    CHECK((canon = policy_canonical(&p)) != NULL);
    CHECK(strlen(pinned) == strlen(canon) + 1);
    CHECK(strncmp(pinned, canon, strlen(canon)) == 0);
    CHECK_STR(json_string_value(json_object_get(msg, "wallet")), "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    CHECK_STR(json_string_value(json_object_get(msg, "maxTotal")), "1000000000");
    CHECK_STR(json_string_value(json_array_get(json_object_get(msg, "selectors"), 0)), "0x04e45aaf");
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(typed, "domain"), "chainId")), 8453);
    CHECK_STR(json_string_value(json_object_get(typed, "primaryType")), "SessionApproval");
    free(text);
    free(canon);
    free(pinned);
    json_decref(typed);
}

TEST(typed_digest_changes_with_any_input)
{
    struct policy p;
    struct mcp_error err;
    char *text = NULL;
    uint8_t d0[32], d1[32];
    json_t *t;

    CHECK(seed_policy(&p));
    CHECK_EQ_INT(policy_summary(NULL, NULL, NULL, &text, &p, &err), MCP_OK);
    CHECK((t = policy_typed_data(&p, SESSION_ID, text)) != NULL);
    CHECK_EQ_INT(policy_typed_digest(d0, t, &err), MCP_OK);
    json_decref(t);
    CHECK((t = policy_typed_data(&p, "another-session", text)) != NULL);
    CHECK_EQ_INT(policy_typed_digest(d1, t, &err), MCP_OK);
    CHECK(memcmp(d0, d1, 32) != 0);
    json_decref(t);
    CHECK((t = policy_typed_data(&p, SESSION_ID, "Session Permissions:\n")) != NULL);
    CHECK_EQ_INT(policy_typed_digest(d1, t, &err), MCP_OK);
    CHECK(memcmp(d0, d1, 32) != 0);
    json_decref(t);
    p.chain_id = 42161; /* another chain: another domain */
    CHECK((t = policy_typed_data(&p, SESSION_ID, text)) != NULL);
    CHECK_EQ_INT(policy_typed_digest(d1, t, &err), MCP_OK);
    CHECK(memcmp(d0, d1, 32) != 0);
    json_decref(t);
    CHECK(policy_typed_data(&p, NULL, text) == NULL);
    free(text);
}

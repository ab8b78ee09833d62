/* test_policy_summary.c: the ✓/✗ summary against golden files, byte for byte.
 * Each case is tests/golden/summary/<case>.json (request_session_approval arguments) and
 * <case>.txt (the exact text). Run from the repo root. SKM_UPDATE_GOLDEN=1 rewrites the .txt
 * files from the current output instead of comparing (review the diff before committing). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "policy.h"
#include "policy_summary.h"
#include "test.h"

#define GOLDEN "tests/golden/summary/"
#define NOW 1767225600 /* 2026-01-01T00:00:00Z */
#define SESSION_KEY "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"

static const char *const cases[] = {
    "seed",          "default_token",  "no_rate_limit",  "several_functions",
    "multicall",     "unknown_contract", "selector_only", "weth_spend_token",
    "erc20_transfer", "erc20_transfer_approve", "duration_30_days", "duration_90_seconds",
};

/* Build the policy of a golden case; 0 on failure (reported). */
static int case_policy(struct policy *p, const char *name)
{
    char path[256];
    uint8_t key[20];
    struct mcp_error err;
    json_error_t jerr;
    json_t *args;
    enum mcp_rc rc;

    snprintf(path, sizeof path, GOLDEN "%s.json", name);
    if ((args = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        test_fail(__FILE__, __LINE__, "%s: %s", path, jerr.text);
        return 0;
    }
    if (eth_addr_parse(key, SESSION_KEY, "key", NULL) != MCP_OK)
        return 0;
    rc = policy_from_request(p, NULL, args, key, NOW, &err);
    json_decref(args);
    if (rc != MCP_OK)
        test_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
    return rc == MCP_OK;
}

static char *render_text(const struct policy *p)
{
    char *text = NULL;
    struct mcp_error err;

    if (policy_summary(NULL, NULL, NULL, &text, p, &err) != MCP_OK)
        test_fail(__FILE__, __LINE__, "policy_summary: %s", err.msg);
    return text;
}

static void check_case(const char *name)
{
    struct policy p;
    char path[256], *want, *got;
    FILE *f;

    if (!case_policy(&p, name) || (got = render_text(&p)) == NULL)
        return;
    snprintf(path, sizeof path, GOLDEN "%s.txt", name);
    if (getenv("SKM_UPDATE_GOLDEN") != NULL && (f = fopen(path, "wb")) != NULL) {
        fputs(got, f);
        fclose(f);
    }
    want = test_slurp(path);
    if (want == NULL || strcmp(want, got) != 0)
        test_fail(__FILE__, __LINE__, "%s:\n--- got\n%s--- expected\n%s", path, got,
                  want ? want : "(missing)\n");
    free(want);
    free(got);
}

TEST(summary_golden_files)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !test_failed(); i++)
        check_case(cases[i]);
}

TEST(summary_seed_exact)
{
    static const char want[] = "Session Permissions:\n"
                               "✓ Can execute: Uniswap V3 swaps only\n"
                               "✓ Max per trade: $50 USDC\n"
                               "✓ Total limit: $1000 USDC\n"
                               "✓ Expires: Fri 2 Jan, 00:00 UTC (24 hours after the request)\n"
                               "✓ Rate limit: 1 trade per hour\n"
                               "✓ Fees: at most 0.005 ETH per trade\n"
                               "✓ Max slippage: 1% below the Uniswap quote; a trade asking a worse price is "
                               "refused before signing\n"
                               "✓ You can revoke anytime\n"
                               "✗ Cannot: Transfer to other addresses\n"
                               "✗ Cannot: Exceed spending limits\n"
                               "✗ Cannot: Access after expiration\n";
    struct policy p;
    char *text;

    CHECK(case_policy(&p, "seed"));
    CHECK((text = render_text(&p)) != NULL);
    CHECK_STR(text, want);
    free(text);
}

/* The arrays hold the text's lines without their marks, in the same order. */
static void check_arrays_match_text(const char *name)
{
    json_t *can = NULL, *cannot = NULL, *warnings = NULL, *notes = NULL, *v;
    char *text = NULL, *rebuilt;
    struct mcp_error err;
    struct policy p;
    size_t i, used;

    if (!case_policy(&p, name))
        return;
    if (policy_summary(&can, &cannot, &warnings, &text, &p, &err) != MCP_OK) {
        test_fail(__FILE__, __LINE__, "%s: %s", name, err.msg);
        return;
    }
    rebuilt = calloc(1, strlen(text) + 1);
    used = (size_t)sprintf(rebuilt, "Session Permissions:\n");
    json_array_foreach(can, i, v)
        used += (size_t)sprintf(rebuilt + used, "✓ %s\n", json_string_value(v));
    json_array_foreach(cannot, i, v)
        used += (size_t)sprintf(rebuilt + used, "✗ Cannot: %s\n", json_string_value(v));
    notes = policy_summary_notes(&p);
    json_array_foreach(notes, i, v)
        used += (size_t)sprintf(rebuilt + used, "ℹ %s\n", json_string_value(v));
    json_array_foreach(warnings, i, v)
        used += (size_t)sprintf(rebuilt + used, "⚠ Warning: %s\n", json_string_value(v));
    if (strcmp(rebuilt, text) != 0)
        test_fail(__FILE__, __LINE__, "%s: arrays and text differ", name);
    free(rebuilt);
    free(text);
    json_decref(can);
    json_decref(cannot);
    json_decref(warnings);
    json_decref(notes);
}

TEST(summary_arrays_match_text)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !test_failed(); i++)
        check_arrays_match_text(cases[i]);
}

/* Same policy, same bytes: twice in a row, and after a trip through the canonical JSON. */
TEST(summary_deterministic)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct policy p, q;
        struct mcp_error err;
        char *a, *b, *c;
        json_t *j;

        CHECK(case_policy(&p, cases[i]));
        CHECK((j = policy_to_json(&p)) != NULL);
        CHECK_EQ_INT(policy_from_json(&q, j, &err), MCP_OK);
        json_decref(j);
        a = render_text(&p);
        b = render_text(&p);
        c = render_text(&q);
        CHECK(a != NULL && b != NULL && c != NULL);
        CHECK_STR(a, b);
        CHECK_STR(a, c);
        free(a);
        free(b);
        free(c);
    }
}

TEST(summary_warnings)
{
    json_t *can = NULL, *cannot = NULL, *warnings = NULL;
    struct policy p;
    struct mcp_error err;

    CHECK(case_policy(&p, "selector_only"));
    CHECK_EQ_INT(policy_summary(&can, &cannot, &warnings, NULL, &p, &err), MCP_OK);
    CHECK_EQ_INT(json_array_size(warnings), 2);
    CHECK_STR(json_string_value(json_array_get(warnings, 0)),
              "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB is not a contract we can name; check it "
              "before you sign");
    CHECK_STR(json_string_value(json_array_get(warnings, 1)), "function 0xdeadbeef has no name we know");
    CHECK_EQ_INT(json_array_size(cannot), 2); /* no "Transfer to other addresses" */
    json_decref(can);
    json_decref(cannot);
    json_decref(warnings);
    CHECK(case_policy(&p, "seed"));
    CHECK_EQ_INT(policy_summary(&can, &cannot, &warnings, NULL, &p, &err), MCP_OK);
    CHECK_EQ_INT(json_array_size(warnings), 0);
    CHECK_EQ_INT(json_array_size(cannot), 3);
    CHECK_STR(json_string_value(json_array_get(can, 0)), "Can execute: Uniswap V3 swaps only");
    json_decref(can);
    json_decref(cannot);
    json_decref(warnings);
}

TEST(summary_outputs_optional)
{
    struct policy p;
    struct mcp_error err;
    json_t *can = NULL;

    CHECK(case_policy(&p, "seed"));
    CHECK_EQ_INT(policy_summary(&can, NULL, NULL, NULL, &p, &err), MCP_OK);
    CHECK_EQ_INT(json_array_size(can), 8);
    json_decref(can);
    CHECK_EQ_INT(policy_summary(NULL, NULL, NULL, NULL, &p, &err), MCP_OK);
}

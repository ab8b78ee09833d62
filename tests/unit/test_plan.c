/* test_plan.c: automation plans: exact slice arithmetic, caps, words, narrowing, coverage. */
#include <stdio.h>
#include <stdlib.h>

#include "plan_automation.h"
#include "policy.h"
#include "test.h"

static json_t *twap(const char *total, int duration, int interval)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "kind", "twap", "sellToken", "USDC", "buyToken", "WETH",
                     "totalAmount", total, "duration", duration, "interval", interval);
}

static const char *units(const struct eth_u256 *v, unsigned decimals)
{
    static char buf[96];

    eth_u256_to_units(buf, sizeof buf, v, decimals);
    return buf;
}

TEST(plan_twap_seed_slices_and_cap)
{
    json_t *a = twap("1000", 86400, 3600);
    struct mcp_error err;
    struct plan p;

    CHECK_EQ_INT(plan_build(&p, NULL, 8453, a, &err), MCP_OK);
    CHECK_EQ_INT(p.trades, 24);
    CHECK_STR(units(&p.total, 6), "1000");
    CHECK_STR(units(&p.trade, 6), "41.67");  /* 41.666666.. shown rounded up to the cent */
    CHECK_STR(units(&p.cap, 6), "42.09");    /* largest slice 41.666667 + 1%, up to the cent */
    CHECK_STR(p.schedule, "$41.67 USDC into WETH every hour for 24 hours (24 trades, $1000 USDC in total)");
    CHECK_STR(p.label, "USDC to WETH TWAP");
    CHECK_EQ_INT(p.interval, 3600);
    json_decref(a);
}

TEST(plan_twap_even_split_and_cap_never_above_total)
{
    json_t *a = twap("100", 3600, 1800), *b = twap("0.03", 7200, 3600);
    struct mcp_error err;
    struct plan p;

    CHECK_EQ_INT(plan_build(&p, NULL, 8453, a, &err), MCP_OK);
    CHECK_EQ_INT(p.trades, 2);
    CHECK_STR(units(&p.trade, 6), "50");
    CHECK_STR(units(&p.cap, 6), "50.5");
    /* two trades of 0.015: +1% and rounding up to a cent would exceed nothing but... */
    CHECK_EQ_INT(plan_build(&p, NULL, 8453, b, &err), MCP_OK);
    CHECK_STR(units(&p.cap, 6), "0.02");
    CHECK(eth_u256_cmp(&p.cap, &p.total) <= 0);
    json_decref(a);
    json_decref(b);
}

TEST(plan_refusals_name_the_field)
{
    json_t *longer = twap("1000", 3600, 7200), *bad = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "kind", "twap",
                                                               "sellToken", "DOGE", "buyToken", "WETH", "totalAmount",
                                                               "5", "duration", 3600, "interval", 600);
    json_t *same = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "kind", "twap", "sellToken", "USDC", "buyToken", "usdc",
                             "totalAmount", "5", "duration", 3600, "interval", 600);
    struct mcp_error err;
    struct plan p;

    CHECK_EQ_INT(plan_build(&p, NULL, 8453, longer, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "automation.interval (7200 s) is longer than automation.duration (3600 s)");
    CHECK_EQ_INT(plan_build(&p, NULL, 8453, bad, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "automation.sellToken: DOGE is not a token we know on Base");
    CHECK_EQ_INT(plan_build(&p, NULL, 8453, same, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "same token");
    json_t *anvil = twap("1", 3600, 600);
    enum mcp_rc rc = plan_build(&p, NULL, 31337, anvil, &err);
    json_decref(anvil);
    CHECK_EQ_INT(rc, MCP_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "no Uniswap V3 SwapRouter02 we know on Anvil");
    json_decref(longer);
    json_decref(bad);
    json_decref(same);
}

TEST(plan_stop_loss_one_sale)
{
    json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "stop_loss", "token", "WETH", "amount", "0.5",
                          "triggerPrice", "2000", "receiveToken", "USDC");
    struct mcp_error err;
    struct plan p;

    CHECK_EQ_INT(plan_build(&p, NULL, 8453, a, &err), MCP_OK);
    CHECK_EQ_INT(p.trades, 1);
    CHECK_EQ_INT(p.duration, PLAN_STOP_LOSS_DEFAULT_DURATION);
    CHECK_STR(units(&p.cap, 18), "0.5");
    CHECK_STR(units(&p.total, 18), "0.5");
    CHECK_STR(p.schedule, "Sell 0.5 WETH for USDC once, if WETH falls to 2000 USDC or less, at any time in the next "
                          "7 days");
    json_decref(a);
}

/* A request built from the plan's own proposal passes the narrowing check; wider values are
 * refused with the value to use. */
TEST(plan_proposal_is_narrow_and_wider_is_refused)
{
    json_t *a = twap("1000", 86400, 3600), *prop;
    static const uint8_t key[20] = {1};
    struct policy pol;
    struct mcp_error err;
    struct plan p;

    CHECK_EQ_INT(plan_build(&p, NULL, 8453, a, &err), MCP_OK);
    prop = plan_proposal(&p, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", a);
    CHECK(prop != NULL);
    CHECK_EQ_INT(policy_from_request(&pol, NULL, prop, key, 1000, &err), MCP_OK);
    CHECK_EQ_INT(plan_check_narrow(&p, &pol, &err), MCP_OK);
    json_object_set_new(json_object_get(prop, "permissions"), "maxTotal", json_string("1000.01"));
    json_object_set_new(prop, "duration", json_integer(90000));
    CHECK_EQ_INT(policy_from_request(&pol, NULL, prop, key, 1000, &err), MCP_OK);
    CHECK_EQ_INT(plan_check_narrow(&p, &pol, &err), MCP_EPOLICY);
    CHECK_CONTAINS(err.msg, "maxTotal \"1000.01\" is more than the automation needs: use \"1000\"");
    CHECK_CONTAINS(err.msg, "duration 90000 is longer than the automation runs: use 86400");
    json_object_del(json_object_get(prop, "permissions"), "rateLimit");
    json_object_set_new(json_object_get(prop, "permissions"), "maxTotal", json_string("1000"));
    json_object_set_new(prop, "duration", json_integer(86400));
    CHECK_EQ_INT(policy_from_request(&pol, NULL, prop, key, 1000, &err), MCP_OK);
    CHECK_EQ_INT(plan_check_narrow(&p, &pol, &err), MCP_EPOLICY);
    CHECK_CONTAINS(err.msg, "rateLimit must allow at most 1 trade per 3600 seconds");
    json_decref(prop);
    json_decref(a);
}

TEST(plan_covered_by_needs_budget_time_and_scope)
{
    json_t *a = twap("1000", 86400, 3600), *prop;
    static const uint8_t key[20] = {1};
    struct eth_u256 left;
    struct policy pol;
    struct mcp_error err;
    struct plan p;

    CHECK_EQ_INT(plan_build(&p, NULL, 8453, a, &err), MCP_OK);
    prop = plan_proposal(&p, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", a);
    CHECK_EQ_INT(policy_from_request(&pol, NULL, prop, key, 1000, &err), MCP_OK);
    left = pol.max_total;
    CHECK(plan_covered_by(&p, &pol, &left, 1000 + 86400, 1000));
    CHECK(!plan_covered_by(&p, &pol, &left, 1000 + 86399, 1000)); /* would expire before the last slice */
    CHECK(eth_u256_from_units(&left, "999.99", 6, "x", &err) == MCP_OK);
    CHECK(!plan_covered_by(&p, &pol, &left, 1000 + 86400, 1000)); /* not enough budget left */
    json_decref(prop);
    json_decref(a);
}

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

/* trade * (trades - 1) + last == total, and cap == max(trade, last). */
static void check_exact(const struct plan *p)
{
    struct eth_u256 sum, big;

    eth_u256_mul_u64(&sum, &p->trade, p->trades - 1);
    eth_u256_add(&sum, &sum, &p->last);
    CHECK(eth_u256_cmp(&sum, &p->total) == 0);
    big = eth_u256_cmp(&p->last, &p->trade) > 0 ? p->last : p->trade;
    CHECK(eth_u256_cmp(&p->cap, &big) == 0);
}

TEST(plan_twap_seed_slices_and_cap)
{
    json_t *a = twap("1000", 86400, 3600);
    struct mcp_error err;
    struct plan p;

    CHECK_EQ_INT(plan_build(&p, NULL, 8453, a, &err), MCP_OK);
    CHECK_EQ_INT(p.trades, 24);
    CHECK_STR(units(&p.total, 6), "1000");
    CHECK_STR(units(&p.trade, 6), "41.67"); /* 41.666666.. to the nearest cent */
    CHECK_STR(units(&p.last, 6), "41.59");  /* 1000 - 23 x 41.67 */
    CHECK_STR(units(&p.cap, 6), "41.67");   /* the largest slice: the gate allows exactly these */
    CHECK_STR(p.schedule, "$41.67 USDC into WETH every hour for 24 hours (24 trades: 23 of $41.67 USDC and a last "
                          "one of $41.59 USDC, exactly $1000 USDC in total)");
    CHECK_STR(p.label, "USDC to WETH TWAP");
    CHECK_EQ_INT(p.interval, 3600);
    check_exact(&p);
    json_decref(a);
}

TEST(plan_twap_even_split_rounding_down_and_base_units)
{
    json_t *a = twap("100", 3600, 1800), *b = twap("0.03", 7200, 3600), *c = twap("1", 12000, 60),
           *d = twap("0.00003", 600, 60), *e = twap("0.000001", 600, 60), *f = twap("100", 10800, 3600);
    struct mcp_error err;
    struct plan p;

    CHECK_EQ_INT(plan_build(&p, NULL, 8453, a, &err), MCP_OK);
    CHECK_EQ_INT(p.trades, 2);
    CHECK_STR(units(&p.trade, 6), "50");
    CHECK_STR(units(&p.cap, 6), "50");
    CHECK_STR(p.schedule, "$50 USDC into WETH every 30 minutes for 1 hour (2 trades, exactly $100 USDC in total)");
    check_exact(&p);
    CHECK_EQ_INT(plan_build(&p, NULL, 8453, b, &err), MCP_OK); /* 0.015 rounds to 0.02; the last is 0.01 */
    CHECK_STR(units(&p.trade, 6), "0.02");
    CHECK_STR(units(&p.last, 6), "0.01");
    check_exact(&p);
    CHECK_EQ_INT(plan_build(&p, NULL, 8453, c, &err), MCP_OK); /* 200 x 0.005: rounding up overshoots, so down */
    CHECK_EQ_INT(p.trades, 200);
    CHECK_STR(units(&p.trade, 6), "0.005"); /* ...and to a cent that is 0, so base units */
    check_exact(&p);
    CHECK_EQ_INT(plan_build(&p, NULL, 8453, d, &err), MCP_OK); /* below a cent: base units */
    CHECK_STR(units(&p.trade, 6), "0.000003");
    check_exact(&p);
    CHECK(!eth_u256_is_zero(&p.trade));
    CHECK_EQ_INT(plan_build(&p, NULL, 8453, e, &err), MCP_EINVAL); /* 1 unit cannot make 10 trades */
    CHECK_CONTAINS(err.msg, "too small to split into 10 trades");
    CHECK_EQ_INT(plan_build(&p, NULL, 8453, f, &err), MCP_OK); /* 33.33 x 2 + 33.34 */
    CHECK_STR(units(&p.trade, 6), "33.33");
    CHECK_STR(units(&p.last, 6), "33.34");
    CHECK_STR(units(&p.cap, 6), "33.34");
    check_exact(&p);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
    json_decref(e);
    json_decref(f);
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

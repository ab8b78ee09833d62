/* test_zd_map.c: our policy -> ZeroDev policies: the seed example's CallPolicy rules, the
 * rate-limit contract choice (never the "one trade in total" encoding), and which limits the
 * chain enforces. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "eth_abi.h"
#include "eth_hex.h"
#include "test.h"
#include "zd_const.h"
#include "zd_map.h"

#define ROUTER "0x2626664c2603336E57B271c5C0b26F421741e481"
#define USDC "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
#define WALLET "0x9cE99DFEb2fe022dE1f80c0FA80e6bbFCE8F5D54"
#define OWNER "0x8e3345cF9D8890c2f86872EEAc0e3E7594225e44"
#define SESSION "0x178dB395AE63C918fA0a38537E647056720C3CF2"
#define T0 1795600000

static void set_addr(uint8_t out[20], const char *s)
{
    if (eth_hex_decode(out, 20, s, "test", NULL) != MCP_OK)
        memset(out, 0, 20);
}

static void add_function(struct policy *p, const char *sig, const char *category)
{
    struct policy_function *f = &p->functions[p->n_functions++];

    snprintf(f->signature, sizeof f->signature, "%s", sig);
    snprintf(f->name, sizeof f->name, "%.*s", (int)(strchr(sig, '(') - sig), sig);
    snprintf(f->category, sizeof f->category, "%s", category);
    f->known = 1;
    if (eth_abi_selector(f->selector, sig, NULL) != MCP_OK)
        memset(f->selector, 0, 4);
}

/* The seed example: TWAP on SwapRouter02, 50 USDC per trade, 1000 in total, 1 per hour, 24 h. */
static void seed_policy(struct policy *p)
{
    memset(p, 0, sizeof *p);
    p->version = POLICY_VERSION;
    p->chain_id = 8453;
    set_addr(p->wallet, WALLET);
    set_addr(p->owner, OWNER);
    set_addr(p->session_key, SESSION);
    set_addr(p->target, ROUTER);
    p->contract_known = 1;
    add_function(p, "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
                 "swap");
    set_addr(p->spend_token, USDC);
    p->token_decimals = 6;
    eth_u256_from_u64(&p->max_per_tx, 50000000);
    eth_u256_from_u64(&p->max_total, 1000000000);
    p->rate_count = 1;
    p->rate_period = 3600;
    p->valid_after = T0;
    p->valid_until = T0 + 86400;
}

static const char *rule_str(json_t *rule)
{
    static char buf[256];

    snprintf(buf, sizeof buf, "%s@%lld:%s", json_string_value(json_object_get(rule, "condition")),
             (long long)json_integer_value(json_object_get(rule, "offset")),
             json_string_value(json_array_get(json_object_get(rule, "params"), 0)));
    return buf;
}

TEST(zd_map_seed_example_call_policy_rules)
{
    struct policy p;
    json_t *spec = NULL, *perm, *rules;
    struct mcp_error err;

    seed_policy(&p);
    CHECK_EQ_INT(zd_map_spec(&spec, &p, NULL, &err), MCP_OK);
    CHECK_EQ_INT(json_array_size(json_object_get(spec, "call")), 1);
    perm = json_array_get(json_object_get(spec, "call"), 0);
    CHECK_STR(json_string_value(json_object_get(perm, "target")), ROUTER);
    CHECK_STR(json_string_value(json_object_get(perm, "selector")), "0x04e45aaf");
    CHECK_STR(json_string_value(json_object_get(perm, "valueLimit")), "0");
    rules = json_object_get(perm, "rules");
    CHECK_EQ_INT(json_array_size(rules), 3);
    /* tokenIn == spend token, recipient == the wallet itself, amountIn <= maxPerTransaction */
    CHECK_STR(rule_str(json_array_get(rules, 0)),
              "EQUAL@0:0x000000000000000000000000833589fcd6edb6e08f4c7c32d4f71b54bda02913");
    CHECK_STR(rule_str(json_array_get(rules, 1)),
              "EQUAL@96:0x0000000000000000000000009ce99dfeb2fe022de1f80c0fa80e6bbfce8f5d54");
    CHECK_STR(rule_str(json_array_get(rules, 2)),
              "LESS_THAN_OR_EQUAL@128:0x0000000000000000000000000000000000000000000000000000000002faf080");
    /* 1 per hour over 24 hours: the no-reset contract, one per interval, 24 in total */
    CHECK(json_object_get(json_object_get(spec, "rateLimit"), "reset") == NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(spec, "rateLimit"), "interval")), 3600);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(spec, "rateLimit"), "count")), 24);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(spec, "timestamp"), "validAfter")), T0);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(spec, "timestamp"), "validUntil")),
                 T0 + 86400 - 1);
    json_decref(spec);
}

TEST(zd_map_seed_example_encodes_on_the_no_reset_contract)
{
    struct policy p;
    struct zd_permission perm;
    struct zd_enable en;
    struct mcp_error err;
    char want_info[64];

    seed_policy(&p);
    CHECK_EQ_INT(zd_map_permission(&perm, &p, NULL, &err), MCP_OK);
    CHECK_EQ_INT(zd_enable_build(&en, &perm, &err), MCP_OK);
    CHECK_EQ_INT(en.n_policies, 3);
    CHECK_STR(zd_policy_type(json_array_get(perm.policies, 0)), "call");
    CHECK_STR(zd_hex_str(&en.info[0]), "0x0000" "9a52283276A0ec8740DF50bF01B28A80D880eaf2");
    snprintf(want_info, sizeof want_info, "0x0000%s", &ZD_RATE_LIMIT_POLICY[2]);
    CHECK_STR(zd_hex_str(&en.info[1]), want_info);
    /* interval 3600 (0xe10), count 24 (0x18), startAt 0: 6 bytes each */
    CHECK_STR(zd_hex_str(&en.data[1]), "0x000000000e10000000000018000000000000");
    CHECK_STR(zd_hex_str(&en.info[2]), "0x0000" "B9f8f524bE6EcD8C945b1b87f9ae5C192FdCE20F");
    CHECK_STR(zd_hex_str(&en.signer_element),
              "0x0000" "6A6F069E2a08c2468e7724Ab3250CdBFBA14D4FF" "178dB395AE63C918fA0a38537E647056720C3CF2");
    zd_enable_free(&en);
    zd_permission_free(&perm);
}

/* For every duration and period, count 1: the chain must allow one UserOp per period for the
 * whole session. The naive {interval: period, count: 1} (one UserOp in total) must never come
 * out when the session is longer than a period. */
TEST(zd_map_never_the_one_trade_in_total_encoding)
{
    static const uint32_t periods[] = {60, 600, 3600, 7200, 86400};
    uint64_t interval, count;
    int reset;

    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
        for (int64_t d = 60; d <= 2592000; d += 997) {
            CHECK(zd_map_rate_limit(&interval, &count, &reset, 1, periods[i], d));
            CHECK_EQ_INT(reset, 0);
            CHECK_EQ_INT(interval, periods[i]);
            CHECK((int64_t)(count * interval) >= d);           /* every period gets its slot */
            CHECK((int64_t)((count - 1) * interval) < d);      /* and no more than fit */
            if (d > (int64_t)periods[i])
                CHECK(count > 1);
        }
    }
    CHECK(zd_map_rate_limit(&interval, &count, &reset, 1, 3600, 86400));
    CHECK_EQ_INT(count, 24);
    CHECK_EQ_INT(interval, 3600);
}

TEST(zd_map_count_above_one_needs_the_reset_contract)
{
    struct policy p;
    struct zd_permission perm;
    struct zd_enable en;
    struct mcp_error err;
    json_t *spec = NULL;
    uint64_t interval, count;
    int reset;
    char want_info[64];

    CHECK(zd_map_rate_limit(&interval, &count, &reset, 5, 3600, 86400));
    CHECK_EQ_INT(reset, 1);
    CHECK_EQ_INT(count, 5);
    CHECK_EQ_INT(interval, 3600);
    CHECK(!zd_map_rate_limit(&interval, &count, &reset, 0, 0, 86400));

    seed_policy(&p);
    p.rate_count = 5;
    CHECK_EQ_INT(zd_map_spec(&spec, &p, NULL, &err), MCP_OK);
    CHECK(json_is_true(json_object_get(json_object_get(spec, "rateLimit"), "reset")));
    json_decref(spec);
    CHECK_EQ_INT(zd_map_permission(&perm, &p, NULL, &err), MCP_OK);
    CHECK_EQ_INT(zd_enable_build(&en, &perm, &err), MCP_OK);
    snprintf(want_info, sizeof want_info, "0x0000%s", &ZD_RATE_LIMIT_RESET_POLICY[2]);
    CHECK_STR(zd_hex_str(&en.info[1]), want_info);
    CHECK_STR(zd_hex_str(&en.data[1]), "0x000000000e10000000000005"); /* no startAt */
    zd_enable_free(&en);
    zd_permission_free(&perm);

    p.rate_count = 0; /* no rate limit: no policy */
    p.rate_period = 0;
    CHECK_EQ_INT(zd_map_spec(&spec, &p, NULL, &err), MCP_OK);
    CHECK(json_object_get(spec, "rateLimit") == NULL);
    json_decref(spec);
}

TEST(zd_map_enforcement_seed_example)
{
    struct policy p;
    struct zd_enforcement e;
    json_t *j;

    seed_policy(&p);
    zd_enforcement(&e, &p, NULL);
    CHECK_EQ_INT(e.target, ZD_ENF_CHAIN);
    CHECK_EQ_INT(e.functions, ZD_ENF_CHAIN);
    CHECK_EQ_INT(e.spend_token, ZD_ENF_CHAIN);
    CHECK_EQ_INT(e.recipient, ZD_ENF_CHAIN);
    CHECK_EQ_INT(e.max_per_tx, ZD_ENF_CHAIN);
    CHECK_EQ_INT(e.max_total, ZD_ENF_SERVER); /* CallPolicy has no cumulative limit */
    CHECK_EQ_INT(e.rate_limit, ZD_ENF_SERVER); /* the chain caps the count, not the spacing */
    CHECK_EQ_INT(e.expiry, ZD_ENF_CHAIN);
    j = zd_enforcement_json(&e);
    CHECK_STR(json_string_value(json_object_get(j, "maxTotal")), "server");
    CHECK_STR(json_string_value(json_object_get(j, "maxPerTransaction")), "chain");
    json_decref(j);

    /* a path swap and a batch: checked by the server only, so the chain covers some */
    add_function(&p, "exactInput((bytes,address,uint256,uint256))", "swap");
    add_function(&p, "multicall(bytes[])", "batch");
    zd_enforcement(&e, &p, NULL);
    CHECK_EQ_INT(e.max_per_tx, ZD_ENF_PARTLY);
    CHECK_EQ_INT(e.spend_token, ZD_ENF_PARTLY);
    CHECK_EQ_INT(e.recipient, ZD_ENF_PARTLY);
    CHECK_EQ_INT(e.target, ZD_ENF_CHAIN);
    p.rate_count = 0;
    zd_enforcement(&e, &p, NULL);
    CHECK_EQ_INT(e.rate_limit, ZD_ENF_NONE);
}

TEST(zd_map_erc20_scopes_get_recipient_and_amount_rules)
{
    struct policy p;
    struct zd_map_opts o = {.call_version = ZD_CALL_V0_0_5};
    struct zd_enforcement e;
    uint8_t to[20], spender[20];
    json_t *spec = NULL, *rules;
    struct mcp_error err;

    seed_policy(&p);
    set_addr(p.target, USDC);
    p.contract_is_token = 1;
    p.n_functions = 0;
    add_function(&p, "transfer(address,uint256)", "transfer");
    add_function(&p, "approve(address,uint256)", "approve");
    set_addr(to, OWNER);
    set_addr(spender, ROUTER);

    CHECK_EQ_INT(zd_map_spec(&spec, &p, NULL, &err), MCP_OK); /* no recipient given: amount only */
    rules = json_object_get(json_array_get(json_object_get(spec, "call"), 0), "rules");
    CHECK_EQ_INT(json_array_size(rules), 1);
    CHECK_STR(rule_str(json_array_get(rules, 0)),
              "LESS_THAN_OR_EQUAL@32:0x0000000000000000000000000000000000000000000000000000000002faf080");
    json_decref(spec);
    zd_enforcement(&e, &p, NULL);
    CHECK_EQ_INT(e.recipient, ZD_ENF_NONE);
    CHECK_EQ_INT(e.spend_token, ZD_ENF_CHAIN); /* the token's own functions */

    o.transfer_to = to;
    o.approve_spender = spender;
    CHECK_EQ_INT(zd_map_spec(&spec, &p, &o, &err), MCP_OK);
    rules = json_object_get(json_array_get(json_object_get(spec, "call"), 0), "rules");
    CHECK_STR(rule_str(json_array_get(rules, 0)),
              "EQUAL@0:0x0000000000000000000000008e3345cf9d8890c2f86872eeac0e3e7594225e44");
    rules = json_object_get(json_array_get(json_object_get(spec, "call"), 1), "rules");
    CHECK_STR(rule_str(json_array_get(rules, 0)),
              "EQUAL@0:0x0000000000000000000000002626664c2603336e57b271c5c0b26f421741e481");
    CHECK_STR(rule_str(json_array_get(rules, 1)),
              "LESS_THAN_OR_EQUAL@32:0x0000000000000000000000000000000000000000000000000000000002faf080");
    json_decref(spec);
    zd_enforcement(&e, &p, &o);
    CHECK_EQ_INT(e.recipient, ZD_ENF_CHAIN);
}

TEST(zd_map_account_ref_uses_the_wallet)
{
    struct policy p;
    struct zd_account_ref ref;

    seed_policy(&p);
    zd_map_account_ref(&ref, &p, ZD_KERNEL_0_3_1, NULL);
    CHECK_STR(ref.account, WALLET);
    CHECK_STR(ref.owner, OWNER);
    CHECK_EQ_INT(ref.chain_id, 8453);
    CHECK(eth_u256_is_zero(&ref.index));
}

/* test_eth_u256.c: 256-bit arithmetic and decimal / token-unit conversion. */
#include <stdio.h>

#include "eth_u256.h"
#include "test.h"

#define MAX_DEC    "115792089237316195423570985008687907853269984665640564039457584007913129639935"
#define MAX_DIV_10 "11579208923731619542357098500868790785326998466564056403945758400791312963993"
#define TWO_256    "115792089237316195423570985008687907853269984665640564039457584007913129639936"

static void u256_max(struct eth_u256 *v)
{
    v->w[0] = v->w[1] = v->w[2] = v->w[3] = UINT64_MAX;
}

static void random_u256(struct eth_u256 *v)
{
    int bits = (int)(test_rand() % 257); /* spread over magnitudes, not just ~2^255 */

    for (int i = 0; i < 4; i++) {
        int lo = 64 * i;

        v->w[i] = test_rand();
        if (bits <= lo)
            v->w[i] = 0;
        else if (bits < lo + 64)
            v->w[i] &= (1ULL << (bits - lo)) - 1;
    }
}

static const char *to_dec(const struct eth_u256 *v)
{
    static char buf[79];

    eth_u256_to_dec(buf, sizeof buf, v);
    return buf;
}

static const char *to_units(const struct eth_u256 *v, unsigned decimals)
{
    static char buf[81];

    eth_u256_to_units(buf, sizeof buf, v, decimals);
    return buf;
}

/* The error message of from_units(s, decimals), or "(ok)". */
static const char *units_error(const char *s, unsigned decimals)
{
    static struct mcp_error err;
    struct eth_u256 v;

    if (eth_u256_from_units(&v, s, decimals, "maxTotal", &err) == MCP_OK)
        return "(ok)";
    return err.rc == MCP_EINVAL ? err.msg : "(not MCP_EINVAL)";
}

TEST(u256_dec_known_values)
{
    struct eth_u256 v;
    uint64_t small;

    CHECK_EQ_INT(eth_u256_from_dec(&v, "0", "x", NULL), MCP_OK);
    CHECK(eth_u256_is_zero(&v));
    CHECK_STR(to_dec(&v), "0");
    CHECK_EQ_INT(eth_u256_from_dec(&v, "00012", "x", NULL), MCP_OK);
    CHECK(eth_u256_to_u64(&small, &v));
    CHECK_EQ_INT(small, 12);
    CHECK_EQ_INT(eth_u256_from_dec(&v, "18446744073709551616", "x", NULL), MCP_OK);
    CHECK(!eth_u256_to_u64(&small, &v));
    CHECK(v.w[0] == 0 && v.w[1] == 1 && v.w[2] == 0 && v.w[3] == 0);
    CHECK_STR(to_dec(&v), "18446744073709551616");
    CHECK_EQ_INT(eth_u256_from_dec(&v, "10000000000000000000", "x", NULL), MCP_OK);
    CHECK_STR(to_dec(&v), "10000000000000000000"); /* exactly one 19-digit chunk boundary */
    CHECK_EQ_INT(eth_u256_from_dec(&v, MAX_DEC, "x", NULL), MCP_OK);
    CHECK(v.w[0] == UINT64_MAX && v.w[1] == UINT64_MAX && v.w[2] == UINT64_MAX &&
          v.w[3] == UINT64_MAX);
    CHECK_STR(to_dec(&v), MAX_DEC);
}

TEST(u256_dec_rejects)
{
    struct eth_u256 v;
    struct mcp_error err = {MCP_OK, ""};

    CHECK_EQ_INT(eth_u256_from_dec(&v, TWO_256, "value", &err), MCP_EINVAL);
    CHECK_STR(err.msg, "value: too large; the maximum is 2^256-1");
    CHECK(eth_u256_is_zero(&v));
    CHECK_EQ_INT(eth_u256_from_dec(&v, "", "value", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "value: empty");
    CHECK_EQ_INT(eth_u256_from_dec(&v, "-1", "value", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "negative");
    CHECK_EQ_INT(eth_u256_from_dec(&v, "+1", "value", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "'+'");
    CHECK_EQ_INT(eth_u256_from_dec(&v, "1.5", "value", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "whole number");
    CHECK_EQ_INT(eth_u256_from_dec(&v, "12a", "value", &err), MCP_EINVAL);
    CHECK_STR(err.msg, "value: 'a' at position 3 is not a digit");
    CHECK_EQ_INT(eth_u256_from_dec(&v, "0x10", "value", &err), MCP_EINVAL);
    CHECK_EQ_INT(eth_u256_from_dec(&v, NULL, "value", &err), MCP_EINVAL);
}

TEST(u256_dec_roundtrip_random)
{
    for (int iter = 0; iter < 500; iter++) {
        struct eth_u256 v, back;

        random_u256(&v);
        CHECK_EQ_INT(eth_u256_from_dec(&back, to_dec(&v), "x", NULL), MCP_OK);
        CHECK_EQ_INT(eth_u256_cmp(&v, &back), 0);
    }
}

/* to_dec of a 64-bit value agrees with printf. */
TEST(u256_dec_matches_printf_u64)
{
    for (int iter = 0; iter < 500; iter++) {
        uint64_t x = test_rand() >> (test_rand() % 64);
        struct eth_u256 v;
        char want[24];

        snprintf(want, sizeof want, "%llu", (unsigned long long)x);
        eth_u256_from_u64(&v, x);
        CHECK_STR(to_dec(&v), want);
    }
}

TEST(u256_add_sub_carry)
{
    struct eth_u256 max, one, v;

    u256_max(&max);
    eth_u256_from_u64(&one, 1);
    CHECK_EQ_INT(eth_u256_add(&v, &max, &one), 1);
    CHECK(eth_u256_is_zero(&v));
    CHECK_EQ_INT(eth_u256_sub(&v, &v, &one), 1); /* 0 - 1 wraps to max */
    CHECK_EQ_INT(eth_u256_cmp(&v, &max), 0);
    eth_u256_from_u64(&v, UINT64_MAX);
    CHECK_EQ_INT(eth_u256_add(&v, &v, &one), 0); /* carry into limb 1 */
    CHECK_STR(to_dec(&v), "18446744073709551616");
    CHECK_EQ_INT(eth_u256_sub(&v, &v, &one), 0); /* borrow from limb 1 */
    CHECK_STR(to_dec(&v), "18446744073709551615");
    CHECK_EQ_INT(eth_u256_cmp(&one, &max), -1);
    CHECK_EQ_INT(eth_u256_cmp(&max, &one), 1);
}

TEST(u256_add_sub_inverse_random)
{
    for (int iter = 0; iter < 500; iter++) {
        struct eth_u256 a, b, sum, back;
        int carry;

        random_u256(&a);
        random_u256(&b);
        carry = eth_u256_add(&sum, &a, &b);
        CHECK_EQ_INT(eth_u256_sub(&back, &sum, &b), carry); /* borrow iff the sum wrapped */
        CHECK_EQ_INT(eth_u256_cmp(&back, &a), 0);
        CHECK_EQ_INT(carry, eth_u256_cmp(&sum, &a) < 0);
    }
}

/* q * d + r == a and r < d, for random a and divisors of every size. */
TEST(u256_divmod_random)
{
    for (int iter = 0; iter < 500; iter++) {
        struct eth_u256 a, q, back, r256;
        uint64_t d = test_rand() >> (test_rand() % 64), r;

        if (d == 0)
            d = 1;
        random_u256(&a);
        eth_u256_divmod_u64(&q, &r, &a, d);
        CHECK(r < d);
        CHECK_EQ_INT(eth_u256_mul_u64(&back, &q, d), 0);
        eth_u256_from_u64(&r256, r);
        CHECK_EQ_INT(eth_u256_add(&back, &back, &r256), 0);
        CHECK_EQ_INT(eth_u256_cmp(&back, &a), 0);
    }
}

TEST(u256_mul_overflow)
{
    struct eth_u256 v;

    CHECK_EQ_INT(eth_u256_from_dec(&v, MAX_DIV_10, "x", NULL), MCP_OK);
    CHECK_EQ_INT(eth_u256_mul_u64(&v, &v, 10), 0); /* (2^256-1) / 10 * 10 fits */
    CHECK_STR(to_dec(&v),
              "115792089237316195423570985008687907853269984665640564039457584007913129639930");
    CHECK_EQ_INT(eth_u256_mul_u64(&v, &v, 2), 1);
    eth_u256_from_u64(&v, UINT64_MAX);
    CHECK_EQ_INT(eth_u256_mul_u64(&v, &v, UINT64_MAX), 0);
    CHECK_STR(to_dec(&v), "340282366920938463426481119284349108225"); /* (2^64-1)^2 */
}

TEST(u256_be_roundtrip)
{
    uint8_t be[32], back[32];
    struct eth_u256 v;

    for (int i = 0; i < 32; i++)
        be[i] = (uint8_t)(i + 1);
    eth_u256_from_be(&v, be);
    CHECK(v.w[3] == 0x0102030405060708ULL && v.w[0] == 0x191a1b1c1d1e1f20ULL);
    eth_u256_to_be(back, &v);
    CHECK(memcmp(be, back, 32) == 0);
    eth_u256_from_u64(&v, 0x1234);
    eth_u256_to_be(back, &v);
    CHECK_HEX(back, 32, "0000000000000000000000000000000000000000000000000000000000001234");
}

TEST(u256_units_parse_known)
{
    static const struct {
        const char *in;
        unsigned decimals;
        const char *want;
    } cases[] = {
        {"41.67", 6, "41670000"},
        {"0", 6, "0"},
        {"0.0", 6, "0"},
        {"00012", 0, "12"},
        {"0.000001", 6, "1"},
        {"1000", 18, "1000000000000000000000"},
        {"41.670", 2, "4167"},
        {"5.000", 0, "5"},
        {"0.5", 1, "5"},
        {MAX_DEC, 0, MAX_DEC},
        {"115792089237316195423570985008687907853269984665640564039457.584007913129639935", 18,
         MAX_DEC},
        {"1.15792089237316195423570985008687907853269984665640564039457584007913129639935", 77,
         MAX_DEC},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct eth_u256 v;

        CHECK_EQ_INT(eth_u256_from_units(&v, cases[i].in, cases[i].decimals, "x", NULL), MCP_OK);
        CHECK_STR(to_dec(&v), cases[i].want);
    }
}

TEST(u256_units_parse_rejects)
{
    CHECK_STR(units_error(".5", 6), "maxTotal: put a digit before the decimal point (0.5, not .5)");
    CHECK_CONTAINS(units_error("1.", 6), "maxTotal: put a digit after the decimal point");
    CHECK_CONTAINS(units_error("1e6", 6), "maxTotal: exponent notation");
    CHECK_STR(units_error("-1", 6), "maxTotal: negative numbers are not allowed");
    CHECK_CONTAINS(units_error(" 1", 6), "spaces");
    CHECK_CONTAINS(units_error("1 ", 6), "spaces");
    CHECK_CONTAINS(units_error("+1", 6), "'+' sign");
    CHECK_CONTAINS(units_error("1,000", 6), "','");
    CHECK_STR(units_error("1.2.3", 6), "maxTotal: more than one decimal point");
    CHECK_CONTAINS(units_error("", 6), "maxTotal: empty");
    CHECK_CONTAINS(units_error(NULL, 6), "maxTotal: empty");
    CHECK_CONTAINS(units_error(".", 6), "before the decimal point");
    CHECK_STR(units_error("41.6701", 2), "maxTotal: has 4 decimal places; the token has 2");
    CHECK_STR(units_error("1.5", 0), "maxTotal: has 1 decimal place; the token has 0");
    CHECK_STR(units_error("1", 78), "maxTotal: token decimals must be 0..77, got 78");
    CHECK_CONTAINS(units_error(TWO_256, 0), "maxTotal: too large");
    CHECK_CONTAINS(
        units_error(
            "115792089237316195423570985008687907853269984665640564039457.584007913129639936", 18),
        "too large");
    CHECK_CONTAINS(units_error("2", 77), "too large");
    CHECK_STR(units_error("1.5x", 6), "maxTotal: 'x' at position 4 is not a digit");
}

TEST(u256_units_format_known)
{
    static const struct {
        const char *value;
        unsigned decimals;
        const char *want;
    } cases[] = {
        {"41670000", 6, "41.67"},
        {"0", 6, "0"},
        {"0", 0, "0"},
        {"5", 2, "0.05"},
        {"1000", 0, "1000"},
        {"1000000", 6, "1"},
        {"123", 3, "0.123"},
        {"1", 77,
         "0.00000000000000000000000000000000000000000000000000000000000000000000000000001"},
        {MAX_DEC, 77,
         "1.15792089237316195423570985008687907853269984665640564039457584007913129639935"},
        {MAX_DEC, 18,
         "115792089237316195423570985008687907853269984665640564039457.584007913129639935"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct eth_u256 v;

        CHECK_EQ_INT(eth_u256_from_dec(&v, cases[i].value, "x", NULL), MCP_OK);
        CHECK_STR(to_units(&v, cases[i].decimals), cases[i].want);
    }
}

TEST(u256_units_roundtrip_random)
{
    for (int iter = 0; iter < 500; iter++) {
        unsigned decimals = (unsigned)(test_rand() % 78);
        struct eth_u256 v, back;

        random_u256(&v);
        CHECK_EQ_INT(eth_u256_from_units(&back, to_units(&v, decimals), decimals, "x", NULL),
                     MCP_OK);
        CHECK_EQ_INT(eth_u256_cmp(&v, &back), 0);
    }
}

/* The documented minimum buffer sizes (79 and 81) hold the longest outputs. */
TEST(u256_format_exact_buffer_sizes)
{
    struct eth_u256 v;
    char dec[79], units[81];

    u256_max(&v);
    eth_u256_to_dec(dec, sizeof dec, &v);
    CHECK_EQ_INT(strlen(dec), 78);
    eth_u256_from_u64(&v, 1);
    eth_u256_to_units(units, sizeof units, &v, 77);
    CHECK_EQ_INT(strlen(units), 79);
}

/* test_policy_words.c: plain words for durations, time left, amounts and rate limits (tables). */
#include <stdio.h>
#include <string.h>

#include "eth_u256.h"
#include "policy_words.h"
#include "test.h"

TEST(words_duration)
{
    static const struct {
        uint64_t s;
        const char *want;
    } cases[] = {
        {0, "0 seconds"},
        {1, "1 second"},
        {45, "45 seconds"},
        {60, "1 minute"},
        {61, "1 minute 1 second"},
        {90, "1 minute 30 seconds"},
        {600, "10 minutes"},
        {3600, "1 hour"},
        {3661, "1 hour 1 minute 1 second"},
        {5400, "1 hour 30 minutes"},
        {7200, "2 hours"},
        {86400, "24 hours"},
        {86401, "24 hours 1 second"},
        {129600, "36 hours"},
        {172799, "47 hours 59 minutes 59 seconds"},
        {172800, "2 days"},
        {216000, "2 days 12 hours"},
        {259200, "3 days"},
        {604800, "7 days"},
        {1209600, "14 days"},
        {2592000, "30 days"},
        {2592061, "30 days 1 minute 1 second"},
        {31536000, "365 days"},
    };
    char out[POLICY_WORDS_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        policy_words_duration(out, sizeof out, cases[i].s);
        CHECK_STR(out, cases[i].want);
    }
    for (uint64_t s = 0; s < 3 * 86400; s += 37) { /* never "86400 seconds": units are reduced */
        policy_words_duration(out, sizeof out, s);
        CHECK(strstr(out, "60 seconds") == NULL && strstr(out, "60 minutes") == NULL);
    }
}

TEST(words_time_left)
{
    static const struct {
        int64_t until, now;
        const char *want;
    } cases[] = {
        {1000 + 18725, 1000, "in 5 hours 12 minutes"}, /* 5 h 12 min 5 s: truncated */
        {1000 + 18000, 1000, "in 5 hours"},
        {1000 + 18030, 1000, "in 5 hours"},            /* never skips a unit: no "5 hours 30 seconds" */
        {1000 + 45, 1000, "in 45 seconds"},
        {1000 + 86400, 1000, "in 24 hours"},
        {1000 + 273840, 1000, "in 3 days 4 hours"},
        {1000 + 90, 1000, "in 1 minute 30 seconds"},
        {1000, 1000, "expired just now"},
        {1000, 1000 + 10800, "expired 3 hours ago"},
        {1000, 1000 + 10859, "expired 3 hours ago"},
        {1000, 1000 + 1, "expired 1 second ago"},
        {1000, 1000 + 2 * 86400 + 3600, "expired 2 days 1 hour ago"},
    };
    char out[POLICY_WORDS_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        policy_words_time_left(out, sizeof out, cases[i].until, cases[i].now);
        CHECK_STR(out, cases[i].want);
    }
}

TEST(words_when)
{
    static const struct {
        int64_t t, ref;
        const char *want;
    } cases[] = {
        {1796479200, 1796479200, "Sat 5 Dec, 14:00 UTC"},           /* 2026-12-05T14:00:00Z */
        {1796479200 + 59, 1796479200, "Sat 5 Dec, 14:00 UTC"},      /* seconds dropped, not rounded */
        {1796479200 + 60, 1796479200, "Sat 5 Dec, 14:01 UTC"},
        {1796479200 - 14 * 3600, 1796479200, "Sat 5 Dec, 00:00 UTC"},
        {1798761600, 1796479200, "Fri 1 Jan 2027, 00:00 UTC"},      /* another year is named */
        {1798761599, 1796479200, "Thu 31 Dec, 23:59 UTC"},
        {0, 0, "Thu 1 Jan, 00:00 UTC"},
    };
    char out[POLICY_WORDS_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        policy_words_when(out, sizeof out, cases[i].t, cases[i].ref);
        CHECK_STR(out, cases[i].want);
    }
}

TEST(words_amount)
{
    static const struct {
        const char *base;
        unsigned decimals;
        const char *symbol;
        int usd;
        const char *want;
    } cases[] = {
        {"50000000", 6, "USDC", 1, "$50 USDC"},
        {"41670000", 6, "USDC", 1, "$41.67 USDC"},
        {"1000000000", 6, "USDC", 1, "$1000 USDC"},
        {"1000000000000", 6, "USDC", 1, "$1000000 USDC"},
        {"1", 6, "USDC", 1, "$0.000001 USDC"},
        {"0", 6, "USDC", 1, "$0 USDC"},
        {"500000000000000000", 18, "WETH", 0, "0.5 WETH"},
        {"2000000000000000000", 18, "WETH", 0, "2 WETH"},
        {"1", 18, "WETH", 0, "0.000000000000000001 WETH"},
        {"7", 0, "PTS", 0, "7 PTS"},
    };
    char out[POLICY_WORDS_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct eth_u256 v;
        CHECK_EQ_INT(eth_u256_from_dec(&v, cases[i].base, "test", NULL), MCP_OK);
        policy_words_amount(out, sizeof out, &v, cases[i].decimals, cases[i].symbol, cases[i].usd);
        CHECK_STR(out, cases[i].want);
    }
}

TEST(words_amount_huge_fits)
{
    struct eth_u256 max = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}};
    char out[POLICY_WORDS_MAX];

    policy_words_amount(out, sizeof out, &max, 0, "ABCDEFGHIJKLMNO", 1);
    CHECK_STR(out, "$115792089237316195423570985008687907853269984665640564039457584007913129639935 "
                   "ABCDEFGHIJKLMNO");
    policy_words_amount(out, sizeof out, &max, 77, "X", 0);
    CHECK_STR(out, "1.15792089237316195423570985008687907853269984665640564039457584007913129639935 X");
}

TEST(words_rate)
{
    static const struct {
        uint32_t count, period;
        const char *noun, *want;
    } cases[] = {
        {1, 3600, "trade", "1 trade per hour"},
        {3, 600, "trade", "3 trades per 10 minutes"},
        {1, 7200, "trade", "1 trade per 2 hours"},
        {2, 86400, "trade", "2 trades per day"},
        {1, 5400, "trade", "1 trade per 90 minutes"},
        {1, 129600, "trade", "1 trade per 36 hours"},
        {1, 604800, "trade", "1 trade per 7 days"},
        {1, 60, "transaction", "1 transaction per minute"},
        {5, 1, "transaction", "5 transactions per second"},
        {1, 45, "trade", "1 trade per 45 seconds"},
        {1, 90, "trade", "1 trade per 1 minute 30 seconds"},
        {1000000, 31536000, "trade", "1000000 trades per 365 days"},
    };
    char out[POLICY_WORDS_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        policy_words_rate(out, sizeof out, cases[i].count, cases[i].period, cases[i].noun);
        CHECK_STR(out, cases[i].want);
    }
}

TEST(words_truncate_safely)
{
    char small[8];
    struct eth_u256 v;

    policy_words_duration(small, sizeof small, 3661);
    CHECK_STR(small, "1 hour ");
    eth_u256_from_u64(&v, 50000000);
    policy_words_amount(small, sizeof small, &v, 6, "USDC", 1);
    CHECK_STR(small, "$50 USD");
    policy_words_rate(small, sizeof small, 1, 3600, "trade");
    CHECK_STR(small, "1 trade");
    policy_words_time_left(small, sizeof small, 100, 0);
    CHECK_STR(small, "in 1 mi");
}

/* test_match_words.c: the words that name a session when a person asks to cancel it. */
#include <string.h>

#include "match_words.h"
#include "test.h"

TEST(match_words_key_drops_filler)
{
    char out[128];

    CHECK(match_words_key(out, sizeof out, "cancel my TWAP order") == 1);
    CHECK_STR(out, "twap");
    CHECK(match_words_key(out, sizeof out, "the stop loss") == 1);
    CHECK_STR(out, "stoploss");
    CHECK(match_words_key(out, sizeof out, "Stop-Loss WETH to USDC") == 3);
    CHECK_STR(out, "stoploss weth usdc");
    CHECK(match_words_key(out, sizeof out, "stop my ETH TWAP") == 2);
    CHECK_STR(out, "eth twap");
    CHECK(match_words_key(out, sizeof out, "stop_loss") == 1);
    CHECK_STR(out, "stoploss");
    CHECK(match_words_key(out, sizeof out, "cancel my automation") == 0);
    CHECK(match_words_key(out, sizeof out, "") == 0);
    CHECK(match_words_key(out, sizeof out, NULL) == 0);
}

TEST(match_words_names_sessions)
{
    static const char twap[] = "ETH TWAP twap USDC WETH", stop[] = "Stop-loss WETH to USDC stop_loss WETH USDC";

    CHECK(match_words("cancel my TWAP order", twap));
    CHECK(match_words("my ETH TWAP", twap));
    CHECK(match_words("twap", twap));
    CHECK(match_words("the stop loss", stop));
    CHECK(match_words("stop_loss", stop));
    CHECK(match_words("my WETH stop-loss", stop));
    CHECK(match_words("ETH stop loss", stop)); /* ETH names WETH */
    CHECK(!match_words("the stop loss", twap));
    CHECK(!match_words("my TWAP", stop));
    CHECK(!match_words("my DAI TWAP", twap));
    CHECK(!match_words("cancel my order", twap)); /* names nothing in particular */
    CHECK(!match_words("WETH", "USDC twap")); /* WETH does not name ETH-less words */
}

/* test_utf8_display.c: display-safe text (utf8_display.h) and its use in input validation. */
#include <jansson.h>
#include <string.h>

#include "schema_check.h"
#include "test.h"
#include "utf8_display.h"

static int safe(const char *s)
{
    return utf8_display_safe(s, strlen(s), NULL, NULL);
}

TEST(utf8_display_plain_text_is_safe)
{
    CHECK(safe(""));
    CHECK(safe("ETH TWAP"));
    CHECK(safe("Stop-loss WETH → USDC, 5 % · 東京 🚀"));
    CHECK(safe("é")); /* U+00E9 */
}

TEST(utf8_display_refuses_cc_cf_zl_zp)
{
    /* every range boundary of the table */
    static const uint32_t bad[] = {0x00, 0x0A, 0x1F, 0x7F, 0x85, 0x9F, 0xAD, 0x600, 0x605, 0x61C, 0x6DD, 0x70F,
                                   0x890, 0x891, 0x8E2, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028,
                                   0x2029, 0x202A, 0x202E, 0x2060, 0x2064, 0x2066, 0x2069, 0x206F, 0xFEFF,
                                   0xFFF9, 0xFFFB, 0x110BD, 0x110CD, 0x13430, 0x1343F, 0x1BCA0, 0x1BCA3,
                                   0x1D173, 0x1D17A, 0xE0001, 0xE0020, 0xE007F};
    static const uint32_t good[] = {0x20, 0x7E, 0xA0, 0xAC, 0xAE, 0x606, 0x2027, 0x202F, 0x2065, 0x2070,
                                    0xFEFE, 0xFF00, 0xFFFC, 0x13440, 0x1D17B, 0xE0000, 0xE0080, 0x10FFFF};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(utf8_cp_invisible(bad[i]));
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(!utf8_cp_invisible(good[i]));
}

TEST(utf8_display_names_the_character_and_position)
{
    uint32_t bad = 0;
    size_t at = 0;
    char what[64];

    CHECK(!utf8_display_safe("ab\xE2\x80\xAE" "cd", 7, &bad, &at)); /* U+202E */
    CHECK_EQ_INT(bad, 0x202E);
    CHECK_EQ_INT(at, 3);
    utf8_cp_describe(what, sizeof what, bad);
    CHECK_STR(what, "U+202E (a bidirectional text control)");
    CHECK(!utf8_display_safe("tw\xE2\x80\x8B" "ap", 7, &bad, &at)); /* U+200B */
    CHECK_EQ_INT(bad, 0x200B);
    utf8_cp_describe(what, sizeof what, bad);
    CHECK_STR(what, "U+200B (a zero-width character)");
    CHECK(!utf8_display_safe("x\xE2\x80\xA8\xE2\x9C\x93", 7, &bad, &at)); /* U+2028 then ✓ */
    CHECK_EQ_INT(bad, 0x2028);
    CHECK_EQ_INT(at, 2);
    CHECK(!utf8_display_safe("a\0b", 3, &bad, &at)); /* an embedded NUL */
    CHECK_EQ_INT(bad, 0);
    CHECK(!utf8_display_safe("a\xC0\x80", 3, &bad, &at)); /* overlong NUL */
    CHECK(bad == 0xFFFFFFFFu);
    CHECK(!utf8_display_safe("\xED\xA0\x80", 3, &bad, &at)); /* a surrogate */
    CHECK(!utf8_display_safe("\xE2\x80", 2, &bad, &at));     /* cut short */
}

TEST(schema_validate_input_refuses_invisible_text_output_does_not)
{
    json_t *schema = json_loads("{\"type\":\"object\",\"properties\":{\"label\":{\"type\":\"string\",\"maxLength\":80}}}",
                                0, NULL);
    json_t *bad = json_pack("{s:s}", "label", "TWAP\xE2\x80\xA8\xE2\x9C\x93 Can: anything");
    json_t *ok = json_pack("{s:s}", "label", "TWAP ✓");
    struct mcp_error err;

    CHECK(schema != NULL && bad != NULL && ok != NULL);
    CHECK_EQ_INT(schema_validate_input(schema, bad, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "label: contains U+2028 (a line separator) at character 5");
    CHECK_EQ_INT(schema_validate_input(schema, ok, &err), MCP_OK);
    CHECK_EQ_INT(schema_validate(schema, bad, &err), MCP_OK); /* outputs may hold line breaks */
    json_decref(schema);
    json_decref(bad);
    json_decref(ok);
}

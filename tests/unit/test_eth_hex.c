/* test_eth_hex.c: hex <-> bytes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "eth_hex.h"
#include "test.h"

TEST(hex_encode_known)
{
    const uint8_t in[] = {0x00, 0xff, 0x10, 0xab};
    char out[2 * sizeof in + 3];

    eth_hex_encode(out, in, sizeof in);
    CHECK_STR(out, "0x00ff10ab");
    eth_hex_encode(out, in, 0);
    CHECK_STR(out, "0x");
}

TEST(hex_decode_prefix_and_case)
{
    uint8_t out[3];
    struct mcp_error err = {MCP_OK, ""};

    CHECK_EQ_INT(eth_hex_decode(out, 3, "0xABcd0F", "x", &err), MCP_OK);
    CHECK_HEX(out, 3, "abcd0f");
    CHECK_EQ_INT(eth_hex_decode(out, 3, "0X0a0B0c", "x", &err), MCP_OK);
    CHECK_HEX(out, 3, "0a0b0c");
    CHECK_EQ_INT(eth_hex_decode(out, 3, "123456", "x", &err), MCP_OK);
    CHECK_HEX(out, 3, "123456");
}

/* Every byte value as the high and as the low digit, against isxdigit/strtol. */
TEST(hex_decode_every_byte_value)
{
    for (int c = 1; c < 256; c++) {
        char s[3] = {(char)c, '7', '\0'}, t[3] = {'7', (char)c, '\0'};
        uint8_t a = 0, b = 0;
        enum mcp_rc ra = eth_hex_decode(&a, 1, s, "x", NULL);
        enum mcp_rc rb = eth_hex_decode(&b, 1, t, "x", NULL);
        int valid = c < 128 && isxdigit(c);

        CHECK_EQ_INT(rb, valid ? MCP_OK : MCP_EINVAL);
        CHECK_EQ_INT(ra, valid ? MCP_OK : MCP_EINVAL);
        if (valid) {
            CHECK_EQ_INT(a, strtol(s, NULL, 16));
            CHECK_EQ_INT(b, strtol(t, NULL, 16));
        } else {
            CHECK_EQ_INT(a, 0);
            CHECK_EQ_INT(b, 0);
        }
    }
}

TEST(hex_decode_wrong_length)
{
    uint8_t sig[65];
    struct mcp_error err = {MCP_OK, ""};
    char hex[2 * 64 + 3];

    memset(hex, 'a', sizeof hex);
    memcpy(hex, "0x", 2);
    hex[sizeof hex - 1] = '\0';
    CHECK_EQ_INT(eth_hex_decode(sig, 65, hex, "signature", &err), MCP_EINVAL);
    CHECK_EQ_INT(err.rc, MCP_EINVAL);
    CHECK_STR(err.msg, "signature: expected 65 bytes (130 hex digits), got 128 hex digits");
    CHECK_EQ_INT(eth_hex_decode(sig, 1, "0x123", "v", &err), MCP_EINVAL);
    CHECK_STR(err.msg, "v: expected 1 bytes (2 hex digits), got 3 hex digits");
    CHECK_EQ_INT(eth_hex_decode(sig, 1, NULL, "v", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "v: missing");
}

TEST(hex_decode_bad_digit_names_position)
{
    uint8_t out[4];
    struct mcp_error err = {MCP_OK, ""};

    memset(out, 0x55, sizeof out);
    CHECK_EQ_INT(eth_hex_decode(out, 4, "0x1234g678", "hash", &err), MCP_EINVAL);
    CHECK_STR(err.msg, "hash: 'g' at hex digit 5 is not a hex digit");
    CHECK_HEX(out, 4, "00000000");
    CHECK_EQ_INT(eth_hex_decode(out, 1, "0x1\x01", "hash", &err), MCP_EINVAL);
    CHECK_STR(err.msg, "hash: byte 0x01 at hex digit 2 is not a hex digit");
    CHECK_EQ_INT(eth_hex_decode(out, 1, "0x 1", "hash", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "' ' at hex digit 1");
}

TEST(hex_decode_alloc_lengths)
{
    uint8_t *buf = NULL;
    size_t len = 99;
    struct mcp_error err = {MCP_OK, ""};

    CHECK_EQ_INT(eth_hex_decode_alloc(&buf, &len, "0x", "data", &err), MCP_OK);
    CHECK(buf != NULL);
    CHECK_EQ_INT(len, 0);
    free(buf);
    CHECK_EQ_INT(eth_hex_decode_alloc(&buf, &len, "0xabc", "data", &err), MCP_EINVAL);
    CHECK(buf == NULL);
    CHECK_EQ_INT(len, 0);
    CHECK_STR(err.msg, "data: odd number of hex digits (3); each byte is 2 digits");
    CHECK_EQ_INT(eth_hex_decode_alloc(&buf, &len, "0xzz", "data", &err), MCP_EINVAL);
    CHECK(buf == NULL);
    CHECK_EQ_INT(eth_hex_decode_alloc(&buf, &len, "DEADbeef", "data", &err), MCP_OK);
    CHECK_EQ_INT(len, 4);
    CHECK_HEX(buf, len, "deadbeef");
    free(buf);
}

TEST(hex_roundtrip_random)
{
    for (int iter = 0; iter < 200; iter++) {
        size_t len = (size_t)(test_rand() % 300);
        uint8_t in[300], *back = NULL;
        size_t back_len = 0;
        char *hex = NULL;

        test_rand_bytes(in, len);
        hex = eth_hex_encode_alloc(in, len);
        CHECK(hex != NULL);
        CHECK_EQ_INT(strlen(hex), 2 * len + 2);
        for (size_t i = 0; i < 2 * len; i++) /* lower case only */
            CHECK(isdigit((unsigned char)hex[2 + i]) || (hex[2 + i] >= 'a' && hex[2 + i] <= 'f'));
        CHECK_EQ_INT(eth_hex_decode_alloc(&back, &back_len, hex, "x", NULL), MCP_OK);
        CHECK_EQ_INT(back_len, len);
        CHECK(memcmp(back, in, len) == 0);
        free(back);
        free(hex);
    }
}

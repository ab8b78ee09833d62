/* test_eth_keccak.c: Keccak-256 against published vectors and viem (@noble/hashes). */
#include "eth_keccak.h"
#include "test.h"

static void pattern(uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)i;
}

TEST(keccak_empty)
{
    uint8_t h[32];

    eth_keccak256(h, "", 0);
    CHECK_HEX(h, 32, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

TEST(keccak_abc)
{
    uint8_t h[32];

    eth_keccak256(h, "abc", 3);
    CHECK_HEX(h, 32, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(keccak_quick_brown_fox)
{
    static const char fox[] = "The quick brown fox jumps over the lazy dog";
    uint8_t h[32];

    eth_keccak256(h, fox, sizeof fox - 1);
    CHECK_HEX(h, 32, "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
}

/* The Keccak team's 1600-bit message of 0xa3 bytes. */
TEST(keccak_200_bytes_a3)
{
    uint8_t msg[200], h[32];

    memset(msg, 0xa3, sizeof msg);
    eth_keccak256(h, msg, sizeof msg);
    CHECK_HEX(h, 32, "3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
}

/* Lengths around the 136-byte rate; bytes 0,1,2,...; expected values from viem keccak256. */
TEST(keccak_rate_boundaries)
{
    static const struct {
        size_t len;
        const char *hex;
    } cases[] = {
        {135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"},
        {136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"},
        {137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"},
        {271, "7c974895b2a88303ff2dc6b58f438ceb0b298cac91099ac0539cc0f477506191"},
        {272, "fdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e"},
        {273, "4f707289a9c3ccd0c4a51f2f17339f5dd171d371c04ff7783b735b5b22682eaf"},
    };
    uint8_t msg[273], h[32];

    pattern(msg, sizeof msg);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eth_keccak256(h, msg, cases[i].len);
        CHECK_HEX(h, 32, cases[i].hex);
    }
}

/* Feeding the same bytes in random pieces (including empty ones) gives the one-shot digest. */
TEST(keccak_incremental_random_splits)
{
    uint8_t msg[1000], one[32], inc[32];

    for (int iter = 0; iter < 300; iter++) {
        size_t len = (size_t)(test_rand() % sizeof msg), off = 0;
        struct eth_keccak k;

        test_rand_bytes(msg, len);
        eth_keccak256(one, msg, len);
        eth_keccak_init(&k);
        while (off < len) {
            size_t piece = (size_t)(test_rand() % (test_rand() % 2 ? 8 : 300));

            if (piece > len - off)
                piece = len - off;
            eth_keccak_update(&k, msg + off, piece);
            off += piece;
        }
        eth_keccak_final(&k, inc);
        CHECK(memcmp(inc, one, 32) == 0);
    }
}

TEST(keccak_final_wipes_state)
{
    struct eth_keccak k;
    uint8_t h[32];

    eth_keccak_init(&k);
    eth_keccak_update(&k, "secret", 6);
    eth_keccak_final(&k, h);
    CHECK_EQ_INT(k.pos, 0);
    for (int i = 0; i < 25; i++)
        CHECK_EQ_INT(k.st[i], 0);
}

/* test_eth_191.c: EIP-191 personal_sign hashes; expected values from viem hashMessage. */
#include "eth_191.h"
#include "eth_keccak.h"
#include "test.h"

TEST(eth191_hello_world)
{
    uint8_t h[32];

    eth_191_personal_hash(h, "hello world", 11);
    CHECK_HEX(h, 32, "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68");
}

TEST(eth191_empty_message)
{
    uint8_t h[32];

    eth_191_personal_hash(h, NULL, 0);
    CHECK_HEX(h, 32, "5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad");
}

TEST(eth191_raw_bytes)
{
    const uint8_t msg[] = {0x00, 0xff};
    uint8_t h[32];

    eth_191_personal_hash(h, msg, sizeof msg);
    CHECK_HEX(h, 32, "3638684d567df701dae9863c5df728a585cc74ce3859707edadcb509eb220f74");
}

/* A multi-digit length: the prefix carries "1000", built here by hand. */
TEST(eth191_long_message_prefix)
{
    static const char prefix[] = "\x19"
                                 "Ethereum Signed Message:\n1000";
    uint8_t msg[1000], buf[sizeof prefix - 1 + sizeof msg], want[32], got[32];

    test_rand_bytes(msg, sizeof msg);
    memcpy(buf, prefix, sizeof prefix - 1);
    memcpy(buf + sizeof prefix - 1, msg, sizeof msg);
    eth_keccak256(want, buf, sizeof buf);
    eth_191_personal_hash(got, msg, sizeof msg);
    CHECK(memcmp(got, want, 32) == 0);
}

/* test_eth_secp.c: keys, signing and recovery. Known answers: private key 1, and a signature
 * made by viem (privateKeyToAccount(pk).sign({hash})) for the key and hash below. */
#include <sodium.h>

#include "eth_hex.h"
#include "eth_keccak.h"
#include "eth_secp.h"
#include "test.h"

static const char viem_key[] = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
static const char viem_addr[] = "2c7536e3605d9c16a7a3d7b1898e529396a65c23";
static const char viem_hash[] = "fabd1ca3917ab350a75f55b91942a93fe3d0f76b690500681c70cd19563beb33";
static const char viem_sig[] = "52733d43e76fd054798d7738aea9d0c237f5b1e438e8533c7845c86435627577"
                               "468d26ef97fdfc24ffe430fb1619a6e815c568c0f008f0ee8dcb5651a24a3c53"
                               "1b";
static const char curve_n[] = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
static const char half_n[] = "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0";
static const char half_n_plus_1[] =
    "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a1";
static const char gx[] = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

static int unhex(uint8_t *out, size_t len, const char *hex)
{
    return eth_hex_decode(out, len, hex, "test vector", NULL) == MCP_OK;
}

/* A valid random private key from the seeded test RNG. */
static void random_key(uint8_t priv[32])
{
    uint8_t addr[20];

    do
        test_rand_bytes(priv, 32);
    while (eth_secp_address(addr, priv, NULL) != MCP_OK);
}

/* s := n - s (big-endian), turning a low-s signature into its high-s twin. */
static void negate_s(uint8_t s[32])
{
    uint8_t n[32];
    int borrow = 0;

    (void)unhex(n, 32, curve_n);
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - s[i] - borrow;

        borrow = d < 0;
        s[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

TEST(secp_address_of_key_one)
{
    uint8_t priv[32] = {0}, addr[20];

    priv[31] = 1;
    CHECK_EQ_INT(eth_secp_address(addr, priv, NULL), MCP_OK);
    CHECK_HEX(addr, 20, "7e5f4552091a69125d5dfcb7b8c2659029395bdf");
}

TEST(secp_sign_matches_viem)
{
    uint8_t priv[32], hash[32], sig[65], want[65], addr[20];

    CHECK(unhex(priv, 32, viem_key) && unhex(hash, 32, viem_hash) && unhex(want, 65, viem_sig));
    CHECK_EQ_INT(eth_secp_address(addr, priv, NULL), MCP_OK);
    CHECK_HEX(addr, 20, viem_addr);
    CHECK_EQ_INT(eth_secp_sign(sig, hash, priv, NULL), MCP_OK);
    CHECK_HEX(sig, 65, viem_sig);
    CHECK_EQ_INT(eth_secp_recover(addr, hash, want, NULL), MCP_OK);
    CHECK_HEX(addr, 20, viem_addr);
    sodium_memzero(priv, sizeof priv);
}

TEST(secp_sign_recover_random)
{
    for (int iter = 0; iter < 100; iter++) {
        uint8_t priv[32], hash[32], sig[65], addr[20], rec[20], half[32];

        random_key(priv);
        test_rand_bytes(hash, 32);
        CHECK_EQ_INT(eth_secp_address(addr, priv, NULL), MCP_OK);
        CHECK_EQ_INT(eth_secp_sign(sig, hash, priv, NULL), MCP_OK);
        CHECK(sig[64] == 27 || sig[64] == 28);
        CHECK(unhex(half, 32, half_n));
        CHECK(memcmp(sig + 32, half, 32) <= 0); /* low s */
        CHECK_EQ_INT(eth_secp_recover(rec, hash, sig, NULL), MCP_OK);
        CHECK(memcmp(rec, addr, 20) == 0);
        sig[64] -= 27; /* the 0/1 form recovers the same signer */
        CHECK_EQ_INT(eth_secp_recover(rec, hash, sig, NULL), MCP_OK);
        CHECK(memcmp(rec, addr, 20) == 0);
        hash[0] ^= 1; /* another hash recovers someone else */
        CHECK_EQ_INT(eth_secp_recover(rec, hash, sig, NULL), MCP_OK);
        CHECK(memcmp(rec, addr, 20) != 0);
    }
}

TEST(secp_sign_is_deterministic)
{
    uint8_t priv[32], hash[32], a[65], b[65];

    random_key(priv);
    test_rand_bytes(hash, 32);
    CHECK_EQ_INT(eth_secp_sign(a, hash, priv, NULL), MCP_OK);
    CHECK_EQ_INT(eth_secp_sign(b, hash, priv, NULL), MCP_OK);
    CHECK(memcmp(a, b, 65) == 0);
}

TEST(secp_keygen_gives_distinct_valid_keys)
{
    uint8_t k1[32], k2[32], addr[20];

    CHECK_EQ_INT(eth_secp_keygen(k1, NULL), MCP_OK);
    CHECK_EQ_INT(eth_secp_keygen(k2, NULL), MCP_OK);
    CHECK(memcmp(k1, k2, 32) != 0);
    CHECK_EQ_INT(eth_secp_address(addr, k1, NULL), MCP_OK);
    sodium_memzero(k1, sizeof k1);
    sodium_memzero(k2, sizeof k2);
}

TEST(secp_invalid_private_keys)
{
    uint8_t priv[32] = {0}, hash[32] = {1}, sig[65], addr[20];
    struct mcp_error err = {MCP_OK, ""};

    CHECK_EQ_INT(eth_secp_address(addr, priv, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "private key is not valid");
    CHECK_EQ_INT(eth_secp_sign(sig, hash, priv, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "private key is not valid");
    CHECK(unhex(priv, 32, curve_n));
    CHECK_EQ_INT(eth_secp_address(addr, priv, &err), MCP_EINVAL);
    CHECK_EQ_INT(eth_secp_sign(sig, hash, priv, &err), MCP_EINVAL);
    CHECK(sig[0] == 0 && sig[64] == 0); /* output left zeroed */
}

/* A signature (r, s, v) built from hex parts. */
static int make_sig(uint8_t sig[65], const char *r, const char *s, uint8_t v)
{
    sig[64] = v;
    return unhex(sig, 32, r) && unhex(sig + 32, 32, s);
}

static const char *recover_error(const uint8_t sig[65])
{
    static struct mcp_error err;
    uint8_t hash[32] = {7}, addr[20];

    mcp_err_clear(&err);
    if (eth_secp_recover(addr, hash, sig, &err) != MCP_ECRYPTO)
        return "(not MCP_ECRYPTO)";
    return err.msg;
}

TEST(secp_recover_rejects_bad_r_s_v)
{
    static const char zero[] = "0000000000000000000000000000000000000000000000000000000000000000";
    uint8_t sig[65];

    CHECK(make_sig(sig, zero, half_n, 27));
    CHECK_STR(recover_error(sig), "signature: r is zero");
    CHECK(make_sig(sig, curve_n, half_n, 27));
    CHECK_STR(recover_error(sig), "signature: r is not below the curve order");
    CHECK(make_sig(sig, gx, zero, 27));
    CHECK_STR(recover_error(sig), "signature: s is zero");
    CHECK(make_sig(sig, gx, curve_n, 27));
    CHECK_STR(recover_error(sig), "signature: s is not below the curve order");
    CHECK(make_sig(sig, gx, half_n_plus_1, 27));
    CHECK_CONTAINS(recover_error(sig), "signature: s is in the upper half of the curve order");
    for (int v = 0; v < 256; v++) {
        CHECK(make_sig(sig, gx, half_n, (uint8_t)v));
        if (v == 0 || v == 1 || v == 27 || v == 28)
            continue;
        CHECK_CONTAINS(recover_error(sig), "signature: v is ");
    }
}

/* Boundaries: s = n/2 is low and accepted; r = 5 is not the x coordinate of any curve point. */
TEST(secp_recover_boundaries)
{
    static const char five[] = "0000000000000000000000000000000000000000000000000000000000000005";
    uint8_t sig[65], hash[32] = {7}, addr[20];

    CHECK(make_sig(sig, gx, half_n, 28));
    CHECK_EQ_INT(eth_secp_recover(addr, hash, sig, NULL), MCP_OK);
    CHECK(make_sig(sig, five, half_n, 27));
    CHECK_CONTAINS(recover_error(sig), "does not recover to a public key");
}

TEST(secp_recover_rejects_high_s_twin)
{
    uint8_t priv[32], hash[32], sig[65], addr[20];
    struct mcp_error err = {MCP_OK, ""};

    random_key(priv);
    test_rand_bytes(hash, 32);
    CHECK_EQ_INT(eth_secp_sign(sig, hash, priv, NULL), MCP_OK);
    negate_s(sig + 32);
    sig[64] ^= 1; /* (r, n-s) with the other parity is the same signature, malleated */
    CHECK_EQ_INT(eth_secp_recover(addr, hash, sig, &err), MCP_ECRYPTO);
    CHECK_CONTAINS(err.msg, "upper half");
    CHECK_HEX(addr, 20, "0000000000000000000000000000000000000000");
}

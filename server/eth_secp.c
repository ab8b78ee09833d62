/* eth_secp.c: secp256k1 keys, signatures and recovery over libsecp256k1.
 * The context is created on first use under pthread_once and randomized (blinding against
 * side channels) with a seed from libsodium, which is initialized there too. */
#include "eth_secp.h"

#include <pthread.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "eth_keccak.h"

/* The group order n and n/2 (rounded down), big-endian. */
static const uint8_t curve_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};
static const uint8_t curve_half_n[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};
static const uint8_t zero32[32];

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static secp256k1_context *g_ctx;

static void ctx_init(void)
{
    uint8_t seed[32];
    secp256k1_context *ctx;

    if (sodium_init() < 0)
        return;
    ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (ctx == NULL)
        return;
    randombytes_buf(seed, sizeof seed);
    if (!secp256k1_context_randomize(ctx, seed)) {
        secp256k1_context_destroy(ctx);
        ctx = NULL;
    }
    sodium_memzero(seed, sizeof seed);
    g_ctx = ctx;
}

/* The shared context, or NULL (with err set) if libsodium or libsecp256k1 failed to start. */
static const secp256k1_context *ctx_get(struct mcp_error *err)
{
    if (pthread_once(&g_once, ctx_init) != 0 || g_ctx == NULL) {
        mcp_errf(err, MCP_EINTERNAL, "secp256k1: could not initialize libsodium or libsecp256k1");
        return NULL;
    }
    return g_ctx;
}

enum mcp_rc eth_secp_keygen(uint8_t priv[32], struct mcp_error *err)
{
    const secp256k1_context *ctx = ctx_get(err);

    if (ctx == NULL) {
        memset(priv, 0, 32);
        return MCP_EINTERNAL;
    }
    do /* fails with probability ~2^-128 per draw */
        randombytes_buf(priv, 32);
    while (!secp256k1_ec_seckey_verify(ctx, priv));
    return MCP_OK;
}

static enum mcp_rc invalid_key(struct mcp_error *err)
{
    return mcp_errf(err, MCP_EINVAL,
                    "private key is not valid (zero, or not below the curve order)");
}

/* keccak256(X || Y)[12..32] of a public key. */
static void pubkey_address(uint8_t addr[20], const secp256k1_context *ctx,
                           const secp256k1_pubkey *pub)
{
    uint8_t ser[65], hash[32];
    size_t ser_len = sizeof ser;

    (void)secp256k1_ec_pubkey_serialize(ctx, ser, &ser_len, pub, SECP256K1_EC_UNCOMPRESSED);
    eth_keccak256(hash, ser + 1, 64);
    memcpy(addr, hash + 12, 20);
}

enum mcp_rc eth_secp_address(uint8_t addr[20], const uint8_t priv[32], struct mcp_error *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    secp256k1_pubkey pub;

    memset(addr, 0, 20);
    if (ctx == NULL)
        return MCP_EINTERNAL;
    if (!secp256k1_ec_pubkey_create(ctx, &pub, priv))
        return invalid_key(err);
    pubkey_address(addr, ctx, &pub);
    return MCP_OK;
}

enum mcp_rc eth_secp_sign(uint8_t sig[65], const uint8_t hash[32], const uint8_t priv[32],
                          struct mcp_error *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    secp256k1_ecdsa_recoverable_signature rsig;
    int recid = 0;

    memset(sig, 0, 65);
    if (ctx == NULL)
        return MCP_EINTERNAL;
    if (!secp256k1_ecdsa_sign_recoverable(ctx, &rsig, hash, priv, NULL, NULL))
        return invalid_key(err);
    (void)secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rsig);
    /* recid 2 and 3 need r >= n - p: never seen in practice, and v cannot express them. */
    if (MCP_NEVER(recid > 1)) {
        memset(sig, 0, 65);
        return mcp_errf(err, MCP_ECRYPTO, "signature: recovery id %d cannot be encoded as v",
                        recid);
    }
    sig[64] = (uint8_t)(27 + recid);
    return MCP_OK;
}

/* Check r, s and v of sig; on success *recid is 0 or 1. */
static enum mcp_rc check_signature(int *recid, const uint8_t sig[65], struct mcp_error *err)
{
    const uint8_t *r = sig, *s = sig + 32;
    uint8_t v = sig[64];

    if (memcmp(r, zero32, 32) == 0)
        return mcp_errf(err, MCP_ECRYPTO, "signature: r is zero");
    if (memcmp(r, curve_n, 32) >= 0)
        return mcp_errf(err, MCP_ECRYPTO, "signature: r is not below the curve order");
    if (memcmp(s, zero32, 32) == 0)
        return mcp_errf(err, MCP_ECRYPTO, "signature: s is zero");
    if (memcmp(s, curve_n, 32) >= 0)
        return mcp_errf(err, MCP_ECRYPTO, "signature: s is not below the curve order");
    if (memcmp(s, curve_half_n, 32) > 0)
        return mcp_errf(err, MCP_ECRYPTO,
                        "signature: s is in the upper half of the curve order (malleable high-s "
                        "form); wallets produce low-s signatures");
    if (v != 0 && v != 1 && v != 27 && v != 28)
        return mcp_errf(err, MCP_ECRYPTO, "signature: v is %u; expected 27 or 28 (or 0 or 1)", v);
    *recid = v >= 27 ? v - 27 : v;
    return MCP_OK;
}

enum mcp_rc eth_secp_recover(uint8_t addr[20], const uint8_t hash[32], const uint8_t sig[65],
                             struct mcp_error *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pub;
    int recid = 0;
    enum mcp_rc rc;

    memset(addr, 0, 20);
    if (ctx == NULL)
        return MCP_EINTERNAL;
    rc = check_signature(&recid, sig, err);
    if (rc != MCP_OK)
        return rc;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, sig, recid))
        return mcp_errf(err, MCP_ECRYPTO, "signature: r or s out of range");
    if (!secp256k1_ecdsa_recover(ctx, &pub, &rsig, hash))
        return mcp_errf(err, MCP_ECRYPTO,
                        "signature: does not recover to a public key (r is not "
                        "the x coordinate of a curve point for this v)");
    pubkey_address(addr, ctx, &pub);
    return MCP_OK;
}

/* bench_crypto.c: crypto throughput of the eth_ modules, printed as one JSON line:
 *   {"impl":"c","keccak_1mib_mb_s":..,"keccak_64b_mb_s":..,"sign_recover_per_s":..}
 * MB is 10^6 bytes. Each figure runs for about BENCH_SECONDS after a short warm-up.
 * tests/bench/bench_crypto_viem.mjs does the same work with viem and prints the same shape.
 * Built by `make bench`; by hand:
 *   cc -O2 -D_GNU_SOURCE -Iserver tests/bench/bench_crypto.c build/libskm.a \
 *      $(pkg-config --libs jansson sqlite3 libsecp256k1 libsodium) -ldl -lpthread -o /tmp/bc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "eth_keccak.h"
#include "eth_secp.h"

#define BENCH_SECONDS 1.0
#define MIB           (1024 * 1024)

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Hash the 1 MiB buffer repeatedly; the digest is folded back in so no call can be skipped. */
static double bench_keccak_big(uint8_t *buf)
{
    uint8_t h[32];
    double t0 = now(), t;
    long n = 0;

    do {
        eth_keccak256(h, buf, MIB);
        memcpy(buf, h, sizeof h);
        n++;
        t = now() - t0;
    } while (t < BENCH_SECONDS);
    return (double)n * MIB / t / 1e6;
}

/* Hash 64-byte inputs, each the previous digest twice (a chain, like Merkle/ABI hashing). */
static double bench_keccak_64(void)
{
    uint8_t in[64] = {1}, h[32];
    double t0 = now(), t;
    long n = 0;

    do {
        for (int i = 0; i < 1000; i++) {
            eth_keccak256(h, in, sizeof in);
            memcpy(in, h, 32);
            memcpy(in + 32, h, 32);
        }
        n += 1000;
        t = now() - t0;
    } while (t < BENCH_SECONDS);
    return (double)n * 64 / t / 1e6;
}

/* Sign a hash, recover the signer, check it; the signature hash feeds the next round. */
static double bench_sign_recover(void)
{
    uint8_t priv[32], addr[20], rec[20], hash[32] = {7}, sig[65];
    double t0, t;
    long n = 0;

    if (eth_secp_keygen(priv, NULL) != MCP_OK || eth_secp_address(addr, priv, NULL) != MCP_OK)
        return -1;
    t0 = now();
    do {
        for (int i = 0; i < 100; i++) {
            if (eth_secp_sign(sig, hash, priv, NULL) != MCP_OK ||
                eth_secp_recover(rec, hash, sig, NULL) != MCP_OK || memcmp(rec, addr, 20) != 0) {
                sodium_memzero(priv, sizeof priv);
                return -1;
            }
            eth_keccak256(hash, sig, sizeof sig);
        }
        n += 100;
        t = now() - t0;
    } while (t < BENCH_SECONDS);
    sodium_memzero(priv, sizeof priv);
    return (double)n / t;
}

int main(void)
{
    uint8_t *buf = malloc(MIB);
    double big, small, pairs;

    if (buf == NULL || sodium_init() < 0)
        return 1;
    randombytes_buf(buf, MIB);
    eth_keccak256(buf, buf, MIB); /* warm-up */
    big = bench_keccak_big(buf);
    small = bench_keccak_64();
    pairs = bench_sign_recover();
    free(buf);
    if (pairs < 0) {
        fprintf(stderr, "bench_crypto: sign/recover failed\n");
        return 1;
    }
    printf("{\"impl\":\"c\",\"keccak_1mib_mb_s\":%.1f,\"keccak_64b_mb_s\":%.1f,"
           "\"sign_recover_per_s\":%.0f}\n",
           big, small, pairs);
    return 0;
}

/* eth_keccak.c: Keccak-f[1600] and the Keccak-256 sponge (rate 136 bytes, capacity 512 bits,
 * original padding 0x01 .. 0x80). Lanes are loaded little-endian byte by byte, so the code
 * has no alignment or endianness assumptions. */
#include "eth_keccak.h"

#include <string.h>

#include <sodium.h>

#define KECCAK_RATE   136
#define KECCAK_ROUNDS 24

static const uint64_t round_consts[KECCAK_ROUNDS] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

static uint64_t rotl64(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64 - n)); /* n is 1..63 */
}

#define THETA_C(x) (a[x] ^ a[(x) + 5] ^ a[(x) + 10] ^ a[(x) + 15] ^ a[(x) + 20])
#define CHI_LANE(x, y)                                                                             \
    (b[(x) + 5 * (y)] ^ (~b[((x) + 1) % 5 + 5 * (y)] & b[((x) + 2) % 5 + 5 * (y)]))
#define CHI_ROW(y)                                                                                 \
    do {                                                                                           \
        a[0 + 5 * (y)] = CHI_LANE(0, y);                                                           \
        a[1 + 5 * (y)] = CHI_LANE(1, y);                                                           \
        a[2 + 5 * (y)] = CHI_LANE(2, y);                                                           \
        a[3 + 5 * (y)] = CHI_LANE(3, y);                                                           \
        a[4 + 5 * (y)] = CHI_LANE(4, y);                                                           \
    } while (0)

/* The permutation, written out with constant lane indices so the state stays in registers.
 * Lane (x, y) is a[x + 5y]; rho-pi moves it to b[y + 5((2x + 3y) mod 5)], rotated by its
 * rho offset (FIPS 202 tables 2 and 3). */
static void keccak_f1600(uint64_t a[25])
{
    uint64_t b[25], c[5], d[5];

    for (int round = 0; round < KECCAK_ROUNDS; round++) {
        for (int x = 0; x < 5; x++) /* theta */
            c[x] = THETA_C(x);
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
        b[0] = a[0] ^ d[0];
        b[10] = rotl64(a[1] ^ d[1], 1);
        b[20] = rotl64(a[2] ^ d[2], 62);
        b[5] = rotl64(a[3] ^ d[3], 28);
        b[15] = rotl64(a[4] ^ d[4], 27);
        b[16] = rotl64(a[5] ^ d[0], 36);
        b[1] = rotl64(a[6] ^ d[1], 44);
        b[11] = rotl64(a[7] ^ d[2], 6);
        b[21] = rotl64(a[8] ^ d[3], 55);
        b[6] = rotl64(a[9] ^ d[4], 20);
        b[7] = rotl64(a[10] ^ d[0], 3);
        b[17] = rotl64(a[11] ^ d[1], 10);
        b[2] = rotl64(a[12] ^ d[2], 43);
        b[12] = rotl64(a[13] ^ d[3], 25);
        b[22] = rotl64(a[14] ^ d[4], 39);
        b[23] = rotl64(a[15] ^ d[0], 41);
        b[8] = rotl64(a[16] ^ d[1], 45);
        b[18] = rotl64(a[17] ^ d[2], 15);
        b[3] = rotl64(a[18] ^ d[3], 21);
        b[13] = rotl64(a[19] ^ d[4], 8);
        b[14] = rotl64(a[20] ^ d[0], 18);
        b[24] = rotl64(a[21] ^ d[1], 2);
        b[9] = rotl64(a[22] ^ d[2], 61);
        b[19] = rotl64(a[23] ^ d[3], 56);
        b[4] = rotl64(a[24] ^ d[4], 14);
        CHI_ROW(0);
        CHI_ROW(1);
        CHI_ROW(2);
        CHI_ROW(3);
        CHI_ROW(4);
        a[0] ^= round_consts[round]; /* iota */
    }
}

static uint64_t load64_le(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* XOR one full block into the state and permute. */
static void absorb_block(uint64_t st[25], const uint8_t *block)
{
    for (int i = 0; i < KECCAK_RATE / 8; i++)
        st[i] ^= load64_le(block + 8 * i);
    keccak_f1600(st);
}

static void xor_byte(uint64_t st[25], size_t pos, uint8_t b)
{
    st[pos / 8] ^= (uint64_t)b << (8 * (pos % 8));
}

void eth_keccak_init(struct eth_keccak *k)
{
    memset(k, 0, sizeof *k);
}

void eth_keccak_update(struct eth_keccak *k, const void *in, size_t len)
{
    const uint8_t *p = in;

    while (len > 0 && k->pos != 0) { /* finish a partial block */
        xor_byte(k->st, k->pos++, *p++);
        len--;
        if (k->pos == KECCAK_RATE) {
            keccak_f1600(k->st);
            k->pos = 0;
        }
    }
    for (; len >= KECCAK_RATE; len -= KECCAK_RATE, p += KECCAK_RATE)
        absorb_block(k->st, p);
    while (len > 0) {
        xor_byte(k->st, k->pos++, *p++);
        len--;
    }
}

void eth_keccak_final(struct eth_keccak *k, uint8_t out[32])
{
    xor_byte(k->st, k->pos, 0x01);
    xor_byte(k->st, KECCAK_RATE - 1, 0x80);
    keccak_f1600(k->st);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(k->st[i / 8] >> (8 * (i % 8)));
    sodium_memzero(k, sizeof *k);
}

void eth_keccak256(uint8_t out[32], const void *in, size_t len)
{
    struct eth_keccak k;

    eth_keccak_init(&k);
    eth_keccak_update(&k, in, len);
    eth_keccak_final(&k, out);
}

/* eth_u256.h: unsigned 256-bit integers for token amounts and ABI words, and exact
 * decimal <-> base-unit conversion ("41.67" with 6 decimals <-> 41670000). No floating point. */
#ifndef SKM_ETH_U256_H
#define SKM_ETH_U256_H

#include <stddef.h>
#include <stdint.h>

#include "mcp_err.h"

struct eth_u256 {
    uint64_t w[4]; /* little-endian limbs: w[0] is the least significant */
};

/* Parse a plain decimal integer string ("0", "1000000"; no sign, no spaces, no leading "+").
 * Returns: MCP_EINVAL with a message naming `what` on bad digits or overflow (> 2^256-1). */
enum mcp_rc eth_u256_from_dec(struct eth_u256 *out, const char *s, const char *what,
                              struct mcp_error *err) SKM_WARN_UNUSED;

/* Parse a token amount in token units ("1000", "41.67", "0.000001") into base units with
 * `decimals` (0..77). Rejects: empty, sign, exponent, more fractional digits than decimals
 * ("41.6701" with 2 decimals: "has 4 decimal places; the token has 2"), overflow.
 * `what` names the field for messages ("maxTotal"). */
enum mcp_rc eth_u256_from_units(struct eth_u256 *out, const char *s, unsigned decimals,
                                const char *what, struct mcp_error *err) SKM_WARN_UNUSED;

/* Decimal string of v (out size >= 79). */
void eth_u256_to_dec(char *out, size_t out_size, const struct eth_u256 *v);

/* A new JSON string of the decimal form of v, or NULL on OOM. */
struct json_t;
struct json_t *eth_u256_json_dec(const struct eth_u256 *v);

/* Token-unit string of v with `decimals`, trailing fractional zeros trimmed ("41.67", "1000").
 * out size >= 81. */
void eth_u256_to_units(char *out, size_t out_size, const struct eth_u256 *v, unsigned decimals);

/* 32-byte big-endian (ABI word) conversions. */
void eth_u256_from_be(struct eth_u256 *out, const uint8_t in[32]);
void eth_u256_to_be(uint8_t out[32], const struct eth_u256 *v);

void eth_u256_from_u64(struct eth_u256 *out, uint64_t v);
/* Returns: 1 and sets *out if v fits in 64 bits, else 0. */
int eth_u256_to_u64(uint64_t *out, const struct eth_u256 *v);

/* -1, 0, 1. */
int eth_u256_cmp(const struct eth_u256 *a, const struct eth_u256 *b);
int eth_u256_is_zero(const struct eth_u256 *a);
/* out = a + b; returns 1 on overflow (out then wraps). out may alias a or b. */
int eth_u256_add(struct eth_u256 *out, const struct eth_u256 *a, const struct eth_u256 *b);
/* out = a - b; returns 1 on underflow (out then wraps). */
int eth_u256_sub(struct eth_u256 *out, const struct eth_u256 *a, const struct eth_u256 *b);
/* out = a * m; returns 1 on overflow. */
int eth_u256_mul_u64(struct eth_u256 *out, const struct eth_u256 *a, uint64_t m);
/* q = a / d, *rem = a % d (d != 0). */
void eth_u256_divmod_u64(struct eth_u256 *q, uint64_t *rem, const struct eth_u256 *a, uint64_t d);

#endif

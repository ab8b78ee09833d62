/* eth_u256.c: 256-bit unsigned arithmetic on four 64-bit limbs, and exact decimal <-> base-unit
 * conversion for token amounts. Only what amounts and ABI words need: add, sub, multiply and
 * divide by a 64-bit number. No floating point anywhere.
 *
 * Amount syntax accepted by eth_u256_from_units: DIGITS or DIGITS "." DIGITS, ASCII digits only.
 * Leading zeros are fine ("00012" is 12). ".5" and "1." are rejected (write "0.5" and "1"),
 * as are signs, spaces, exponents and separators. Fractional digits beyond the token's
 * decimals are accepted only when they are all zeros ("41.670" with 2 decimals is 4167),
 * because the value is still exact. */
#include "eth_u256.h"

#include <jansson.h>

#include <string.h>

#define U256_DEC_MAX      78 /* digits of 2^256-1 */
#define U256_DECIMALS_MAX 77 /* 10^77 < 2^256 < 10^78 */
#define POW10_19          10000000000000000000ULL

void eth_u256_from_u64(struct eth_u256 *out, uint64_t v)
{
    out->w[0] = v;
    out->w[1] = out->w[2] = out->w[3] = 0;
}

int eth_u256_to_u64(uint64_t *out, const struct eth_u256 *v)
{
    if (v->w[1] | v->w[2] | v->w[3])
        return 0;
    *out = v->w[0];
    return 1;
}

int eth_u256_cmp(const struct eth_u256 *a, const struct eth_u256 *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

int eth_u256_is_zero(const struct eth_u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

int eth_u256_add(struct eth_u256 *out, const struct eth_u256 *a, const struct eth_u256 *b)
{
    uint64_t carry = 0;

    for (int i = 0; i < 4; i++) {
        uint64_t s = a->w[i] + b->w[i];
        uint64_t c1 = s < a->w[i];

        out->w[i] = s + carry;
        carry = c1 | (out->w[i] < s);
    }
    return (int)carry;
}

int eth_u256_sub(struct eth_u256 *out, const struct eth_u256 *a, const struct eth_u256 *b)
{
    uint64_t borrow = 0;

    for (int i = 0; i < 4; i++) {
        uint64_t d = a->w[i] - b->w[i];
        uint64_t b1 = a->w[i] < b->w[i];

        out->w[i] = d - borrow;
        borrow = b1 | (d < borrow);
    }
    return (int)borrow;
}

/* 64 x 64 -> 128-bit product (*hi, *lo) from 32-bit halves. */
static void mul64(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);

    *lo = (mid << 32) | (p00 & 0xffffffffu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

int eth_u256_mul_u64(struct eth_u256 *out, const struct eth_u256 *a, uint64_t m)
{
    uint64_t carry = 0;

    for (int i = 0; i < 4; i++) {
        uint64_t hi, lo;

        mul64(&hi, &lo, a->w[i], m);
        lo += carry;
        hi += lo < carry;
        out->w[i] = lo;
        carry = hi;
    }
    return carry != 0;
}

void eth_u256_divmod_u64(struct eth_u256 *q, uint64_t *rem, const struct eth_u256 *a, uint64_t d)
{
    struct eth_u256 quot = {{0, 0, 0, 0}};
    uint64_t r = 0;

    if (MCP_NEVER(d == 0)) { /* the caller's bug; defined result instead of a trap */
        eth_u256_from_u64(q, 0);
        *rem = 0;
        return;
    }
    for (int bit = 255; bit >= 0; bit--) { /* restoring division, one bit at a time */
        uint64_t top = r >> 63;

        r = (r << 1) | ((a->w[bit / 64] >> (bit % 64)) & 1u);
        if (top || r >= d) {
            r -= d;
            quot.w[bit / 64] |= 1ULL << (bit % 64);
        }
    }
    *q = quot;
    *rem = r;
}

void eth_u256_from_be(struct eth_u256 *out, const uint8_t in[32])
{
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;

        for (int j = 0; j < 8; j++)
            v = (v << 8) | in[8 * (3 - i) + j];
        out->w[i] = v;
    }
}

void eth_u256_to_be(uint8_t out[32], const struct eth_u256 *v)
{
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 8; j++)
            out[8 * (3 - i) + j] = (uint8_t)(v->w[i] >> (8 * (7 - j)));
    }
}

/* *v = *v * 10 + digit; returns 1 on overflow. */
static int push_digit(struct eth_u256 *v, unsigned digit)
{
    struct eth_u256 d;

    eth_u256_from_u64(&d, digit);
    if (eth_u256_mul_u64(v, v, 10))
        return 1;
    return eth_u256_add(v, v, &d);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Explain the first character of s that is not a digit (s is an amount or integer string). */
static enum mcp_rc explain_bad_char(const char *s, size_t pos, const char *what,
                                    struct mcp_error *err)
{
    unsigned char c = (unsigned char)s[pos];

    if (c == '-')
        return mcp_errf(err, MCP_EINVAL, "%s: negative numbers are not allowed", what);
    if (c == '+')
        return mcp_errf(err, MCP_EINVAL, "%s: write the number without a '+' sign", what);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        return mcp_errf(err, MCP_EINVAL, "%s: remove the spaces around or inside the number", what);
    if (c == 'e' || c == 'E')
        return mcp_errf(err, MCP_EINVAL,
                        "%s: exponent notation (like 1e6) is not accepted; write all the digits",
                        what);
    if (c == ',' || c == '_')
        return mcp_errf(err, MCP_EINVAL, "%s: write the number without '%c' separators", what, c);
    if (c >= 0x20 && c < 0x7f)
        return mcp_errf(err, MCP_EINVAL, "%s: '%c' at position %zu is not a digit", what, c,
                        pos + 1);
    return mcp_errf(err, MCP_EINVAL, "%s: byte 0x%02x at position %zu is not a digit", what, c,
                    pos + 1);
}

enum mcp_rc eth_u256_from_dec(struct eth_u256 *out, const char *s, const char *what,
                              struct mcp_error *err)
{
    struct eth_u256 v = {{0, 0, 0, 0}};
    size_t i;

    eth_u256_from_u64(out, 0);
    if (s == NULL || s[0] == '\0')
        return mcp_errf(err, MCP_EINVAL, "%s: empty; expected a decimal integer such as 1000000",
                        what);
    for (i = 0; is_digit(s[i]); i++) {
        if (push_digit(&v, (unsigned)(s[i] - '0')))
            return mcp_errf(err, MCP_EINVAL, "%s: too large; the maximum is 2^256-1", what);
    }
    if (s[i] == '.')
        return mcp_errf(err, MCP_EINVAL, "%s: expected a whole number, without a decimal point",
                        what);
    if (s[i] != '\0')
        return explain_bad_char(s, i, what, err);
    *out = v;
    return MCP_OK;
}

/* Check the shape DIGITS [ "." DIGITS ] and find the parts. Returns MCP_OK and sets
 * *int_len, *frac (NULL when there is no point) and *frac_len. */
static enum mcp_rc split_amount(const char *s, size_t *int_len, const char **frac, size_t *frac_len,
                                const char *what, struct mcp_error *err)
{
    size_t i = 0, j;

    *int_len = 0;
    *frac = NULL;
    *frac_len = 0;
    if (s == NULL || s[0] == '\0')
        return mcp_errf(err, MCP_EINVAL, "%s: empty; expected an amount such as 41.67", what);
    if (s[0] == '.')
        return mcp_errf(err, MCP_EINVAL, "%s: put a digit before the decimal point (0.5, not .5)",
                        what);
    while (is_digit(s[i]))
        i++;
    *int_len = i;
    if (s[i] == '\0')
        return MCP_OK;
    if (s[i] != '.')
        return explain_bad_char(s, i, what, err);
    for (j = i + 1; is_digit(s[j]); j++)
        continue;
    if (j == i + 1 && s[j] == '\0')
        return mcp_errf(err, MCP_EINVAL,
                        "%s: put a digit after the decimal point, or leave the point out "
                        "(1.0 or 1, not 1.)",
                        what);
    if (s[j] == '.')
        return mcp_errf(err, MCP_EINVAL, "%s: more than one decimal point", what);
    if (s[j] != '\0')
        return explain_bad_char(s, j, what, err);
    *frac = s + i + 1;
    *frac_len = j - i - 1;
    return MCP_OK;
}

/* Number of fractional places that matter (trailing zeros do not). */
static size_t significant_places(const char *frac, size_t frac_len)
{
    while (frac_len > 0 && frac[frac_len - 1] == '0')
        frac_len--;
    return frac_len;
}

enum mcp_rc eth_u256_from_units(struct eth_u256 *out, const char *s, unsigned decimals,
                                const char *what, struct mcp_error *err)
{
    struct eth_u256 v = {{0, 0, 0, 0}};
    const char *frac;
    size_t int_len, frac_len, places;
    enum mcp_rc rc;
    int overflow = 0;

    eth_u256_from_u64(out, 0);
    if (decimals > U256_DECIMALS_MAX)
        return mcp_errf(err, MCP_EINVAL, "%s: token decimals must be 0..%d, got %u", what,
                        U256_DECIMALS_MAX, decimals);
    rc = split_amount(s, &int_len, &frac, &frac_len, what, err);
    if (rc != MCP_OK)
        return rc;
    places = significant_places(frac, frac_len);
    if (places > decimals)
        return mcp_errf(err, MCP_EINVAL, "%s: has %zu decimal place%s; the token has %u", what,
                        places, places == 1 ? "" : "s", decimals);
    for (size_t i = 0; i < int_len; i++)
        overflow |= push_digit(&v, (unsigned)(s[i] - '0'));
    for (size_t i = 0; i < decimals; i++)
        overflow |= push_digit(&v, i < places ? (unsigned)(frac[i] - '0') : 0u);
    if (overflow)
        return mcp_errf(err, MCP_EINVAL,
                        "%s: too large; with %u decimals the maximum is (2^256-1) / 10^%u", what,
                        decimals, decimals);
    *out = v;
    return MCP_OK;
}

/* Decimal digits of v into buf (size >= U256_DEC_MAX + 1); returns the length. */
static size_t format_dec(char buf[U256_DEC_MAX + 1], const struct eth_u256 *v)
{
    char tmp[U256_DEC_MAX + 1];
    struct eth_u256 q = *v;
    size_t n = 0;

    do { /* 19 digits at a time, least significant chunk first */
        uint64_t chunk;
        int last;

        eth_u256_divmod_u64(&q, &chunk, &q, POW10_19);
        last = eth_u256_is_zero(&q);
        for (int i = 0; i < 19; i++) {
            tmp[n++] = (char)('0' + chunk % 10);
            chunk /= 10;
            if (last && chunk == 0)
                break;
        }
    } while (!eth_u256_is_zero(&q));
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

void eth_u256_to_dec(char *out, size_t out_size, const struct eth_u256 *v)
{
    char buf[U256_DEC_MAX + 1];
    size_t n = format_dec(buf, v);

    if (MCP_NEVER(out_size < n + 1)) {
        if (out_size > 0)
            out[0] = '\0';
        return;
    }
    memcpy(out, buf, n + 1);
}

void eth_u256_to_units(char *out, size_t out_size, const struct eth_u256 *v, unsigned decimals)
{
    char digits[U256_DEC_MAX + 1], buf[U256_DEC_MAX + U256_DECIMALS_MAX + 3];
    size_t n = format_dec(digits, v), int_len, len;

    if (MCP_NEVER(decimals > U256_DECIMALS_MAX))
        decimals = U256_DECIMALS_MAX;
    int_len = n > decimals ? n - decimals : 0;
    if (int_len > 0)
        memcpy(buf, digits, int_len);
    else
        buf[0] = '0';
    len = int_len > 0 ? int_len : 1;
    if (decimals > 0) {
        buf[len++] = '.';
        for (size_t i = n; i < decimals; i++) /* leading zeros of the fraction */
            buf[len++] = '0';
        memcpy(buf + len, digits + int_len, n - int_len);
        len += n - int_len;
        while (buf[len - 1] == '0')
            len--;
        if (buf[len - 1] == '.')
            len--;
    }
    buf[len] = '\0';
    if (MCP_NEVER(out_size < len + 1)) {
        if (out_size > 0)
            out[0] = '\0';
        return;
    }
    memcpy(out, buf, len + 1);
}

json_t *eth_u256_json_dec(const struct eth_u256 *v)
{
    char buf[80];

    eth_u256_to_dec(buf, sizeof buf, v);
    return json_string(buf);
}

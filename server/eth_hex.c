/* eth_hex.c: hex <-> bytes. Decoding is branch-free over the digits (the input may be a
 * private key); only the error path, which reports where the first bad digit is, branches. */
#include "eth_hex.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

/* Value of hex digit c (0..15), or a value with bit 8 set if c is not a hex digit.
 * No data-dependent branches. */
static unsigned hex_nibble(unsigned char c)
{
    unsigned num = (unsigned)c ^ 0x30u;                       /* '0'..'9' -> 0..9 */
    unsigned num_ok = (num - 10u) >> 8;                       /* all ones (24 bits) iff num < 10 */
    unsigned alpha = ((unsigned)c & ~0x20u) - 0x37u;          /* 'A'..'F', 'a'..'f' -> 10..15 */
    unsigned alpha_ok = ((alpha - 10u) ^ (alpha - 16u)) >> 8; /* all ones iff 10 <= alpha < 16 */
    unsigned ok = (num_ok | alpha_ok) & 1u;

    return ((num & num_ok) | (alpha & alpha_ok)) | ((ok ^ 1u) << 8);
}

static const char *skip_prefix(const char *hex)
{
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        return hex + 2;
    return hex;
}

int eth_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static enum mcp_rc bad_digit(const char *digits, const char *what, struct mcp_error *err)
{
    size_t i = 0;
    unsigned char c;

    while ((hex_nibble((unsigned char)digits[i]) & 0x100u) == 0)
        i++;
    c = (unsigned char)digits[i];
    if (c >= 0x20 && c < 0x7f)
        return mcp_errf(err, MCP_EINVAL, "%s: '%c' at hex digit %zu is not a hex digit", what, c,
                        i + 1);
    return mcp_errf(err, MCP_EINVAL, "%s: byte 0x%02x at hex digit %zu is not a hex digit", what, c,
                    i + 1);
}

/* Decode n_digits (even) hex digits into out; MCP_EINVAL on a bad digit. */
static enum mcp_rc decode_digits(uint8_t *out, const char *digits, size_t n_digits,
                                 const char *what, struct mcp_error *err)
{
    unsigned bad = 0;

    for (size_t i = 0; i < n_digits / 2; i++) {
        unsigned hi = hex_nibble((unsigned char)digits[2 * i]);
        unsigned lo = hex_nibble((unsigned char)digits[2 * i + 1]);

        bad |= hi | lo;
        out[i] = (uint8_t)((hi << 4) | (lo & 0x0fu));
    }
    if ((bad & 0x100u) == 0)
        return MCP_OK;
    memset(out, 0, n_digits / 2);
    return bad_digit(digits, what, err);
}

enum mcp_rc eth_hex_decode(uint8_t *out, size_t out_len, const char *hex, const char *what,
                           struct mcp_error *err)
{
    const char *digits;
    size_t n_digits;

    if (hex == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: missing; expected %zu bytes of hex", what, out_len);
    digits = skip_prefix(hex);
    n_digits = strlen(digits);
    if (n_digits != 2 * out_len)
        return mcp_errf(err, MCP_EINVAL,
                        "%s: expected %zu bytes (%zu hex digits), got %zu hex digits", what,
                        out_len, 2 * out_len, n_digits);
    return decode_digits(out, digits, n_digits, what, err);
}

enum mcp_rc eth_hex_decode_alloc(uint8_t **out, size_t *out_len, const char *hex, const char *what,
                                 struct mcp_error *err)
{
    const char *digits;
    size_t n_digits;
    uint8_t *buf;
    enum mcp_rc rc;

    *out = NULL;
    *out_len = 0;
    if (hex == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: missing; expected 0x-prefixed hex", what);
    digits = skip_prefix(hex);
    n_digits = strlen(digits);
    if (n_digits % 2 != 0)
        return mcp_errf(err, MCP_EINVAL,
                        "%s: odd number of hex digits (%zu); each byte is 2 digits", what,
                        n_digits);
    buf = malloc(n_digits / 2 + 1); /* +1: non-NULL even for "0x" */
    if (buf == NULL)
        return mcp_errf(err, MCP_ENOMEM, "%s: out of memory decoding %zu bytes", what,
                        n_digits / 2);
    rc = decode_digits(buf, digits, n_digits, what, err);
    if (rc != MCP_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = n_digits / 2;
    return MCP_OK;
}

void eth_hex_encode(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";

    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        out[2 + 2 * i] = digits[in[i] >> 4];
        out[3 + 2 * i] = digits[in[i] & 0x0f];
    }
    out[2 + 2 * len] = '\0';
}

char *eth_hex_encode_alloc(const uint8_t *in, size_t len)
{
    char *out;

    if (len > (SIZE_MAX - 3) / 2)
        return NULL;
    out = malloc(2 * len + 3);
    if (out != NULL)
        eth_hex_encode(out, in, len);
    return out;
}

json_t *eth_hex_json(const uint8_t *in, size_t len)
{
    char buf[2 * 64 + 3];

    if (len > 64)
        return NULL;
    eth_hex_encode(buf, in, len);
    return json_string(buf);
}

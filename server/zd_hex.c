/* zd_hex.c: viem-style hex text building (case kept where viem keeps it) and the two ABI
 * encodings of `bytes` the ZeroDev enable data uses. */
#include "zd_hex.h"

#include <stdlib.h>
#include <string.h>

#include "eth_hex.h"
#include "eth_keccak.h"

#define ZD_HEX_OOM 1
#define ZD_HEX_BAD 2

void zd_hex_init(struct zd_hex *h)
{
    memset(h, 0, sizeof *h);
}

void zd_hex_free(struct zd_hex *h)
{
    free(h->s);
    zd_hex_init(h);
}

const char *zd_hex_str(const struct zd_hex *h)
{
    return h->s != NULL ? h->s : "0x";
}

size_t zd_hex_nbytes(const struct zd_hex *h)
{
    return h->len > 2 ? (h->len - 2) / 2 : 0;
}

enum mcp_rc zd_hex_check(const struct zd_hex *h, struct mcp_error *err)
{
    if (h->failed == ZD_HEX_OOM)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (h->failed == ZD_HEX_BAD)
        return mcp_errf(err, MCP_EINTERNAL, "internal error: hex text expected");
    return MCP_OK;
}

/* Make room for n more digits (plus NUL); start the text with "0x". */
static char *reserve(struct zd_hex *h, size_t n)
{
    size_t need;

    if (h->failed)
        return NULL;
    if (h->s == NULL) {
        h->s = malloc(64);
        if (h->s == NULL) {
            h->failed = ZD_HEX_OOM;
            return NULL;
        }
        memcpy(h->s, "0x", 3);
        h->len = 2;
        h->cap = 64;
    }
    need = h->len + n + 1;
    if (need > h->cap) {
        size_t cap = h->cap * 2 > need ? h->cap * 2 : need;
        char *s = realloc(h->s, cap);

        if (s == NULL) {
            h->failed = ZD_HEX_OOM;
            return NULL;
        }
        h->s = s;
        h->cap = cap;
    }
    return h->s + h->len;
}

static void commit(struct zd_hex *h, size_t n)
{
    h->len += n;
    h->s[h->len] = '\0';
}

void zd_hex_add_bytes(struct zd_hex *h, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *p = reserve(h, 2 * n);

    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        p[2 * i] = digits[b[i] >> 4];
        p[2 * i + 1] = digits[b[i] & 15];
    }
    commit(h, 2 * n);
}

static int is_digit16(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int zd_hex_valid(const char *s, size_t nbytes)
{
    size_t n;

    if (s == NULL || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    for (n = 0; s[2 + n] != '\0'; n++) {
        if (!is_digit16(s[2 + n]))
            return 0;
    }
    if (n % 2 != 0)
        return 0;
    return nbytes == (size_t)-1 || n == 2 * nbytes;
}

void zd_hex_add_text(struct zd_hex *h, const char *hex)
{
    const char *d = hex;
    size_t n;
    char *p;

    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
        d += 2;
    n = strlen(d);
    for (size_t i = 0; i < n; i++) {
        if (!is_digit16(d[i])) {
            h->failed = h->failed ? h->failed : ZD_HEX_BAD;
            return;
        }
    }
    if (n % 2 != 0) {
        h->failed = h->failed ? h->failed : ZD_HEX_BAD;
        return;
    }
    p = reserve(h, n);
    if (p == NULL)
        return;
    memcpy(p, d, n);
    commit(h, n);
}

void zd_hex_add_hex(struct zd_hex *h, const struct zd_hex *src)
{
    if (src->failed) {
        h->failed = h->failed ? h->failed : src->failed;
        return;
    }
    zd_hex_add_text(h, zd_hex_str(src));
}

void zd_hex_add_zeros(struct zd_hex *h, size_t n)
{
    char *p = reserve(h, 2 * n);

    if (p == NULL)
        return;
    memset(p, '0', 2 * n);
    commit(h, 2 * n);
}

void zd_hex_add_word(struct zd_hex *h, uint64_t v)
{
    uint8_t w[32] = {0};

    for (int i = 0; i < 8; i++)
        w[31 - i] = (uint8_t)(v >> (8 * i));
    zd_hex_add_bytes(h, w, sizeof w);
}

void zd_hex_add_padded(struct zd_hex *h, const char *hex)
{
    size_t before = zd_hex_nbytes(h), n;

    zd_hex_add_text(h, hex);
    n = zd_hex_nbytes(h) - before;
    if (n % 32 != 0)
        zd_hex_add_zeros(h, 32 - n % 32);
}

static size_t padded_len(size_t n)
{
    return (n + 31) / 32 * 32;
}

void zd_hex_abi_bytes(struct zd_hex *h, const struct zd_hex *item)
{
    zd_hex_add_word(h, 32);
    zd_hex_add_word(h, zd_hex_nbytes(item));
    zd_hex_add_padded(h, zd_hex_str(item));
    if (item->failed)
        h->failed = h->failed ? h->failed : item->failed;
}

void zd_hex_abi_bytes_array(struct zd_hex *h, const struct zd_hex *items, size_t n)
{
    size_t off = 32 * n;

    zd_hex_add_word(h, 32);
    zd_hex_add_word(h, n);
    for (size_t i = 0; i < n; i++) {
        zd_hex_add_word(h, off);
        off += 32 + padded_len(zd_hex_nbytes(&items[i]));
    }
    for (size_t i = 0; i < n; i++) {
        zd_hex_add_word(h, zd_hex_nbytes(&items[i]));
        zd_hex_add_padded(h, zd_hex_str(&items[i]));
        if (items[i].failed)
            h->failed = h->failed ? h->failed : items[i].failed;
    }
}

enum mcp_rc zd_hex_bytes(uint8_t **out, size_t *len, const struct zd_hex *h,
                         struct mcp_error *err)
{
    enum mcp_rc rc = zd_hex_check(h, err);

    *out = NULL;
    *len = 0;
    if (rc != MCP_OK)
        return rc;
    return eth_hex_decode_alloc(out, len, zd_hex_str(h), "hex", err);
}

enum mcp_rc zd_hex_keccak(uint8_t out[32], const struct zd_hex *h, struct mcp_error *err)
{
    uint8_t *b = NULL;
    size_t n = 0;
    enum mcp_rc rc = zd_hex_bytes(&b, &n, h, err);

    memset(out, 0, 32);
    if (rc == MCP_OK)
        eth_keccak256(out, b, n);
    free(b);
    return rc;
}

/* eth_abi_encode.c: JSON values -> ABI encoding (abi.encode), and the JSON paths that error
 * messages use. Sequences (tuples, arrays) are written in one buffer: the heads in order, with a
 * placeholder word for each dynamic element, then each dynamic element's tail, whose offset
 * (from the start of the heads) is written back into its placeholder. */
#include "eth_abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_u256.h"

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static enum mcp_rc encode_value(struct buf *b, const struct eth_abi_type *t, json_t *v,
                                struct eth_abi_path *path, struct mcp_error *err);

/* ---- JSON paths ---- */

void eth_abi_path_init(struct eth_abi_path *p, const char *root)
{
    p->len = 0;
    p->buf[0] = '\0';
    (void)eth_abi_path_push_key(p, root);
    if (p->buf[0] == '.') { /* the root has no leading dot */
        memmove(p->buf, p->buf + 1, p->len);
        p->len--;
    }
}

static size_t path_append(struct eth_abi_path *p, const char *seg)
{
    size_t saved = p->len, n = strlen(seg);

    if (p->len + n + 4 > sizeof(p->buf)) { /* keep room for "..." */
        if (p->len < 3 || memcmp(p->buf + p->len - 3, "...", 3) != 0) {
            memcpy(p->buf + p->len, "...", 4);
            p->len += 3;
        }
        return saved;
    }
    memcpy(p->buf + p->len, seg, n + 1);
    p->len += n;
    return saved;
}

size_t eth_abi_path_push_index(struct eth_abi_path *p, size_t i)
{
    char seg[32];

    snprintf(seg, sizeof(seg), "[%zu]", i);
    return path_append(p, seg);
}

size_t eth_abi_path_push_key(struct eth_abi_path *p, const char *key)
{
    char seg[ETH_ABI_PATH_MAX];

    snprintf(seg, sizeof(seg), ".%s", key);
    return path_append(p, seg);
}

void eth_abi_path_pop(struct eth_abi_path *p, size_t saved_len)
{
    p->len = saved_len;
    p->buf[saved_len] = '\0';
}

/* ---- output buffer ---- */

static enum mcp_rc buf_grow(struct buf *b, size_t n, struct mcp_error *err)
{
    size_t cap = b->cap ? b->cap : 256;
    uint8_t *p;

    if (n > SIZE_MAX / 4 - b->len)
        return mcp_errf(err, MCP_ENOMEM, "ABI encoding too large");
    while (cap < b->len + n)
        cap *= 2;
    if (cap == b->cap)
        return MCP_OK;
    p = realloc(b->p, cap);
    if (p == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory in ABI encoding (%zu bytes)", cap);
    b->p = p;
    b->cap = cap;
    return MCP_OK;
}

/* Append n bytes of data (or zeros if data is NULL). */
static enum mcp_rc buf_put(struct buf *b, const void *data, size_t n, struct mcp_error *err)
{
    enum mcp_rc rc = buf_grow(b, n, err);

    if (rc != MCP_OK)
        return rc;
    if (data != NULL)
        memcpy(b->p + b->len, data, n);
    else
        memset(b->p + b->len, 0, n);
    b->len += n;
    return MCP_OK;
}

static void put_u64_word(uint8_t word[32], uint64_t v)
{
    memset(word, 0, 32);
    for (int i = 0; i < 8; i++)
        word[31 - i] = (uint8_t)(v >> (8 * i));
}

/* ---- elementary values ---- */

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a fractional number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "an unknown value";
}

/* The string of v, rejecting non-strings and embedded NUL bytes. */
static enum mcp_rc get_string(const char **out, json_t *v, const char *path, const char *expected,
                              struct mcp_error *err)
{
    if (v == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: missing; expected %s", path, expected);
    if (!json_is_string(v))
        return mcp_errf(err, MCP_EINVAL, "%s: expected %s, got %s", path, expected, json_kind(v));
    *out = json_string_value(v);
    if (strlen(*out) != json_string_length(v))
        return mcp_errf(err, MCP_EINVAL, "%s: contains a NUL character", path);
    return MCP_OK;
}

/* Two's complement negation of a big-endian word. */
static void negate(uint8_t w[32])
{
    unsigned carry = 1;

    for (int i = 31; i >= 0; i--) {
        unsigned x = (unsigned)(uint8_t)~w[i] + carry;

        w[i] = (uint8_t)x;
        carry = x >> 8;
    }
}

/* "0x" + 1..n hex digits (leading zeros allowed) into a big-endian word. */
static enum mcp_rc parse_hex_number(uint8_t w[32], const char *digits, const char *path,
                                    struct mcp_error *err)
{
    size_t n = strlen(digits);

    memset(w, 0, 32);
    if (n == 0)
        return mcp_errf(err, MCP_EINVAL, "%s: \"0x\" without digits; expected a number", path);
    while (n > 1 && digits[0] == '0') {
        digits++;
        n--;
    }
    if (n > 64)
        return mcp_errf(err, MCP_EINVAL, "%s: hex number larger than 256 bits", path);
    for (size_t i = 0; i < n; i++) {
        int d = eth_hex_digit(digits[n - 1 - i]);

        if (d < 0)
            return mcp_errf(err, MCP_EINVAL, "%s: '%c' is not a hex digit", path,
                            digits[n - 1 - i] >= 0x20 && digits[n - 1 - i] < 0x7f ?
                                digits[n - 1 - i] : '?');
        w[31 - i / 2] |= (uint8_t)(i % 2 ? d << 4 : d);
    }
    return MCP_OK;
}

static enum mcp_rc parse_number_string(uint8_t w[32], int *neg, const char *s, const char *path,
                                       struct mcp_error *err)
{
    struct eth_u256 u;
    enum mcp_rc rc;

    *neg = s[0] == '-';
    s += *neg;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (*neg)
            return mcp_errf(err, MCP_EINVAL, "%s: negative hex numbers are not accepted; write "
                                             "a negative value in decimal", path);
        return parse_hex_number(w, s + 2, path, err);
    }
    rc = eth_u256_from_dec(&u, s, path, err);
    if (rc == MCP_OK)
        eth_u256_to_be(w, &u);
    return rc;
}

/* Magnitude (big-endian) and sign of an integer given as JSON integer or string. */
static enum mcp_rc json_integer_word(uint8_t w[32], int *neg, json_t *v, const char *path,
                                     struct mcp_error *err)
{
    const char *s;
    enum mcp_rc rc;

    *neg = 0;
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);

        *neg = x < 0;
        put_u64_word(w, x < 0 ? 0 - (uint64_t)x : (uint64_t)x);
        return MCP_OK;
    }
    if (json_is_real(v))
        return mcp_errf(err, MCP_EINVAL, "%s: expected an integer, got the JSON number %.17g; "
                                         "write exact values as decimal strings", path,
                        json_real_value(v));
    rc = get_string(&s, v, path, "an integer (JSON integer, decimal string or 0x-hex string)", err);
    if (rc != MCP_OK)
        return rc;
    return parse_number_string(w, neg, s, path, err);
}

static int all_bytes(const uint8_t *p, size_t n, uint8_t b)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != b)
            return 0;
    }
    return 1;
}

static void int_range(char *lo, char *hi, size_t size, const struct eth_abi_type *t)
{
    struct eth_u256 max = {{0, 0, 0, 0}}, one;
    unsigned bits = t->kind == ETH_ABI_INT ? t->size - 1 : t->size;
    char dec[80];

    max.w[bits / 64 < 4 ? bits / 64 : 3] = bits < 256 ? (uint64_t)1 << (bits % 64) : 0;
    eth_u256_from_u64(&one, 1);
    (void)eth_u256_sub(&max, &max, &one); /* 2^bits - 1; for bits == 256 wraps as intended */
    eth_u256_to_dec(dec, sizeof(dec), &max);
    snprintf(hi, size, "%s", dec);
    if (t->kind == ETH_ABI_UINT) {
        snprintf(lo, size, "0");
        return;
    }
    (void)eth_u256_add(&max, &max, &one);
    eth_u256_to_dec(dec, sizeof(dec), &max);
    snprintf(lo, size, "-%s", dec);
}

static enum mcp_rc out_of_range(const struct eth_abi_type *t, json_t *v, const char *path,
                                struct mcp_error *err)
{
    char lo[82], hi[82], shown[96];

    int_range(lo, hi, sizeof(lo), t);
    if (json_is_integer(v))
        snprintf(shown, sizeof(shown), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        snprintf(shown, sizeof(shown), "%.80s", json_string_value(v));
    return mcp_errf(err, MCP_EINVAL, "%s: %s is out of range for %s%u (%s to %s)", path, shown,
                    t->kind == ETH_ABI_INT ? "int" : "uint", t->size, lo, hi);
}

static enum mcp_rc encode_integer(uint8_t w[32], const struct eth_abi_type *t, json_t *v,
                                  const char *path, struct mcp_error *err)
{
    size_t pad = 32 - t->size / 8;
    int neg, ok;
    enum mcp_rc rc = json_integer_word(w, &neg, v, path, err);

    if (rc != MCP_OK)
        return rc;
    if (neg && all_bytes(w, 32, 0))
        neg = 0; /* "-0" */
    if (neg && t->kind == ETH_ABI_UINT)
        return out_of_range(t, v, path, err);
    if (neg)
        negate(w);
    if (t->kind == ETH_ABI_UINT)
        ok = all_bytes(w, pad, 0);
    else /* the sign bit and everything above it must all equal the sign */
        ok = all_bytes(w, pad, neg ? 0xff : 0) && (w[pad] >> 7) == (unsigned)neg;
    return ok ? MCP_OK : out_of_range(t, v, path, err);
}

enum mcp_rc eth_abi_json_bytes(uint8_t **out, size_t *len, json_t *value, const char *path,
                               struct mcp_error *err)
{
    const char *s;
    enum mcp_rc rc;

    *out = NULL;
    *len = 0;
    rc = get_string(&s, value, path, "0x-prefixed hex bytes", err);
    if (rc != MCP_OK)
        return rc;
    if (s[0] != '0' || s[1] != 'x')
        return mcp_errf(err, MCP_EINVAL, "%s: expected 0x-prefixed hex bytes", path);
    return eth_hex_decode_alloc(out, len, s, path, err);
}

static enum mcp_rc encode_fixed_bytes(uint8_t w[32], const struct eth_abi_type *t, json_t *v,
                                      const char *path, struct mcp_error *err)
{
    const char *s;
    enum mcp_rc rc;

    memset(w, 0, 32);
    rc = get_string(&s, v, path, "0x-prefixed hex bytes", err);
    if (rc != MCP_OK)
        return rc;
    if (s[0] != '0' || s[1] != 'x')
        return mcp_errf(err, MCP_EINVAL, "%s: expected 0x-prefixed hex for bytes%u", path,
                        t->size);
    return eth_hex_decode(w, t->size, s, path, err);
}

enum mcp_rc eth_abi_encode_word(uint8_t word[32], const struct eth_abi_type *t, json_t *value,
                                const char *path, struct mcp_error *err)
{
    const char *s;
    enum mcp_rc rc;

    memset(word, 0, 32);
    if (value == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: missing value", path);
    switch (t->kind) {
    case ETH_ABI_ADDRESS:
        rc = get_string(&s, value, path, "an address (0x and 40 hex digits)", err);
        return rc != MCP_OK ? rc : eth_addr_parse(word + 12, s, path, err);
    case ETH_ABI_BOOL:
        if (!json_is_boolean(value))
            return mcp_errf(err, MCP_EINVAL, "%s: expected true or false, got %s", path,
                            json_kind(value));
        word[31] = json_is_true(value);
        return MCP_OK;
    case ETH_ABI_UINT:
    case ETH_ABI_INT:
        return encode_integer(word, t, value, path, err);
    case ETH_ABI_FIXED_BYTES:
        return encode_fixed_bytes(word, t, value, path, err);
    default:
        return mcp_errf(err, MCP_EINVAL, "%s: not an elementary static type", path);
    }
}

/* ---- dynamic and composite values ---- */

static enum mcp_rc put_padded(struct buf *b, const void *data, size_t n, struct mcp_error *err)
{
    uint8_t word[32];
    enum mcp_rc rc;

    put_u64_word(word, n);
    rc = buf_put(b, word, 32, err);
    if (rc == MCP_OK)
        rc = buf_put(b, data, n, err);
    if (rc == MCP_OK && n % 32 != 0)
        rc = buf_put(b, NULL, 32 - n % 32, err);
    return rc;
}

static enum mcp_rc encode_bytes(struct buf *b, const struct eth_abi_type *t, json_t *v,
                                const char *path, struct mcp_error *err)
{
    uint8_t *data = NULL;
    size_t n = 0;
    enum mcp_rc rc;

    if (t->kind == ETH_ABI_STRING) {
        if (!json_is_string(v))
            return mcp_errf(err, MCP_EINVAL, "%s: expected a string, got %s", path,
                            v ? json_kind(v) : "nothing");
        return put_padded(b, json_string_value(v), json_string_length(v), err);
    }
    rc = eth_abi_json_bytes(&data, &n, v, path, err);
    if (rc == MCP_OK)
        rc = put_padded(b, data, n, err);
    free(data);
    return rc;
}

/* Element i of a sequence: the component type and the JSON value (borrowed, maybe NULL). */
static const struct eth_abi_type *seq_elem(const struct eth_abi_type *t, size_t i)
{
    return t->kind == ETH_ABI_TUPLE ? t->comps[i] : t->elem;
}

static enum mcp_rc encode_seq_elem(struct buf *b, const struct eth_abi_type *t, json_t *v,
                                   size_t i, struct eth_abi_path *path, struct mcp_error *err)
{
    const struct eth_abi_type *et = seq_elem(t, i);
    json_t *ev;
    size_t saved;
    enum mcp_rc rc;

    if (json_is_object(v)) { /* a tuple by component names (checked by the caller) */
        saved = eth_abi_path_push_key(path, et->name);
        ev = json_object_get(v, et->name);
    } else {
        saved = eth_abi_path_push_index(path, i);
        ev = json_array_get(v, i);
    }
    if (ev == NULL)
        rc = mcp_errf(err, MCP_EINVAL, "%s: missing", path->buf);
    else
        rc = encode_value(b, et, ev, path, err);
    eth_abi_path_pop(path, saved);
    return rc;
}

/* The heads and tails of n elements of the sequence t (tuple components or array elements). */
static enum mcp_rc encode_seq(struct buf *b, const struct eth_abi_type *t, json_t *v, size_t n,
                              struct eth_abi_path *path, struct mcp_error *err)
{
    size_t head_start = b->len, slot = b->len;
    uint8_t word[32];
    enum mcp_rc rc = MCP_OK;

    for (size_t i = 0; i < n && rc == MCP_OK; i++) {
        if (seq_elem(t, i)->dynamic)
            rc = buf_put(b, NULL, 32, err); /* offset placeholder */
        else
            rc = encode_seq_elem(b, t, v, i, path, err);
    }
    for (size_t i = 0; i < n && rc == MCP_OK; i++) {
        const struct eth_abi_type *et = seq_elem(t, i);

        if (et->dynamic) {
            put_u64_word(word, b->len - head_start);
            memcpy(b->p + slot, word, 32);
            rc = encode_seq_elem(b, t, v, i, path, err);
        }
        slot += et->head_size;
    }
    return rc;
}

static enum mcp_rc check_tuple_object(const struct eth_abi_type *t, json_t *v,
                                      struct eth_abi_path *path, struct mcp_error *err)
{
    const char *key;
    json_t *val;

    for (size_t i = 0; i < t->length; i++) {
        if (t->comps[i]->name == NULL)
            return mcp_errf(err, MCP_EINVAL, "%s: the tuple's components have no names, so "
                                             "give its value as an array", path->buf);
    }
    json_object_foreach(v, key, val) {
        size_t i = 0;

        while (i < t->length && strcmp(t->comps[i]->name, key) != 0)
            i++;
        if (i == t->length)
            return mcp_errf(err, MCP_EINVAL, "%s: unexpected key \"%.64s\" (not a component)",
                            path->buf, key);
    }
    return MCP_OK;
}

static enum mcp_rc encode_tuple(struct buf *b, const struct eth_abi_type *t, json_t *v,
                                struct eth_abi_path *path, struct mcp_error *err)
{
    enum mcp_rc rc;

    if (json_is_object(v)) {
        rc = check_tuple_object(t, v, path, err);
        return rc != MCP_OK ? rc : encode_seq(b, t, v, t->length, path, err);
    }
    if (!json_is_array(v))
        return mcp_errf(err, MCP_EINVAL, "%s: expected an array (or object) for a tuple of %zu, "
                                         "got %s", path->buf, t->length, json_kind(v));
    if (json_array_size(v) != t->length)
        return mcp_errf(err, MCP_EINVAL, "%s: expected %zu tuple components, got %zu", path->buf,
                        t->length, json_array_size(v));
    return encode_seq(b, t, v, t->length, path, err);
}

static enum mcp_rc encode_array(struct buf *b, const struct eth_abi_type *t, json_t *v,
                                struct eth_abi_path *path, struct mcp_error *err)
{
    uint8_t word[32];
    size_t n;
    enum mcp_rc rc;

    if (!json_is_array(v))
        return mcp_errf(err, MCP_EINVAL, "%s: expected an array, got %s", path->buf,
                        json_kind(v));
    n = json_array_size(v);
    if (t->kind == ETH_ABI_FIXED_ARRAY && n != t->length)
        return mcp_errf(err, MCP_EINVAL, "%s: expected exactly %zu elements, got %zu", path->buf,
                        t->length, n);
    if (t->kind == ETH_ABI_ARRAY) {
        put_u64_word(word, n);
        rc = buf_put(b, word, 32, err);
        if (rc != MCP_OK)
            return rc;
    }
    return encode_seq(b, t, v, n, path, err);
}

static enum mcp_rc encode_value(struct buf *b, const struct eth_abi_type *t, json_t *v,
                                struct eth_abi_path *path, struct mcp_error *err)
{
    uint8_t word[32];
    enum mcp_rc rc;

    if (v == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: missing", path->buf);
    switch (t->kind) {
    case ETH_ABI_BYTES:
    case ETH_ABI_STRING:
        return encode_bytes(b, t, v, path->buf, err);
    case ETH_ABI_TUPLE:
        return encode_tuple(b, t, v, path, err);
    case ETH_ABI_ARRAY:
    case ETH_ABI_FIXED_ARRAY:
        return encode_array(b, t, v, path, err);
    default:
        rc = eth_abi_encode_word(word, t, v, path->buf, err);
        return rc != MCP_OK ? rc : buf_put(b, word, 32, err);
    }
}

enum mcp_rc eth_abi_encode(uint8_t **out, size_t *len, const struct eth_abi_type *t, json_t *value,
                           const char *what, struct mcp_error *err)
{
    struct buf b = {NULL, 0, 0};
    struct eth_abi_path path;
    enum mcp_rc rc;

    *out = NULL;
    *len = 0;
    eth_abi_path_init(&path, what != NULL ? what : "value");
    rc = buf_grow(&b, 32, err);
    if (rc == MCP_OK)
        rc = encode_value(&b, t, value, &path, err);
    if (rc != MCP_OK) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    *len = b.len;
    return MCP_OK;
}

enum mcp_rc eth_abi_encode_params(uint8_t **out, size_t *len, const char *types, json_t *args,
                                  struct mcp_error *err)
{
    struct eth_abi_type *t = NULL;
    enum mcp_rc rc;

    *out = NULL;
    *len = 0;
    rc = eth_abi_params_parse(&t, types, err);
    if (rc == MCP_OK)
        rc = eth_abi_encode(out, len, t, args, "args", err);
    eth_abi_type_free(t);
    return rc;
}

/* eth_abi_decode.c: ABI data (untrusted: call data from a model or a peer) -> JSON.
 * Every read goes through read_word(), which checks the bounds; offsets and lengths are
 * compared against the bytes left before any arithmetic that could overflow. How strict the
 * value checks are is described at the top of eth_abi.h. */
#include "eth_abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_u256.h"

struct dec {
    const uint8_t *data;
    size_t len;
    size_t budget; /* values still allowed (see eth_abi.h) */
    struct eth_abi_path path;
    struct mcp_error *err;
};

static enum mcp_rc decode_value(struct dec *d, json_t **out, const struct eth_abi_type *t,
                                size_t pos);

static enum mcp_rc read_word(struct dec *d, const uint8_t **word, size_t pos)
{
    if (pos > d->len || d->len - pos < 32)
        return mcp_errf(d->err, MCP_EINVAL, "%s: data too short: needs 32 bytes at byte %zu, but "
                                            "the data has %zu bytes", d->path.buf, pos, d->len);
    *word = d->data + pos;
    return MCP_OK;
}

static int all_bytes(const uint8_t *p, size_t n, uint8_t b)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != b)
            return 0;
    }
    return 1;
}

/* A word read at pos as a size: a length or an offset, which must be at most `limit`. */
static enum mcp_rc read_size(struct dec *d, size_t *out, size_t pos, size_t limit,
                             const char *what)
{
    const uint8_t *w = NULL;
    uint64_t v = 0;
    enum mcp_rc rc = read_word(d, &w, pos);

    if (rc != MCP_OK)
        return rc;
    for (int i = 24; i < 32; i++)
        v = (v << 8) | w[i];
    if (!all_bytes(w, 24, 0) || v > limit)
        return mcp_errf(d->err, MCP_EINVAL, "%s: %s at byte %zu is too large: the data has only "
                                            "%zu bytes", d->path.buf, what, pos, d->len);
    *out = (size_t)v;
    return MCP_OK;
}

static enum mcp_rc spend(struct dec *d)
{
    if (d->budget == 0)
        return mcp_errf(d->err, MCP_EINVAL, "%s: more values than %zu bytes of canonical data can "
                                            "hold (overlapping offsets?)", d->path.buf, d->len);
    d->budget--;
    return MCP_OK;
}

static enum mcp_rc not_canonical(struct dec *d, size_t pos, const char *what)
{
    return mcp_errf(d->err, MCP_EINVAL, "%s: word at byte %zu is not a canonical %s", d->path.buf,
                    pos, what);
}

static enum mcp_rc set_out(struct dec *d, json_t **out, json_t *v)
{
    *out = v;
    return v != NULL ? MCP_OK : mcp_errf(d->err, MCP_ENOMEM, "out of memory decoding ABI data");
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = eth_hex_encode_alloc(p, n);
    json_t *v = s != NULL ? json_string(s) : NULL;

    free(s);
    return v;
}

static json_t *integer_json(const uint8_t w[32], int is_signed)
{
    uint8_t mag[32];
    struct eth_u256 u;
    char dec[82];
    int neg = is_signed && (w[0] & 0x80);

    memcpy(mag, w, 32);
    if (neg) { /* two's complement negation */
        unsigned carry = 1;

        for (int i = 31; i >= 0; i--) {
            unsigned x = (unsigned)(uint8_t)~mag[i] + carry;

            mag[i] = (uint8_t)x;
            carry = x >> 8;
        }
    }
    eth_u256_from_be(&u, mag);
    dec[0] = '-';
    eth_u256_to_dec(dec + neg, sizeof(dec) - 1, &u);
    return json_string(dec);
}

static enum mcp_rc decode_integer(struct dec *d, json_t **out, const struct eth_abi_type *t,
                                  const uint8_t *w, size_t pos)
{
    size_t pad = 32 - t->size / 8;
    uint8_t fill = 0;

    if (t->kind == ETH_ABI_INT && (w[pad] & 0x80))
        fill = 0xff;
    if (!all_bytes(w, pad, fill))
        return not_canonical(d, pos, t->kind == ETH_ABI_INT ? "intN (not sign-extended)" :
                                                               "uintN (high bits set)");
    return set_out(d, out, integer_json(w, t->kind == ETH_ABI_INT));
}

static enum mcp_rc decode_word(struct dec *d, json_t **out, const struct eth_abi_type *t,
                               size_t pos)
{
    char addr[ETH_ADDR_STR_SIZE];
    const uint8_t *w = NULL;
    enum mcp_rc rc = read_word(d, &w, pos);

    if (rc != MCP_OK)
        return rc;
    switch (t->kind) {
    case ETH_ABI_ADDRESS:
        if (!all_bytes(w, 12, 0))
            return not_canonical(d, pos, "address (high 12 bytes not zero)");
        eth_addr_format(addr, w + 12);
        return set_out(d, out, json_string(addr));
    case ETH_ABI_BOOL:
        if (!all_bytes(w, 31, 0) || w[31] > 1)
            return not_canonical(d, pos, "bool (must be 0 or 1)");
        return set_out(d, out, json_boolean(w[31]));
    case ETH_ABI_FIXED_BYTES:
        if (!all_bytes(w + t->size, 32 - t->size, 0))
            return not_canonical(d, pos, "bytesN (padding not zero)");
        return set_out(d, out, hex_json(w, t->size));
    default:
        return decode_integer(d, out, t, w, pos);
    }
}

/* Length of the UTF-8 sequence starting at p (n bytes left), or 0 if it is not valid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid, as in jansson). */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    size_t len = p[0] < 0x80 ? 1 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
    uint32_t cp;

    if (len == 0 || len > n || p[0] > 0xf4 || p[0] == 0xc0 || p[0] == 0xc1)
        return 0;
    if (len == 1)
        return 1;
    cp = p[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static int utf8_valid(const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t k = utf8_seq(p, n);

        if (k == 0)
            return 0;
        p += k;
        n -= k;
    }
    return 1;
}

static enum mcp_rc decode_bytes(struct dec *d, json_t **out, const struct eth_abi_type *t,
                                size_t pos)
{
    size_t n, padded, start = pos + 32;
    const uint8_t *p;
    enum mcp_rc rc = read_size(d, &n, pos, d->len, "length");

    if (rc != MCP_OK)
        return rc;
    padded = n + (32 - n % 32) % 32; /* n <= d->len: no overflow */
    if (start > d->len || d->len - start < padded)
        return mcp_errf(d->err, MCP_EINVAL, "%s: %s of %zu bytes at byte %zu (%zu with padding) "
                                            "runs past the end of the data (%zu bytes)",
                        d->path.buf, t->kind == ETH_ABI_STRING ? "string" : "bytes", n, pos,
                        padded, d->len);
    p = d->data + start;
    if (!all_bytes(p + n, padded - n, 0))
        return not_canonical(d, start + padded - 32, "bytes/string tail (padding not zero)");
    if (t->kind == ETH_ABI_BYTES)
        return set_out(d, out, hex_json(p, n));
    if (!utf8_valid(p, n))
        return mcp_errf(d->err, MCP_EINVAL, "%s: string at byte %zu is not valid UTF-8",
                        d->path.buf, pos);
    return set_out(d, out, json_stringn(n > 0 ? (const char *)p : "", n));
}

/* 1 if every component of tuple t has a name and no two share one. */
static int names_usable(const struct eth_abi_type *t)
{
    for (size_t i = 0; i < t->length; i++) {
        if (t->comps[i]->name == NULL)
            return 0;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(t->comps[i]->name, t->comps[j]->name) == 0)
                return 0;
        }
    }
    return t->length > 0;
}

static enum mcp_rc add_elem(struct dec *d, json_t *seq, const struct eth_abi_type *et,
                            json_t *v)
{
    int bad = json_is_object(seq) ? json_object_set_new(seq, et->name, v)
                                  : json_array_append_new(seq, v);

    return bad ? mcp_errf(d->err, MCP_ENOMEM, "out of memory decoding ABI data") : MCP_OK;
}

/* Element i of a sequence whose heads start at base; *head is its head position (advanced). */
static enum mcp_rc decode_elem(struct dec *d, json_t *seq, const struct eth_abi_type *et,
                               size_t base, size_t *head)
{
    size_t pos = *head, off, saved;
    json_t *v = NULL;
    enum mcp_rc rc = MCP_OK;

    saved = json_is_object(seq) ? eth_abi_path_push_key(&d->path, et->name)
                                : eth_abi_path_push_index(&d->path, json_array_size(seq));
    if (et->dynamic) {
        rc = read_size(d, &off, pos, base <= d->len ? d->len - base : 0, "offset");
        pos = base + off;
    }
    if (rc == MCP_OK)
        rc = decode_value(d, &v, et, pos);
    if (rc == MCP_OK)
        rc = add_elem(d, seq, et, v);
    eth_abi_path_pop(&d->path, saved);
    *head += et->head_size;
    return rc;
}

static enum mcp_rc decode_seq(struct dec *d, json_t **out, const struct eth_abi_type *t,
                              size_t n, size_t base)
{
    json_t *seq = t->kind == ETH_ABI_TUPLE && names_usable(t) ? json_object() : json_array();
    size_t head = base;
    enum mcp_rc rc = seq != NULL ? MCP_OK : mcp_errf(d->err, MCP_ENOMEM, "out of memory");

    for (size_t i = 0; i < n && rc == MCP_OK; i++)
        rc = decode_elem(d, seq, t->kind == ETH_ABI_TUPLE ? t->comps[i] : t->elem, base, &head);
    if (rc != MCP_OK) {
        json_decref(seq);
        return rc;
    }
    *out = seq;
    return MCP_OK;
}

static enum mcp_rc decode_dyn_array(struct dec *d, json_t **out, const struct eth_abi_type *t,
                                    size_t pos)
{
    size_t n, left;
    enum mcp_rc rc = read_size(d, &n, pos, d->len, "array length");

    if (rc != MCP_OK)
        return rc;
    left = d->len - pos - 32; /* read_size succeeded: pos + 32 <= len */
    if (n > left / t->elem->head_size)
        return mcp_errf(d->err, MCP_EINVAL, "%s: array of %zu elements at byte %zu needs at least "
                                            "%zu bytes, but only %zu follow", d->path.buf, n, pos,
                        n * t->elem->head_size, left);
    return decode_seq(d, out, t, n, pos + 32);
}

static enum mcp_rc decode_value(struct dec *d, json_t **out, const struct eth_abi_type *t,
                                size_t pos)
{
    enum mcp_rc rc = spend(d);

    *out = NULL;
    if (rc != MCP_OK)
        return rc;
    switch (t->kind) {
    case ETH_ABI_BYTES:
    case ETH_ABI_STRING:
        return decode_bytes(d, out, t, pos);
    case ETH_ABI_TUPLE:
    case ETH_ABI_FIXED_ARRAY:
        return decode_seq(d, out, t, t->length, pos);
    case ETH_ABI_ARRAY:
        return decode_dyn_array(d, out, t, pos);
    default:
        return decode_word(d, out, t, pos);
    }
}

/* Only the canonical encoding is accepted: the value read back must encode to exactly the
 * bytes given. This refuses data after the last value, gaps between a head's offset and the
 * previous tail, tails shared by two offsets, and tails out of order (Solidity reads all of
 * these; one call could otherwise mean different things to different readers). */
static enum mcp_rc check_canonical(const struct eth_abi_type *t, json_t *v, const uint8_t *data, size_t len,
                                   const char *root, struct mcp_error *err)
{
    struct mcp_error e2 = {MCP_OK, ""};
    uint8_t *enc = NULL;
    size_t n = 0, at = 0;
    enum mcp_rc rc = eth_abi_encode(&enc, &n, t, v, root, &e2);

    if (rc == MCP_ENOMEM) {
        free(enc);
        return mcp_errf(err, MCP_ENOMEM, "out of memory decoding ABI data");
    }
    if (rc == MCP_OK && n == len && memcmp(enc, data, n) == 0) {
        free(enc);
        return MCP_OK;
    }
    if (rc == MCP_OK && len > n && memcmp(enc, data, n) == 0) {
        free(enc);
        return mcp_errf(err, MCP_EINVAL, "%s: %zu bytes of data follow the encoding (which ends at byte %zu); "
                        "only the canonical ABI encoding is accepted", root, len - n, n);
    }
    while (rc == MCP_OK && at < n && at < len && enc[at] == data[at])
        at++;
    free(enc);
    return mcp_errf(err, MCP_EINVAL, "%s: not the canonical ABI encoding (it differs from it at byte %zu): "
                    "offsets must point right after the previous value, in order, with no gaps, no shared "
                    "tails and nothing after the last value", root, at);
}

static enum mcp_rc decode_root(json_t **out, const struct eth_abi_type *t, const uint8_t *data,
                               size_t len, const char *root, struct mcp_error *err)
{
    struct dec d;
    enum mcp_rc rc;

    d.data = data;
    d.len = len;
    d.budget = (len / 32 + 1) * (t->depth + 1);
    d.err = err;
    eth_abi_path_init(&d.path, root);
    rc = decode_value(&d, out, t, 0);
    if (rc == MCP_OK && (rc = check_canonical(t, *out, data, len, root, err)) != MCP_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

enum mcp_rc eth_abi_decode(json_t **out, const struct eth_abi_type *t, const uint8_t *data,
                           size_t len, struct mcp_error *err)
{
    *out = NULL;
    if (data == NULL && len > 0)
        return mcp_errf(err, MCP_EINVAL, "data: missing");
    if (t->kind == ETH_ABI_TUPLE && t->length == 0) {
        *out = json_array();
        return *out != NULL ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    return decode_root(out, t, data != NULL ? data : (const uint8_t *)"", len, "value", err);
}

/* The values of a decoded parameter tuple as an array, in parameter order. */
static enum mcp_rc as_array(json_t **out, const struct eth_abi_type *t, json_t *v,
                            struct mcp_error *err)
{
    json_t *arr;

    *out = NULL;
    if (json_is_array(v)) {
        *out = json_incref(v);
        return MCP_OK;
    }
    arr = json_array();
    for (size_t i = 0; arr != NULL && i < t->length; i++) {
        if (json_array_append(arr, json_object_get(v, t->comps[i]->name)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    *out = arr;
    return arr != NULL ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory decoding call data");
}

enum mcp_rc eth_abi_decode_params(json_t **out, const struct eth_abi_type *params,
                                  const uint8_t *data, size_t len, struct mcp_error *err)
{
    json_t *v = NULL;
    enum mcp_rc rc;

    *out = NULL;
    if (params->kind != ETH_ABI_TUPLE)
        return mcp_errf(err, MCP_EINVAL, "args: not a parameter list");
    if (params->length == 0)
        return eth_abi_decode(out, params, data, len, err);
    if (data == NULL && len > 0)
        return mcp_errf(err, MCP_EINVAL, "data: missing");
    rc = decode_root(&v, params, data != NULL ? data : (const uint8_t *)"", len, "args", err);
    if (rc == MCP_OK)
        rc = as_array(out, params, v, err);
    json_decref(v);
    return rc;
}

enum mcp_rc eth_abi_decode_call(json_t **out, const struct eth_abi_func *f, const uint8_t *data,
                                size_t len, struct mcp_error *err)
{
    char want[11], got[11];

    *out = NULL;
    if (data == NULL || len < 4)
        return mcp_errf(err, MCP_EINVAL, "call data: %zu bytes; expected at least the 4-byte "
                                         "selector of %s", data != NULL ? len : 0, f->name);
    if (memcmp(data, f->selector, 4) != 0) {
        eth_hex_encode(want, f->selector, 4);
        eth_hex_encode(got, data, 4);
        return mcp_errf(err, MCP_EINVAL, "call data: selector %s is not %s's selector %s", got,
                        f->name, want);
    }
    return eth_abi_decode_params(out, f->params, data + 4, len - 4, err);
}

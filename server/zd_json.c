/* zd_json.c: JSON.stringify-compatible output and base64, for the ZeroDev serialized
 * approval. */
#include "zd_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->s, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* A JSON string literal as JavaScript writes it. */
static void add_string(struct sbuf *b, const char *s, size_t n)
{
    size_t start = 0;
    char esc[8];

    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;

        if (c == '"')
            rep = "\\\"";
        else if (c == '\\')
            rep = "\\\\";
        else if (c == '\b')
            rep = "\\b";
        else if (c == '\f')
            rep = "\\f";
        else if (c == '\n')
            rep = "\\n";
        else if (c == '\r')
            rep = "\\r";
        else if (c == '\t')
            rep = "\\t";
        else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            rep = esc;
        }
        if (rep != NULL) {
            sb_add(b, s + start, i - start);
            sb_str(b, rep);
            start = i + 1;
        }
    }
    sb_add(b, s + start, n - start);
    sb_add(b, "\"", 1);
}

static enum mcp_rc add_number(struct sbuf *b, const json_t *v, struct mcp_error *err)
{
    char num[32];
    long long i;

    if (json_is_integer(v)) {
        i = (long long)json_integer_value(v);
    } else {
        double d = json_real_value(v);

        if (!(fabs(d) <= (double)ZD_JSON_MAX_SAFE) || d != floor(d))
            return mcp_errf(err, MCP_EINVAL, "only whole numbers up to 2^53 - 1 are supported");
        i = (long long)d;
    }
    if (i > ZD_JSON_MAX_SAFE || i < -ZD_JSON_MAX_SAFE)
        return mcp_errf(err, MCP_EINVAL, "the number %lld is beyond 2^53 - 1: JavaScript "
                                         "would not read it exactly; write it as a string", i);
    snprintf(num, sizeof num, "%lld", i); /* a real -0.0 became 0 above: JavaScript's "0" */
    sb_str(b, num);
    return MCP_OK;
}

static enum mcp_rc add_value(struct sbuf *b, const json_t *v, struct mcp_error *err);

static enum mcp_rc add_object(struct sbuf *b, const json_t *v, struct mcp_error *err)
{
    const char *key;
    json_t *item;
    int first = 1;
    enum mcp_rc rc = MCP_OK;

    sb_add(b, "{", 1);
    json_object_foreach((json_t *)v, key, item) {
        if (!first)
            sb_add(b, ",", 1);
        first = 0;
        add_string(b, key, strlen(key));
        sb_add(b, ":", 1);
        rc = add_value(b, item, err);
        if (rc != MCP_OK)
            return rc;
    }
    sb_add(b, "}", 1);
    return rc;
}

static enum mcp_rc add_array(struct sbuf *b, const json_t *v, struct mcp_error *err)
{
    size_t i;
    json_t *item;
    enum mcp_rc rc = MCP_OK;

    sb_add(b, "[", 1);
    json_array_foreach(v, i, item) {
        if (i > 0)
            sb_add(b, ",", 1);
        rc = add_value(b, item, err);
        if (rc != MCP_OK)
            return rc;
    }
    sb_add(b, "]", 1);
    return rc;
}

static enum mcp_rc add_value(struct sbuf *b, const json_t *v, struct mcp_error *err)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return add_object(b, v, err);
    case JSON_ARRAY:
        return add_array(b, v, err);
    case JSON_STRING:
        add_string(b, json_string_value(v), json_string_length(v));
        return MCP_OK;
    case JSON_INTEGER:
    case JSON_REAL:
        return add_number(b, v, err);
    case JSON_TRUE:
        sb_str(b, "true");
        return MCP_OK;
    case JSON_FALSE:
        sb_str(b, "false");
        return MCP_OK;
    case JSON_NULL:
        sb_str(b, "null");
        return MCP_OK;
    }
    return mcp_errf(err, MCP_EINTERNAL, "internal error: unknown JSON type");
}

enum mcp_rc zd_json_stringify(char **out, const json_t *v, struct mcp_error *err)
{
    struct sbuf b = {0};
    enum mcp_rc rc = add_value(&b, v, err);

    *out = NULL;
    if (rc == MCP_OK && (b.oom || b.s == NULL))
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc != MCP_OK) {
        free(b.s);
        return rc;
    }
    *out = b.s;
    return MCP_OK;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *zd_base64_encode(const uint8_t *in, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;

        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        *p++ = b64_alphabet[v >> 18];
        *p++ = b64_alphabet[(v >> 12) & 63];
        *p++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        *p++ = i + 2 < len ? b64_alphabet[v & 63] : '=';
    }
    *p = '\0';
    return out;
}

static int b64_value(char c)
{
    const char *p = c != '\0' ? strchr(b64_alphabet, c) : NULL;

    return p != NULL ? (int)(p - b64_alphabet) : -1;
}

/* Decode one 4-character group; returns the number of bytes written (1..3) or -1. */
static int decode_group(uint8_t *out, const char *g, int last)
{
    int v[4], n = 3;

    for (int i = 0; i < 4; i++) {
        v[i] = b64_value(g[i]);
        if (v[i] < 0 && !(last && g[i] == '=' && i >= 2))
            return -1;
    }
    if (g[2] == '=' && g[3] != '=')
        return -1;
    if (g[3] == '=')
        n = g[2] == '=' ? 1 : 2;
    out[0] = (uint8_t)(v[0] << 2 | v[1] >> 4);
    if (n > 1)
        out[1] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
    if (n > 2)
        out[2] = (uint8_t)((v[2] & 3) << 6 | v[3]);
    return n;
}

enum mcp_rc zd_base64_decode(uint8_t **out, size_t *len, const char *s, const char *what,
                             struct mcp_error *err)
{
    size_t n = strlen(s), pos = 0;
    uint8_t *buf;

    *out = NULL;
    *len = 0;
    if (n % 4 != 0)
        return mcp_errf(err, MCP_EINVAL, "%s: not base64 (length %zu is not a multiple of 4)",
                        what, n);
    buf = malloc(n / 4 * 3 + 1);
    if (buf == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i += 4) {
        int got = decode_group(buf + pos, s + i, i + 4 == n);

        if (got < 0) {
            free(buf);
            return mcp_errf(err, MCP_EINVAL, "%s: not base64 (bad character near position %zu)",
                            what, i);
        }
        pos += (size_t)got;
    }
    buf[pos] = '\0';
    *out = buf;
    *len = pos;
    return MCP_OK;
}

/* eth_abi_type.c: ABI type strings -> type trees, and back to canonical strings.
 *
 * Grammar (spaces allowed around commas, parentheses and before a component name):
 *   type   := base ("[" [digits] "]")*
 *   base   := elementary | "(" [comp ("," comp)*] ")" | "tuple(" ... ")"
 *   comp   := type [name]
 * Rejected on purpose: empty tuples and T[0] inside a type (Solidity has neither, and a
 * zero-size element would let a decoder produce arbitrarily many values from no data),
 * fixed/ufixed and function types (unsupported). */
#include "eth_abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ABI_MAX_STATIC_SIZE ((size_t)1 << 24) /* head bytes of one static type */

struct parser {
    const char *s;
    size_t pos;
    unsigned depth;
    struct mcp_error *err;
};

static enum mcp_rc parse_type(struct parser *p, struct eth_abi_type **out);

void eth_abi_type_free(struct eth_abi_type *t)
{
    if (t == NULL)
        return;
    eth_abi_type_free(t->elem);
    if (t->comps != NULL) {
        for (size_t i = 0; i < t->length; i++)
            eth_abi_type_free(t->comps[i]);
        free(t->comps);
    }
    free(t->name);
    free(t);
}

static enum mcp_rc perr(struct parser *p, const char *what)
{
    char c = p->s[p->pos];

    if (c == '\0')
        return mcp_errf(p->err, MCP_EINVAL, "type \"%.200s\": %s at the end", p->s, what);
    return mcp_errf(p->err, MCP_EINVAL, "type \"%.200s\": %s at position %zu ('%c')", p->s, what,
                    p->pos + 1, c >= 0x20 && c < 0x7f ? c : '?');
}

static struct eth_abi_type *new_type(enum eth_abi_kind kind, unsigned size)
{
    struct eth_abi_type *t = calloc(1, sizeof(*t));

    if (t != NULL) {
        t->kind = kind;
        t->size = size;
        t->head_size = 32;
        t->depth = 1;
        t->dynamic = kind == ETH_ABI_BYTES || kind == ETH_ABI_STRING;
    }
    return t;
}

static void skip_spaces(struct parser *p)
{
    while (p->s[p->pos] == ' ')
        p->pos++;
}

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static int is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Decimal number in s[0..n) without leading zeros, at most 5 digits; -1 otherwise. */
static long small_number(const char *s, size_t n)
{
    long v = 0;

    if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The size suffix of "uint<N>"/"int<N>"/"bytes<N>" in tok[prefix..n): N, or 0 if bad. */
static unsigned sized(const char *tok, size_t n, size_t prefix, long lo, long hi, long step)
{
    long v = small_number(tok + prefix, n - prefix);

    if (v < lo || v > hi || v % step != 0)
        return 0;
    return (unsigned)v;
}

static enum mcp_rc elementary(struct parser *p, struct eth_abi_type **out, const char *tok,
                              size_t n)
{
    enum eth_abi_kind kind = 0;
    unsigned size = 0;

    if (n == 7 && memcmp(tok, "address", 7) == 0)
        kind = ETH_ABI_ADDRESS;
    else if (n == 4 && memcmp(tok, "bool", 4) == 0)
        kind = ETH_ABI_BOOL;
    else if (n == 6 && memcmp(tok, "string", 6) == 0)
        kind = ETH_ABI_STRING;
    else if (n == 5 && memcmp(tok, "bytes", 5) == 0)
        kind = ETH_ABI_BYTES;
    else if ((n == 4 && memcmp(tok, "uint", 4) == 0) || (n == 3 && memcmp(tok, "int", 3) == 0)) {
        kind = tok[0] == 'u' ? ETH_ABI_UINT : ETH_ABI_INT;
        size = 256;
    } else if (n > 4 && memcmp(tok, "uint", 4) == 0 && (size = sized(tok, n, 4, 8, 256, 8)) != 0)
        kind = ETH_ABI_UINT;
    else if (n > 3 && memcmp(tok, "int", 3) == 0 && (size = sized(tok, n, 3, 8, 256, 8)) != 0)
        kind = ETH_ABI_INT;
    else if (n > 5 && memcmp(tok, "bytes", 5) == 0 && (size = sized(tok, n, 5, 1, 32, 1)) != 0)
        kind = ETH_ABI_FIXED_BYTES;
    if (kind == 0) {
        p->pos -= n;
        return perr(p, "unknown type (expected address, bool, string, bytes, bytes1..bytes32, "
                       "uint8..uint256, int8..int256 in steps of 8, or a tuple)");
    }
    *out = new_type(kind, size);
    return *out != NULL ? MCP_OK : mcp_errf(p->err, MCP_ENOMEM, "out of memory parsing a type");
}

static enum mcp_rc parse_name(struct parser *p, struct eth_abi_type *t)
{
    size_t start = p->pos;

    if (!is_ident_start(p->s[p->pos]))
        return perr(p, "expected a component name (letters, digits, _ or $), ',' or ')'");
    while (is_ident_char(p->s[p->pos]))
        p->pos++;
    t->name = strndup(p->s + start, p->pos - start);
    return t->name != NULL ? MCP_OK : mcp_errf(p->err, MCP_ENOMEM, "out of memory parsing a type");
}

static enum mcp_rc parse_component(struct parser *p, struct eth_abi_type **out)
{
    enum mcp_rc rc;

    skip_spaces(p);
    rc = parse_type(p, out);
    if (rc != MCP_OK)
        return rc;
    if (p->s[p->pos] == ' ') {
        skip_spaces(p);
        if (p->s[p->pos] != ',' && p->s[p->pos] != ')') {
            rc = parse_name(p, *out);
            skip_spaces(p);
        }
    }
    if (rc != MCP_OK) {
        eth_abi_type_free(*out);
        *out = NULL;
    }
    return rc;
}

static enum mcp_rc add_component(struct parser *p, struct eth_abi_type *t, struct eth_abi_type *c)
{
    struct eth_abi_type **grown;

    if (t->length >= ETH_ABI_MAX_COMPONENTS) {
        eth_abi_type_free(c);
        return perr(p, "too many tuple components (at most 256)");
    }
    grown = realloc(t->comps, (t->length + 1) * sizeof(*grown));
    if (grown == NULL) {
        eth_abi_type_free(c);
        return mcp_errf(p->err, MCP_ENOMEM, "out of memory parsing a type");
    }
    t->comps = grown;
    t->comps[t->length++] = c;
    return MCP_OK;
}

/* After "(": components up to and including ")". */
static enum mcp_rc parse_tuple_body(struct parser *p, struct eth_abi_type *t)
{
    enum mcp_rc rc;

    skip_spaces(p);
    if (p->s[p->pos] == ')') {
        p->pos++;
        return MCP_OK;
    }
    for (;;) {
        struct eth_abi_type *c = NULL;

        rc = parse_component(p, &c);
        if (rc != MCP_OK)
            return rc;
        rc = add_component(p, t, c);
        if (rc != MCP_OK)
            return rc;
        if (p->s[p->pos] == ')') {
            p->pos++;
            return MCP_OK;
        }
        if (p->s[p->pos] != ',')
            return perr(p, "expected ',' or ')' after a tuple component");
        p->pos++;
    }
}

static enum mcp_rc parse_tuple(struct parser *p, struct eth_abi_type **out)
{
    struct eth_abi_type *t = new_type(ETH_ABI_TUPLE, 0);
    enum mcp_rc rc;

    if (t == NULL)
        return mcp_errf(p->err, MCP_ENOMEM, "out of memory parsing a type");
    p->pos++; /* "(" */
    rc = parse_tuple_body(p, t);
    if (rc != MCP_OK) {
        eth_abi_type_free(t);
        return rc;
    }
    *out = t;
    return MCP_OK;
}

static enum mcp_rc parse_base(struct parser *p, struct eth_abi_type **out)
{
    size_t start = p->pos;

    if (p->s[p->pos] == '(')
        return parse_tuple(p, out);
    while (is_lower_alnum(p->s[p->pos]))
        p->pos++;
    if (p->pos == start)
        return perr(p, "expected a type");
    if (p->pos - start == 5 && memcmp(p->s + start, "tuple", 5) == 0 && p->s[p->pos] == '(')
        return parse_tuple(p, out);
    return elementary(p, out, p->s + start, p->pos - start);
}

/* "[" digits? "]" after a type: wrap *t into an array type. */
static enum mcp_rc parse_suffix(struct parser *p, struct eth_abi_type **t)
{
    size_t start = ++p->pos;
    struct eth_abi_type *a;
    long k = 0;

    while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    if (p->pos > start) {
        k = small_number(p->s + start, p->pos - start);
        if (k < 1 || k > ETH_ABI_MAX_FIXED_LEN) {
            p->pos = start;
            return perr(p, "array length must be 1..65536 without leading zeros");
        }
    }
    if (p->s[p->pos] != ']')
        return perr(p, "expected ']'");
    p->pos++;
    a = new_type(p->pos - start > 1 ? ETH_ABI_FIXED_ARRAY : ETH_ABI_ARRAY, 0);
    if (a == NULL)
        return mcp_errf(p->err, MCP_ENOMEM, "out of memory parsing a type");
    a->length = (size_t)k;
    a->elem = *t;
    *t = a;
    return MCP_OK;
}

/* Fill dynamic/head_size/depth of a tuple or array from its children. */
static enum mcp_rc finish(struct parser *p, struct eth_abi_type *t)
{
    size_t size = 0;
    unsigned depth = 0;
    int dyn = t->kind == ETH_ABI_ARRAY;

    if (t->kind == ETH_ABI_TUPLE) {
        for (size_t i = 0; i < t->length; i++) {
            dyn |= t->comps[i]->dynamic;
            size += t->comps[i]->head_size; /* <= 256 * 2^24: no overflow */
            depth = depth > t->comps[i]->depth ? depth : t->comps[i]->depth;
        }
    } else if (t->kind == ETH_ABI_ARRAY || t->kind == ETH_ABI_FIXED_ARRAY) {
        dyn |= t->elem->dynamic;
        depth = t->elem->depth;
        if (t->kind == ETH_ABI_FIXED_ARRAY) {
            if (t->elem->head_size > ABI_MAX_STATIC_SIZE / t->length)
                return perr(p, "static type too large (more than 16 MiB)");
            size = t->length * t->elem->head_size;
        }
    } else {
        return MCP_OK;
    }
    if (size > ABI_MAX_STATIC_SIZE)
        return perr(p, "static type too large (more than 16 MiB)");
    t->dynamic = dyn;
    t->head_size = dyn ? 32 : size;
    t->depth = depth + 1;
    if (t->depth > ETH_ABI_MAX_DEPTH)
        return perr(p, "type nested too deeply (at most 32 levels of tuples and arrays)");
    return MCP_OK;
}

static enum mcp_rc parse_type(struct parser *p, struct eth_abi_type **out)
{
    struct eth_abi_type *t = NULL;
    enum mcp_rc rc;

    *out = NULL;
    if (++p->depth > ETH_ABI_MAX_DEPTH)
        return perr(p, "type nested too deeply (at most 32 levels of tuples and arrays)");
    rc = parse_base(p, &t);
    if (rc == MCP_OK && t->kind == ETH_ABI_TUPLE && t->length == 0)
        rc = perr(p, "empty tuple \"()\" is not a valid component type");
    if (rc == MCP_OK)
        rc = finish(p, t);
    while (rc == MCP_OK && p->s[p->pos] == '[') {
        rc = parse_suffix(p, &t);
        if (rc == MCP_OK)
            rc = finish(p, t);
    }
    p->depth--;
    if (rc != MCP_OK) {
        eth_abi_type_free(t);
        return rc;
    }
    *out = t;
    return MCP_OK;
}

static enum mcp_rc check_length(const char *s, struct mcp_error *err)
{
    if (s == NULL)
        return mcp_errf(err, MCP_EINVAL, "type: missing");
    if (strlen(s) > ETH_ABI_MAX_TYPE_LEN)
        return mcp_errf(err, MCP_EINVAL, "type: longer than %d characters", ETH_ABI_MAX_TYPE_LEN);
    return MCP_OK;
}

enum mcp_rc eth_abi_type_parse(struct eth_abi_type **out, const char *s, struct mcp_error *err)
{
    struct parser p = {s, 0, 0, err};
    struct eth_abi_type *t = NULL;
    enum mcp_rc rc;

    *out = NULL;
    rc = check_length(s, err);
    if (rc != MCP_OK)
        return rc;
    skip_spaces(&p);
    rc = parse_type(&p, &t);
    skip_spaces(&p);
    if (rc == MCP_OK && p.s[p.pos] != '\0')
        rc = perr(&p, "unexpected text after the type");
    if (rc != MCP_OK) {
        eth_abi_type_free(t);
        return rc;
    }
    *out = t;
    return MCP_OK;
}

/* Parse the list in s (already checked for length), which ends at NUL (outer parentheses
 * stripped by the caller or absent). */
static enum mcp_rc parse_list(struct parser *p, struct eth_abi_type **out)
{
    struct eth_abi_type *t = new_type(ETH_ABI_TUPLE, 0);
    enum mcp_rc rc = MCP_OK;

    if (t == NULL)
        return mcp_errf(p->err, MCP_ENOMEM, "out of memory parsing a type");
    skip_spaces(p);
    while (rc == MCP_OK && p->s[p->pos] != '\0') {
        struct eth_abi_type *c = NULL;

        if (t->length > 0 && p->s[p->pos++] != ',') {
            p->pos--;
            rc = perr(p, "expected ',' between parameters");
            break;
        }
        rc = parse_component(p, &c);
        if (rc == MCP_OK)
            rc = add_component(p, t, c);
    }
    if (rc == MCP_OK)
        rc = finish(p, t);
    if (rc != MCP_OK) {
        eth_abi_type_free(t);
        return rc;
    }
    *out = t;
    return MCP_OK;
}

/* 1 if s is "(" ... ")" with the two parentheses matching each other. */
static int wrapped_in_parens(const char *s, size_t n)
{
    int level = 0;

    if (n < 2 || s[0] != '(' || s[n - 1] != ')')
        return 0;
    for (size_t i = 0; i < n; i++) {
        level += s[i] == '(';
        level -= s[i] == ')';
        if (level == 0 && i < n - 1)
            return 0;
    }
    return 1;
}

enum mcp_rc eth_abi_params_parse(struct eth_abi_type **out, const char *s, struct mcp_error *err)
{
    struct parser p = {NULL, 0, 1, err};
    size_t start = 0, end;
    char *list = NULL;
    enum mcp_rc rc;

    *out = NULL;
    rc = check_length(s, err);
    if (rc != MCP_OK)
        return rc;
    end = strlen(s);
    while (s[start] == ' ')
        start++;
    while (end > start && s[end - 1] == ' ')
        end--;
    if (wrapped_in_parens(s + start, end - start)) {
        start++;
        end--;
    }
    list = strndup(s + start, end - start);
    if (list == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory parsing a type");
    p.s = list;
    rc = parse_list(&p, out);
    free(list);
    return rc;
}

/* Append the canonical form of t to buf (at most cap bytes, NUL kept); returns the length it
 * needs (like snprintf), so the caller can size the buffer in a first pass. */
static size_t canon(char *buf, size_t cap, size_t pos, const struct eth_abi_type *t)
{
#define PUT(...) pos += (size_t)snprintf(pos < cap ? buf + pos : NULL, pos < cap ? cap - pos : 0, __VA_ARGS__)
    switch (t->kind) {
    case ETH_ABI_ADDRESS: PUT("address"); break;
    case ETH_ABI_BOOL: PUT("bool"); break;
    case ETH_ABI_UINT: PUT("uint%u", t->size); break;
    case ETH_ABI_INT: PUT("int%u", t->size); break;
    case ETH_ABI_FIXED_BYTES: PUT("bytes%u", t->size); break;
    case ETH_ABI_BYTES: PUT("bytes"); break;
    case ETH_ABI_STRING: PUT("string"); break;
    case ETH_ABI_TUPLE:
        PUT("(");
        for (size_t i = 0; i < t->length; i++) {
            if (i > 0)
                PUT(",");
            pos = canon(buf, cap, pos, t->comps[i]);
        }
        PUT(")");
        break;
    case ETH_ABI_ARRAY:
        pos = canon(buf, cap, pos, t->elem);
        PUT("[]");
        break;
    case ETH_ABI_FIXED_ARRAY:
        pos = canon(buf, cap, pos, t->elem);
        PUT("[%zu]", t->length);
        break;
    }
    return pos;
#undef PUT
}

char *eth_abi_type_canonical(const struct eth_abi_type *t)
{
    size_t n = canon(NULL, 0, 0, t);
    char *s = malloc(n + 1);

    if (s != NULL)
        canon(s, n + 1, 0, t);
    return s;
}

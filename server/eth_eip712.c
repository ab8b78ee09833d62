/* eth_eip712.c: EIP-712 encodeType / typeHash / hashStruct / digest over jansson values.
 *
 * A struct ctx is built once per call from the "types" object: every struct type and field is
 * checked and resolved (field base -> struct index or atomic ABI type), cycles and nesting depth
 * are checked for all types up front, and typeHashes are computed lazily and cached. All
 * strings in it are borrowed from the types JSON, which outlives the ctx. */
#include "eth_eip712.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_abi.h"
#include "eth_keccak.h"

struct field {
    const char *name;
    const char *type;           /* as written: "Person[2][]" */
    size_t base_len;            /* "Person" */
    long dims[ETH_EIP712_MAX_DEPTH]; /* dims[0] is the innermost suffix; 0 means T[] */
    size_t n_dims;
    long sidx;                  /* struct index of the base, or -1 */
    struct eth_abi_type *atomic; /* otherwise the parsed base type */
};

struct stype {
    const char *name;
    struct field *fields;
    size_t n_fields;
    uint8_t type_hash[32];
    int hashed;
    int mark;       /* DFS: 0 new, 1 on the stack, 2 done */
    unsigned depth; /* struct levels + array dimensions below and including this one */
};

struct ctx {
    struct stype *types;
    size_t n_types;
    size_t *sorted; /* type indices sorted by name */
    size_t values;  /* values hashed so far */
    struct mcp_error *err;
};

/* ---- type definitions ---- */

static void ctx_free(struct ctx *c)
{
    for (size_t i = 0; i < c->n_types; i++) {
        for (size_t j = 0; j < c->types[i].n_fields; j++)
            eth_abi_type_free(c->types[i].fields[j].atomic);
        free(c->types[i].fields);
    }
    free(c->types);
    free(c->sorted);
    memset(c, 0, sizeof(*c));
}

static long find_type(const struct ctx *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->n_types; i++) {
        if (strlen(c->types[i].name) == len && memcmp(c->types[i].name, name, len) == 0)
            return (long)i;
    }
    return -1;
}

static int struct_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || c == ':';
}

/* 1 if s[0..n) looks like a Solidity elementary type name: address, bool, string,
 * (u)int<digits>, bytes<digits> (viem refuses such struct names). */
static int solidity_like(const char *s, size_t n)
{
    size_t p = 0;

    if ((n == 7 && memcmp(s, "address", 7) == 0) || (n == 4 && memcmp(s, "bool", 4) == 0) ||
        (n == 6 && memcmp(s, "string", 6) == 0))
        return 1;
    if (n >= 4 && memcmp(s, "uint", 4) == 0)
        p = 4;
    else if (n >= 3 && memcmp(s, "int", 3) == 0)
        p = 3;
    else if (n >= 5 && memcmp(s, "bytes", 5) == 0)
        p = 5;
    else
        return 0;
    while (p < n && s[p] >= '0' && s[p] <= '9')
        p++;
    return p == n;
}

static enum mcp_rc check_struct_name(const char *name, struct mcp_error *err)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < n; i++) {
        if (!struct_name_char(name[i]))
            return mcp_errf(err, MCP_EINVAL, "types.%.64s: a struct type name may contain only "
                                             "letters, digits, _, $ and :", name);
    }
    if (n == 0 || solidity_like(name, n))
        return mcp_errf(err, MCP_EINVAL, "types.%.64s: not usable as a struct type name (empty "
                                         "or the name of a Solidity type)", name);
    return MCP_OK;
}

static int is_identifier(const char *s)
{
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_' ||
          s[0] == '$'))
        return 0;
    for (s++; *s != '\0'; s++) {
        if (!struct_name_char(*s) || *s == ':')
            return 0;
    }
    return 1;
}

/* The "[k]" / "[]" suffixes of f->type after the base; fills dims, n_dims, base_len. */
static enum mcp_rc parse_dims(struct field *f, const char *path, struct mcp_error *err)
{
    const char *s = f->type, *br = strchr(s, '[');
    size_t pos;

    f->base_len = br != NULL ? (size_t)(br - s) : strlen(s);
    for (pos = f->base_len; s[pos] == '['; pos++) {
        long k = 0;
        size_t start = ++pos;

        while (s[pos] >= '0' && s[pos] <= '9' && pos - start < 6)
            k = k * 10 + (s[pos++] - '0');
        if (s[pos] != ']' || (pos > start && (k < 1 || k > 65536 || s[start] == '0')))
            return mcp_errf(err, MCP_EINVAL, "%s: bad array suffix in \"%.80s\" (expected [] or "
                                             "[k] with k in 1..65536)", path, s);
        if (f->n_dims == ETH_EIP712_MAX_DEPTH)
            return mcp_errf(err, MCP_EINVAL, "%s: more than %d array dimensions", path,
                            ETH_EIP712_MAX_DEPTH);
        f->dims[f->n_dims++] = k;
    }
    if (s[pos] != '\0')
        return mcp_errf(err, MCP_EINVAL, "%s: unexpected text in type \"%.80s\"", path, s);
    return MCP_OK;
}

/* Resolve the base of f's type: a struct in c, or an atomic/dynamic ABI type. */
static enum mcp_rc resolve_base(struct ctx *c, struct field *f, const char *path)
{
    char base[80];
    struct mcp_error perr;

    f->sidx = find_type(c, f->type, f->base_len);
    if (f->sidx >= 0)
        return MCP_OK;
    for (size_t i = 0; i < f->base_len; i++) {
        if (!struct_name_char(f->type[i]))
            goto unknown;
    }
    if (f->base_len == 0 || f->base_len >= sizeof(base) || !solidity_like(f->type, f->base_len))
        goto unknown;
    memcpy(base, f->type, f->base_len);
    base[f->base_len] = '\0';
    if (strcmp(base, "uint") == 0 || strcmp(base, "int") == 0)
        return mcp_errf(c->err, MCP_EINVAL, "%s: \"%s\" is not an EIP-712 type; write %s256",
                        path, base, base);
    if (eth_abi_type_parse(&f->atomic, base, &perr) == MCP_OK)
        return MCP_OK;
    if (perr.rc == MCP_ENOMEM)
        return mcp_errf(c->err, MCP_ENOMEM, "out of memory");
unknown:
    return mcp_errf(c->err, MCP_EINVAL, "%s: unknown type \"%.80s\" (not a struct in types, nor "
                                        "address, bool, string, bytes, bytes1..32, uint8..256, "
                                        "int8..256)", path, f->type);
}

static enum mcp_rc get_field_string(const char **out, json_t *def, const char *key,
                                    const char *path, struct mcp_error *err)
{
    json_t *v = json_object_get(def, key);

    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return mcp_errf(err, MCP_EINVAL, "%s.%s: expected a string", path, key);
    *out = json_string_value(v);
    return MCP_OK;
}

static enum mcp_rc parse_field(struct ctx *c, struct stype *st, size_t i, json_t *def,
                               const char *path)
{
    struct field *f = &st->fields[i];
    enum mcp_rc rc;

    if (!json_is_object(def) || json_object_size(def) != 2)
        return mcp_errf(c->err, MCP_EINVAL, "%s: expected {\"name\": ..., \"type\": ...}", path);
    rc = get_field_string(&f->name, def, "name", path, c->err);
    if (rc == MCP_OK)
        rc = get_field_string(&f->type, def, "type", path, c->err);
    if (rc != MCP_OK)
        return rc;
    if (!is_identifier(f->name))
        return mcp_errf(c->err, MCP_EINVAL, "%s.name: \"%.64s\" is not an identifier", path,
                        f->name);
    for (size_t j = 0; j < i; j++) {
        if (strcmp(st->fields[j].name, f->name) == 0)
            return mcp_errf(c->err, MCP_EINVAL, "%s.name: duplicate field \"%.64s\"", path,
                            f->name);
    }
    rc = parse_dims(f, path, c->err);
    return rc != MCP_OK ? rc : resolve_base(c, f, path);
}

static enum mcp_rc parse_struct(struct ctx *c, struct stype *st, json_t *defs)
{
    char path[128];
    size_t n = json_array_size(defs);
    enum mcp_rc rc = MCP_OK;

    snprintf(path, sizeof(path), "types.%.64s", st->name);
    if (!json_is_array(defs))
        return mcp_errf(c->err, MCP_EINVAL, "%s: expected an array of fields", path);
    if (n > ETH_EIP712_MAX_FIELDS)
        return mcp_errf(c->err, MCP_EINVAL, "%s: more than %d fields", path,
                        ETH_EIP712_MAX_FIELDS);
    st->fields = calloc(n + 1, sizeof(*st->fields));
    if (st->fields == NULL)
        return mcp_errf(c->err, MCP_ENOMEM, "out of memory");
    st->n_fields = n;
    for (size_t i = 0; i < n && rc == MCP_OK; i++) {
        snprintf(path, sizeof(path), "types.%.64s[%zu]", st->name, i);
        rc = parse_field(c, st, i, json_array_get(defs, i), path);
    }
    return rc;
}

/* Depth-first walk from type i: cycles and nesting depth. */
static enum mcp_rc check_graph(struct ctx *c, size_t i)
{
    struct stype *st = &c->types[i];
    unsigned depth = 0;
    enum mcp_rc rc;

    if (st->mark == 2)
        return MCP_OK;
    if (st->mark == 1)
        return mcp_errf(c->err, MCP_EINVAL, "types.%.64s: the type refers to itself (cyclic "
                                            "struct types are not accepted)", st->name);
    st->mark = 1;
    for (size_t j = 0; j < st->n_fields; j++) {
        const struct field *f = &st->fields[j];
        unsigned d = (unsigned)f->n_dims;

        if (f->sidx >= 0) {
            rc = check_graph(c, (size_t)f->sidx);
            if (rc != MCP_OK)
                return rc;
            d += c->types[f->sidx].depth;
        }
        depth = d > depth ? d : depth;
    }
    st->mark = 2;
    st->depth = depth + 1;
    if (st->depth > ETH_EIP712_MAX_DEPTH)
        return mcp_errf(c->err, MCP_EINVAL, "types.%.64s: nested more than %d levels deep "
                                            "(structs and array dimensions)", st->name,
                        ETH_EIP712_MAX_DEPTH);
    return MCP_OK;
}

/* c->sorted = type indices by name (strcmp: the names are ASCII, so this is JavaScript's
 * default sort order, which viem uses). Insertion sort: at most 256 types. */
static enum mcp_rc sort_types(struct ctx *c)
{
    c->sorted = calloc(c->n_types + 1, sizeof(*c->sorted));
    if (c->sorted == NULL)
        return mcp_errf(c->err, MCP_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->n_types; i++) {
        size_t j = i;

        while (j > 0 && strcmp(c->types[c->sorted[j - 1]].name, c->types[i].name) > 0) {
            c->sorted[j] = c->sorted[j - 1];
            j--;
        }
        c->sorted[j] = i;
    }
    return MCP_OK;
}

static enum mcp_rc ctx_load(struct ctx *c, json_t *types)
{
    const char *name;
    json_t *defs;
    size_t i = 0;
    enum mcp_rc rc = MCP_OK;

    if (!json_is_object(types))
        return mcp_errf(c->err, MCP_EINVAL, "types: expected an object of struct types");
    if (json_object_size(types) > ETH_EIP712_MAX_TYPES)
        return mcp_errf(c->err, MCP_EINVAL, "types: more than %d struct types",
                        ETH_EIP712_MAX_TYPES);
    c->types = calloc(json_object_size(types) + 1, sizeof(*c->types));
    if (c->types == NULL)
        return mcp_errf(c->err, MCP_ENOMEM, "out of memory");
    json_object_foreach(types, name, defs) {
        rc = check_struct_name(name, c->err);
        if (rc != MCP_OK)
            return rc;
        c->types[c->n_types++].name = name;
    }
    json_object_foreach(types, name, defs) {
        rc = parse_struct(c, &c->types[i++], defs);
        if (rc != MCP_OK)
            return rc;
    }
    for (i = 0; i < c->n_types && rc == MCP_OK; i++)
        rc = check_graph(c, i);
    return rc != MCP_OK ? rc : sort_types(c);
}

/* ---- encodeType ---- */

static void mark_deps(const struct ctx *c, size_t i, unsigned char *in)
{
    if (in[i])
        return;
    in[i] = 1;
    for (size_t j = 0; j < c->types[i].n_fields; j++) {
        if (c->types[i].fields[j].sidx >= 0)
            mark_deps(c, (size_t)c->types[i].fields[j].sidx, in);
    }
}

/* Append "Name(type name,...)" at buf + pos (cap bytes in all); returns the length needed. */
static size_t put_def(char *buf, size_t cap, size_t pos, const struct stype *st)
{
#define PUT(...) pos += (size_t)snprintf(pos < cap ? buf + pos : NULL, pos < cap ? cap - pos : 0, __VA_ARGS__)
    PUT("%s(", st->name);
    for (size_t j = 0; j < st->n_fields; j++)
        PUT("%s%s %s", j > 0 ? "," : "", st->fields[j].type, st->fields[j].name);
    PUT(")");
    return pos;
#undef PUT
}

static size_t put_encode_type(const struct ctx *c, size_t primary, const unsigned char *in,
                              char *buf, size_t cap)
{
    size_t pos = put_def(buf, cap, 0, &c->types[primary]);

    for (size_t k = 0; k < c->n_types; k++) {
        size_t i = c->sorted[k];

        if (in[i] && i != primary)
            pos = put_def(buf, cap, pos, &c->types[i]);
    }
    return pos;
}

static enum mcp_rc encode_type(const struct ctx *c, size_t primary, char **out)
{
    unsigned char *in = calloc(c->n_types, 1);
    size_t n;
    char *s = NULL;

    *out = NULL;
    if (in != NULL) {
        mark_deps(c, primary, in);
        n = put_encode_type(c, primary, in, NULL, 0);
        s = malloc(n + 1);
        if (s != NULL)
            put_encode_type(c, primary, in, s, n + 1);
    }
    free(in);
    *out = s;
    return s != NULL ? MCP_OK : mcp_errf(c->err, MCP_ENOMEM, "out of memory");
}

static enum mcp_rc type_hash(struct ctx *c, size_t i, const uint8_t **out)
{
    char *s = NULL;
    enum mcp_rc rc;

    if (!c->types[i].hashed) {
        rc = encode_type(c, i, &s);
        if (rc != MCP_OK)
            return rc;
        eth_keccak256(c->types[i].type_hash, s, strlen(s));
        c->types[i].hashed = 1;
        free(s);
    }
    *out = c->types[i].type_hash;
    return MCP_OK;
}

/* ---- encodeData / hashStruct ---- */

static enum mcp_rc hash_struct(struct ctx *c, uint8_t out[32], size_t si, json_t *v,
                               struct eth_abi_path *path);

static enum mcp_rc count_value(struct ctx *c, const struct eth_abi_path *path)
{
    if (++c->values > ETH_EIP712_MAX_VALUES)
        return mcp_errf(c->err, MCP_EINVAL, "%s: more than %d values in the typed data",
                        path->buf, ETH_EIP712_MAX_VALUES);
    return MCP_OK;
}

static enum mcp_rc hash_dynamic(struct ctx *c, uint8_t out[32], const struct field *f, json_t *v,
                                const struct eth_abi_path *path)
{
    uint8_t *data = NULL;
    size_t n = 0;
    enum mcp_rc rc;

    if (f->atomic->kind == ETH_ABI_STRING) {
        if (!json_is_string(v))
            return mcp_errf(c->err, MCP_EINVAL, "%s: expected a string", path->buf);
        eth_keccak256(out, json_string_value(v), json_string_length(v));
        return MCP_OK;
    }
    rc = eth_abi_json_bytes(&data, &n, v, path->buf, c->err);
    if (rc == MCP_OK)
        eth_keccak256(out, data, n);
    free(data);
    return rc;
}

/* encodeData of one field value with `dims` array dimensions still to unwrap. */
static enum mcp_rc encode_field(struct ctx *c, uint8_t out[32], const struct field *f,
                                size_t dims, json_t *v, struct eth_abi_path *path);

static enum mcp_rc encode_array(struct ctx *c, uint8_t out[32], const struct field *f,
                                size_t dims, json_t *v, struct eth_abi_path *path)
{
    long want = f->dims[dims - 1];
    struct eth_keccak k;
    uint8_t word[32];
    enum mcp_rc rc = MCP_OK;

    if (!json_is_array(v))
        return mcp_errf(c->err, MCP_EINVAL, "%s: expected an array for %s", path->buf, f->type);
    if (want > 0 && json_array_size(v) != (size_t)want)
        return mcp_errf(c->err, MCP_EINVAL, "%s: expected exactly %ld elements, got %zu",
                        path->buf, want, json_array_size(v));
    eth_keccak_init(&k);
    for (size_t i = 0; i < json_array_size(v) && rc == MCP_OK; i++) {
        size_t saved = eth_abi_path_push_index(path, i);

        rc = encode_field(c, word, f, dims - 1, json_array_get(v, i), path);
        eth_abi_path_pop(path, saved);
        eth_keccak_update(&k, word, 32);
    }
    eth_keccak_final(&k, out);
    return rc;
}

static enum mcp_rc encode_field(struct ctx *c, uint8_t out[32], const struct field *f,
                                size_t dims, json_t *v, struct eth_abi_path *path)
{
    enum mcp_rc rc = count_value(c, path);

    memset(out, 0, 32);
    if (rc != MCP_OK)
        return rc;
    if (v == NULL || json_is_null(v))
        return mcp_errf(c->err, MCP_EINVAL, "%s: missing or null (type %s)", path->buf,
                        f->type);
    if (dims > 0)
        return encode_array(c, out, f, dims, v, path);
    if (f->sidx >= 0)
        return hash_struct(c, out, (size_t)f->sidx, v, path);
    if (f->atomic->dynamic)
        return hash_dynamic(c, out, f, v, path);
    return eth_abi_encode_word(out, f->atomic, v, path->buf, c->err);
}

static enum mcp_rc check_keys(struct ctx *c, const struct stype *st, json_t *v,
                              const struct eth_abi_path *path)
{
    const char *key;
    json_t *val;

    if (!json_is_object(v))
        return mcp_errf(c->err, MCP_EINVAL, "%s: expected an object for struct %s", path->buf,
                        st->name);
    json_object_foreach(v, key, val) {
        size_t j = 0;

        while (j < st->n_fields && strcmp(st->fields[j].name, key) != 0)
            j++;
        if (j == st->n_fields)
            return mcp_errf(c->err, MCP_EINVAL, "%s: \"%.64s\" is not a field of %s", path->buf,
                            key, st->name);
    }
    return MCP_OK;
}

static enum mcp_rc hash_struct(struct ctx *c, uint8_t out[32], size_t si, json_t *v,
                               struct eth_abi_path *path)
{
    const struct stype *st = &c->types[si];
    const uint8_t *th = NULL;
    struct eth_keccak k;
    uint8_t word[32];
    enum mcp_rc rc = check_keys(c, st, v, path);

    if (rc == MCP_OK)
        rc = type_hash(c, si, &th);
    if (rc != MCP_OK)
        return rc;
    eth_keccak_init(&k);
    eth_keccak_update(&k, th, 32);
    for (size_t j = 0; j < st->n_fields && rc == MCP_OK; j++) {
        const struct field *f = &st->fields[j];
        size_t saved = eth_abi_path_push_key(path, f->name);

        rc = encode_field(c, word, f, f->n_dims, json_object_get(v, f->name), path);
        eth_abi_path_pop(path, saved);
        eth_keccak_update(&k, word, 32);
    }
    eth_keccak_final(&k, out);
    return rc;
}

/* ---- entry points ---- */

static enum mcp_rc ctx_find(struct ctx *c, size_t *out, const char *name, const char *what)
{
    long i = name != NULL ? find_type(c, name, strlen(name)) : -1;

    if (i < 0)
        return mcp_errf(c->err, MCP_EINVAL, "%s: \"%.64s\" is not defined in types", what,
                        name != NULL ? name : "");
    *out = (size_t)i;
    return MCP_OK;
}

enum mcp_rc eth_eip712_hash_struct(uint8_t out[32], json_t *types, const char *type_name,
                                   json_t *value, const char *what, struct mcp_error *err)
{
    struct ctx c = {NULL, 0, NULL, 0, err};
    struct eth_abi_path path;
    size_t si = 0;
    enum mcp_rc rc = ctx_load(&c, types);

    memset(out, 0, 32);
    eth_abi_path_init(&path, what != NULL ? what : "value");
    if (rc == MCP_OK)
        rc = ctx_find(&c, &si, type_name, "type");
    if (rc == MCP_OK)
        rc = hash_struct(&c, out, si, value, &path);
    if (rc != MCP_OK)
        memset(out, 0, 32);
    ctx_free(&c);
    return rc;
}

enum mcp_rc eth_eip712_encode_type(char **out, json_t *types, const char *type_name,
                                   struct mcp_error *err)
{
    struct ctx c = {NULL, 0, NULL, 0, err};
    size_t si = 0;
    enum mcp_rc rc = ctx_load(&c, types);

    *out = NULL;
    if (rc == MCP_OK)
        rc = ctx_find(&c, &si, type_name, "type");
    if (rc == MCP_OK)
        rc = encode_type(&c, si, out);
    ctx_free(&c);
    return rc;
}

enum mcp_rc eth_eip712_type_hash(uint8_t out[32], json_t *types, const char *type_name,
                                 struct mcp_error *err)
{
    char *s = NULL;
    enum mcp_rc rc = eth_eip712_encode_type(&s, types, type_name, err);

    memset(out, 0, 32);
    if (rc == MCP_OK)
        eth_keccak256(out, s, strlen(s));
    free(s);
    return rc;
}

/* ---- typed data ---- */

static const struct {
    const char *name, *type;
} domain_fields[] = {{"name", "string"},
                     {"version", "string"},
                     {"chainId", "uint256"},
                     {"verifyingContract", "address"},
                     {"salt", "bytes32"}};

static enum mcp_rc check_domain_keys(json_t *domain, struct mcp_error *err)
{
    const char *key;
    json_t *val;

    json_object_foreach(domain, key, val) {
        size_t i = 0;

        while (i < 5 && strcmp(domain_fields[i].name, key) != 0)
            i++;
        if (i == 5)
            return mcp_errf(err, MCP_EINVAL, "domain.%.64s: not a domain field (name, version, "
                                             "chainId, verifyingContract, salt); to use other "
                                             "fields, define EIP712Domain in types", key);
        if (json_is_null(val))
            return mcp_errf(err, MCP_EINVAL, "domain.%.64s: null; leave the field out instead",
                            key);
    }
    return MCP_OK;
}

/* EIP712Domain derived from the domain's keys, as viem's getTypesForEIP712Domain. */
static enum mcp_rc derive_domain_type(json_t **out, json_t *domain, struct mcp_error *err)
{
    json_t *fields = json_array();
    enum mcp_rc rc = check_domain_keys(domain, err);

    *out = NULL;
    for (size_t i = 0; i < 5 && rc == MCP_OK && fields != NULL; i++) {
        if (json_object_get(domain, domain_fields[i].name) != NULL &&
            json_array_append_new(fields, json_pack("{s:s, s:s}", "name", domain_fields[i].name,
                                                    "type", domain_fields[i].type)) != 0)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if (fields == NULL && rc == MCP_OK)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc != MCP_OK) {
        json_decref(fields);
        return rc;
    }
    *out = fields;
    return MCP_OK;
}

/* types, with EIP712Domain added if it is absent. Out: *out, a new reference. */
static enum mcp_rc full_types(json_t **out, json_t *types, json_t *domain, struct mcp_error *err)
{
    json_t *copy = NULL, *derived = NULL;
    enum mcp_rc rc;

    *out = NULL;
    if (!json_is_object(types))
        return mcp_errf(err, MCP_EINVAL, "types: expected an object of struct types");
    if (json_object_get(types, "EIP712Domain") != NULL) {
        *out = json_incref(types);
        return MCP_OK;
    }
    rc = derive_domain_type(&derived, domain, err);
    if (rc != MCP_OK)
        return rc;
    copy = json_copy(types);
    if (copy == NULL || json_object_set_new(copy, "EIP712Domain", derived) != 0) {
        json_decref(copy);
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    *out = copy;
    return MCP_OK;
}

static enum mcp_rc check_top_level(json_t *td, struct mcp_error *err)
{
    static const char *const keys[] = {"types", "primaryType", "domain", "message"};
    const char *key;
    json_t *val;

    if (!json_is_object(td))
        return mcp_errf(err, MCP_EINVAL, "typed data: expected an object with types, "
                                         "primaryType, domain and message");
    for (size_t i = 0; i < 4; i++) {
        if (json_object_get(td, keys[i]) == NULL)
            return mcp_errf(err, MCP_EINVAL, "typed data: \"%s\" is missing", keys[i]);
    }
    json_object_foreach(td, key, val) {
        size_t i = 0;

        while (i < 4 && strcmp(keys[i], key) != 0)
            i++;
        if (i == 4)
            return mcp_errf(err, MCP_EINVAL, "typed data: unexpected key \"%.64s\" (expected "
                                             "types, primaryType, domain, message)", key);
    }
    if (!json_is_object(json_object_get(td, "domain")))
        return mcp_errf(err, MCP_EINVAL, "domain: expected an object");
    if (!json_is_string(json_object_get(td, "primaryType")))
        return mcp_errf(err, MCP_EINVAL, "primaryType: expected a string");
    return MCP_OK;
}

static enum mcp_rc hash_parts(struct ctx *c, uint8_t domain_sep[32], uint8_t struct_hash[32],
                              json_t *td)
{
    const char *primary = json_string_value(json_object_get(td, "primaryType"));
    struct eth_abi_path path;
    size_t di = 0, pi = 0;
    enum mcp_rc rc;

    if (strcmp(primary, "EIP712Domain") == 0)
        return mcp_errf(c->err, MCP_EINVAL, "primaryType: \"EIP712Domain\" (signing a bare "
                                            "domain) is not accepted");
    rc = ctx_find(c, &di, "EIP712Domain", "types");
    if (rc == MCP_OK)
        rc = ctx_find(c, &pi, primary, "primaryType");
    eth_abi_path_init(&path, "domain");
    if (rc == MCP_OK)
        rc = hash_struct(c, domain_sep, di, json_object_get(td, "domain"), &path);
    eth_abi_path_init(&path, "message");
    if (rc == MCP_OK)
        rc = hash_struct(c, struct_hash, pi, json_object_get(td, "message"), &path);
    return rc;
}

enum mcp_rc eth_eip712_hash(uint8_t digest[32], uint8_t domain_sep[32], uint8_t struct_hash[32],
                            json_t *typed_data, struct mcp_error *err)
{
    struct ctx c = {NULL, 0, NULL, 0, err};
    uint8_t buf[66] = {0x19, 0x01};
    json_t *types = NULL;
    enum mcp_rc rc = check_top_level(typed_data, err);

    memset(digest, 0, 32);
    if (rc == MCP_OK)
        rc = full_types(&types, json_object_get(typed_data, "types"),
                        json_object_get(typed_data, "domain"), err);
    if (rc == MCP_OK)
        rc = ctx_load(&c, types);
    if (rc == MCP_OK)
        rc = hash_parts(&c, buf + 2, buf + 34, typed_data);
    if (rc == MCP_OK)
        eth_keccak256(digest, buf, sizeof(buf));
    else
        memset(buf, 0, sizeof(buf));
    if (domain_sep != NULL)
        memcpy(domain_sep, buf + 2, 32);
    if (struct_hash != NULL)
        memcpy(struct_hash, buf + 34, 32);
    ctx_free(&c);
    json_decref(types);
    return rc;
}

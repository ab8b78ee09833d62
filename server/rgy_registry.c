/* rgy_registry.c: loading and merging the registry, lookups, the per-config cache
 * (see rgy_registry.h). Function resolution lives in rgy_resolve.c. */
#include "rgy_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets.h"
#include "eth_addr.h"
#include "eth_hex.h"

#define BUILTIN_PATH "data/registry.json"

struct rgy {
    struct rgy_chain *chains;
    size_t n_chains;
    struct rgy_token *tokens;
    size_t n_tokens;
    struct rgy_contract *contracts; /* each owns its functions array */
    size_t n_contracts;
};

/* Where a load error came from: built-in data is a bug, an override is the user's input. */
struct load_ctx {
    const char *source; /* "built-in registry", "registry in the config file", ... */
    enum mcp_rc bad;    /* MCP_EINTERNAL or MCP_EINVAL */
    struct mcp_error *err;
};

/* ---- merging sources into one normalized JSON document ---- */

/* "8453" -> 8453; canonical decimal only (no sign, no leading zeros), 1..2^63-1. */
static int parse_chain_key(uint64_t *out, const char *s)
{
    uint64_t v = 0;

    if (s[0] < '1' || s[0] > '9' || strlen(s) > 19)
        return 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return v <= (uint64_t)INT64_MAX;
}

static enum mcp_rc chain_key(char out[24], const char *key, const char *section,
                             const struct load_ctx *lc)
{
    uint64_t id;

    if (!parse_chain_key(&id, key))
        return mcp_errf(lc->err, lc->bad, "%s: %s.\"%.40s\": expected a chain id such as \"8453\"",
                        lc->source, section, key);
    snprintf(out, 24, "%llu", (unsigned long long)id);
    return MCP_OK;
}

/* An address key, checksum-checked, as lower-case hex. */
static enum mcp_rc address_key(char out[ETH_ADDR_STR_SIZE], const char *key, const char *path,
                               const struct load_ctx *lc)
{
    uint8_t a[20];
    char what[96];

    snprintf(what, sizeof what, "%s: %s", lc->source, path);
    if (eth_addr_parse(a, key, what, lc->err) != MCP_OK) {
        lc->err->rc = lc->bad;
        return lc->bad;
    }
    eth_hex_encode(out, a, 20);
    return MCP_OK;
}

static json_t *child_object(json_t *parent, const char *key)
{
    json_t *c = json_object_get(parent, key);

    if (c == NULL) {
        c = json_object();
        if (json_object_set_new(parent, key, c) != 0)
            return NULL;
    }
    return c;
}

static enum mcp_rc need_object(json_t *v, const char *path, const struct load_ctx *lc)
{
    if (!json_is_object(v))
        return mcp_errf(lc->err, lc->bad, "%s: %s must be a JSON object", lc->source, path);
    return MCP_OK;
}

/* chains: fields of an entry replace fields of the merged entry. */
static enum mcp_rc merge_chains(json_t *dst, json_t *src, const struct load_ctx *lc)
{
    const char *key;
    json_t *v;

    json_object_foreach(src, key, v) {
        char id[24], path[64];
        json_t *d;

        if (chain_key(id, key, "chains", lc) != MCP_OK)
            return lc->bad;
        snprintf(path, sizeof path, "chains.%s", id);
        if (need_object(v, path, lc) != MCP_OK)
            return lc->bad;
        if ((d = child_object(dst, id)) == NULL || json_object_update(d, v) != 0)
            return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
    }
    return MCP_OK;
}

/* tokens, contracts: {"<chain>": {"<address>": entry}}, whole entries replaced. */
static enum mcp_rc merge_by_address(json_t *dst, json_t *src, const char *section,
                                    const struct load_ctx *lc)
{
    const char *ckey, *akey;
    json_t *per_chain, *v;

    json_object_foreach(src, ckey, per_chain) {
        char id[24], path[128];
        json_t *d;

        if (chain_key(id, ckey, section, lc) != MCP_OK)
            return lc->bad;
        snprintf(path, sizeof path, "%s.%s", section, id);
        if (need_object(per_chain, path, lc) != MCP_OK)
            return lc->bad;
        if ((d = child_object(dst, id)) == NULL)
            return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
        json_object_foreach(per_chain, akey, v) {
            char addr[ETH_ADDR_STR_SIZE];

            snprintf(path, sizeof path, "%s.%s.\"%.50s\"", section, id, akey);
            if (address_key(addr, akey, path, lc) != MCP_OK || need_object(v, path, lc) != MCP_OK)
                return lc->bad;
            if (json_object_set_new(d, addr, json_deep_copy(v)) != 0)
                return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
        }
    }
    return MCP_OK;
}

static enum mcp_rc merge_families(json_t *dst, json_t *src, const struct load_ctx *lc)
{
    const char *key;
    json_t *v;

    json_object_foreach(src, key, v) {
        char path[128];

        snprintf(path, sizeof path, "families.%.100s", key);
        if (need_object(v, path, lc) != MCP_OK)
            return lc->bad;
        if (json_object_set_new(dst, key, json_deep_copy(v)) != 0)
            return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
    }
    return MCP_OK;
}

/* Merge one source (built-in or override) into the normalized document m. */
static enum mcp_rc merge_source(json_t *m, json_t *src, const struct load_ctx *lc)
{
    const char *key;
    json_t *v;

    if (need_object(src, "the registry", lc) != MCP_OK)
        return lc->bad;
    json_object_foreach(src, key, v) {
        enum mcp_rc rc;
        json_t *d;

        if (strcmp(key, "about") == 0)
            continue;
        if (strcmp(key, "chains") != 0 && strcmp(key, "tokens") != 0 &&
            strcmp(key, "families") != 0 && strcmp(key, "contracts") != 0)
            return mcp_errf(lc->err, lc->bad,
                            "%s: unknown key \"%.40s\"; a registry has chains, tokens, families "
                            "and contracts", lc->source, key);
        if (need_object(v, key, lc) != MCP_OK)
            return lc->bad;
        if ((d = child_object(m, key)) == NULL)
            return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
        if (strcmp(key, "chains") == 0)
            rc = merge_chains(d, v, lc);
        else if (strcmp(key, "families") == 0)
            rc = merge_families(d, v, lc);
        else
            rc = merge_by_address(d, v, key, lc);
        if (rc != MCP_OK)
            return rc;
    }
    return MCP_OK;
}

/* ---- building the C tables from the merged document ---- */

static enum mcp_rc only_keys(json_t *obj, const char *const *allowed, const char *path,
                             const struct load_ctx *lc)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        size_t i;

        for (i = 0; allowed[i] != NULL && strcmp(allowed[i], key) != 0; i++)
            ;
        if (allowed[i] == NULL)
            return mcp_errf(lc->err, lc->bad, "%s: %s: unknown key \"%.40s\"", lc->source, path,
                            key);
    }
    (void)v;
    return MCP_OK;
}

/* Copy an optional string member into buf; "" when absent. */
static enum mcp_rc get_text(char *buf, size_t size, json_t *obj, const char *key, int required,
                            const char *path, const struct load_ctx *lc)
{
    json_t *v = json_object_get(obj, key);

    buf[0] = '\0';
    if (v == NULL && !required)
        return MCP_OK;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= size ||
        strlen(json_string_value(v)) != json_string_length(v))
        return mcp_errf(lc->err, lc->bad, "%s: %s.%s must be a text of 1 to %zu bytes", lc->source,
                        path, key, size - 1);
    memcpy(buf, json_string_value(v), json_string_length(v) + 1);
    return MCP_OK;
}

static enum mcp_rc build_token(struct rgy_token *t, uint64_t chain_id, const char *addr, json_t *e,
                               const struct load_ctx *lc)
{
    static const char *const keys[] = {"symbol", "decimals", "usd", NULL};
    json_t *dec = json_object_get(e, "decimals"), *usd = json_object_get(e, "usd");
    char path[96];

    snprintf(path, sizeof path, "tokens.%llu.%s", (unsigned long long)chain_id, addr);
    memset(t, 0, sizeof *t);
    t->chain_id = chain_id;
    if (only_keys(e, keys, path, lc) != MCP_OK ||
        get_text(t->symbol, sizeof t->symbol, e, "symbol", 1, path, lc) != MCP_OK ||
        eth_hex_decode(t->address, 20, addr, path, lc->err) != MCP_OK)
        return lc->bad;
    if (!json_is_integer(dec) || json_integer_value(dec) < 0 || json_integer_value(dec) > 77)
        return mcp_errf(lc->err, lc->bad, "%s: %s.decimals must be a whole number from 0 to 77",
                        lc->source, path);
    if (usd != NULL && !json_is_boolean(usd))
        return mcp_errf(lc->err, lc->bad, "%s: %s.usd must be true or false", lc->source, path);
    t->decimals = (unsigned)json_integer_value(dec);
    t->usd = json_is_true(usd);
    return MCP_OK;
}

static enum mcp_rc build_tokens(struct rgy *r, json_t *tokens, const struct load_ctx *lc)
{
    const char *ckey, *akey;
    json_t *per_chain, *e;
    size_t n = 0;

    json_object_foreach(tokens, ckey, per_chain)
        n += json_object_size(per_chain);
    r->tokens = calloc(n ? n : 1, sizeof *r->tokens);
    if (r->tokens == NULL)
        return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
    json_object_foreach(tokens, ckey, per_chain) {
        uint64_t id = 0;

        (void)parse_chain_key(&id, ckey);
        json_object_foreach(per_chain, akey, e) {
            if (build_token(&r->tokens[r->n_tokens], id, akey, e, lc) != MCP_OK)
                return lc->bad;
            r->n_tokens++;
        }
    }
    return MCP_OK;
}

/* chains.<id>.quoterV2: the chain's Uniswap V3 QuoterV2 (the gate's price source), optional. */
static enum mcp_rc build_quoter(struct rgy_chain *c, json_t *e, const char *path, const struct load_ctx *lc)
{
    json_t *q = json_object_get(e, "quoterV2");
    char what[128];

    if (q == NULL || json_is_null(q))
        return MCP_OK;
    snprintf(what, sizeof what, "%s: %s.quoterV2", lc->source, path);
    if (eth_addr_parse(c->quoter, json_string_value(q), what, lc->err) != MCP_OK) {
        lc->err->rc = lc->bad;
        return lc->bad;
    }
    c->has_quoter = 1;
    return MCP_OK;
}

static enum mcp_rc build_chain(const struct rgy *r, struct rgy_chain *c, uint64_t id, json_t *e,
                               const struct load_ctx *lc)
{
    static const char *const keys[] = {"name", "usdc", "quoterV2", NULL};
    json_t *usdc = json_object_get(e, "usdc");
    char path[64], what[128];

    snprintf(path, sizeof path, "chains.%llu", (unsigned long long)id);
    memset(c, 0, sizeof *c);
    c->id = id;
    if (only_keys(e, keys, path, lc) != MCP_OK ||
        get_text(c->name, sizeof c->name, e, "name", 1, path, lc) != MCP_OK || build_quoter(c, e, path, lc) != MCP_OK)
        return lc->bad;
    if (usdc == NULL || json_is_null(usdc))
        return MCP_OK;
    snprintf(what, sizeof what, "%s: %s.usdc", lc->source, path);
    if (eth_addr_parse(c->usdc, json_string_value(usdc), what, lc->err) != MCP_OK) {
        lc->err->rc = lc->bad;
        return lc->bad;
    }
    if (rgy_token(r, id, c->usdc) == NULL)
        return mcp_errf(lc->err, lc->bad, "%s: %s.usdc is not in tokens.%llu; name the token there "
                        "(symbol, decimals) too", lc->source, path, (unsigned long long)id);
    c->has_usdc = 1;
    return MCP_OK;
}

static enum mcp_rc build_chains(struct rgy *r, json_t *chains, const struct load_ctx *lc)
{
    const char *key;
    json_t *e;

    r->chains = calloc(json_object_size(chains) + 1, sizeof *r->chains);
    if (r->chains == NULL)
        return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
    json_object_foreach(chains, key, e) {
        uint64_t id = 0;

        (void)parse_chain_key(&id, key);
        if (build_chain(r, &r->chains[r->n_chains], id, e, lc) != MCP_OK)
            return lc->bad;
        r->n_chains++;
    }
    return MCP_OK;
}

static int is_category(const char *s)
{
    return strcmp(s, "swap") == 0 || strcmp(s, "batch") == 0 || strcmp(s, "transfer") == 0 ||
           strcmp(s, "approve") == 0 || strcmp(s, "other") == 0;
}

static enum mcp_rc build_function(struct rgy_function *f, json_t *e, const char *path,
                                  const struct load_ctx *lc)
{
    static const char *const keys[] = {"signature", "category", NULL};
    char category[RGY_CATEGORY_MAX], what[160];
    const char *sig = json_string_value(json_object_get(e, "signature"));

    if (need_object(e, path, lc) != MCP_OK || only_keys(e, keys, path, lc) != MCP_OK)
        return lc->bad;
    snprintf(what, sizeof what, "%s: %s.signature", lc->source, path);
    if (sig == NULL)
        return mcp_errf(lc->err, lc->bad, "%s: missing", what);
    if (rgy_parse_signature(f, sig, what, lc->err) != MCP_OK) {
        lc->err->rc = lc->err->rc == MCP_ENOMEM ? MCP_ENOMEM : lc->bad;
        return lc->err->rc;
    }
    if (get_text(category, sizeof category, e, "category", 1, path, lc) != MCP_OK)
        return lc->bad;
    if (!is_category(category))
        return mcp_errf(lc->err, lc->bad, "%s: %s.category \"%s\" is not one of swap, batch, "
                        "transfer, approve, other", lc->source, path, category);
    memcpy(f->category, category, sizeof category);
    return MCP_OK;
}

/* Parse a "functions" array into a new array; selectors must be distinct. */
static enum mcp_rc build_functions(struct rgy_function **out, size_t *n, json_t *arr,
                                   const char *path, const struct load_ctx *lc)
{
    struct rgy_function *fs;
    size_t count = json_array_size(arr);
    char p[192];

    *out = NULL;
    *n = 0;
    if (!json_is_array(arr) || count == 0 || count > RGY_MAX_FUNCTIONS)
        return mcp_errf(lc->err, lc->bad, "%s: %s.functions must be a list of 1 to %d functions",
                        lc->source, path, RGY_MAX_FUNCTIONS);
    if ((fs = calloc(count, sizeof *fs)) == NULL)
        return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        snprintf(p, sizeof p, "%s.functions[%zu]", path, i);
        if (build_function(&fs[i], json_array_get(arr, i), p, lc) != MCP_OK)
            goto fail;
        for (size_t j = 0; j < i; j++) {
            if (memcmp(fs[j].selector, fs[i].selector, 4) == 0) {
                mcp_errf(lc->err, lc->bad, "%s: %s: %s and %s share a selector", lc->source, p,
                         fs[j].signature, fs[i].signature);
                goto fail;
            }
        }
    }
    *out = fs;
    *n = count;
    return MCP_OK;
fail:
    free(fs);
    return lc->err->rc;
}

/* The entry with its family's name/words/functions filled in where it has none; new ref. */
static json_t *with_family(json_t *e, json_t *families, const char *path, const struct load_ctx *lc)
{
    json_t *fam_name = json_object_get(e, "family"), *fam = NULL, *m;

    if (fam_name != NULL) {
        fam = json_object_get(families, json_string_value(fam_name) ? json_string_value(fam_name) : "");
        if (fam == NULL) {
            mcp_errf(lc->err, lc->bad, "%s: %s.family: no family \"%.60s\" in families",
                     lc->source, path,
                     json_string_value(fam_name) ? json_string_value(fam_name) : "(not a text)");
            return NULL;
        }
    }
    m = fam ? json_deep_copy(fam) : json_object();
    if (m == NULL || json_object_update(m, e) != 0) {
        json_decref(m);
        mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
        return NULL;
    }
    json_object_del(m, "family");
    return m;
}

/* A contract entry, completed from its family: name/words/functions of the entry win. */
static enum mcp_rc build_contract(struct rgy_contract *c, uint64_t id, const char *addr, json_t *e,
                                  json_t *families, const struct load_ctx *lc)
{
    static const char *const keys[] = {"name", "words", "functions", NULL};
    struct rgy_function *fs = NULL;
    char path[96];
    json_t *m;
    enum mcp_rc rc;

    snprintf(path, sizeof path, "contracts.%llu.%s", (unsigned long long)id, addr);
    memset(c, 0, sizeof *c);
    c->chain_id = id;
    if (eth_hex_decode(c->address, 20, addr, path, lc->err) != MCP_OK)
        return mcp_errf(lc->err, MCP_EINTERNAL, "%s: bad normalized address", path);
    if ((m = with_family(e, families, path, lc)) == NULL)
        return lc->err->rc;
    rc = only_keys(m, keys, path, lc);
    if (rc == MCP_OK)
        rc = get_text(c->name, sizeof c->name, m, "name", 1, path, lc);
    if (rc == MCP_OK)
        rc = get_text(c->words, sizeof c->words, m, "words", 0, path, lc);
    if (rc == MCP_OK)
        rc = build_functions(&fs, &c->n_functions, json_object_get(m, "functions"), path, lc);
    c->functions = fs;
    json_decref(m);
    return rc;
}

/* Every token is also an ERC-20 contract named by its symbol, unless listed in contracts. */
static enum mcp_rc add_token_contracts(struct rgy *r, json_t *families, const struct load_ctx *lc)
{
    json_t *erc20 = json_object_get(families, "erc20");
    struct rgy_function *fs;
    size_t n;

    if (r->n_tokens == 0)
        return MCP_OK;
    if (erc20 == NULL)
        return mcp_errf(lc->err, lc->bad, "%s: families.erc20 is missing", lc->source);
    for (size_t i = 0; i < r->n_tokens; i++) {
        const struct rgy_token *t = &r->tokens[i];
        struct rgy_contract *c = &r->contracts[r->n_contracts];

        if (rgy_contract(r, t->chain_id, t->address) != NULL)
            continue;
        if (build_functions(&fs, &n, json_object_get(erc20, "functions"), "families.erc20", lc))
            return lc->err->rc;
        memset(c, 0, sizeof *c);
        c->chain_id = t->chain_id;
        memcpy(c->address, t->address, 20);
        snprintf(c->name, sizeof c->name, "%s", t->symbol);
        c->is_token = 1;
        c->functions = fs;
        c->n_functions = n;
        r->n_contracts++;
    }
    return MCP_OK;
}

static enum mcp_rc build_contracts(struct rgy *r, json_t *m, const struct load_ctx *lc)
{
    json_t *contracts = json_object_get(m, "contracts"), *families = json_object_get(m, "families");
    const char *ckey, *akey;
    json_t *per_chain, *e;
    size_t n = r->n_tokens;

    json_object_foreach(contracts, ckey, per_chain)
        n += json_object_size(per_chain);
    if ((r->contracts = calloc(n + 1, sizeof *r->contracts)) == NULL)
        return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
    json_object_foreach(contracts, ckey, per_chain) {
        uint64_t id = 0;

        (void)parse_chain_key(&id, ckey);
        json_object_foreach(per_chain, akey, e) {
            if (build_contract(&r->contracts[r->n_contracts], id, akey, e, families, lc))
                return lc->err->rc;
            r->n_contracts++;
        }
    }
    return add_token_contracts(r, families, lc);
}

static enum mcp_rc build(struct rgy *r, json_t *m, const struct load_ctx *lc)
{
    json_t *empty = json_object();
    enum mcp_rc rc;

    if (empty == NULL)
        return mcp_errf(lc->err, MCP_ENOMEM, "out of memory");
    rc = build_tokens(r, json_object_get(m, "tokens") ? json_object_get(m, "tokens") : empty, lc);
    if (rc == MCP_OK)
        rc = build_chains(r, json_object_get(m, "chains") ? json_object_get(m, "chains") : empty, lc);
    if (rc == MCP_OK)
        rc = build_contracts(r, m, lc);
    json_decref(empty);
    return rc;
}

/* ---- loading ---- */

void rgy_free(struct rgy *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_contracts; i++)
        free((void *)r->contracts[i].functions);
    free(r->contracts);
    free(r->tokens);
    free(r->chains);
    free(r);
}

static enum mcp_rc merge_builtin(json_t *m, struct mcp_error *err)
{
    const struct asset *a = asset_find(BUILTIN_PATH);
    struct load_ctx lc = {"built-in registry (" BUILTIN_PATH ")", MCP_EINTERNAL, err};
    json_error_t jerr;
    json_t *b;
    enum mcp_rc rc;

    if (a == NULL)
        return mcp_errf(err, MCP_EINTERNAL, "%s is not compiled in", BUILTIN_PATH);
    b = json_loadb((const char *)a->bytes, a->len, JSON_REJECT_DUPLICATES, &jerr);
    if (b == NULL)
        return mcp_errf(err, MCP_EINTERNAL, "%s: %s (line %d)", BUILTIN_PATH, jerr.text, jerr.line);
    rc = merge_source(m, b, &lc);
    json_decref(b);
    return rc;
}

/* Load with an override from `source` (NULL: none). */
static enum mcp_rc load(struct rgy **out, json_t *override, const char *source,
                        struct mcp_error *err_or_null)
{
    struct mcp_error local = {MCP_OK, ""}, *err = err_or_null ? err_or_null : &local;
    struct load_ctx lc = {source ? source : "built-in registry (" BUILTIN_PATH ")",
                          override ? MCP_EINVAL : MCP_EINTERNAL, err};
    struct rgy *r = calloc(1, sizeof *r);
    json_t *m = json_object();
    enum mcp_rc rc;

    *out = NULL;
    if (r == NULL || m == NULL) {
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        goto out;
    }
    rc = merge_builtin(m, err);
    if (rc == MCP_OK && override != NULL) {
        struct load_ctx olc = {source, MCP_EINVAL, err};
        rc = merge_source(m, override, &olc);
    }
    if (rc == MCP_OK)
        rc = build(r, m, &lc);
    if (rc == MCP_OK) {
        *out = r;
        r = NULL;
    }
out:
    rgy_free(r);
    json_decref(m);
    return rc;
}

enum mcp_rc rgy_load(struct rgy **out, json_t *override, struct mcp_error *err)
{
    return load(out, override, override ? "registry override" : NULL, err);
}

/* ---- the per-config cache ---- */

struct cache_entry {
    char *key;
    struct rgy *r;
    struct cache_entry *next;
};

static struct cache_entry *g_cache;

/* Resolve a relative override path against the config file's folder. */
static char *override_path(const struct skm_config *cfg, const char *path)
{
    const char *slash = cfg->config_file ? strrchr(cfg->config_file, '/') : NULL;
    size_t dir_len = slash ? (size_t)(slash - cfg->config_file) + 1 : 0;
    char *s;

    if (path[0] == '/' || dir_len == 0)
        return strdup(path);
    if ((s = malloc(dir_len + strlen(path) + 1)) != NULL) {
        memcpy(s, cfg->config_file, dir_len);
        strcpy(s + dir_len, path);
    }
    return s;
}

/* The cache key for cfg's override ("" for none), or NULL on error. */
static char *cache_key(const struct skm_config *cfg, json_t *v, struct mcp_error *err)
{
    char *key = NULL, *body;

    if (v == NULL)
        key = strdup("");
    else if (json_is_string(v) && (body = override_path(cfg, json_string_value(v))) != NULL) {
        size_t n = strlen(body) + 6;
        if ((key = malloc(n)) != NULL)
            snprintf(key, n, "file:%s", body);
        free(body);
    } else if (json_is_object(v) && (body = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT)) != NULL) {
        size_t n = strlen(body) + 8;
        if ((key = malloc(n)) != NULL)
            snprintf(key, n, "inline:%s", body);
        free(body);
    } else if (!json_is_string(v) && !json_is_object(v)) {
        mcp_errf(err, MCP_EINVAL, "config file: \"registry\" must be the path of a JSON file or "
                                  "an object of chains, tokens, families and contracts");
        return NULL;
    }
    if (key == NULL)
        mcp_errf(err, MCP_ENOMEM, "out of memory");
    return key;
}

static enum mcp_rc load_for_key(struct rgy **out, const char *key, json_t *v, struct mcp_error *err)
{
    char source[600];
    json_error_t jerr;
    json_t *file;
    enum mcp_rc rc;

    if (key[0] == '\0')
        return load(out, NULL, NULL, err);
    if (json_is_object(v))
        return load(out, v, "registry in the config file", err);
    file = json_load_file(key + 5, JSON_REJECT_DUPLICATES, &jerr);
    if (file == NULL)
        return mcp_errf(err, jerr.line < 1 ? MCP_EIO : MCP_EINVAL,
                        "registry file %.400s (named in the config file): %s (line %d)", key + 5,
                        jerr.text, jerr.line);
    snprintf(source, sizeof source, "registry file %.400s", key + 5);
    rc = load(out, file, source, err);
    json_decref(file);
    return rc;
}

const struct rgy *rgy_get(const struct skm_config *cfg, struct mcp_error *err)
{
    json_t *v = (cfg != NULL && cfg->file != NULL) ? json_object_get(cfg->file, "registry") : NULL;
    struct cache_entry *e;
    struct rgy *r = NULL;
    char *key = cache_key(cfg, v, err);

    if (key == NULL)
        return NULL;
    for (e = g_cache; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            free(key);
            return e->r;
        }
    }
    if (load_for_key(&r, key, v, err) != MCP_OK || (e = calloc(1, sizeof *e)) == NULL) {
        if (r != NULL)
            mcp_errf(err, MCP_ENOMEM, "out of memory");
        rgy_free(r);
        free(key);
        return NULL;
    }
    e->key = key;
    e->r = r;
    e->next = g_cache;
    g_cache = e;
    return r;
}

void rgy_unload(void)
{
    while (g_cache != NULL) {
        struct cache_entry *next = g_cache->next;

        rgy_free(g_cache->r);
        free(g_cache->key);
        free(g_cache);
        g_cache = next;
    }
}

/* ---- lookups ---- */

const struct rgy_chain *rgy_chain(const struct rgy *r, uint64_t chain_id)
{
    for (size_t i = 0; r != NULL && i < r->n_chains; i++)
        if (r->chains[i].id == chain_id)
            return &r->chains[i];
    return NULL;
}

const struct rgy_token *rgy_token(const struct rgy *r, uint64_t chain_id, const uint8_t address[20])
{
    for (size_t i = 0; r != NULL && i < r->n_tokens; i++)
        if (r->tokens[i].chain_id == chain_id && memcmp(r->tokens[i].address, address, 20) == 0)
            return &r->tokens[i];
    return NULL;
}

const struct rgy_contract *rgy_contract(const struct rgy *r, uint64_t chain_id,
                                        const uint8_t address[20])
{
    for (size_t i = 0; r != NULL && i < r->n_contracts; i++)
        if (r->contracts[i].chain_id == chain_id &&
            memcmp(r->contracts[i].address, address, 20) == 0)
            return &r->contracts[i];
    return NULL;
}

const char *rgy_chain_name(const struct rgy *r, uint64_t chain_id)
{
    const struct rgy_chain *c = rgy_chain(r, chain_id);

    return c ? c->name : NULL;
}

const struct rgy_token *rgy_chain_usdc(const struct rgy *r, uint64_t chain_id)
{
    const struct rgy_chain *c = rgy_chain(r, chain_id);

    return (c != NULL && c->has_usdc) ? rgy_token(r, chain_id, c->usdc) : NULL;
}

/* The one token whose symbol matches (cmp = strcmp or strcasecmp); NULL for none or several. */
static const struct rgy_token *unique_symbol(const struct rgy *r, uint64_t chain_id,
                                             const char *symbol,
                                             int (*cmp)(const char *, const char *))
{
    const struct rgy_token *found = NULL;

    for (size_t i = 0; r != NULL && i < r->n_tokens; i++) {
        if (r->tokens[i].chain_id != chain_id || cmp(r->tokens[i].symbol, symbol) != 0)
            continue;
        if (found != NULL)
            return NULL;
        found = &r->tokens[i];
    }
    return found;
}

static int count_symbol(const struct rgy *r, uint64_t chain_id, const char *symbol,
                        int (*cmp)(const char *, const char *))
{
    int n = 0;

    for (size_t i = 0; r != NULL && i < r->n_tokens; i++)
        n += r->tokens[i].chain_id == chain_id && cmp(r->tokens[i].symbol, symbol) == 0;
    return n;
}

const struct rgy_token *rgy_token_by_symbol(const struct rgy *r, uint64_t chain_id,
                                            const char *symbol)
{
    if (symbol == NULL)
        return NULL;
    if (count_symbol(r, chain_id, symbol, strcmp) > 0)
        return unique_symbol(r, chain_id, symbol, strcmp);
    return unique_symbol(r, chain_id, symbol, strcasecmp);
}

const struct rgy_contract *rgy_contract_with_function(const struct rgy *r, uint64_t chain_id,
                                                      const char *signature)
{
    for (size_t i = 0; r != NULL && signature != NULL && i < r->n_contracts; i++) {
        const struct rgy_contract *c = &r->contracts[i];

        if (c->chain_id != chain_id || c->is_token)
            continue;
        for (size_t k = 0; k < c->n_functions; k++)
            if (strcmp(c->functions[k].signature, signature) == 0)
                return c;
    }
    return NULL;
}

/* rgy_resolve.c: turning an allowedFunctions entry (name, signature or selector) into a
 * function of a registered contract, or accepting it as unknown (see rgy_registry.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eth_abi.h"
#include "eth_hex.h"
#include "rgy_registry.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_punct(char c)
{
    return c == '(' || c == ')' || c == ',' || c == '[' || c == ']';
}

/* Copy s dropping whitespace at the ends, after "(", "," or "[" and before punctuation, and
 * collapsing the rest (which separates a type from a parameter name) into one space. */
static void squeeze_spaces(char *out, const char *s)
{
    size_t n = 0;

    for (const char *p = s; *p; p++) {
        if (!is_space(*p)) {
            out[n++] = *p;
            continue;
        }
        while (is_space(p[1]))
            p++;
        if (n > 0 && out[n - 1] != '(' && out[n - 1] != ',' && out[n - 1] != '[' &&
            p[1] != '\0' && !is_punct(p[1]))
            out[n++] = ' ';
    }
    out[n] = '\0';
}

static enum mcp_rc fill_from_func(struct rgy_function *out, const struct eth_abi_func *f,
                                  const char *what, struct mcp_error *err)
{
    char *canon = eth_abi_func_canonical(f);
    enum mcp_rc rc = MCP_OK;

    if (canon == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (strlen(canon) >= sizeof out->signature || strlen(f->name) >= sizeof out->name)
        rc = mcp_errf(err, MCP_EINVAL, "%s: the signature is too long (at most %zu characters "
                      "once written canonically)", what, sizeof out->signature - 1);
    else {
        strcpy(out->signature, canon);
        strcpy(out->name, f->name);
        memcpy(out->selector, f->selector, 4);
    }
    free(canon);
    return rc;
}

enum mcp_rc rgy_parse_signature(struct rgy_function *out, const char *sig, const char *what,
                                struct mcp_error *err)
{
    struct eth_abi_func *f = NULL;
    char *buf;
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    if (sig == NULL || strlen(sig) > ETH_ABI_MAX_TYPE_LEN)
        return mcp_errf(err, MCP_EINVAL, "%s: missing or longer than %d characters", what,
                        ETH_ABI_MAX_TYPE_LEN);
    if ((buf = malloc(strlen(sig) + 1)) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    squeeze_spaces(buf, sig);
    rc = eth_abi_func_parse(&f, buf, err);
    if (rc == MCP_EINVAL)
        mcp_err_prefix(err, "%s", what);
    if (rc == MCP_OK)
        rc = fill_from_func(out, f, what, err);
    eth_abi_func_free(f);
    free(buf);
    if (rc != MCP_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- naming a contract's functions in messages ---- */

static int name_count(const struct rgy_contract *c, const char *name)
{
    int n = 0;

    for (size_t i = 0; i < c->n_functions; i++)
        n += strcmp(c->functions[i].name, name) == 0;
    return n;
}

/* "exactInputSingle, ..., multicall(bytes[])": names, signatures where a name is overloaded. */
static void list_functions(char *out, size_t size, const struct rgy_contract *c)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < c->n_functions && used < size; i++) {
        const struct rgy_function *f = &c->functions[i];
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
                         name_count(c, f->name) > 1 ? f->signature : f->name);
        used += n > 0 ? (size_t)n : 0;
    }
}

static enum mcp_rc not_a_function(const struct rgy_contract *c, const char *entry, const char *what,
                                  struct mcp_error *err)
{
    char list[400];

    list_functions(list, sizeof list, c);
    return mcp_errf(err, MCP_EINVAL, "%s: \"%.120s\" is not a function of %s; send one of: %s",
                    what, entry, c->name, list);
}

static void fill_known(struct rgy_resolved *out, const struct rgy_contract *c,
                       const struct rgy_function *f)
{
    memcpy(out->signature, f->signature, sizeof out->signature);
    memcpy(out->name, f->name, sizeof out->name);
    memcpy(out->selector, f->selector, 4);
    memcpy(out->category, f->category, sizeof out->category);
    out->known = 1;
    out->overloaded = name_count(c, f->name) > 1;
}

static const struct rgy_function *by_selector(const struct rgy_contract *c, const uint8_t sel[4])
{
    for (size_t i = 0; i < c->n_functions; i++)
        if (memcmp(c->functions[i].selector, sel, 4) == 0)
            return &c->functions[i];
    return NULL;
}

/* ---- the three kinds of entry ---- */

static enum mcp_rc resolve_selector(struct rgy_resolved *out, const struct rgy_contract *c,
                                    const char *entry, const char *what, struct mcp_error *err)
{
    const struct rgy_function *f;

    if (strlen(entry) != 10 || eth_hex_decode(out->selector, 4, entry, what, NULL) != MCP_OK)
        return mcp_errf(err, MCP_EINVAL, "%s: \"%.80s\" is not a selector; a selector is 0x and "
                        "8 hex digits, such as 0x04e45aaf", what, entry);
    if (c == NULL)
        return MCP_OK;
    if ((f = by_selector(c, out->selector)) == NULL)
        return not_a_function(c, entry, what, err);
    fill_known(out, c, f);
    return MCP_OK;
}

static enum mcp_rc resolve_signature(struct rgy_resolved *out, const struct rgy_contract *c,
                                     const char *entry, const char *what, struct mcp_error *err)
{
    struct rgy_function parsed;
    const struct rgy_function *f;
    enum mcp_rc rc = rgy_parse_signature(&parsed, entry, what, err);

    if (rc != MCP_OK)
        return rc;
    if (c == NULL) {
        memcpy(out->signature, parsed.signature, sizeof out->signature);
        memcpy(out->name, parsed.name, sizeof out->name);
        memcpy(out->selector, parsed.selector, 4);
        return MCP_OK;
    }
    if ((f = by_selector(c, parsed.selector)) == NULL || strcmp(f->signature, parsed.signature))
        return not_a_function(c, parsed.signature, what, err);
    fill_known(out, c, f);
    return MCP_OK;
}

static enum mcp_rc ambiguous(const struct rgy_contract *c, const char *name, const char *what,
                             struct mcp_error *err)
{
    char list[400];
    size_t used = 0;

    list[0] = '\0';
    for (size_t i = 0; i < c->n_functions && used < sizeof list; i++) {
        if (strcmp(c->functions[i].name, name) == 0) {
            int n = snprintf(list + used, sizeof list - used, "%s\"%s\"", used ? ", " : "",
                             c->functions[i].signature);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return mcp_errf(err, MCP_EINVAL, "%s: %s has several functions named \"%s\"; send the full "
                    "signature of the one you mean: %s", what, c->name, name, list);
}

static enum mcp_rc resolve_name(struct rgy_resolved *out, const struct rgy_contract *c,
                                const char *entry, const char *what, struct mcp_error *err)
{
    int n;

    if (c == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: \"%.96s\" is only a name, and the contract is not "
                        "one we know, so we cannot tell which function it means; send its full "
                        "signature (such as \"%.96s(address,uint256)\") or its 4-byte selector "
                        "(such as 0xa9059cbb)", what, entry, entry);
    n = name_count(c, entry);
    if (n > 1)
        return ambiguous(c, entry, what, err);
    for (size_t i = 0; n == 1 && i < c->n_functions; i++) {
        if (strcmp(c->functions[i].name, entry) == 0) {
            fill_known(out, c, &c->functions[i]);
            return MCP_OK;
        }
    }
    for (size_t i = 0; i < c->n_functions; i++)
        if (strcasecmp(c->functions[i].name, entry) == 0)
            return mcp_errf(err, MCP_EINVAL, "%s: \"%.96s\" is not a function of %s; names are "
                            "case-sensitive: did you mean \"%s\"?", what, entry, c->name,
                            c->functions[i].name);
    return not_a_function(c, entry, what, err);
}

static int is_identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' || *s == '$'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '$'))
            return 0;
    return 1;
}

/* entry without surrounding whitespace, in buf when it is short enough to be a name or a
 * selector; longer entries (signatures) are returned as they are. */
static const char *trimmed(char *buf, size_t size, const char *entry)
{
    size_t start = 0, end = strlen(entry);

    while (is_space(entry[start]))
        start++;
    while (end > start && is_space(entry[end - 1]))
        end--;
    if (end - start >= size)
        return entry;
    memcpy(buf, entry + start, end - start);
    buf[end - start] = '\0';
    return buf;
}

enum mcp_rc rgy_resolve_function(struct rgy_resolved *out, const struct rgy_contract *c,
                                 const char *entry_raw, const char *what, struct mcp_error *err)
{
    char buf[RGY_FN_NAME_MAX];
    const char *entry = entry_raw ? trimmed(buf, sizeof buf, entry_raw) : NULL;
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    if (entry == NULL || entry[0] == '\0')
        rc = mcp_errf(err, MCP_EINVAL, "%s: empty; send a function name (exactInputSingle), a "
                      "full signature or a 4-byte selector (0x04e45aaf)", what);
    else if (entry[0] == '0' && (entry[1] == 'x' || entry[1] == 'X'))
        rc = resolve_selector(out, c, entry, what, err);
    else if (strchr(entry, '(') != NULL)
        rc = resolve_signature(out, c, entry, what, err);
    else if (is_identifier(entry) && strlen(entry) < sizeof out->name)
        rc = resolve_name(out, c, entry, what, err);
    else
        rc = mcp_errf(err, MCP_EINVAL, "%s: \"%.80s\" is not a function name, signature or "
                      "selector; send a name (exactInputSingle), a full signature "
                      "(transfer(address,uint256)) or a 4-byte selector (0x04e45aaf)", what, entry);
    if (rc != MCP_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

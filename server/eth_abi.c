/* eth_abi.c: function signatures, selectors and call data (selector || abi.encode(args)). */
#include "eth_abi.h"

#include <stdlib.h>
#include <string.h>

#include "eth_keccak.h"

void eth_abi_func_free(struct eth_abi_func *f)
{
    if (f == NULL)
        return;
    free(f->name);
    eth_abi_type_free(f->params);
    free(f);
}

static int is_ident_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
           (!first && c >= '0' && c <= '9');
}

/* Index of the ")" that closes the "(" at s[open], or 0 if there is none. */
static size_t closing_paren(const char *s, size_t open)
{
    int level = 0;

    for (size_t i = open; s[i] != '\0'; i++) {
        level += s[i] == '(';
        level -= s[i] == ')';
        if (level == 0)
            return i;
    }
    return 0;
}

/* Split "  name(params)  " into the name's span and the "(params)" span. */
static enum mcp_rc split_signature(const char *s, size_t *name_start, size_t *name_len,
                                   size_t *open, struct mcp_error *err)
{
    size_t i = 0, close;

    while (s[i] == ' ')
        i++;
    *name_start = i;
    while (is_ident_char(s[i], i == *name_start))
        i++;
    *name_len = i - *name_start;
    if (*name_len == 0 || s[i] != '(')
        return mcp_errf(err, MCP_EINVAL, "signature \"%.200s\": expected name(types), e.g. "
                                         "\"transfer(address,uint256)\"", s);
    *open = i;
    close = closing_paren(s, i);
    if (close == 0)
        return mcp_errf(err, MCP_EINVAL, "signature \"%.200s\": unbalanced parentheses", s);
    for (i = close + 1; s[i] == ' '; i++)
        ;
    if (s[i] != '\0')
        return mcp_errf(err, MCP_EINVAL, "signature \"%.200s\": unexpected text after the "
                                         "closing ')'", s);
    return MCP_OK;
}

static enum mcp_rc compute_selector(struct eth_abi_func *f, struct mcp_error *err)
{
    char *canon = eth_abi_func_canonical(f);
    uint8_t hash[32];

    if (canon == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    eth_keccak256(hash, canon, strlen(canon));
    memcpy(f->selector, hash, 4);
    free(canon);
    return MCP_OK;
}

enum mcp_rc eth_abi_func_parse(struct eth_abi_func **out, const char *signature,
                               struct mcp_error *err)
{
    struct eth_abi_func *f = NULL;
    size_t name_start = 0, name_len = 0, open = 0;
    enum mcp_rc rc;

    *out = NULL;
    if (signature == NULL || strlen(signature) > ETH_ABI_MAX_TYPE_LEN)
        return mcp_errf(err, MCP_EINVAL, "signature: missing or longer than %d characters",
                        ETH_ABI_MAX_TYPE_LEN);
    rc = split_signature(signature, &name_start, &name_len, &open, err);
    if (rc != MCP_OK)
        return rc;
    f = calloc(1, sizeof(*f));
    if (f == NULL || (f->name = strndup(signature + name_start, name_len)) == NULL) {
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        goto out;
    }
    rc = eth_abi_params_parse(&f->params, signature + open, err);
    if (rc == MCP_OK)
        rc = compute_selector(f, err);
out:
    if (rc != MCP_OK) {
        eth_abi_func_free(f);
        return rc;
    }
    *out = f;
    return MCP_OK;
}

char *eth_abi_func_canonical(const struct eth_abi_func *f)
{
    char *params = eth_abi_type_canonical(f->params); /* "(...)" */
    size_t n = strlen(f->name);
    char *s = params != NULL ? malloc(n + strlen(params) + 1) : NULL;

    if (s != NULL) {
        memcpy(s, f->name, n);
        strcpy(s + n, params);
    }
    free(params);
    return s;
}

enum mcp_rc eth_abi_selector(uint8_t out[4], const char *signature, struct mcp_error *err)
{
    struct eth_abi_func *f = NULL;
    enum mcp_rc rc = eth_abi_func_parse(&f, signature, err);

    memset(out, 0, 4);
    if (rc == MCP_OK)
        memcpy(out, f->selector, 4);
    eth_abi_func_free(f);
    return rc;
}

enum mcp_rc eth_abi_encode_call(uint8_t **out, size_t *len, const char *signature, json_t *args,
                                struct mcp_error *err)
{
    struct eth_abi_func *f = NULL;
    uint8_t *params = NULL, *data = NULL;
    size_t n = 0;
    enum mcp_rc rc;

    *out = NULL;
    *len = 0;
    rc = eth_abi_func_parse(&f, signature, err);
    if (rc == MCP_OK)
        rc = eth_abi_encode(&params, &n, f->params, args, "args", err);
    if (rc == MCP_OK && (data = malloc(n + 4)) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory encoding call data");
    if (rc == MCP_OK) {
        memcpy(data, f->selector, 4);
        memcpy(data + 4, params, n);
        *out = data;
        *len = n + 4;
    }
    free(params);
    eth_abi_func_free(f);
    return rc;
}

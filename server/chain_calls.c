/* chain_calls.c: eth_getBalance, eth_getCode, eth_call and the ERC-20 / Kernel / ERC-1271
 * reads, with strict decoding of what contracts return. */
#include "chain_calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"

const uint8_t chain_sel_balance_of[4] = {0x70, 0xa0, 0x82, 0x31};
const uint8_t chain_sel_decimals[4] = {0x31, 0x3c, 0xe5, 0x67};
const uint8_t chain_sel_symbol[4] = {0x95, 0xd8, 0x9b, 0x41};
const uint8_t chain_sel_current_nonce[4] = {0xad, 0xb6, 0x10, 0xa3};
const uint8_t chain_sel_is_valid_signature[4] = {0x16, 0x26, 0xba, 0x7e};

#define WHAT_MAX 96

/* --- decoders --- */

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;

    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static enum mcp_rc no_data(const char *what, struct mcp_error *err)
{
    return mcp_errf(err, MCP_ERPC, "%s returned no data (no contract at that address, or it "
                                   "does not implement the function)", what);
}

enum mcp_rc chain_abi_decode_uint(struct eth_u256 *out, const uint8_t *ret, size_t len,
                                  const char *what, struct mcp_error *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return no_data(what, err);
    if (len != 32)
        return mcp_errf(err, MCP_ERPC, "%s returned %zu bytes, expected one 32-byte word", what,
                        len);
    eth_u256_from_be(out, ret);
    return MCP_OK;
}

/* Banned code points: C1 controls, zero-width and bidi controls, line/paragraph separators,
 * word joiners and invisible operators, the BOM. */
static int banned_code_point(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

/* Decode one UTF-8 sequence at s (n bytes available). Returns its length, or 0 if invalid. */
static size_t utf8_next(uint32_t *cp, const uint8_t *s, size_t n)
{
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] < 0x80 ? 1 : s[0] < 0xc0 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3
               : s[0] < 0xf8 ? 4 : 0;
    uint32_t v;

    if (len == 0 || len > n)
        return 0;
    v = len == 1 ? s[0] : s[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (v < min_cp[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

int chain_text_is_clean(const uint8_t *s, size_t len)
{
    size_t i = 0, step;
    uint32_t cp;

    while (i < len) {
        step = utf8_next(&cp, s + i, len - i);
        if (step == 0 || cp < 0x20 || cp == 0x7f || banned_code_point(cp))
            return 0;
        i += step;
    }
    return 1;
}

static enum mcp_rc emit_text(char *out, size_t out_size, const uint8_t *s, size_t n,
                             const char *what, struct mcp_error *err)
{
    if (n >= out_size)
        return mcp_errf(err, MCP_ERPC, "%s returned a %zu-byte string; at most %zu accepted", what,
                        n, out_size - 1);
    if (!chain_text_is_clean(s, n))
        return mcp_errf(err, MCP_ERPC, "%s returned text that is not clean UTF-8 (control, "
                                       "invisible or direction-changing characters, or invalid "
                                       "bytes)", what);
    memcpy(out, s, n);
    out[n] = '\0';
    return MCP_OK;
}

/* bytes32 text of old tokens (MKR, SAI): the text, then nothing but NULs. */
static enum mcp_rc decode_bytes32_text(char *out, size_t out_size, const uint8_t *ret,
                                       const char *what, struct mcp_error *err)
{
    size_t n = 0;

    while (n < 32 && ret[n] != 0)
        n++;
    if (!all_zero(ret + n, 32 - n))
        return mcp_errf(err, MCP_ERPC, "%s returned a bytes32 with bytes after its NUL "
                                       "terminator", what);
    return emit_text(out, out_size, ret, n, what, err);
}

enum mcp_rc chain_abi_decode_string(char *out, size_t out_size, const uint8_t *ret, size_t len,
                                    const char *what, struct mcp_error *err)
{
    struct eth_u256 word;
    uint64_t n = 0;
    size_t padded;

    out[0] = '\0';
    if (len == 0)
        return no_data(what, err);
    if (len == 32)
        return decode_bytes32_text(out, out_size, ret, what, err);
    if (len < 64 || len % 32 != 0)
        return mcp_errf(err, MCP_ERPC, "%s returned %zu bytes: neither an ABI string nor a "
                                       "bytes32", what, len);
    eth_u256_from_be(&word, ret);
    if (!eth_u256_to_u64(&n, &word) || n != 32)
        return mcp_errf(err, MCP_ERPC, "%s returned a string whose offset is not 0x20", what);
    eth_u256_from_be(&word, ret + 32);
    if (!eth_u256_to_u64(&n, &word) || n > len - 64)
        return mcp_errf(err, MCP_ERPC, "%s returned a string length beyond the data", what);
    padded = ((size_t)n + 31) / 32 * 32;
    if (len != 64 + padded)
        return mcp_errf(err, MCP_ERPC, "%s returned %zu bytes for a %llu-byte string; expected "
                                       "%zu", what, len, (unsigned long long)n, 64 + padded);
    if (!all_zero(ret + 64 + n, padded - (size_t)n))
        return mcp_errf(err, MCP_ERPC, "%s returned a string with non-zero padding", what);
    return emit_text(out, out_size, ret + 64, (size_t)n, what, err);
}

/* --- calls --- */

static void addr_hex(char out[43], const uint8_t addr[20])
{
    eth_hex_encode(out, addr, 20);
}

/* "symbol() of 0xAbC..." for messages. */
static void call_what(char *out, size_t out_size, const char *fn, const uint8_t addr[20])
{
    char a[ETH_ADDR_STR_SIZE];

    eth_addr_format(a, addr);
    snprintf(out, out_size, "%s of %s", fn, a);
}

/* The string result of a call, or MCP_ERPC if it is not a string. *res is released. */
static enum mcp_rc take_string(char **out, json_t *res, const char *method, struct mcp_error *err)
{
    *out = json_is_string(res) ? strdup(json_string_value(res)) : NULL;
    if (*out == NULL && json_is_string(res))
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (*out == NULL)
        return mcp_errf(err, MCP_ERPC, "%s answered a result that is not a string", method);
    return MCP_OK;
}

/* Call method(params); the result must be a string (*out, malloc'd). */
static enum mcp_rc call_string(char **out, struct chain_client *cl, const char *method,
                               json_t *params, struct mcp_error *err)
{
    json_t *res = NULL;
    enum mcp_rc rc;

    *out = NULL;
    if (params == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = chain_rpc_call(&res, cl, method, params, err);
    json_decref(params);
    if (rc != MCP_OK)
        return rc;
    rc = take_string(out, res, method, err);
    json_decref(res);
    if (rc != MCP_OK)
        chain_client_err_prefix(cl, method, err);
    return rc;
}

enum mcp_rc chain_get_chain_id(uint64_t *out, struct chain_client *cl, struct mcp_error *err)
{
    json_t *res = NULL;
    enum mcp_rc rc = chain_rpc_call(&res, cl, "eth_chainId", NULL, err);

    json_decref(res); /* a successful call means the id matched the configured one */
    *out = rc == MCP_OK ? chain_client_chain_id(cl) : 0;
    return rc;
}

enum mcp_rc chain_get_balance(struct eth_u256 *out, struct chain_client *cl,
                              const uint8_t addr[20], struct mcp_error *err)
{
    char a[43], *q = NULL;
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    addr_hex(a, addr);
    rc = call_string(&q, cl, "eth_getBalance", json_pack("[s, s]", a, "latest"), err);
    if (rc == MCP_OK) {
        rc = chain_parse_quantity(out, q, "balance", err);
        if (rc != MCP_OK)
            chain_client_err_prefix(cl, "eth_getBalance", err);
    }
    free(q);
    return rc;
}

static enum mcp_rc call_data(uint8_t **out, size_t *len, struct chain_client *cl,
                             const char *method, json_t *params, struct mcp_error *err)
{
    char *d = NULL;
    enum mcp_rc rc = call_string(&d, cl, method, params, err);

    *out = NULL;
    *len = 0;
    if (rc == MCP_OK) {
        rc = chain_parse_data(out, len, d, "result", err);
        if (rc != MCP_OK)
            chain_client_err_prefix(cl, method, err);
    }
    free(d);
    return rc;
}

enum mcp_rc chain_get_code(uint8_t **code, size_t *len, struct chain_client *cl,
                           const uint8_t addr[20], struct mcp_error *err)
{
    char a[43];

    addr_hex(a, addr);
    return call_data(code, len, cl, "eth_getCode", json_pack("[s, s]", a, "latest"), err);
}

enum mcp_rc chain_eth_call(uint8_t **ret, size_t *ret_len, struct chain_client *cl,
                           const uint8_t to[20], const uint8_t *data, size_t data_len,
                           struct mcp_error *err)
{
    char a[43], *d = eth_hex_encode_alloc(data, data_len);
    json_t *params = NULL;

    addr_hex(a, to);
    if (d != NULL)
        params = json_pack("[{s:s, s:s}, s]", "to", a, "data", d, "latest");
    free(d);
    return call_data(ret, ret_len, cl, "eth_call", params, err);
}

/* eth_call with a selector and up to two words of arguments. */
static enum mcp_rc call_selector(uint8_t **ret, size_t *ret_len, struct chain_client *cl,
                                 const uint8_t to[20], const uint8_t sel[4],
                                 const uint8_t *args, size_t args_len, struct mcp_error *err)
{
    uint8_t data[4 + 64];

    memcpy(data, sel, 4);
    if (args_len > 0)
        memcpy(data + 4, args, args_len);
    return chain_eth_call(ret, ret_len, cl, to, data, 4 + args_len, err);
}

/* Call a no-argument (or one-address) getter and decode one uint word. */
static enum mcp_rc call_uint(struct eth_u256 *out, struct chain_client *cl, const uint8_t to[20],
                             const uint8_t sel[4], const uint8_t *arg_addr, const char *fn,
                             struct mcp_error *err)
{
    uint8_t word[32] = {0}, *ret = NULL;
    char what[WHAT_MAX];
    size_t len = 0;
    enum mcp_rc rc;

    if (arg_addr != NULL)
        memcpy(word + 12, arg_addr, 20);
    rc = call_selector(&ret, &len, cl, to, sel, word, arg_addr != NULL ? 32 : 0, err);
    if (rc == MCP_OK) {
        call_what(what, sizeof what, fn, to);
        rc = chain_abi_decode_uint(out, ret, len, what, err);
        if (rc != MCP_OK)
            chain_client_err_prefix(cl, "eth_call", err);
    }
    free(ret);
    return rc;
}

enum mcp_rc chain_erc20_balance(struct eth_u256 *out, struct chain_client *cl,
                                const uint8_t token[20], const uint8_t owner[20],
                                struct mcp_error *err)
{
    return call_uint(out, cl, token, chain_sel_balance_of, owner, "balanceOf()", err);
}

/* v must be <= max; else MCP_ERPC "fn of 0x.. returned N, which is not a <type>". */
static enum mcp_rc check_range(uint64_t *out, const struct eth_u256 *v, uint64_t max,
                               const char *type, struct chain_client *cl, const char *fn,
                               const uint8_t to[20], struct mcp_error *err)
{
    char what[WHAT_MAX], dec[80];

    if (eth_u256_to_u64(out, v) && *out <= max)
        return MCP_OK;
    call_what(what, sizeof what, fn, to);
    eth_u256_to_dec(dec, sizeof dec, v);
    mcp_errf(err, MCP_ERPC, "%s returned %s, which is not a %s", what, dec, type);
    chain_client_err_prefix(cl, "eth_call", err);
    return MCP_ERPC;
}

enum mcp_rc chain_erc20_decimals(unsigned *out, struct chain_client *cl, const uint8_t token[20],
                                 struct mcp_error *err)
{
    struct eth_u256 v;
    uint64_t d = 0;
    enum mcp_rc rc = call_uint(&v, cl, token, chain_sel_decimals, NULL, "decimals()", err);

    if (rc == MCP_OK)
        rc = check_range(&d, &v, 255, "uint8", cl, "decimals()", token, err);
    *out = rc == MCP_OK ? (unsigned)d : 0;
    return rc;
}

enum mcp_rc chain_erc20_symbol(char *out, size_t out_size, struct chain_client *cl,
                               const uint8_t token[20], struct mcp_error *err)
{
    uint8_t *ret = NULL;
    char what[WHAT_MAX];
    size_t len = 0;
    enum mcp_rc rc;

    out[0] = '\0';
    if (out_size > CHAIN_SYMBOL_MAX + 1)
        out_size = CHAIN_SYMBOL_MAX + 1;
    rc = call_selector(&ret, &len, cl, token, chain_sel_symbol, NULL, 0, err);
    if (rc == MCP_OK) {
        call_what(what, sizeof what, "symbol()", token);
        rc = chain_abi_decode_string(out, out_size, ret, len, what, err);
        if (rc != MCP_OK)
            chain_client_err_prefix(cl, "eth_call", err);
    }
    free(ret);
    return rc;
}

enum mcp_rc chain_kernel_current_nonce(uint32_t *out, struct chain_client *cl,
                                       const uint8_t account[20], struct mcp_error *err)
{
    struct eth_u256 v;
    uint64_t n = 0;
    enum mcp_rc rc = call_uint(&v, cl, account, chain_sel_current_nonce, NULL, "currentNonce()",
                               err);

    if (rc == MCP_OK)
        rc = check_range(&n, &v, UINT32_MAX, "uint32", cl, "currentNonce()", account, err);
    *out = rc == MCP_OK ? (uint32_t)n : 0;
    return rc;
}

/* isValidSignature(bytes32 hash, bytes sig) call data. Returns a malloc'd buffer or NULL. */
static uint8_t *encode_is_valid(size_t *len, const uint8_t hash[32], const uint8_t *sig,
                                size_t sig_len)
{
    size_t padded = (sig_len + 31) / 32 * 32;
    uint8_t *d;

    *len = 4 + 32 * 3 + padded;
    d = calloc(1, *len);
    if (d == NULL)
        return NULL;
    memcpy(d, chain_sel_is_valid_signature, 4);
    memcpy(d + 4, hash, 32);
    d[4 + 63] = 0x40; /* offset of the bytes tail, after two head words */
    for (int i = 0; i < 8; i++)
        d[4 + 95 - i] = (uint8_t)((uint64_t)sig_len >> (8 * i));
    if (sig_len > 0)
        memcpy(d + 4 + 96, sig, sig_len);
    return d;
}

/* A bytes4 return: one word, the 4 bytes left-aligned, the rest zero. */
static enum mcp_rc decode_bytes4(uint32_t *out, const uint8_t *ret, size_t len, const char *what,
                                 struct mcp_error *err)
{
    *out = 0;
    if (len == 0)
        return no_data(what, err);
    if (len != 32 || !all_zero(ret + 4, 28))
        return mcp_errf(err, MCP_ERPC, "%s returned %zu bytes that are not an ABI bytes4", what,
                        len);
    *out = (uint32_t)ret[0] << 24 | (uint32_t)ret[1] << 16 | (uint32_t)ret[2] << 8 | ret[3];
    return MCP_OK;
}

enum mcp_rc chain_erc1271_check(int *valid, uint32_t *magic, struct chain_client *cl,
                                const uint8_t account[20], const uint8_t hash[32],
                                const uint8_t *sig, size_t sig_len, struct mcp_error *err)
{
    uint8_t *data, *ret = NULL;
    size_t data_len, len = 0;
    char what[WHAT_MAX];
    enum mcp_rc rc;

    *valid = 0;
    *magic = 0;
    data = encode_is_valid(&data_len, hash, sig, sig_len);
    if (data == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = chain_eth_call(&ret, &len, cl, account, data, data_len, err);
    free(data);
    if (rc == MCP_OK) {
        call_what(what, sizeof what, "isValidSignature()", account);
        rc = decode_bytes4(magic, ret, len, what, err);
        if (rc != MCP_OK)
            chain_client_err_prefix(cl, "eth_call", err);
    }
    free(ret);
    *valid = rc == MCP_OK && *magic == CHAIN_ERC1271_MAGIC;
    return rc;
}

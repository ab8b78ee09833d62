/* gate_price.c: swap tokens and quotes for the gate (see gate_price.h). */
#include "gate_price.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "chain_calls.h"
#include "eth_abi.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "rgy_registry.h"

/* ---- exact products (512-bit) ---- */

/* a × b into 16 little-endian 32-bit limbs (schoolbook, 64-bit accumulators). */
static void mul512(uint32_t out[16], const struct eth_u256 *a, const struct eth_u256 *b)
{
    uint32_t x[8], y[8];

    for (int i = 0; i < 4; i++) {
        x[2 * i] = (uint32_t)a->w[i];
        x[2 * i + 1] = (uint32_t)(a->w[i] >> 32);
        y[2 * i] = (uint32_t)b->w[i];
        y[2 * i + 1] = (uint32_t)(b->w[i] >> 32);
    }
    memset(out, 0, 16 * sizeof out[0]);
    for (int i = 0; i < 8; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 8; j++) {
            uint64_t t = (uint64_t)x[i] * y[j] + out[i + j] + carry;
            out[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        out[i + 8] = (uint32_t)carry;
    }
}

int gate_price_cmp_products(const struct eth_u256 *a, const struct eth_u256 *b, const struct eth_u256 *c,
                            const struct eth_u256 *d)
{
    uint32_t x[16], y[16];

    mul512(x, a, b);
    mul512(y, c, d);
    for (int i = 15; i >= 0; i--)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* ---- the RPC quoter ---- */

/* The call data of the quoter function for e. */
static enum mcp_rc quote_call(uint8_t **data, size_t *len, const struct gate_effect *e, struct mcp_error *err)
{
    char in[43], out[43], amount[80], path[2 * GATE_PATH_MAX + 3];
    const struct eth_u256 *amt = e->exact_out ? &e->min_out : &e->amount;
    json_t *args;
    enum mcp_rc rc;

    eth_addr_format(in, e->token);
    eth_addr_format(out, e->token_out);
    eth_u256_to_dec(amount, sizeof amount, amt);
    if (e->path_len > 0) {
        eth_hex_encode(path, e->path, e->path_len);
        args = json_pack("[s, s]", path, amount);
    } else {
        args = json_pack("[[s, s, s, I, s]]", in, out, amount, (json_int_t)e->fee, "0");
    }
    if (args == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = eth_abi_encode_call(data, len,
                             e->path_len > 0 ? (e->exact_out ? "quoteExactOutput(bytes,uint256)"
                                                             : "quoteExactInput(bytes,uint256)")
                                             : (e->exact_out ? "quoteExactOutputSingle((address,address,uint256,uint24,uint160))"
                                                             : "quoteExactInputSingle((address,address,uint256,uint24,uint160))"),
                             args, err);
    json_decref(args);
    return rc;
}

/* The first value of the quoter's answer, decoded strictly. */
static enum mcp_rc quote_answer(struct eth_u256 *quoted, const uint8_t *ret, size_t len, int path,
                                struct mcp_error *err)
{
    struct eth_abi_type *t = NULL;
    json_t *v = NULL;
    enum mcp_rc rc = eth_abi_params_parse(&t, path ? "(uint256,uint160[],uint32[],uint256)" : "(uint256,uint160,uint32,uint256)",
                                          err);

    if (rc == MCP_OK)
        rc = eth_abi_decode_params(&v, t, ret, len, err);
    if (rc == MCP_OK && eth_u256_from_dec(quoted, json_string_value(json_array_get(v, 0)), "quote", err) != MCP_OK)
        rc = MCP_ERPC;
    json_decref(v);
    eth_abi_type_free(t);
    if (rc != MCP_OK && rc != MCP_ENOMEM)
        return mcp_errf(err, MCP_ERPC, "the quoter's answer is not a QuoterV2 result (%.200s)", err->msg);
    return rc;
}

enum mcp_rc gate_price_rpc_quoter(void *ud, struct eth_u256 *quoted, const struct gate_effect *e, uint64_t chain_id,
                                  struct mcp_error *err)
{
    const struct skm_config *cfg = ud;
    const struct rgy *r = rgy_get(cfg, err);
    const struct rgy_chain *c = r ? rgy_chain(r, chain_id) : NULL;
    struct chain_client *cl;
    uint8_t *data = NULL, *ret = NULL;
    size_t len = 0, ret_len = 0;
    enum mcp_rc rc;

    if (r == NULL)
        return err->rc;
    if (c == NULL || !c->has_quoter)
        return mcp_errf(err, MCP_ENOTFOUND, "the registry names no Uniswap V3 QuoterV2 on %s (add chains.%llu.quoterV2 "
                        "in the config file's registry)", rgy_chain_name(r, chain_id), (unsigned long long)chain_id);
    if ((cl = app_chain(cfg, chain_id, err)) == NULL)
        return err->rc == MCP_ENOTFOUND
                   ? mcp_errf(err, MCP_ENOTFOUND, "no RPC endpoint is configured for %s (start the executor's server "
                              "with --rpc %llu=URL)", rgy_chain_name(r, chain_id), (unsigned long long)chain_id)
                   : err->rc;
    if ((rc = quote_call(&data, &len, e, err)) == MCP_OK && (rc = chain_eth_call(&ret, &ret_len, cl, c->quoter, data, len, err)) == MCP_OK)
        rc = quote_answer(quoted, ret, ret_len, e->path_len > 0, err);
    free(data);
    free(ret);
    return rc;
}

/* ---- annotation ---- */

/* The first token of the swap the registry does not know, if any. */
static void check_hops(struct gate_effect *e, const struct rgy *r, uint64_t chain)
{
    if (e->path_len == 0) {
        const uint8_t *ends[2] = {e->token, e->token_out};
        for (int i = 0; i < 2; i++)
            if (r == NULL || rgy_token(r, chain, ends[i]) == NULL) {
                e->hop_unknown = 1;
                memcpy(e->hop_token, ends[i], 20);
                return;
            }
        return;
    }
    for (size_t off = 0; off + 20 <= e->path_len; off += 23)
        if (r == NULL || rgy_token(r, chain, e->path + off) == NULL) {
            e->hop_unknown = 1;
            memcpy(e->hop_token, e->path + off, 20);
            return;
        }
}

void gate_price_annotate(struct gate_effects *fx, const struct policy *p, const struct skm_config *cfg,
                         const struct gate_quoter *q)
{
    struct mcp_error err = {MCP_OK, ""};
    const struct rgy *r = rgy_get(cfg, &err);

    for (size_t i = 0; i < fx->n; i++) {
        struct gate_effect *e = &fx->e[i];
        if (e->kind != GATE_KIND_SWAP)
            continue;
        check_hops(e, r, p->chain_id);
        mcp_err_clear(&err);
        if (e->hop_unknown)
            continue; /* refused for its token (PATH_TOKEN_UNKNOWN): no quote needed */
        if (q == NULL || q->fn == NULL) {
            e->quote_state = GATE_QUOTE_UNAVAILABLE;
            snprintf(e->quote_why, sizeof e->quote_why, "no price source is configured");
        } else if (q->fn(q->ud, &e->quoted, e, p->chain_id, &err) != MCP_OK) {
            e->quote_state = GATE_QUOTE_UNAVAILABLE;
            snprintf(e->quote_why, sizeof e->quote_why, "%s", err.msg[0] ? err.msg : "the quote failed");
        } else {
            e->quote_state = GATE_QUOTE_OK;
        }
    }
}

/* run_chain.c: chain reads and bundler calls for the executor (see run_chain.h). */
#include "run_chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chain_calls.h"
#include "eth_hex.h"
#include "eth_keccak.h"

static void selector(uint8_t out[4], const char *signature)
{
    uint8_t h[32];

    eth_keccak256(h, signature, strlen(signature));
    memcpy(out, h, 4);
}

static void word_addr(uint8_t w[32], const uint8_t a[20])
{
    memset(w, 0, 12);
    memcpy(w + 12, a, 20);
}

/* eth_call with a selector and n words; the first 32 bytes of the answer as a uint. */
static enum mcp_rc call_words(struct eth_u256 *out, uint8_t **ret, size_t *ret_len, struct chain_client *cl,
                              const uint8_t to[20], const char *sig, const uint8_t (*words)[32], size_t n,
                              const char *what, struct mcp_error *err)
{
    uint8_t data[4 + 32 * 6];
    uint8_t *r = NULL;
    size_t len = 0;
    enum mcp_rc rc;

    selector(data, sig);
    for (size_t i = 0; i < n; i++)
        memcpy(data + 4 + 32 * i, words[i], 32);
    if ((rc = chain_eth_call(&r, &len, cl, to, data, 4 + 32 * n, err)) != MCP_OK)
        return rc;
    /* the first word (some functions return several) */
    rc = chain_abi_decode_uint(out, r, len < 32 ? len : 32, what, err);
    if (ret != NULL && rc == MCP_OK) {
        *ret = r;
        *ret_len = len;
    } else {
        free(r);
    }
    return rc;
}

enum mcp_rc run_chain_nonce(struct eth_u256 *out, struct chain_client *cl, const uint8_t sender[20],
                            const uint8_t key[24], struct mcp_error *err)
{
    static const uint8_t ep[20] = {0x00, 0x00, 0x00, 0x00, 0x71, 0x72, 0x7d, 0xe2, 0x2e, 0x5e,
                                   0x9d, 0x8b, 0xaf, 0x0e, 0xda, 0xc6, 0xf3, 0x7d, 0xa0, 0x32};
    uint8_t w[2][32];

    word_addr(w[0], sender);
    memset(w[1], 0, 8);
    memcpy(w[1] + 8, key, 24);
    return call_words(out, NULL, NULL, cl, ep, "getNonce(address,uint192)", (const uint8_t (*)[32])w, 2,
                      "EntryPoint.getNonce", err);
}

enum mcp_rc run_chain_deployed(int *deployed, struct chain_client *cl, const uint8_t account[20], struct mcp_error *err)
{
    uint8_t *code = NULL;
    size_t len = 0;
    enum mcp_rc rc = chain_get_code(&code, &len, cl, account, err);

    *deployed = rc == MCP_OK && len > 0;
    free(code);
    return rc;
}

enum mcp_rc run_chain_permission_installed(int *installed, struct chain_client *cl, const uint8_t account[20],
                                           const uint8_t validation_id[21], struct mcp_error *err)
{
    uint8_t w[1][32], *ret = NULL;
    struct eth_u256 nonce;
    size_t len = 0;
    enum mcp_rc rc;

    *installed = 0;
    memset(w[0], 0, 32);
    memcpy(w[0], validation_id, 21);
    rc = call_words(&nonce, &ret, &len, cl, account, "validationConfig(bytes21)", (const uint8_t (*)[32])w, 1,
                    "Kernel validationConfig", err);
    if (rc != MCP_OK)
        return rc;
    /* (uint32 nonce, address hook): installed when the hook is set (address(1) = none) */
    if (len >= 64)
        for (int i = 32; i < 64; i++)
            if (ret[i] != 0)
                *installed = 1;
    free(ret);
    return MCP_OK;
}

enum mcp_rc run_chain_quote(struct eth_u256 *out, struct chain_client *cl, const uint8_t quoter[20],
                            const uint8_t token_in[20], const uint8_t token_out[20], const struct eth_u256 *amount_in,
                            uint32_t fee, struct mcp_error *err)
{
    uint8_t w[5][32];

    word_addr(w[0], token_in);
    word_addr(w[1], token_out);
    eth_u256_to_be(w[2], amount_in);
    memset(w[3], 0, 32);
    w[3][29] = (uint8_t)(fee >> 16);
    w[3][30] = (uint8_t)(fee >> 8);
    w[3][31] = (uint8_t)fee;
    memset(w[4], 0, 32);
    return call_words(out, NULL, NULL, cl, quoter, "quoteExactInputSingle((address,address,uint256,uint24,uint160))",
                      (const uint8_t (*)[32])w, 5, "QuoterV2.quoteExactInputSingle", err);
}

enum mcp_rc run_chain_allowance(struct eth_u256 *out, struct chain_client *cl, const uint8_t token[20],
                                const uint8_t owner[20], const uint8_t spender[20], struct mcp_error *err)
{
    uint8_t w[2][32];

    word_addr(w[0], owner);
    word_addr(w[1], spender);
    return call_words(out, NULL, NULL, cl, token, "allowance(address,address)", (const uint8_t (*)[32])w, 2,
                      "ERC-20 allowance", err);
}

static enum mcp_rc quantity_of(struct eth_u256 *out, const json_t *obj, const char *key, const char *what,
                               struct mcp_error *err)
{
    const char *s = json_string_value(json_object_get(obj, key));

    if (s == NULL)
        return mcp_errf(err, MCP_ERPC, "%s: no %s in the answer", what, key);
    return chain_parse_quantity(out, s, key, err);
}

enum mcp_rc run_chain_fees(struct eth_u256 *max_fee, struct eth_u256 *max_priority, struct chain_client *rpc,
                           struct chain_client *bundler, struct mcp_error *err)
{
    json_t *r = NULL;
    struct eth_u256 price, tip;
    enum mcp_rc rc;

    if (chain_rpc_call(&r, bundler, "pimlico_getUserOperationGasPrice", NULL, err) == MCP_OK) {
        json_t *fast = json_object_get(r, "fast");

        rc = quantity_of(max_fee, fast, "maxFeePerGas", "pimlico_getUserOperationGasPrice", err);
        if (rc == MCP_OK)
            rc = quantity_of(max_priority, fast, "maxPriorityFeePerGas", "pimlico_getUserOperationGasPrice", err);
        json_decref(r);
        if (rc == MCP_OK)
            return MCP_OK;
    } else if (err->rc == MCP_EHTTP) {
        return err->rc; /* the bundler is unreachable: say so, not that the chain has no fee */
    }
    mcp_err_clear(err);
    if ((rc = chain_rpc_call(&r, rpc, "eth_gasPrice", NULL, err)) != MCP_OK)
        return rc;
    rc = chain_parse_quantity(&price, json_string_value(r) ? json_string_value(r) : "", "eth_gasPrice", err);
    json_decref(r);
    if (rc != MCP_OK)
        return rc;
    if (chain_rpc_call(&r, rpc, "eth_maxPriorityFeePerGas", NULL, err) == MCP_OK &&
        json_string_value(r) != NULL && chain_parse_quantity(&tip, json_string_value(r), "tip", err) == MCP_OK) {
        json_decref(r);
    } else {
        json_decref(r);
        mcp_err_clear(err);
        tip = price;
    }
    if (eth_u256_mul_u64(max_fee, &price, 2) != 0 || eth_u256_add(max_fee, max_fee, &tip) != 0)
        return mcp_errf(err, MCP_ERPC, "the chain's gas price is out of range");
    *max_priority = tip;
    return MCP_OK;
}

static json_t *op_params(const struct run_user_op *op)
{
    json_t *o = run_user_op_json(op);

    return o ? json_pack("[o, s]", o, RUN_ENTRY_POINT) : NULL;
}

enum mcp_rc run_bundler_estimate(struct run_user_op *op, struct chain_client *bundler, struct mcp_error *err)
{
    json_t *params = op_params(op), *r = NULL;
    static const char what[] = "eth_estimateUserOperationGas";
    enum mcp_rc rc;

    if (params == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = chain_rpc_call(&r, bundler, what, params, err);
    json_decref(params);
    if (rc != MCP_OK)
        return rc;
    if ((rc = quantity_of(&op->call_gas, r, "callGasLimit", what, err)) == MCP_OK &&
        (rc = quantity_of(&op->verification_gas, r, "verificationGasLimit", what, err)) == MCP_OK)
        rc = quantity_of(&op->pre_verification_gas, r, "preVerificationGas", what, err);
    if (rc == MCP_OK && op->paymaster != NULL) {
        if (json_object_get(r, "paymasterVerificationGasLimit") != NULL)
            rc = quantity_of(&op->pm_verification_gas, r, "paymasterVerificationGasLimit", what, err);
        if (rc == MCP_OK && json_object_get(r, "paymasterPostOpGasLimit") != NULL)
            rc = quantity_of(&op->pm_post_op_gas, r, "paymasterPostOpGasLimit", what, err);
    }
    json_decref(r);
    return rc;
}

enum mcp_rc run_bundler_send(char hash[67], struct chain_client *bundler, const struct run_user_op *op,
                             struct mcp_error *err)
{
    json_t *params = op_params(op), *r = NULL;
    const char *s;
    enum mcp_rc rc;

    hash[0] = '\0';
    if (params == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = chain_rpc_call(&r, bundler, "eth_sendUserOperation", params, err);
    json_decref(params);
    if (rc != MCP_OK)
        return rc;
    s = json_string_value(r);
    if (s == NULL || !zd_hex_valid(s, 32))
        rc = mcp_errf(err, MCP_ERPC, "eth_sendUserOperation: the bundler did not answer a user operation hash");
    else
        snprintf(hash, 67, "%s", s);
    json_decref(r);
    return rc;
}

enum mcp_rc run_bundler_receipt(json_t **receipt, struct chain_client *bundler, const char *hash,
                                struct mcp_error *err)
{
    json_t *params = json_pack("[s]", hash), *r = NULL;
    enum mcp_rc rc;

    *receipt = NULL;
    if (params == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = chain_rpc_call(&r, bundler, "eth_getUserOperationReceipt", params, err);
    json_decref(params);
    if (rc != MCP_OK)
        return rc;
    if (json_is_object(r))
        *receipt = r;
    else
        json_decref(r);
    return MCP_OK;
}

/* Error(string) revert data to words; anything else is shown shortened. */
static void revert_words(char *out, size_t size, const char *hex)
{
    uint8_t *b = NULL;
    size_t n = 0;

    snprintf(out, size, "the operation reverted");
    if (hex == NULL || eth_hex_decode_alloc(&b, &n, hex, "reason", NULL) != MCP_OK)
        return;
    if (n >= 68 && b[0] == 0x08 && b[1] == 0xc3 && b[2] == 0x79 && b[3] == 0xa0) {
        struct eth_u256 len;
        uint64_t l = 0;

        eth_u256_from_be(&len, b + 36);
        if (eth_u256_to_u64(&l, &len) == 0 && l <= n - 68 && chain_text_is_clean(b + 68, (size_t)l))
            snprintf(out, size, "the operation reverted: %.*s", (int)(l > 200 ? 200 : l), (const char *)(b + 68));
    } else if (n > 0) {
        snprintf(out, size, "the operation reverted (data %.74s)", hex);
    }
    free(b);
}

void run_receipt_read(const json_t *receipt, const uint8_t token[20], const uint8_t wallet[20], int *success,
                      char tx_hash[67], struct eth_u256 *amount_out, char *reason, size_t reason_size)
{
    static const char transfer_topic[] = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
    const json_t *rc = json_object_get(receipt, "receipt"), *logs, *log;
    const char *tx = json_string_value(json_object_get(rc, "transactionHash"));
    char want_token[43], want_to[67];
    size_t i;

    *success = json_is_true(json_object_get(receipt, "success"));
    snprintf(tx_hash, 67, "%s", tx && zd_hex_valid(tx, 32) ? tx : "");
    memset(amount_out, 0, sizeof *amount_out);
    reason[0] = '\0';
    if (!*success)
        revert_words(reason, reason_size, json_string_value(json_object_get(receipt, "reason")));
    char wal[43];

    eth_hex_encode(wal, wallet, 20);
    eth_hex_encode(want_token, token, 20);
    snprintf(want_to, sizeof want_to, "0x000000000000000000000000%s", wal + 2);
    logs = json_object_get(receipt, "logs");
    if (!json_is_array(logs))
        logs = json_object_get(rc, "logs");
    json_array_foreach(logs, i, log) {
        const char *addr = json_string_value(json_object_get(log, "address"));
        const json_t *topics = json_object_get(log, "topics");
        const char *t0 = json_string_value(json_array_get(topics, 0)), *t2 = json_string_value(json_array_get(topics, 2));
        const char *data = json_string_value(json_object_get(log, "data"));
        uint8_t w[32];
        struct eth_u256 v;

        if (addr == NULL || t0 == NULL || t2 == NULL || data == NULL || strcasecmp(addr, want_token) != 0 ||
            strcasecmp(t0, transfer_topic) != 0 || strcasecmp(t2, want_to) != 0 || strlen(data) != 66 ||
            eth_hex_decode(w, 32, data, "data", NULL) != MCP_OK)
            continue;
        eth_u256_from_be(&v, w);
        eth_u256_add(amount_out, amount_out, &v);
    }
}

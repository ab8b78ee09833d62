/* run_userop.c: call data, nonce key, enable-mode signature, user operation JSON
 * (see run_userop.h). */
#include "run_userop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_hex.h"

const char run_dummy_session_sig[] =
    "0xff"
    "fffffffffffffffffffffffffffffff000000000000000000000000000000007"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "1c";

static void add_addr_word(struct zd_hex *h, const uint8_t a[20])
{
    zd_hex_add_zeros(h, 12);
    zd_hex_add_bytes(h, a, 20);
}

static void add_u256(struct zd_hex *h, const struct eth_u256 *v)
{
    uint8_t be[32];

    eth_u256_to_be(be, v);
    zd_hex_add_bytes(h, be, 32);
}

void run_swap_calldata(struct zd_hex *out, const uint8_t token_in[20], const uint8_t token_out[20], uint32_t fee,
                       const uint8_t recipient[20], const struct eth_u256 *amount_in, const struct eth_u256 *min_out)
{
    zd_hex_add_text(out, "04e45aaf");
    add_addr_word(out, token_in);
    add_addr_word(out, token_out);
    zd_hex_add_word(out, fee);
    add_addr_word(out, recipient);
    add_u256(out, amount_in);
    add_u256(out, min_out);
    zd_hex_add_word(out, 0);
}

void run_approve_calldata(struct zd_hex *out, const uint8_t spender[20], const struct eth_u256 *amount)
{
    zd_hex_add_text(out, "095ea7b3");
    add_addr_word(out, spender);
    add_u256(out, amount);
}

/* abi.encode((address,uint256,bytes)[]) */
static void add_executions(struct zd_hex *h, const struct run_call *calls, size_t n)
{
    size_t off = 32 * n;

    zd_hex_add_word(h, 32);
    zd_hex_add_word(h, n);
    for (size_t i = 0; i < n; i++) {
        size_t len = zd_hex_nbytes(&calls[i].data);

        zd_hex_add_word(h, off);
        off += 32 * 4 + (len + 31) / 32 * 32; /* target, value, offset, length, data */
    }
    for (size_t i = 0; i < n; i++) {
        add_addr_word(h, calls[i].target);
        add_u256(h, &calls[i].value);
        zd_hex_add_word(h, 96);
        zd_hex_add_word(h, zd_hex_nbytes(&calls[i].data));
        zd_hex_add_padded(h, zd_hex_str(&calls[i].data));
    }
}

void run_kernel_execute(struct zd_hex *out, const struct run_call *calls, size_t n)
{
    struct zd_hex exec;

    zd_hex_init(&exec);
    if (n == 1) {
        uint8_t be[32];

        zd_hex_add_bytes(&exec, calls[0].target, 20);
        eth_u256_to_be(be, &calls[0].value);
        zd_hex_add_bytes(&exec, be, 32);
        zd_hex_add_hex(&exec, &calls[0].data);
    } else {
        add_executions(&exec, calls, n);
    }
    zd_hex_add_text(out, "e9ae5c53");
    zd_hex_add_text(out, n == 1 ? "00" : "01");
    zd_hex_add_zeros(out, 31);
    zd_hex_add_word(out, 64);
    zd_hex_add_word(out, zd_hex_nbytes(&exec));
    zd_hex_add_padded(out, zd_hex_str(&exec));
    if (exec.failed)
        out->failed = exec.failed;
    zd_hex_free(&exec);
}

void run_nonce_key(uint8_t key[24], int enable_mode, const uint8_t permission_id[4], uint16_t custom)
{
    memset(key, 0, 24);
    key[0] = enable_mode ? 0x01 : 0x00;
    key[1] = 0x02;
    memcpy(key + 2, permission_id, 4);
    key[22] = (uint8_t)(custom >> 8);
    key[23] = (uint8_t)custom;
}

/* one dynamic `bytes` tail: length | data padded */
static void add_tail(struct zd_hex *h, const char *hex)
{
    size_t n = (strlen(hex) - 2) / 2;

    zd_hex_add_word(h, n);
    zd_hex_add_padded(h, hex);
}

static size_t tail_size(const char *hex)
{
    size_t n = (strlen(hex) - 2) / 2;

    return 32 + (n + 31) / 32 * 32;
}

void run_enable_signature(struct zd_hex *out, const char *validator_data, const char *selector_data,
                          const char *enable_sig, const char *user_op_sig)
{
    const char *parts[5] = {validator_data, "0x", selector_data, enable_sig, user_op_sig};
    size_t off = 32 * 5;

    zd_hex_add_zeros(out, 20); /* hook: none */
    for (int i = 0; i < 5; i++) {
        zd_hex_add_word(out, off);
        off += tail_size(parts[i]);
    }
    for (int i = 0; i < 5; i++)
        add_tail(out, parts[i]);
}

void run_quantity(char *out, const struct eth_u256 *v)
{
    uint8_t be[32];
    char hex[67];
    int i = 2;

    eth_u256_to_be(be, v);
    eth_hex_encode(hex, be, 32);
    while (i < 65 && hex[i] == '0')
        i++;
    snprintf(out, 67, "0x%s", hex + i);
}

void run_user_op_free(struct run_user_op *op)
{
    free(op->factory);
    free(op->factory_data);
    free(op->call_data);
    free(op->paymaster);
    free(op->paymaster_data);
    free(op->signature);
    memset(op, 0, sizeof *op);
}

static int set_q(json_t *o, const char *key, const struct eth_u256 *v)
{
    char q[67];

    run_quantity(q, v);
    return json_object_set_new(o, key, json_string(q));
}

json_t *run_user_op_json(const struct run_user_op *op)
{
    json_t *o = json_object();
    char sender[43];
    int bad = o == NULL;

    if (bad)
        return NULL;
    eth_hex_encode(sender, op->sender, 20);
    bad |= json_object_set_new(o, "sender", json_string(sender));
    bad |= set_q(o, "nonce", &op->nonce);
    if (op->factory != NULL) {
        bad |= json_object_set_new(o, "factory", json_string(op->factory));
        bad |= json_object_set_new(o, "factoryData", json_string(op->factory_data ? op->factory_data : "0x"));
    }
    bad |= json_object_set_new(o, "callData", json_string(op->call_data ? op->call_data : "0x"));
    bad |= set_q(o, "callGasLimit", &op->call_gas);
    bad |= set_q(o, "verificationGasLimit", &op->verification_gas);
    bad |= set_q(o, "preVerificationGas", &op->pre_verification_gas);
    bad |= set_q(o, "maxFeePerGas", &op->max_fee);
    bad |= set_q(o, "maxPriorityFeePerGas", &op->max_priority_fee);
    if (op->paymaster != NULL) {
        bad |= json_object_set_new(o, "paymaster", json_string(op->paymaster));
        bad |= set_q(o, "paymasterVerificationGasLimit", &op->pm_verification_gas);
        bad |= set_q(o, "paymasterPostOpGasLimit", &op->pm_post_op_gas);
        bad |= json_object_set_new(o, "paymasterData", json_string(op->paymaster_data ? op->paymaster_data : "0x"));
    }
    bad |= json_object_set_new(o, "signature", json_string(op->signature ? op->signature : "0x"));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

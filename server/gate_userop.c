/* gate_userop.c: read an ERC-4337 v0.7 user operation and compute its hash (see gate_userop.h). */
#include "gate_userop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_keccak.h"

static const uint8_t entry_point_v07[20] = {0x00, 0x00, 0x00, 0x00, 0x71, 0x72, 0x7d, 0xe2, 0x2e, 0x5e,
                                            0x9d, 0x8b, 0xaf, 0x0e, 0xda, 0xc6, 0xf3, 0x7d, 0xa0, 0x32};

/* "0x" + 1..64 hex digits (a JSON-RPC quantity) into a 256-bit value. */
static int parse_hex_quantity(struct eth_u256 *out, const char *s)
{
    uint8_t be[32] = {0};
    size_t n = strlen(s + 2);

    if (n == 0 || n > 64)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = eth_hex_digit(s[2 + n - 1 - i]);
        if (v < 0)
            return -1;
        be[31 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
    }
    eth_u256_from_be(out, be);
    return 0;
}

/* A quantity field: "0x" hex, a decimal string, or a non-negative JSON integer; at most
 * max_bits bits. A missing optional field is 0. */
static enum mcp_rc quantity(struct eth_u256 *out, json_t *j, const char *key, int required, unsigned max_bits,
                            struct mcp_error *err)
{
    json_t *v = json_object_get(j, key);
    const char *s = json_string_value(v);
    int bad;

    memset(out, 0, sizeof *out);
    if (v == NULL)
        return required ? mcp_errf(err, MCP_EINVAL, "userOp.%s is required", key) : MCP_OK;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        eth_u256_from_u64(out, (uint64_t)json_integer_value(v));
        bad = 0;
    } else if (s != NULL && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        bad = parse_hex_quantity(out, s);
    } else {
        bad = s == NULL || eth_u256_from_dec(out, s, key, NULL) != MCP_OK;
    }
    if (bad)
        return mcp_errf(err, MCP_EINVAL, "userOp.%s: expected a quantity (\"0x\" hex, or a decimal string)", key);
    for (unsigned bit = max_bits; bit < 256; bit++)
        if (out->w[bit / 64] >> (bit % 64) & 1)
            return mcp_errf(err, MCP_EINVAL, "userOp.%s: larger than %u bits", key, max_bits);
    return MCP_OK;
}

static enum mcp_rc address(uint8_t out[20], int *present, json_t *j, const char *key, struct mcp_error *err)
{
    const char *s = json_string_value(json_object_get(j, key));
    char what[48];

    *present = s != NULL;
    memset(out, 0, 20);
    snprintf(what, sizeof what, "userOp.%s", key);
    if (s == NULL)
        return MCP_OK;
    return eth_addr_parse(out, s, what, err) == MCP_OK ? MCP_OK : MCP_EINVAL;
}

static enum mcp_rc bytes(uint8_t **out, size_t *len, json_t *j, const char *key, struct mcp_error *err)
{
    const char *s = json_string_value(json_object_get(j, key));
    char what[48];

    snprintf(what, sizeof what, "userOp.%s", key);
    return eth_hex_decode_alloc(out, len, s ? s : "0x", what, err);
}

/* prefix (20) || words || tail into a new buffer. */
static enum mcp_rc concat(uint8_t **out, size_t *len, const uint8_t prefix[20], const uint8_t *mid, size_t mid_len,
                          const uint8_t *tail, size_t tail_len, struct mcp_error *err)
{
    *len = 20 + mid_len + tail_len;
    *out = malloc(*len);
    if (*out == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    memcpy(*out, prefix, 20);
    if (mid_len)
        memcpy(*out + 20, mid, mid_len);
    if (tail_len)
        memcpy(*out + 20 + mid_len, tail, tail_len);
    return MCP_OK;
}

static enum mcp_rc init_code(struct gate_user_op *op, json_t *j, struct mcp_error *err)
{
    static const uint8_t eip7702[20] = {0x77, 0x02};
    uint8_t factory[20], *data = NULL;
    size_t len = 0;
    int present;
    enum mcp_rc rc;

    if (address(factory, &present, j, "factory", err) != MCP_OK)
        return MCP_EINVAL;
    if (!present)
        return json_object_get(j, "factoryData") ? mcp_errf(err, MCP_EINVAL, "userOp.factoryData without factory")
                                                  : MCP_OK;
    if (memcmp(factory, eip7702, 20) == 0)
        return mcp_errf(err, MCP_EINVAL, "userOp.factory: EIP-7702 operations are not supported");
    if ((rc = bytes(&data, &len, j, "factoryData", err)) == MCP_OK)
        rc = concat(&op->init_code, &op->init_code_len, factory, data, len, NULL, 0, err);
    free(data);
    return rc;
}

static enum mcp_rc paymaster(struct gate_user_op *op, json_t *j, struct mcp_error *err)
{
    uint8_t pm[20], gas[32], *data = NULL;
    struct eth_u256 vgl, pgl;
    uint8_t w[32];
    size_t len = 0;
    int present;
    enum mcp_rc rc;

    if (address(pm, &present, j, "paymaster", err) != MCP_OK)
        return MCP_EINVAL;
    if (!present)
        return MCP_OK;
    if ((rc = quantity(&vgl, j, "paymasterVerificationGasLimit", 0, 128, err)) != MCP_OK ||
        (rc = quantity(&pgl, j, "paymasterPostOpGasLimit", 0, 128, err)) != MCP_OK ||
        (rc = bytes(&data, &len, j, "paymasterData", err)) != MCP_OK)
        return rc;
    eth_u256_to_be(w, &vgl);
    memcpy(gas, w + 16, 16);
    eth_u256_to_be(w, &pgl);
    memcpy(gas + 16, w + 16, 16);
    rc = concat(&op->paymaster_and_data, &op->paymaster_and_data_len, pm, gas, 32, data, len, err);
    free(data);
    return rc;
}

enum mcp_rc gate_userop_parse(struct gate_user_op *op, json_t *j, struct mcp_error *err)
{
    int present;
    enum mcp_rc rc;

    memset(op, 0, sizeof *op);
    if (!json_is_object(j))
        return mcp_errf(err, MCP_EINVAL, "userOp must be an object");
    if (address(op->sender, &present, j, "sender", err) != MCP_OK)
        return MCP_EINVAL;
    if (!present)
        return mcp_errf(err, MCP_EINVAL, "userOp.sender is required");
    if ((rc = quantity(&op->nonce, j, "nonce", 1, 256, err)) != MCP_OK ||
        (rc = quantity(&op->call_gas, j, "callGasLimit", 1, 128, err)) != MCP_OK ||
        (rc = quantity(&op->verification_gas, j, "verificationGasLimit", 1, 128, err)) != MCP_OK ||
        (rc = quantity(&op->pre_verification_gas, j, "preVerificationGas", 1, 256, err)) != MCP_OK ||
        (rc = quantity(&op->max_fee, j, "maxFeePerGas", 1, 128, err)) != MCP_OK ||
        (rc = quantity(&op->max_priority_fee, j, "maxPriorityFeePerGas", 1, 128, err)) != MCP_OK)
        return rc;
    if (json_object_get(j, "callData") == NULL)
        return mcp_errf(err, MCP_EINVAL, "userOp.callData is required");
    if ((rc = bytes(&op->call_data, &op->call_data_len, j, "callData", err)) != MCP_OK ||
        (rc = init_code(op, j, err)) != MCP_OK || (rc = paymaster(op, j, err)) != MCP_OK)
        return rc;
    return MCP_OK;
}

void gate_userop_free(struct gate_user_op *op)
{
    free(op->init_code);
    free(op->call_data);
    free(op->paymaster_and_data);
    op->init_code = op->call_data = op->paymaster_and_data = NULL;
}

/* Two uint128 values packed into one word: hi << 128 | lo. */
static void pack128(uint8_t out[32], const struct eth_u256 *hi, const struct eth_u256 *lo)
{
    uint8_t w[32];

    eth_u256_to_be(w, hi);
    memcpy(out, w + 16, 16);
    eth_u256_to_be(w, lo);
    memcpy(out + 16, w + 16, 16);
}

void gate_userop_hash(uint8_t out[32], const struct gate_user_op *op, uint64_t chain_id)
{
    static const uint8_t empty[1] = {0};
    uint8_t packed[8 * 32], outer[3 * 32];

    memset(packed, 0, sizeof packed);
    memcpy(packed + 12, op->sender, 20);
    eth_u256_to_be(packed + 32, &op->nonce);
    eth_keccak256(packed + 64, op->init_code ? op->init_code : empty, op->init_code_len);
    eth_keccak256(packed + 96, op->call_data ? op->call_data : empty, op->call_data_len);
    pack128(packed + 128, &op->verification_gas, &op->call_gas);
    eth_u256_to_be(packed + 160, &op->pre_verification_gas);
    pack128(packed + 192, &op->max_priority_fee, &op->max_fee);
    eth_keccak256(packed + 224, op->paymaster_and_data ? op->paymaster_and_data : empty, op->paymaster_and_data_len);
    memset(outer, 0, sizeof outer);
    eth_keccak256(outer, packed, sizeof packed);
    memcpy(outer + 44, entry_point_v07, 20);
    for (int i = 0; i < 8; i++)
        outer[95 - i] = (uint8_t)(chain_id >> (8 * i));
    eth_keccak256(out, outer, sizeof outer);
}

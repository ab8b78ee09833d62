/* test_gate_decode.c: call data -> effects (server/gate_decode.c): Uniswap V3 swaps of both
 * routers, router multicall, ERC-20 / Permit2 calls, Kernel v3 execute modes, and what cannot
 * be read (short, dirty or unknown data). Vectors are encoded with our ABI encoder, which is
 * checked against viem in test_eth_abi.c; selectors are compared with published values. */
#include <stdio.h>
#include <string.h>

#include "eth_abi.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "gate_decode.h"
#include "gate_fixture.h"
#include "gate_userop.h"
#include "test.h"

static struct gate_effects g_fx;

static const struct gate_effects *decode1(const char *target, const uint8_t *data, size_t len)
{
    struct gate_call c = gfx_gate_call(target, data, len, "0");
    struct mcp_error err;

    if (gate_decode(&g_fx, &c, 1, &err) != MCP_OK) {
        test_fail(__FILE__, __LINE__, "gate_decode: %s", err.msg);
        g_fx.n = 0;
    }
    return &g_fx;
}

static int addr_eq(const uint8_t a[20], const char *s)
{
    uint8_t b[20];

    return eth_addr_parse(b, s, "a", NULL) == MCP_OK && memcmp(a, b, 20) == 0;
}

static const char *dec(const struct eth_u256 *v)
{
    static char out[4][80];
    static int k;
    char *o = out[k++ % 4];

    eth_u256_to_dec(o, 80, v);
    return o;
}

static const struct gate_effects *decode_sig(const char *target, const char *sig, const char *args)
{
    size_t len = 0;
    const uint8_t *d = gfx_call(&len, sig, args);

    return d ? decode1(target, d, len) : &g_fx;
}

#define SR02_IN "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"
#define SR02_OUT "exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))"

TEST(gate_decode_router02_exact_input_single)
{
    const struct gate_effects *fx = decode_sig(GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "50000000", "1234"));

    CHECK_EQ_INT(fx->n, 1);
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_SWAP);
    CHECK_STR(fx->e[0].name, "exactInputSingle");
    CHECK_HEX(fx->e[0].selector, 4, "04e45aaf");
    CHECK(addr_eq(fx->e[0].token, GFX_USDC));
    CHECK(addr_eq(fx->e[0].token_out, GFX_WETH));
    CHECK(addr_eq(fx->e[0].recipient, GFX_WALLET));
    CHECK_STR(dec(&fx->e[0].amount), "50000000");
    CHECK_STR(dec(&fx->e[0].min_out), "1234");
    CHECK(!fx->e[0].exact_out && !fx->e[0].unmeasured && !fx->e[0].recipient_is_sender);
}

TEST(gate_decode_router02_exact_output_counts_the_maximum_in)
{
    /* exactOutputSingle(tokenIn, tokenOut, fee, recipient, amountOut, amountInMaximum, limit) */
    const struct gate_effects *fx = decode_sig(GFX_ROUTER, SR02_OUT, gfx_swap_args(GFX_WALLET, "777", "40000000"));

    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_SWAP);
    CHECK_HEX(fx->e[0].selector, 4, "5023b4df");
    CHECK(fx->e[0].exact_out);
    CHECK_STR(dec(&fx->e[0].amount), "40000000");
    CHECK_STR(dec(&fx->e[0].min_out), "777");
}

TEST(gate_decode_router02_amount_in_zero_is_the_router_balance)
{
    const struct gate_effects *fx = decode_sig(GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "0", "1"));

    CHECK(fx->e[0].unmeasured);
}

TEST(gate_decode_router02_msg_sender_recipient)
{
    const struct gate_effects *fx =
        decode_sig(GFX_ROUTER, SR02_IN, gfx_swap_args("0x0000000000000000000000000000000000000001", "5", "1"));

    CHECK(fx->e[0].recipient_is_sender);
    fx = decode_sig(GFX_ROUTER, SR02_IN, gfx_swap_args("0x0000000000000000000000000000000000000002", "5", "1"));
    CHECK(!fx->e[0].recipient_is_sender); /* ADDRESS_THIS: the router keeps the output */
}

TEST(gate_decode_paths_forward_and_backward)
{
    char args[512];
    /* USDC (fee 500) WETH */
    const char *path = "0x833589fcd6edb6e08f4c7c32d4f71b54bda029130001f44200000000000000000000000000000000000006";

    snprintf(args, sizeof args, "[[\"%s\", \"%s\", \"100\", \"7\"]]", path, GFX_WALLET);
    const struct gate_effects *fx = decode_sig(GFX_ROUTER, "exactInput((bytes,address,uint256,uint256))", args);
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_SWAP);
    CHECK_HEX(fx->e[0].selector, 4, "b858183f");
    CHECK(addr_eq(fx->e[0].token, GFX_USDC));
    CHECK(addr_eq(fx->e[0].token_out, GFX_WETH));
    CHECK_STR(dec(&fx->e[0].amount), "100");
    fx = decode_sig(GFX_ROUTER, "exactOutput((bytes,address,uint256,uint256))", args);
    CHECK(addr_eq(fx->e[0].token, GFX_WETH)); /* exact output paths start at the output token */
    CHECK(addr_eq(fx->e[0].token_out, GFX_USDC));
    CHECK_STR(dec(&fx->e[0].amount), "7");
    CHECK_STR(dec(&fx->e[0].min_out), "100");
    snprintf(args, sizeof args, "[[\"0x833589fcd6edb6e08f4c7c32d4f71b54bda02913\", \"%s\", \"100\", \"7\"]]",
             GFX_WALLET);
    fx = decode_sig(GFX_ROUTER, "exactInput((bytes,address,uint256,uint256))", args);
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_MALFORMED);
    CHECK_CONTAINS(fx->e[0].why, "path");
}

TEST(gate_decode_router_v1_layout_with_deadline)
{
    char args[512];

    snprintf(args, sizeof args, "[[\"%s\", \"%s\", 3000, \"%s\", \"1999999999\", \"42\", \"9\", 0]]", GFX_USDC,
             GFX_WETH, GFX_WALLET);
    const struct gate_effects *fx = decode_sig(
        "0xE592427A0AEce92De3Edee1F18E0157C05861564",
        "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))", args);
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_SWAP);
    CHECK_HEX(fx->e[0].selector, 4, "414bf389");
    CHECK_STR(dec(&fx->e[0].amount), "42");
    CHECK_STR(dec(&fx->e[0].min_out), "9");
}

TEST(gate_decode_multicall_opens_inner_calls_once)
{
    char args[4096], inner[2048];
    const char *swap = gfx_call_hex(SR02_IN, gfx_swap_args(GFX_WALLET, "10", "1"));
    const char *sweep = gfx_call_hex("sweepToken(address,uint256,address)",
                                     "[\"" GFX_WETH "\", \"0\", \"" GFX_ATTACKER "\"]");

    snprintf(args, sizeof args, "[\"1999999999\", [\"%s\", \"%s\"]]", swap, sweep);
    const struct gate_effects *fx = decode_sig(GFX_ROUTER, "multicall(uint256,bytes[])", args);
    CHECK_EQ_INT(fx->n, 3);
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_BATCH);
    CHECK_HEX(fx->e[0].selector, 4, "5ae401dc");
    CHECK_EQ_INT(fx->e[1].kind, GATE_KIND_SWAP);
    CHECK_EQ_INT(fx->e[1].depth, 1);
    CHECK_EQ_INT(fx->e[1].inner_index, 1);
    CHECK(addr_eq(fx->e[1].target, GFX_ROUTER));
    CHECK_EQ_INT(fx->e[2].kind, GATE_KIND_TRANSFER);
    CHECK(addr_eq(fx->e[2].recipient, GFX_ATTACKER));
    CHECK(fx->e[2].unmeasured);
    /* a multicall inside the multicall is recorded but not opened */
    snprintf(inner, sizeof inner, "%s", gfx_call_hex("multicall(bytes[])", "[[]]"));
    snprintf(args, sizeof args, "[[\"%s\"]]", inner);
    fx = decode_sig(GFX_ROUTER, "multicall(bytes[])", args);
    CHECK_EQ_INT(fx->n, 2);
    CHECK_EQ_INT(fx->e[1].kind, GATE_KIND_BATCH);
    CHECK_EQ_INT(fx->e[1].depth, 1);
}

TEST(gate_decode_erc20_and_permit2)
{
    const struct gate_effects *fx =
        decode_sig(GFX_USDC, "approve(address,uint256)", "[\"" GFX_ATTACKER "\", \"" GFX_MAX256 "\"]");

    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_APPROVE);
    CHECK_HEX(fx->e[0].selector, 4, "095ea7b3");
    CHECK(fx->e[0].unlimited);
    CHECK(addr_eq(fx->e[0].token, GFX_USDC));
    CHECK(addr_eq(fx->e[0].spender, GFX_ATTACKER));
    fx = decode_sig(GFX_USDC, "increaseAllowance(address,uint256)", "[\"" GFX_ATTACKER "\", \"5\"]");
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_APPROVE);
    CHECK(!fx->e[0].unlimited);
    fx = decode_sig(GFX_USDC, "transfer(address,uint256)", "[\"" GFX_ATTACKER "\", \"5\"]");
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_TRANSFER);
    CHECK(addr_eq(fx->e[0].recipient, GFX_ATTACKER));
    fx = decode_sig(GFX_USDC, "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
                    "[\"" GFX_WALLET "\", \"" GFX_ATTACKER "\", \"9\", \"1\", 27, \"0x" "11111111111111111111111111111111"
                    "11111111111111111111111111111111\", \"0x2222222222222222222222222222222222222222222222222222222222"
                    "222222\"]");
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_PERMIT);
    CHECK_HEX(fx->e[0].selector, 4, "d505accf");
    fx = decode_sig(GFX_PERMIT2, "approve(address,address,uint160,uint48)",
                    "[\"" GFX_USDC "\", \"" GFX_ATTACKER "\", \"1461501637330902918203684832716283019655932542975\", 0]");
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_APPROVE);
    CHECK_HEX(fx->e[0].selector, 4, "87517c45");
    CHECK(fx->e[0].unlimited); /* 2^160 - 1 */
    CHECK(addr_eq(fx->e[0].token, GFX_USDC));
    fx = decode_sig(GFX_PERMIT2, "permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)",
                    "[\"" GFX_WALLET "\", [[\"" GFX_USDC "\", \"5\", 0, 0], \"" GFX_ATTACKER "\", \"1\"], \"0x\"]");
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_PERMIT);
    CHECK_HEX(fx->e[0].selector, 4, "2b67b570");
    CHECK_STR(dec(&fx->e[0].amount), "5");
    fx = decode_sig(GFX_PERMIT2, "transferFrom(address,address,uint160,address)",
                    "[\"" GFX_WALLET "\", \"" GFX_ATTACKER "\", \"5\", \"" GFX_USDC "\"]");
    CHECK_EQ_INT(fx->e[0].kind, GATE_KIND_TRANSFER);
    CHECK(addr_eq(fx->e[0].token, GFX_USDC));
}

TEST(gate_decode_what_cannot_be_read)
{
    static const uint8_t short_data[3] = {0x04, 0xe4, 0x5a};
    static const uint8_t unknown[4] = {0xde, 0xad, 0xbe, 0xef};
    size_t len;
    uint8_t dirty[1024];
    const uint8_t *d;

    CHECK_EQ_INT(decode1(GFX_ROUTER, NULL, 0)->e[0].kind, GATE_KIND_NATIVE);
    CHECK_EQ_INT(decode1(GFX_ROUTER, short_data, 3)->e[0].kind, GATE_KIND_MALFORMED);
    CHECK_EQ_INT(decode1(GFX_ROUTER, unknown, 4)->e[0].kind, GATE_KIND_UNKNOWN);
    d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "10", "1"));
    CHECK(d != NULL);
    CHECK_EQ_INT(decode1(GFX_ROUTER, d, len - 1)->e[0].kind, GATE_KIND_MALFORMED); /* truncated */
    memcpy(dirty, d, len);
    dirty[4 + 32 * 3 + 1] = 0x01; /* dirty high bytes in the recipient word */
    CHECK_EQ_INT(decode1(GFX_ROUTER, dirty, len)->e[0].kind, GATE_KIND_MALFORMED);
}

TEST(gate_decode_account_batches_are_recognised)
{
    CHECK_EQ_INT(decode_sig(GFX_OTHER, "execute(bytes32,bytes)", "[\"0x" "00000000000000000000000000000000"
                                                                   "00000000000000000000000000000000\", \"0x\"]")
                     ->e[0].kind,
                 GATE_KIND_EXECUTE);
    CHECK_HEX(g_fx.e[0].selector, 4, "e9ae5c53");
    CHECK_EQ_INT(decode_sig(GFX_OTHER, "aggregate3((address,bool,bytes)[])", "[[]]")->e[0].kind, GATE_KIND_EXECUTE);
    CHECK_HEX(g_fx.e[0].selector, 4, "82ad56cb");
}

TEST(gate_decode_effect_overflow_marks_the_last_effect)
{
    static char args[65536];
    struct gate_call calls[GATE_MAX_CALLS];
    struct mcp_error err;
    size_t used, len;
    const uint8_t *d;
    const char *swap = gfx_call_hex(SR02_IN, gfx_swap_args(GFX_WALLET, "1", "1"));

    used = (size_t)snprintf(args, sizeof args, "[[");
    for (int i = 0; i < GATE_MAX_INNER; i++)
        used += (size_t)snprintf(args + used, sizeof args - used, "%s\"%s\"", i ? "," : "", swap);
    snprintf(args + used, sizeof args - used, "]]");
    d = gfx_call(&len, "multicall(bytes[])", args);
    CHECK(d != NULL);
    for (int i = 0; i < GATE_MAX_CALLS; i++)
        calls[i] = gfx_gate_call(GFX_ROUTER, d, len, "0");
    CHECK(gate_decode(&g_fx, calls, GATE_MAX_CALLS, &err) == MCP_OK);
    CHECK_EQ_INT(g_fx.n, GATE_MAX_EFFECTS);
    CHECK_EQ_INT(g_fx.e[GATE_MAX_EFFECTS - 1].kind, GATE_KIND_MALFORMED);
    CHECK(gate_decode(&g_fx, calls, 0, &err) == MCP_EINVAL);
}

/* ---- Kernel v3 execute ---- */

static const struct gate_calls *kernel(const char *mode_hex, const char *exec_hex)
{
    static struct gate_calls calls;
    char args[8192];
    size_t len;
    const uint8_t *d;
    struct mcp_error err;

    gate_calls_free(&calls);
    snprintf(args, sizeof args, "[\"%s\", \"%s\"]", mode_hex, exec_hex);
    d = gfx_call(&len, "execute(bytes32,bytes)", args);
    if (d == NULL || gate_decode_kernel(&calls, d, len, &err) != MCP_OK)
        test_fail(__FILE__, __LINE__, "kernel decode failed");
    return &calls;
}

#define MODE(b0) "0x" b0 "00000000000000000000000000000000000000000000000000000000000000"

TEST(gate_decode_kernel_single_batch_delegatecall)
{
    char packed[4096];
    const char *swap = gfx_call_hex(SR02_IN, gfx_swap_args(GFX_WALLET, "10", "1"));
    const struct gate_calls *c;

    /* single: target || value (32) || data */
    snprintf(packed, sizeof packed, "0x2626664c2603336e57b271c5c0b26f421741e481%064x%s", 7, swap + 2);
    c = kernel(MODE("00"), packed);
    CHECK_EQ_INT(c->n, 1);
    CHECK(!c->malformed && !c->not_execute && !c->c[0].delegatecall);
    CHECK(addr_eq(c->c[0].target, GFX_ROUTER));
    CHECK_STR(dec(&c->c[0].value), "7");
    CHECK_EQ_INT(c->c[0].len, (strlen(swap) - 2) / 2);
    /* delegatecall: target || data */
    snprintf(packed, sizeof packed, "0x2626664c2603336e57b271c5c0b26f421741e481%s", swap + 2);
    c = kernel(MODE("ff"), packed);
    CHECK_EQ_INT(c->n, 1);
    CHECK(c->c[0].delegatecall);
    /* batch: abi.encode((address,uint256,bytes)[]) */
    {
        char args[4096], enc[8192];
        json_t *v;
        uint8_t *data = NULL;
        size_t len = 0;
        enum mcp_rc rc;
        snprintf(args, sizeof args, "[[[\"%s\", \"0\", \"%s\"], [\"%s\", \"3\", \"0x\"]]]", GFX_ROUTER, swap,
                 GFX_OTHER);
        v = json_loads(args, 0, NULL);
        CHECK(v != NULL);
        rc = eth_abi_encode_params(&data, &len, "(address,uint256,bytes)[]", v, NULL);
        json_decref(v);
        CHECK(rc == MCP_OK);
        eth_hex_encode(enc, data, len);
        free(data);
        c = kernel(MODE("01"), enc);
    }
    CHECK_EQ_INT(c->n, 2);
    CHECK(addr_eq(c->c[1].target, GFX_OTHER));
    CHECK_STR(dec(&c->c[1].value), "3");
    CHECK_EQ_INT(c->c[1].len, 0);
}

TEST(gate_decode_kernel_refuses_unknown_modes_and_empty_batches)
{
    CHECK(kernel(MODE("02"), "0x")->malformed);
    CHECK(kernel("0x0002000000000000000000000000000000000000000000000000000000000000", "0x")->malformed);
    CHECK(kernel("0x0000000000000001000000000000000000000000000000000000000000000000", "0x")->malformed);
    CHECK(kernel(MODE("00"), "0x2626664c2603336e57b271c5c0b26f421741e481")->malformed); /* no value word */
    CHECK(kernel(MODE("01"), "0x" "0000000000000000000000000000000000000000000000000000000000000020"
                             "0000000000000000000000000000000000000000000000000000000000000000")->malformed);
}

TEST(gate_decode_kernel_not_execute_and_user_op_prefix)
{
    static struct gate_calls calls;
    struct mcp_error err;
    uint8_t buf[4096];
    size_t len;
    const uint8_t *d = gfx_call(&len, "installModule(uint256,address,bytes)", "[\"1\", \"" GFX_OTHER "\", \"0x\"]");

    CHECK(d != NULL);
    CHECK(gate_decode_kernel(&calls, d, len, &err) == MCP_OK);
    CHECK(calls.not_execute);
    gate_calls_free(&calls);
    /* executeUserOp prefix 0x8dd7712f || execute(...) */
    d = gfx_call(&len, "execute(bytes32,bytes)",
                 "[\"" MODE("00") "\", \"0x2626664c2603336e57b271c5c0b26f421741e4810000000000000000000000000000000000000000000000000000000000000000\"]");
    CHECK(d != NULL && len + 4 <= sizeof buf);
    memcpy(buf, "\x8d\xd7\x71\x2f", 4);
    memcpy(buf + 4, d, len);
    CHECK(gate_decode_kernel(&calls, buf, len + 4, &err) == MCP_OK);
    CHECK_EQ_INT(calls.n, 1);
    CHECK(!calls.malformed && !calls.not_execute);
    gate_calls_free(&calls);
}

/* ---- user operation hash (vectors from viem getUserOperationHash, entryPointVersion 0.7) ---- */

TEST(gate_userop_hash_matches_viem)
{
    struct gate_user_op op;
    struct mcp_error err;
    uint8_t h[32];
    json_t *j = json_loads("{\"sender\": \"0x1111111111111111111111111111111111111111\","
                           " \"nonce\": \"0x102a2731314000000000000000000000000000000000000000000000001\","
                           " \"callData\": \"0xe9ae5c53\", \"callGasLimit\": \"200000\","
                           " \"verificationGasLimit\": \"0x493e0\", \"preVerificationGas\": 50000,"
                           " \"maxFeePerGas\": \"0x3b9aca00\", \"maxPriorityFeePerGas\": \"100000000\"}", 0, NULL);

    CHECK(gate_userop_parse(&op, j, &err) == MCP_OK);
    gate_userop_hash(h, &op, 8453);
    CHECK_HEX(h, 32, "32e9a31795693fc28e44cbbba77a1fbab1ff5fd486f8bff0561ce4f34c65e7c2");
    gate_userop_free(&op);
    json_object_set_new(j, "factory", json_string("0xd703aaE79538628d27099B8c4f621bE4CCd142d5"));
    json_object_set_new(j, "factoryData", json_string("0xc5265d5d00"));
    json_object_set_new(j, "paymaster", json_string("0x2222222222222222222222222222222222222222"));
    json_object_set_new(j, "paymasterVerificationGasLimit", json_string("70000"));
    json_object_set_new(j, "paymasterPostOpGasLimit", json_string("0x2710"));
    json_object_set_new(j, "paymasterData", json_string("0xabcdef"));
    CHECK(gate_userop_parse(&op, j, &err) == MCP_OK);
    gate_userop_hash(h, &op, 42161);
    CHECK_HEX(h, 32, "c7ff1f9f88527aca859f204ebf870d337ed632ae239d35bb1e12f231e4adc5cf");
    gate_userop_free(&op);
    /* gas limits are uint128 in the packed form */
    json_object_set_new(j, "callGasLimit", json_string("0x100000000000000000000000000000000"));
    CHECK(gate_userop_parse(&op, j, &err) == MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "userOp.callGasLimit");
    gate_userop_free(&op);
    json_decref(j);
}

/* test_eth_abi.c: ABI type parsing, encoding (Solidity ABI spec vectors, checked against viem),
 * strict decoding of malformed data, and randomized encode/decode round trips. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_abi.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_u256.h"
#include "test.h"

static json_t *J(const char *text)
{
    return json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

/* Encode args (JSON text) for a signature or parameter list; hex without 0x in a static
 * buffer, or NULL with err set. */
static const char *enc(const char *sig_or_types, const char *args, struct mcp_error *err)
{
    static char hex[8192];
    json_t *v = J(args);
    uint8_t *data = NULL;
    size_t len = 0;
    enum mcp_rc rc;

    mcp_err_clear(err);
    if (v == NULL)
        return NULL;
    if (strchr(sig_or_types, '(') != NULL && sig_or_types[0] != '(')
        rc = eth_abi_encode_call(&data, &len, sig_or_types, v, err);
    else
        rc = eth_abi_encode_params(&data, &len, sig_or_types, v, err);
    json_decref(v);
    if (rc != MCP_OK || 2 * len + 3 > sizeof(hex)) {
        free(data);
        return NULL;
    }
    eth_hex_encode(hex, data, len);
    free(data);
    return hex + 2;
}

/* Decode hex (no 0x) against a parameter list; returns the compact JSON text (static buffer)
 * or NULL with err set. */
static const char *dec(const char *types, const char *hex, struct mcp_error *err)
{
    static char text[8192];
    struct eth_abi_type *t = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    json_t *v = NULL;
    char *s = NULL;

    mcp_err_clear(err);
    if (eth_abi_params_parse(&t, types, err) == MCP_OK &&
        eth_hex_decode_alloc(&data, &len, hex, "hex", err) == MCP_OK &&
        eth_abi_decode(&v, t, data, len, err) == MCP_OK)
        s = json_dumps(v, JSON_COMPACT);
    if (s != NULL)
        snprintf(text, sizeof(text), "%s", s);
    free(s);
    json_decref(v);
    free(data);
    eth_abi_type_free(t);
    return s != NULL ? text : NULL;
}

static const char *canonical(const char *type)
{
    static char out[512];
    struct eth_abi_type *t = NULL;
    char *s;

    if (eth_abi_type_parse(&t, type, NULL) != MCP_OK)
        return "(rejected)";
    s = eth_abi_type_canonical(t);
    snprintf(out, sizeof(out), "%s", s != NULL ? s : "(oom)");
    free(s);
    eth_abi_type_free(t);
    return out;
}

#define W0 "0000000000000000000000000000000000000000000000000000000000000000"
#define WORD(x) "00000000000000000000000000000000000000000000000000000000000000" x

TEST(abi_type_canonical)
{
    CHECK_STR(canonical("uint"), "uint256");
    CHECK_STR(canonical("int"), "int256");
    CHECK_STR(canonical("bytes32"), "bytes32");
    CHECK_STR(canonical("(address,uint256[],(bytes,bool)[2])"), "(address,uint256[],(bytes,bool)[2])");
    CHECK_STR(canonical("tuple(address to, uint amount)[]"), "(address,uint256)[]");
    CHECK_STR(canonical("( address  a , (uint8 x,bool) b )[3][]"), "(address,(uint8,bool))[3][]");
    CHECK_STR(canonical("int8[65536]"), "int8[65536]");
}

TEST(abi_type_rejects)
{
    static const char *bad[] = {"uint7", "uint264", "uint08", "uint0", "bytes0", "bytes33",
                                "bytes01", "()", "(uint256,())", "uint256[0]", "uint256[01]",
                                "uint256[65537]", "uint256[", "(address", "(address,)", "foo",
                                "fixed128x18", "function", "Address", "uint256 x", "(uint256 1x)",
                                "uint256[2][65536][65536]", "", "tuple", "uint256[-1]"};
    struct mcp_error err;
    char deep[200] = "";

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct eth_abi_type *t = NULL;

        if (eth_abi_type_parse(&t, bad[i], &err) == MCP_OK) {
            test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
            eth_abi_type_free(t);
            return;
        }
        CHECK_EQ_INT(err.rc, MCP_EINVAL);
        CHECK(t == NULL);
    }
    CHECK_STR(canonical("uint7"), "(rejected)");
    {
        struct eth_abi_type *t = NULL;

        CHECK(eth_abi_type_parse(&t, "(address,uint256", &err) != MCP_OK);
        CHECK_CONTAINS(err.msg, "expected ',' or ')'");
        CHECK(eth_abi_type_parse(&t, "uint7", &err) != MCP_OK);
        CHECK_CONTAINS(err.msg, "unknown type");
        CHECK(eth_abi_type_parse(&t, "uint256[2][65536][65536]", &err) != MCP_OK);
        CHECK_CONTAINS(err.msg, "too large");
    }
    for (int i = 0; i < 32; i++)
        strcat(deep, "(");
    strcat(deep, "uint8");
    for (int i = 0; i < 32; i++)
        strcat(deep, ")");
    CHECK_STR(canonical(deep), "(rejected)"); /* 33 levels */
    memmove(deep, deep + 1, strlen(deep)); /* 32 levels: fine */
    deep[strlen(deep) - 1] = '\0';
    CHECK(strcmp(canonical(deep), "(rejected)") != 0);
}

TEST(abi_params_parse)
{
    struct eth_abi_type *t = NULL;
    char *s;

    CHECK(eth_abi_params_parse(&t, " (address,uint256) ", NULL) == MCP_OK);
    s = eth_abi_type_canonical(t);
    CHECK_STR(s, "(address,uint256)");
    free(s);
    eth_abi_type_free(t);
    CHECK(eth_abi_params_parse(&t, "((address,uint256))", NULL) == MCP_OK);
    CHECK_EQ_INT(t->length, 1);
    CHECK_EQ_INT(t->comps[0]->kind, ETH_ABI_TUPLE);
    eth_abi_type_free(t);
    CHECK(eth_abi_params_parse(&t, "(address)[],bytes", NULL) == MCP_OK);
    CHECK_EQ_INT(t->length, 2);
    CHECK_EQ_INT(t->comps[0]->kind, ETH_ABI_ARRAY);
    eth_abi_type_free(t);
    CHECK(eth_abi_params_parse(&t, "", NULL) == MCP_OK);
    CHECK_EQ_INT(t->length, 0);
    eth_abi_type_free(t);
    CHECK(eth_abi_params_parse(&t, "()", NULL) == MCP_OK);
    CHECK_EQ_INT(t->length, 0);
    eth_abi_type_free(t);
    CHECK(eth_abi_params_parse(&t, "address to amount", NULL) != MCP_OK);
    CHECK(eth_abi_params_parse(&t, "address,,bool", NULL) != MCP_OK);
}

TEST(abi_selectors)
{
    uint8_t sel[4];
    struct mcp_error err;
    struct eth_abi_func *f = NULL;
    char *canon;

    CHECK(eth_abi_selector(sel, "transfer(address,uint256)", &err) == MCP_OK);
    CHECK_HEX(sel, 4, "a9059cbb");
    CHECK(eth_abi_selector(sel, " transfer(address to, uint amount) ", &err) == MCP_OK);
    CHECK_HEX(sel, 4, "a9059cbb");
    CHECK(eth_abi_selector(sel, "baz(uint32,bool)", &err) == MCP_OK);
    CHECK_HEX(sel, 4, "cdcd77c0");
    CHECK(eth_abi_selector(sel, "approve(address,uint256)", &err) == MCP_OK);
    CHECK_HEX(sel, 4, "095ea7b3");
    CHECK(eth_abi_selector(sel, "execute(bytes32,bytes)", &err) == MCP_OK); /* Kernel v3 */
    CHECK_HEX(sel, 4, "e9ae5c53");
    CHECK(eth_abi_selector(sel, "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))", &err) == MCP_OK);
    CHECK_HEX(sel, 4, "04e45aaf"); /* SwapRouter02 */
    CHECK(eth_abi_func_parse(&f, "f(uint256[] x,(bool,bytes)[2] y)", &err) == MCP_OK);
    canon = eth_abi_func_canonical(f);
    CHECK_STR(canon, "f(uint256[],(bool,bytes)[2])");
    free(canon);
    eth_abi_func_free(f);
    CHECK(eth_abi_selector(sel, "transfer", &err) == MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "expected name(types)");
    CHECK(eth_abi_selector(sel, "transfer(address,uint256", &err) == MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "unbalanced");
    CHECK(eth_abi_selector(sel, "f(uint256)[]", &err) == MCP_EINVAL);
    CHECK(eth_abi_selector(sel, "f(uint7)", &err) == MCP_EINVAL);
    CHECK(eth_abi_selector(sel, "1f(uint256)", &err) == MCP_EINVAL);
}

/* The examples of the Solidity ABI specification (docs.soliditylang.org, "Contract ABI
 * Specification"), identical to viem 2.57 encodeFunctionData. */
TEST(abi_encode_spec_examples)
{
    struct mcp_error err;

    CHECK_STR(enc("baz(uint32,bool)", "[69, true]", &err),
              "cdcd77c0" WORD("45") WORD("01"));
    CHECK_STR(enc("sam(bytes,bool,uint256[])", "[\"0x64617665\", true, [1, 2, 3]]", &err),
              "a5643bf2" WORD("60") WORD("01") WORD("a0") WORD("04")
              "6461766500000000000000000000000000000000000000000000000000000000"
              WORD("03") WORD("01") WORD("02") WORD("03"));
    CHECK_STR(enc("f(uint256,uint32[],bytes10,bytes)",
                  "[\"0x123\", [\"0x456\", 1929], \"0x31323334353637383930\", "
                  "\"0x48656c6c6f2c20776f726c6421\"]", &err),
              "8be65246" "0000000000000000000000000000000000000000000000000000000000000123" WORD("80")
              "3132333435363738393000000000000000000000000000000000000000000000"
              WORD("e0") WORD("02") "0000000000000000000000000000000000000000000000000000000000000456" "0000000000000000000000000000000000000000000000000000000000000789" WORD("0d")
              "48656c6c6f2c20776f726c642100000000000000000000000000000000000000");
    CHECK_STR(enc("g(uint256[][],string[])", "[[[1, 2], [3]], [\"one\", \"two\", \"three\"]]", &err),
              "2289b18c" WORD("40") "0000000000000000000000000000000000000000000000000000000000000140"
              WORD("02") WORD("40") WORD("a0") WORD("02") WORD("01") WORD("02") WORD("01")
              WORD("03") WORD("03") WORD("60") WORD("a0") WORD("e0") WORD("03")
              "6f6e650000000000000000000000000000000000000000000000000000000000" WORD("03")
              "74776f0000000000000000000000000000000000000000000000000000000000" WORD("05")
              "7468726565000000000000000000000000000000000000000000000000000000");
}

/* Nested dynamic tuples, negative ints and UTF-8; expected value from viem encodeAbiParameters. */
TEST(abi_encode_nested_tuples)
{
    struct mcp_error err;
    const char *expect =
        WORD("80") "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" WORD("7f")
        "0000000000000000000000000000000000000000000000000000000000000200"
        "000000000000000000000000cccccccccccccccccccccccccccccccccccccccc" WORD("40") WORD("02")
        WORD("40") WORD("c0") WORD("05") WORD("40") WORD("04")
        "deadbeef00000000000000000000000000000000000000000000000000000000" WORD("06") WORD("40")
        W0 WORD("06") "68c3a96c6c6f0000000000000000000000000000000000000000000000000000";
    const char *got = enc("(address,(uint256,bytes)[]), int8[2], string",
                          "[[\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\", [[5, \"0xdeadbeef\"], "
                          "[\"6\", \"0x\"]]], [-1, 127], \"h\\u00e9llo\"]", &err);

    CHECK_STR(got, expect);
    /* the same with the tuple given by component names */
    got = enc("(address who,(uint256 n,bytes b)[] items) p, int8[2], string",
              "[{\"who\": \"0xcccccccccccccccccccccccccccccccccccccccc\", \"items\": "
              "[{\"b\": \"0xDEADBEEF\", \"n\": \"0x5\"}, {\"n\": 6, \"b\": \"0x\"}]}, [\"-1\", "
              "\"0x7f\"], \"h\\u00e9llo\"]", &err);
    CHECK_STR(got, expect);
    CHECK_STR(dec("(address who,(uint256 n,bytes b)[] items) p, int8[2], string", expect, &err),
              "[{\"who\":\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\",\"items\":[{\"n\":\"5\","
              "\"b\":\"0xdeadbeef\"},{\"n\":\"6\",\"b\":\"0x\"}]},[\"-1\",\"127\"],\"h\xc3\xa9llo\"]");
}

TEST(abi_encode_integer_ranges)
{
    struct mcp_error err;

    CHECK_STR(enc("int8", "[-128]", &err),
              "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80");
    CHECK_STR(enc("int8", "[\"127\"]", &err), WORD("7f"));
    CHECK(enc("int8", "[-129]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "args[0]: -129 is out of range for int8 (-128 to 127)");
    CHECK(enc("int8", "[128]", &err) == NULL);
    CHECK_STR(enc("uint8", "[255]", &err), WORD("ff"));
    CHECK(enc("uint8", "[256]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "out of range for uint8 (0 to 255)");
    CHECK(enc("uint8", "[\"0x100\"]", &err) == NULL);
    CHECK(enc("uint8", "[-1]", &err) == NULL);
    CHECK(enc("uint256", "[\"-1\"]", &err) == NULL);
    CHECK_STR(enc("uint256", "[\"-0\"]", &err), W0);
    CHECK_STR(enc("int16", "[-1]", &err),
              "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    CHECK_STR(enc("uint256", "[\"115792089237316195423570985008687907853269984665640564039457584007913129639935\"]", &err),
              "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    CHECK(enc("uint256", "[\"115792089237316195423570985008687907853269984665640564039457584007913129639936\"]", &err) == NULL);
    CHECK_STR(enc("int256", "[\"-57896044618658097711785492504343953926634992332820282019728792003956564819968\"]", &err),
              "8000000000000000000000000000000000000000000000000000000000000000");
    CHECK(enc("int256", "[\"-57896044618658097711785492504343953926634992332820282019728792003956564819969\"]", &err) == NULL);
    CHECK_STR(enc("int256", "[\"57896044618658097711785492504343953926634992332820282019728792003956564819967\"]", &err),
              "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    CHECK(enc("int256", "[\"57896044618658097711785492504343953926634992332820282019728792003956564819968\"]", &err) == NULL);
    CHECK_STR(enc("uint256", "[\"0x000000000000000000000000000000000000000000000000000000000000000000ff\"]", &err), WORD("ff"));
    CHECK(enc("uint256", "[\"0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"]", &err) == NULL);
    CHECK(enc("uint256", "[1.5]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "decimal strings");
    CHECK(enc("uint256", "[\"1e3\"]", &err) == NULL);
    CHECK(enc("uint256", "[\"\"]", &err) == NULL);
    CHECK(enc("uint256", "[\"0x\"]", &err) == NULL);
    CHECK(enc("uint256", "[\"0xg1\"]", &err) == NULL);
    CHECK(enc("int256", "[\"-0x1\"]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "negative hex");
    CHECK(enc("uint256", "[true]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "got true");
}

TEST(abi_encode_value_errors)
{
    struct mcp_error err;

    CHECK(enc("bool", "[\"true\"]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "args[0]: expected true or false, got a string");
    CHECK(enc("address", "[\"0xCCCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccc\"]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "checksum mismatch");
    CHECK(enc("address", "[\"cccccccccccccccccccccccccccccccccccccccc\"]", &err) == NULL);
    CHECK(enc("address", "[\"0xcccc\"]", &err) == NULL);
    CHECK(enc("bytes4", "[\"0x1234\"]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "expected 4 bytes");
    CHECK(enc("bytes4", "[\"12345678\"]", &err) == NULL);
    CHECK(enc("bytes", "[\"0x123\"]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "odd number of hex digits");
    CHECK(enc("bytes", "[\"1234\"]", &err) == NULL);
    CHECK(enc("string", "[5]", &err) == NULL);
    CHECK(enc("string", "[\"a\\u0000b\"]", &err) != NULL); /* NUL is a valid string byte */
    CHECK(enc("bytes", "[\"0x12\\u000034\"]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "NUL");
    CHECK(enc("uint8[2]", "[[1, 2, 3]]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "args[0]: expected exactly 2 elements, got 3");
    CHECK(enc("uint8[]", "[{}]", &err) == NULL);
    CHECK(enc("(uint8,bool)", "[1]", &err) == NULL); /* a list of 2, given 1 */
    CHECK_CONTAINS(err.msg, "expected 2 tuple components, got 1");
    CHECK(enc("((address,(uint256,bytes)[]))", "[[\"0xcccccccccccccccccccccccccccccccccccccccc\", [[1, \"0x\"], [2, \"0xzz\"]]]]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "args[0][1][1][1]: 'z'");
    CHECK(enc("((uint8 a,bool b))", "[{\"a\": 1, \"b\": true, \"c\": 1}]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "unexpected key \"c\"");
    CHECK(enc("((uint8 a,bool b))", "[{\"a\": 1}]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "args[0].b: missing");
    CHECK(enc("(uint8,bool)", "[[1, true]]", &err) == NULL); /* params list of 2 */
    CHECK(enc("((uint8,bool))", "[{\"a\": 1}]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "no names");
    CHECK(enc("uint8", "{\"a\": 1}", &err) == NULL); /* unnamed parameter list as object */
    CHECK(enc("transfer(address,uint256)", "[\"0xcccccccccccccccccccccccccccccccccccccccc\"]", &err) == NULL);
}

TEST(abi_path_truncates)
{
    struct eth_abi_path p;
    size_t saved = 0;

    eth_abi_path_init(&p, "args");
    CHECK_STR(p.buf, "args");
    saved = eth_abi_path_push_index(&p, 12);
    (void)eth_abi_path_push_key(&p, "to");
    CHECK_STR(p.buf, "args[12].to");
    eth_abi_path_pop(&p, saved);
    CHECK_STR(p.buf, "args");
    for (int i = 0; i < 200; i++)
        (void)eth_abi_path_push_index(&p, 1000000);
    CHECK(p.len < sizeof(p.buf));
    CHECK(strlen(p.buf) == p.len);
    CHECK(strcmp(p.buf + p.len - 3, "...") == 0);
}

TEST(abi_decode_call_transfer)
{
    struct eth_abi_func *f = NULL;
    struct mcp_error err;
    uint8_t *data = NULL;
    size_t len = 0;
    json_t *args = J("[\"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826\", \"1000\"]"), *out = NULL;
    char *s;

    CHECK(eth_abi_func_parse(&f, "transfer(address to,uint256 amount)", &err) == MCP_OK);
    CHECK(eth_abi_encode_call(&data, &len, "transfer(address,uint256)", args, &err) == MCP_OK);
    CHECK_EQ_INT(len, 68);
    CHECK(eth_abi_decode_call(&out, f, data, len, &err) == MCP_OK);
    s = json_dumps(out, JSON_COMPACT);
    CHECK_STR(s, "[\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\",\"1000\"]");
    free(s);
    json_decref(out);
    data[0] ^= 1;
    CHECK(eth_abi_decode_call(&out, f, data, len, &err) == MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "selector 0xa8059cbb is not transfer's selector 0xa9059cbb");
    CHECK(out == NULL);
    data[0] ^= 1;
    CHECK(eth_abi_decode_call(&out, f, data, 3, &err) == MCP_EINVAL);
    CHECK(eth_abi_decode_call(&out, f, data, 67, &err) == MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "args.amount: data too short: needs 32 bytes at byte 32");
    /* the parameters alone: an array even though they are named; eth_abi_decode gives an
     * object for the same named tuple */
    CHECK(eth_abi_decode_params(&out, f->params, data + 4, len - 4, &err) == MCP_OK);
    s = json_dumps(out, JSON_COMPACT);
    CHECK_STR(s, "[\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\",\"1000\"]");
    free(s);
    json_decref(out);
    CHECK(eth_abi_decode(&out, f->params, data + 4, len - 4, &err) == MCP_OK);
    s = json_dumps(out, JSON_COMPACT);
    CHECK_STR(s, "{\"to\":\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\",\"amount\":\"1000\"}");
    free(s);
    json_decref(out);
    free(data);
    json_decref(args);
    eth_abi_func_free(f);
}

/* Malformed data must be rejected with a message, never read out of bounds (run under ASan). */
TEST(abi_decode_rejects_malformed)
{
    struct mcp_error err;

    /* baseline */
    CHECK_STR(dec("bytes", WORD("20") WORD("02") "abcd" "000000000000000000000000000000000000000000000000000000000000", &err), "[\"0xabcd\"]");
    /* offset past the end */
    CHECK(dec("bytes", WORD("40") WORD("02"), &err) == NULL);
    CHECK_CONTAINS(err.msg, "data too short");
    CHECK(dec("bytes", "00000000000000000000000000000000000000000000000000000000ffffffe0" WORD("02"), &err) == NULL);
    CHECK_CONTAINS(err.msg, "offset at byte 0 is too large");
    CHECK(dec("bytes", "0100000000000000000000000000000000000000000000000000000000000000", &err) == NULL);
    /* length overflowing / past the end */
    CHECK(dec("bytes", WORD("20") "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0", &err) == NULL);
    CHECK_CONTAINS(err.msg, "length at byte 32 is too large");
    CHECK(dec("bytes", WORD("20") WORD("21") "abcd" "000000000000000000000000000000000000000000000000000000000000", &err) == NULL);
    CHECK_CONTAINS(err.msg, "runs past the end");
    CHECK(dec("bytes", WORD("20") WORD("02") "abcd", &err) == NULL); /* padding missing */
    CHECK(dec("uint256[]", WORD("20") "000000000000000000000000000000000000000000000000ffffffffffffffff", &err) == NULL);
    CHECK_CONTAINS(err.msg, "array length at byte 32 is too large");
    CHECK(dec("uint256[]", WORD("20") WORD("03") WORD("01") WORD("02"), &err) == NULL);
    CHECK_CONTAINS(err.msg, "array of 3 elements at byte 32 needs at least 96 bytes, but only 64 follow");
    /* truncated words */
    CHECK(dec("uint256", "00000000000000000000000000000000000000000000000000000000000001", &err) == NULL);
    CHECK_CONTAINS(err.msg, "value[0]: data too short: needs 32 bytes at byte 0, but the data has 31 bytes");
    CHECK(dec("uint256,uint256", WORD("01"), &err) == NULL);
    CHECK_CONTAINS(err.msg, "value[1]");
    CHECK(dec("uint256", "", &err) == NULL);
    /* non-canonical words */
    CHECK(dec("bool", WORD("02"), &err) == NULL);
    CHECK_CONTAINS(err.msg, "not a canonical bool");
    CHECK(dec("bool", "01" "00000000000000000000000000000000000000000000000000000000000001", &err) == NULL);
    CHECK(dec("address", "000000000000000000000001cccccccccccccccccccccccccccccccccccccccc", &err) == NULL);
    CHECK_CONTAINS(err.msg, "not a canonical address");
    CHECK(dec("uint8", "0000000000000000000000000000000000000000000000000000000000000100", &err) == NULL);
    CHECK(dec("int8", WORD("80"), &err) == NULL); /* 128 is not an int8 */
    CHECK_CONTAINS(err.msg, "not sign-extended");
    CHECK(dec("int8", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", &err) == NULL);
    CHECK_STR(dec("int8", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80", &err), "[\"-128\"]");
    CHECK(dec("bytes4", "1234567800000000000000000000000000000000000000000000000000000001", &err) == NULL);
    CHECK(dec("bytes", WORD("20") WORD("02") "abcd" "000000000000000000000000000000000000000000000000000000000001", &err) == NULL);
    CHECK_CONTAINS(err.msg, "padding not zero");
    CHECK(dec("string", WORD("20") WORD("02") "c328" "000000000000000000000000000000000000000000000000000000000000", &err) == NULL);
    CHECK_CONTAINS(err.msg, "not valid UTF-8");
    CHECK(dec("string", WORD("20") WORD("03") "eda080" "0000000000000000000000000000000000000000000000000000000000", &err) == NULL); /* surrogate */
    CHECK(dec("string", WORD("20") WORD("02") "c0af" "000000000000000000000000000000000000000000000000000000000000", &err) == NULL); /* overlong */
    CHECK_STR(dec("string", WORD("20") WORD("04") "f09f9880" "00000000000000000000000000000000000000000000000000000000", &err), "[\"\xf0\x9f\x98\x80\"]");
    /* trailing data is refused: only the canonical encoding is accepted */
    CHECK(dec("uint8", WORD("05") "ff", &err) == NULL);
    CHECK_CONTAINS(err.msg, "1 bytes of data follow the encoding (which ends at byte 32)");
}

/* Only the canonical encoding: Solidity (and viem) read each of these, we refuse them. */
TEST(abi_decode_refuses_non_canonical_layouts)
{
    struct mcp_error err;

    /* canonical: (bytes,bytes) with tails right after the heads, in order */
    CHECK_STR(dec("(bytes,bytes)", WORD("40") WORD("80") WORD("01") "aa00000000000000000000000000000000000000000000000000000000000000"
                  WORD("01") "bb00000000000000000000000000000000000000000000000000000000000000", &err),
              "[\"0xaa\",\"0xbb\"]");
    /* trailing bytes after the last tail */
    CHECK(dec("(bytes,bytes)", WORD("40") WORD("80") WORD("01") "aa00000000000000000000000000000000000000000000000000000000000000"
              WORD("01") "bb00000000000000000000000000000000000000000000000000000000000000" W0, &err) == NULL);
    CHECK_CONTAINS(err.msg, "32 bytes of data follow the encoding");
    /* a gap: the first tail starts one word after the heads */
    CHECK(dec("(bytes,bytes)", WORD("60") WORD("a0") W0 WORD("01") "aa00000000000000000000000000000000000000000000000000000000000000"
              WORD("01") "bb00000000000000000000000000000000000000000000000000000000000000", &err) == NULL);
    CHECK_CONTAINS(err.msg, "not the canonical ABI encoding (it differs from it at byte 31)");
    /* a shared tail: both offsets point at one value */
    CHECK(dec("(bytes,bytes)", WORD("40") WORD("40") WORD("01") "aa00000000000000000000000000000000000000000000000000000000000000",
              &err) == NULL);
    CHECK_CONTAINS(err.msg, "no shared tails");
    /* tails out of order */
    CHECK(dec("(bytes,bytes)", WORD("80") WORD("40") WORD("01") "bb00000000000000000000000000000000000000000000000000000000000000"
              WORD("01") "aa00000000000000000000000000000000000000000000000000000000000000", &err) == NULL);
    CHECK_CONTAINS(err.msg, "not the canonical ABI encoding");
}

/* Tails that overlap on purpose (every element points at the same inner array) would expand
 * a few hundred bytes into millions of values; the work bound stops that. */
TEST(abi_decode_overlap_bomb)
{
    struct mcp_error err;
    char hex[8192] = "";
    int n = 24;

    /* uint8[][][]: the outer array has n elements pointing at one middle array of n elements
     * pointing at one inner array of n zeros: n^3 values from ~3n words. */
    strcat(hex, WORD("20"));
    strcat(hex, "0000000000000000000000000000000000000000000000000000000000000018"); /* n */
    for (int i = 0; i < n; i++)
        strcat(hex, "0000000000000000000000000000000000000000000000000000000000000300");
    strcat(hex, "0000000000000000000000000000000000000000000000000000000000000018");
    for (int i = 0; i < n; i++)
        strcat(hex, "0000000000000000000000000000000000000000000000000000000000000300");
    strcat(hex, "0000000000000000000000000000000000000000000000000000000000000018");
    for (int i = 0; i < n; i++)
        strcat(hex, W0);
    CHECK(dec("uint8[][][]", hex, &err) == NULL);
    CHECK_CONTAINS(err.msg, "overlapping offsets");
}

/* ---- randomized round trips ---- */

static size_t rnd(size_t n)
{
    return (size_t)(test_rand() % n);
}

static void rand_type(char *out, size_t cap, int depth)
{
    static const char *names[] = {"a", "b", "to", "amount", "x_1", "$y"};
    size_t pick = rnd(depth > 3 ? 7 : 10), len = strlen(out);

    switch (pick) {
    case 0: snprintf(out + len, cap - len, "address"); break;
    case 1: snprintf(out + len, cap - len, "bool"); break;
    case 2: snprintf(out + len, cap - len, "uint%zu", 8 * (1 + rnd(32))); break;
    case 3: snprintf(out + len, cap - len, "int%zu", 8 * (1 + rnd(32))); break;
    case 4: snprintf(out + len, cap - len, "bytes%zu", 1 + rnd(32)); break;
    case 5: snprintf(out + len, cap - len, "bytes"); break;
    case 6: snprintf(out + len, cap - len, "string"); break;
    case 7:
    case 8: {
        size_t n = 1 + rnd(4);
        int named = rnd(2) == 0;

        strcat(out, "(");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                strcat(out, ",");
            rand_type(out, cap, depth + 1);
            if (named) {
                len = strlen(out);
                snprintf(out + len, cap - len, " %s", names[i]);
            }
        }
        strcat(out, ")");
        break;
    }
    default:
        rand_type(out, cap, depth + 1);
        len = strlen(out);
        if (rnd(2) == 0)
            snprintf(out + len, cap - len, "[]");
        else
            snprintf(out + len, cap - len, "[%zu]", 1 + rnd(3));
    }
}

static json_t *rand_value(const struct eth_abi_type *t);

static json_t *rand_hex(size_t n)
{
    uint8_t buf[128];
    char hex[2 * 128 + 3];

    test_rand_bytes(buf, n);
    eth_hex_encode(hex, buf, n);
    return json_string(hex);
}

static json_t *rand_int(const struct eth_abi_type *t)
{
    uint8_t w[32] = {0};
    struct eth_u256 u;
    char dec_s[82];
    size_t nbytes = t->size / 8;
    int neg;

    test_rand_bytes(w + 32 - nbytes, rnd(3) == 0 ? 1 : nbytes);
    if (rnd(3) == 0) /* small values too */
        memset(w, 0, 31);
    neg = t->kind == ETH_ABI_INT && (w[32 - nbytes] & 0x80);
    if (neg) { /* negate the N-bit value: magnitude = 2^N - w */
        for (size_t i = 32 - nbytes; i < 32; i++)
            w[i] = (uint8_t)~w[i];
        for (int i = 31, carry = 1; i >= 0 && carry; i--) {
            w[i] = (uint8_t)(w[i] + 1);
            carry = w[i] == 0;
        }
    }
    eth_u256_from_be(&u, w);
    dec_s[0] = '-';
    eth_u256_to_dec(dec_s + neg, sizeof(dec_s) - 1, &u);
    return json_string(dec_s);
}

static json_t *rand_string(void)
{
    static const char *pieces[] = {"a", "Z", " ", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "0", "\"", "\\"};
    char buf[256] = "";
    size_t n = rnd(40);

    for (size_t i = 0; i < n; i++)
        strcat(buf, pieces[rnd(9)]);
    return json_string(buf);
}

static json_t *rand_seq(const struct eth_abi_type *t, size_t n)
{
    int named = t->kind == ETH_ABI_TUPLE;
    json_t *v;

    for (size_t i = 0; named && i < t->length; i++)
        named = t->comps[i]->name != NULL;
    v = named ? json_object() : json_array();
    for (size_t i = 0; i < n; i++) {
        const struct eth_abi_type *et = t->kind == ETH_ABI_TUPLE ? t->comps[i] : t->elem;

        if (named)
            json_object_set_new(v, et->name, rand_value(et));
        else
            json_array_append_new(v, rand_value(et));
    }
    return v;
}

static json_t *rand_value(const struct eth_abi_type *t)
{
    char addr[ETH_ADDR_STR_SIZE];
    uint8_t a[20];

    switch (t->kind) {
    case ETH_ABI_ADDRESS:
        test_rand_bytes(a, 20);
        eth_addr_format(addr, a);
        return json_string(addr);
    case ETH_ABI_BOOL: return json_boolean(rnd(2));
    case ETH_ABI_UINT:
    case ETH_ABI_INT: return rand_int(t);
    case ETH_ABI_FIXED_BYTES: return rand_hex(t->size);
    case ETH_ABI_BYTES: return rand_hex(rnd(3) == 0 ? 32 * rnd(3) : rnd(100));
    case ETH_ABI_STRING: return rand_string();
    case ETH_ABI_TUPLE: return rand_seq(t, t->length);
    case ETH_ABI_FIXED_ARRAY: return rand_seq(t, t->length);
    case ETH_ABI_ARRAY: return rand_seq(t, rnd(4));
    }
    return NULL;
}

TEST(abi_roundtrip_random)
{
    for (int iter = 0; iter < 400; iter++) {
        char types[2048] = "";
        struct eth_abi_type *t = NULL;
        struct mcp_error err;
        uint8_t *data = NULL, *again = NULL;
        size_t len = 0, len2 = 0;
        json_t *v, *back = NULL;
        size_t n = 1 + rnd(4);

        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                strcat(types, ",");
            rand_type(types, sizeof(types), 0);
        }
        if (eth_abi_params_parse(&t, types, &err) != MCP_OK) {
            test_fail(__FILE__, __LINE__, "parse %s: %s", types, err.msg);
            return;
        }
        v = rand_value(t);
        if (eth_abi_encode(&data, &len, t, v, "args", &err) != MCP_OK ||
            eth_abi_decode(&back, t, data, len, &err) != MCP_OK ||
            eth_abi_encode(&again, &len2, t, back, "back", &err) != MCP_OK) {
            test_fail(__FILE__, __LINE__, "%s: %s", types, err.msg);
            return;
        }
        if (!json_equal(v, back) || len != len2 || memcmp(data, again, len) != 0) {
            char *a = json_dumps(v, JSON_COMPACT), *b = json_dumps(back, JSON_COMPACT);

            test_fail(__FILE__, __LINE__, "%s:\n    in  %s\n    out %s", types, a, b);
            free(a);
            free(b);
            return;
        }
        json_decref(back);
        /* canonical data has no spare byte: every strict prefix must be rejected */
        CHECK(eth_abi_decode(&back, t, data, len - 1 - rnd(len), &err) == MCP_EINVAL);
        CHECK(back == NULL);
        json_decref(v);
        free(data);
        free(again);
        eth_abi_type_free(t);
    }
}

/* Random corruption of valid encodings: the decoder answers MCP_OK or MCP_EINVAL, never crashes
 * or reads out of bounds (ASan), and whatever it accepts encodes again. */
TEST(abi_decode_mutations)
{
    for (int iter = 0; iter < 300; iter++) {
        char types[2048] = "";
        struct eth_abi_type *t = NULL;
        struct mcp_error err;
        uint8_t *data = NULL, *again = NULL;
        size_t len = 0, len2 = 0;
        json_t *v, *back = NULL;

        rand_type(types, sizeof(types), 0);
        strcat(types, ",");
        rand_type(types, sizeof(types), 0);
        CHECK(eth_abi_params_parse(&t, types, &err) == MCP_OK);
        v = rand_value(t);
        CHECK(eth_abi_encode(&data, &len, t, v, "args", &err) == MCP_OK);
        for (int m = 0; m < 8; m++) {
            size_t at = rnd(len);
            enum mcp_rc rc;

            data[at] = rnd(4) == 0 ? (uint8_t)test_rand() : (uint8_t)(data[at] ^ (1u << rnd(8)));
            rc = eth_abi_decode(&back, t, data, len - (rnd(4) == 0 ? rnd(len) : 0), &err);
            CHECK(rc == MCP_OK || rc == MCP_EINVAL);
            CHECK((rc == MCP_OK) == (back != NULL));
            if (rc == MCP_OK) {
                CHECK(eth_abi_encode(&again, &len2, t, back, "back", &err) == MCP_OK);
                free(again);
            } else {
                CHECK(err.msg[0] != '\0');
            }
            json_decref(back);
            back = NULL;
        }
        json_decref(v);
        free(data);
        eth_abi_type_free(t);
    }
}

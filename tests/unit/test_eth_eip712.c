/* test_eth_eip712.c: EIP-712 against the specification's Mail example and vectors computed
 * with viem 2.57 (hashTypedData / hashStruct / hashDomain), and the input checks. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "eth_eip712.h"
#include "eth_keccak.h"
#include "eth_secp.h"
#include "test.h"

static json_t *J(const char *text)
{
    return json_loads(text, JSON_REJECT_DUPLICATES, NULL);
}

#define MAIL_TYPES                                                                                 \
    "\"Person\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"wallet\",\"type\":\"address\"}],"  \
    "\"Mail\":[{\"name\":\"from\",\"type\":\"Person\"},{\"name\":\"to\",\"type\":\"Person\"},"          \
    "{\"name\":\"contents\",\"type\":\"string\"}]"
#define MAIL_DOMAIN_TYPE                                                                           \
    "\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"version\",\"type\":"        \
    "\"string\"},{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\","        \
    "\"type\":\"address\"}]"
#define MAIL_REST                                                                                  \
    "\"primaryType\":\"Mail\",\"domain\":{\"name\":\"Ether Mail\",\"version\":\"1\",\"chainId\":1,"    \
    "\"verifyingContract\":\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\"},\"message\":{\"from\":"    \
    "{\"name\":\"Cow\",\"wallet\":\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\"},\"to\":{\"name\":"   \
    "\"Bob\",\"wallet\":\"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB\"},\"contents\":\"Hello, Bob!\"}"
#define MAIL_JSON "{\"types\":{" MAIL_DOMAIN_TYPE "," MAIL_TYPES "}," MAIL_REST "}"

/* The digest of typed data given as JSON text, hex without 0x (static buffer), or NULL. */
static const char *digest_of(const char *text, struct mcp_error *err)
{
    static char hex[65];
    uint8_t d[32];
    json_t *td = J(text);
    enum mcp_rc rc;

    mcp_err_clear(err);
    if (td == NULL) {
        mcp_errf(err, MCP_EINVAL, "test JSON does not parse");
        return NULL;
    }
    rc = eth_eip712_hash(d, NULL, NULL, td, err);
    json_decref(td);
    if (rc != MCP_OK)
        return NULL;
    snprintf(hex, sizeof(hex), "%s", test_hex(d, 32));
    return hex;
}

TEST(eip712_mail_spec_example)
{
    uint8_t digest[32], dsep[32], shash[32], th[32];
    json_t *td = J(MAIL_JSON);
    struct mcp_error err;
    char *et = NULL;

    CHECK(td != NULL);
    CHECK(eth_eip712_encode_type(&et, json_object_get(td, "types"), "Mail", &err) == MCP_OK);
    CHECK_STR(et, "Mail(Person from,Person to,string contents)Person(string name,address wallet)");
    free(et);
    CHECK(eth_eip712_type_hash(th, json_object_get(td, "types"), "Mail", &err) == MCP_OK);
    CHECK_HEX(th, 32, "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2");
    CHECK(eth_eip712_hash(digest, dsep, shash, td, &err) == MCP_OK);
    CHECK_HEX(dsep, 32, "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
    CHECK_HEX(shash, 32, "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
    CHECK_HEX(digest, 32, "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
    CHECK(eth_eip712_hash_struct(shash, json_object_get(td, "types"), "Mail",
                                 json_object_get(td, "message"), "message", &err) == MCP_OK);
    CHECK_HEX(shash, 32, "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
    json_decref(td);
}

TEST(eip712_mail_signature)
{
    uint8_t priv[32], digest[32], sig[65], addr[20];
    json_t *td = J(MAIL_JSON);
    struct mcp_error err;

    eth_keccak256(priv, "cow", 3);
    CHECK_HEX(priv, 32, "c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4");
    CHECK(eth_eip712_hash(digest, NULL, NULL, td, &err) == MCP_OK);
    CHECK(eth_secp_sign(sig, digest, priv, &err) == MCP_OK);
    sodium_memzero(priv, sizeof(priv));
    CHECK_HEX(sig, 65, "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
                       "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c");
    CHECK(eth_secp_recover(addr, digest, sig, &err) == MCP_OK);
    CHECK_HEX(addr, 20, "cd2a3d9f938e13cd947ec05abc7fe734df8dd826");
    json_decref(td);
}

/* Without EIP712Domain in types the domain type is derived from the domain's keys (viem). */
TEST(eip712_domain_derived)
{
    struct mcp_error err;

    CHECK_STR(digest_of("{\"types\":{" MAIL_TYPES "}," MAIL_REST "}", &err),
              "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
    /* viem: hashTypedData({domain: {name: 'N', chainId: 10n, salt: 0x01..01}, ...}) */
    CHECK_STR(digest_of("{\"types\":{\"M\":[{\"name\":\"x\",\"type\":\"uint8\"}]},\"primaryType\":"
                        "\"M\",\"domain\":{\"salt\":\"0x0101010101010101010101010101010101010101"
                        "010101010101010101010101\",\"chainId\":\"10\",\"name\":\"N\"},\"message\":"
                        "{\"x\":7}}", &err),
              "76370e1ae86d21863dc3831236dfd4fc970f3e1f44b1bd49ffd442a805395283");
    /* empty domain: EIP712Domain() */
    CHECK_STR(digest_of("{\"types\":{\"M\":[{\"name\":\"x\",\"type\":\"uint8\"}]},\"primaryType\":"
                        "\"M\",\"domain\":{},\"message\":{\"x\":\"0x07\"}}", &err),
              "97e3dbe3eba21f6bf35247710673dbbfc5a90708e7c4b7fd51809a5b5aa74e55");
    CHECK(digest_of("{\"types\":{\"M\":[{\"name\":\"x\",\"type\":\"uint8\"}]},\"primaryType\":"
                    "\"M\",\"domain\":{\"name\":\"N\",\"foo\":1},\"message\":{\"x\":7}}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "domain.foo: not a domain field");
    CHECK(digest_of("{\"types\":{\"M\":[{\"name\":\"x\",\"type\":\"uint8\"}]},\"primaryType\":"
                    "\"M\",\"domain\":{\"name\":null},\"message\":{\"x\":7}}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "domain.name: null");
}

/* Arrays of structs, nested and fixed arrays, negative ints, bytes: digest from viem. */
#define RICH_JSON                                                                                  \
    "{\"types\":{\"Person\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"wallets\","         \
    "\"type\":\"address[]\"}],\"Mail\":[{\"name\":\"from\",\"type\":\"Person\"},{\"name\":\"to\","  \
    "\"type\":\"Person[]\"},{\"name\":\"contents\",\"type\":\"string\"},{\"name\":\"grid\","        \
    "\"type\":\"uint16[2][]\"},{\"name\":\"tags\",\"type\":\"bytes32[][1]\"},{\"name\":\"delta\","  \
    "\"type\":\"int64\"},{\"name\":\"ok\",\"type\":\"bool\"},{\"name\":\"blob\",\"type\":"           \
    "\"bytes\"}],\"Group\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"members\","         \
    "\"type\":\"Person[]\"}]},\"primaryType\":\"Mail\",\"domain\":{\"name\":\"Ether Mail\","        \
    "\"version\":\"1\",\"chainId\":1,\"verifyingContract\":"                                        \
    "\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\"},\"message\":{\"from\":{\"name\":\"Cow\","       \
    "\"wallets\":[\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\","                                  \
    "\"0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF\"]},\"to\":[{\"name\":\"Bob\",\"wallets\":"       \
    "[\"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB\",\"0xB0BdaBea57B0BDABeA57b0bdABEA57b0BDabEa57\"," \
    "\"0xB0B0b0b0b0b0B000000000000000000000000000\"]}],\"contents\":\"Hello, Bob!\",\"grid\":"      \
    "[[1,2],[65535,\"0\"],[\"7\",\"0x8\"]],\"tags\":[[\"0x111111111111111111111111111111111111111" \
    "1111111111111111111111111\",\"0xabababababababababababababababababababababababababababababab" \
    "abab\"]],\"delta\":\"-12345678901\",\"ok\":true,\"blob\":\"0x00ff10\"}}"

TEST(eip712_arrays_of_structs)
{
    uint8_t digest[32], dsep[32], shash[32];
    json_t *td = J(RICH_JSON);
    struct mcp_error err;
    char *et = NULL;

    CHECK(td != NULL);
    CHECK(eth_eip712_hash(digest, dsep, shash, td, &err) == MCP_OK);
    CHECK_HEX(shash, 32, "8a67c4618e62d62a5dbec5ce60964238e31319eec4ca83e07e88919e86d930e7");
    CHECK_HEX(dsep, 32, "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
    CHECK_HEX(digest, 32, "0f180a9086855bc5792bec362348fbbf7c31867eb8dd6b1ccb71af36e18ebc28");
    /* dependencies sorted by name after the primary type; unreferenced Group left out */
    CHECK(eth_eip712_encode_type(&et, json_object_get(td, "types"), "Group", &err) == MCP_OK);
    CHECK_STR(et, "Group(string name,Person[] members)Person(string name,address[] wallets)");
    free(et);
    json_decref(td);
}

/* Kernel v3's Enable type (ZeroDev session-key approval): ENABLE_TYPE_HASH from the contract. */
TEST(eip712_kernel_enable_typehash)
{
    json_t *types = J("{\"Enable\":[{\"name\":\"validationId\",\"type\":\"bytes21\"},{\"name\":"
                      "\"nonce\",\"type\":\"uint32\"},{\"name\":\"hook\",\"type\":\"address\"},"
                      "{\"name\":\"validatorData\",\"type\":\"bytes\"},{\"name\":\"hookData\","
                      "\"type\":\"bytes\"},{\"name\":\"selectorData\",\"type\":\"bytes\"}]}");
    uint8_t th[32];
    struct mcp_error err;

    CHECK(eth_eip712_type_hash(th, types, "Enable", &err) == MCP_OK);
    CHECK_HEX(th, 32, "b17ab1224aca0d4255ef8161acaf2ac121b8faa32a4b2258c912cc5f8308c505");
    CHECK(eth_eip712_type_hash(th, types, "Nope", &err) == MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "\"Nope\" is not defined in types");
    json_decref(types);
}

/* Typed data with a one-field struct M of the given field type and message value. */
static const char *one_field(const char *type, const char *value, struct mcp_error *err)
{
    char text[1024];

    snprintf(text, sizeof(text), "{\"types\":{\"M\":[{\"name\":\"x\",\"type\":\"%s\"}]},"
                                 "\"primaryType\":\"M\",\"domain\":{\"name\":\"d\"},"
                                 "\"message\":{\"x\":%s}}", type, value);
    return digest_of(text, err);
}

TEST(eip712_rejects_values)
{
    struct mcp_error err;

    CHECK(one_field("uint8", "256", &err) == NULL);
    CHECK_CONTAINS(err.msg, "message.x: 256 is out of range for uint8");
    CHECK(one_field("int8", "\"-129\"", &err) == NULL);
    CHECK(one_field("uint256", "1.5", &err) == NULL);
    CHECK(one_field("bool", "\"true\"", &err) == NULL);
    CHECK(one_field("address", "\"0xCCCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccc\"", &err) == NULL);
    CHECK_CONTAINS(err.msg, "checksum");
    CHECK(one_field("bytes4", "\"0x1234\"", &err) == NULL);
    CHECK(one_field("bytes", "\"0x123\"", &err) == NULL);
    CHECK(one_field("bytes", "\"1234\"", &err) == NULL);
    CHECK(one_field("string", "5", &err) == NULL);
    CHECK(one_field("uint8", "null", &err) == NULL);
    CHECK_CONTAINS(err.msg, "message.x: missing or null");
    CHECK(one_field("uint8[2]", "[1,2,3]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "message.x: expected exactly 2 elements, got 3");
    CHECK(one_field("uint8[][2]", "[[1],[2,\"x\"]]", &err) == NULL);
    CHECK_CONTAINS(err.msg, "message.x[1][1]");
    CHECK(one_field("uint8[]", "{}", &err) == NULL);
    CHECK(one_field("uint8", "7", &err) != NULL);
}

TEST(eip712_rejects_types)
{
    struct mcp_error err;

    CHECK(one_field("uint", "1", &err) == NULL);
    CHECK_CONTAINS(err.msg, "write uint256");
    CHECK(one_field("uint7", "1", &err) == NULL);
    CHECK_CONTAINS(err.msg, "unknown type \"uint7\"");
    CHECK(one_field("bytes33", "\"0x00\"", &err) == NULL);
    CHECK(one_field("Foo", "{}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "types.M[0]: unknown type \"Foo\"");
    CHECK(one_field("uint8[0]", "[]", &err) == NULL);
    CHECK(one_field("uint8[", "[]", &err) == NULL);
    CHECK(one_field("uint8[]x", "[]", &err) == NULL);
    CHECK(one_field("(uint8)", "[1]", &err) == NULL);
    CHECK(one_field("M", "{}", &err) == NULL); /* M refers to itself */
    CHECK_CONTAINS(err.msg, "cyclic");
    CHECK(digest_of("{\"types\":{\"A\":[{\"name\":\"b\",\"type\":\"B[]\"}],\"B\":[{\"name\":\"a\","
                    "\"type\":\"A[]\"}]},\"primaryType\":\"A\",\"domain\":{},\"message\":{\"b\":[]}}",
                    &err) == NULL);
    CHECK_CONTAINS(err.msg, "cyclic");
    CHECK(digest_of("{\"types\":{\"uint8\":[]},\"primaryType\":\"uint8\",\"domain\":{},"
                    "\"message\":{}}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "not usable as a struct type name");
    CHECK(digest_of("{\"types\":{\"A B\":[]},\"primaryType\":\"A B\",\"domain\":{},"
                    "\"message\":{}}", &err) == NULL);
    CHECK(digest_of("{\"types\":{\"M\":[{\"name\":\"x\",\"type\":\"uint8\"},{\"name\":\"x\","
                    "\"type\":\"bool\"}]},\"primaryType\":\"M\",\"domain\":{},\"message\":{}}",
                    &err) == NULL);
    CHECK_CONTAINS(err.msg, "duplicate field");
    CHECK(digest_of("{\"types\":{\"M\":[{\"name\":\"x y\",\"type\":\"uint8\"}]},\"primaryType\":"
                    "\"M\",\"domain\":{},\"message\":{}}", &err) == NULL);
    CHECK(digest_of("{\"types\":{\"M\":[{\"name\":\"x\",\"type\":\"uint8\",\"internalType\":\"u\"}]},"
                    "\"primaryType\":\"M\",\"domain\":{},\"message\":{\"x\":1}}", &err) == NULL);
    CHECK(digest_of("{\"types\":{\"M\":{}},\"primaryType\":\"M\",\"domain\":{},\"message\":{}}",
                    &err) == NULL);
}

TEST(eip712_rejects_messages)
{
    struct mcp_error err;

    CHECK(digest_of("{\"types\":{" MAIL_TYPES "}," MAIL_REST ",\"extra\":1}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "unexpected key \"extra\"");
    CHECK(digest_of("{\"types\":{" MAIL_TYPES "},\"primaryType\":\"Mail\",\"domain\":{},"
                    "\"message\":{\"from\":{\"name\":\"a\",\"wallet\":"
                    "\"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826\"},\"contents\":\"x\"}}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "message.to: missing");
    CHECK(digest_of("{\"types\":{" MAIL_TYPES "},\"primaryType\":\"Mail\",\"domain\":{},"
                    "\"message\":{\"from\":{\"name\":\"a\",\"wallet\":"
                    "\"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826\",\"age\":3},\"to\":{},"
                    "\"contents\":\"x\"}}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "message.from: \"age\" is not a field of Person");
    CHECK(digest_of("{\"types\":{" MAIL_TYPES "},\"primaryType\":\"Nope\",\"domain\":{},"
                    "\"message\":{}}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "primaryType: \"Nope\" is not defined");
    CHECK(digest_of("{\"types\":{" MAIL_TYPES "},\"primaryType\":\"EIP712Domain\",\"domain\":{},"
                    "\"message\":{}}", &err) == NULL);
    CHECK(digest_of("{\"types\":{" MAIL_TYPES "},\"primaryType\":\"Mail\",\"domain\":{}}",
                    &err) == NULL);
    CHECK_CONTAINS(err.msg, "\"message\" is missing");
    CHECK(digest_of("[]", &err) == NULL);
    /* a domain key the given EIP712Domain does not declare */
    CHECK(digest_of("{\"types\":{" MAIL_DOMAIN_TYPE "," MAIL_TYPES "},\"primaryType\":\"Mail\","
                    "\"domain\":{\"name\":\"Ether Mail\",\"version\":\"1\",\"chainId\":1,"
                    "\"verifyingContract\":\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\",\"salt\":"
                    "\"0x00\"},\"message\":{}}", &err) == NULL);
    CHECK_CONTAINS(err.msg, "domain: \"salt\" is not a field of EIP712Domain");
}

/* Nesting deeper than 16 (struct levels plus array dimensions) and too many values. */
TEST(eip712_limits)
{
    char text[8192], *p = text;
    struct mcp_error err;
    size_t nvals = ETH_EIP712_MAX_VALUES + 1;
    char *big;

    /* S0 { S1 x } ... S15 { uint8 x }: 16 levels, accepted; S0 { uint8[] x } over 17 fails */
    for (int levels = 16; levels <= 17; levels++) {
        p = text;
        p += sprintf(p, "{\"types\":{");
        for (int i = 0; i < levels; i++) {
            if (i + 1 < levels)
                p += sprintf(p, "\"S%d\":[{\"name\":\"x\",\"type\":\"S%d\"}],", i, i + 1);
            else
                p += sprintf(p, "\"S%d\":[{\"name\":\"x\",\"type\":\"uint8\"}]", i);
        }
        p += sprintf(p, "},\"primaryType\":\"S0\",\"domain\":{},\"message\":");
        for (int i = 0; i < levels; i++)
            p += sprintf(p, "{\"x\":");
        p += sprintf(p, "1");
        for (int i = 0; i < levels; i++)
            p += sprintf(p, "}");
        sprintf(p, "}");
        if (levels == 16) {
            CHECK(digest_of(text, &err) != NULL);
        } else {
            CHECK(digest_of(text, &err) == NULL);
            CHECK_CONTAINS(err.msg, "nested more than 16 levels");
        }
    }
    CHECK(one_field("uint8[][][][][][][][][][][][][][][][]", "[]", &err) == NULL);
    big = malloc(2 * nvals + 256);
    CHECK(big != NULL);
    p = big + sprintf(big, "{\"types\":{\"M\":[{\"name\":\"x\",\"type\":\"uint8[]\"}]},"
                           "\"primaryType\":\"M\",\"domain\":{},\"message\":{\"x\":[");
    for (size_t i = 0; i < nvals; i++)
        p += sprintf(p, i ? ",0" : "0");
    sprintf(p, "]}}");
    CHECK(digest_of(big, &err) == NULL);
    CHECK_CONTAINS(err.msg, "more than 100000 values");
    free(big);
}

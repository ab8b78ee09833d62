/* test_zd_account.c: Kernel v3 account derivation: selectors, the factories' init code
 * hashes (against the SDK's constants), counterfactual addresses (against SDK fixtures),
 * initCode parsing, and the policy encodings that need no SDK to check. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_abi.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "test.h"
#include "zd_account.h"
#include "zd_call_policy.h"
#include "zd_const.h"
#include "zd_json.h"
#include "zd_policy.h"

static void check_sel(const char *sig, const char *hex, int *ok)
{
    uint8_t s[4];

    *ok = eth_abi_selector(s, sig, NULL) == MCP_OK && strcmp(test_hex(s, 4), hex) == 0;
}

TEST(zd_account_selectors_are_keccak_of_signatures)
{
    int ok = 0;

    check_sel("deployWithFactory(address,bytes,bytes32)", "c5265d5d", &ok);
    CHECK(ok);
    check_sel("initialize(bytes21,address,bytes,bytes)", "12af322c", &ok);
    CHECK(ok);
    check_sel("initialize(bytes21,address,bytes,bytes,bytes[])", "3c3b752b", &ok);
    CHECK(ok);
    check_sel("accountId()", "9cfd7cff", &ok);
    CHECK(ok);
    check_sel("eip712Domain()", "84b0196e", &ok);
    CHECK(ok);
    check_sel("execute(bytes32,bytes)", "e9ae5c53", &ok);
    CHECK(ok);
}

TEST(zd_account_init_code_hash_is_the_sdks)
{
    uint8_t h[32];

    zd_account_init_code_hash(h, ZD_KERNEL_0_3_0);
    CHECK_STR(test_hex(h, 32), &ZD_KERNEL_INIT_CODE_HASH_0_3_0[2]);
    zd_account_init_code_hash(h, ZD_KERNEL_0_3_1);
    CHECK_STR(test_hex(h, 32), &ZD_KERNEL_INIT_CODE_HASH_0_3_1[2]);
}

TEST(zd_account_counterfactual_addresses)
{
    uint8_t owner[20], a[20];
    char s[ETH_ADDR_STR_SIZE];
    struct eth_u256 idx;
    struct mcp_error err;

    CHECK_EQ_INT(eth_addr_parse(owner, "0x8e3345cF9D8890c2f86872EEAc0e3E7594225e44", "o", &err), MCP_OK);
    eth_u256_from_u64(&idx, 0);
    CHECK_EQ_INT(zd_account_address(a, ZD_KERNEL_0_3_1, owner, &idx, &err), MCP_OK);
    eth_addr_format(s, a);
    CHECK_STR(s, "0x9cE99DFEb2fe022dE1f80c0FA80e6bbFCE8F5D54");
    CHECK_EQ_INT(zd_account_address(a, ZD_KERNEL_0_3_0, owner, &idx, &err), MCP_OK);
    eth_addr_format(s, a);
    CHECK_STR(s, "0x992c1bf715B777B2a81cC0aDaaCe6254ff145022");
    eth_u256_from_u64(&idx, 7);
    CHECK_EQ_INT(zd_account_address(a, ZD_KERNEL_0_3_0, owner, &idx, &err), MCP_OK);
    eth_addr_format(s, a);
    CHECK_STR(s, "0x507E5320A72f776A4233ef3Ce063c1E0A1D0f74b");
    CHECK_EQ_INT(eth_u256_from_dec(&idx, "18446744073709551621", "i", &err), MCP_OK);
    CHECK_EQ_INT(zd_account_address(a, ZD_KERNEL_0_3_1, owner, &idx, &err), MCP_OK);
    eth_addr_format(s, a);
    CHECK_STR(s, "0xcB248147248e69C5F608C1B9d643C929b7fCA244");
}

TEST(zd_account_init_code_round_trip)
{
    struct zd_hex h;
    struct eth_u256 idx, got_idx;
    uint8_t owner[20];
    enum zd_kernel k;
    struct mcp_error err;
    char bad[2048];

    zd_hex_init(&h);
    eth_u256_from_u64(&idx, 7);
    CHECK_EQ_INT(zd_account_init_code(&h, ZD_KERNEL_0_3_0, "0x8e3345cF9D8890c2f86872EEAc0e3E7594225e44",
                                      &idx, &err), MCP_OK);
    /* the SDK's spelling: factory lower case, validator and owner EIP-55 */
    CHECK_CONTAINS(zd_hex_str(&h), "6723b44abeec4e71ebe3232bd5b455805badd22f");
    CHECK_CONTAINS(zd_hex_str(&h), "12af322c018104e3Ad430EA6d354d013A6789fDFc71E671c43");
    CHECK_CONTAINS(zd_hex_str(&h), "148e3345cF9D8890c2f86872EEAc0e3E7594225e44");
    CHECK_EQ_INT(zd_account_parse_init_code(&k, owner, &got_idx, zd_hex_str(&h), &err), MCP_OK);
    CHECK_EQ_INT(k, ZD_KERNEL_0_3_0);
    CHECK_STR(test_hex(owner, 20), "8e3345cf9d8890c2f86872eeac0e3e7594225e44");
    CHECK_EQ_INT(eth_u256_cmp(&got_idx, &idx), 0);
    snprintf(bad, sizeof bad, "%s", zd_hex_str(&h));
    bad[strlen(bad) - 1] = '1'; /* trailing garbage in the padding */
    CHECK_EQ_INT(zd_account_parse_init_code(&k, owner, &got_idx, bad, &err), MCP_EINVAL);
    zd_hex_free(&h);
}

TEST(zd_account_kernel_versions)
{
    enum zd_kernel k;
    struct mcp_error err;

    CHECK_EQ_INT(zd_kernel_parse(&k, "0.3.1", &err), MCP_OK);
    CHECK_STR(zd_kernel_domain_version(k), "0.3.1");
    CHECK_EQ_INT(zd_kernel_parse(&k, "0.3.0", &err), MCP_OK);
    CHECK_STR(zd_kernel_domain_version(k), "0.3.0-beta");
    CHECK_EQ_INT(zd_kernel_parse(&k, "0.3.3", &err), MCP_EUNSUPPORTED);
    CHECK_EQ_INT(zd_kernel_parse(&k, "v3", &err), MCP_EINVAL);
}

static enum mcp_rc spec_policy(json_t **out, const char *kind, const char *spec_text,
                               const char *version, struct mcp_error *err)
{
    json_t *spec = json_loads(spec_text, JSON_DECODE_ANY, NULL);
    enum mcp_rc rc = zd_policy_from_spec(out, kind, spec, version, err);

    json_decref(spec);
    return rc;
}

static const char *encoded(json_t *p, struct zd_hex *info)
{
    static char buf[4096];
    struct zd_hex data;

    zd_hex_init(&data);
    zd_hex_init(info);
    if (zd_policy_encode(info, &data, p, NULL) != MCP_OK)
        snprintf(buf, sizeof buf, "error");
    else
        snprintf(buf, sizeof buf, "%s", zd_hex_str(&data));
    zd_hex_free(&data);
    return buf;
}

TEST(zd_policy_simple_encodings)
{
    json_t *p = NULL;
    struct zd_hex info;
    struct mcp_error err;

    CHECK_EQ_INT(spec_policy(&p, "timestamp", "{\"validAfter\":1,\"validUntil\":2}", NULL, &err), MCP_OK);
    CHECK_STR(encoded(p, &info), "0x0000000000000000000000000000000000000000000000000000000000000001"
                                 "0000000000000000000000000000000000000000000000000000000000000002");
    CHECK_STR(zd_hex_str(&info), "0x0000B9f8f524bE6EcD8C945b1b87f9ae5C192FdCE20F");
    zd_hex_free(&info);
    json_decref(p);
    CHECK_EQ_INT(spec_policy(&p, "sudo", "true", NULL, &err), MCP_OK);
    CHECK_STR(encoded(p, &info), "0x");
    zd_hex_free(&info);
    json_decref(p);
    CHECK_EQ_INT(spec_policy(&p, "rateLimit", "{\"count\":2,\"interval\":10,\"startAt\":3}", NULL,
                             &err), MCP_OK);
    CHECK_STR(encoded(p, &info), "0x00000000000a000000000002000000000003");
    zd_hex_free(&info);
    json_decref(p);
    CHECK_EQ_INT(spec_policy(&p, "rateLimit", "{\"count\":0,\"interval\":10}", NULL, &err), MCP_EINVAL);
    CHECK_EQ_INT(spec_policy(&p, "rateLimit", "{\"count\":1,\"interval\":281474976710656}", NULL, &err),
                 MCP_EINVAL);
    CHECK_EQ_INT(spec_policy(&p, "timestamp", "{\"validAfter\":5,\"validUntil\":2}", NULL, &err),
                 MCP_EINVAL);
    CHECK_EQ_INT(spec_policy(&p, "gas", "{\"allowed\":\"340282366920938463463374607431768211456\"}",
                             NULL, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "uint128");
    CHECK_EQ_INT(spec_policy(&p, "teleport", "{}", NULL, &err), MCP_EINVAL);
}

TEST(zd_call_policy_refuses_what_the_contract_would)
{
    json_t *p = NULL;
    struct mcp_error err;

    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\","
                             "\"selector\":\"0x12345678\",\"rules\":[{\"condition\":\"ONE_OF\","
                             "\"offset\":0,\"params\":\"0x00\"}]}]", "0.0.1", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "ONE_OF needs CallPolicy 0.0.2");
    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\","
                             "\"abi\":[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[]},"
                             "{\"type\":\"function\",\"name\":\"f\",\"inputs\":[{\"type\":\"uint256\"}]}],"
                             "\"functionName\":\"f\"}]", "0.0.4", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "overloaded");
    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\","
                             "\"abi\":[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[{\"type\":\"uint\"}]}],"
                             "\"functionName\":\"f\"}]", "0.0.4", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "uint256");
    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\","
                             "\"abi\":[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[{\"type\":\"string\"}]}],"
                             "\"functionName\":\"f\",\"args\":[{\"condition\":\"SLICE_EQUAL\",\"value\":\"ab\","
                             "\"start\":0,\"length\":3}]}]", "0.0.5", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "2 bytes long");
    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\","
                             "\"selector\":\"0x12345678\",\"rules\":[{\"condition\":\"EQUAL\","
                             "\"offset\":0,\"params\":[\"0x01\"]}]}]", "0.0.4", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "32-byte word");
    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664C2603336E57B271c5C0b26F421741e481\"}]",
                             "0.0.4", &err), MCP_EINVAL); /* bad checksum */
    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\","
                             "\"sel\":\"0x12345678\"}]", "0.0.4", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "unknown key");
    CHECK_EQ_INT(spec_policy(&p, "call", "[]", "0.0.4", &err), MCP_EINVAL);
    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\"}]",
                             NULL, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "callPolicyVersion");
}

TEST(zd_call_policy_defaults_follow_the_sdk)
{
    json_t *p = NULL, *perm;
    struct mcp_error err;
    char *s = NULL;

    CHECK_EQ_INT(spec_policy(&p, "call", "[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\","
                             "\"valueLimit\":5}]", "0.0.2", &err), MCP_OK);
    perm = json_array_get(json_object_get(json_object_get(p, "policyParams"), "permissions"), 0);
    CHECK_EQ_INT(zd_json_stringify(&s, perm, &err), MCP_OK);
    CHECK_STR(s, "{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\",\"valueLimit\":\"5\","
                 "\"callType\":\"0x00\",\"selector\":\"0x00000000\",\"rules\":[]}");
    free(s);
    json_decref(p);
}

/* test_zd_serialize.c: the serialized approval: JSON text as JavaScript writes it, base64,
 * the signer check before writing, and reading it back with tampering refused (a wrong
 * signature names the address it recovers). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_secp.h"
#include "test.h"
#include "zd_json.h"
#include "zd_serialize.h"

#define OWNER_KEY "0x32fa48ad81d8e8fb174e005bd31e4aecc90b57d9476f9d7169a0ac59d7df2b76"
#define SESSION "0x178dB395AE63C918fA0a38537E647056720C3CF2"

/* The fixture k031-call004-twap-undeployed: its serialized approval, as the SDK wrote it,
 * begins with this JSON and carries this signature. */
#define SDK_SIG "0x34a1ece5bcd367e916802d47191b1904c5db2b46d261f366938db39f3c23fdcd1080c33dba5b30624be5b452d8ff8907c8c84e92dea591e999536223543b59e61b"

static const char *const spec_text =
    "{\"call\":[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\",\"selector\":"
    "\"0x04e45aaf\",\"valueLimit\":\"0\",\"rules\":[{\"condition\":\"LESS_THAN_OR_EQUAL\","
    "\"offset\":128,\"params\":[\"0x0000000000000000000000000000000000000000000000000000000002"
    "faf080\"]}]}],\"rateLimit\":{\"count\":24,\"interval\":3600}}";

static enum mcp_rc build(struct zd_approval *a, uint8_t key[32], struct mcp_error *err)
{
    struct zd_account_ref ref;
    struct zd_permission perm;
    struct zd_onchain oc;
    uint8_t owner[20];
    json_t *spec = json_loads(spec_text, 0, NULL);
    enum mcp_rc rc = eth_hex_decode(key, 32, OWNER_KEY, "key", err);

    memset(&ref, 0, sizeof ref);
    ref.kernel = ZD_KERNEL_0_3_1;
    ref.chain_id = 8453;
    if (rc == MCP_OK)
        rc = eth_secp_address(owner, key, err);
    eth_addr_format(ref.owner, owner);
    if (rc == MCP_OK)
        rc = zd_permission_from_spec(&perm, spec, "0.0.4", SESSION, err);
    json_decref(spec);
    if (rc == MCP_OK)
        rc = zd_approval_prepare(a, &ref, &perm, err);
    zd_onchain_assume_undeployed(&oc, ZD_KERNEL_0_3_1);
    if (rc == MCP_OK)
        rc = zd_approval_set_onchain(a, &oc, err);
    return rc;
}

static char *rebase64(const char *json_text)
{
    return zd_base64_encode((const uint8_t *)json_text, strlen(json_text));
}

/* Decode b64, replace the first `from` with `to` in the JSON text, encode again. */
static char *tamper(const char *b64, const char *from, const char *to)
{
    uint8_t *text = NULL;
    size_t len = 0;
    char *out = NULL, *at, *buf;

    if (zd_base64_decode(&text, &len, b64, "t", NULL) != MCP_OK)
        return NULL;
    at = strstr((char *)text, from);
    buf = malloc(len + strlen(to) + 1);
    if (at != NULL && buf != NULL) {
        size_t pre = (size_t)(at - (char *)text);

        memcpy(buf, text, pre);
        strcpy(buf + pre, to);
        strcat(buf, at + strlen(from));
        out = rebase64(buf);
    }
    free(buf);
    free(text);
    return out;
}

TEST(zd_json_stringify_is_javascripts)
{
    json_t *v = json_loads("{\"b\":1,\"a\":[true,null,\"x\\\"\\\\\\n\\u0001\\u00e9/\"],"
                           "\"c\":{\"z\":-5,\"y\":2.0}}", 0, NULL);
    char *s = NULL;
    struct mcp_error err;

    CHECK(v != NULL);
    CHECK_EQ_INT(zd_json_stringify(&s, v, &err), MCP_OK);
    CHECK_STR(s, "{\"b\":1,\"a\":[true,null,\"x\\\"\\\\\\n\\u0001\xc3\xa9/\"],"
                 "\"c\":{\"z\":-5,\"y\":2}}");
    free(s);
    json_decref(v);
    v = json_pack("{s:f}", "x", 0.5);
    CHECK_EQ_INT(zd_json_stringify(&s, v, &err), MCP_EINVAL);
    json_decref(v);
    v = json_pack("[I]", (json_int_t)9007199254740992LL);
    CHECK_EQ_INT(zd_json_stringify(&s, v, &err), MCP_EINVAL);
    json_decref(v);
}

TEST(zd_base64_round_trip)
{
    static const char *const cases[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="},
                                           {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}};
    uint8_t *out = NULL;
    size_t len = 0;

    for (size_t i = 0; i < 5; i++) {
        char *e = zd_base64_encode((const uint8_t *)cases[i][0], strlen(cases[i][0]));

        CHECK_STR(e, cases[i][1]);
        free(e);
        CHECK_EQ_INT(zd_base64_decode(&out, &len, cases[i][1], "t", NULL), MCP_OK);
        CHECK_EQ_INT(len, strlen(cases[i][0]));
        CHECK(memcmp(out, cases[i][0], len) == 0);
        free(out);
    }
    CHECK_EQ_INT(zd_base64_decode(&out, &len, "Zm9", "t", NULL), MCP_EINVAL);
    CHECK_EQ_INT(zd_base64_decode(&out, &len, "Zm=v", "t", NULL), MCP_EINVAL);
    CHECK_EQ_INT(zd_base64_decode(&out, &len, "Zm9v\n", "t", NULL), MCP_EINVAL);
}

TEST(zd_serialize_round_trip)
{
    struct zd_approval a;
    struct zd_verified v;
    struct mcp_error err;
    uint8_t key[32], sig[65];
    char *b64 = NULL, *json = NULL;

    CHECK_EQ_INT(build(&a, key, &err), MCP_OK);
    CHECK_EQ_INT(eth_secp_sign(sig, a.digest, key, &err), MCP_OK);
    CHECK_EQ_INT(zd_serialize_approval(&b64, &json, &a, sig, &err), MCP_OK);
    CHECK_CONTAINS(json, "{\"permissionParams\":{\"policies\":[{\"policyParams\":{\"type\":"
                   "\"call\",\"policyVersion\":\"0.0.4\",\"policyFlag\":\"0x0000\","
                   "\"permissions\":[{\"target\"");
    CHECK(strncmp(json, "{\"permissionParams\"", 19) == 0);
    CHECK_CONTAINS(json, "\"action\":{\"selector\":\"0xe9ae5c53\",\"address\":\"0x0000000000000000000000000000000000000000\"},"
                   "\"validityData\":{\"validAfter\":0,\"validUntil\":0},\"accountParams\":{\"initCode\":\"0xc5265d5d");
    CHECK_CONTAINS(json, "\"isPreInstalled\":false}");
    CHECK(strstr(json, "privateKey") == NULL);
    CHECK_EQ_INT(zd_serialize_verify(&v, b64, SESSION, 8453, NULL, &err), MCP_OK);
    CHECK(memcmp(v.permission_id, a.en.permission_id, 4) == 0);
    CHECK(memcmp(v.owner, a.owner, 20) == 0);
    CHECK(memcmp(v.account, a.account_addr, 20) == 0);
    CHECK_EQ_INT(v.kernel, ZD_KERNEL_0_3_1);
    CHECK(memcmp(v.digest, a.digest, 32) == 0);
    zd_verified_free(&v);
    free(b64);
    free(json);
    zd_approval_free(&a);
}

TEST(zd_serialize_refuses_a_signature_by_someone_else)
{
    struct zd_approval a;
    struct mcp_error err;
    uint8_t key[32], other[32], sig[65], who[20];
    char who_text[ETH_ADDR_STR_SIZE], *b64 = NULL;

    CHECK_EQ_INT(build(&a, key, &err), MCP_OK);
    memset(other, 0x42, sizeof other);
    CHECK_EQ_INT(eth_secp_sign(sig, a.digest, other, &err), MCP_OK);
    CHECK_EQ_INT(eth_secp_address(who, other, &err), MCP_OK);
    eth_addr_format(who_text, who);
    CHECK_EQ_INT(zd_serialize_approval(&b64, NULL, &a, sig, &err), MCP_ECRYPTO);
    CHECK(b64 == NULL);
    CHECK_CONTAINS(err.msg, who_text);
    CHECK_CONTAINS(err.msg, "not the owner");
    sig[64] = 31; /* not a valid v */
    CHECK_EQ_INT(zd_serialize_approval(&b64, NULL, &a, sig, &err), MCP_ECRYPTO);
    zd_approval_free(&a);
}

TEST(zd_serialize_verify_refuses_tampering)
{
    struct zd_approval a;
    struct zd_verified v;
    struct mcp_error err;
    uint8_t key[32], sig[65];
    char *b64 = NULL, *t, acct[96];

    CHECK_EQ_INT(build(&a, key, &err), MCP_OK);
    CHECK_EQ_INT(eth_secp_sign(sig, a.digest, key, &err), MCP_OK);
    CHECK_EQ_INT(zd_serialize_approval(&b64, NULL, &a, sig, &err), MCP_OK);

    /* a looser limit: the policies no longer give the stored permissionId */
    t = tamper(b64, "0000002faf080", "00000ffffffff");
    CHECK(t != NULL);
    CHECK_EQ_INT(zd_serialize_verify(&v, t, SESSION, 8453, NULL, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "permissionId");
    zd_verified_free(&v);
    free(t);

    /* another account: the signature recovers someone else, and the message says who */
    snprintf(acct, sizeof acct, "\"accountAddress\":\"%s\"", a.account);
    t = tamper(b64, acct, "\"accountAddress\":\"0x000000000000000000000000000000000000dEaD\"");
    CHECK(t != NULL);
    CHECK_EQ_INT(zd_serialize_verify(&v, t, SESSION, 8453, NULL, &err), MCP_ECRYPTO);
    CHECK_CONTAINS(err.msg, "the enable signature recovers 0x");
    CHECK_CONTAINS(err.msg, "not the owner 0x8e3345cF9D8890c2f86872EEAc0e3E7594225e44");
    zd_verified_free(&v);
    free(t);

    /* another chain, another nonce: same */
    CHECK_EQ_INT(zd_serialize_verify(&v, b64, SESSION, 1, NULL, &err), MCP_ECRYPTO);
    zd_verified_free(&v);
    /* another session key: another permission */
    CHECK_EQ_INT(zd_serialize_verify(&v, b64, "0x8e3345cF9D8890c2f86872EEAc0e3E7594225e44", 8453,
                                     NULL, &err), MCP_EINVAL);
    zd_verified_free(&v);

    /* a private key inside: refused */
    t = tamper(b64, "\"isPreInstalled\":false}",
               "\"privateKey\":\"0x01\",\"isPreInstalled\":false}");
    CHECK_EQ_INT(zd_serialize_verify(&v, t, SESSION, 8453, NULL, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "private key");
    zd_verified_free(&v);
    free(t);
    CHECK_EQ_INT(zd_serialize_verify(&v, "not base64!", SESSION, 8453, NULL, &err), MCP_EINVAL);
    zd_verified_free(&v);
    free(b64);
    zd_approval_free(&a);
}

TEST(zd_serialize_sdk_signature_verifies)
{
    struct zd_approval a;
    struct zd_onchain oc;
    struct zd_account_ref ref;
    struct zd_permission perm;
    struct mcp_error err;
    uint8_t sig[65];
    char *b64 = NULL;
    json_t *spec = json_loads(
        "{\"call\":[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\",\"selector\":"
        "\"0x04E45AAF\",\"valueLimit\":\"0\",\"rules\":[{\"condition\":\"EQUAL\",\"offset\":0,"
        "\"params\":[\"0x000000000000000000000000833589fcd6edb6e08f4c7c32d4f71b54bda02913\"]},"
        "{\"condition\":\"EQUAL\",\"offset\":96,\"params\":[\"0x0000000000000000000000009ce99dfe"
        "b2fe022de1f80c0fa80e6bbfce8f5d54\"]},{\"condition\":\"LESS_THAN_OR_EQUAL\",\"offset\":"
        "128,\"params\":[\"0x0000000000000000000000000000000000000000000000000000000002faf080\"]}"
        "]}],\"rateLimit\":{\"count\":24,\"interval\":3600},\"timestamp\":{\"validAfter\":"
        "1795600000,\"validUntil\":1795686400}}", 0, NULL);

    memset(&ref, 0, sizeof ref);
    ref.kernel = ZD_KERNEL_0_3_1;
    ref.chain_id = 8453;
    snprintf(ref.owner, sizeof ref.owner, "0x8e3345cF9D8890c2f86872EEAc0e3E7594225e44");
    CHECK_EQ_INT(zd_permission_from_spec(&perm, spec, "0.0.4", SESSION, &err), MCP_OK);
    json_decref(spec);
    CHECK_EQ_INT(zd_approval_prepare(&a, &ref, &perm, &err), MCP_OK);
    zd_onchain_assume_undeployed(&oc, ZD_KERNEL_0_3_1);
    CHECK_EQ_INT(zd_approval_set_onchain(&a, &oc, &err), MCP_OK);
    CHECK_EQ_INT(eth_hex_decode(sig, 65, SDK_SIG, "sig", &err), MCP_OK);
    CHECK_EQ_INT(zd_serialize_approval(&b64, NULL, &a, sig, &err), MCP_OK);
    free(b64);
    zd_approval_free(&a);
}

/* zd_account.c: Kernel v3 initCode, counterfactual address and version detection, as
 * @zerodev/sdk 5.5.10 accounts/kernel/createKernelAccount.ts (getKernelInitData,
 * getAccountInitCode) and @zerodev/ecdsa-validator 5.4.9 getAddress.ts compute them. */
#include "zd_account.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chain_calls.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_keccak.h"
#include "zd_const.h"

/* keccak256 prefixes, checked in tests/unit/test_zd_account.c. */
#define SEL_DEPLOY_WITH_FACTORY "c5265d5d" /* deployWithFactory(address,bytes,bytes32) */
#define SEL_INIT_0_3_0 "12af322c"          /* initialize(bytes21,address,bytes,bytes) */
#define SEL_INIT_0_3_1 "3c3b752b"          /* initialize(bytes21,address,bytes,bytes,bytes[]) */
static const uint8_t sel_account_id[4] = {0x9c, 0xfd, 0x7c, 0xff}; /* accountId() */

struct kernel_info {
    const char *name, *domain_version, *account_id;
    const char *validator, *impl, *factory, *init_selector;
};

static const struct kernel_info kernels[] = {
    {"0.3.0", "0.3.0-beta", "kernel.advanced.v0.3.0-beta", ZD_ECDSA_VALIDATOR_0_3_0,
     ZD_KERNEL_IMPL_0_3_0, ZD_KERNEL_FACTORY_0_3_0, SEL_INIT_0_3_0},
    {"0.3.1", "0.3.1", "kernel.advanced.v0.3.1", ZD_ECDSA_VALIDATOR_0_3_1, ZD_KERNEL_IMPL_0_3_1,
     ZD_KERNEL_FACTORY_0_3_1, SEL_INIT_0_3_1},
};

static const struct kernel_info *info(enum zd_kernel k)
{
    return &kernels[k == ZD_KERNEL_0_3_0 ? 0 : 1];
}

enum mcp_rc zd_kernel_parse(enum zd_kernel *out, const char *s, struct mcp_error *err)
{
    if (s != NULL && strcmp(s, "0.3.0") == 0) {
        *out = ZD_KERNEL_0_3_0;
        return MCP_OK;
    }
    if (s != NULL && strcmp(s, "0.3.1") == 0) {
        *out = ZD_KERNEL_0_3_1;
        return MCP_OK;
    }
    if (s != NULL && strncmp(s, "0.", 2) == 0 && strlen(s) <= 8)
        return mcp_errf(err, MCP_EUNSUPPORTED, "kernelVersion \"%s\" is not supported: this "
                        "server approves session keys for Kernel \"0.3.0\" and \"0.3.1\"", s);
    return mcp_errf(err, MCP_EINVAL, "kernelVersion: expected \"0.3.0\" or \"0.3.1\"");
}

const char *zd_kernel_name(enum zd_kernel k)
{
    return info(k)->name;
}

const char *zd_kernel_domain_version(enum zd_kernel k)
{
    return info(k)->domain_version;
}

static void parse_const_addr(uint8_t out[20], const char *s)
{
    if (eth_hex_decode(out, 20, s, "constant", NULL) != MCP_OK)
        memset(out, 0, 20); /* cannot happen: the constants are well-formed */
}

/* initialize(...) call data: identifier, hook 0, owner, hook data 0x[, initConfig []]. */
static void init_data(struct zd_hex *h, enum zd_kernel k, const char *owner_text)
{
    int v031 = k == ZD_KERNEL_0_3_1;
    size_t heads = v031 ? 5 : 4;

    zd_hex_add_text(h, info(k)->init_selector);
    zd_hex_add_text(h, ZD_VALIDATOR_TYPE_SECONDARY); /* bytes21, copied verbatim by viem */
    zd_hex_add_text(h, info(k)->validator);
    zd_hex_add_zeros(h, 11);
    zd_hex_add_zeros(h, 32);                         /* hook: address(0) */
    zd_hex_add_word(h, 32 * heads);                  /* owner bytes */
    zd_hex_add_word(h, 32 * heads + 64);             /* hook data */
    if (v031)
        zd_hex_add_word(h, 32 * heads + 96);         /* initConfig */
    zd_hex_add_word(h, 20);
    zd_hex_add_padded(h, owner_text);
    zd_hex_add_word(h, 0);
    if (v031)
        zd_hex_add_word(h, 0);
}

static void index_word(uint8_t w[32], const struct eth_u256 *index)
{
    eth_u256_to_be(w, index);
}

enum mcp_rc zd_account_init_code(struct zd_hex *out, enum zd_kernel k, const char *owner_text,
                                 const struct eth_u256 *index, struct mcp_error *err)
{
    uint8_t owner[20], factory[20], w[32];
    struct zd_hex data;
    enum mcp_rc rc = eth_addr_parse(owner, owner_text, "owner", err);

    if (rc != MCP_OK)
        return rc;
    zd_hex_init(&data);
    init_data(&data, k, owner_text);
    parse_const_addr(factory, info(k)->factory);
    index_word(w, index);
    zd_hex_add_text(out, SEL_DEPLOY_WITH_FACTORY);
    zd_hex_add_zeros(out, 12);
    zd_hex_add_bytes(out, factory, 20); /* an ABI address: lower case */
    zd_hex_add_word(out, 0x60);
    zd_hex_add_bytes(out, w, 32);
    zd_hex_add_word(out, zd_hex_nbytes(&data));
    zd_hex_add_padded(out, zd_hex_str(&data));
    rc = zd_hex_check(&data, err);
    if (rc == MCP_OK)
        rc = zd_hex_check(out, err);
    zd_hex_free(&data);
    return rc;
}

void zd_account_init_code_hash(uint8_t out[32], enum zd_kernel k)
{
    static const char *const pre = "603d3d8160223d3973";
    static const char *const post =
        "60095155f3363d3d373d3d363d7f360894a13ba1a3210667c828492db98dca3e2076"
        "cc3735a920a3ca505d382bbc545af43d6000803e6038573d6000fd5b3d6000f3";
    uint8_t code[9 + 20 + 2 + 32 + 32];

    if (eth_hex_decode(code, 9, pre, "proxy", NULL) != MCP_OK ||
        eth_hex_decode(code + 29, sizeof code - 29, post, "proxy", NULL) != MCP_OK)
        memset(code, 0, sizeof code); /* cannot happen */
    parse_const_addr(code + 9, info(k)->impl);
    eth_keccak256(out, code, sizeof code);
}

enum mcp_rc zd_account_address(uint8_t out[20], enum zd_kernel k, const uint8_t owner[20],
                               const struct eth_u256 *index, struct mcp_error *err)
{
    char owner_text[ETH_ADDR_STR_SIZE];
    uint8_t pre[1 + 20 + 32 + 32], w[32], *bytes = NULL, h[32];
    size_t n = 0;
    struct zd_hex data;
    enum mcp_rc rc;

    memset(out, 0, 20);
    eth_addr_format(owner_text, owner);
    zd_hex_init(&data);
    init_data(&data, k, owner_text);
    index_word(w, index);
    zd_hex_add_bytes(&data, w, 32);
    rc = zd_hex_bytes(&bytes, &n, &data, err);
    zd_hex_free(&data);
    if (rc != MCP_OK)
        return rc;
    pre[0] = 0xff;
    parse_const_addr(pre + 1, info(k)->factory);
    eth_keccak256(pre + 21, bytes, n); /* salt = keccak256(initData || index) */
    zd_account_init_code_hash(pre + 53, k);
    eth_keccak256(h, pre, sizeof pre);
    memcpy(out, h + 12, 20);
    free(bytes);
    return MCP_OK;
}

/* The owner address inside an initCode of kernel k (where init_data() puts it). */
static enum mcp_rc owner_in(uint8_t owner[20], const uint8_t *code, size_t len, enum zd_kernel k,
                            struct mcp_error *err)
{
    size_t heads = k == ZD_KERNEL_0_3_1 ? 5 : 4;
    size_t at = 4 + 32 * 4 + 4 + 32 * heads; /* call head, then initData's selector and head */

    if (len < at + 64)
        return mcp_errf(err, MCP_EINVAL, "initCode: too short");
    memcpy(owner, code + at + 32, 20);
    return MCP_OK;
}

static enum mcp_rc kernel_of_factory(enum zd_kernel *k, const uint8_t *code, size_t len,
                                     struct mcp_error *err)
{
    uint8_t f[20];

    if (len < 4 + 32 * 4 || memcmp(code, "\xc5\x26\x5d\x5d", 4) != 0)
        return mcp_errf(err, MCP_EINVAL, "initCode: not a Kernel meta-factory deployWithFactory "
                        "call");
    for (int i = 0; i < 2; i++) {
        parse_const_addr(f, kernels[i].factory);
        if (memcmp(code + 4 + 12, f, 20) == 0) {
            *k = i == 0 ? ZD_KERNEL_0_3_0 : ZD_KERNEL_0_3_1;
            return MCP_OK;
        }
    }
    return mcp_errf(err, MCP_EINVAL, "initCode: not the factory of Kernel 0.3.0 or 0.3.1");
}

enum mcp_rc zd_account_parse_init_code(enum zd_kernel *k, uint8_t owner[20],
                                       struct eth_u256 *index, const char *init_code,
                                       struct mcp_error *err)
{
    uint8_t *code = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    char owner_text[ETH_ADDR_STR_SIZE];
    struct zd_hex h;
    enum mcp_rc rc = eth_hex_decode_alloc(&code, &len, init_code, "initCode", err);

    zd_hex_init(&h);
    if (rc == MCP_OK)
        rc = kernel_of_factory(k, code, len, err);
    if (rc == MCP_OK)
        rc = owner_in(owner, code, len, *k, err);
    if (rc == MCP_OK) {
        eth_u256_from_be(index, code + 4 + 64);
        eth_addr_format(owner_text, owner);
        rc = zd_account_init_code(&h, *k, owner_text, index, err);
    }
    if (rc == MCP_OK)
        rc = zd_hex_bytes(&again, &len2, &h, err);
    if (rc == MCP_OK && (len != len2 || memcmp(code, again, len) != 0))
        rc = mcp_errf(err, MCP_EINVAL, "initCode: not an ECDSA-owned Kernel %s initCode (other "
                      "root validators, hooks and init configs are not supported)",
                      zd_kernel_name(*k));
    zd_hex_free(&h);
    free(again);
    free(code);
    return rc;
}

enum mcp_rc zd_account_detect_kernel(enum zd_kernel *out, struct chain_client *cl,
                                     const uint8_t account[20], struct mcp_error *err)
{
    uint8_t *ret = NULL;
    size_t len = 0;
    char id[CHAIN_SYMBOL_MAX + 1] = "";
    enum mcp_rc rc = chain_eth_call(&ret, &len, cl, account, sel_account_id, 4, err);

    if (rc == MCP_OK)
        rc = chain_abi_decode_string(id, sizeof id, ret, len, "accountId()", err);
    free(ret);
    if (rc != MCP_OK) {
        mcp_err_prefix(err, "reading the account's Kernel version (accountId())");
        return rc;
    }
    for (int i = 0; i < 2; i++) {
        if (strcmp(id, kernels[i].account_id) == 0) {
            *out = i == 0 ? ZD_KERNEL_0_3_0 : ZD_KERNEL_0_3_1;
            return MCP_OK;
        }
    }
    return mcp_errf(err, MCP_EUNSUPPORTED, "the account says accountId() = \"%s\"; this server "
                    "approves session keys for ZeroDev Kernel 0.3.0 and 0.3.1 only", id);
}

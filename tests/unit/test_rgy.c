/* test_rgy.c: the registry: built-in data, selectors computed at load (checked against known
 * values), config overrides (inline and file) merged over the built-in entries, load errors,
 * and resolving allowedFunctions entries by name, signature and selector. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "rgy_registry.h"
#include "test.h"

#define BASE_ROUTER02 "0x2626664c2603336E57B271c5C0b26F421741e481"
#define ETH_ROUTER02 "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45"
#define ETH_ROUTER_V1 "0xE592427A0AEce92De3Edee1F18E0157C05861564"
#define BASE_USDC "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
#define BASE_WETH "0x4200000000000000000000000000000000000006"
#define ANVIL_TOKEN "0x5FbDB2315678afecb367f032d93F642f64180aa3"
#define ANVIL_ROUTER "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"

static const uint8_t *A(const char *s)
{
    static uint8_t buf[4][20];
    static int k;
    uint8_t *a = buf[k++ % 4];

    if (eth_addr_parse(a, s, "test", NULL) != MCP_OK)
        memset(a, 0xee, 20);
    return a;
}

static const struct rgy *builtin(void)
{
    return rgy_get(NULL, NULL);
}

static const struct rgy_function *fn_named(const struct rgy_contract *c, const char *sig)
{
    for (size_t i = 0; c != NULL && i < c->n_functions; i++)
        if (strcmp(c->functions[i].signature, sig) == 0)
            return &c->functions[i];
    return NULL;
}

TEST(rgy_builtin_chains)
{
    static const struct {
        uint64_t id;
        const char *name, *usdc;
    } cases[] = {
        {1, "Ethereum", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"},
        {8453, "Base", BASE_USDC},
        {10, "Optimism", "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85"},
        {42161, "Arbitrum One", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"},
        {137, "Polygon", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359"},
        {11155111, "Sepolia", "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"},
        {84532, "Base Sepolia", "0x036CbD53842c5426634e7929541eC2318f3dCF7e"},
    };
    const struct rgy *r = builtin();
    struct mcp_error err;

    CHECK(rgy_get(NULL, &err) != NULL);
    CHECK(r != NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct rgy_token *u = rgy_chain_usdc(r, cases[i].id);
        CHECK_STR(rgy_chain_name(r, cases[i].id), cases[i].name);
        CHECK(u != NULL);
        CHECK(memcmp(u->address, A(cases[i].usdc), 20) == 0);
        CHECK_STR(u->symbol, "USDC");
        CHECK_EQ_INT(u->decimals, 6);
        CHECK_EQ_INT(u->usd, 1);
    }
    CHECK_STR(rgy_chain_name(r, 31337), "Anvil (local)");
    CHECK(rgy_chain_usdc(r, 31337) == NULL);
    CHECK(rgy_chain(r, 999999) == NULL);
    CHECK(rgy_chain_name(r, 999999) == NULL);
}

TEST(rgy_builtin_tokens)
{
    const struct rgy *r = builtin();
    const struct rgy_token *t;

    CHECK((t = rgy_token(r, 8453, A(BASE_WETH))) != NULL);
    CHECK_STR(t->symbol, "WETH");
    CHECK_EQ_INT(t->decimals, 18);
    CHECK_EQ_INT(t->usd, 0);
    CHECK((t = rgy_token(r, 10, A(BASE_WETH))) != NULL);
    CHECK((t = rgy_token(r, 1, A("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"))) != NULL);
    CHECK_STR(t->symbol, "WETH");
    CHECK((t = rgy_token(r, 42161, A("0x82aF49447D8a07e3bd95BD0d56f35241523fBab1"))) != NULL);
    CHECK((t = rgy_token(r, 1, A("0xdAC17F958D2ee523a2206206994597C13D831ec7"))) != NULL);
    CHECK_STR(t->symbol, "USDT");
    CHECK_EQ_INT(t->decimals, 6);
    CHECK_EQ_INT(t->usd, 1);
    CHECK(rgy_token(r, 1, A(BASE_WETH)) == NULL); /* the OP predeploy is not WETH on Ethereum */
    CHECK(rgy_token(r, 8453, A("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")) == NULL);
}

TEST(rgy_selectors_computed)
{
    static const struct {
        uint64_t chain;
        const char *contract, *sig, *hex;
    } cases[] = {
        {8453, BASE_ROUTER02, "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))", "04e45aaf"},
        {8453, BASE_ROUTER02, "exactInput((bytes,address,uint256,uint256))", "b858183f"},
        {8453, BASE_ROUTER02, "exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))", "5023b4df"},
        {8453, BASE_ROUTER02, "exactOutput((bytes,address,uint256,uint256))", "09b81346"},
        {8453, BASE_ROUTER02, "multicall(uint256,bytes[])", "5ae401dc"},
        {8453, BASE_ROUTER02, "multicall(bytes[])", "ac9650d8"},
        {1, ETH_ROUTER02, "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))", "04e45aaf"},
        {1, ETH_ROUTER_V1, "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))", "414bf389"},
        {1, ETH_ROUTER_V1, "exactInput((bytes,address,uint256,uint256,uint256))", "c04b8d59"},
        {1, ETH_ROUTER_V1, "exactOutputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))", "db3e2198"},
        {1, ETH_ROUTER_V1, "exactOutput((bytes,address,uint256,uint256,uint256))", "f28c0498"},
        {8453, BASE_USDC, "transfer(address,uint256)", "a9059cbb"},
        {8453, BASE_USDC, "approve(address,uint256)", "095ea7b3"},
    };
    const struct rgy *r = builtin();

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct rgy_function *f = fn_named(rgy_contract(r, cases[i].chain, A(cases[i].contract)), cases[i].sig);
        CHECK(f != NULL);
        CHECK_HEX(f->selector, 4, cases[i].hex);
    }
}

TEST(rgy_builtin_contracts)
{
    const struct rgy *r = builtin();
    const struct rgy_contract *c;
    static const uint64_t router02_chains[] = {1, 10, 137, 42161};

    CHECK((c = rgy_contract(r, 8453, A(BASE_ROUTER02))) != NULL);
    CHECK_STR(c->name, "Uniswap V3 SwapRouter02");
    CHECK_STR(c->words, "Uniswap V3 swaps");
    CHECK_EQ_INT(c->is_token, 0);
    CHECK_EQ_INT(c->n_functions, 6);
    CHECK_STR(fn_named(c, "exactInput((bytes,address,uint256,uint256))")->category, "swap");
    CHECK_STR(fn_named(c, "multicall(bytes[])")->category, "batch");
    CHECK_STR(fn_named(c, "multicall(bytes[])")->name, "multicall");
    for (size_t i = 0; i < 4; i++) {
        CHECK((c = rgy_contract(r, router02_chains[i], A(ETH_ROUTER02))) != NULL);
        CHECK_STR(c->name, "Uniswap V3 SwapRouter02");
        CHECK((c = rgy_contract(r, router02_chains[i], A(ETH_ROUTER_V1))) != NULL);
        CHECK_STR(c->name, "Uniswap V3 SwapRouter");
        CHECK_STR(c->words, "Uniswap V3 swaps");
    }
    CHECK(rgy_contract(r, 8453, A(ETH_ROUTER02)) == NULL); /* Base has its own address */
    CHECK((c = rgy_contract(r, 8453, A(BASE_USDC))) != NULL);
    CHECK_EQ_INT(c->is_token, 1);
    CHECK_STR(c->name, "USDC");
    CHECK_STR(c->words, "");
    CHECK_EQ_INT(c->n_functions, 2);
    CHECK_STR(c->functions[0].category, "transfer");
    CHECK_STR(c->functions[1].category, "approve");
}

static json_t *J(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL)
        fprintf(stderr, "test JSON: %s\n", jerr.text);
    return j;
}

#define ANVIL_OVERRIDE                                                                             \
    "{\"registry\": {"                                                                           \
    "\"chains\": {\"31337\": {\"usdc\": \"" ANVIL_TOKEN "\"}},"                                    \
    "\"tokens\": {\"31337\": {\"" ANVIL_TOKEN "\": {\"symbol\": \"USDC\", \"decimals\": 6, \"usd\": true}}},"  \
    "\"contracts\": {\"31337\": {\"" ANVIL_ROUTER "\": {\"family\": \"uniswap-v3-swaprouter02\", \"name\": \"Test Router\"}}}}}"

TEST(rgy_override_inline_merges)
{
    struct skm_config cfg;
    struct mcp_error err;
    const struct rgy *r;
    const struct rgy_contract *c;

    memset(&cfg, 0, sizeof cfg);
    cfg.file = J(ANVIL_OVERRIDE);
    CHECK(cfg.file != NULL);
    r = rgy_get(&cfg, &err);
    if (r == NULL)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(r != NULL);
    CHECK(r != builtin());
    CHECK(rgy_get(&cfg, &err) == r); /* cached */
    CHECK_STR(rgy_chain_name(r, 31337), "Anvil (local)"); /* field merge keeps the name */
    CHECK(rgy_chain_usdc(r, 31337) != NULL);
    CHECK_STR(rgy_chain_usdc(r, 31337)->symbol, "USDC");
    CHECK((c = rgy_contract(r, 31337, A(ANVIL_ROUTER))) != NULL);
    CHECK_STR(c->name, "Test Router");
    CHECK_STR(c->words, "Uniswap V3 swaps");
    CHECK_EQ_INT(c->n_functions, 6);
    CHECK((c = rgy_contract(r, 31337, A(ANVIL_TOKEN))) != NULL);
    CHECK_EQ_INT(c->is_token, 1);
    /* built-in entries are still there, and the built-in registry is unchanged */
    CHECK(rgy_contract(r, 8453, A(BASE_ROUTER02)) != NULL);
    CHECK(rgy_chain_usdc(builtin(), 31337) == NULL);
    json_decref(cfg.file);
}

TEST(rgy_override_replaces_entries)
{
    struct skm_config cfg;
    struct mcp_error err;
    const struct rgy *r;
    const struct rgy_contract *c;

    memset(&cfg, 0, sizeof cfg);
    cfg.file = J("{\"registry\": {"
                 "\"chains\": {\"8453\": {\"name\": \"Base mainnet\"}, \"1\": {\"usdc\": null}},"
                 "\"tokens\": {\"8453\": {\"0x4200000000000000000000000000000000000006\": {\"symbol\": \"WETH9\", \"decimals\": 18}}},"
                 "\"contracts\": {\"8453\": {\"0x2626664c2603336e57b271c5c0b26f421741e481\": "
                 "{\"name\": \"Router\", \"words\": \"test swaps\", \"functions\": "
                 "[{\"signature\": \"swap( address to , uint256 amount )\", \"category\": \"swap\"}]}}}}}");
    CHECK((r = rgy_get(&cfg, &err)) != NULL);
    CHECK_STR(rgy_chain_name(r, 8453), "Base mainnet");
    CHECK(rgy_chain_usdc(r, 8453) != NULL); /* usdc kept: fields merge */
    CHECK(rgy_chain_usdc(r, 1) == NULL);    /* usdc: null removes it */
    CHECK_STR(rgy_token(r, 8453, A(BASE_WETH))->symbol, "WETH9");
    CHECK((c = rgy_contract(r, 8453, A(BASE_ROUTER02))) != NULL);
    CHECK_STR(c->name, "Router");
    CHECK_EQ_INT(c->n_functions, 1);
    CHECK_STR(c->functions[0].signature, "swap(address,uint256)");
    CHECK_STR(c->functions[0].name, "swap");
    json_decref(cfg.file);
}

TEST(rgy_override_file)
{
    char dir[512], path[600], cfgpath[600];
    struct skm_config cfg;
    struct mcp_error err;
    const struct rgy *r;
    json_t *root = J(ANVIL_OVERRIDE), *reg = json_object_get(root, "registry");
    FILE *f;

    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(path, sizeof path, "%s/reg.json", dir);
    snprintf(cfgpath, sizeof cfgpath, "%s/config.json", dir);
    CHECK(json_dump_file(reg, path, 0) == 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.config_file = cfgpath;
    cfg.file = J("{\"registry\": \"reg.json\"}");
    r = rgy_get(&cfg, &err);
    if (r == NULL)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(r != NULL);
    CHECK_STR(rgy_contract(r, 31337, A(ANVIL_ROUTER))->name, "Test Router");
    json_decref(cfg.file);
    /* a missing file and a broken file */
    cfg.file = J("{\"registry\": \"missing.json\"}");
    CHECK(rgy_get(&cfg, &err) == NULL);
    CHECK_EQ_INT(err.rc, MCP_EIO);
    CHECK_CONTAINS(err.msg, "missing.json");
    json_decref(cfg.file);
    /* loaded once per process: the cache answers even after the file changes */
    CHECK((f = fopen(path, "w")) != NULL);
    fputs("{\"chains\": ", f);
    fclose(f);
    cfg.file = J("{\"registry\": \"reg.json\"}");
    CHECK(rgy_get(&cfg, &err) != NULL);
    json_decref(cfg.file);
    /* a broken file under a new (absolute) path is read now */
    snprintf(path, sizeof path, "%s/broken.json", dir);
    CHECK((f = fopen(path, "w")) != NULL);
    fputs("{\"chains\": ", f);
    fclose(f);
    cfg.config_file = NULL;
    cfg.file = json_pack("{s:s}", "registry", path);
    CHECK(rgy_get(&cfg, &err) == NULL);
    CHECK_EQ_INT(err.rc, MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "broken.json");
    json_decref(cfg.file);
    json_decref(root);
}

static void expect_override_error(const char *override, const char *needle, int line)
{
    struct mcp_error err;
    struct rgy *r = NULL;
    json_t *j = J(override);

    if (j == NULL || rgy_load(&r, j, &err) == MCP_OK || err.rc != MCP_EINVAL ||
        strstr(err.msg, needle) == NULL)
        test_fail(__FILE__, line, "override %s: expected an error containing \"%s\", got \"%s\"",
                  override, needle, r ? "(loaded)" : err.msg);
    rgy_free(r);
    json_decref(j);
}

TEST(rgy_override_errors)
{
    struct skm_config cfg;
    struct mcp_error err;

    expect_override_error("{\"chain\": {}}", "unknown key \"chain\"", __LINE__);
    expect_override_error("{\"chains\": {\"base\": {\"name\": \"x\"}}}", "chains.\"base\"", __LINE__);
    expect_override_error("{\"chains\": {\"08453\": {\"name\": \"x\"}}}", "expected a chain id", __LINE__);
    expect_override_error("{\"chains\": {\"5\": {\"name\": \"\"}}}", "chains.5.name", __LINE__);
    expect_override_error("{\"chains\": {\"5\": {\"name\": \"Goerli\", \"usdc\": \"" ANVIL_TOKEN "\"}}}",
                          "is not in tokens.5", __LINE__);
    expect_override_error("{\"tokens\": {\"5\": {\"0x5FbDB2315678afecb367f032d93F642f64180aA3\": "
                          "{\"symbol\": \"X\", \"decimals\": 6}}}}", "checksum mismatch", __LINE__);
    expect_override_error("{\"tokens\": {\"5\": {\"" ANVIL_TOKEN "\": {\"symbol\": \"X\", \"decimals\": 78}}}}",
                          "decimals must be a whole number from 0 to 77", __LINE__);
    expect_override_error("{\"tokens\": {\"5\": {\"" ANVIL_TOKEN "\": {\"symbol\": \"X\", \"decimal\": 6}}}}",
                          "unknown key \"decimal\"", __LINE__);
    expect_override_error("{\"contracts\": {\"5\": {\"" ANVIL_ROUTER "\": {\"family\": \"nope\"}}}}",
                          "no family \"nope\"", __LINE__);
    expect_override_error("{\"contracts\": {\"5\": {\"" ANVIL_ROUTER "\": {\"words\": \"x\"}}}}",
                          "name must be a text", __LINE__);
    expect_override_error("{\"contracts\": {\"5\": {\"" ANVIL_ROUTER "\": {\"name\": \"R\", \"functions\": []}}}}",
                          "functions must be a list of 1 to", __LINE__);
    expect_override_error("{\"contracts\": {\"5\": {\"" ANVIL_ROUTER "\": {\"name\": \"R\", \"functions\": "
                          "[{\"signature\": \"swap(uint257)\", \"category\": \"swap\"}]}}}}",
                          "functions[0].signature", __LINE__);
    expect_override_error("{\"contracts\": {\"5\": {\"" ANVIL_ROUTER "\": {\"name\": \"R\", \"functions\": "
                          "[{\"signature\": \"swap(uint256)\", \"category\": \"trade\"}]}}}}",
                          "category \"trade\" is not one of", __LINE__);
    expect_override_error("{\"contracts\": {\"5\": {\"" ANVIL_ROUTER "\": {\"name\": \"R\", \"functions\": "
                          "[{\"signature\": \"swap(uint256)\", \"category\": \"swap\"}, "
                          "{\"signature\": \"swap(uint256 x)\", \"category\": \"swap\"}]}}}}",
                          "share a selector", __LINE__);
    {   /* without an error struct: the same answer, no crash */
        struct rgy *r = NULL;
        json_t *j = J("{\"tokens\": {\"5\": {\"" ANVIL_TOKEN "\": {\"symbol\": \"X\"}}}}");
        CHECK_EQ_INT(rgy_load(&r, j, NULL), MCP_EINVAL);
        CHECK(r == NULL);
        json_decref(j);
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.file = J("{\"registry\": 5}");
    CHECK(rgy_get(&cfg, &err) == NULL);
    CHECK_EQ_INT(err.rc, MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "\"registry\" must be the path of a JSON file or an object");
    json_decref(cfg.file);
}

/* ---- resolving allowedFunctions entries ---- */

static const struct rgy_contract *router02(void)
{
    return rgy_contract(builtin(), 8453, A(BASE_ROUTER02));
}

TEST(rgy_resolve_by_name)
{
    struct rgy_resolved r;
    struct mcp_error err;

    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "exactInputSingle", "allowedFunctions[0]", &err), MCP_OK);
    CHECK_STR(r.signature, "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))");
    CHECK_STR(r.name, "exactInputSingle");
    CHECK_HEX(r.selector, 4, "04e45aaf");
    CHECK_STR(r.category, "swap");
    CHECK_EQ_INT(r.known, 1);
    CHECK_EQ_INT(r.overloaded, 0);
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), " exactInputSingle\t", "x", &err), MCP_OK);
    CHECK_HEX(r.selector, 4, "04e45aaf");
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), " 0x04e45aaf ", "x", &err), MCP_OK);
    CHECK_STR(r.name, "exactInputSingle");
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "exactinputsingle", "allowedFunctions[0]", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "did you mean \"exactInputSingle\"?");
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "sweepToken", "allowedFunctions[2]", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "allowedFunctions[2]: \"sweepToken\" is not a function of Uniswap V3 SwapRouter02; "
                            "send one of: exactInputSingle, exactInput, exactOutputSingle, exactOutput, "
                            "multicall(uint256,bytes[]), multicall(bytes[])");
    CHECK_EQ_INT(r.known, 0);
    CHECK_STR(r.signature, "");
}

TEST(rgy_resolve_ambiguous_name)
{
    struct rgy_resolved r;
    struct mcp_error err;

    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "multicall", "allowedFunctions[1]", &err), MCP_EINVAL);
    CHECK_STR(err.msg, "allowedFunctions[1]: Uniswap V3 SwapRouter02 has several functions named \"multicall\"; "
                       "send the full signature of the one you mean: \"multicall(uint256,bytes[])\", "
                       "\"multicall(bytes[])\"");
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "multicall(bytes[] data)", "x", &err), MCP_OK);
    CHECK_STR(r.signature, "multicall(bytes[])");
    CHECK_STR(r.category, "batch");
    CHECK_EQ_INT(r.overloaded, 1);
}

TEST(rgy_resolve_by_signature)
{
    struct rgy_resolved r;
    struct mcp_error err;

    CHECK_EQ_INT(rgy_resolve_function(&r, router02(),
                                      "  exactInput ( (bytes path,\taddress recipient, uint256 amountIn,\n uint256 amountOutMinimum) )  ",
                                      "x", &err), MCP_OK);
    CHECK_STR(r.signature, "exactInput((bytes,address,uint256,uint256))");
    CHECK_HEX(r.selector, 4, "b858183f");
    CHECK_EQ_INT(r.known, 1);
    /* v1's signature is not SwapRouter02's */
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(),
                                      "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
                                      "allowedFunctions[0]", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "is not a function of Uniswap V3 SwapRouter02");
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "exactInput((bytes,address,uint256,uint256)", "allowedFunctions[0]", &err),
                 MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "allowedFunctions[0]: ");
    CHECK_CONTAINS(err.msg, "unbalanced parentheses");
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "exact Input(bytes)", "allowedFunctions[0]", &err), MCP_EINVAL);
}

TEST(rgy_resolve_by_selector)
{
    struct rgy_resolved r;
    struct mcp_error err;

    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "0x04E45AAF", "x", &err), MCP_OK);
    CHECK_STR(r.name, "exactInputSingle");
    CHECK_EQ_INT(r.known, 1);
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "0xdeadbeef", "allowedFunctions[3]", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "allowedFunctions[3]: \"0xdeadbeef\" is not a function of Uniswap V3 SwapRouter02; send one of:");
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "0x04e45a", "allowedFunctions[0]", &err), MCP_EINVAL);
    CHECK_STR(err.msg, "allowedFunctions[0]: \"0x04e45a\" is not a selector; a selector is 0x and 8 hex digits, "
                       "such as 0x04e45aaf");
    CHECK_EQ_INT(rgy_resolve_function(&r, router02(), "0x04e45aag", "x", &err), MCP_EINVAL);
}

TEST(rgy_resolve_unknown_contract)
{
    struct rgy_resolved r;
    struct mcp_error err;

    CHECK_EQ_INT(rgy_resolve_function(&r, NULL, "swap(address to, uint256 amount)", "x", &err), MCP_OK);
    CHECK_STR(r.signature, "swap(address,uint256)");
    CHECK_STR(r.name, "swap");
    CHECK_EQ_INT(r.known, 0);
    CHECK_STR(r.category, "");
    CHECK_EQ_INT(rgy_resolve_function(&r, NULL, "0xDEADBEEF", "x", &err), MCP_OK);
    CHECK_HEX(r.selector, 4, "deadbeef");
    CHECK_STR(r.signature, "");
    CHECK_STR(r.name, "");
    CHECK_EQ_INT(r.known, 0);
    CHECK_EQ_INT(rgy_resolve_function(&r, NULL, "swap", "allowedFunctions[0]", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "allowedFunctions[0]: \"swap\" is only a name, and the contract is not one we know");
    CHECK_CONTAINS(err.msg, "\"swap(address,uint256)\"");
    CHECK_EQ_INT(rgy_resolve_function(&r, NULL, "", "allowedFunctions[0]", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "allowedFunctions[0]: empty");
    CHECK_EQ_INT(rgy_resolve_function(&r, NULL, "swap tokens", "allowedFunctions[0]", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "is not a function name, signature or selector");
}

TEST(rgy_resolve_token_functions)
{
    const struct rgy_contract *usdc = rgy_contract(builtin(), 8453, A(BASE_USDC));
    struct rgy_resolved r;
    struct mcp_error err;

    CHECK_EQ_INT(rgy_resolve_function(&r, usdc, "transfer", "x", &err), MCP_OK);
    CHECK_STR(r.category, "transfer");
    CHECK_EQ_INT(rgy_resolve_function(&r, usdc, "0x095ea7b3", "x", &err), MCP_OK);
    CHECK_STR(r.name, "approve");
    CHECK_EQ_INT(rgy_resolve_function(&r, usdc, "transferFrom", "x", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "is not a function of USDC; send one of: transfer, approve");
}

TEST(rgy_parse_signature_canonical)
{
    struct rgy_function f;
    struct mcp_error err;

    CHECK_EQ_INT(rgy_parse_signature(&f, "f( (uint a, address[ ] b) [2] c, bytes d)", "sig", &err), MCP_OK);
    CHECK_STR(f.signature, "f((uint256,address[])[2],bytes)");
    CHECK_STR(f.name, "f");
    CHECK_STR(f.category, "");
    CHECK_EQ_INT(rgy_parse_signature(&f, "transfer(address,uint256)", "sig", &err), MCP_OK);
    CHECK_HEX(f.selector, 4, "a9059cbb");
    CHECK_EQ_INT(rgy_parse_signature(&f, "transfer", "sig", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "sig: ");
}

TEST(rgy_token_by_symbol)
{
    const struct rgy *r = builtin();
    const struct rgy_token *t;
    struct rgy *o = NULL;
    json_t *j;

    CHECK((t = rgy_token_by_symbol(r, 8453, "USDC")) != NULL);
    CHECK(memcmp(t->address, A(BASE_USDC), 20) == 0);
    CHECK((t = rgy_token_by_symbol(r, 8453, "weth")) != NULL);
    CHECK_STR(t->symbol, "WETH");
    CHECK(rgy_token_by_symbol(r, 8453, "USDT") == NULL);
    CHECK((t = rgy_token_by_symbol(r, 1, "USDT")) != NULL);
    CHECK(rgy_token_by_symbol(r, 31337, "USDC") == NULL);
    CHECK(rgy_token_by_symbol(r, 8453, NULL) == NULL);
    /* two tokens with one symbol: ambiguous, unless one matches exactly */
    j = J("{\"tokens\": {\"8453\": {\"" ANVIL_TOKEN "\": {\"symbol\": \"USDC\", \"decimals\": 6},"
          " \"" ANVIL_ROUTER "\": {\"symbol\": \"weth\", \"decimals\": 18}}}}");
    CHECK_EQ_INT(rgy_load(&o, j, NULL), MCP_OK);
    CHECK(rgy_token_by_symbol(o, 8453, "USDC") == NULL);
    CHECK_STR(rgy_token_by_symbol(o, 8453, "WETH")->symbol, "WETH");
    CHECK(rgy_token_by_symbol(o, 8453, "Weth") == NULL);
    rgy_free(o);
    json_decref(j);
}

TEST(rgy_contract_with_function)
{
    static const char v2[] = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))";
    static const char v1[] = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))";
    const struct rgy *r = builtin();
    const struct rgy_contract *c;

    CHECK((c = rgy_contract_with_function(r, 8453, v2)) != NULL);
    CHECK(memcmp(c->address, A(BASE_ROUTER02), 20) == 0);
    CHECK((c = rgy_contract_with_function(r, 1, v2)) != NULL);
    CHECK(memcmp(c->address, A(ETH_ROUTER02), 20) == 0);
    CHECK((c = rgy_contract_with_function(r, 42161, v1)) != NULL);
    CHECK(memcmp(c->address, A(ETH_ROUTER_V1), 20) == 0);
    CHECK(rgy_contract_with_function(r, 8453, v1) == NULL);
    CHECK(rgy_contract_with_function(r, 31337, v2) == NULL);
    CHECK(rgy_contract_with_function(r, 8453, "transfer(address,uint256)") == NULL); /* tokens are not routers */
}

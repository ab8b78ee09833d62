/* test_policy.c: building a policy from request arguments (every validation message, the
 * defaults), the canonical JSON form (strict parser, exact round trips of random policies,
 * sorted compact keys) and the policy hash. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_keccak.h"
#include "policy.h"
#include "test.h"

#define NOW 1767225600
#define WALLET "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
#define SESSION_KEY "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
#define BASE_ROUTER02 "0x2626664c2603336E57B271c5C0b26F421741e481"
#define BASE_USDC "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
#define BASE_WETH "0x4200000000000000000000000000000000000006"

static const char seed_args[] =
    "{\"walletAddress\": \"" WALLET "\", \"duration\": 86400,"
    " \"permissions\": {\"chainId\": 8453, \"contractAddress\": \"" BASE_ROUTER02 "\","
    " \"allowedFunctions\": [\"exactInputSingle\"], \"maxPerTransaction\": \"50\","
    " \"maxTotal\": \"1000\", \"rateLimit\": {\"count\": 1, \"period\": 3600}},"
    " \"label\": \"ETH TWAP\"}";

static const uint8_t *A(const char *s)
{
    static uint8_t buf[4][20];
    static int k;
    uint8_t *a = buf[k++ % 4];

    if (eth_addr_parse(a, s, "test", NULL) != MCP_OK)
        memset(a, 0xee, 20);
    return a;
}

/* The seed arguments with patch applied (NULL: none); a new reference. */
static json_t *args_with(const char *patch)
{
    json_t *a = json_loads(seed_args, 0, NULL), *p;

    if (patch != NULL) {
        json_error_t jerr;
        if ((p = json_loads(patch, 0, &jerr)) == NULL) {
            fprintf(stderr, "bad patch %s: %s\n", patch, jerr.text);
            json_decref(a);
            return NULL;
        }
        test_json_merge(a, p);
        json_decref(p);
    }
    return a;
}

static enum mcp_rc make(struct policy *p, const struct skm_config *cfg, const char *patch,
                        struct mcp_error *err)
{
    json_t *a = args_with(patch);
    enum mcp_rc rc = a ? policy_from_request(p, cfg, a, A(SESSION_KEY), NOW, err) : MCP_EINTERNAL;

    json_decref(a);
    return rc;
}

static int all_zero(const void *buf, size_t n)
{
    const unsigned char *b = buf;

    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

TEST(policy_seed_fields)
{
    struct policy p;
    struct mcp_error err;
    char buf[80];

    CHECK_EQ_INT(make(&p, NULL, NULL, &err), MCP_OK);
    CHECK_EQ_INT(p.version, POLICY_VERSION);
    CHECK_EQ_INT(p.chain_id, 8453);
    CHECK_STR(p.chain_name, "Base");
    CHECK(memcmp(p.wallet, A(WALLET), 20) == 0);
    CHECK(memcmp(p.owner, A(WALLET), 20) == 0); /* owner defaults to the wallet */
    CHECK(memcmp(p.session_key, A(SESSION_KEY), 20) == 0);
    CHECK(memcmp(p.target, A(BASE_ROUTER02), 20) == 0);
    CHECK_EQ_INT(p.contract_known, 1);
    CHECK_EQ_INT(p.contract_is_token, 0);
    CHECK_STR(p.contract_name, "Uniswap V3 SwapRouter02");
    CHECK_STR(p.family, "Uniswap V3 swaps");
    CHECK_EQ_INT(p.n_functions, 1);
    CHECK_STR(p.functions[0].name, "exactInputSingle");
    CHECK_STR(p.functions[0].signature,
              "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))");
    CHECK_HEX(p.functions[0].selector, 4, "04e45aaf");
    CHECK_STR(p.functions[0].category, "swap");
    CHECK_EQ_INT(p.functions[0].known, 1);
    CHECK(memcmp(p.spend_token, A(BASE_USDC), 20) == 0);
    CHECK_STR(p.token_symbol, "USDC");
    CHECK_EQ_INT(p.token_decimals, 6);
    CHECK_EQ_INT(p.token_usd, 1);
    CHECK_EQ_INT(p.token_known, 1);
    CHECK_EQ_INT(p.token_defaulted, 1);
    eth_u256_to_dec(buf, sizeof buf, &p.max_per_tx);
    CHECK_STR(buf, "50000000");
    eth_u256_to_dec(buf, sizeof buf, &p.max_total);
    CHECK_STR(buf, "1000000000");
    CHECK_EQ_INT(p.rate_count, 1);
    CHECK_EQ_INT(p.rate_period, 3600);
    CHECK_EQ_INT(p.valid_after, NOW);
    CHECK_EQ_INT(p.valid_until, NOW + 86400);
    CHECK_STR(p.label, "ETH TWAP");
    CHECK_STR(p.feature, "twap");
    CHECK_EQ_INT(policy_all_swaps(&p), 1);
    CHECK_EQ_INT(policy_has_rate_limit(&p), 1);
}

TEST(policy_defaults_and_options)
{
    struct policy p;
    struct mcp_error err;

    /* explicit spendToken: not defaulted */
    CHECK_EQ_INT(make(&p, NULL, "{\"spendToken\": \"" BASE_USDC "\"}", &err), MCP_OK);
    CHECK_EQ_INT(p.token_defaulted, 0);
    /* an owner of its own; no rate limit; no label */
    CHECK_EQ_INT(make(&p, NULL, "{\"ownerAddress\": \"" SESSION_KEY "\", \"label\": null,"
                                " \"permissions\": {\"rateLimit\": null}}", &err), MCP_OK);
    CHECK(memcmp(p.owner, A(SESSION_KEY), 20) == 0);
    CHECK_EQ_INT(p.rate_count, 0);
    CHECK_EQ_INT(p.rate_period, 0);
    CHECK_EQ_INT(policy_has_rate_limit(&p), 0);
    CHECK_STR(p.label, "");
    CHECK_STR(p.feature, "");
    /* a token contract: limits default to that token, not the chain's USDC */
    CHECK_EQ_INT(make(&p, NULL, "{\"permissions\": {\"contractAddress\": \"" BASE_WETH "\","
                                " \"allowedFunctions\": [\"transfer\"], \"maxPerTransaction\": \"0.25\","
                                " \"maxTotal\": \"1\"}}", &err), MCP_OK);
    CHECK_EQ_INT(p.contract_is_token, 1);
    CHECK_STR(p.contract_name, "WETH");
    CHECK_STR(p.token_symbol, "WETH");
    CHECK_EQ_INT(p.token_defaulted, 0);
    CHECK_EQ_INT(p.token_decimals, 18);
    CHECK_EQ_INT(policy_all_swaps(&p), 0);
    /* the same token named explicitly is fine */
    CHECK_EQ_INT(make(&p, NULL, "{\"spendToken\": \"" BASE_WETH "\", \"permissions\": {\"contractAddress\": \""
                                BASE_WETH "\", \"allowedFunctions\": [\"transfer\"], \"maxPerTransaction\": \"1\","
                                " \"maxTotal\": \"1\"}}", &err), MCP_OK);
    /* lower-case addresses need no checksum; amounts with trailing zeros are fine */
    CHECK_EQ_INT(make(&p, NULL, "{\"walletAddress\": \"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\","
                                " \"permissions\": {\"maxTotal\": \"1000.0000000\"}}", &err), MCP_OK);
}

TEST(policy_feature_from_label)
{
    static const struct {
        const char *label, *feature;
    } cases[] = {
        {"ETH TWAP", "twap"},       {"twap for arb", "twap"},     {"My Stop-Loss", "stop_loss"},
        {"stop loss ETH", "stop_loss"}, {"StopLoss", "stop_loss"}, {"DCA weekly", "DCA weekly"},
        {"Café ☕", "Café ☕"},
    };
    struct policy p;
    struct mcp_error err;
    char patch[200];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(patch, sizeof patch, "{\"label\": \"%s\"}", cases[i].label);
        CHECK_EQ_INT(make(&p, NULL, patch, &err), MCP_OK);
        CHECK_STR(p.label, cases[i].label);
        CHECK_STR(p.feature, cases[i].feature);
    }
    /* automation.kind wins over the label */
    CHECK_EQ_INT(make(&p, NULL, "{\"automation\": {\"kind\": \"stop_loss\"}}", &err), MCP_OK);
    CHECK_STR(p.label, "ETH TWAP");
    CHECK_STR(p.feature, "stop_loss");
    CHECK_EQ_INT(make(&p, NULL, "{\"label\": null, \"automation\": {\"kind\": \"twap\"}}", &err), MCP_OK);
    CHECK_STR(p.feature, "twap");
}

TEST(policy_config_registry)
{
    struct skm_config cfg;
    struct policy p;
    struct mcp_error err;

    memset(&cfg, 0, sizeof cfg);
    cfg.file = json_loads(
        "{\"registry\": {\"chains\": {\"31337\": {\"usdc\": \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"}},"
        " \"tokens\": {\"31337\": {\"0x5FbDB2315678afecb367f032d93F642f64180aa3\": {\"symbol\": \"USDC\","
        " \"decimals\": 6, \"usd\": true}}}, \"contracts\": {\"31337\": {\"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512\":"
        " {\"family\": \"uniswap-v3-swaprouter02\", \"name\": \"Anvil Router\"}}}}}", 0, NULL);
    CHECK(cfg.file != NULL);
    CHECK_EQ_INT(make(&p, &cfg, "{\"permissions\": {\"chainId\": 31337, \"contractAddress\":"
                                " \"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512\"}}", &err), MCP_OK);
    CHECK_STR(p.chain_name, "Anvil (local)");
    CHECK_STR(p.contract_name, "Anvil Router");
    CHECK_STR(p.family, "Uniswap V3 swaps");
    CHECK_STR(p.token_symbol, "USDC");
    CHECK_EQ_INT(p.token_defaulted, 1);
    /* without the config, Anvil has no token and the router is unknown */
    CHECK_EQ_INT(make(&p, NULL, "{\"permissions\": {\"chainId\": 31337, \"contractAddress\":"
                                " \"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512\"}}", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "is only a name");
    json_decref(cfg.file);
    cfg.file = json_loads("{\"registry\": {\"tokens\": {\"5\": 1}}}", 0, NULL);
    CHECK_EQ_INT(make(&p, &cfg, NULL, &err), MCP_EINVAL); /* a broken registry is reported */
    CHECK_CONTAINS(err.msg, "tokens.5 must be a JSON object");
    json_decref(cfg.file);
}

/* Every message names the field, says what was wrong and what to send instead. */
TEST(policy_validation_messages)
{
    static const struct {
        const char *patch, *want;
    } cases[] = {
        {"{\"walletAddress\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}",
         "walletAddress: checksum mismatch (did you mean " WALLET "?)"},
        {"{\"walletAddress\": \"0x0000000000000000000000000000000000000000\"}",
         "walletAddress: the zero address is not a wallet; send the address of the user's smart wallet"},
        {"{\"walletAddress\": null}", "walletAddress: missing; send an address"},
        {"{\"ownerAddress\": \"0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359\"}", "ownerAddress: checksum mismatch"},
        {"{\"ownerAddress\": \"0x0000000000000000000000000000000000000000\"}",
         "ownerAddress: the zero address cannot sign"},
        {"{\"duration\": 30}", "duration: 30 seconds is too short; a session lasts at least 1 minute (60)"},
        {"{\"duration\": 59}", "duration: 59 seconds is too short"},
        {"{\"duration\": 2592001}",
         "duration: 30 days 1 second is too long; a session lasts at most 30 days (2592000)"},
        {"{\"duration\": 2678400}", "duration: 31 days is too long; a session lasts at most 30 days (2592000)"},
        {"{\"duration\": 0}", "duration: must be more than 0; send the session's length in seconds, from 60 "
                              "(1 minute) to 2592000 (30 days)"},
        {"{\"duration\": \"86400\"}", "duration: missing or not a whole number"},
        {"{\"permissions\": {\"contractAddress\": \"0x0000000000000000000000000000000000000000\"}}",
         "contractAddress: the zero address is not a contract; send the address of the one contract the "
         "session may call"},
        {"{\"permissions\": {\"contractAddress\": \"" WALLET "\"}}",
         "contractAddress: that is the wallet itself; a session key may never call its own wallet"},
        {"{\"permissions\": {\"contractAddress\": \"0x2626664c2603336E57B271c5C0b26F421741E481\"}}",
         "contractAddress: checksum mismatch"},
        {"{\"permissions\": {\"maxFeePerOperation\": \"0\"}}", "maxFeePerOperation: must be more than 0 ETH"},
        {"{\"permissions\": {\"maxFeePerOperation\": \"0.0000000000000000001\"}}",
         "maxFeePerOperation: expected an amount of ETH as a decimal string with at most 18 decimal places"},
        {"{\"permissions\": {\"paymasters\": [\"0x0000000000000000000000000000000000000000\"]}}",
         "paymasters[0]: the zero address is not a paymaster"},
        {"{\"permissions\": {\"paymasters\": [\"0x2626664c2603336E57B271c5C0b26F421741e481\", "
         "\"0x2626664c2603336E57B271c5C0b26F421741e481\"]}}", "paymasters[1]: listed twice"},
        {"{\"permissions\": {\"maxTotal\": \"1000.0000001\"}}",
         "maxTotal: has 7 decimal places; USDC has 6; round it to at most 6"},
        {"{\"permissions\": {\"maxPerTransaction\": \"0.5000001\"}}", "maxPerTransaction: has 7 decimal places"},
        {"{\"permissions\": {\"maxPerTransaction\": \"0\"}}",
         "maxPerTransaction: must be more than 0; send an amount in USDC such as \"50\""},
        {"{\"permissions\": {\"maxTotal\": \"0.000\"}}", "maxTotal: must be more than 0"},
        {"{\"permissions\": {\"maxPerTransaction\": \"2000\"}}",
         "maxPerTransaction: $2000 USDC is more than maxTotal ($1000 USDC); one transaction cannot spend "
         "more than the whole session; lower maxPerTransaction or raise maxTotal"},
        {"{\"permissions\": {\"maxTotal\": \"1,000\"}}", "maxTotal: write the number without ',' separators"},
        {"{\"permissions\": {\"maxTotal\": null}}", "maxTotal: missing; send an amount in token units"},
        {"{\"permissions\": {\"rateLimit\": {\"count\": 0}}}", "rateLimit.count: must be a whole number of at "
                                                              "least 1 (transactions per period); leave "
                                                              "rateLimit out for no rate limit"},
        {"{\"permissions\": {\"rateLimit\": {\"period\": 0}}}",
         "rateLimit.period: must be a whole number of seconds, at least 1, such as 3600 for one hour"},
        {"{\"spendToken\": \"0x1234567890AbcdEF1234567890aBcdef12345678\"}",
         "spendToken: 0x1234567890AbcdEF1234567890aBcdef12345678 is not a token we know on Base, and the "
         "limits can only be read with its exact decimals; name it in the config file's registry"},
        {"{\"spendToken\": \"0x1234567890AbcdEF1234567890aBcdef12345678\"}",
         "or leave spendToken out to use USDC (" BASE_USDC ")"},
        {"{\"permissions\": {\"chainId\": 31337, \"contractAddress\": \"0x1234567890AbcdEF1234567890aBcdef12345678\","
         " \"allowedFunctions\": [\"0x12345678\"]}}",
         "spendToken: missing, and Anvil (local) has no default token; send spendToken, the address of "
         "the token the limits are counted in"},
        {"{\"permissions\": {\"chainId\": 999, \"contractAddress\": \"0x1234567890AbcdEF1234567890aBcdef12345678\","
         " \"allowedFunctions\": [\"0x12345678\"]}}", "spendToken: missing, and chain 999 has no default token"},
        {"{\"spendToken\": \"" BASE_USDC "\", \"permissions\": {\"chainId\": 999, \"contractAddress\":"
         " \"0x1234567890AbcdEF1234567890aBcdef12345678\", \"allowedFunctions\": [\"0x12345678\"]}}",
         "spendToken: " BASE_USDC " is not a token we know on chain 999"},
        {"{\"spendToken\": \"" BASE_WETH "\", \"permissions\": {\"contractAddress\": \"" BASE_USDC "\","
         " \"allowedFunctions\": [\"transfer\"]}}",
         "spendToken: this session may only call the USDC token contract, so its limits are counted in "
         "USDC; leave spendToken out or send " BASE_USDC},
        {"{\"spendToken\": \"" BASE_WETH "\", \"permissions\": {\"maxPerTransaction\": \"0.0000000000000000001\"}}",
         "maxPerTransaction: has 19 decimal places; WETH has 18"},
        {"{\"permissions\": {\"allowedFunctions\": [\"multicall\"]}}",
         "allowedFunctions[0]: Uniswap V3 SwapRouter02 has several functions named \"multicall\"; send the "
         "full signature of the one you mean: \"multicall(uint256,bytes[])\", \"multicall(bytes[])\""},
        {"{\"permissions\": {\"allowedFunctions\": [\"exactInputSingle\", \"0x04e45aaf\"]}}",
         "allowedFunctions[1]: the same function as allowedFunctions[0] (exactInputSingle); list each "
         "function once"},
        {"{\"permissions\": {\"allowedFunctions\": [\"exactInput\", \"multicall(bytes[])\", "
         "\"multicall( bytes[] calls )\"]}}",
         "allowedFunctions[2]: the same function as allowedFunctions[1] (multicall(bytes[]))"},
        {"{\"permissions\": {\"allowedFunctions\": [\"sweepToken\"]}}",
         "allowedFunctions[0]: \"sweepToken\" is not a function of Uniswap V3 SwapRouter02; send one of: "
         "exactInputSingle, exactInput"},
        {"{\"permissions\": {\"allowedFunctions\": []}}", "allowedFunctions: send a list of 1 to 32 functions"},
        {"{\"permissions\": {\"contractAddress\": \"0x1234567890AbcdEF1234567890aBcdef12345678\"}}",
         "allowedFunctions[0]: \"exactInputSingle\" is only a name, and the contract is not one we know"},
        {"{\"label\": \"two\\nlines\"}", "label: must be one line without control characters"},
        {"{\"label\": \"\"}", "label: send a short name of 1 to 80 characters"},
        {"{\"permissions\": null}", "permissions: missing"},
        {"{\"permissions\": {\"chainId\": 0}}", "chainId: must be a whole number of at least 1"},
    };
    struct policy p;
    struct mcp_error err;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum mcp_rc rc = make(&p, NULL, cases[i].patch, &err);
        if (rc != MCP_EINVAL || strstr(err.msg, cases[i].want) == NULL) {
            test_fail(__FILE__, __LINE__, "patch %s:\n    got      rc %d \"%s\"\n    expected \"%s\"",
                      cases[i].patch, rc, rc == MCP_OK ? "" : err.msg, cases[i].want);
            return;
        }
        CHECK(all_zero(&p, sizeof p)); /* nothing half-filled on failure */
    }
}

/* ---- canonical JSON ---- */

TEST(policy_canonical_sorted_compact)
{
    struct policy p;
    struct mcp_error err;
    char *s, *again;
    json_t *j;

    CHECK_EQ_INT(make(&p, NULL, NULL, &err), MCP_OK);
    CHECK((s = policy_canonical(&p)) != NULL);
    CHECK(strncmp(s, "{\"chainId\":8453,\"chainName\":\"Base\",\"contractIsToken\":false,\"contractKnown\":true,",
                  strlen("{\"chainId\":8453,\"chainName\":\"Base\",\"contractIsToken\":false,\"contractKnown\":true,")) == 0);
    CHECK_CONTAINS(s, "\"functions\":[{\"category\":\"swap\",\"known\":true,\"name\":\"exactInputSingle\","
                      "\"overloaded\":false,\"selector\":\"0x04e45aaf\",\"signature\":"
                      "\"exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))\"}]");
    CHECK_CONTAINS(s, "\"maxPerTransaction\":\"50000000\",\"maxTotal\":\"1000000000\"");
    CHECK_CONTAINS(s, "\"wallet\":\"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\"");
    CHECK(strstr(s, ": ") == NULL && strstr(s, ", ") == NULL);
    CHECK((j = json_loads(s, JSON_REJECT_DUPLICATES, NULL)) != NULL);
    CHECK_EQ_INT(json_object_size(j), 29); /* 28 fixed keys + the price block of a swap session */
    CHECK_CONTAINS(s, "\"price\":{\"buyDecimals\":0,\"buySymbol\":\"\",\"buyToken\":\"\",\"maxSlippageBps\":100,"
                      "\"trigger\":\"\",\"triggerBaseUnits\":\"0\"}");
    CHECK_CONTAINS(s, "\"maxFeePerOperation\":\"5000000000000000\"");
    CHECK_CONTAINS(s, "\"paymasters\":[]");
    CHECK((again = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT)) != NULL);
    CHECK_STR(again, s);
    free(again);
    free(s);
    json_decref(j);
}

TEST(policy_hash_stable)
{
    struct policy p, q;
    struct mcp_error err;
    uint8_t h[32], h2[32], k[32];
    char *s;

    CHECK_EQ_INT(make(&p, NULL, NULL, &err), MCP_OK);
    policy_hash(h, &p);
    CHECK((s = policy_canonical(&p)) != NULL);
    eth_keccak256(k, s, strlen(s));
    free(s);
    CHECK(memcmp(h, k, 32) == 0);
    CHECK_EQ_INT(policy_hash_checked(h2, &p, &err), MCP_OK);
    CHECK(memcmp(h, h2, 32) == 0);
    /* pinned: a change here changes every stored policy hash (bump POLICY_VERSION) */
    CHECK_HEX(h, 32, "a38e4a4da5531587d3c2e02fdc46736fca458764925142a0322fecbf23d07fc0");
    /* every field counts */
    q = p;
    q.valid_until++;
    policy_hash(h2, &q);
    CHECK(memcmp(h, h2, 32) != 0);
    q = p;
    q.functions[0].overloaded = 1;
    policy_hash(h2, &q);
    CHECK(memcmp(h, h2, 32) != 0);
    q = p;
    q.token_defaulted = 0;
    policy_hash(h2, &q);
    CHECK(memcmp(h, h2, 32) != 0);
}

/* ---- random policies: exact round trips ---- */

static void rand_text(char *out, size_t size, int allow_empty)
{
    static const char *const pieces[] = {"a", "Z", "0", " ", "-", "\"", "\\", "/", "é", "€", "✓", "🌍", "x", "$"};
    size_t n = allow_empty ? test_rand() % 24 : 1 + test_rand() % 23, used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *piece = pieces[test_rand() % (sizeof pieces / sizeof pieces[0])];
        if (used + strlen(piece) + 1 > size)
            break;
        strcpy(out + used, piece);
        used += strlen(piece);
    }
}

static const char *const categories[] = {"swap", "batch", "transfer", "approve", "other"};

static void rand_function(struct policy_function *f, size_t i)
{
    static const char *const params[] = {"uint256", "address,uint256", "(address,uint24)[]", "bytes", ""};
    char sig[128];
    struct rgy_function parsed;

    memset(f, 0, sizeof *f);
    if (test_rand() % 4 == 0) { /* selector only */
        test_rand_bytes(f->selector, 4);
        return;
    }
    snprintf(sig, sizeof sig, "f%zu_%llx(%s)", i, (unsigned long long)(test_rand() & 0xffff),
             params[test_rand() % 5]);
    if (rgy_parse_signature(&parsed, sig, "sig", NULL) != MCP_OK)
        return;
    memcpy(f->signature, parsed.signature, sizeof f->signature);
    memcpy(f->name, parsed.name, sizeof f->name);
    memcpy(f->selector, parsed.selector, 4);
    f->known = (int)(test_rand() % 2);
    f->overloaded = (int)(test_rand() % 2);
    if (f->known || test_rand() % 2)
        strcpy(f->category, categories[test_rand() % 5]);
}

static void rand_functions(struct policy *p)
{
    p->n_functions = 1 + test_rand() % POLICY_MAX_FUNCTIONS;
    for (size_t i = 0; i < p->n_functions; i++) {
        int dup;
        do {
            rand_function(&p->functions[i], i);
            dup = 0;
            for (size_t k = 0; k < i; k++)
                dup |= memcmp(p->functions[k].selector, p->functions[i].selector, 4) == 0;
        } while (dup);
    }
}

static void rand_u256(struct eth_u256 *v)
{
    unsigned bits = (unsigned)(test_rand() % 257);

    for (int i = 0; i < 4; i++)
        v->w[i] = (unsigned)(64 * i) < bits ? test_rand() : 0;
    if (bits % 64 != 0 && bits < 256)
        v->w[bits / 64] &= (UINT64_C(1) << (bits % 64)) - 1;
}

static void rand_policy(struct policy *p)
{
    memset(p, 0, sizeof *p);
    p->version = POLICY_VERSION;
    p->chain_id = 1 + test_rand() % ((UINT64_C(1) << 53) - 1);
    rand_text(p->chain_name, sizeof p->chain_name, 0);
    test_rand_bytes(p->wallet, 20);
    test_rand_bytes(p->owner, 20);
    test_rand_bytes(p->session_key, 20);
    test_rand_bytes(p->target, 20);
    if ((p->contract_known = (int)(test_rand() % 2)) != 0) {
        p->contract_is_token = (int)(test_rand() % 2);
        rand_text(p->contract_name, sizeof p->contract_name, 0);
        rand_text(p->family, sizeof p->family, 1);
    }
    rand_functions(p);
    test_rand_bytes(p->spend_token, 20);
    rand_text(p->token_symbol, sizeof p->token_symbol, 0);
    p->token_decimals = (unsigned)(test_rand() % 78);
    p->token_usd = (int)(test_rand() % 2);
    p->token_known = (int)(test_rand() % 2);
    p->token_defaulted = (int)(test_rand() % 2);
    rand_u256(&p->max_per_tx);
    rand_u256(&p->max_total);
    if (test_rand() % 3 != 0) {
        p->rate_count = 1 + (uint32_t)(test_rand() % UINT32_MAX);
        p->rate_period = 1 + (uint32_t)(test_rand() % UINT32_MAX);
    }
    p->valid_after = (int64_t)(test_rand() % (UINT64_C(1) << 47));
    p->valid_until = p->valid_after + (int64_t)(test_rand() % (UINT64_C(1) << 46));
    rand_text(p->label, sizeof p->label, 1);
    rand_text(p->feature, sizeof p->feature, 1);
    do
        rand_u256(&p->max_fee_per_op);
    while (eth_u256_is_zero(&p->max_fee_per_op));
    p->n_paymasters = (size_t)(test_rand() % (POLICY_MAX_PAYMASTERS + 1));
    for (size_t i = 0; i < p->n_paymasters; i++) {
        test_rand_bytes(p->paymasters[i], 20);
        p->paymasters[i][0] = (uint8_t)i; /* distinct */
    }
}

TEST(policy_roundtrip_random)
{
    for (int n = 0; n < 300; n++) {
        struct policy p, q;
        struct mcp_error err;
        char *s1, *s2;
        json_t *j;

        rand_policy(&p);
        CHECK((s1 = policy_canonical(&p)) != NULL);
        CHECK((j = json_loads(s1, JSON_REJECT_DUPLICATES, NULL)) != NULL);
        if (policy_from_json(&q, j, &err) != MCP_OK) {
            test_fail(__FILE__, __LINE__, "policy_from_json: %s\n    %s", err.msg, s1);
            return;
        }
        json_decref(j);
        CHECK((s2 = policy_canonical(&q)) != NULL);
        CHECK_STR(s2, s1);
        CHECK(memcmp(&p, &q, sizeof p) == 0);
        free(s1);
        free(s2);
    }
}

/* ---- the strict parser ---- */

static void expect_json_error(const struct policy *p, const char *key, json_t *value, const char *want,
                              int line)
{
    json_t *j = policy_to_json(p);
    struct policy q;
    struct mcp_error err;
    enum mcp_rc rc;

    if (value == NULL)
        json_object_del(j, key);
    else
        json_object_set_new(j, key, value);
    rc = policy_from_json(&q, j, &err);
    if (rc != MCP_EINVAL || strstr(err.msg, want) == NULL)
        test_fail(__FILE__, line, "%s: expected \"%s\", got rc %d \"%s\"", key, want, rc,
                  rc ? err.msg : "");
    else if (!all_zero(&q, sizeof q))
        test_fail(__FILE__, line, "%s: output not zeroed", key);
    json_decref(j);
}

TEST(policy_from_json_strict)
{
    struct policy p;
    struct mcp_error err;
    json_t *f;

    CHECK_EQ_INT(make(&p, NULL, NULL, &err), MCP_OK);
    expect_json_error(&p, "extra", json_true(), "policy: unknown key \"extra\"", __LINE__);
    expect_json_error(&p, "label", NULL, "policy: missing \"label\"", __LINE__);
    expect_json_error(&p, "version", json_integer(2), "policy.version: expected a whole number from 1 to 1", __LINE__);
    expect_json_error(&p, "chainId", json_integer(0), "policy.chainId", __LINE__);
    expect_json_error(&p, "chainId", json_string("8453"), "policy.chainId", __LINE__);
    expect_json_error(&p, "wallet", json_string(WALLET), "policy.wallet: expected 0x and 40 lower-case hex digits", __LINE__);
    expect_json_error(&p, "maxTotal", json_string("01000000000"), "policy.maxTotal: not in canonical form", __LINE__);
    expect_json_error(&p, "maxTotal", json_string("1000.5"), "policy.maxTotal: expected a decimal string", __LINE__);
    expect_json_error(&p, "maxTotal", json_integer(1000), "policy.maxTotal", __LINE__);
    expect_json_error(&p, "rateLimitCount", json_integer(0), "both 0 (no rate limit) or both set", __LINE__);
    expect_json_error(&p, "validUntil", json_integer(NOW - 1), "policy.validUntil", __LINE__);
    expect_json_error(&p, "tokenDecimals", json_integer(78), "policy.tokenDecimals", __LINE__);
    expect_json_error(&p, "tokenUsd", json_integer(1), "policy.tokenUsd: expected true or false", __LINE__);
    expect_json_error(&p, "label", json_stringn("a\0b", 3), "policy.label", __LINE__);
    expect_json_error(&p, "contractKnown", json_false(), "an unknown contract has no name", __LINE__);
    expect_json_error(&p, "functions", json_array(), "policy.functions: expected 1 to 32 functions", __LINE__);
    f = json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "signature", "exactInputSingle(uint256)", "name",
                  "exactInputSingle", "selector", "0x04e45aaf", "category", "swap", "known", 1, "overloaded", 0);
    expect_json_error(&p, "functions", f, "policy.functions[0]: signature, name and selector do not agree", __LINE__);
    f = json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "signature", "", "name", "", "selector",
                  "0x04e45aaf", "category", "swap", "known", 0, "overloaded", 0);
    expect_json_error(&p, "functions", f, "a function without a signature has no name, category", __LINE__);
    f = json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}, {s:s, s:s, s:s, s:s, s:b, s:b}]", "signature", "",
                  "name", "", "selector", "0x04e45aaf", "category", "", "known", 0, "overloaded", 0,
                  "signature", "", "name", "", "selector", "0x04e45aaf", "category", "", "known", 0,
                  "overloaded", 0);
    expect_json_error(&p, "functions", f, "policy.functions[1]: the same selector", __LINE__);
    f = json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "signature", "", "name", "", "selector",
                  "0x04E45AAF", "category", "", "known", 0, "overloaded", 0);
    expect_json_error(&p, "functions", f, "policy.functions[0].selector: expected 0x and 8 lower-case", __LINE__);
    f = json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "signature", "f(uint256)", "name", "f", "selector",
                  "0xb3de648b", "category", "trade", "known", 1, "overloaded", 0);
    expect_json_error(&p, "functions", f, "unknown category \"trade\"", __LINE__);
    CHECK_EQ_INT(policy_from_json(&p, NULL, &err), MCP_EINVAL);
    f = json_array();
    CHECK_EQ_INT(policy_from_json(&p, f, &err), MCP_EINVAL);
    json_decref(f);
}

TEST(policy_fee_block)
{
    struct policy p;
    struct mcp_error err;
    char *s;

    CHECK_EQ_INT(make(&p, NULL, "{\"permissions\": {\"maxFeePerOperation\": \"0.02\", \"paymasters\": "
                                "[\"0x2626664c2603336E57B271c5C0b26F421741e481\"]}}", &err), MCP_OK);
    CHECK((s = policy_canonical(&p)) != NULL);
    CHECK_CONTAINS(s, "\"maxFeePerOperation\":\"20000000000000000\"");
    CHECK_CONTAINS(s, "\"paymasters\":[\"0x2626664c2603336e57b271c5c0b26f421741e481\"]");
    free(s);
    CHECK_EQ_INT(p.n_paymasters, 1);
}

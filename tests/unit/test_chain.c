/* test_chain.c: RPC endpoint configuration, URL redaction, JSON-RPC answer checks, quantity
 * and data rules, strict ABI decoding of contract answers, selectors, and lazy libcurl. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chain_calls.h"
#include "chain_config.h"
#include "chain_http.h"
#include "chain_rpc.h"
#include "eth_keccak.h"
#include "test.h"

/* --- configuration --- */

TEST(chain_config_add_accepts_and_replaces)
{
    struct chain_config c;
    struct mcp_error err;
    const char *url;

    chain_config_init(&c);
    CHECK_EQ_INT(c.timeout_ms, 5000);
    CHECK_EQ_INT(c.max_response, 4 << 20);
    CHECK_EQ_INT(chain_config_add(&c, "8453=https://mainnet.base.org", &err), MCP_OK);
    CHECK_EQ_INT(chain_config_add(&c, "1=http://127.0.0.1:8545", &err), MCP_OK);
    CHECK_EQ_INT(chain_config_add(&c, "8453=https://base.example/v1/KEY", &err), MCP_OK);
    CHECK_EQ_INT(c.n_ep, 2);
    CHECK_EQ_INT(chain_config_url(&url, &c, 8453, &err), MCP_OK);
    CHECK_STR(url, "https://base.example/v1/KEY");
    CHECK_EQ_INT(chain_config_url(&url, &c, 1, &err), MCP_OK);
    CHECK_STR(url, "http://127.0.0.1:8545");
    chain_config_free(&c);
}

TEST(chain_config_add_rejects_bad_specs)
{
    static const char *const bad[] = {
        "8453",                           /* no '=' */
        "=https://x.org",                 /* no id */
        "0=https://x.org",                /* zero */
        "08453=https://x.org",            /* leading zero */
        "-1=https://x.org",               /* sign */
        "84a3=https://x.org",             /* not decimal */
        "9007199254740992=https://x.org", /* above 2^53 - 1 */
        "99999999999999999999999=https://x.org",
        "8453=",                          /* no URL */
        "8453=ftp://x.org",               /* scheme */
        "8453=x.org",                     /* no scheme */
        "8453=https://",                  /* no host */
        "8453=https://user:pw@",          /* no host after userinfo */
        "8453=https://:8545/",            /* port without host */
        "8453=https://x.org/a b",         /* space */
        "8453=https://x.org/\n",          /* control character */
    };
    struct chain_config c;
    struct mcp_error err;

    chain_config_init(&c);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (chain_config_add(&c, bad[i], &err) != MCP_EINVAL) {
            test_fail(__FILE__, __LINE__, "accepted bad spec #%zu", i);
            return;
        }
        CHECK(strstr(err.msg, "--rpc") != NULL);
    }
    CHECK_EQ_INT(c.n_ep, 0);
    CHECK_EQ_INT(chain_config_add(&c, "9007199254740991=https://x.org", &err), MCP_OK);
    CHECK_EQ_INT(chain_config_add(&c, "1=HTTPS://x.org", &err), MCP_OK);
    chain_config_free(&c);
}

TEST(chain_config_errors_never_echo_credentials)
{
    struct chain_config c;
    struct mcp_error err;

    chain_config_init(&c);
    CHECK_EQ_INT(chain_config_add(&c, "8453=https://alice:hunter2@x.org/v3/SECRETKEY x", &err),
                 MCP_EINVAL);
    CHECK(strstr(err.msg, "hunter2") == NULL);
    CHECK(strstr(err.msg, "SECRETKEY") == NULL);
    CHECK_EQ_INT(chain_config_add(&c, "0=https://alice:hunter2@x.org", &err), MCP_EINVAL);
    CHECK(strstr(err.msg, "hunter2") == NULL);
    chain_config_free(&c);
}

TEST(chain_config_json_file_entries)
{
    struct chain_config c;
    struct mcp_error err;
    json_t *ok = json_pack("{s:s, s:s}", "8453", "https://file.example/base", "10",
                           "https://file.example/op");
    json_t *bad = json_pack("{s:s, s:i}", "137", "https://file.example/polygon", "1", 5);
    json_t *bad_id = json_pack("{s:s}", "main", "https://x.org");
    const char *url;

    CHECK(ok != NULL && bad != NULL && bad_id != NULL);
    chain_config_init(&c);
    CHECK_EQ_INT(chain_config_add(&c, "8453=https://flag.example", &err), MCP_OK);
    CHECK_EQ_INT(chain_config_add_json(&c, ok, &err), MCP_OK);
    CHECK_EQ_INT(chain_config_url(&url, &c, 8453, &err), MCP_OK);
    CHECK_STR(url, "https://flag.example"); /* the file never overrides the command line */
    CHECK_EQ_INT(chain_config_url(&url, &c, 10, &err), MCP_OK);
    CHECK_STR(url, "https://file.example/op");
    CHECK_EQ_INT(chain_config_add_json(&c, bad, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "\"1\"");
    CHECK_EQ_INT(chain_config_url(&url, &c, 137, &err), MCP_ENOTFOUND); /* nothing added */
    CHECK_EQ_INT(chain_config_add_json(&c, bad_id, &err), MCP_EINVAL);
    CHECK_EQ_INT(chain_config_add_json(&c, json_object_get(ok, "10"), &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "must be an object");
    chain_config_free(&c);
    json_decref(ok);
    json_decref(bad);
    json_decref(bad_id);
}

TEST(chain_config_precedence_flag_env_file)
{
    struct chain_config c;
    struct mcp_error err;
    json_t *file = json_pack("{s:s, s:s}", "777001", "https://file.example/a", "777002",
                             "https://file.example/b");
    const char *url;

    CHECK(file != NULL);
    chain_config_init(&c);
    CHECK_EQ_INT(chain_config_add_json(&c, file, &err), MCP_OK);
    CHECK_EQ_INT(chain_config_add(&c, "777001=https://flag.example", &err), MCP_OK);
    setenv("SKM_RPC_777001", "https://env.example/1", 1);
    setenv("SKM_RPC_777002", "https://env.example/2", 1);
    setenv("SKM_RPC_777003", "not a url", 1);
    CHECK_EQ_INT(chain_config_url(&url, &c, 777001, &err), MCP_OK);
    CHECK_STR(url, "https://flag.example");
    CHECK_EQ_INT(chain_config_url(&url, &c, 777002, &err), MCP_OK);
    CHECK_STR(url, "https://env.example/2");
    CHECK_EQ_INT(chain_config_url(&url, &c, 777003, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "SKM_RPC_777003");
    unsetenv("SKM_RPC_777002");
    CHECK_EQ_INT(chain_config_url(&url, &c, 777002, &err), MCP_OK);
    CHECK_STR(url, "https://file.example/b");
    unsetenv("SKM_RPC_777001");
    unsetenv("SKM_RPC_777003");
    CHECK_EQ_INT(chain_config_url(&url, &c, 777004, &err), MCP_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "no RPC endpoint for chain 777004");
    CHECK_CONTAINS(err.msg, "--rpc 777004=URL");
    CHECK_CONTAINS(err.msg, "SKM_RPC_777004");
    chain_config_free(&c);
    json_decref(file);
}

TEST(chain_url_redaction)
{
    static const struct {
        const char *url, *shown;
    } cases[] = {
        {"https://mainnet.base.org", "https://mainnet.base.org"},
        {"https://mainnet.base.org/", "https://mainnet.base.org"},
        {"http://127.0.0.1:8545", "http://127.0.0.1:8545"},
        {"https://alice:hunter2@rpc.example:8443/v3/SECRETKEY", "https://rpc.example:8443/..."},
        {"https://alice:p@ss@rpc.example/", "https://rpc.example"},
        {"https://token@rpc.example?apikey=SECRETKEY", "https://rpc.example/..."},
        {"https://rpc.example#SECRETKEY", "https://rpc.example/..."},
        {"http://[::1]:8545/x", "http://[::1]:8545/..."},
        {"ftp://x.org", "(unparseable URL)"},
    };
    char out[128];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        chain_url_redact(out, sizeof out, cases[i].url);
        CHECK_STR(out, cases[i].shown);
    }
    chain_url_redact(out, 16, "https://a-very-long-host-name.example/");
    CHECK_EQ_INT(strlen(out), 15);
}

TEST(chain_format_durations)
{
    char out[32];

    chain_http_format_ms(out, sizeof out, 5000);
    CHECK_STR(out, "5 s");
    chain_http_format_ms(out, sizeof out, 1500);
    CHECK_STR(out, "1.5 s");
    chain_http_format_ms(out, sizeof out, 1050);
    CHECK_STR(out, "1.05 s");
    chain_http_format_ms(out, sizeof out, 800);
    CHECK_STR(out, "800 ms");
}

/* --- JSON-RPC answers --- */

static enum mcp_rc parse(json_t **res, const char *body, json_int_t id, struct mcp_error *err)
{
    return chain_rpc_parse_response(res, body, strlen(body), id, err);
}

TEST(chain_response_accepts_results)
{
    struct mcp_error err;
    json_t *res = NULL;

    CHECK_EQ_INT(parse(&res, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x2105\"}", 7, &err),
                 MCP_OK);
    CHECK_STR(json_string_value(res), "0x2105");
    json_decref(res);
    CHECK_EQ_INT(parse(&res, "{\"id\":3,\"result\":null,\"jsonrpc\":\"2.0\"}", 3, &err), MCP_OK);
    CHECK(json_is_null(res));
    json_decref(res);
}

TEST(chain_response_rejects_bad_envelopes)
{
    static const struct {
        const char *body, *msg;
    } cases[] = {
        {"garbage", "invalid JSON"},
        {"", "invalid JSON"},
        {"<html>502 Bad Gateway</html>", "invalid JSON"},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"", "invalid JSON"},
        {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}]", "not a JSON-RPC response"},
        {"{\"id\":1,\"result\":\"0x1\"}", "\"jsonrpc\": \"2.0\""},
        {"{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":\"0x1\"}", "\"jsonrpc\": \"2.0\""},
        {"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"0x1\"}", "id 2, expected 1"},
        {"{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":\"0x1\"}", "non-numeric id"},
        {"{\"jsonrpc\":\"2.0\",\"result\":\"0x1\"}", "missing or non-numeric id"},
        {"{\"jsonrpc\":\"2.0\",\"id\":1}", "neither"},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{\"code\":1}}", "both"},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":1,\"result\":\"0x1\"}", "invalid JSON"},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"oops\"}", "malformed JSON-RPC error"},
    };
    struct mcp_error err;
    json_t *res = NULL;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (parse(&res, cases[i].body, 1, &err) != MCP_ERPC || res != NULL) {
            test_fail(__FILE__, __LINE__, "case %zu accepted: %s", i, cases[i].body);
            return;
        }
        CHECK_CONTAINS(err.msg, cases[i].msg);
    }
}

TEST(chain_response_error_answers_are_quoted_safely)
{
    char body[2048], long_msg[600];
    struct mcp_error err;
    json_t *res = NULL;

    CHECK_EQ_INT(parse(&res, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,"
                             "\"message\":\"execution reverted\",\"data\":\"0x08c379a0\"}}",
                       1, &err), MCP_ERPC);
    CHECK_STR(err.msg, "answered with error -32000: execution reverted (data 0x08c379a0)");
    CHECK_EQ_INT(parse(&res, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,"
                             "\"message\":\"bad\\u001b[31m\\nthing\"}}", 1, &err), MCP_ERPC);
    CHECK_STR(err.msg, "answered with error 3: bad?[31m?thing");
    memset(long_msg, 'x', sizeof long_msg - 1);
    long_msg[sizeof long_msg - 1] = '\0';
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,\"message\":\"%s\"}}", long_msg);
    CHECK_EQ_INT(parse(&res, body, 1, &err), MCP_ERPC);
    CHECK(strlen(err.msg) < 220);
    CHECK_CONTAINS(err.msg, "xxx...");
}

/* --- quantities and data --- */

static const char *quantity_dec(const char *s, enum mcp_rc *rc)
{
    static char dec[80];
    struct eth_u256 v;
    struct mcp_error err;

    *rc = chain_parse_quantity(&v, s, "q", &err);
    eth_u256_to_dec(dec, sizeof dec, &v);
    return dec;
}

TEST(chain_quantity_rules)
{
    static const char *const bad[] = {
        "0x", "0x01", "0x00", "1", "0X1", "x1", "-0x1", "0x1g", "0x 1", " 0x1", "",
        "0x10000000000000000000000000000000000000000000000000000000000000000", /* 65 digits */
    };
    struct mcp_error err;
    struct eth_u256 v;
    enum mcp_rc rc;

    CHECK_STR(quantity_dec("0x0", &rc), "0");
    CHECK_EQ_INT(rc, MCP_OK);
    CHECK_STR(quantity_dec("0x2105", &rc), "8453");
    CHECK_STR(quantity_dec("0x21e19e0c9bab2400000", &rc), "10000000000000000000000");
    CHECK_STR(quantity_dec("0xABCdef", &rc), "11259375");
    CHECK_STR(quantity_dec("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                           &rc),
              "115792089237316195423570985008687907853269984665640564039457584007913129639935");
    CHECK_EQ_INT(rc, MCP_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (chain_parse_quantity(&v, bad[i], "balance", &err) != MCP_ERPC) {
            test_fail(__FILE__, __LINE__, "quantity \"%s\" accepted", bad[i]);
            return;
        }
        CHECK_CONTAINS(err.msg, "balance");
    }
    CHECK_EQ_INT(chain_parse_quantity(&v, NULL, "balance", &err), MCP_ERPC);
}

TEST(chain_data_rules)
{
    struct mcp_error err;
    uint8_t *d = NULL;
    size_t len = 99;

    CHECK_EQ_INT(chain_parse_data(&d, &len, "0x", "code", &err), MCP_OK);
    CHECK(d != NULL);
    CHECK_EQ_INT(len, 0);
    free(d);
    CHECK_EQ_INT(chain_parse_data(&d, &len, "0x60FF00", "code", &err), MCP_OK);
    CHECK_HEX(d, len, "60ff00");
    free(d);
    CHECK_EQ_INT(chain_parse_data(&d, &len, "0x600", "code", &err), MCP_ERPC);
    CHECK(d == NULL);
    CHECK_EQ_INT(chain_parse_data(&d, &len, "6000", "code", &err), MCP_ERPC);
    CHECK_EQ_INT(chain_parse_data(&d, &len, "0x60zz", "code", &err), MCP_ERPC);
    CHECK_EQ_INT(chain_parse_data(&d, &len, NULL, "code", &err), MCP_ERPC);
}

/* --- ABI decoding of contract answers --- */

/* An ABI-encoded string return value with the given offset/length words and payload. */
static size_t abi_string(uint8_t *out, uint64_t offset, uint64_t len_word, const char *text,
                         size_t padded_len)
{
    size_t n = strlen(text);

    memset(out, 0, 64 + padded_len);
    for (int i = 0; i < 8; i++) {
        out[31 - i] = (uint8_t)(offset >> (8 * i));
        out[63 - i] = (uint8_t)(len_word >> (8 * i));
    }
    memcpy(out + 64, text, n);
    return 64 + padded_len;
}

static enum mcp_rc dec_str(char *out, size_t out_size, const uint8_t *buf, size_t len,
                           struct mcp_error *err)
{
    return chain_abi_decode_string(out, out_size, buf, len, "symbol() of 0xT", err);
}

TEST(chain_abi_string_canonical)
{
    uint8_t buf[256];
    char out[CHAIN_SYMBOL_MAX + 1];
    struct mcp_error err;
    size_t len;

    len = abi_string(buf, 32, 4, "USDC", 32);
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_OK);
    CHECK_STR(out, "USDC");
    len = abi_string(buf, 32, 0, "", 0);
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_OK);
    CHECK_STR(out, "");
    len = abi_string(buf, 32, 32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", 32);
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_OK);
    CHECK_STR(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
    len = abi_string(buf, 32, 6, "\xe2\x82\xac" "EUR", 32); /* "€EUR" */
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_OK);
    CHECK_STR(out, "\xe2\x82\xac" "EUR");
}

TEST(chain_abi_string_bytes32_like_mkr)
{
    uint8_t buf[32] = {'M', 'K', 'R'};
    char out[CHAIN_SYMBOL_MAX + 1];
    struct mcp_error err;

    CHECK_EQ_INT(dec_str(out, sizeof out, buf, 32, &err), MCP_OK);
    CHECK_STR(out, "MKR");
    memset(buf, 'A', 32);
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, 32, &err), MCP_OK);
    CHECK_EQ_INT(strlen(out), 32);
    memset(buf, 0, 32);
    buf[0] = 'M';
    buf[5] = 'X'; /* bytes after the terminator */
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, 32, &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "after its NUL");
}

TEST(chain_abi_string_rejects_malformed)
{
    uint8_t buf[256] = {0};
    char out[CHAIN_SYMBOL_MAX + 1], small[4];
    struct mcp_error err;
    size_t len;

    CHECK_EQ_INT(dec_str(out, sizeof out, buf, 0, &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "returned no data");
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, 33, &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "neither an ABI string nor a bytes32");
    len = abi_string(buf, 64, 4, "USDC", 32);
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "offset is not 0x20");
    len = abi_string(buf, 32, 40, "USDC", 32);
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "length beyond the data");
    len = abi_string(buf, 32, 4, "USDC", 64); /* an extra word after the string */
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "expected 96");
    len = abi_string(buf, 32, 3, "USDC", 32); /* 'C' sits in the padding */
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "non-zero padding");
    len = abi_string(buf, 32, 4, "USDC", 32);
    buf[0] = 1; /* offset word with a high byte set */
    CHECK_EQ_INT(dec_str(out, sizeof out, buf, len, &err), MCP_ERPC);
    len = abi_string(buf, 32, 4, "USDC", 32);
    CHECK_EQ_INT(dec_str(small, sizeof small, buf, len, &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "4-byte string; at most 3");
}

TEST(chain_abi_string_rejects_unclean_text)
{
    static const char *const bad[] = {
        "US\nDC",                 /* control */
        "USD\x7f",                /* DEL */
        "\xc0\xafX",              /* overlong */
        "\xed\xa0\x80",           /* surrogate */
        "\xf4\x90\x80\x80",       /* above U+10FFFF */
        "\xc2\x85",               /* C1 control NEL */
        "US\xe2\x80\x8b" "DC",    /* zero-width space */
        "\xe2\x80\xae" "CDSU",    /* right-to-left override */
        "\xef\xbb\xbf" "USDC",    /* BOM */
        "USD\xe2\x82",            /* truncated sequence */
        "\xff",
    };
    uint8_t buf[256];
    char out[CHAIN_SYMBOL_MAX + 1];
    struct mcp_error err;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = abi_string(buf, 32, strlen(bad[i]), bad[i], 32);

        if (dec_str(out, sizeof out, buf, len, &err) != MCP_ERPC) {
            test_fail(__FILE__, __LINE__, "unclean text #%zu accepted", i);
            return;
        }
        CHECK_CONTAINS(err.msg, "not clean UTF-8");
    }
    CHECK(chain_text_is_clean((const uint8_t *)"\xf0\x9f\x92\xb5", 4)); /* emoji */
    CHECK(!chain_text_is_clean((const uint8_t *)"a\0b", 3));
}

TEST(chain_abi_uint_word)
{
    uint8_t buf[64] = {0};
    struct eth_u256 v;
    struct mcp_error err;
    char dec[80];

    buf[31] = 18;
    CHECK_EQ_INT(chain_abi_decode_uint(&v, buf, 32, "decimals()", &err), MCP_OK);
    eth_u256_to_dec(dec, sizeof dec, &v);
    CHECK_STR(dec, "18");
    CHECK_EQ_INT(chain_abi_decode_uint(&v, buf, 0, "decimals()", &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "decimals() returned no data");
    CHECK_EQ_INT(chain_abi_decode_uint(&v, buf, 31, "decimals()", &err), MCP_ERPC);
    CHECK_EQ_INT(chain_abi_decode_uint(&v, buf, 64, "decimals()", &err), MCP_ERPC);
    CHECK_CONTAINS(err.msg, "returned 64 bytes, expected one 32-byte word");
}

static void check_selector(const uint8_t sel[4], const char *signature)
{
    uint8_t h[32];

    eth_keccak256(h, signature, strlen(signature));
    if (memcmp(h, sel, 4) != 0)
        test_fail(__FILE__, __LINE__, "selector of %s: keccak says %s", signature,
                  test_hex(h, 4));
}

TEST(chain_selectors_are_keccak_of_signatures)
{
    check_selector(chain_sel_balance_of, "balanceOf(address)");
    check_selector(chain_sel_decimals, "decimals()");
    check_selector(chain_sel_symbol, "symbol()");
    check_selector(chain_sel_current_nonce, "currentNonce()");
    check_selector(chain_sel_is_valid_signature, "isValidSignature(bytes32,bytes)");
    CHECK_HEX(chain_sel_balance_of, 4, "70a08231");
    CHECK_HEX(chain_sel_decimals, 4, "313ce567");
    CHECK_HEX(chain_sel_symbol, 4, "95d89b41");
    CHECK_EQ_INT(CHAIN_ERC1271_MAGIC, 0x1626ba7e);
}

/* --- libcurl stays off the startup path --- */

static int maps_mention(const char *needle)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    int found = 0;

    if (f == NULL)
        return -1;
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* A loopback port nobody listens on (bound, then closed). */
static int closed_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* In a child (so the parent stays curl-free): no libcurl until the first call. Exit codes
 * name the failed step. */
static int lazy_load_child(void)
{
    struct chain_config cfg;
    struct chain_client *cl = NULL;
    struct mcp_error err;
    json_t *res = NULL;
    char spec[64];

    if (maps_mention("libcurl") != 0 || chain_http_loaded())
        return 10;
    chain_config_init(&cfg);
    cfg.attempts = 2;
    cfg.backoff_ms = 10;
    snprintf(spec, sizeof spec, "31337=http://127.0.0.1:%d", closed_port());
    if (chain_config_add(&cfg, spec, &err) != MCP_OK ||
        chain_client_new(&cl, &cfg, 31337, &err) != MCP_OK)
        return 11;
    if (maps_mention("libcurl") != 0)
        return 12; /* creating a client must not load it */
    if (chain_rpc_call(&res, cl, "eth_blockNumber", NULL, &err) != MCP_EHTTP || res != NULL)
        return 13;
    if (strstr(err.msg, "eth_chainId: connection refused after 2 attempts") == NULL ||
        strstr(err.msg, "chain 31337 (http://127.0.0.1:") == NULL)
        return 14;
    if (chain_client_last_attempts(cl) != 2)
        return 15;
    if (maps_mention("libcurl") != 1 || !chain_http_loaded())
        return 16;
    chain_client_free(cl);
    chain_config_free(&cfg);
    return 0;
}

TEST(chain_http_libcurl_loaded_lazily)
{
    int status;
    pid_t pid;

    CHECK(maps_mention("libcurl") == 0); /* not linked into the binary */
    fflush(stdout);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(lazy_load_child());
    CHECK_EQ_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
}

TEST(chain_http_missing_library_says_how_to_install)
{
    struct mcp_error err;

    CHECK_EQ_INT(chain_http_check_library("libcurl-not-here.so.4", &err), MCP_EUNSUPPORTED);
    CHECK_CONTAINS(err.msg, "libcurl could not be loaded");
    CHECK_CONTAINS(err.msg, "apt-get install libcurl4");
    CHECK_EQ_INT(chain_http_check_library("libc.so.6", &err), MCP_EUNSUPPORTED);
    CHECK_CONTAINS(err.msg, "has no curl_");
}

/* Bundler endpoints: the same sources as --rpc, under --bundler and SKM_BUNDLER_<id>. */
TEST(chain_bundler_endpoints)
{
    struct chain_config c;
    struct mcp_error err;
    const char *url;

    chain_config_init_bundler(&c);
    CHECK_EQ_INT(chain_config_add(&c, "777101=https://bundler.example/rpc", &err), MCP_OK);
    CHECK_EQ_INT(chain_config_url(&url, &c, 777101, &err), MCP_OK);
    CHECK_STR(url, "https://bundler.example/rpc");
    setenv("SKM_RPC_777102", "https://node.example", 1); /* a node is not a bundler */
    CHECK_EQ_INT(chain_config_url(&url, &c, 777102, &err), MCP_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "no bundler endpoint for chain 777102: pass --bundler 777102=URL or set "
                            "SKM_BUNDLER_777102");
    setenv("SKM_BUNDLER_777102", "https://bundler.example/2", 1);
    CHECK_EQ_INT(chain_config_url(&url, &c, 777102, &err), MCP_OK);
    CHECK_STR(url, "https://bundler.example/2");
    unsetenv("SKM_RPC_777102");
    unsetenv("SKM_BUNDLER_777102");
    chain_config_free(&c);
}

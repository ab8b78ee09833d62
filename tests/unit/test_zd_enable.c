/* test_zd_enable.c: permissionId, enable data and the Enable digest against a fixture made by
 * the ZeroDev SDK (tests/interop/zerodev/fixtures/k031-call004-twap-undeployed.json and its
 * Kernel 0.3.0 twin), and the nonce rules: stated states must be possible, and a chain that
 * cannot answer is an error, never a guess. The RPC cases run in child processes (the
 * libcurl lazy-loading test needs this process curl-free) against a tiny HTTP server. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chain_config.h"
#include "eth_hex.h"
#include "test.h"
#include "zd_approval.h"

/* The fixture's policies (the seed TWAP: CallPolicy 0.0.4, rate limit, timestamp). */
static const char *const seed_spec =
    "{\"call\":[{\"target\":\"0x2626664c2603336E57B271c5C0b26F421741e481\",\"selector\":"
    "\"0x04E45AAF\",\"valueLimit\":\"0\",\"rules\":[{\"condition\":\"EQUAL\",\"offset\":0,"
    "\"params\":[\"0x000000000000000000000000833589fcd6edb6e08f4c7c32d4f71b54bda02913\"]},"
    "{\"condition\":\"EQUAL\",\"offset\":96,\"params\":[\"0x0000000000000000000000009ce99dfeb2f"
    "e022de1f80c0fa80e6bbfce8f5d54\"]},{\"condition\":\"LESS_THAN_OR_EQUAL\",\"offset\":128,"
    "\"params\":[\"0x0000000000000000000000000000000000000000000000000000000002faf080\"]}]}],"
    "\"rateLimit\":{\"count\":24,\"interval\":3600},\"timestamp\":{\"validAfter\":1795600000,"
    "\"validUntil\":1795686400}}";

#define OWNER "0x8e3345cF9D8890c2f86872EEAc0e3E7594225e44"
#define SESSION "0x178dB395AE63C918fA0a38537E647056720C3CF2"

/* The seed spec with the recipient word of the Kernel version's account (as in its fixture). */
static json_t *seed_for(enum zd_kernel k)
{
    char text[2048], *at;

    snprintf(text, sizeof text, "%s", seed_spec);
    at = strstr(text, "9ce99dfeb2fe022de1f80c0fa80e6bbfce8f5d54");
    if (at != NULL && k == ZD_KERNEL_0_3_0)
        memcpy(at, "992c1bf715b777b2a81cc0adaace6254ff145022", 40);
    return json_loads(text, 0, NULL);
}

static enum mcp_rc prepare(struct zd_approval *a, enum zd_kernel k, struct mcp_error *err)
{
    struct zd_account_ref ref;
    struct zd_permission perm;
    json_t *spec = seed_for(k);
    enum mcp_rc rc;

    memset(&ref, 0, sizeof ref);
    ref.kernel = k;
    ref.chain_id = 8453;
    snprintf(ref.owner, sizeof ref.owner, "%s", OWNER);
    rc = zd_permission_from_spec(&perm, spec, "0.0.4", SESSION, err);
    json_decref(spec);
    if (rc == MCP_OK)
        rc = zd_approval_prepare(a, &ref, &perm, err);
    return rc;
}

TEST(zd_enable_matches_the_sdk_kernel_0_3_1)
{
    struct zd_approval a;
    struct zd_onchain oc;
    struct mcp_error err;

    CHECK_EQ_INT(prepare(&a, ZD_KERNEL_0_3_1, &err), MCP_OK);
    CHECK_HEX(a.en.permission_id, 4, "8d636eff");
    CHECK_HEX(a.en.validation_id, 21, "028d636eff00000000000000000000000000000000");
    CHECK_STR(a.account, "0x9cE99DFEb2fe022dE1f80c0FA80e6bbFCE8F5D54");
    zd_onchain_assume_undeployed(&oc, ZD_KERNEL_0_3_1);
    CHECK_EQ_INT(zd_approval_set_onchain(&a, &oc, &err), MCP_OK);
    CHECK_HEX(a.domain_sep, 32, "605dcc56a574e6a5254b2cba25584204445893c522f8ba9cf801b742d3e59f16");
    CHECK_HEX(a.struct_hash, 32, "e607891a46dc229a29fc89ef07f7225e59fdd89939df24223d7c648c3bb51319");
    CHECK_HEX(a.digest, 32, "722063d2a0a300db6332392ca0edf3a61cc42a2bd7254fbeee9b7e08df934e79");
    zd_approval_free(&a);
}

TEST(zd_enable_matches_the_sdk_kernel_0_3_0)
{
    struct zd_approval a;
    struct zd_onchain oc;
    struct mcp_error err;

    CHECK_EQ_INT(prepare(&a, ZD_KERNEL_0_3_0, &err), MCP_OK);
    CHECK_HEX(a.en.permission_id, 4, "525048f6");
    CHECK_STR(a.account, "0x992c1bf715B777B2a81cC0aDaaCe6254ff145022");
    zd_onchain_assume_undeployed(&oc, ZD_KERNEL_0_3_0);
    CHECK_STR(oc.domain_version, "0.3.0-beta");
    CHECK_EQ_INT(zd_approval_set_onchain(&a, &oc, &err), MCP_OK);
    CHECK_HEX(a.digest, 32, "1562d23a6f703cccd99cae6668eb371fcb580abb3e4c226acfbd74ef9be2eb1e");
    zd_approval_free(&a);
}

TEST(zd_enable_selector_data_is_the_sdks)
{
    struct zd_hex h;

    zd_hex_init(&h);
    zd_enable_selector_data(&h);
    CHECK_EQ_INT(zd_hex_nbytes(&h), 236);
    CHECK(strncmp(zd_hex_str(&h), "0xe9ae5c53" "00000000000000000000000000000000000000000000000000"
                  "000000000000000000000000000000", 90) == 0);
    CHECK(strstr(zd_hex_str(&h), "01FF000000") != NULL); /* CALL_TYPE.DELEGATE_CALL, verbatim */
    zd_hex_free(&h);
}

TEST(zd_enable_nonce_changes_the_digest)
{
    struct zd_approval a;
    struct zd_onchain oc;
    struct mcp_error err;
    uint8_t d1[32];

    CHECK_EQ_INT(prepare(&a, ZD_KERNEL_0_3_1, &err), MCP_OK);
    CHECK_EQ_INT(zd_onchain_given(&oc, ZD_KERNEL_0_3_1, 1, 1, NULL, &err), MCP_OK);
    CHECK_EQ_INT(zd_approval_set_onchain(&a, &oc, &err), MCP_OK);
    memcpy(d1, a.digest, 32);
    CHECK_EQ_INT(zd_onchain_given(&oc, ZD_KERNEL_0_3_1, 1, 2, NULL, &err), MCP_OK);
    CHECK_EQ_INT(zd_approval_set_onchain(&a, &oc, &err), MCP_OK);
    CHECK(memcmp(d1, a.digest, 32) != 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(a.typed_data, "message"), "nonce")), 2);
    zd_approval_free(&a);
}

TEST(zd_enable_stated_chain_state_must_be_possible)
{
    struct zd_onchain oc;
    struct mcp_error err;

    CHECK_EQ_INT(zd_onchain_given(&oc, ZD_KERNEL_0_3_1, 1, 0, NULL, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "at least 1");
    CHECK_EQ_INT(zd_onchain_given(&oc, ZD_KERNEL_0_3_1, 0, 3, NULL, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "starts at nonce 1");
    CHECK_EQ_INT(zd_onchain_given(&oc, ZD_KERNEL_0_3_1, 1, 7, "0.3.1", &err), MCP_OK);
    CHECK_EQ_INT(oc.nonce, 7);
    CHECK_EQ_INT(oc.source, ZD_NONCE_GIVEN);
    zd_onchain_assume_undeployed(&oc, ZD_KERNEL_0_3_1);
    CHECK_EQ_INT(oc.source, ZD_NONCE_ASSUMED); /* callers must flag this one */
    CHECK_EQ_INT(oc.nonce, 1);
}

TEST(zd_enable_undeployed_account_must_be_the_counterfactual_one)
{
    struct zd_approval a;
    struct zd_account_ref ref;
    struct zd_permission perm;
    struct zd_onchain oc;
    struct mcp_error err;
    json_t *spec = json_loads(seed_spec, 0, NULL);

    memset(&ref, 0, sizeof ref);
    ref.kernel = ZD_KERNEL_0_3_1;
    ref.chain_id = 8453;
    snprintf(ref.owner, sizeof ref.owner, "%s", OWNER);
    snprintf(ref.account, sizeof ref.account, "%s", "0x000000000000000000000000000000000000dEaD");
    CHECK_EQ_INT(zd_permission_from_spec(&perm, spec, "0.0.4", SESSION, &err), MCP_OK);
    json_decref(spec);
    CHECK_EQ_INT(zd_approval_prepare(&a, &ref, &perm, &err), MCP_OK);
    zd_onchain_assume_undeployed(&oc, ZD_KERNEL_0_3_1);
    CHECK_EQ_INT(zd_approval_set_onchain(&a, &oc, &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "0x9cE99DFEb2fe022dE1f80c0FA80e6bbFCE8F5D54");
    CHECK_EQ_INT(zd_onchain_given(&oc, ZD_KERNEL_0_3_1, 1, 4, NULL, &err), MCP_OK);
    CHECK_EQ_INT(zd_approval_set_onchain(&a, &oc, &err), MCP_OK); /* deployed elsewhere: fine */
    zd_approval_free(&a);
}

/* ---- over RPC, in children ---- */

static int listen_loopback(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* Answer one HTTP JSON-RPC request: chain 8453, the account has code, eth_call fails. */
static void answer(int c)
{
    char req[8192], body[512], resp[1024];
    ssize_t n, got = 0;
    const char *id, *result;
    long idv = 0;

    while (got < (ssize_t)sizeof req - 1 && (n = read(c, req + got, sizeof req - 1 - (size_t)got)) > 0) {
        got += n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n") && strchr(strstr(req, "\r\n\r\n"), '}'))
            break;
    }
    req[got > 0 ? got : 0] = '\0';
    id = strstr(req, "\"id\":");
    if (id != NULL)
        idv = strtol(id + 5, NULL, 10);
    if (strstr(req, "eth_chainId"))
        result = "\"result\":\"0x2105\"";
    else if (strstr(req, "eth_getCode"))
        result = "\"result\":\"0x6080604052\"";
    else
        result = "\"error\":{\"code\":-32000,\"message\":\"execution reverted\"}";
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%ld,%s}", idv, result);
    snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
    if (write(c, resp, strlen(resp)) < 0)
        return;
}

static void serve(int fd)
{
    for (;;) {
        int c = accept(fd, NULL, NULL);

        if (c < 0)
            continue;
        answer(c);
        close(c);
    }
}

/* Child: read the state of ACCOUNT on chain 8453 at port; exit 0 only if it failed as
 * expected (no guess: nonce not set to 1 and a message saying why). */
static int read_child(int port, const char *must_say)
{
    struct chain_config cfg;
    struct chain_client *cl = NULL;
    struct zd_onchain oc;
    struct mcp_error err;
    char spec[64];
    uint8_t acct[20] = {0x9c, 0xe9};

    chain_config_init(&cfg);
    cfg.attempts = 1;
    cfg.timeout_ms = 3000;
    snprintf(spec, sizeof spec, "8453=http://127.0.0.1:%d", port);
    if (chain_config_add(&cfg, spec, &err) != MCP_OK || chain_client_new(&cl, &cfg, 8453, &err))
        return 10;
    memset(&oc, 0x55, sizeof oc);
    if (zd_onchain_read(&oc, cl, acct, ZD_KERNEL_0_3_1, &err) == MCP_OK)
        return 11;
    if (strstr(err.msg, "not guessing") == NULL || strstr(err.msg, must_say) == NULL)
        return 12;
    chain_client_free(cl);
    chain_config_free(&cfg);
    return 0;
}

static int run_child(int port, const char *must_say)
{
    int status = -1;
    pid_t pid;

    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(read_child(port, must_say));
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

TEST(zd_enable_rpc_failure_is_an_error_never_a_guess)
{
    int port = 0, fd = listen_loopback(&port), status;
    pid_t server;

    CHECK(fd >= 0);
    close(fd); /* now nobody listens there: connection refused */
    CHECK_EQ_INT(run_child(port, "deployed"), 0);

    fd = listen_loopback(&port);
    CHECK(fd >= 0);
    fflush(stdout);
    server = fork();
    CHECK(server >= 0);
    if (server == 0)
        serve(fd);
    close(fd);
    /* deployed (eth_getCode has code) but currentNonce() reverts */
    status = run_child(port, "currentNonce()");
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
    CHECK_EQ_INT(status, 0);
}

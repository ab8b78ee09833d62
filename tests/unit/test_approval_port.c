/* test_approval_port.c: --approval-port (cfg.c): a port number from 0 to 65535 (0 = any free
 * port, the default) or "off"; anything else is a usage error. And the server side of
 * "off": approval_url refuses in words without binding anything. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "approval.h"
#include "cfg.h"
#include "test.h"

static enum cfg_action parse_quiet(struct skm_config *cfg, const char *a1, const char *a2)
{
    const char *argv[] = {"sessionkey-mcp", "--data-dir", "/tmp/skm-unit-approval-port", a1, a2, NULL};
    int argc = a1 == NULL ? 3 : a2 == NULL ? 4 : 5;
    int err_fd;
    enum cfg_action act;

    err_fd = test_stderr_silence();
    act = cfg_parse(cfg, argc, (char **)argv);
    test_stderr_restore(err_fd);
    return act;
}

TEST(approval_port_values)
{
    struct skm_config cfg;

    CHECK_EQ_INT(parse_quiet(&cfg, NULL, NULL), CFG_SERVE);
    CHECK_EQ_INT(cfg.approval_port, 0);
    cfg_free(&cfg);
    CHECK_EQ_INT(parse_quiet(&cfg, "--approval-port", "off"), CFG_SERVE);
    CHECK_EQ_INT(cfg.approval_port, -1);
    cfg_free(&cfg);
    CHECK_EQ_INT(parse_quiet(&cfg, "--approval-port=8765", NULL), CFG_SERVE);
    CHECK_EQ_INT(cfg.approval_port, 8765);
    cfg_free(&cfg);
    CHECK_EQ_INT(parse_quiet(&cfg, "--approval-port", "65535"), CFG_SERVE);
    CHECK_EQ_INT(cfg.approval_port, 65535);
    cfg_free(&cfg);
    static const char *const bad[] = {"65536", "-1", "", "80x", "on", "OFF"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse_quiet(&cfg, "--approval-port", bad[i]) != CFG_EXIT_USAGE) {
            test_fail(__FILE__, __LINE__, "--approval-port %s accepted", bad[i]);
            return;
        }
        cfg_free(&cfg);
    }
    CHECK_EQ_INT(parse_quiet(&cfg, "--approval-port", NULL), CFG_EXIT_USAGE);
    cfg_free(&cfg);
}

TEST(approval_off_refuses_in_words)
{
    struct skm_config cfg;
    struct mcp_error err = {MCP_OK, ""};
    char url[128] = "";

    memset(&cfg, 0, sizeof cfg);
    cfg.approval_port = -1;
    CHECK_EQ_INT(approval_url(url, sizeof url, &cfg, "ses_x", &err), MCP_EUNSUPPORTED);
    CHECK(strstr(err.msg, "--approval-port off") != NULL);
    CHECK(strstr(err.msg, "confirm_session") != NULL);
    CHECK_STR(url, "");
    CHECK_EQ_INT(approval_view_url(url, sizeof url, &cfg, "ses_x", &err), MCP_EUNSUPPORTED);
}

/* main.c: process entry. `sessionkey-mcp [options]` serves MCP on stdin/stdout;
 * `sessionkey-mcp eth|chain ...` run command-line tools.
 *
 * Startup does as little as possible before the first response: parse options, make sure the
 * data directory exists, and read stdin. The registry, database, key store, secp256k1
 * context and libcurl are all loaded on first use. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "app_state.h"
#include "approval.h"
#include "cfg.h"
#include "cli.h"
#include "cli_zerodev.h"
#include "approval_link.h"
#include "io_lines.h"
#include "log.h"
#include "mcp_app.h"
#include "mcp_server.h"
#include "prm_prompts.h"
#include "reg_tools.h"
#include "rpc_msg.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* Termination signals stay blocked except while waiting for input (ppoll), so a signal
 * can never slip in between the check and the wait. SIGPIPE is ignored: EPIPE ends the loop. */
static void setup_signals(sigset_t *waitmask)
{
    struct sigaction sa;
    sigset_t block;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, waitmask);
    sigdelset(waitmask, SIGTERM);
    sigdelset(waitmask, SIGINT);
    sigdelset(waitmask, SIGHUP);
}

static int send_msg(void *ud, json_t *msg)
{
    size_t len;
    char *buf = rpc_dump_line(msg, &len);
    int rc;

    (void)ud;
    if (buf == NULL)
        return -1;
    rc = io_write_all(STDOUT_FILENO, buf, len);
    free(buf);
    if (rc != 0)
        g_stop = 1; /* the client is gone (EPIPE) */
    return rc;
}

static int serve(struct skm_config *cfg)
{
    struct mcp_server srv;
    struct io_reader rd;
    sigset_t waitmask;
    int exit_code = 0;

    pid_t parent = getppid();

    setup_signals(&waitmask);
    /* Exit with the client even if it never closes stdin. The parent may legitimately be
     * PID 1 (a container's init); only a CHANGE of parent means it died before prctl. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        return 0;
    mcp_server_init(&srv, cfg, send_msg, NULL);
    /* The approval page's link and its outcome events (URL elicitation completes on them).
     * Test builds may replace the link with $SKM_TEST_APPROVAL_URL + the session id. */
    if (cfg->approval_port >= 0) {
        approval_link_set_provider(approval_url);
        approval_set_listener(mcp_approval_outcome, &srv);
    }
#if defined(SKM_TEST_HOOKS)
    if (getenv("SKM_TEST_APPROVAL_URL") != NULL && getenv("SKM_TEST_APPROVAL_URL")[0] != '\0')
        approval_link_set_provider(approval_link_test_provider);
#endif
    io_reader_init(&rd, STDIN_FILENO, cfg->max_line);
    while (!g_stop) {
        char *line, *out = NULL;
        size_t len, out_len = 0;
        enum io_status st = io_read_line(&rd, &line, &len, &g_stop, &waitmask);

        if (st == IO_LINE) {
            out = mcp_handle_line_text(&srv, line, len, &out_len);
        } else if (st == IO_TOO_LONG) {
            json_t *resp = mcp_line_too_long(&srv, cfg->max_line);
            out = resp ? rpc_dump_line(resp, &out_len) : NULL;
            json_decref(resp);
        } else {
            if (st == IO_ERROR) {
                log_error("reading stdin: %s", strerror(errno));
                exit_code = 1;
            }
            break;
        }
        if (out != NULL && io_write_all(STDOUT_FILENO, out, out_len) != 0)
            g_stop = 1; /* the client is gone (EPIPE) */
        free(out);
    }
    approval_shutdown();
    mcp_server_close(&srv);
    io_reader_free(&rd);
    reg_unload();
    app_state_close();
    log_info("exiting");
    return exit_code;
}

static int check_assets(void)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *app;

    if (reg_check_assets(&err) != MCP_OK || prm_check_assets(&err) != MCP_OK) {
        fprintf(stderr, "sessionkey-mcp: assets: %s\n", err.msg);
        return 1;
    }
    app = mcp_app_resources(1);
    if (app == NULL) {
        fprintf(stderr, "sessionkey-mcp: assets: the MCP App (web/mcp-app.html) is missing\n");
        return 1;
    }
    json_decref(app);
    fprintf(stderr, "sessionkey-mcp: assets ok\n");
    reg_unload();
    return 0;
}

int main(int argc, char **argv)
{
    struct skm_config cfg;
    struct mcp_error err;
    int rc;

    if (argc > 1 && strcmp(argv[1], "eth") == 0)
        return cli_eth_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "chain") == 0)
        return cli_chain_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "audit") == 0)
        return cli_audit_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "exec") == 0)
        return cli_exec_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "run") == 0)
        return cli_run_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "zerodev") == 0)
        return cli_zerodev_main(argc - 1, argv + 1);
    switch (cfg_parse(&cfg, argc, argv)) {
    case CFG_EXIT_OK:
        return 0;
    case CFG_EXIT_USAGE:
        return 2;
    case CFG_SERVE:
        break;
    }
    log_set_level(cfg.log_level);
    if (cfg.check_assets)
        return check_assets();
    if (cfg_ensure_data_dir(&cfg, &err) != MCP_OK)
        log_warn("%s; tools that store sessions will fail until this is fixed", err.msg);
    rc = serve(&cfg);
    cfg_free(&cfg);
    return rc;
}

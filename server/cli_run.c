/* cli_run.c: `sessionkey-mcp run --data-dir DIR --rpc CHAINID=URL --bundler CHAINID=URL [--once]
 * [options]`: the automation executor (server/run_exec.h). It follows every active session
 * that has an automation, runs each TWAP slice at its time and each stop-loss once its price
 * is reached, through the execution gate and a bundler, and logs JSON lines on stderr.
 * Several may run against one data directory: slices are claimed in the database.
 *
 * SIGTERM / SIGINT: the slice in flight is finished (sent, followed, reported), then it exits.
 * Exit status: 0; 1 when the database cannot be used; 2 for usage errors. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_state.h"
#include "cfg.h"
#include "clock.h"
#include "cli.h"
#include "eth_addr.h"
#include "log.h"
#include "reg_tools.h"
#include "run_exec.h"
#include "run_store.h"

static volatile sig_atomic_t g_run_stop;

static void on_stop(int sig)
{
    (void)sig;
    g_run_stop = 1;
}

static const char run_usage[] =
    "usage: sessionkey-mcp run [--data-dir DIR] --rpc CHAINID=URL --bundler CHAINID=URL [options]\n"
    "  --bundler CHAINID=URL      ERC-4337 bundler (repeatable; env SKM_BUNDLER_<CHAINID>;\n"
    "                             config file {\"bundler\": {\"8453\": URL}})\n"
    "  --once                     one pass over the automations, then exit\n"
    "  --poll-seconds N           stop-loss price check interval (default 15)\n"
    "  --max-failures N           failed attempts in a row before pausing (default 3)\n"
    "  --backoff-seconds N        first retry delay, doubling (default 30)\n"
    "  --slippage-bps N           minimum output = quote x (1 - N/10000), rounded up; never looser\n"
    "                             than the session's own maximum slippage (default 100 = 1%)\n"
    "  --pool-fee N               Uniswap V3 fee tier (default 500)\n"
    "  --quoter CHAINID=ADDRESS   Uniswap V3 QuoterV2 (built in for Base, Ethereum, OP, Polygon, Arbitrum)\n"
    "  --paymaster CHAINID=ADDRESS  sponsor user operations with this paymaster\n"
    "  --receipt-timeout-ms N     wait for inclusion (default 120000)\n"
    "  --receipt-poll-ms N        between receipt polls (default 500)\n"
    "  --tick-ms N                longest sleep between passes (default 1000)\n"
    "  --lease-seconds N          a claim from another host lapses after (default 600)\n"
    "  plus the server's --config, --log-level, --rpc, --data-dir\n";

static int bad(const char *msg, const char *opt)
{
    fprintf(stderr, "sessionkey-mcp run: %s: %s\n%s", opt, msg, run_usage);
    return 0;
}

static const char *value(int *i, int argc, char **argv, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0' || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int number(long *out, const char *s, long lo, long hi)
{
    char *end;

    errno = 0;
    *out = strtol(s, &end, 10);
    return s[0] != '\0' && *end == '\0' && errno == 0 && *out >= lo && *out <= hi;
}

static int chain_addr(struct run_chain_opt *o, int *n, const char *spec, const char *opt)
{
    const char *eq = strchr(spec, '=');
    char id[24];
    struct mcp_error err = {MCP_OK, ""};

    if (eq == NULL || eq - spec >= (long)sizeof id || *n == RUN_MAX_CHAINS)
        return bad("expected CHAINID=ADDRESS", opt);
    snprintf(id, sizeof id, "%.*s", (int)(eq - spec), spec);
    if (chain_parse_id(&o[*n].chain_id, id, opt, &err) != MCP_OK || eth_addr_parse(o[*n].addr, eq + 1, opt, &err) != MCP_OK)
        return bad(err.msg, opt);
    (*n)++;
    return 1;
}

/* Take the run options out of argv; what is left goes to cfg_parse. Returns 1, or 0 on a usage error. */
static char opt_bundler[] = "--bundler";

static int parse(struct run_ctx *c, int *once, int *tick_ms, int argc, char **argv, char **rest, int *n_rest)
{
    struct mcp_error err = {MCP_OK, ""};
    const char *v;
    long x;

    *n_rest = 0;
    rest[(*n_rest)++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0) {
            *once = 1;
        } else if ((v = value(&i, argc, argv, "--bundler")) != NULL) {
            if (chain_config_add(&c->bundlers, v, &err) != MCP_OK)
                return bad(err.msg, "--bundler");
            rest[(*n_rest)++] = opt_bundler; /* the gate reads receipts as settlement evidence there too */
            rest[(*n_rest)++] = argv[i] + (v - argv[i]); /* v points into argv[i] */
        } else if ((v = value(&i, argc, argv, "--quoter")) != NULL) {
            if (!chain_addr(c->quoter, &c->n_quoter, v, "--quoter"))
                return 0;
        } else if ((v = value(&i, argc, argv, "--paymaster")) != NULL) {
            if (!chain_addr(c->paymaster, &c->n_paymaster, v, "--paymaster"))
                return 0;
        } else if ((v = value(&i, argc, argv, "--poll-seconds")) != NULL) {
            if (!number(&x, v, 1, 86400))
                return bad("a whole number of seconds, 1 to 86400", "--poll-seconds");
            c->poll_seconds = (int)x;
        } else if ((v = value(&i, argc, argv, "--max-failures")) != NULL) {
            if (!number(&x, v, 1, 1000))
                return bad("a whole number, 1 to 1000", "--max-failures");
            c->max_failures = (int)x;
        } else if ((v = value(&i, argc, argv, "--backoff-seconds")) != NULL) {
            if (!number(&x, v, 0, 86400))
                return bad("a whole number of seconds, 0 to 86400", "--backoff-seconds");
            c->backoff_seconds = (int)x;
        } else if ((v = value(&i, argc, argv, "--slippage-bps")) != NULL) {
            if (!number(&x, v, 0, 5000))
                return bad("basis points, 0 to 5000 (50%)", "--slippage-bps");
            c->slippage_bps = (int)x;
        } else if ((v = value(&i, argc, argv, "--pool-fee")) != NULL) {
            if (!number(&x, v, 1, 1000000))
                return bad("a Uniswap V3 fee tier such as 100, 500, 3000, 10000", "--pool-fee");
            c->pool_fee = (uint32_t)x;
        } else if ((v = value(&i, argc, argv, "--receipt-timeout-ms")) != NULL) {
            if (!number(&x, v, 100, 3600000))
                return bad("milliseconds, 100 to 3600000", "--receipt-timeout-ms");
            c->receipt_timeout_ms = x;
        } else if ((v = value(&i, argc, argv, "--receipt-poll-ms")) != NULL) {
            if (!number(&x, v, 10, 60000))
                return bad("milliseconds, 10 to 60000", "--receipt-poll-ms");
            c->receipt_poll_ms = x;
        } else if ((v = value(&i, argc, argv, "--tick-ms")) != NULL) {
            if (!number(&x, v, 10, 60000))
                return bad("milliseconds, 10 to 60000", "--tick-ms");
            *tick_ms = (int)x;
        } else if ((v = value(&i, argc, argv, "--lease-seconds")) != NULL) {
            if (!number(&x, v, 10, 86400))
                return bad("seconds, 10 to 86400", "--lease-seconds");
            c->lease_seconds = x;
        } else {
            rest[(*n_rest)++] = argv[i];
        }
    }
    rest[*n_rest] = NULL;
    return 1;
}

static void defaults(struct run_ctx *c)
{
    memset(c, 0, sizeof *c);
    chain_config_init(&c->bundlers);
    c->poll_seconds = 15;
    c->max_failures = 3;
    c->backoff_seconds = 30;
    c->slippage_bps = 100;
    c->pool_fee = 500;
    c->lease_seconds = 600;
    c->receipt_timeout_ms = 120000;
    c->receipt_poll_ms = 500;
    c->stop = &g_run_stop;
    run_store_holder(c->holder);
}

static void wait_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    if (ms > 0)
        nanosleep(&ts, NULL); /* a signal ends it early */
}

/* How long to sleep before the next pass: up to the earliest due time (real clock), at most tick. */
static long sleep_for(int64_t earliest, int tick_ms)
{
    struct timespec ts;
    int64_t now = clock_now();
    long ms;

    if (earliest == 0)
        return tick_ms;
    if (earliest <= now) /* it came due while the pass ran (pass() saw an earlier second) */
        return 1;
    clock_gettime(CLOCK_REALTIME, &ts);
    ms = (long)(earliest * 1000 - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
    if (now < (int64_t)ts.tv_sec - 2 || now > (int64_t)ts.tv_sec + 2) /* a test clock: poll it */
        return tick_ms;
    if (ms <= 0) /* the second has begun but the coarse clock_now() has not seen it yet */
        return 1;
    return ms > tick_ms ? tick_ms : ms;
}

struct due_cache {
    char id[SESSION_ID_MAX];
    int64_t next_due;
};

static int pass(struct run_ctx *c, struct due_cache **cache, int *n_cache, int64_t *earliest)
{
    struct mcp_error err = {MCP_OK, ""};
    char (*ids)[SESSION_ID_MAX] = NULL;
    struct due_cache *next;
    int n = 0, looked = 0;
    int64_t now = clock_now();
    struct timespec start;

    clock_gettime(CLOCK_MONOTONIC, &start);
    *earliest = 0;
    if (run_store_followed(c->db, now, &ids, &n, &err) != MCP_OK) {
        json_t *f = json_pack("{s:s}", "error", err.msg);

        run_log(LOG_ERROR, "storage_error", f);
        return 0;
    }
    next = calloc(n ? (size_t)n : 1, sizeof *next);
    for (int i = 0; next && i < n && !g_run_stop; i++) {
        int64_t due = -1;

        /* a TWAP whose next slice is not due yet needs no work this pass */
        for (int k = 0; k < *n_cache; k++)
            if (strcmp((*cache)[k].id, ids[i]) == 0 && (*cache)[k].next_due > now)
                due = (*cache)[k].next_due;
        if (due < 0)
            looked++;
        if (due < 0 && run_session(c, ids[i], &due, &err) != MCP_OK) {
            json_t *f = json_pack("{s:s, s:s}", "sessionId", ids[i], "error", err.msg);

            run_log(LOG_ERROR, "storage_error", f);
            mcp_err_clear(&err);
            due = 0;
        }
        snprintf(next[i].id, SESSION_ID_MAX, "%s", ids[i]);
        next[i].next_due = due;
        if (due > now && (*earliest == 0 || due < *earliest))
            *earliest = due;
    }
    free(*cache);
    *cache = next;
    *n_cache = next ? n : 0;
    free(ids);
    if (log_get_level() <= LOG_DEBUG) {
        struct timespec end;
        json_t *f;

        clock_gettime(CLOCK_MONOTONIC, &end);
        f = json_pack("{s:i, s:i, s:I}", "followed", n, "looked", looked, "ms",
                      (json_int_t)((end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000));
        run_log(LOG_DEBUG, "pass", f);
    }
    return 1;
}

int cli_run_main(int argc, char **argv)
{
    static struct run_ctx c;
    struct mcp_error err = {MCP_OK, ""};
    struct sigaction sa;
    char **rest = calloc(2 * (size_t)argc + 1, sizeof *rest); /* --bundler=URL becomes two */
    int n_rest, once = 0, tick_ms = 1000, n_cache = 0, rc = 0;
    struct due_cache *cache = NULL;
    int64_t earliest = 0;
    json_t *fb;

    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(run_usage, stdout);
        free(rest);
        return 0;
    }
    defaults(&c);
    if (rest == NULL || !parse(&c, &once, &tick_ms, argc, argv, rest, &n_rest) ||
        cfg_parse(&c.cfg, n_rest, rest) != CFG_SERVE) {
        free(rest);
        chain_config_free(&c.bundlers);
        return 2;
    }
    free(rest);
    log_set_level(c.cfg.log_level);
    fb = json_object_get(c.cfg.file, "bundler");
    if (fb != NULL && (!json_is_object(fb) || chain_config_add_json(&c.bundlers, fb, &err) != MCP_OK)) {
        fprintf(stderr, "sessionkey-mcp run: config file \"bundler\": %s\n",
                err.msg[0] ? err.msg : "must be an object mapping chain ids to URLs");
        cfg_free(&c.cfg);
        chain_config_free(&c.bundlers);
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (cfg_ensure_data_dir(&c.cfg, &err) != MCP_OK || reg_load(&err) != MCP_OK ||
        (c.db = app_db(&c.cfg, &err)) == NULL) {
        json_t *f = json_pack("{s:s}", "error", err.msg);

        run_log(LOG_ERROR, "cannot_start", f);
        rc = 1;
        goto out;
    }
    {
        json_t *f = json_pack("{s:s, s:s, s:b}", "holder", c.holder, "dataDir", c.cfg.data_dir, "once", once);

        run_log(LOG_INFO, "started", f);
    }
    while (!g_run_stop) {
        if (!pass(&c, &cache, &n_cache, &earliest))
            rc = 1;
        if (once)
            break;
        wait_ms(sleep_for(earliest, tick_ms));
    }
    {
        json_t *f = json_pack("{s:I, s:I}", "slicesSent", (json_int_t)c.slices_sent, "slicesDone",
                              (json_int_t)c.slices_done);

        run_log(LOG_INFO, "exiting", f);
    }
out:
    free(cache);
    run_ctx_close(&c);
    reg_unload();
    app_state_close();
    cfg_free(&c.cfg);
    chain_config_free(&c.bundlers);
    return rc;
}

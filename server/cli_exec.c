/* cli_exec.c: `sessionkey-mcp exec [report] [--data-dir DIR] [options] < requests`: the
 * execution gate for the automation executor, without an MCP session.
 *
 * stdin holds one JSON request per line (one line is the usual case): the arguments of
 * authorize_execution, or of report_execution with `exec report`. Each line gets one line on
 * stdout: the tool's structuredContent ({"allowed": ..., "rule": ..., ...}), or
 * {"error": "...", "code": "INVALID_ARGUMENT"} when the request could not be decided. The
 * requests run through the same tool code as over MCP (schema check, handler, output check),
 * so the command line can never decide differently from the tool.
 *
 * Exit status: 0 when every line got a decision or a recorded outcome (a denial is a
 * decision: read "allowed"), 1 when any line failed, 2 for usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "cfg.h"
#include "cli.h"
#include "reg_tools.h"

#define EXEC_MAX_LINE (4u << 20) /* as the server's default line limit */

static void print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    fflush(stdout);
}

static void print_error(const char *code, const char *msg)
{
    json_t *j = json_pack("{s:s, s:s}", "error", msg, "code", code);

    if (j != NULL)
        print_json(j);
    json_decref(j);
}

/* Run one request line. Returns 0 on a result, 1 on an error. */
static int run_line(const struct tool_def *tool, struct tool_ctx *ctx, const char *line, size_t len)
{
    json_error_t jerr;
    json_t *args = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr), *r, *sc;
    const char *text, *code;
    int rc = 1;

    if (!json_is_object(args)) {
        print_error("INVALID_ARGUMENT", args ? "each line must be a JSON object" : jerr.text);
        json_decref(args);
        return 1;
    }
    r = reg_call(tool, ctx, args, REG_GEN_2025_06);
    sc = json_object_get(r, "structuredContent");
    if (r != NULL && !json_is_true(json_object_get(r, "isError")) && sc != NULL) {
        print_json(sc);
        rc = 0;
    } else {
        text = json_string_value(json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));
        code = json_string_value(json_object_get(json_object_get(json_object_get(r, "_meta"),
                                                                 "io.sessionkey-mcp/error"), "code"));
        print_error(code ? code : "INTERNAL_ERROR", text ? text : "out of memory");
    }
    json_decref(r);
    json_decref(args);
    return rc;
}

static int run_all(const struct tool_def *tool, struct tool_ctx *ctx)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int failed = 0, any = 0;

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        any = 1;
        if ((size_t)n > EXEC_MAX_LINE) {
            print_error("INVALID_ARGUMENT", "the request line is longer than 4 MiB");
            failed = 1;
            continue;
        }
        failed |= run_line(tool, ctx, line, (size_t)n);
    }
    free(line);
    if (!any)
        print_error("INVALID_ARGUMENT", "no request on stdin: send one JSON object per line");
    return failed || !any;
}

int cli_exec_main(int argc, char **argv)
{
    struct skm_config cfg;
    struct tool_ctx ctx;
    const struct tool_def *tool;
    int report = argc > 1 && strcmp(argv[1], "report") == 0, rc;
    struct mcp_error err = {MCP_OK, ""};

    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs("usage: sessionkey-mcp exec [report] [--data-dir DIR] [options] < requests.jsonl\n"
              "  exec         one authorize_execution request per line -> one decision per line\n"
              "  exec report  one report_execution request per line -> one outcome per line\n", stdout);
        return 0;
    }
    if (cfg_parse(&cfg, argc - report, argv + report) != CFG_SERVE)
        return 2;
    if (reg_load(&err) != MCP_OK || (tool = reg_find(report ? "report_execution" : "authorize_execution")) == NULL) {
        print_error("INTERNAL_ERROR", err.msg[0] ? err.msg : "the gate tools are missing");
        cfg_free(&cfg);
        return 1;
    }
    ctx.cfg = &cfg;
    ctx.protocol_version = "cli";
    rc = run_all(tool, &ctx);
    reg_unload();
    app_state_close();
    cfg_free(&cfg);
    return rc;
}

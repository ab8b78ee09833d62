/* cfg.c: command line, environment (SESSIONKEY_MCP_HOME, SESSIONKEY_MCP_LOG_LEVEL,
 * XDG_DATA_HOME, HOME) and JSON config file. */
#include "cfg.h"

#include "cfg_account.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char skm_version[] = "0.1.0";

#define DEFAULT_MAX_LINE (4u * 1024u * 1024u)

static const char usage_text[] =
    "usage: sessionkey-mcp [options]            serve MCP over stdio\n"
    "       sessionkey-mcp eth <command> ...     Ethereum primitives (keccak, recover, ...)\n"
    "       sessionkey-mcp chain <command> ...   read chain state over JSON-RPC\n"
    "       sessionkey-mcp audit verify          check the audit log's hash chain\n"
    "       sessionkey-mcp exec [report] < jsonl execution checks for an executor, one per line\n"
    "       sessionkey-mcp zerodev approve < json  a ZeroDev approval for a Kernel v3 session\n"
    "       sessionkey-mcp run --rpc ID=URL --bundler ID=URL  the executor: runs approved automations\n"
    "\n"
    "tools (MCP): plan_automation, request_session_approval, confirm_session,\n"
    "       list_automations, revoke_session, get_session_history, authorize_execution,\n"
    "       report_execution\n"
    "\n"
    "options:\n"
    "  --data-dir DIR       where the database and keys live (env SESSIONKEY_MCP_HOME;\n"
    "                       default $XDG_DATA_HOME/sessionkey-mcp or ~/.local/share/sessionkey-mcp)\n"
    "  --config FILE        JSON config file: {\"dataDir\", \"logLevel\", \"maxLineBytes\", \"rpc\": {\"8453\": URL},\n"
    "                       \"bundler\": {\"8453\": URL},\n"
    "                       \"helpUrl\": the user guide linked from every approval summary}\n"
    "  --rpc CHAINID=URL    chain JSON-RPC endpoint (repeatable; env SKM_RPC_<CHAINID>)\n"
    "  --bundler CHAINID=URL  ERC-4337 bundler endpoint: the gate reads operation receipts there\n"
    "                       (repeatable; env SKM_BUNDLER_<CHAINID>)\n"
    "  --log-level LEVEL    debug, info, notice, warning (default), error, off; logs go to stderr\n"
    "  --max-line-bytes N   longest accepted input line (default 4194304)\n"
    "  --account TYPE       the account a request gets when it names none: kernel-v3 (ZeroDev Kernel v3\n"
    "                       0.3.1, the default), kernel-v3:0.3.0, kernel-v3:0.3.1, or other (nothing is\n"
    "                       installed on the wallet: only this server enforces the limits); config file:\n"
    "                       \"account\": {\"type\": \"kernel-v3\", \"kernelVersion\": \"0.3.0\"}\n"
    "  --approval-port N    loopback port of the approval page (default: any free port; \"off\" disables it)\n"
    "  --check-assets       validate the compiled-in schemas and prompts, then exit\n"
    "  --executor           also serve the executor tools (authorize_execution, report_execution);\n"
    "                       for the automation executor's own server, never for a chat client\n"
    "  --help, --version\n";

static int set_level(struct skm_config *cfg, const char *name)
{
    if (!log_parse_level(&cfg->log_level, name)) {
        fprintf(stderr, "sessionkey-mcp: unknown log level \"%s\" (use debug, info, notice, warning, error, off)\n", name);
        return 0;
    }
    return 1;
}

static int set_max_line(struct skm_config *cfg, const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1024 || v > (1ull << 30)) {
        fprintf(stderr, "sessionkey-mcp: --max-line-bytes must be a number from 1024 to 1073741824\n");
        return 0;
    }
    cfg->max_line = (size_t)v;
    return 1;
}

static void default_data_dir(struct skm_config *cfg)
{
    const char *env = getenv("SESSIONKEY_MCP_HOME"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

    if (env != NULL && env[0] != '\0')
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", env);
    else if (xdg != NULL && xdg[0] == '/')
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/sessionkey-mcp", xdg);
    else if (home != NULL && home[0] != '\0')
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/.local/share/sessionkey-mcp", home);
    else
        snprintf(cfg->data_dir, sizeof cfg->data_dir, ".sessionkey-mcp");
}

static int file_type_error(const struct skm_config *cfg, const char *key, const char *want)
{
    fprintf(stderr, "sessionkey-mcp: config file %s: \"%s\" must be %s\n", cfg->config_file, key, want);
    return 0;
}

/* Config file values apply only where neither the command line nor the environment spoke. */
static int load_file(struct skm_config *cfg, int dir_given, int level_given, int line_given)
{
    json_error_t jerr;
    json_t *v;

    cfg->file = json_load_file(cfg->config_file, JSON_REJECT_DUPLICATES, &jerr);
    if (cfg->file == NULL || !json_is_object(cfg->file)) {
        fprintf(stderr, "sessionkey-mcp: config file %s: %s (line %d)\n", cfg->config_file,
                cfg->file ? "must hold a JSON object" : jerr.text, jerr.line);
        return 0;
    }
    v = json_object_get(cfg->file, "dataDir");
    if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0))
        return file_type_error(cfg, "dataDir", "a non-empty string (a directory path)");
    if (!dir_given && v != NULL)
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", json_string_value(v));
    v = json_object_get(cfg->file, "logLevel");
    if (v != NULL && !json_is_string(v))
        return file_type_error(cfg, "logLevel", "a string: debug, info, notice, warning, error or off");
    if (!level_given && v != NULL && !set_level(cfg, json_string_value(v)))
        return 0;
    v = json_object_get(cfg->file, "maxLineBytes");
    if (v != NULL && !json_is_integer(v))
        return file_type_error(cfg, "maxLineBytes", "an integer number of bytes");
    if (!line_given && v != NULL) {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        if (!set_max_line(cfg, num))
            return 0;
    }
    v = json_object_get(cfg->file, "helpUrl");
    if (v != NULL && (!json_is_string(v) || (strncmp(json_string_value(v), "https://", 8) != 0 &&
                                             strncmp(json_string_value(v), "http://", 7) != 0) ||
                      json_string_length(v) > 500))
        return file_type_error(cfg, "helpUrl", "an http(s) URL of at most 500 characters (the user guide)");
    v = json_object_get(cfg->file, "rpc");
    if (v != NULL && !json_is_object(v))
        return file_type_error(cfg, "rpc", "an object mapping chain ids to URLs");
    v = json_object_get(cfg->file, "bundler");
    if (v != NULL && !json_is_object(v))
        return file_type_error(cfg, "bundler", "an object mapping chain ids to bundler URLs");
    return 1;
}

static const char *need_value(int *i, int argc, char **argv)
{
    const char *opt = argv[*i], *eq = strchr(opt, '=');

    if (strncmp(opt, "--", 2) == 0 && eq != NULL) {
        if (eq[1] == '\0') {
            fprintf(stderr, "sessionkey-mcp: %.*s needs a value\n", (int)(eq - opt), opt);
            return NULL;
        }
        return eq + 1;
    }
    if (*i + 1 >= argc || argv[*i + 1][0] == '\0') {
        fprintf(stderr, "sessionkey-mcp: %s needs a value\n", opt);
        return NULL;
    }
    return argv[++*i];
}

static int set_approval_port(struct skm_config *cfg, const char *s)
{
    char *end;
    long v;

    if (strcmp(s, "off") == 0) {
        cfg->approval_port = -1;
        return 1;
    }
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0 || v > 65535) {
        fprintf(stderr, "sessionkey-mcp: --approval-port must be a port number from 0 to 65535 (0: any free port) "
                "or \"off\"\n");
        return 0;
    }
    cfg->approval_port = (int)v;
    return 1;
}

static int opt_is(const char *arg, const char *name)
{
    size_t n = strlen(name);

    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

enum cfg_action cfg_parse(struct skm_config *cfg, int argc, char **argv)
{
    int dir_given = 0, level_given = 0, line_given = 0;
    const char *env_level = getenv("SESSIONKEY_MCP_LOG_LEVEL"), *val;

    memset(cfg, 0, sizeof *cfg);
    cfg->log_level = LOG_WARNING;
    cfg->max_line = DEFAULT_MAX_LINE;
    default_data_dir(cfg);
    dir_given = getenv("SESSIONKEY_MCP_HOME") != NULL && getenv("SESSIONKEY_MCP_HOME")[0] != '\0';
    if (env_level != NULL && env_level[0] != '\0') {
        if (!set_level(cfg, env_level))
            return CFG_EXIT_USAGE;
        level_given = 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return CFG_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            fprintf(stdout, "sessionkey-mcp %s\n", skm_version); /* --version: not a protocol session */
            return CFG_EXIT_OK;
        } else if (strcmp(a, "--check-assets") == 0) {
            cfg->check_assets = 1;
        } else if (strcmp(a, "--executor") == 0) {
            cfg->executor = 1;
        } else if (opt_is(a, "--data-dir")) {
            if ((val = need_value(&i, argc, argv)) == NULL)
                return CFG_EXIT_USAGE;
            snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", val);
            dir_given = 2;
        } else if (opt_is(a, "--config")) {
            if ((cfg->config_file = need_value(&i, argc, argv)) == NULL)
                return CFG_EXIT_USAGE;
        } else if (opt_is(a, "--log-level")) {
            if ((val = need_value(&i, argc, argv)) == NULL || !set_level(cfg, val))
                return CFG_EXIT_USAGE;
            level_given = 1;
        } else if (opt_is(a, "--max-line-bytes")) {
            if ((val = need_value(&i, argc, argv)) == NULL || !set_max_line(cfg, val))
                return CFG_EXIT_USAGE;
            line_given = 1;
        } else if (opt_is(a, "--approval-port")) {
            if ((val = need_value(&i, argc, argv)) == NULL || !set_approval_port(cfg, val))
                return CFG_EXIT_USAGE;
        } else if (opt_is(a, "--rpc")) {
            if ((val = need_value(&i, argc, argv)) == NULL)
                return CFG_EXIT_USAGE;
            if (cfg->n_rpc == CFG_MAX_RPC) {
                fprintf(stderr, "sessionkey-mcp: at most %d --rpc options\n", CFG_MAX_RPC);
                return CFG_EXIT_USAGE;
            }
            cfg->rpc[cfg->n_rpc++] = val;
        } else if (opt_is(a, "--account")) {
            if ((cfg->account_opt = need_value(&i, argc, argv)) == NULL)
                return CFG_EXIT_USAGE;
        } else if (opt_is(a, "--bundler")) {
            if ((val = need_value(&i, argc, argv)) == NULL)
                return CFG_EXIT_USAGE;
            if (cfg->n_bundler == CFG_MAX_RPC) {
                fprintf(stderr, "sessionkey-mcp: at most %d --bundler options\n", CFG_MAX_RPC);
                return CFG_EXIT_USAGE;
            }
            cfg->bundler[cfg->n_bundler++] = val;
        } else {
            fprintf(stderr, "sessionkey-mcp: unknown option \"%s\" (see --help)\n", a);
            return CFG_EXIT_USAGE;
        }
    }
    if (cfg->config_file != NULL && !load_file(cfg, dir_given, level_given, line_given))
        return CFG_EXIT_USAGE;
    if (!cfg_account_setup(cfg))
        return CFG_EXIT_USAGE;
    return CFG_SERVE;
}

/* A data directory problem: the path for the log, the option's name for whoever reads err. */
static enum mcp_rc data_dir_error(const char *path, const char *what, const char *why, struct mcp_error *err)
{
    log_warn("data directory %s: %s%s%s", path, what, why[0] ? ": " : "", why);
    return mcp_errf(err, MCP_EIO, "The data directory (--data-dir or SESSIONKEY_MCP_HOME) cannot be used: %s%s%s. "
                    "Nothing was changed", what, why[0] ? ": " : "", why);
}

enum mcp_rc cfg_ensure_data_dir(const struct skm_config *cfg, struct mcp_error *err)
{
    char path[sizeof cfg->data_dir];
    struct stat st;

    snprintf(path, sizeof path, "%s", cfg->data_dir);
    if (path[0] == '\0')
        return mcp_errf(err, MCP_EIO, "the data directory is empty: pass --data-dir DIR or set SESSIONKEY_MCP_HOME");
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return data_dir_error(path, "cannot create a directory above it", strerror(errno), err);
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return data_dir_error(path, "cannot create it", strerror(errno), err);
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return data_dir_error(path, "it is not a directory", "", err);
    if ((st.st_mode & 0077) != 0)
        log_warn("data directory %s is accessible to other users (mode %03o); chmod 700 it",
                 path, (unsigned)(st.st_mode & 0777));
    return MCP_OK;
}

const char *cfg_help_url(const struct skm_config *cfg)
{
    const char *v = cfg && cfg->file ? json_string_value(json_object_get(cfg->file, "helpUrl")) : NULL;

    return v ? v : CFG_DEFAULT_HELP_URL;
}

void cfg_free(struct skm_config *cfg)
{
    json_decref(cfg->file);
    cfg->file = NULL;
    json_decref(cfg->default_account);
    cfg->default_account = NULL;
}

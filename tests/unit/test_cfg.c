/* test_cfg.c: command line, environment and config-file precedence (cfg_parse), and the data
 * directory (cfg_ensure_data_dir). Every cfg_parse call runs with a controlled environment
 * (restored right after the call) and with stderr silenced; --help/--version output is
 * captured from stdout with dup2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "test.h"

/* The environment cfg_parse reads. NULL means unset. */
struct envset {
    const char *skm_home, *level, *xdg, *home;
};

static const char *const env_names[] = {"SESSIONKEY_MCP_HOME", "SESSIONKEY_MCP_LOG_LEVEL", "XDG_DATA_HOME", "HOME"};
static const struct envset default_env = {NULL, NULL, NULL, "/home/unit"};

static void env_apply(const char *const vals[4])
{
    for (int i = 0; i < 4; i++) {
        if (vals[i] != NULL)
            setenv(env_names[i], vals[i], 1);
        else
            unsetenv(env_names[i]);
    }
}

/* Run cfg_parse under env e (NULL: default_env), stderr to /dev/null; the environment is
 * restored before returning. */
static enum cfg_action parse_with(struct skm_config *cfg, const struct envset *e, int argc, const char **argv)
{
    char *saved[4];
    const char *want[4], *back[4];
    enum cfg_action act;
    int err_fd;

    if (e == NULL)
        e = &default_env;
    want[0] = e->skm_home;
    want[1] = e->level;
    want[2] = e->xdg;
    want[3] = e->home;
    for (int i = 0; i < 4; i++) {
        const char *v = getenv(env_names[i]);
        saved[i] = v ? strdup(v) : NULL;
    }
    env_apply(want);
    err_fd = test_stderr_silence();
    act = cfg_parse(cfg, argc, (char **)argv);
    test_stderr_restore(err_fd);
    for (int i = 0; i < 4; i++)
        back[i] = saved[i];
    env_apply(back);
    for (int i = 0; i < 4; i++)
        free(saved[i]);
    return act;
}

#define ARGV(...) ((const char *[]){"sessionkey-mcp", __VA_ARGS__})
#define NARGS(...) ((int)(sizeof((const char *[]){"sessionkey-mcp", __VA_ARGS__}) / sizeof(const char *)))
#define PARSE(cfg, env, ...) parse_with((cfg), (env), NARGS(__VA_ARGS__), ARGV(__VA_ARGS__))
#define PARSE0(cfg, env) parse_with((cfg), (env), 1, (const char *[]){"sessionkey-mcp"})

static const char *write_config(const char *text)
{
    static char path[600];
    FILE *f;

    snprintf(path, sizeof path, "%s/config.json", test_tmpdir());
    f = fopen(path, "w");
    if (f == NULL)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

TEST(cfg_defaults)
{
    struct skm_config cfg;

    CHECK_EQ_INT(PARSE0(&cfg, NULL), CFG_SERVE);
    CHECK_STR(cfg.data_dir, "/home/unit/.local/share/sessionkey-mcp");
    CHECK_EQ_INT(cfg.log_level, LOG_WARNING);
    CHECK_EQ_INT(cfg.max_line, 4194304);
    CHECK_EQ_INT(cfg.n_rpc, 0);
    CHECK(cfg.config_file == NULL);
    CHECK(cfg.file == NULL);
    CHECK_EQ_INT(cfg.check_assets, 0);
    cfg_free(&cfg);
}

TEST(cfg_data_dir_from_environment)
{
    struct skm_config cfg;
    struct envset xdg = {NULL, NULL, "/x/data", "/home/unit"};
    struct envset xdg_rel = {NULL, NULL, "relative/data", "/home/unit"};
    struct envset xdg_empty = {NULL, NULL, "", "/home/unit"};
    struct envset skm = {"/srv/skm", NULL, "/x/data", "/home/unit"};
    struct envset skm_empty = {"", NULL, NULL, "/home/unit"};
    struct envset nohome = {NULL, NULL, NULL, NULL};

    CHECK_EQ_INT(PARSE0(&cfg, &xdg), CFG_SERVE);
    CHECK_STR(cfg.data_dir, "/x/data/sessionkey-mcp");
    CHECK_EQ_INT(PARSE0(&cfg, &xdg_rel), CFG_SERVE); /* XDG paths must be absolute: ignored */
    CHECK_STR(cfg.data_dir, "/home/unit/.local/share/sessionkey-mcp");
    CHECK_EQ_INT(PARSE0(&cfg, &xdg_empty), CFG_SERVE);
    CHECK_STR(cfg.data_dir, "/home/unit/.local/share/sessionkey-mcp");
    CHECK_EQ_INT(PARSE0(&cfg, &skm), CFG_SERVE); /* SESSIONKEY_MCP_HOME wins over XDG */
    CHECK_STR(cfg.data_dir, "/srv/skm");
    CHECK_EQ_INT(PARSE0(&cfg, &skm_empty), CFG_SERVE); /* empty means unset */
    CHECK_STR(cfg.data_dir, "/home/unit/.local/share/sessionkey-mcp");
    CHECK_EQ_INT(PARSE0(&cfg, &nohome), CFG_SERVE);
    CHECK_STR(cfg.data_dir, ".sessionkey-mcp");
}

TEST(cfg_data_dir_option)
{
    struct skm_config cfg;
    struct envset skm = {"/srv/skm", NULL, NULL, "/home/unit"};

    CHECK_EQ_INT(PARSE(&cfg, NULL, "--data-dir", "/a/b"), CFG_SERVE);
    CHECK_STR(cfg.data_dir, "/a/b");
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--data-dir=/c/d e"), CFG_SERVE);
    CHECK_STR(cfg.data_dir, "/c/d e");
    CHECK_EQ_INT(PARSE(&cfg, &skm, "--data-dir", "rel/dir"), CFG_SERVE); /* the command line wins */
    CHECK_STR(cfg.data_dir, "rel/dir");
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--data-dir", "/first", "--data-dir=/second"), CFG_SERVE); /* last wins */
    CHECK_STR(cfg.data_dir, "/second");
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--data-dir"), CFG_EXIT_USAGE); /* value missing */
}

/* Regression: an empty --data-dir was accepted. cfg_ensure_data_dir then scans its path buffer
 * from path + 1, past the terminating NUL, through uninitialized stack bytes (undefined
 * behaviour), and every "<data_dir>/<file>" path the server builds becomes "/<file>" in the
 * filesystem root. An empty value is a usage error. */
TEST(cfg_empty_data_dir_value_refused)
{
    struct skm_config cfg;

    CHECK_EQ_INT(PARSE(&cfg, NULL, "--data-dir="), CFG_EXIT_USAGE);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--data-dir", ""), CFG_EXIT_USAGE);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--config="), CFG_EXIT_USAGE); /* empty values in general */
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--rpc", ""), CFG_EXIT_USAGE);
}

TEST(cfg_log_level)
{
    struct skm_config cfg;
    struct envset env_err = {NULL, "error", NULL, "/home/unit"};
    struct envset env_bad = {NULL, "chatty", NULL, "/home/unit"};

    CHECK_EQ_INT(PARSE(&cfg, NULL, "--log-level", "debug"), CFG_SERVE);
    CHECK_EQ_INT(cfg.log_level, LOG_DEBUG);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--log-level=warn"), CFG_SERVE);
    CHECK_EQ_INT(cfg.log_level, LOG_WARNING);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--log-level=off"), CFG_SERVE);
    CHECK_EQ_INT(cfg.log_level, LOG_OFF);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--log-level", "notice"), CFG_SERVE);
    CHECK_EQ_INT(cfg.log_level, LOG_NOTICE);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--log-level", "loud"), CFG_EXIT_USAGE);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--log-level=INFO"), CFG_EXIT_USAGE);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--log-level"), CFG_EXIT_USAGE);
    CHECK_EQ_INT(PARSE0(&cfg, &env_err), CFG_SERVE);
    CHECK_EQ_INT(cfg.log_level, LOG_ERROR);
    CHECK_EQ_INT(PARSE(&cfg, &env_err, "--log-level", "info"), CFG_SERVE); /* command line wins */
    CHECK_EQ_INT(cfg.log_level, LOG_INFO);
    CHECK_EQ_INT(PARSE0(&cfg, &env_bad), CFG_EXIT_USAGE);
}

TEST(cfg_max_line_bytes_bounds)
{
    static const char *const bad[] = {"1023", "1073741825", "0", "-1", "abc", "2048x", "", "18446744073709551616",
                                      "99999999999999999999999"};
    struct skm_config cfg;

    CHECK_EQ_INT(PARSE(&cfg, NULL, "--max-line-bytes", "1024"), CFG_SERVE);
    CHECK_EQ_INT(cfg.max_line, 1024);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--max-line-bytes=1073741824"), CFG_SERVE);
    CHECK_EQ_INT(cfg.max_line, 1073741824);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--max-line-bytes", "65536"), CFG_SERVE);
    CHECK_EQ_INT(cfg.max_line, 65536);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {"sessionkey-mcp", "--max-line-bytes", bad[i]};
        enum cfg_action act = parse_with(&cfg, NULL, 3, argv);
        if (act != CFG_EXIT_USAGE)
            test_fail(__FILE__, __LINE__, "--max-line-bytes \"%s\" accepted", bad[i]);
        CHECK_EQ_INT(act, CFG_EXIT_USAGE);
    }
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--max-line-bytes"), CFG_EXIT_USAGE);
}

TEST(cfg_rpc_repeated)
{
    struct skm_config cfg;
    const char *argv[2 + 2 * CFG_MAX_RPC + 2];
    char specs[CFG_MAX_RPC + 1][40];
    int argc = 1;

    CHECK_EQ_INT(PARSE(&cfg, NULL, "--rpc", "8453=https://base.example", "--rpc=1=https://eth.example/v1?k=a=b"),
                 CFG_SERVE);
    CHECK_EQ_INT(cfg.n_rpc, 2);
    CHECK_STR(cfg.rpc[0], "8453=https://base.example");
    CHECK_STR(cfg.rpc[1], "1=https://eth.example/v1?k=a=b"); /* only the first '=' splits the option */
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--rpc"), CFG_EXIT_USAGE);

    argv[0] = "sessionkey-mcp";
    for (int i = 0; i < CFG_MAX_RPC; i++) {
        snprintf(specs[i], sizeof specs[i], "%d=http://h%d", i + 1, i);
        argv[argc++] = "--rpc";
        argv[argc++] = specs[i];
    }
    CHECK_EQ_INT(parse_with(&cfg, NULL, argc, argv), CFG_SERVE);
    CHECK_EQ_INT(cfg.n_rpc, CFG_MAX_RPC);
    CHECK_STR(cfg.rpc[CFG_MAX_RPC - 1], specs[CFG_MAX_RPC - 1]);
    snprintf(specs[CFG_MAX_RPC], sizeof specs[CFG_MAX_RPC], "99=http://one-too-many");
    argv[argc++] = "--rpc";
    argv[argc++] = specs[CFG_MAX_RPC];
    CHECK_EQ_INT(parse_with(&cfg, NULL, argc, argv), CFG_EXIT_USAGE);
}

TEST(cfg_bundler_repeated)
{
    struct skm_config cfg;

    CHECK_EQ_INT(PARSE(&cfg, NULL, "--bundler", "8453=https://bundler.example", "--bundler=1=https://b.example/v1"),
                 CFG_SERVE);
    CHECK_EQ_INT(cfg.n_bundler, 2);
    CHECK_STR(cfg.bundler[0], "8453=https://bundler.example");
    CHECK_STR(cfg.bundler[1], "1=https://b.example/v1");
    CHECK_EQ_INT(cfg.n_rpc, 0);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--bundler"), CFG_EXIT_USAGE);
}

TEST(cfg_unknown_options_are_usage_errors)
{
    static const char *const bad[] = {"--bogus", "-x", "serve", "--data-directory=/x", "--rpcx", "--log-levels=info",
                                      "--check-assets=1", "--"};
    struct skm_config cfg;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {"sessionkey-mcp", bad[i]};
        enum cfg_action act = parse_with(&cfg, NULL, 2, argv);
        if (act != CFG_EXIT_USAGE)
            test_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
        CHECK_EQ_INT(act, CFG_EXIT_USAGE);
    }
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--check-assets"), CFG_SERVE);
    CHECK_EQ_INT(cfg.check_assets, 1);
}

/* Run cfg_parse with one argument and stdout captured into out. */
static enum cfg_action capture_stdout(const char *arg, char *out, size_t size)
{
    char path[600];
    struct skm_config cfg;
    enum cfg_action act;
    int fd, saved;
    ssize_t n;

    snprintf(path, sizeof path, "%s/stdout.txt", test_tmpdir());
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return CFG_SERVE;
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    {
        const char *argv[] = {"sessionkey-mcp", arg};
        act = parse_with(&cfg, NULL, 2, argv);
    }
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    n = pread(fd, out, size - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    return act;
}

TEST(cfg_help_and_version_print_to_stdout)
{
    char out[4096], want[64];

    CHECK_EQ_INT(capture_stdout("--version", out, sizeof out), CFG_EXIT_OK);
    snprintf(want, sizeof want, "sessionkey-mcp %s\n", skm_version);
    CHECK_STR(out, want);
    CHECK_EQ_INT(capture_stdout("--help", out, sizeof out), CFG_EXIT_OK);
    CHECK(strncmp(out, "usage: sessionkey-mcp", 21) == 0);
    CHECK_CONTAINS(out, "--data-dir");
    CHECK_CONTAINS(out, "--max-line-bytes");
    CHECK_EQ_INT(capture_stdout("-h", out, sizeof out), CFG_EXIT_OK);
}

TEST(cfg_config_file_applies_where_nothing_else_spoke)
{
    struct skm_config cfg;
    struct envset env = {"/env/home", "error", NULL, "/home/unit"};
    const char *path = write_config("{\"dataDir\":\"/from/file\",\"logLevel\":\"debug\",\"maxLineBytes\":2048,"
                                    "\"rpc\":{\"8453\":\"https://x\"}}");

    CHECK(path != NULL);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--config", path), CFG_SERVE);
    CHECK_STR(cfg.config_file, path);
    CHECK(json_is_object(cfg.file));
    CHECK_STR(cfg.data_dir, "/from/file");
    CHECK_EQ_INT(cfg.log_level, LOG_DEBUG);
    CHECK_EQ_INT(cfg.max_line, 2048);
    cfg_free(&cfg);
    CHECK(cfg.file == NULL);

    CHECK_EQ_INT(PARSE(&cfg, NULL, "--data-dir", "/cli", "--config", path, "--max-line-bytes=4096"), CFG_SERVE);
    CHECK_STR(cfg.data_dir, "/cli");
    CHECK_EQ_INT(cfg.max_line, 4096);
    CHECK_EQ_INT(cfg.log_level, LOG_DEBUG); /* from the file: nothing else spoke */
    cfg_free(&cfg);

    CHECK_EQ_INT(PARSE(&cfg, &env, "--config", path), CFG_SERVE); /* the environment wins over the file */
    CHECK_STR(cfg.data_dir, "/env/home");
    CHECK_EQ_INT(cfg.log_level, LOG_ERROR);
    CHECK_EQ_INT(cfg.max_line, 2048);
    cfg_free(&cfg);

    CHECK_EQ_INT(PARSE(&cfg, NULL, "--config=", path), CFG_EXIT_USAGE); /* "" is no file; path is unknown */
    cfg_free(&cfg);
}

TEST(cfg_config_file_errors)
{
    static const char *const bad[] = {
        "[1,2]", "\"text\"", "{\"dataDir\":", "", "{\"a\":1,\"a\":2}", "{\"logLevel\":\"loud\"}",
        "{\"maxLineBytes\":10}", "{\"maxLineBytes\":-4096}", "{\"maxLineBytes\":9007199254740993}",
    };
    struct skm_config cfg;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *path = write_config(bad[i]);
        const char *argv[] = {"sessionkey-mcp", "--config", path};
        enum cfg_action act = parse_with(&cfg, NULL, 3, argv);
        cfg_free(&cfg);
        if (act != CFG_EXIT_USAGE)
            test_fail(__FILE__, __LINE__, "config %s accepted", bad[i]);
        CHECK_EQ_INT(act, CFG_EXIT_USAGE);
    }
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--config", "/nonexistent/skm/config.json"), CFG_EXIT_USAGE);
    cfg_free(&cfg);
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--config"), CFG_EXIT_USAGE);
}

/* BUG: "dataDir": "" in the config file is applied as is (the command-line form is refused):
 * the same empty data directory as cfg_empty_data_dir_value_refused, so "<dir>/<file>" paths
 * land in the filesystem root. It must be a usage error like a bad logLevel. */
TEST(cfg_config_file_empty_data_dir_refused)
{
    struct skm_config cfg;
    const char *path = write_config("{\"dataDir\":\"\"}");

    enum cfg_action act = PARSE(&cfg, NULL, "--config", path);
    cfg_free(&cfg);
    CHECK_EQ_INT(act, CFG_EXIT_USAGE);
}

/* BUG: config values of the wrong JSON type are ignored silently: {"maxLineBytes":"8388608"}
 * leaves the 4 MiB default and {"logLevel":3} the warning level, with no word to the user,
 * while a bad value of the right type is a usage error. A wrong type must be one too. */
TEST(cfg_config_file_wrong_value_types_refused)
{
    static const char *const bad[] = {"{\"maxLineBytes\":\"8388608\"}", "{\"maxLineBytes\":8388608.0}",
                                      "{\"logLevel\":3}", "{\"dataDir\":[\"/x\"]}", "{\"dataDir\":null}"};
    struct skm_config cfg;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *path = write_config(bad[i]);
        const char *argv[] = {"sessionkey-mcp", "--config", path};
        enum cfg_action act = parse_with(&cfg, NULL, 3, argv);
        cfg_free(&cfg);
        if (act != CFG_EXIT_USAGE)
            test_fail(__FILE__, __LINE__, "config %s accepted", bad[i]);
        CHECK_EQ_INT(act, CFG_EXIT_USAGE);
    }
}

TEST(cfg_config_file_bad_level_ignored_when_overridden)
{
    struct skm_config cfg;
    const char *path = write_config("{\"logLevel\":\"loud\",\"maxLineBytes\":1}");

    /* the command line spoke for both, so the file's bad values are never applied */
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--config", path, "--log-level", "info", "--max-line-bytes", "2048"), CFG_SERVE);
    CHECK_EQ_INT(cfg.log_level, LOG_INFO);
    CHECK_EQ_INT(cfg.max_line, 2048);
    cfg_free(&cfg);
}

static int mode_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? (int)(st.st_mode & 0777) : -1;
}

TEST(cfg_ensure_data_dir_creates_nested_0700)
{
    struct skm_config cfg;
    struct mcp_error err = {MCP_OK, ""};
    const char *tmp = test_tmpdir();
    char a[600], b[600];
    mode_t old = umask(022);

    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s/one/two/three", tmp);
    snprintf(a, sizeof a, "%s/one", tmp);
    snprintf(b, sizeof b, "%s/one/two", tmp);
    enum mcp_rc rc = cfg_ensure_data_dir(&cfg, &err);
    enum mcp_rc again = cfg_ensure_data_dir(&cfg, &err); /* existing: fine */
    umask(old);
    CHECK_EQ_INT(rc, MCP_OK);
    CHECK_EQ_INT(again, MCP_OK);
    CHECK_EQ_INT(mode_of(a), 0700);
    CHECK_EQ_INT(mode_of(b), 0700);
    CHECK_EQ_INT(mode_of(cfg.data_dir), 0700);

    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s/slash/", tmp); /* a trailing slash */
    CHECK_EQ_INT(cfg_ensure_data_dir(&cfg, &err), MCP_OK);
    snprintf(a, sizeof a, "%s/slash", tmp);
    CHECK_EQ_INT(mode_of(a), 0700);
}

TEST(cfg_ensure_data_dir_relative_path)
{
    struct skm_config cfg;
    struct mcp_error err = {MCP_OK, ""};
    char cwd[600];
    const char *tmp = test_tmpdir();

    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(tmp) == 0);
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "rel/dir");
    enum mcp_rc rc = cfg_ensure_data_dir(&cfg, &err);
    int m = mode_of("rel/dir");
    CHECK(chdir(cwd) == 0);
    CHECK_EQ_INT(rc, MCP_OK);
    CHECK_EQ_INT(m, 0700);
}

TEST(cfg_ensure_data_dir_errors)
{
    struct skm_config cfg;
    struct mcp_error err = {MCP_OK, ""};
    const char *tmp = test_tmpdir();
    char file[600];
    enum log_level old = log_get_level();
    FILE *f;

    snprintf(file, sizeof file, "%s/plain-file", tmp);
    f = fopen(file, "w");
    CHECK(f != NULL);
    fclose(f);
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", file); /* exists, not a directory */
    CHECK_EQ_INT(cfg_ensure_data_dir(&cfg, &err), MCP_EIO);
    CHECK_EQ_INT(err.rc, MCP_EIO);
    /* the message names the option, not the path (the path goes to the log) */
    CHECK_STR(err.msg, "The data directory (--data-dir or SESSIONKEY_MCP_HOME) cannot be used: it is not a directory. "
                       "Nothing was changed");
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s/below", file); /* a parent is a file */
    CHECK_EQ_INT(cfg_ensure_data_dir(&cfg, &err), MCP_EIO);
    CHECK_CONTAINS(err.msg, "cannot create it: Not a directory");
    CHECK(strstr(err.msg, file) == NULL);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s/open", tmp); /* too open: a warning, not an error */
    CHECK(mkdir(cfg.data_dir, 0755) == 0 && chmod(cfg.data_dir, 0755) == 0);
    log_set_level(LOG_OFF);
    enum mcp_rc rc = cfg_ensure_data_dir(&cfg, &err);
    log_set_level(old);
    CHECK_EQ_INT(rc, MCP_OK);
}

TEST(cfg_ensure_data_dir_empty_path_fails)
{
    struct skm_config cfg;
    struct mcp_error err = {MCP_OK, ""};

    memset(&cfg, 0, sizeof cfg);
    CHECK_EQ_INT(cfg_ensure_data_dir(&cfg, &err), MCP_EIO);
}

/* helpUrl: the user guide linked from every approval summary, per deployment. */
TEST(cfg_help_url_default_config_and_refusals)
{
    static const char *const bad[] = {"{\"helpUrl\":\"docs/user-guide.md\"}", "{\"helpUrl\":\"ftp://x\"}",
                                      "{\"helpUrl\":3}", "{\"helpUrl\":\"\"}"};
    struct skm_config cfg;
    const char *path;
    const char *plain[] = {"sessionkey-mcp"};

    CHECK_EQ_INT(parse_with(&cfg, NULL, 1, plain), CFG_SERVE);
    CHECK_STR(cfg_help_url(&cfg), CFG_DEFAULT_HELP_URL);
    CHECK_CONTAINS(cfg_help_url(&cfg), "docs/user-guide.md");
    cfg_free(&cfg);
    CHECK_STR(cfg_help_url(NULL), CFG_DEFAULT_HELP_URL);
    path = write_config("{\"helpUrl\":\"https://help.example.org/sessions\"}");
    CHECK_EQ_INT(PARSE(&cfg, NULL, "--config", path), CFG_SERVE);
    CHECK_STR(cfg_help_url(&cfg), "https://help.example.org/sessions");
    cfg_free(&cfg);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {"sessionkey-mcp", "--config", write_config(bad[i])};
        enum cfg_action act = parse_with(&cfg, NULL, 3, argv);
        cfg_free(&cfg);
        if (act != CFG_EXIT_USAGE)
            test_fail(__FILE__, __LINE__, "config %s accepted", bad[i]);
    }
}

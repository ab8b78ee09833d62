/* cfg.h: process configuration from the command line, environment and config file.
 * Precedence: command line > environment > config file > defaults. */
#ifndef SKM_CFG_H
#define SKM_CFG_H

#include <jansson.h>
#include <stddef.h>

#include "log.h"
#include "mcp_err.h"

#define CFG_MAX_RPC 32

struct skm_config {
    char data_dir[4096];      /* absolute or as given; created 0700 */
    const char *config_file;  /* borrowed from argv, or NULL */
    json_t *file;             /* parsed config file (owned), or NULL */
    enum log_level log_level;
    size_t max_line;          /* input line limit in bytes (default 4 MiB) */
    const char *rpc[CFG_MAX_RPC]; /* "CHAINID=URL" specs from --rpc, borrowed from argv */
    int n_rpc;
    const char *bundler[CFG_MAX_RPC]; /* "CHAINID=URL" specs from --bundler (ERC-4337 bundler) */
    int n_bundler;
    int check_assets;         /* --check-assets: validate compiled-in assets and exit */
    const char *account_opt;  /* --account value, borrowed from argv, or NULL */
    json_t *default_account;  /* the resolved default account (owned; cfg_account.h), or NULL */
    int approval_port;        /* --approval-port: 0 = ephemeral (default), -1 = off, else the port */
    int executor;             /* --executor: also list and serve the executor tools
                               * (authorize_execution, report_execution) */
};

enum cfg_action { CFG_SERVE, CFG_EXIT_OK, CFG_EXIT_USAGE };

/* Parse argv (not the subcommand forms; see main.c) into cfg and load the config file.
 * Prints --help / --version to stdout (they are not protocol sessions) and returns
 * CFG_EXIT_OK; a bad option prints a message to stderr and returns CFG_EXIT_USAGE. */
enum cfg_action cfg_parse(struct skm_config *cfg, int argc, char **argv);

/* Create the data directory (mode 0700, parents as needed) if missing.
 * Returns: MCP_OK or MCP_EIO with a message naming the option (--data-dir or SESSIONKEY_MCP_HOME);
 * the path itself is logged (warning). */
enum mcp_rc cfg_ensure_data_dir(const struct skm_config *cfg, struct mcp_error *err) SKM_WARN_UNUSED;

/* The user guide every approval summary links to: the config file's "helpUrl", else the
 * guide in the project's repository (docs/user-guide.md). */
#define CFG_DEFAULT_HELP_URL "https://github.com/sessionkey-mcp/sessionkey-mcp/blob/main/docs/user-guide.md"
const char *cfg_help_url(const struct skm_config *cfg);

void cfg_free(struct skm_config *cfg);

extern const char skm_version[];

#endif

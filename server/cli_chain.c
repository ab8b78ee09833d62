/* cli_chain.c: `sessionkey-mcp chain <command> ...`: read chain state from the command line.
 *
 *   chain chain-id                            --rpc CHAINID=URL [--chain CHAINID]
 *   chain balance ADDR
 *   chain erc20-balance TOKEN ADDR
 *   chain erc20-info TOKEN                    (decimals and symbol)
 *   chain code ADDR
 *   chain current-nonce ACCOUNT               (Kernel v3 currentNonce())
 *   chain is-valid-signature ACCOUNT HASH SIG (ERC-1271)
 * Options: --rpc CHAINID=URL (repeatable; or env SKM_RPC_<CHAINID>), --chain CHAINID (needed
 * unless exactly one --rpc is given), --timeout-ms N, --connect-timeout-ms N, --attempts N,
 * --backoff-ms N. Prints one JSON object; numbers are decimal strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain_calls.h"
#include "chain_config.h"
#include "chain_rpc.h"
#include "cli.h"
#include "cli_util.h"
#include "eth_addr.h"
#include "eth_hex.h"

#define MAX_POS 4
#define SIG_MAX 65536

typedef enum mcp_rc (*chain_cmd_fn)(json_t **out, struct chain_client *cl, char **args,
                                    struct mcp_error *err);

struct chain_cmd {
    const char *name;
    int n_args;
    const char *args_usage;
    chain_cmd_fn fn;
};

struct chain_cli {
    struct chain_config cfg;
    uint64_t chain_id;
    int n_rpc;
    char *pos[MAX_POS];
    int n_pos;
};


static json_t *dec_string(const struct eth_u256 *v)
{
    char dec[80];

    eth_u256_to_dec(dec, sizeof dec, v);
    return json_string(dec);
}

static json_t *u64_string(uint64_t v)
{
    char dec[24];

    snprintf(dec, sizeof dec, "%llu", (unsigned long long)v);
    return json_string(dec);
}

static json_t *addr_string(const uint8_t addr[20])
{
    char s[ETH_ADDR_STR_SIZE];

    eth_addr_format(s, addr);
    return json_string(s);
}

static enum mcp_rc cmd_chain_id(json_t **out, struct chain_client *cl, char **args,
                                struct mcp_error *err)
{
    uint64_t id;
    enum mcp_rc rc = chain_get_chain_id(&id, cl, err);

    (void)args;
    if (rc == MCP_OK)
        *out = json_pack("{s:o}", "chainId", u64_string(id));
    return rc;
}

static enum mcp_rc cmd_balance(json_t **out, struct chain_client *cl, char **args,
                               struct mcp_error *err)
{
    uint8_t addr[20];
    struct eth_u256 v;
    enum mcp_rc rc = eth_addr_parse(addr, args[0], "ADDR", err);

    if (rc == MCP_OK)
        rc = chain_get_balance(&v, cl, addr, err);
    if (rc == MCP_OK)
        *out = json_pack("{s:o, s:o, s:o}", "chainId", u64_string(chain_client_chain_id(cl)),
                         "address", addr_string(addr), "balance", dec_string(&v));
    return rc;
}

static enum mcp_rc cmd_erc20_balance(json_t **out, struct chain_client *cl, char **args,
                                     struct mcp_error *err)
{
    uint8_t token[20], owner[20];
    struct eth_u256 v;
    enum mcp_rc rc = eth_addr_parse(token, args[0], "TOKEN", err);

    if (rc == MCP_OK)
        rc = eth_addr_parse(owner, args[1], "ADDR", err);
    if (rc == MCP_OK)
        rc = chain_erc20_balance(&v, cl, token, owner, err);
    if (rc == MCP_OK)
        *out = json_pack("{s:o, s:o, s:o, s:o}", "chainId",
                         u64_string(chain_client_chain_id(cl)), "token", addr_string(token),
                         "owner", addr_string(owner), "balance", dec_string(&v));
    return rc;
}

static enum mcp_rc cmd_erc20_info(json_t **out, struct chain_client *cl, char **args,
                                  struct mcp_error *err)
{
    uint8_t token[20];
    char symbol[CHAIN_SYMBOL_MAX + 1];
    unsigned decimals = 0;
    enum mcp_rc rc = eth_addr_parse(token, args[0], "TOKEN", err);

    if (rc == MCP_OK)
        rc = chain_erc20_decimals(&decimals, cl, token, err);
    if (rc == MCP_OK)
        rc = chain_erc20_symbol(symbol, sizeof symbol, cl, token, err);
    if (rc == MCP_OK)
        *out = json_pack("{s:o, s:o, s:o, s:s}", "chainId",
                         u64_string(chain_client_chain_id(cl)), "token", addr_string(token),
                         "decimals", u64_string(decimals), "symbol", symbol);
    return rc;
}

static enum mcp_rc cmd_code(json_t **out, struct chain_client *cl, char **args,
                            struct mcp_error *err)
{
    uint8_t addr[20], *code = NULL;
    size_t len = 0;
    char *hex = NULL;
    enum mcp_rc rc = eth_addr_parse(addr, args[0], "ADDR", err);

    if (rc == MCP_OK)
        rc = chain_get_code(&code, &len, cl, addr, err);
    if (rc == MCP_OK && (hex = eth_hex_encode_alloc(code, len)) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc == MCP_OK)
        *out = json_pack("{s:o, s:o, s:s, s:o}", "chainId",
                         u64_string(chain_client_chain_id(cl)), "address", addr_string(addr),
                         "code", hex, "size", u64_string(len));
    free(hex);
    free(code);
    return rc;
}

static enum mcp_rc cmd_current_nonce(json_t **out, struct chain_client *cl, char **args,
                                     struct mcp_error *err)
{
    uint8_t account[20];
    uint32_t nonce = 0;
    enum mcp_rc rc = eth_addr_parse(account, args[0], "ACCOUNT", err);

    if (rc == MCP_OK)
        rc = chain_kernel_current_nonce(&nonce, cl, account, err);
    if (rc == MCP_OK)
        *out = json_pack("{s:o, s:o, s:o}", "chainId", u64_string(chain_client_chain_id(cl)),
                         "account", addr_string(account), "nonce", u64_string(nonce));
    return rc;
}

static enum mcp_rc cmd_is_valid_signature(json_t **out, struct chain_client *cl, char **args,
                                          struct mcp_error *err)
{
    uint8_t account[20], hash[32], *sig = NULL, magic_be[4];
    char magic_hex[11];
    size_t sig_len = 0;
    uint32_t magic = 0;
    int valid = 0;
    enum mcp_rc rc = eth_addr_parse(account, args[0], "ACCOUNT", err);

    if (rc == MCP_OK)
        rc = eth_hex_decode(hash, sizeof hash, args[1], "HASH", err);
    if (rc == MCP_OK)
        rc = eth_hex_decode_alloc(&sig, &sig_len, args[2], "SIG", err);
    if (rc == MCP_OK && sig_len > SIG_MAX)
        rc = mcp_errf(err, MCP_EINVAL, "SIG: %zu bytes, at most %d accepted", sig_len, SIG_MAX);
    if (rc == MCP_OK)
        rc = chain_erc1271_check(&valid, &magic, cl, account, hash, sig, sig_len, err);
    if (rc == MCP_OK) {
        for (int i = 0; i < 4; i++)
            magic_be[i] = (uint8_t)(magic >> (24 - 8 * i));
        eth_hex_encode(magic_hex, magic_be, 4);
        *out = json_pack("{s:o, s:o, s:b, s:s}", "chainId",
                         u64_string(chain_client_chain_id(cl)), "account", addr_string(account),
                         "valid", valid, "magicValue", magic_hex);
    }
    free(sig);
    return rc;
}

static const struct chain_cmd chain_cmds[] = {
    {"chain-id", 0, "", cmd_chain_id},
    {"balance", 1, " ADDR", cmd_balance},
    {"erc20-balance", 2, " TOKEN ADDR", cmd_erc20_balance},
    {"erc20-info", 1, " TOKEN", cmd_erc20_info},
    {"code", 1, " ADDR", cmd_code},
    {"current-nonce", 1, " ACCOUNT", cmd_current_nonce},
    {"is-valid-signature", 3, " ACCOUNT HASH SIG", cmd_is_valid_signature},
};

#define N_CMDS (sizeof chain_cmds / sizeof chain_cmds[0])

static const struct chain_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < N_CMDS; i++) {
        if (strcmp(chain_cmds[i].name, name) == 0)
            return &chain_cmds[i];
    }
    return NULL;
}

static int usage(const char *problem)
{
    char msg[MCP_ERR_MSG_MAX];

    snprintf(msg, sizeof msg,
             "%s. Usage: sessionkey-mcp chain chain-id|balance ADDR|erc20-balance TOKEN ADDR|"
             "erc20-info TOKEN|code ADDR|current-nonce ACCOUNT|is-valid-signature ACCOUNT HASH "
             "SIG --rpc CHAINID=URL [--chain CHAINID] [--timeout-ms N] [--connect-timeout-ms N] "
             "[--attempts N] [--backoff-ms N]",
             problem);
    return cli_print_error(2, msg);
}

/* A positive integer option value up to max. */
static enum mcp_rc parse_limit(long *out, const char *opt, const char *val, long max,
                               struct mcp_error *err)
{
    char *end;
    long v;

    if (val == NULL || val[0] < '0' || val[0] > '9')
        return mcp_errf(err, MCP_EINVAL, "%s: expected a whole number", opt);
    v = strtol(val, &end, 10);
    if (*end != '\0' || v < 1 || v > max)
        return mcp_errf(err, MCP_EINVAL, "%s: expected a whole number from 1 to %ld", opt, max);
    *out = v;
    return MCP_OK;
}

static enum mcp_rc parse_option(struct chain_cli *c, const char *opt, const char *val,
                                struct mcp_error *err)
{
    long v = 0;
    enum mcp_rc rc;

    if (val == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s needs a value", opt);
    if (strcmp(opt, "--rpc") == 0) {
        c->n_rpc++;
        return chain_config_add(&c->cfg, val, err);
    }
    if (strcmp(opt, "--chain") == 0)
        return chain_parse_id(&c->chain_id, val, "--chain", err);
    if (strcmp(opt, "--attempts") == 0) {
        rc = parse_limit(&v, opt, val, 10, err);
        c->cfg.attempts = (unsigned)v;
        return rc;
    }
    if (strcmp(opt, "--backoff-ms") == 0)
        return parse_limit(&c->cfg.backoff_ms, opt, val, 60000, err);
    if (strcmp(opt, "--timeout-ms") == 0)
        return parse_limit(&c->cfg.timeout_ms, opt, val, 600000, err);
    if (strcmp(opt, "--connect-timeout-ms") == 0)
        return parse_limit(&c->cfg.connect_timeout_ms, opt, val, 600000, err);
    return mcp_errf(err, MCP_EINVAL, "unknown option %s", opt);
}

/* Options anywhere after the command; everything else is a positional argument. */
static enum mcp_rc parse_args(struct chain_cli *c, int argc, char **argv, struct mcp_error *err)
{
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) {
            enum mcp_rc rc = parse_option(c, argv[i], i + 1 < argc ? argv[i + 1] : NULL, err);

            if (rc != MCP_OK)
                return rc;
            i++;
        } else if (c->n_pos < MAX_POS) {
            c->pos[c->n_pos++] = argv[i];
        } else {
            return mcp_errf(err, MCP_EINVAL, "too many arguments");
        }
    }
    if (c->chain_id == 0 && c->n_rpc == 1 && c->cfg.n_ep == 1)
        c->chain_id = c->cfg.ep[0].chain_id;
    if (c->chain_id == 0)
        return mcp_errf(err, MCP_EINVAL, "say which chain: --chain CHAINID (or exactly one "
                                         "--rpc CHAINID=URL)");
    return MCP_OK;
}

static int run(struct chain_cli *c, const struct chain_cmd *cmd)
{
    struct chain_client *cl = NULL;
    struct mcp_error err;
    json_t *out = NULL;
    enum mcp_rc rc = chain_client_new(&cl, &c->cfg, c->chain_id, &err);
    int status;

    if (rc == MCP_OK)
        rc = cmd->fn(&out, cl, c->pos, &err);
    if (rc == MCP_OK && out == NULL)
        rc = mcp_errf(&err, MCP_ENOMEM, "out of memory");
    status = rc == MCP_OK ? cli_print_json(out) : cli_print_error(1, err.msg);
    json_decref(out);
    chain_client_free(cl);
    return status;
}

int cli_chain_main(int argc, char **argv)
{
    struct chain_cli c = {.chain_id = 0};
    const struct chain_cmd *cmd;
    struct mcp_error err;
    char problem[160];
    int status;

    if (argc < 2)
        return usage("missing command");
    cmd = find_cmd(argv[1]);
    if (cmd == NULL) {
        snprintf(problem, sizeof problem, "unknown chain command \"%.40s\"", argv[1]);
        return usage(problem);
    }
    chain_config_init(&c.cfg);
    if (parse_args(&c, argc, argv, &err) != MCP_OK) {
        chain_config_free(&c.cfg);
        return usage(err.msg);
    }
    if (c.n_pos != cmd->n_args) {
        chain_config_free(&c.cfg);
        snprintf(problem, sizeof problem, "chain %s takes%s", cmd->name,
                 cmd->n_args ? cmd->args_usage : " no arguments");
        return usage(problem);
    }
    status = run(&c, cmd);
    chain_config_free(&c.cfg);
    return status;
}

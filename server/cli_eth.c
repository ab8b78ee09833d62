/* cli_eth.c: `sessionkey-mcp eth <cmd>`, Ethereum primitives from the command line (like
 * foundry's `cast`), one compact JSON object per line on stdout. Used by people checking a value
 * and by the interop tests, which compare every command against viem.
 *
 * `eth --batch` reads one JSON array of strings per line on stdin (["keccak","0x12"]) and
 * answers each with one line, as if each array were a command line; usage errors are then
 * {"error":"usage: ..."} lines instead of exit status 2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "cli_util.h"
#include "eth_191.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "eth_keccak.h"
#include "eth_secp.h"
#include "eth_u256.h"

#define OPT_TEXT     1u /* --text allowed */
#define OPT_KEY_FILE 2u /* --key-file K required */
#define MAX_POS      2

struct cli_args {
    const char *pos[MAX_POS];
    int n_pos;
    const char *key_file;
    int text;
};

struct eth_cmd {
    const char *name;
    int n_pos;        /* positional arguments, exactly */
    unsigned opts;    /* OPT_* */
    const char *args; /* synopsis for usage */
    enum mcp_rc (*run)(json_t **out, const struct cli_args *a, struct mcp_error *err);
};

/* Reply {key: value}. */
static enum mcp_rc reply(json_t **out, const char *key, const char *value, struct mcp_error *err)
{
    *out = json_pack("{s:s}", key, value);
    return *out ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory building the reply");
}

static enum mcp_rc reply_hash(json_t **out, const uint8_t hash[32], struct mcp_error *err)
{
    char hex[67];

    eth_hex_encode(hex, hash, 32);
    return reply(out, "hash", hex, err);
}

static enum mcp_rc reply_address(json_t **out, const uint8_t addr[20], struct mcp_error *err)
{
    char text[ETH_ADDR_STR_SIZE];

    eth_addr_format(text, addr);
    return reply(out, "address", text, err);
}

/* The bytes an argument stands for: 0x-hex, or its UTF-8 text (as_text, or no 0x prefix).
 * *buf is malloc'd when hex (caller frees), NULL for text. */
static enum mcp_rc arg_bytes(uint8_t **buf, const uint8_t **data, size_t *len, const char *arg,
                             int as_text, const char *what, struct mcp_error *err)
{
    enum mcp_rc rc;

    *buf = NULL;
    if (as_text || strncmp(arg, "0x", 2) != 0) {
        *data = (const uint8_t *)arg;
        *len = strlen(arg);
        return MCP_OK;
    }
    rc = eth_hex_decode_alloc(buf, len, arg, what, err);
    *data = *buf;
    if (rc == MCP_EINVAL && err != NULL) {
        char msg[MCP_ERR_MSG_MAX];

        memcpy(msg, err->msg, sizeof msg);
        mcp_errf(err, rc, "%s (to hash the text itself, add --text)", msg);
    }
    return rc;
}

static enum mcp_rc cmd_keccak(json_t **out, const struct cli_args *a, struct mcp_error *err)
{
    uint8_t *buf, hash[32];
    const uint8_t *data;
    size_t len;
    enum mcp_rc rc = arg_bytes(&buf, &data, &len, a->pos[0], a->text, "input", err);

    if (rc != MCP_OK)
        return rc;
    eth_keccak256(hash, data, len);
    free(buf);
    return reply_hash(out, hash, err);
}

static enum mcp_rc cmd_personal_hash(json_t **out, const struct cli_args *a, struct mcp_error *err)
{
    uint8_t *buf, hash[32];
    const uint8_t *data;
    size_t len;
    enum mcp_rc rc = arg_bytes(&buf, &data, &len, a->pos[0], a->text, "message", err);

    if (rc != MCP_OK)
        return rc;
    eth_191_personal_hash(hash, data, len);
    free(buf);
    return reply_hash(out, hash, err);
}

static enum mcp_rc cmd_address(json_t **out, const struct cli_args *a, struct mcp_error *err)
{
    uint8_t priv[32], addr[20];
    enum mcp_rc rc = cli_read_key_file(priv, a->key_file, err);

    if (rc == MCP_OK)
        rc = eth_secp_address(addr, priv, err);
    sodium_memzero(priv, sizeof priv);
    return rc == MCP_OK ? reply_address(out, addr, err) : rc;
}

static enum mcp_rc cmd_sign_hash(json_t **out, const struct cli_args *a, struct mcp_error *err)
{
    uint8_t priv[32], hash[32], sig[65];
    char hex[2 * 65 + 3];
    enum mcp_rc rc = eth_hex_decode(hash, 32, a->pos[0], "hash", err);

    if (rc != MCP_OK)
        return rc;
    rc = cli_read_key_file(priv, a->key_file, err);
    if (rc == MCP_OK)
        rc = eth_secp_sign(sig, hash, priv, err);
    sodium_memzero(priv, sizeof priv);
    if (rc != MCP_OK)
        return rc;
    eth_hex_encode(hex, sig, 65);
    return reply(out, "signature", hex, err);
}

static enum mcp_rc cmd_recover(json_t **out, const struct cli_args *a, struct mcp_error *err)
{
    uint8_t hash[32], sig[65], addr[20];
    enum mcp_rc rc = eth_hex_decode(hash, 32, a->pos[0], "hash", err);

    if (rc == MCP_OK)
        rc = eth_hex_decode(sig, 65, a->pos[1], "signature", err);
    if (rc == MCP_OK)
        rc = eth_secp_recover(addr, hash, sig, err);
    return rc == MCP_OK ? reply_address(out, addr, err) : rc;
}

static enum mcp_rc cmd_checksum(json_t **out, const struct cli_args *a, struct mcp_error *err)
{
    uint8_t addr[20];
    enum mcp_rc rc = eth_addr_parse(addr, a->pos[0], "address", err);

    return rc == MCP_OK ? reply_address(out, addr, err) : rc;
}

/* Token decimals: a plain number 0..77. */
static enum mcp_rc parse_decimals(unsigned *out, const char *s, struct mcp_error *err)
{
    struct eth_u256 v;
    uint64_t d;

    if (eth_u256_from_dec(&v, s, "decimals", NULL) != MCP_OK || !eth_u256_to_u64(&d, &v) || d > 77)
        return mcp_errf(err, MCP_EINVAL, "decimals: expected a whole number from 0 to 77");
    *out = (unsigned)d;
    return MCP_OK;
}

static enum mcp_rc cmd_to_units(json_t **out, const struct cli_args *a, struct mcp_error *err)
{
    struct eth_u256 v;
    unsigned decimals;
    char dec[80];
    enum mcp_rc rc = parse_decimals(&decimals, a->pos[1], err);

    if (rc == MCP_OK)
        rc = eth_u256_from_units(&v, a->pos[0], decimals, "amount", err);
    if (rc != MCP_OK)
        return rc;
    eth_u256_to_dec(dec, sizeof dec, &v);
    return reply(out, "value", dec, err);
}

static enum mcp_rc cmd_from_units(json_t **out, const struct cli_args *a, struct mcp_error *err)
{
    struct eth_u256 v;
    unsigned decimals;
    char amount[82];
    enum mcp_rc rc = parse_decimals(&decimals, a->pos[1], err);

    if (rc == MCP_OK)
        rc = eth_u256_from_dec(&v, a->pos[0], "value", err);
    if (rc != MCP_OK)
        return rc;
    eth_u256_to_units(amount, sizeof amount, &v, decimals);
    return reply(out, "amount", amount, err);
}

static const struct eth_cmd eth_cmds[] = {
    {"keccak", 1, OPT_TEXT, "<0xHEX | TEXT> [--text]", cmd_keccak},
    {"address", 0, OPT_KEY_FILE, "--key-file FILE", cmd_address},
    {"recover", 2, 0, "<HASH> <SIGNATURE>", cmd_recover},
    {"sign-hash", 1, OPT_KEY_FILE, "<HASH> --key-file FILE", cmd_sign_hash},
    {"checksum", 1, 0, "<ADDRESS>", cmd_checksum},
    {"to-units", 2, 0, "<AMOUNT> <DECIMALS>", cmd_to_units},
    {"from-units", 2, 0, "<VALUE> <DECIMALS>", cmd_from_units},
    {"personal-hash", 1, OPT_TEXT, "<0xHEX | TEXT> [--text]", cmd_personal_hash},
};

/* Commands implemented in cli_eth_abi.c; they parse their own arguments and print. */
static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
} eth_abi_cmds[] = {
    {"abi-encode", cli_eth_abi_encode},
    {"typed-data-hash", cli_eth_typed_data_hash},
    {"sign-typed-data", cli_eth_sign_typed_data},
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void print_usage(FILE *f)
{
    fputs("usage: sessionkey-mcp eth <command> [arguments]\n\ncommands:\n", f);
    for (size_t i = 0; i < N_ELEMS(eth_cmds); i++)
        fprintf(f, "  %-16s %s\n", eth_cmds[i].name, eth_cmds[i].args);
    for (size_t i = 0; i < N_ELEMS(eth_abi_cmds); i++)
        fprintf(f, "  %-16s (see sessionkey-mcp eth %s --help)\n", eth_abi_cmds[i].name,
                eth_abi_cmds[i].name);
    fputs("  --batch          read JSON arrays of arguments from stdin, one per line\n\n"
          "An argument starting with 0x is bytes; anything else is UTF-8 text (--text forces\n"
          "text). A key file holds 0x and 64 hex digits and must be mode 600.\n"
          "Output: one JSON object per line; errors are {\"error\": \"...\"} with exit status 1.\n",
          f);
}

static const struct eth_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < N_ELEMS(eth_cmds); i++) {
        if (strcmp(eth_cmds[i].name, name) == 0)
            return &eth_cmds[i];
    }
    return NULL;
}

/* Sort argv[1..argc) into a: options by name, the rest positional ("--" ends options).
 * Returns MCP_OK or MCP_EINVAL with a usage problem in err. */
static enum mcp_rc parse_args(struct cli_args *a, const struct eth_cmd *c, int argc,
                              const char *const *argv, struct mcp_error *err)
{
    int opts_done = 0;

    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (!opts_done && strcmp(arg, "--") == 0) {
            opts_done = 1;
        } else if (!opts_done && strcmp(arg, "--text") == 0 && (c->opts & OPT_TEXT)) {
            a->text = 1;
        } else if (!opts_done && strcmp(arg, "--key-file") == 0 && (c->opts & OPT_KEY_FILE)) {
            if (++i == argc)
                return mcp_errf(err, MCP_EINVAL, "--key-file needs a file name");
            a->key_file = argv[i];
        } else if (!opts_done && strncmp(arg, "--", 2) == 0) {
            return mcp_errf(err, MCP_EINVAL, "unknown option %s for %s", arg, c->name);
        } else if (a->n_pos < MAX_POS) {
            a->pos[a->n_pos++] = arg;
        } else {
            return mcp_errf(err, MCP_EINVAL, "too many arguments for %s", c->name);
        }
    }
    if (a->n_pos != c->n_pos)
        return mcp_errf(err, MCP_EINVAL, "%s takes %d argument%s, got %d", c->name, c->n_pos,
                        c->n_pos == 1 ? "" : "s", a->n_pos);
    if ((c->opts & OPT_KEY_FILE) && a->key_file == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s needs --key-file FILE", c->name);
    return MCP_OK;
}

/* Run a parsed command and print its result line. Returns the exit status (0 or 1). */
static int run_cmd(const struct eth_cmd *c, const struct cli_args *a)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *out = NULL;
    int status;

    if (c->run(&out, a, &err) != MCP_OK)
        return cli_print_error(1, err.msg);
    status = cli_print_json(out);
    json_decref(out);
    return status;
}

static int find_abi_cmd(const char *name)
{
    for (size_t i = 0; i < N_ELEMS(eth_abi_cmds); i++) {
        if (strcmp(eth_abi_cmds[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* A usage problem: a JSON error line in batch mode (status 1), else usage on stderr (2). */
static int usage_error(int batch, const char *msg)
{
    char line[MCP_ERR_MSG_MAX + 16];

    if (batch) {
        snprintf(line, sizeof line, "usage: %s", msg);
        return cli_print_error(1, line);
    }
    fprintf(stderr, "sessionkey-mcp eth: %s\n", msg);
    print_usage(stderr);
    return 2;
}

/* Look up argv[0], parse the rest and run it. Returns the exit status. */
static int run_argv(int argc, const char *const *argv, int batch)
{
    struct mcp_error err = {MCP_OK, ""};
    const struct eth_cmd *c = find_cmd(argv[0]);
    struct cli_args a;

    if (c == NULL) {
        mcp_errf(&err, MCP_EINVAL, "unknown command %s%s", argv[0],
                 batch && find_abi_cmd(argv[0]) >= 0 ? " in --batch" : "");
        return usage_error(batch, err.msg);
    }
    if (parse_args(&a, c, argc, argv, &err) != MCP_OK)
        return usage_error(batch, err.msg);
    return run_cmd(c, &a);
}

/* One batch line: a JSON array of strings, run as a command line. Prints exactly one line. */
static int batch_line(const char *line)
{
    const char *argv[MAX_POS + 6];
    json_t *arr = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    int ok = n > 0 && n <= N_ELEMS(argv), status;

    for (size_t i = 0; ok && i < n; i++) {
        argv[i] = json_string_value(json_array_get(arr, i));
        ok = argv[i] != NULL;
    }
    if (ok)
        status = run_argv((int)n, argv, 1);
    else
        status = usage_error(1, "each line must be a JSON array of strings, command first");
    json_decref(arr);
    return status;
}

/* Answer every non-blank stdin line. Returns 0 if every line succeeded, else 1. */
static int run_batch(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int status = 0;

    while ((len = getline(&line, &cap, stdin)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        status |= batch_line(line);
        if (fflush(stdout) != 0)
            status = 1;
    }
    free(line);
    return status;
}

int cli_eth_main(int argc, char **argv)
{
    int abi;

    if (argc < 2)
        return usage_error(0, "missing command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--batch") == 0)
        return argc == 2 ? run_batch() : usage_error(0, "--batch takes no arguments");
    abi = find_abi_cmd(argv[1]);
    if (abi >= 0)
        return eth_abi_cmds[abi].main(argc - 1, argv + 1);
    return run_argv(argc - 1, (const char *const *)(argv + 1), 0);
}

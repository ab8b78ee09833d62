/* cli_eth_abi.c: `sessionkey-mcp eth abi-encode | typed-data-hash | sign-typed-data`.
 *
 *   abi-encode SIG_OR_TYPES ARGS_JSON          {"data":"0x..."}
 *   abi-encode --decode SIG_OR_TYPES 0xDATA    {"values":[...]}
 *   abi-encode --batch                         stdin lines {"types":..,"args":[..]} (encode) or
 *                                              {"types":..,"data":"0x.."} (decode)
 *   typed-data-hash FILE|-                     {"domainSeparator":..,"structHash":..,"digest":..}
 *   sign-typed-data FILE|- --key-file K        {"digest":"0x..","signature":"0x.."}
 *   typed-data-hash --batch, sign-typed-data --batch --key-file K: one typed data JSON per line
 *
 * SIG_OR_TYPES is a function signature "transfer(address,uint256)" (data = selector || params)
 * or a parameter list "address,uint256" / "(address,uint256)" (data = params only).
 * Output: one compact JSON object per line on stdout; errors {"error":"..."} and exit status 1
 * (in batch mode, per line, and status 1 if any line failed); usage errors exit 2. */
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
#include "eth_abi.h"
#include "eth_eip712.h"
#include "eth_hex.h"
#include "eth_secp.h"

#define INPUT_MAX ((size_t)4 << 20) /* bytes of JSON in a typed-data file or a batch line */

/* Print the result of a command: *obj on success, else err's message. Returns 0 or 1. */
static int finish(enum mcp_rc rc, json_t *obj, const struct mcp_error *err)
{
    int status = rc == MCP_OK ? cli_print_json(obj) : cli_print_error(1, err->msg);

    json_decref(obj);
    return status;
}

static void print_usage(FILE *f)
{
    fputs("usage:\n"
          "  sessionkey-mcp eth abi-encode SIG_OR_TYPES ARGS_JSON\n"
          "  sessionkey-mcp eth abi-encode --decode SIG_OR_TYPES 0xDATA\n"
          "  sessionkey-mcp eth abi-encode --batch   (stdin: {\"types\":..,\"args\":[..]} or "
          "{\"types\":..,\"data\":\"0x..\"} per line)\n"
          "  sessionkey-mcp eth typed-data-hash FILE|-   (or --batch: typed data per line)\n"
          "  sessionkey-mcp eth sign-typed-data FILE|- --key-file KEY   (or --batch --key-file KEY)\n"
          "SIG_OR_TYPES: \"transfer(address,uint256)\" (selector + params) or \"address,uint256\".\n"
          "The key file holds 0x and 64 hex digits and must not be readable by group or others.\n",
          f);
}

static int usage(const char *cmd, const char *problem)
{
    fprintf(stderr, "sessionkey-mcp eth %s: %s\n", cmd, problem);
    print_usage(stderr);
    return 2;
}

static int help(void)
{
    print_usage(stdout);
    return 0;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = eth_hex_encode_alloc(p, n);
    json_t *v = s != NULL ? json_string(s) : NULL;

    free(s);
    return v;
}

/* ---- input ---- */

static enum mcp_rc parse_json(json_t **out, const char *text, size_t len, const char *what,
                              struct mcp_error *err)
{
    json_error_t jerr;

    *out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: invalid JSON at line %d column %d: %s", what,
                        jerr.line, jerr.column, jerr.text);
    return MCP_OK;
}

/* Read all of f (at most INPUT_MAX bytes) into a new buffer. */
static enum mcp_rc read_all(char **out, size_t *len, FILE *f, const char *what,
                            struct mcp_error *err)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap), *grown;

    *out = NULL;
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        if (cap >= INPUT_MAX + 1) {
            free(buf);
            return mcp_errf(err, MCP_EINVAL, "%s: larger than %zu bytes", what, INPUT_MAX);
        }
        grown = realloc(buf, cap * 2);
        if (grown == NULL)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    if (buf == NULL)
        return mcp_errf(err, MCP_ENOMEM, "%s: out of memory", what);
    if (ferror(f) || n > INPUT_MAX) {
        free(buf);
        return mcp_errf(err, MCP_EIO, "%s: %s", what, n > INPUT_MAX ? "too large" : "read error");
    }
    *out = buf;
    *len = n;
    return MCP_OK;
}

static enum mcp_rc load_json_file(json_t **out, const char *path, struct mcp_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *text = NULL;
    size_t len = 0;
    enum mcp_rc rc;

    *out = NULL;
    if (f == NULL)
        return mcp_errf(err, MCP_EIO, "%s: %s", path, strerror(errno));
    rc = read_all(&text, &len, f, path, err);
    if (f != stdin)
        fclose(f);
    if (rc == MCP_OK)
        rc = parse_json(out, text, len, path, err);
    free(text);
    return rc;
}

/* ---- abi-encode ---- */

/* 1 if s is "name(" ... (a function signature) rather than a bare parameter list. */
static int is_signature(const char *s)
{
    size_t i = 0;

    while (s[i] == ' ')
        i++;
    if (strncmp(s + i, "tuple(", 6) == 0)
        return 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
           s[i] == '$' || (s[i] >= '0' && s[i] <= '9'))
        i++;
    return i > 0 && s[i] == '(';
}

static enum mcp_rc do_encode(json_t **out, const char *types, json_t *args,
                             struct mcp_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    enum mcp_rc rc;

    *out = NULL;
    if (!json_is_array(args))
        return mcp_errf(err, MCP_EINVAL, "args: expected a JSON array with one value per "
                                         "parameter");
    if (is_signature(types))
        rc = eth_abi_encode_call(&data, &len, types, args, err);
    else
        rc = eth_abi_encode_params(&data, &len, types, args, err);
    if (rc == MCP_OK && (*out = json_pack("{s:o}", "data", hex_json(data, len))) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    free(data);
    return rc;
}

static enum mcp_rc decode_with(json_t **values, const char *types, const uint8_t *data,
                               size_t len, struct mcp_error *err)
{
    struct eth_abi_func *f = NULL;
    struct eth_abi_type *t = NULL;
    enum mcp_rc rc;

    if (is_signature(types)) {
        rc = eth_abi_func_parse(&f, types, err);
        if (rc == MCP_OK)
            rc = eth_abi_decode_call(values, f, data, len, err);
    } else {
        rc = eth_abi_params_parse(&t, types, err);
        if (rc == MCP_OK)
            rc = eth_abi_decode_params(values, t, data, len, err);
    }
    eth_abi_func_free(f);
    eth_abi_type_free(t);
    return rc;
}

static enum mcp_rc do_decode(json_t **out, const char *types, const char *hex,
                             struct mcp_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    json_t *values = NULL;
    enum mcp_rc rc;

    *out = NULL;
    if (hex == NULL || strncmp(hex, "0x", 2) != 0)
        return mcp_errf(err, MCP_EINVAL, "data: expected 0x-prefixed hex");
    rc = eth_hex_decode_alloc(&data, &len, hex, "data", err);
    if (rc == MCP_OK)
        rc = decode_with(&values, types, data, len, err);
    if (rc == MCP_OK && (*out = json_pack("{s:O}", "values", values)) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    json_decref(values);
    free(data);
    return rc;
}

/* One batch line: {"types": "...", "args": [...]} or {"types": "...", "data": "0x..."}. */
static enum mcp_rc abi_batch_line(json_t **out, const char *line, size_t len,
                                  struct mcp_error *err)
{
    json_t *req = NULL, *args, *data;
    const char *types;
    enum mcp_rc rc = parse_json(&req, line, len, "line", err);

    *out = NULL;
    if (rc != MCP_OK)
        return rc;
    types = json_string_value(json_object_get(req, "types"));
    args = json_object_get(req, "args");
    data = json_object_get(req, "data");
    if (types == NULL || (args == NULL) == (data == NULL) || json_object_size(req) != 2)
        rc = mcp_errf(err, MCP_EINVAL, "line: expected {\"types\": \"...\", \"args\": [...]} or "
                                       "{\"types\": \"...\", \"data\": \"0x...\"}");
    else if (args != NULL)
        rc = do_encode(out, types, args, err);
    else
        rc = do_decode(out, types, json_string_value(data), err);
    json_decref(req);
    return rc;
}

typedef enum mcp_rc (*line_fn)(json_t **out, const char *line, size_t len, const void *ctx,
                               struct mcp_error *err);

/* Answer every non-blank stdin line with one output line. Returns 0 if all succeeded. */
static int run_batch(line_fn fn, const void *ctx)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        struct mcp_error err = {MCP_OK, ""};
        json_t *out = NULL;
        enum mcp_rc rc;

        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        if ((size_t)n > INPUT_MAX)
            rc = mcp_errf(&err, MCP_EINVAL, "line: longer than %zu bytes", INPUT_MAX);
        else
            rc = fn(&out, line, (size_t)n, ctx, &err);
        status |= finish(rc, out, &err);
    }
    free(line);
    return status;
}

static enum mcp_rc abi_line(json_t **out, const char *line, size_t len, const void *ctx,
                            struct mcp_error *err)
{
    (void)ctx;
    return abi_batch_line(out, line, len, err);
}

int cli_eth_abi_encode(int argc, char **argv)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *args = NULL, *out = NULL;
    enum mcp_rc rc;

    if (argc == 2 && strcmp(argv[1], "--batch") == 0)
        return run_batch(abi_line, NULL);
    if (argc == 4 && strcmp(argv[1], "--decode") == 0) {
        rc = do_decode(&out, argv[2], argv[3], &err);
        return finish(rc, out, &err);
    }
    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        return help();
    if (argc != 3 || strncmp(argv[1], "--", 2) == 0)
        return usage(argv[0], "expected SIG_OR_TYPES and ARGS_JSON");
    rc = parse_json(&args, argv[2], strlen(argv[2]), "ARGS_JSON", &err);
    if (rc == MCP_OK)
        rc = do_encode(&out, argv[1], args, &err);
    json_decref(args);
    return finish(rc, out, &err);
}

/* ---- typed data ---- */

static enum mcp_rc hash_reply(json_t **out, uint8_t digest[32], json_t *td, struct mcp_error *err)
{
    uint8_t dsep[32], shash[32];
    enum mcp_rc rc = eth_eip712_hash(digest, dsep, shash, td, err);

    *out = NULL;
    if (rc != MCP_OK)
        return rc;
    *out = json_pack("{s:o, s:o, s:o}", "domainSeparator", hex_json(dsep, 32), "structHash",
                     hex_json(shash, 32), "digest", hex_json(digest, 32));
    return *out != NULL ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
}

static enum mcp_rc sign_reply(json_t **out, json_t *td, const char *key_file,
                              struct mcp_error *err)
{
    uint8_t digest[32], priv[32], sig[65];
    json_t *hashes = NULL;
    enum mcp_rc rc = hash_reply(&hashes, digest, td, err);

    *out = NULL;
    json_decref(hashes);
    if (rc != MCP_OK)
        return rc;
    rc = cli_read_key_file(priv, key_file, err);
    if (rc == MCP_OK)
        rc = eth_secp_sign(sig, digest, priv, err);
    sodium_memzero(priv, sizeof(priv));
    if (rc != MCP_OK)
        return rc;
    *out = json_pack("{s:o, s:o}", "digest", hex_json(digest, 32), "signature",
                     hex_json(sig, 65));
    return *out != NULL ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
}

/* ctx: NULL to hash, the key file path to sign. */
static enum mcp_rc typed_data_line(json_t **out, const char *line, size_t len, const void *ctx,
                                   struct mcp_error *err)
{
    uint8_t digest[32];
    json_t *td = NULL;
    enum mcp_rc rc = parse_json(&td, line, len, "typed data", err);

    *out = NULL;
    if (rc == MCP_OK)
        rc = ctx == NULL ? hash_reply(out, digest, td, err) : sign_reply(out, td, ctx, err);
    json_decref(td);
    return rc;
}

static enum mcp_rc typed_data_file(json_t **out, const char *path, const char *key_file,
                                   struct mcp_error *err)
{
    uint8_t digest[32];
    json_t *td = NULL;
    enum mcp_rc rc = load_json_file(&td, path, err);

    *out = NULL;
    if (rc == MCP_OK)
        rc = key_file == NULL ? hash_reply(out, digest, td, err)
                              : sign_reply(out, td, key_file, err);
    json_decref(td);
    return rc;
}

int cli_eth_typed_data_hash(int argc, char **argv)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *out = NULL;
    enum mcp_rc rc;

    if (argc != 2)
        return usage(argv[0], "expected FILE (or - for stdin) or --batch");
    if (strcmp(argv[1], "--batch") == 0)
        return run_batch(typed_data_line, NULL);
    if (strcmp(argv[1], "--help") == 0)
        return help();
    rc = typed_data_file(&out, argv[1], NULL, &err);
    return finish(rc, out, &err);
}

int cli_eth_sign_typed_data(int argc, char **argv)
{
    struct mcp_error err = {MCP_OK, ""};
    const char *file = NULL, *key_file = NULL;
    json_t *out = NULL;
    enum mcp_rc rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--key-file") == 0 && i + 1 < argc)
            key_file = argv[++i];
        else if (file == NULL && (strcmp(argv[i], "-") == 0 || strncmp(argv[i], "--", 2) != 0 ||
                                  strcmp(argv[i], "--batch") == 0))
            file = argv[i];
        else
            return usage(argv[0], "unexpected argument");
    }
    if (file == NULL || key_file == NULL)
        return usage(argv[0], "expected FILE (or - or --batch) and --key-file KEY");
    if (strcmp(file, "--batch") == 0)
        return run_batch(typed_data_line, key_file);
    rc = typed_data_file(&out, file, key_file, &err);
    return finish(rc, out, &err);
}

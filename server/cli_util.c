/* cli_util.c: shared pieces of the command-line subcommands (see cli_util.h). */
#include "cli_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eth_hex.h"

#define KEY_FILE_MAX 128 /* bytes; a key file is 64 or 66 characters and a line end */

int cli_print_json(json_t *obj)
{
    int bad = obj == NULL || json_dumpf(obj, stdout, JSON_COMPACT) != 0;

    bad |= fputc('\n', stdout) == EOF;
    bad |= fflush(stdout) != 0;
    return bad;
}

int cli_print_error(int status, const char *msg)
{
    json_t *obj = json_pack("{s:s}", "error", msg);

    if (obj == NULL || cli_print_json(obj) != 0)
        fputs("{\"error\":\"out of memory or cannot write to stdout\"}\n", stdout);
    json_decref(obj);
    return status;
}

/* Parse the key file text (0x optional, one line end optional) into priv. */
static enum mcp_rc parse_key_text(uint8_t priv[32], char *text, size_t len, const char *path,
                                  struct mcp_error *err)
{
    if (len > 0 && text[len - 1] == '\n')
        len--;
    if (len > 0 && text[len - 1] == '\r')
        len--;
    text[len] = '\0';
    if (memchr(text, '\0', len) == NULL && eth_hex_decode(priv, 32, text, "key", NULL) == MCP_OK)
        return MCP_OK;
    return mcp_errf(err, MCP_EINVAL,
                    "key file %s: expected a private key written as 0x and 64 hex digits on one "
                    "line",
                    path);
}

enum mcp_rc cli_read_key_file(uint8_t priv[32], const char *path, struct mcp_error *err)
{
    char text[KEY_FILE_MAX + 1];
    struct stat st;
    ssize_t n = 0;
    enum mcp_rc rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0)
        return mcp_errf(err, MCP_EIO, "key file %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = mcp_errf(err, MCP_EIO, "key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = mcp_errf(err, MCP_EINVAL, "key file %s: not a regular file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        rc = mcp_errf(err, MCP_EINVAL,
                      "key file %s: group or others can access it (mode %03o); run chmod 600 on it",
                      path, (unsigned)(st.st_mode & 0777));
        goto out;
    }
    if (st.st_size > KEY_FILE_MAX) {
        rc = mcp_errf(err, MCP_EINVAL, "key file %s: too long (%lld bytes) for a private key", path,
                      (long long)st.st_size);
        goto out;
    }
    while (n < KEY_FILE_MAX) {
        ssize_t r = read(fd, text + n, (size_t)(KEY_FILE_MAX - n));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = mcp_errf(err, MCP_EIO, "key file %s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += r;
    }
    rc = parse_key_text(priv, text, (size_t)n, path, err);
out:
    sodium_memzero(text, sizeof text);
    close(fd);
    return rc;
}


/* keys_master.c: lazy, race-safe load-or-create of <data_dir>/master.key into guarded memory. */
#include "keys_master.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct keys_master {
    pthread_mutex_t lock;
    char *dir;
    char *path;
    uint8_t *key; /* sodium_malloc'd, read-only; NULL until loaded */
};

enum mcp_rc keys_master_new(struct keys_master **out, const char *data_dir, struct mcp_error *err)
{
    struct keys_master *m;
    size_t dir_len = data_dir != NULL ? strlen(data_dir) : 0;

    *out = NULL;
    if (dir_len == 0)
        return mcp_errf(err, MCP_EINVAL, "master key: no data directory given");
    if (dir_len + sizeof "/" KEYS_MASTER_FILE ".tmp.XXXXXX" > PATH_MAX)
        return mcp_errf(err, MCP_EINVAL, "master key: data directory path is too long (%zu bytes)",
                        dir_len);
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return mcp_errf(err, MCP_ENOMEM, "master key: out of memory");
    m->dir = strdup(data_dir);
    m->path = malloc(dir_len + sizeof "/" KEYS_MASTER_FILE);
    if (m->dir == NULL || m->path == NULL || pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m->dir);
        free(m->path);
        free(m);
        return mcp_errf(err, MCP_ENOMEM, "master key: out of memory");
    }
    snprintf(m->path, dir_len + sizeof "/" KEYS_MASTER_FILE, "%s/%s", data_dir, KEYS_MASTER_FILE);
    *out = m;
    return MCP_OK;
}

/* Read exactly len bytes, then require EOF. Returns 0, or -1 with errno (0 = wrong size). */
static int read_exact(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    uint8_t extra;
    ssize_t n;

    while (got < len) {
        n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = 0;
            return -1;
        }
        got += (size_t)n;
    }
    do
        n = read(fd, &extra, 1);
    while (n < 0 && errno == EINTR);
    if (n != 0) {
        if (n > 0)
            errno = 0;
        return -1;
    }
    return 0;
}

static enum mcp_rc open_error(const char *path, int *missing, struct mcp_error *err)
{
    if (errno == ENOENT) {
        *missing = 1;
        return mcp_errf(err, MCP_EIO, "master key %s does not exist", path);
    }
    if (errno == ELOOP)
        return mcp_errf(err, MCP_EINVAL,
                        "master key %s is a symbolic link; refusing to follow it. Fix: replace "
                        "the link with the key file itself (mode 0600)",
                        path);
    return mcp_errf(err, MCP_EIO, "master key %s: cannot open: %s", path, strerror(errno));
}

/* The file must be a regular file of exactly 32 bytes, ours, with no group/other bits. */
static enum mcp_rc check_file(const struct stat *st, const char *path, struct mcp_error *err)
{
    if (!S_ISREG(st->st_mode))
        return mcp_errf(err, MCP_EINVAL,
                        "master key %s is not a regular file; refusing to use it. Fix: move it "
                        "away; a new key is then created (sessions sealed under the old key are "
                        "lost)",
                        path);
    if (st->st_uid != geteuid())
        return mcp_errf(err, MCP_EINVAL,
                        "master key %s is owned by uid %u, not by this user (uid %u); refusing "
                        "to use it. Fix: chown %u %s && chmod 600 %s",
                        path, (unsigned)st->st_uid, (unsigned)geteuid(), (unsigned)geteuid(), path,
                        path);
    if ((st->st_mode & 077) != 0)
        return mcp_errf(err, MCP_EINVAL,
                        "master key %s has mode %04o: group or others may read or write it; "
                        "refusing to use it. Fix: chmod 600 %s",
                        path, (unsigned)(st->st_mode & 07777), path);
    if (st->st_size != KEYS_MASTER_LEN)
        return mcp_errf(err, MCP_EINVAL,
                        "master key %s is %lld bytes, expected %d: it is damaged or not a master "
                        "key. Fix: restore it from a backup (keys sealed under it cannot be opened "
                        "without it)",
                        path, (long long)st->st_size, KEYS_MASTER_LEN);
    return MCP_OK;
}

/* Read and check path into key. *missing is set to 1 when the file does not exist. */
static enum mcp_rc read_key(uint8_t *key, int *missing, const char *path, struct mcp_error *err)
{
    struct stat st;
    enum mcp_rc rc;
    int fd;

    *missing = 0;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return open_error(path, missing, err);
    if (fstat(fd, &st) != 0) {
        rc = mcp_errf(err, MCP_EIO, "master key %s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    rc = check_file(&st, path, err);
    if (rc != MCP_OK)
        goto out;
    if (read_exact(fd, key, KEYS_MASTER_LEN) != 0) {
        sodium_memzero(key, KEYS_MASTER_LEN);
        rc = mcp_errf(err, errno ? MCP_EIO : MCP_EINVAL, "master key %s: cannot read %d bytes: %s",
                      path, KEYS_MASTER_LEN, errno ? strerror(errno) : "the file changed size");
    }
out:
    close(fd);
    return rc;
}

static enum mcp_rc write_random_key(int fd, const char *tmp, struct mcp_error *err)
{
    uint8_t *fresh = sodium_malloc(KEYS_MASTER_LEN);
    size_t done = 0;
    enum mcp_rc rc = MCP_OK;

    if (fresh == NULL)
        return mcp_errf(err, MCP_ENOMEM, "master key: cannot allocate secure memory");
    randombytes_buf(fresh, KEYS_MASTER_LEN);
    while (done < KEYS_MASTER_LEN) {
        ssize_t n = write(fd, fresh + done, KEYS_MASTER_LEN - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = mcp_errf(err, MCP_EIO, "master key: cannot write %s: %s", tmp,
                          n < 0 ? strerror(errno) : "short write");
            break;
        }
        done += (size_t)n;
    }
    sodium_free(fresh);
    if (rc == MCP_OK && fsync(fd) != 0)
        rc = mcp_errf(err, MCP_EIO, "master key: cannot fsync %s: %s", tmp, strerror(errno));
    return rc;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        (void)fsync(fd); /* best effort: the key is already durable in its own inode */
        close(fd);
    }
}

static enum mcp_rc ensure_dir(const char *dir, struct mcp_error *err)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return MCP_OK;
    return mcp_errf(err, MCP_EIO, "data directory %s: cannot create it: %s", dir, strerror(errno));
}

/* Put tmp in place as path unless path exists (then leave it: another process won).
 * link() never clobbers; file systems without hard links get rename without replace.
 * Returns: 0 (placed, or lost the race), or -1 with errno. */
static int publish(const char *tmp, const char *path)
{
    if (link(tmp, path) == 0 || errno == EEXIST)
        return 0;
    if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
        return -1;
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

/* Write a fresh key to a private temp file and link() it into place. Losing the race to
 * another process (EEXIST) is success: the caller re-reads whatever file won. */
static enum mcp_rc create_key(const char *dir, const char *path, struct mcp_error *err)
{
    char tmp[PATH_MAX];
    enum mcp_rc rc;
    int fd;

    rc = ensure_dir(dir, err);
    if (rc != MCP_OK)
        return rc;
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp.XXXXXX", dir, KEYS_MASTER_FILE);
    fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 whatever the umask */
    if (fd < 0)
        return mcp_errf(err, MCP_EIO, "master key: cannot create a file in %s: %s", dir,
                        strerror(errno));
    rc = write_random_key(fd, tmp, err);
    close(fd);
    if (rc == MCP_OK && publish(tmp, path) != 0)
        rc = mcp_errf(err, MCP_EIO, "master key: cannot create %s: %s", path, strerror(errno));
    unlink(tmp);
    if (rc == MCP_OK)
        fsync_dir(dir);
    return rc;
}

static enum mcp_rc load_or_create(uint8_t *key, const struct keys_master *m, struct mcp_error *err)
{
    int missing;
    enum mcp_rc rc = read_key(key, &missing, m->path, err);

    if (rc == MCP_OK || !missing)
        return rc;
    rc = create_key(m->dir, m->path, err);
    if (rc != MCP_OK)
        return rc;
    return read_key(key, &missing, m->path, err);
}

enum mcp_rc keys_master_get(const uint8_t **key, struct keys_master *m, struct mcp_error *err)
{
    uint8_t *buf = NULL;
    enum mcp_rc rc = MCP_OK;

    *key = NULL;
    pthread_mutex_lock(&m->lock);
    if (m->key != NULL)
        goto out;
    if (sodium_init() < 0) {
        rc = mcp_errf(err, MCP_ECRYPTO, "master key: libsodium failed to initialize");
        goto out;
    }
    buf = sodium_malloc(KEYS_MASTER_LEN);
    if (buf == NULL) {
        rc = mcp_errf(err, MCP_ENOMEM, "master key: cannot allocate secure memory");
        goto out;
    }
    rc = load_or_create(buf, m, err);
    if (rc != MCP_OK) {
        sodium_free(buf);
        goto out;
    }
    sodium_mprotect_readonly(buf);
    m->key = buf;
out:
    if (rc == MCP_OK)
        *key = m->key;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int keys_master_loaded(const struct keys_master *m)
{
    return m->key != NULL;
}

void keys_master_free(struct keys_master *m)
{
    if (m == NULL)
        return;
    if (m->key != NULL)
        sodium_free(m->key); /* wipes */
    pthread_mutex_destroy(&m->lock);
    free(m->dir);
    free(m->path);
    free(m);
}

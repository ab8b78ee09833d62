/* db_private.c: the database must be this user's alone (see db_private.h). */
#include "db_private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err_words.h"
#include "log.h"

static enum mcp_rc check_dir(const char *dir, struct mcp_error *err)
{
    struct stat st;
    unsigned me = (unsigned)geteuid();

    if (lstat(dir, &st) != 0)
        return mcp_errf(err, MCP_EDB, "Cannot use the data directory %s: %s. Nothing was read or changed. Fix: "
                        "create it (mkdir -m 700 %s) or pass another --data-dir.", dir, strerror(errno), dir);
    if (S_ISLNK(st.st_mode))
        return mcp_errf(err, MCP_EDB, "The data directory %s is a symbolic link; refusing to follow it, so nothing "
                        "was read or changed. Fix: pass the real directory with --data-dir (or replace the link "
                        "with the directory itself, mode 700).", dir);
    if (!S_ISDIR(st.st_mode))
        return mcp_errf(err, MCP_EDB, "The data directory %s is not a directory; nothing was read or changed. Fix: "
                        "pass a directory with --data-dir.", dir);
    if ((unsigned)st.st_uid != me)
        return mcp_errf(err, MCP_EDB, "The data directory %s is owned by uid %u, not by this user (uid %u); refusing "
                        "to use it, so nothing was read or changed. Fix: chown %u %s && chmod 700 %s (or use "
                        "a directory of your own with --data-dir).", dir, (unsigned)st.st_uid, me, me, dir, dir);
    if ((st.st_mode & 077) != 0)
        return mcp_errf(err, MCP_EDB, "The data directory %s has mode %03o: other users may read or change the "
                        "sessions in it; refusing to use it, so nothing was read or changed. Fix: chmod 700 %s",
                        dir, (unsigned)(st.st_mode & 0777), dir);
    return MCP_OK;
}

static enum mcp_rc check_file(const char *path, struct mcp_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
    unsigned me = (unsigned)geteuid();
    struct stat st;
    int e;

    if (fd < 0 && errno == ELOOP)
        return mcp_errf(err, MCP_EDB, "The database %s is a symbolic link; refusing to follow it, so nothing was "
                        "read or changed. Fix: replace the link with the database file itself (mv the real file "
                        "there, chmod 600).", path);
    if (fd < 0) {
        e = errno;
        log_warn("cannot open the database %s: %s", path, strerror(e));
        return mcp_errf(err, MCP_EDB, "Cannot open the database (%s). Nothing was changed. Check that "
                        ERR_WORDS_DATA_DIR " exists and is writable, then retry.", strerror(e));
    }
    e = fstat(fd, &st) != 0 ? errno : 0;
    close(fd);
    if (e != 0)
        return mcp_errf(err, MCP_EDB, "Cannot read the database %s: %s.", path, strerror(e));
    if (!S_ISREG(st.st_mode))
        return mcp_errf(err, MCP_EDB, "The database %s is not a regular file; refusing to use it. Fix: move it "
                        "away (a new empty database is then created).", path);
    if ((unsigned)st.st_uid != me)
        return mcp_errf(err, MCP_EDB, "The database %s is owned by uid %u, not by this user (uid %u); refusing to use "
                        "it, so nothing was read or changed. Fix: chown %u %s && chmod 600 %s", path,
                        (unsigned)st.st_uid, me, me, path, path);
    if ((st.st_mode & 077) != 0)
        return mcp_errf(err, MCP_EDB, "The database %s has mode %04o: group or others may read or change it; "
                        "refusing to use it, so nothing was read or changed. Fix: chmod 600 %s", path,
                        (unsigned)(st.st_mode & 07777), path);
    return MCP_OK;
}

enum mcp_rc db_private_check(const char *data_dir, const char *db_path, struct mcp_error *err)
{
    enum mcp_rc rc = check_dir(data_dir, err);

    return rc != MCP_OK ? rc : check_file(db_path, err);
}

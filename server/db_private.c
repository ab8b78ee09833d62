/* db_private.c: the database must be this user's alone (see db_private.h). */
#include "db_private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err_words.h"
#include "log.h"

/* Messages name the data directory by its option and the database by its file name, never by a
 * path (err_words.h); the path itself goes to the log. */
#define DIR_WORDS ERR_WORDS_DATA_DIR

static enum mcp_rc check_dir(const char *dir, struct mcp_error *err)
{
    struct stat st;
    unsigned me = (unsigned)geteuid();

    if (lstat(dir, &st) != 0) {
        int e = errno;
        log_warn("data directory %s: %s", dir, strerror(e));
        return mcp_errf(err, MCP_EDB, "Cannot use " DIR_WORDS ": %s. Nothing was read or changed. Fix: create it "
                        "(mkdir -m 700, at the path in the server's log) or pass another --data-dir, then retry.",
                        strerror(e));
    }
    if (S_ISLNK(st.st_mode)) {
        log_warn("data directory %s is a symbolic link", dir);
        return mcp_errf(err, MCP_EDB, "The data directory (--data-dir or SESSIONKEY_MCP_HOME) is a symbolic link; "
                        "refusing to follow it, so nothing was read or changed. Fix: pass the real directory with "
                        "--data-dir (or replace the link with the directory itself, mode 700), then retry.");
    }
    if (!S_ISDIR(st.st_mode)) {
        log_warn("data directory %s is not a directory", dir);
        return mcp_errf(err, MCP_EDB, "The data directory (--data-dir or SESSIONKEY_MCP_HOME) is not a directory; "
                        "nothing was read or changed. Fix: pass a directory with --data-dir, then retry.");
    }
    if ((unsigned)st.st_uid != me) {
        log_warn("data directory %s is owned by uid %u, not %u", dir, (unsigned)st.st_uid, me);
        return mcp_errf(err, MCP_EDB, "The data directory (--data-dir or SESSIONKEY_MCP_HOME) is owned by uid %u, "
                        "not by this user (uid %u); refusing to use it, so nothing was read or changed. Fix: chown %u "
                        "and chmod 700 on that directory (its path is in the server's log), or use a directory of "
                        "your own with --data-dir, then retry.", (unsigned)st.st_uid, me, me);
    }
    if ((st.st_mode & 077) != 0) {
        log_warn("data directory %s has mode %03o", dir, (unsigned)(st.st_mode & 0777));
        return mcp_errf(err, MCP_EDB, "The data directory (--data-dir or SESSIONKEY_MCP_HOME) has mode %03o: other "
                        "users may read or change the sessions in it; refusing to use it, so nothing was read or "
                        "changed. Fix: chmod 700 on that directory (its path is in the server's log), then retry.",
                        (unsigned)(st.st_mode & 0777));
    }
    return MCP_OK;
}

static enum mcp_rc check_file(const char *path, struct mcp_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
    unsigned me = (unsigned)geteuid();
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    struct stat st;
    int e;

    if (fd < 0 && errno == ELOOP) {
        log_warn("the database %s is a symbolic link", path);
        return mcp_errf(err, MCP_EDB, "The database %s is a symbolic link; refusing to follow it, so nothing was "
                        "read or changed. Fix: replace the link with the database file itself (mv the real file "
                        "there, chmod 600; it is in " DIR_WORDS "), then retry.", name);
    }
    if (fd < 0) {
        e = errno;
        log_warn("cannot open the database %s: %s", path, strerror(e));
        return mcp_errf(err, MCP_EDB, "Cannot open the database (%s). Nothing was changed. Check that "
                        DIR_WORDS " exists and is writable, then retry.", strerror(e));
    }
    e = fstat(fd, &st) != 0 ? errno : 0;
    close(fd);
    if (e != 0) {
        log_warn("cannot read the database %s: %s", path, strerror(e));
        return mcp_errf(err, MCP_EDB, "Cannot read the database %s in " DIR_WORDS ": %s. Nothing was changed; "
                        "retry in a moment.", name, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        log_warn("the database %s is not a regular file", path);
        return mcp_errf(err, MCP_EDB, "The database %s in " DIR_WORDS " is not a regular file; refusing to use it, "
                        "so nothing was read or changed. Fix: move it away (a new empty database is then created), "
                        "then retry.", name);
    }
    if ((unsigned)st.st_uid != me) {
        log_warn("the database %s is owned by uid %u, not %u", path, (unsigned)st.st_uid, me);
        return mcp_errf(err, MCP_EDB, "The database %s is owned by uid %u, not by this user (uid %u); refusing to "
                        "use it, so nothing was read or changed. Fix: chown %u %s && chmod 600 %s, run in " DIR_WORDS
                        ", then retry.", name, (unsigned)st.st_uid, me, me, name, name);
    }
    if ((st.st_mode & 077) != 0) {
        log_warn("the database %s has mode %04o", path, (unsigned)(st.st_mode & 07777));
        return mcp_errf(err, MCP_EDB, "The database %s has mode %04o: group or others may read or change it; "
                        "refusing to use it, so nothing was read or changed. Fix: chmod 600 %s, run in " DIR_WORDS
                        ", then retry.", name, (unsigned)(st.st_mode & 07777), name);
    }
    return MCP_OK;
}

enum mcp_rc db_private_check(const char *data_dir, const char *db_path, struct mcp_error *err)
{
    enum mcp_rc rc = check_dir(data_dir, err);

    return rc != MCP_OK ? rc : check_file(db_path, err);
}

/* test_db_private.c: the database and its directory must be this user's alone (db_private.h):
 * symbolic links, other owners and loose modes are refused with the fix in words. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "db_private.h"
#include "test.h"

static void sub(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", test_tmpdir(), name);
}

TEST(db_private_creates_0600_and_accepts_own_files)
{
    char dir[512], db[600];
    struct mcp_error err;
    struct stat st;

    sub(dir, sizeof dir, "own");
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(db, sizeof db, "%s/%s", dir, DB_FILE);
    CHECK_EQ_INT(db_private_check(dir, db, &err), MCP_OK);
    CHECK(stat(db, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(db_private_check(dir, db, &err), MCP_OK); /* again: existing file */
}

TEST(db_private_refuses_a_symlinked_database)
{
    char dir[512], db[600], real[600];
    struct mcp_error err;
    struct db *h = NULL;

    sub(dir, sizeof dir, "link");
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(real, sizeof real, "%s/elsewhere.db", dir);
    snprintf(db, sizeof db, "%s/%s", dir, DB_FILE);
    CHECK(symlink(real, db) == 0);
    CHECK_EQ_INT(db_open(&h, dir, &err), MCP_EDB);
    CHECK(h == NULL);
    CHECK_CONTAINS(err.msg, "is a symbolic link; refusing to follow it");
    CHECK(access(real, F_OK) != 0); /* the link's target was not created */
}

TEST(db_private_refuses_a_symlinked_directory)
{
    char dir[512], link[512], db[600];
    struct mcp_error err;

    sub(dir, sizeof dir, "realdir");
    sub(link, sizeof link, "linkdir");
    CHECK(mkdir(dir, 0700) == 0);
    CHECK(symlink(dir, link) == 0);
    snprintf(db, sizeof db, "%s/%s", link, DB_FILE);
    CHECK_EQ_INT(db_private_check(link, db, &err), MCP_EDB);
    CHECK_CONTAINS(err.msg, "data directory");
    CHECK_CONTAINS(err.msg, "is a symbolic link");
    CHECK(strstr(err.msg, link) == NULL); /* no path in words a user reads (err_words.h) */
}

TEST(db_private_refuses_loose_modes)
{
    char dir[512], db[600];
    struct mcp_error err;

    sub(dir, sizeof dir, "loose");
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(db, sizeof db, "%s/%s", dir, DB_FILE);
    CHECK_EQ_INT(db_private_check(dir, db, &err), MCP_OK);
    CHECK(chmod(db, 0644) == 0);
    CHECK_EQ_INT(db_private_check(dir, db, &err), MCP_EDB);
    CHECK_CONTAINS(err.msg, "has mode 0644");
    CHECK_CONTAINS(err.msg, "Fix: chmod 600");
    CHECK(strstr(err.msg, dir) == NULL); /* the file by its name, never its path */
    CHECK(chmod(db, 0600) == 0 && chmod(dir, 0750) == 0);
    CHECK_EQ_INT(db_private_check(dir, db, &err), MCP_EDB);
    CHECK_CONTAINS(err.msg, "has mode 750");
    CHECK_CONTAINS(err.msg, "Fix: chmod 700");
}

TEST(db_private_refuses_another_users_database)
{
    char dir[512], db[600];
    struct mcp_error err;

    if (geteuid() != 0)
        return; /* changing a file's owner needs root; the e2e test runs as root too */
    sub(dir, sizeof dir, "theirs");
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(db, sizeof db, "%s/%s", dir, DB_FILE);
    CHECK_EQ_INT(db_private_check(dir, db, &err), MCP_OK);
    CHECK(chown(db, 65534, 65534) == 0);
    CHECK_EQ_INT(db_private_check(dir, db, &err), MCP_EDB);
    CHECK_CONTAINS(err.msg, "is owned by uid 65534, not by this user (uid 0)");
    CHECK_CONTAINS(err.msg, "Fix: chown 0 ");
    CHECK(chown(db, 0, 0) == 0 && chown(dir, 65534, 65534) == 0);
    CHECK_EQ_INT(db_private_check(dir, db, &err), MCP_EDB);
    CHECK_CONTAINS(err.msg, "The data directory");
    CHECK_CONTAINS(err.msg, "is owned by uid 65534");
}

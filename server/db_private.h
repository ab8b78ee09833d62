/* db_private.h: the database and its directory hold every session's policy, ledger and sealed
 * keys, so they must be this user's alone. Before the database is opened: the data directory
 * (lstat: not a symbolic link) must be a directory owned by the running user with no group or
 * other access; the database file is created 0600 or opened without following a symbolic link
 * (O_NOFOLLOW) and must be a regular file owned by the running user with no group or other
 * access. Anything else is refused with the exact commands that fix it, as for master.key
 * (keys_master.h). SQLite then opens the file with SQLITE_OPEN_NOFOLLOW. */
#ifndef SKM_DB_PRIVATE_H
#define SKM_DB_PRIVATE_H

#include "mcp_err.h"

/* Check data_dir and create-or-check db_path (a file inside it).
 * Returns: MCP_OK; MCP_EDB with words naming the path, what is wrong and the fix. */
enum mcp_rc db_private_check(const char *data_dir, const char *db_path, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

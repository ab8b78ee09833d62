/* test_err_words.c: the last pass over errors users read: four parts, no paths. */
#include <string.h>

#include "err_words.h"
#include "test.h"

TEST(err_words_adds_what_is_missing_by_class)
{
    char out[ERR_WORDS_MAX];

    err_words_complete(out, sizeof out, MCP_EINVAL, "list_automations", "limit: must be at least 1, got 0");
    CHECK_STR(out, "limit: must be at least 1, got 0. Nothing was changed. Correct the value named above and call "
                   "list_automations again. If this keeps failing, the user can always make each trade themselves "
                   "by signing it in their own wallet.");
    err_words_complete(out, sizeof out, MCP_EHTTP, "request_session_approval", "the RPC endpoint timed out");
    CHECK_CONTAINS(out, "Retry request_session_approval in a moment, or check the chain's RPC endpoint (--rpc).");
    /* a complete message is left as it is */
    err_words_complete(out, sizeof out, MCP_EDB, "x", "Busy. Nothing was changed; retry. Sign it in your own wallet.");
    CHECK_STR(out, "Busy. Nothing was changed; retry. Sign it in your own wallet.");
}

TEST(err_words_replaces_paths_not_urls)
{
    char out[ERR_WORDS_MAX];

    err_words_complete(out, sizeof out, MCP_EIO, "t", "master key /home/u/.local/share/skm/master.key: cannot open: "
                       "Permission denied. Nothing was changed; retry. By hand: sign it in your own wallet.");
    CHECK_STR(out, "master key master.key in the data directory (--data-dir or SESSIONKEY_MCP_HOME): cannot open: "
                   "Permission denied. Nothing was changed; retry. By hand: sign it in your own wallet.");
    err_words_complete(out, sizeof out, MCP_EDB, "t", "saving (/tmp/x/sessionkey.db) failed");
    CHECK(strchr(out, '/') == NULL);
    CHECK_CONTAINS(out, "saving (sessionkey.db in the data directory (--data-dir or SESSIONKEY_MCP_HOME)) failed.");
    err_words_complete(out, sizeof out, MCP_EIO, "t", "cannot use /");
    CHECK(strchr(out, '/') == NULL);
    err_words_complete(out, sizeof out, MCP_EHTTP, "t", "see https://example.org/x");
    CHECK_CONTAINS(out, "https://example.org/x");
}

/* err_words.c: see err_words.h. */
#include "err_words.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "utf8.h"

static const char fallback[] = "If this keeps failing, the user can always make each trade themselves by signing "
                               "it in their own wallet.";

static int has(const char *msg, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = msg; *p; p++)
        if (strncasecmp(p, word, n) == 0)
            return 1;
    return 0;
}

static int any(const char *msg, const char *const *words)
{
    for (; *words; words++)
        if (has(msg, *words))
            return 1;
    return 0;
}

/* A path starts with '/' at the start of a word and runs to white space, a quote, a comma,
 * a semicolon, a bracket or ": "; it becomes its file name "in the data directory (--data-dir or
 * SESSIONKEY_MCP_HOME)". URLs ("https://…") are not paths: their '/' follows ':'. */
static void scrub_paths(char *out, size_t size, const char *in)
{
    size_t used = 0;

    for (const char *p = in; *p && used + 1 < size;) {
        int word_start = p == in || strchr(" \t\"'(=", p[-1]) != NULL;
        if (*p == '/' && word_start) {
            const char *end = p, *base;
            int k;
            while (*end && !strchr(" \t\"',;)", *end) && !(end[0] == ':' && end[1] == ' '))
                end++;
            for (base = end; base > p && base[-1] != '/'; base--)
                ;
            /* "/home/u/.local/share/skm/master.key" -> "master.key in the data directory (...)" */
            if (base < end)
                k = snprintf(out + used, size - used, "%.*s in %s", (int)(end - base), base, ERR_WORDS_DATA_DIR);
            else
                k = snprintf(out + used, size - used, "%s", ERR_WORDS_DATA_DIR);
            used = k > 0 && used + (size_t)k < size ? used + (size_t)k : size - 1;
            p = end;
            continue;
        }
        out[used++] = *p++;
    }
    out[used < size ? used : size - 1] = '\0';
}

/* How to retry, by class: the words before and after the tool's name. */
struct retry {
    enum mcp_rc rc;
    const char *before, *after;
};

static const struct retry retries[] = {
    {MCP_EINVAL, "Correct the value named above and call ", " again."},
    {MCP_EDB, "Retry ", " in a moment; if it keeps failing, check " ERR_WORDS_DATA_DIR " and its free space."},
    {MCP_EIO, "Retry ", " in a moment; if it keeps failing, check " ERR_WORDS_DATA_DIR " and its free space."},
    {MCP_ENOMEM, "Retry ", " in a moment; if it keeps failing, check " ERR_WORDS_DATA_DIR " and its free space."},
    {MCP_EHTTP, "Retry ", " in a moment, or check the chain's RPC endpoint (--rpc)."},
    {MCP_ERPC, "Retry ", " in a moment, or check the chain's RPC endpoint (--rpc)."},
    {MCP_ECRYPTO, "Ask the user to sign again in their wallet and call ", " again."},
    {MCP_ENOTFOUND, "Check the name or id (list_automations shows them) and call ", " again."},
    {MCP_ECONFLICT, "Call list_automations to see where things stand, then call ", " again."},
    {MCP_EPOLICY, "Ask for less, or request a session that allows it, then call ", " again."},
};

static void retry_words(char *out, size_t size, enum mcp_rc rc, const char *tool)
{
    for (size_t i = 0; i < sizeof retries / sizeof retries[0]; i++)
        if (retries[i].rc == rc) {
            snprintf(out, size, "%s%s%s", retries[i].before, tool, retries[i].after);
            return;
        }
    snprintf(out, size, "Retry %s; if it keeps failing, report it with the server's log.", tool);
}

void err_words_complete(char *out, size_t size, enum mcp_rc rc, const char *tool, const char *msg)
{
    static const char *const changed[] = {"nothing", "unchanged", "stays", "rolled back", "no change",
                                          "was not approved", "not created", NULL};
    static const char *const retry[] = {"retry", "again", "call ", NULL};
    static const char *const manual[] = {"themselves", "own wallet", "by hand", "manually", NULL};
    char retry_text[384];
    size_t used;

    if (size == 0)
        return;
    scrub_paths(out, size, msg ? msg : "");
    used = strlen(out);
    while (used > 0 && isspace((unsigned char)out[used - 1]))
        out[--used] = '\0';
    if (used > 0 && !strchr(".!?)", out[used - 1]) && used + 1 < size) {
        out[used++] = '.';
        out[used] = '\0';
    }
    if (!any(out, changed))
        snprintf(out + used, size - used, " Nothing was changed.");
    used = strlen(out);
    if (!any(out, retry)) {
        retry_words(retry_text, sizeof retry_text, rc, tool ? tool : "the tool");
        snprintf(out + used, size - used, " %s", retry_text);
    }
    used = strlen(out);
    if (!any(out, manual))
        snprintf(out + used, size - used, " %s", fallback);
    utf8_sanitize(out);
    if (msg != NULL && strcmp(out, msg) != 0)
        log_debug("%s: error as the handler wrote it: %s", tool ? tool : "tool", msg);
}

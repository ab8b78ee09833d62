/* err_words.h: the last pass over an error a person will read (a tool's isError result).
 * Every such message must say what happened, whether anything changed, how to retry, and
 * the manual fallback (the user can sign each trade themselves); and it must not show a file
 * system path (the data directory is named by its option instead). Handlers write the first
 * part, and most write all four; this adds whichever of the other three is missing, in words
 * chosen by the error's class, and replaces paths. The original goes to the log (debug). */
#ifndef SKM_ERR_WORDS_H
#define SKM_ERR_WORDS_H

#include <stddef.h>

#include "mcp_err.h"

#define ERR_WORDS_MAX 1536

/* The words the data directory is named by in messages to users. */
#define ERR_WORDS_DATA_DIR "the data directory (--data-dir or SESSIONKEY_MCP_HOME)"

/* The complete message for msg (an error of class rc from tool) into out (size bytes,
 * ERR_WORDS_MAX is always enough). */
void err_words_complete(char *out, size_t size, enum mcp_rc rc, const char *tool, const char *msg);

#endif

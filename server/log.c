/* log.c: stderr logger. One write(2) per line so lines from several threads or processes
 * sharing a pipe do not interleave mid-line; a failed write is dropped, never retried
 * (a client that does not drain stderr must not stall the server forever). */
#include "log.h"

#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum log_level g_level = LOG_WARNING;
static log_sink_fn g_sink;
static void *g_sink_ud;
static int g_in_sink;

void log_set_sink(log_sink_fn sink, void *ud)
{
    g_sink = sink;
    g_sink_ud = ud;
}

static const char *const level_names[] = {"debug", "info", "notice", "warning", "error", "off"};

void log_set_level(enum log_level level)
{
    g_level = level;
}

enum log_level log_get_level(void)
{
    return g_level;
}

int log_parse_level(enum log_level *out, const char *name)
{
    for (int i = LOG_DEBUG; i <= LOG_OFF; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 1;
        }
    }
    if (strcmp(name, "warn") == 0) {
        *out = LOG_WARNING;
        return 1;
    }
    return 0;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    int head;

    if (level >= LOG_OFF || (level < g_level && g_sink == NULL))
        return;
    head = n = snprintf(line, sizeof line, "sessionkey-mcp: %s: ", level_names[level]);
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof line - 1)
        n = (int)sizeof line - 2;
    line[n] = '\0';
    utf8_sanitize(line + head); /* a cut may split a character; quoted input may be invalid */
    n = head + (int)strlen(line + head);
    if (g_sink != NULL && !g_in_sink) {
        g_in_sink = 1;
        line[n] = '\0';
        g_sink(level, line + head, g_sink_ud);
        g_in_sink = 0;
    }
    if (level < g_level)
        return;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nothing useful to do: stderr is gone or full */
    }
}

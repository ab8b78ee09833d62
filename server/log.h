/* log.h: leveled logging to stderr. stdout is reserved for protocol messages.
 * Never log secrets (keys, seeds, master key) or full tool arguments. */
#ifndef SKM_LOG_H
#define SKM_LOG_H

#include "mcp_err.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_NOTICE = 2, LOG_WARNING = 3, LOG_ERROR = 4, LOG_OFF = 5 };

/* Set the threshold; messages below it are dropped. Default LOG_WARNING. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "debug", "info", "notice", "warning" (or "warn"), "error", "off".
 * Returns: 1 and sets *out on success, 0 on an unknown name. */
int log_parse_level(enum log_level *out, const char *name);

/* Write one line "sessionkey-mcp: <level>: <message>\n" to stderr with a single write(2). */
void log_msg(enum log_level level, const char *fmt, ...) SKM_PRINTF(2, 3);

/* An extra destination for log lines (the MCP logging notifications). The sink is called
 * for every line at or above the stderr threshold or LOG_DEBUG, whichever the sink wants;
 * it must not log itself (re-entry is suppressed). NULL removes it. */
typedef void (*log_sink_fn)(enum log_level level, const char *msg, void *ud);
void log_set_sink(log_sink_fn sink, void *ud);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif

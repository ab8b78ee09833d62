/* run_view.h: the executor's live state in the tools' words (kept apart from the tools'
 * own rendering): list_automations gets an "executor" object per automation and one line of
 * text; get_session_history gets each execution (slice) in words. */
#ifndef SKM_RUN_VIEW_H
#define SKM_RUN_VIEW_H

#include <jansson.h>

#include "cfg.h"
#include "db.h"
#include "db_sessions.h"

/* For a session with an automation: s.executor = {slicesDone, slicesTotal?, nextSliceAt?,
 * paused, pauseReason?, lastExecution?: {at, amountIn, amountOut, txHash}} and a line of
 * text appended to *text. Nothing for other sessions or on a storage error. */
void run_view_attach(const struct skm_config *cfg, struct db *db, const struct session_row *row, json_t *s,
                     char **text);

/* For one session: structured.executions = [{slice, state, at, amountIn, amountOut?, txHash?,
 * attempts, error?}] and one line per slice appended to *text. */
void run_view_history(const struct skm_config *cfg, struct db *db, const char *session_id, json_t *structured,
                      char **text);

#endif

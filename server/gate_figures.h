/* gate_figures.h: a session's live spend figures from the ledger totals, in words, the way
 * list_automations and report_execution show them: spent (committed), remaining (maxTotal
 * minus committed and live reservations), executed (committed executions), in flight (live
 * reservations), and for TWAP sessions the slices done and left.
 *
 * TWAP slices: a TWAP session spends maxTotal in equal slices of maxPerTransaction, so it
 * has ceil(maxTotal / maxPerTransaction) slices, and no more than its rate limit allows over
 * its lifetime (floor(duration / rate_period) * rate_count) when it has one. Done = committed
 * executions; left = slices - done - in flight (never below 0). */
#ifndef SKM_GATE_FIGURES_H
#define SKM_GATE_FIGURES_H

#include <jansson.h>

#include "gate_ledger.h"
#include "policy.h"

struct gate_figures {
    char spent[128];
    char remaining[128];
    long long executed;
    long long in_flight;
    int has_slices;          /* 1 for TWAP sessions */
    long long slices_total, slices_done, slices_left;
};

/* The number of TWAP slices of a policy (see above); 0 when maxPerTransaction is 0. */
long long gate_figures_slices_total(const struct policy *p);

/* Compute the figures. feature: the session's feature ("twap" gets slices). */
void gate_figures(struct gate_figures *out, const struct policy *p, const struct gate_totals *t,
                  const char *feature);

/* Set spent, remaining, executed, inFlight and (TWAP) slicesTotal, slicesDone, slicesLeft on o
 * (borrowed). Returns: 0, or -1 on OOM. */
int gate_figures_set(json_t *o, const struct gate_figures *f);

#endif

/* clock.h: the one source of time. Session expiry, approval deadlines and rate-limit windows
 * all read clock_now(), so tests can move time. */
#ifndef SKM_CLOCK_H
#define SKM_CLOCK_H

#include <stdint.h>

/* Unix time in seconds. In test builds (SKM_TEST_HOOKS) only: when the environment variable
 * SKM_TEST_CLOCK names a readable file holding an integer, that integer is the time (read
 * on every call, so a test can move the clock while the server runs). Release builds never
 * look at it. */
int64_t clock_now(void);

/* Format t as RFC 3339 UTC ("2026-11-24T09:54:55Z") into out (size >= 21). */
void clock_format(char *out, int64_t t);

#endif

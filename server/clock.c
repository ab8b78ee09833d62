/* clock.c: wall clock, with a file-driven override compiled into test builds only. */
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t clock_now(void)
{
#if defined(SKM_TEST_HOOKS)
    const char *path = getenv("SKM_TEST_CLOCK");
    if (path != NULL) {
        FILE *f = fopen(path, "r");
        long long t = 0;
        int ok = f != NULL && fscanf(f, "%lld", &t) == 1;
        if (f != NULL)
            fclose(f);
        if (ok)
            return (int64_t)t;
    }
#endif
    return (int64_t)time(NULL);
}

void clock_format(char *out, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

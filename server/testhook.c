/* testhook.c: see testhook.h. */
#include "testhook.h"

#if defined(SKM_TEST_HOOKS)
#include <stdlib.h>
#include <string.h>

int testhook_fault(const char *point)
{
    const char *list = getenv("SKM_TEST_FAULT");
    size_t n = strlen(point);

    for (const char *p = list; p != NULL && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, point, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}
#else
typedef int testhook_unused; /* ISO C forbids an empty translation unit */
#endif

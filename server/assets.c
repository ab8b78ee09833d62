/* assets.c: lookup in the compiled-in asset table. */
#include "assets.h"

#include <string.h>

const struct asset *asset_find(const char *path)
{
    for (const struct asset *a = skm_assets; a->path != NULL; a++) {
        if (strcmp(a->path, path) == 0)
            return a;
    }
    return NULL;
}

/* rpc_escapes.h: JSON that is valid (RFC 8259) but that jansson refuses to load: strings with
 * an escaped NUL (\u0000) or a lone surrogate escape (\ud800..\udfff without its pair). Such a
 * request must still be answered with its own id (refusing the value), not as a parse error.
 * The fix: a copy of the line with each such escape replaced by \ufffd (same length), which
 * loads when the original was valid JSON; its id is then known. */
#ifndef SKM_RPC_ESCAPES_H
#define SKM_RPC_ESCAPES_H

#include <stddef.h>

/* In buf (len bytes, modified in place), replace every \u0000 and every lone surrogate escape
 * inside a JSON string by \ufffd. Returns: how many were replaced. */
size_t rpc_escapes_neutralize(char *buf, size_t len);

#endif

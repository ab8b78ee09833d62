/* schema_check.h: a validator for the portable subset of JSON Schema our tool schemas use.
 *
 * Keywords: type (one of object, string, integer, number, boolean, array — no type arrays),
 * properties, required, additionalProperties (false or a schema), items, enum, minLength,
 * maxLength, pattern (POSIX ERE-compatible subset of ECMA regex), minimum, maximum,
 * minItems, maxItems, uniqueItems; anyOf only as two or more branches of a single type each
 * with nothing but annotations beside it (a value that may be a number or its text, such as
 * account.index: 0 or "0"); annotations title, description, default, examples.
 * Anything else ($ref, oneOf, const, format, ...) is refused by schema_check_portable,
 * so a schema can never carry a constraint this validator would silently ignore. */
#ifndef SKM_SCHEMA_CHECK_H
#define SKM_SCHEMA_CHECK_H

#include <jansson.h>

#include "mcp_err.h"

/* Validate instance (borrowed) against schema (borrowed). On failure err->msg lists up to
 * five problems in words a person understands: the field path, what was expected, what was
 * given ("permissions.rateLimit.count: must be at least 1, got 0").
 * Returns: MCP_OK or MCP_EINVAL. */
enum mcp_rc schema_validate(json_t *schema, json_t *instance, struct mcp_error *err) SKM_WARN_UNUSED;

/* As schema_validate, for what a client sends: also every string value must be display-safe
 * (utf8_display.h: no control, format or separator character), naming the field, the
 * character and its position. */
enum mcp_rc schema_validate_input(json_t *schema, json_t *instance, struct mcp_error *err) SKM_WARN_UNUSED;

/* Check that schema uses only the keywords above, that every object has "type", every array
 * has "items", and that patterns compile. `where` names the schema in the message.
 * Returns: MCP_OK or MCP_EINVAL. */
enum mcp_rc schema_check_portable(json_t *schema, const char *where, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

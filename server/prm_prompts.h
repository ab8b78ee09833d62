/* prm_prompts.h: prompts/list and prompts/get from the templates in prompts/ (compiled in).
 * A prompt is prompts/<name>.json ({name, title, description, arguments[], messages[{role,
 * file}]}) plus the Markdown files its messages name, with {{argument}} placeholders that are
 * substituted in one pass (a value containing "{{x}}" is never expanded again). */
#ifndef SKM_PRM_PROMPTS_H
#define SKM_PRM_PROMPTS_H

#include <jansson.h>

#include "mcp_err.h"

/* Returns: a new reference to the "prompts" array (title included when with_title), or NULL. */
json_t *prm_list(int with_title, struct mcp_error *err);

/* Render prompt `name` with args (borrowed object of strings, may be NULL).
 * Returns: MCP_OK and *out = new GetPromptResult; MCP_ENOTFOUND for an unknown prompt,
 * MCP_EINVAL for a missing required / unknown / non-string argument (both -32602 on the wire). */
enum mcp_rc prm_get(json_t **out, const char *name, json_t *args, struct mcp_error *err) SKM_WARN_UNUSED;

/* Check every prompt asset parses, names existing message files and uses only declared
 * placeholders. Returns: MCP_OK or MCP_EINTERNAL. */
enum mcp_rc prm_check_assets(struct mcp_error *err) SKM_WARN_UNUSED;

#endif

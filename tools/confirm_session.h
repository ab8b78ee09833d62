/* confirm_session.h: settling a pending session, shared by the confirm_session tool and the
 * loopback approval page (approval.c), so both run the same checks, write the same audit
 * entry and answer with the same words. */
#ifndef SKM_CONFIRM_SESSION_H
#define SKM_CONFIRM_SESSION_H

#include "cfg.h"
#include "db.h"
#include "mcp_err.h"
#include "tool.h"

/* Approve session_id with signature (0x + 130 hex digits), or decline it (reject_asked 1,
 * signature ignored). cfg reaches the chain for an ERC-1271 owner check. A session no longer pending is answered from its state ("already
 * active" is success). Returns: MCP_OK with out filled as confirm_session's result; else an
 * mcp_rc with words (MCP_ECRYPTO: the signature does not approve it; the request stays pending). */
enum mcp_rc confirm_session_settle(const struct skm_config *cfg, struct db *db, const char *session_id,
                                   const char *signature, int reject_asked, struct tool_reply *out, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* mcp_elicit.h: URL-mode elicitation of the approval page, for both protocol eras.
 *
 * Legacy era (2025-11-25, client declared capabilities.elicitation.url): confirm_session
 * without a signature on a pending session fails with -32042 (URLElicitationRequiredError)
 * listing one URL elicitation; the table below remembers which elicitationId belongs to which
 * session, so that when the session is settled (the page, or confirm_session in this process)
 * the server sends notifications/elicitation/complete for that id, once.
 *
 * 2026-07-28 (stateless): the same elicitation goes out inside an input_required result
 * (MRTR) with no elicitationId; the client retries with inputResponses and the requestState
 * made here: an HMAC-SHA256 (per-process key, base64url) over the session id, the method and an expiry,
 * so a forged or replayed-elsewhere state is refused. Never a request on stdout. */
#ifndef SKM_MCP_ELICIT_H
#define SKM_MCP_ELICIT_H

#include <jansson.h>
#include <stdint.h>

#define MCP_ELICIT_MAX 32
#define MCP_ELICIT_ID_SIZE 31      /* "eli_" + 26 base32 characters + NUL */
#define MCP_ELICIT_SESSION_SIZE 72
#define MCP_ELICIT_STATE_TTL 900   /* seconds a requestState stays valid (the approval window) */

struct mcp_elicit_entry {
    char id[MCP_ELICIT_ID_SIZE];
    char session_id[MCP_ELICIT_SESSION_SIZE];
};

/* Open URL elicitations of one connection, oldest first. */
struct mcp_elicit_table {
    struct mcp_elicit_entry e[MCP_ELICIT_MAX];
    int n;
};

/* The elicitationId for session_id: the one already open for it, or a new random one (the
 * oldest entry is dropped when the table is full). Returns: a pointer into the table. */
const char *mcp_elicit_open(struct mcp_elicit_table *t, const char *session_id);

/* Close the elicitation of session_id. Returns: 1 and the id in id_out when one was open,
 * else 0. */
int mcp_elicit_take(struct mcp_elicit_table *t, const char *session_id, char id_out[MCP_ELICIT_ID_SIZE]);

/* The URL elicitation object {mode: "url", [elicitationId,] url, message}; elicitation_id
 * NULL in 2026-07-28. Returns: a new reference, or NULL on OOM. */
json_t *mcp_elicit_url(const char *url, const char *elicitation_id, const char *message);

/* A requestState for a retry of `method` on session_id, valid until now + TTL.
 * Returns: malloc'd string, or NULL on OOM. */
char *mcp_elicit_state_seal(const char *method, const char *session_id, int64_t now);

/* Returns: 1 if state was made by this process by mcp_elicit_state_seal for exactly this
 * method and session and has not expired at now; else 0. */
int mcp_elicit_state_check(const char *state, const char *method, const char *session_id, int64_t now);

/* Does a client capabilities object declare URL-mode elicitation? */
int mcp_elicit_client_has_url(json_t *client_caps);

#endif

/* gate_input.h: an authorize_execution request, read from its JSON arguments into the calls
 * the gate will check and what the request claims about itself.
 *
 * A request carries the calls directly (`calls`), or a user operation (`userOp`) whose
 * callData is a Kernel execute, or both (then they must be the same calls). With a user
 * operation the calls checked are the ones decoded from its callData, so what is checked is
 * what is signed. A callData that is not execute() at all is one call from the account to
 * itself (SELF_CALL). `userOpHash` without `userOp` is refused (USEROP_REQUIRED).
 *
 * JSON (validated against schemas/authorize_execution.input.json before this runs):
 *   sessionId, calls: [{target, value (decimal wei, default "0"), data, callType?}],
 *   userOp?, userOpHash?, chainId?, account? */
#ifndef SKM_GATE_INPUT_H
#define SKM_GATE_INPUT_H

#include <jansson.h>

#include "db_sessions.h"
#include "gate_check.h"
#include "gate_decode.h"
#include "gate_userop.h"

struct gate_input {
    char session_id[SESSION_ID_MAX];
    struct gate_request rq;         /* chain, account, sender; userop problems so far */
    size_t n_given;                 /* calls from `calls` */
    struct gate_call given[GATE_MAX_CALLS];
    uint8_t *given_data[GATE_MAX_CALLS];
    int has_op;
    struct gate_user_op op;
    struct gate_calls op_calls;     /* decoded from op.call_data */
    int has_hash;
    uint8_t hash[32];               /* the userOpHash the caller gave */
    const struct gate_call *calls;  /* what the gate checks: op calls, or the given ones */
    size_t n_calls;
    struct gate_call self_call;     /* a callData that is not execute(): account -> itself */
};

/* Parse args (borrowed). Errors name the field and what to send instead.
 * Returns: MCP_OK, MCP_EINVAL, MCP_ENOMEM. Out: *in (free with gate_input_free, also after a
 * failure). */
enum mcp_rc gate_input_parse(struct gate_input *in, json_t *args, struct mcp_error *err) SKM_WARN_UNUSED;

void gate_input_free(struct gate_input *in);

#endif

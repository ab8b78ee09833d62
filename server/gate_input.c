/* gate_input.c: authorize_execution arguments -> calls to check (see gate_input.h). */
#include "gate_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"

static enum mcp_rc parse_call(struct gate_input *in, size_t i, json_t *c, struct mcp_error *err)
{
    const char *value = json_string_value(json_object_get(c, "value"));
    const char *type = json_string_value(json_object_get(c, "callType"));
    struct gate_call *call = &in->given[i];
    char what[40];

    snprintf(what, sizeof what, "calls[%zu].target", i);
    if (eth_addr_parse(call->target, json_string_value(json_object_get(c, "target")), what, err) != MCP_OK)
        return MCP_EINVAL;
    snprintf(what, sizeof what, "calls[%zu].value", i);
    if (value != NULL && eth_u256_from_dec(&call->value, value, what, err) != MCP_OK)
        return MCP_EINVAL;
    snprintf(what, sizeof what, "calls[%zu].data", i);
    if (eth_hex_decode_alloc(&in->given_data[i], &call->len, json_string_value(json_object_get(c, "data")), what,
                             err) != MCP_OK)
        return err->rc;
    call->data = in->given_data[i];
    call->delegatecall = type != NULL && strcmp(type, "delegatecall") == 0;
    return MCP_OK;
}

static enum mcp_rc parse_calls(struct gate_input *in, json_t *calls, struct mcp_error *err)
{
    size_t i, n = json_array_size(calls);
    json_t *c;

    if (n == 0 || n > GATE_MAX_CALLS)
        return mcp_errf(err, MCP_EINVAL, "calls: give 1 to %d calls (target, value, data), not %zu", GATE_MAX_CALLS,
                        n);
    json_array_foreach(calls, i, c) {
        if (parse_call(in, i, c, err) != MCP_OK)
            return err->rc;
        in->n_given = i + 1;
    }
    return MCP_OK;
}

static int same_calls(const struct gate_call *a, size_t na, const struct gate_call *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (memcmp(a[i].target, b[i].target, 20) != 0 || eth_u256_cmp(&a[i].value, &b[i].value) != 0 ||
            a[i].len != b[i].len || a[i].delegatecall != b[i].delegatecall ||
            (a[i].len && memcmp(a[i].data, b[i].data, a[i].len) != 0))
            return 0;
    return 1;
}

/* With a user operation: the calls come from its callData. */
static enum mcp_rc use_op(struct gate_input *in, json_t *op, struct mcp_error *err)
{
    enum mcp_rc rc;

    if ((rc = gate_userop_parse(&in->op, op, err)) != MCP_OK)
        return rc;
    in->has_op = 1;
    in->rq.has_sender = 1;
    memcpy(in->rq.sender, in->op.sender, 20);
    if ((rc = gate_decode_kernel(&in->op_calls, in->op.call_data, in->op.call_data_len, err)) != MCP_OK)
        return rc;
    if (in->op_calls.not_execute) {
        memcpy(in->self_call.target, in->op.sender, 20);
        in->self_call.data = in->op.call_data;
        in->self_call.len = in->op.call_data_len;
        in->calls = &in->self_call;
        in->n_calls = 1;
    } else if (in->op_calls.malformed) {
        in->rq.execute_malformed = 1;
        snprintf(in->rq.why, sizeof in->rq.why, "%s", in->op_calls.why);
    } else {
        in->calls = in->op_calls.c;
        in->n_calls = in->op_calls.n;
    }
    if (in->n_given > 0 && !in->op_calls.malformed && !same_calls(in->given, in->n_given, in->calls, in->n_calls))
        in->rq.userop = GATE_USEROP_CALLS_DIFFER;
    return MCP_OK;
}

static enum mcp_rc parse_claims(struct gate_input *in, json_t *args, struct mcp_error *err)
{
    json_t *chain = json_object_get(args, "chainId");
    const char *account = json_string_value(json_object_get(args, "account"));
    const char *hash = json_string_value(json_object_get(args, "userOpHash"));

    if (chain != NULL) {
        if (!json_is_integer(chain) || json_integer_value(chain) < 0)
            return mcp_errf(err, MCP_EINVAL, "chainId: expected a non-negative integer");
        in->rq.has_chain = 1;
        in->rq.chain_id = (uint64_t)json_integer_value(chain);
    }
    if (account != NULL) {
        if (eth_addr_parse(in->rq.account, account, "account", err) != MCP_OK)
            return MCP_EINVAL;
        in->rq.has_account = 1;
    }
    if (hash != NULL) {
        if (eth_hex_decode(in->hash, 32, hash, "userOpHash", err) != MCP_OK)
            return MCP_EINVAL;
        in->has_hash = 1;
    }
    return MCP_OK;
}

enum mcp_rc gate_input_parse(struct gate_input *in, json_t *args, struct mcp_error *err)
{
    const char *sid = json_string_value(json_object_get(args, "sessionId"));
    json_t *calls = json_object_get(args, "calls"), *op = json_object_get(args, "userOp");
    enum mcp_rc rc;

    memset(in, 0, sizeof *in);
    if (sid == NULL || strlen(sid) >= sizeof in->session_id)
        return mcp_errf(err, MCP_EINVAL, "sessionId is required: the id request_session_approval returned");
    snprintf(in->session_id, sizeof in->session_id, "%s", sid);
    if (calls == NULL && op == NULL)
        return mcp_errf(err, MCP_EINVAL, "Give the calls to check (calls: [{target, value, data}]) or the user "
                        "operation (userOp) whose callData holds them.");
    if ((rc = parse_claims(in, args, err)) != MCP_OK)
        return rc;
    if (calls != NULL && (rc = parse_calls(in, calls, err)) != MCP_OK)
        return rc;
    in->calls = in->given;
    in->n_calls = in->n_given;
    if (op != NULL)
        return use_op(in, op, err);
    if (in->has_hash)
        in->rq.userop = GATE_USEROP_HASH_WITHOUT_OP;
    return MCP_OK;
}

void gate_input_free(struct gate_input *in)
{
    for (size_t i = 0; i < GATE_MAX_CALLS; i++) {
        free(in->given_data[i]);
        in->given_data[i] = NULL;
    }
    gate_userop_free(&in->op);
    gate_calls_free(&in->op_calls);
}

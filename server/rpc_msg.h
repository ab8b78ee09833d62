/* rpc_msg.h: JSON-RPC 2.0 envelopes: classify an incoming message, build responses.
 * Ids are echoed with their JSON type (string stays string, integer stays integer). */
#ifndef SKM_RPC_MSG_H
#define SKM_RPC_MSG_H

#include <jansson.h>

#define RPC_PARSE_ERROR (-32700)
#define RPC_INVALID_REQUEST (-32600)
#define RPC_METHOD_NOT_FOUND (-32601)
#define RPC_INVALID_PARAMS (-32602)
#define RPC_INTERNAL_ERROR (-32603)
#define RPC_MISSING_CLIENT_CAPABILITY (-32021) /* 2026-07-28 */
#define RPC_UNSUPPORTED_PROTOCOL_VERSION (-32022) /* 2026-07-28 */

enum rpc_kind {
    RPC_REQUEST,      /* method + valid id */
    RPC_NOTIFICATION, /* method, no id */
    RPC_RESPONSE,     /* result/error from the client: we never send requests, so ignored */
    RPC_INVALID       /* *why says what is wrong; answer -32600 (id if usable, else null) */
};

struct rpc_msg {
    enum rpc_kind kind;
    json_t *id;         /* borrowed from the message; NULL for notifications/unusable ids */
    const char *method; /* borrowed */
    json_t *params;     /* borrowed; NULL when absent */
    const char *why;    /* static text for RPC_INVALID */
};

/* Classify a decoded message (borrowed). Never fails: problems become RPC_INVALID. */
void rpc_classify(struct rpc_msg *out, json_t *msg);

/* Build {"jsonrpc":"2.0","id":id,"result":result}. Steals result (jansson's _new style, the one
 * documented exception, to keep call sites short). id is borrowed (NULL -> null).
 * Returns: new reference, or NULL on OOM. */
json_t *rpc_result_new(json_t *id, json_t *result);

/* Build an error response. data is stolen and may be NULL. */
json_t *rpc_error_new(json_t *id, int code, const char *message, json_t *data);

/* Serialize compactly followed by "\n" into a malloc'd buffer.
 * Returns: the buffer (caller frees) and *len, or NULL on OOM. */
char *rpc_dump_line(json_t *msg, size_t *len);

#endif

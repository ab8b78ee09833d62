/* rpc_msg.c: JSON-RPC 2.0 envelope checks and response construction. */
#include "rpc_msg.h"

#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usable_id(json_t *id)
{
    return id != NULL && (json_is_string(id) || json_is_integer(id));
}

void rpc_classify(struct rpc_msg *out, json_t *msg)
{
    json_t *version, *method, *id;

    memset(out, 0, sizeof *out);
    out->kind = RPC_INVALID;
    if (!json_is_object(msg)) {
        out->why = "a JSON-RPC message must be a JSON object";
        return;
    }
    id = json_object_get(msg, "id");
    if (usable_id(id))
        out->id = id;
    version = json_object_get(msg, "jsonrpc");
    if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0) {
        out->why = "\"jsonrpc\" must be \"2.0\"";
        return;
    }
    method = json_object_get(msg, "method");
    if (method == NULL) {
        if (json_object_get(msg, "result") != NULL || json_object_get(msg, "error") != NULL) {
            out->kind = RPC_RESPONSE;
            return;
        }
        out->why = "missing \"method\"";
        return;
    }
    if (!json_is_string(method)) {
        out->why = "\"method\" must be a string";
        return;
    }
    if (id != NULL && !usable_id(id)) {
        out->why = "\"id\" must be a string or an integer";
        return;
    }
    out->method = json_string_value(method);
    out->params = json_object_get(msg, "params");
    out->kind = id != NULL ? RPC_REQUEST : RPC_NOTIFICATION;
}

static json_t *envelope(json_t *id)
{
    return json_pack("{s:s, s:O}", "jsonrpc", "2.0", "id", id != NULL ? id : json_null());
}

json_t *rpc_result_new(json_t *id, json_t *result)
{
    json_t *r;

    if (result == NULL)
        return NULL;
    r = envelope(id);
    if (r == NULL) {
        json_decref(result);
        return NULL;
    }
    if (json_object_set_new(r, "result", result) != 0) { /* set_new releases result */
        json_decref(r);
        return NULL;
    }
    return r;
}

json_t *rpc_error_new(json_t *id, int code, const char *message, json_t *data)
{
    char msg[1024];
    json_t *err;

    snprintf(msg, sizeof msg, "%s", message); /* the last line of defence: always valid UTF-8 */
    utf8_sanitize(msg);
    err = json_pack("{s:i, s:s}", "code", code, "message", msg);
    json_t *r;

    if (err == NULL) {
        json_decref(data);
        return NULL;
    }
    if (data != NULL && json_object_set_new(err, "data", data) != 0)
        goto fail;
    r = envelope(id);
    if (r == NULL)
        goto fail;
    if (json_object_set_new(r, "error", err) != 0) {
        json_decref(r);
        return NULL;
    }
    return r;
fail:
    json_decref(err);
    return NULL;
}

char *rpc_dump_line(json_t *msg, size_t *len)
{
    char *s = json_dumps(msg, JSON_COMPACT), *line; /* one serializing pass */
    size_t n;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    line = realloc(s, n + 2);
    if (line == NULL) {
        free(s);
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    *len = n + 1;
    return line;
}

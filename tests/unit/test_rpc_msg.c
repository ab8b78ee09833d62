/* test_rpc_msg.c: JSON-RPC envelope classification and response construction. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc_msg.h"
#include "test.h"

static json_t *parse(const char *text)
{
    return json_loads(text, JSON_DECODE_ANY, NULL);
}

/* Classify `text`; returns the decoded message (caller decrefs, m borrows from it). */
static json_t *classify(struct rpc_msg *m, const char *text)
{
    json_t *j = parse(text);

    rpc_classify(m, j);
    return j;
}

/* 1 if j (a response) equals the JSON text want. */
static int same_json(json_t *j, const char *want)
{
    json_t *w = parse(want);
    int eq = j != NULL && w != NULL && json_equal(j, w);

    json_decref(w);
    return eq;
}

TEST(rpc_classify_request_integer_id)
{
    struct rpc_msg m;
    json_t *j = classify(&m, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{\"cursor\":\"x\"}}");

    CHECK(j != NULL);
    CHECK_EQ_INT(m.kind, RPC_REQUEST);
    CHECK(json_is_integer(m.id));
    CHECK_EQ_INT(json_integer_value(m.id), 7);
    CHECK(m.id == json_object_get(j, "id")); /* borrowed, the same value */
    CHECK_STR(m.method, "tools/list");
    CHECK(m.params == json_object_get(j, "params"));
    json_decref(j);
}

TEST(rpc_classify_request_string_id_no_params)
{
    struct rpc_msg m;
    json_t *j = classify(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"ping\"}");

    CHECK_EQ_INT(m.kind, RPC_REQUEST);
    CHECK(json_is_string(m.id));
    CHECK_STR(json_string_value(m.id), "abc");
    CHECK(m.params == NULL);
    CHECK(m.why == NULL);
    json_decref(j);

    j = classify(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"ping\"}"); /* empty string is an id */
    CHECK_EQ_INT(m.kind, RPC_REQUEST);
    CHECK_STR(json_string_value(m.id), "");
    json_decref(j);

    j = classify(&m, "{\"jsonrpc\":\"2.0\",\"id\":-9007199254740993,\"method\":\"ping\"}");
    CHECK_EQ_INT(m.kind, RPC_REQUEST);
    CHECK(json_integer_value(m.id) == -9007199254740993LL);
    json_decref(j);
}

TEST(rpc_classify_notification)
{
    struct rpc_msg m;
    json_t *j = classify(&m, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

    CHECK_EQ_INT(m.kind, RPC_NOTIFICATION);
    CHECK(m.id == NULL);
    CHECK_STR(m.method, "notifications/initialized");
    json_decref(j);

    j = classify(&m, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":3}}");
    CHECK_EQ_INT(m.kind, RPC_NOTIFICATION);
    CHECK(json_is_object(m.params));
    json_decref(j);
}

TEST(rpc_classify_response)
{
    struct rpc_msg m;
    json_t *j = classify(&m, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");

    CHECK_EQ_INT(m.kind, RPC_RESPONSE);
    json_decref(j);
    j = classify(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"error\":{\"code\":-1,\"message\":\"m\"}}");
    CHECK_EQ_INT(m.kind, RPC_RESPONSE);
    json_decref(j);
}

TEST(rpc_classify_non_objects_invalid)
{
    static const char *const cases[] = {"5", "[]", "[1,2]", "\"x\"", "null", "true", "1.5"};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rpc_msg m;
        json_t *j = classify(&m, cases[i]);
        int ok = m.kind == RPC_INVALID && m.id == NULL && m.why != NULL && m.why[0] != '\0' && m.method == NULL;

        json_decref(j);
        if (!ok)
            test_fail(__FILE__, __LINE__, "case %s", cases[i]);
        CHECK(ok);
    }
}

TEST(rpc_classify_bad_jsonrpc_invalid_keeps_usable_id)
{
    static const char *const cases[] = {
        "{\"id\":1,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
        "{\"jsonrpc\":2.0,\"id\":1,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0 \",\"id\":1,\"method\":\"ping\"}",
        "{\"jsonrpc\":null,\"id\":1,\"method\":\"ping\"}",
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rpc_msg m;
        json_t *j = classify(&m, cases[i]);
        int ok = m.kind == RPC_INVALID && json_is_integer(m.id) && json_integer_value(m.id) == 1 && m.why != NULL &&
                 strstr(m.why, "jsonrpc") != NULL;

        json_decref(j);
        if (!ok)
            test_fail(__FILE__, __LINE__, "case %s", cases[i]);
        CHECK(ok);
    }
}

TEST(rpc_classify_missing_or_bad_method)
{
    struct rpc_msg m;
    json_t *j = classify(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"q\"}");

    CHECK_EQ_INT(m.kind, RPC_INVALID);
    CHECK(json_is_string(m.id)); /* the id is usable, so the error can name it */
    CHECK_CONTAINS(m.why, "method");
    json_decref(j);

    j = classify(&m, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":5}");
    CHECK_EQ_INT(m.kind, RPC_INVALID);
    CHECK_EQ_INT(json_integer_value(m.id), 4);
    CHECK_CONTAINS(m.why, "method");
    json_decref(j);

    j = classify(&m, "{\"jsonrpc\":\"2.0\",\"method\":null}");
    CHECK_EQ_INT(m.kind, RPC_INVALID);
    CHECK(m.id == NULL);
    json_decref(j);
}

TEST(rpc_classify_unusable_ids_invalid_without_id)
{
    static const char *const ids[] = {"null", "true", "false", "{}", "{\"a\":1}", "[]", "[1]", "1.5", "1e3", "-0.0"};

    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char text[128];
        struct rpc_msg m;
        json_t *j;

        snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
        j = classify(&m, text);
        int ok = j != NULL && m.kind == RPC_INVALID && m.id == NULL && m.why != NULL && strstr(m.why, "id") != NULL;
        json_decref(j);
        if (!ok)
            test_fail(__FILE__, __LINE__, "id %s", ids[i]);
        CHECK(ok);
    }
}

TEST(rpc_error_new_shapes)
{
    json_t *id = json_integer(12), *sid = json_string("r-1");
    json_t *e = rpc_error_new(id, RPC_INVALID_PARAMS, "bad params", NULL);

    CHECK(same_json(e, "{\"jsonrpc\":\"2.0\",\"id\":12,\"error\":{\"code\":-32602,\"message\":\"bad params\"}}"));
    CHECK(json_object_get(json_object_get(e, "error"), "data") == NULL);
    json_decref(e);

    e = rpc_error_new(sid, RPC_UNSUPPORTED_PROTOCOL_VERSION, "no",
                      json_pack("{s:[s], s:s}", "supported", "2026-07-28", "requested", "1999-01-01"));
    CHECK(same_json(e, "{\"jsonrpc\":\"2.0\",\"id\":\"r-1\",\"error\":{\"code\":-32022,\"message\":\"no\","
                       "\"data\":{\"supported\":[\"2026-07-28\"],\"requested\":\"1999-01-01\"}}}"));
    json_decref(e);

    e = rpc_error_new(NULL, RPC_PARSE_ERROR, "Parse error", NULL); /* no usable id: null */
    CHECK(same_json(e, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}"));
    json_decref(e);

    CHECK_EQ_INT(id->refcount, 1); /* ids are borrowed: the responses held their own references */
    CHECK_EQ_INT(sid->refcount, 1);
    json_decref(id);
    json_decref(sid);
}

TEST(rpc_error_codes_values)
{
    CHECK_EQ_INT(RPC_PARSE_ERROR, -32700);
    CHECK_EQ_INT(RPC_INVALID_REQUEST, -32600);
    CHECK_EQ_INT(RPC_METHOD_NOT_FOUND, -32601);
    CHECK_EQ_INT(RPC_INVALID_PARAMS, -32602);
    CHECK_EQ_INT(RPC_INTERNAL_ERROR, -32603);
    CHECK_EQ_INT(RPC_MISSING_CLIENT_CAPABILITY, -32021);
    CHECK_EQ_INT(RPC_UNSUPPORTED_PROTOCOL_VERSION, -32022);
}

TEST(rpc_result_new_shapes)
{
    json_t *id = json_string("x");
    json_t *r = rpc_result_new(id, json_pack("{s:i}", "n", 1));

    CHECK(same_json(r, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":{\"n\":1}}"));
    CHECK_EQ_INT(json_object_size(r), 3);
    json_decref(r);
    r = rpc_result_new(NULL, json_object());
    CHECK(same_json(r, "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}"));
    json_decref(r);
    CHECK(rpc_result_new(id, NULL) == NULL); /* a failed result constructor propagates */
    CHECK_EQ_INT(id->refcount, 1);
    json_decref(id);
}

TEST(rpc_dump_line_single_trailing_newline)
{
    json_t *msg = json_pack("{s:s, s:i, s:{s:s, s:[s]}}", "jsonrpc", "2.0", "id", 3, "result", "text",
                            "line one\nline two\r\n", "more", "\n\n\u2028");
    size_t len = 0;
    char *buf = rpc_dump_line(msg, &len);

    CHECK(buf != NULL);
    CHECK(len > 2);
    CHECK_EQ_INT(buf[len - 1], '\n');
    CHECK(memchr(buf, '\n', len - 1) == NULL); /* no raw newline inside */
    CHECK(memchr(buf, '\r', len) == NULL);
    json_t *back = json_loadb(buf, len - 1, 0, NULL);
    CHECK(back != NULL);
    CHECK(json_equal(back, msg));
    json_decref(back);
    free(buf);
    json_decref(msg);
}

TEST(rpc_dump_line_compact)
{
    json_t *msg = json_pack("{s:s, s:i, s:{s:[i, i], s:{}}}", "jsonrpc", "2.0", "id", 1, "result", "a", 1, 2, "b");
    size_t len = 0;
    char *buf = rpc_dump_line(msg, &len);

    CHECK(buf != NULL);
    CHECK_EQ_INT(len, strlen("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":[1,2],\"b\":{}}}\n"));
    CHECK(memchr(buf, ' ', len) == NULL); /* no indentation, no ", " or ": " separators */
    free(buf);
    json_decref(msg);
}

TEST(rpc_dump_line_error_response_round_trip)
{
    json_t *id = json_integer(9007199254740993LL);
    json_t *e = rpc_error_new(id, RPC_METHOD_NOT_FOUND, "Method not found: a\nb", NULL);
    size_t len = 0;
    char *buf = rpc_dump_line(e, &len);

    CHECK(buf != NULL);
    CHECK_EQ_INT(buf[len - 1], '\n');
    CHECK(memchr(buf, '\n', len - 1) == NULL);
    CHECK(len > 20 && memmem(buf, len, "\"id\":9007199254740993", 21) != NULL); /* integer kept exact */
    free(buf);
    json_decref(e);
    json_decref(id);
}

/* Error messages quote client input cut at byte counts; the envelope keeps them valid UTF-8
 * (an invalid message would make the response impossible to build, leaving the request
 * unanswered). */
TEST(rpc_error_new_message_always_valid_utf8)
{
    json_t *e = rpc_error_new(NULL, RPC_INVALID_REQUEST, "bad \xff byte", NULL);

    CHECK(e != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(e, "error"), "message")), "bad ? byte");
    json_decref(e);
    e = rpc_error_new(NULL, RPC_METHOD_NOT_FOUND, "Method not found: \xe2\x82\xac\xe2\x82", NULL);
    CHECK(e != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(e, "error"), "message")),
              "Method not found: \xe2\x82\xac");
    json_decref(e);
}

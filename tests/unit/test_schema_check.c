/* test_schema_check.c: the JSON Schema subset validator (schema_validate) and the portability
 * gate for our own schemas (schema_check_portable). Messages are compared exactly: they are
 * what a model reads to fix its arguments.
 *
 * Test schemas are kept alive for the whole run (g_keep) so that their pointers stay unique;
 * the validator's pattern cache must not depend on that (see the stale-cache test below). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "schema_check.h"
#include "test.h"

static json_t *g_keep[256];
static int g_n_keep;

/* Parse a schema and keep it referenced until exit (reachable, so not a leak). */
static json_t *keep(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL) {
        fprintf(stdout, "    bad schema text in test: %s\n", jerr.text);
        return NULL;
    }
    if (g_n_keep < (int)(sizeof g_keep / sizeof g_keep[0]))
        g_keep[g_n_keep++] = j;
    return j;
}

/* A compiled-in schema, parsed once. */
static json_t *asset_schema(const char *path)
{
    static struct {
        const char *path;
        json_t *j;
    } cache[16];
    const struct asset *a;

    for (int i = 0; i < 16 && cache[i].path != NULL; i++)
        if (strcmp(cache[i].path, path) == 0)
            return cache[i].j;
    a = asset_find(path);
    if (a == NULL)
        return NULL;
    for (int i = 0; i < 16; i++) {
        if (cache[i].path == NULL) {
            cache[i].path = path;
            cache[i].j = json_loadb((const char *)a->bytes, a->len, JSON_REJECT_DUPLICATES, NULL);
            return cache[i].j;
        }
    }
    return NULL;
}

#define RSA_IN "schemas/request_session_approval.input.json"

static const char rsa_ok[] =
    "{\"walletAddress\":\"0x1111111111111111111111111111111111111111\",\"duration\":86400,"
    "\"permissions\":{\"chainId\":8453,\"contractAddress\":\"0x2626664c2603336E57B271c5C0b26F421741e481\","
    "\"allowedFunctions\":[\"exactInputSingle\",\"0x04e45aaf\"],\"maxPerTransaction\":\"50\",\"maxTotal\":\"1000\","
    "\"rateLimit\":{\"count\":1,\"period\":3600}},\"label\":\"ETH TWAP\"}";

/* Validate instance text against schema; returns the rc and copies the message to msg. */
static enum mcp_rc run(json_t *schema, const char *instance, char *msg, size_t msg_size)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *x = json_loads(instance, JSON_DECODE_ANY, NULL);
    enum mcp_rc rc;

    if (x == NULL) {
        snprintf(msg, msg_size, "(bad instance text in test)");
        return MCP_EINTERNAL;
    }
    rc = schema_validate(schema, x, &err);
    snprintf(msg, msg_size, "%s", rc == MCP_OK ? "" : err.msg);
    if (rc != MCP_OK && err.rc != rc)
        snprintf(msg, msg_size, "(err.rc %d differs from rc %d)", (int)err.rc, (int)rc);
    json_decref(x);
    return rc;
}

/* The valid RSA instance with one change applied: path "a.b" set to the JSON value, or
 * removed when value is NULL. */
static char *rsa_with(const char *path, const char *value)
{
    json_t *x = json_loads(rsa_ok, 0, NULL), *obj = x;
    char key[128];
    const char *p = path, *dot;
    char *out;

    while ((dot = strchr(p, '.')) != NULL) {
        snprintf(key, sizeof key, "%.*s", (int)(dot - p), p);
        obj = json_object_get(obj, key);
        p = dot + 1;
    }
    if (value == NULL)
        json_object_del(obj, p);
    else
        json_object_set_new(obj, p, json_loads(value, JSON_DECODE_ANY, NULL));
    out = json_dumps(x, JSON_COMPACT);
    json_decref(x);
    return out;
}

/* Expect the RSA instance with one change to fail with exactly `want`. */
static int rsa_expect(const char *path, const char *value, const char *want, char *got, size_t got_size)
{
    json_t *s = asset_schema(RSA_IN);
    char *inst = rsa_with(path, value);
    enum mcp_rc rc = run(s, inst, got, got_size);

    free(inst);
    return rc == MCP_EINVAL && strcmp(got, want) == 0;
}

#define CHECK_RSA(path, value, want)                                                               \
    do {                                                                                           \
        char got_[1024];                                                                           \
        const char *v_ = (value);                                                                  \
        if (!rsa_expect((path), v_, (want), got_, sizeof got_)) {                                  \
            test_fail(__FILE__, __LINE__, "%s = %s:\n    got      \"%s\"\n    expected \"%s\"",    \
                      (path), v_ ? v_ : "(removed)", got_, (want));                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* 1 if s is valid UTF-8 (jansson checks it when building a string). */
static int utf8_ok(const char *s)
{
    json_t *j = json_string(s);
    int ok = j != NULL;

    json_decref(j);
    return ok;
}

/* ---- schema_validate: our real input schema ---- */

TEST(schema_valid_instance_accepted)
{
    char msg[1024];

    CHECK(asset_schema(RSA_IN) != NULL);
    CHECK_EQ_INT(run(asset_schema(RSA_IN), rsa_ok, msg, sizeof msg), MCP_OK);
    CHECK_STR(msg, "");
}

/* anyOf of single-typed branches: account.index takes 0 and "0", and nothing else. */
TEST(schema_any_of_integer_or_string)
{
    json_t *sch = keep("{\"type\":\"object\",\"properties\":{\"i\":{\"anyOf\":[{\"type\":\"integer\",\"minimum\":0},"
                       "{\"type\":\"string\",\"pattern\":\"^(0|[1-9][0-9]*)$\"}]}}}");
    char msg[1024];

    CHECK_EQ_INT(run(sch, "{\"i\":0}", msg, sizeof msg), MCP_OK);
    CHECK_EQ_INT(run(sch, "{\"i\":\"0\"}", msg, sizeof msg), MCP_OK);
    CHECK_EQ_INT(run(sch, "{\"i\":-1}", msg, sizeof msg), MCP_EINVAL);
    CHECK_CONTAINS(msg, "i: ");
    CHECK_CONTAINS(msg, "-1");
    CHECK(strstr(msg, "expected an integer or a string") == NULL); /* the integer branch says why */
    CHECK_EQ_INT(run(sch, "{\"i\":\"01\"}", msg, sizeof msg), MCP_EINVAL);
    CHECK_EQ_INT(run(sch, "{\"i\":true}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "i: expected an integer or a string, got true");
}

TEST(schema_minimum_message)
{
    CHECK_RSA("permissions.rateLimit.count", "0", "permissions.rateLimit.count: must be at least 1, got 0");
    CHECK_RSA("duration", "59", "duration: must be at least 60, got 59");
    CHECK_RSA("permissions.chainId", "-5", "permissions.chainId: must be at least 1, got -5");
}

TEST(schema_maximum_message)
{
    CHECK_RSA("duration", "2592001", "duration: must be at most 2592000, got 2592001");
    CHECK_RSA("permissions.rateLimit.period", "31536001",
              "permissions.rateLimit.period: must be at most 31536000, got 31536001");
    CHECK_RSA("permissions.chainId", "9007199254740992",
              "permissions.chainId: must be at most 9007199254740991, got 9007199254740992");
}

TEST(schema_bounds_inclusive)
{
    char msg[1024], *inst;

    inst = rsa_with("duration", "60");
    CHECK_EQ_INT(run(asset_schema(RSA_IN), inst, msg, sizeof msg), MCP_OK);
    free(inst);
    inst = rsa_with("duration", "2592000");
    CHECK_EQ_INT(run(asset_schema(RSA_IN), inst, msg, sizeof msg), MCP_OK);
    free(inst);
    inst = rsa_with("permissions.chainId", "9007199254740991");
    CHECK_EQ_INT(run(asset_schema(RSA_IN), inst, msg, sizeof msg), MCP_OK);
    free(inst);
}

TEST(schema_required_missing_paths)
{
    CHECK_RSA("permissions.maxTotal", NULL, "permissions.maxTotal: is required but missing");
    CHECK_RSA("permissions.rateLimit.period", NULL, "permissions.rateLimit.period: is required but missing");
    CHECK_RSA("walletAddress", NULL, "walletAddress: is required but missing");
}

TEST(schema_unknown_field)
{
    CHECK_RSA("extra", "1", "extra: is not a known field");
    CHECK_RSA("permissions.rateLimit.burst", "\"x\"", "permissions.rateLimit.burst: is not a known field");
}

TEST(schema_type_mismatch_wording)
{
    CHECK_RSA("duration", "\"86400\"", "duration: expected an integer, got \"86400\" (a string)");
    CHECK_RSA("duration", "86400.5", "duration: expected an integer, got 86400.5 (a number)");
    CHECK_RSA("duration", "true", "duration: expected an integer, got true (a boolean)");
    CHECK_RSA("permissions", "[]", "permissions: expected an object, got an array");
    CHECK_RSA("permissions.allowedFunctions", "{}", "permissions.allowedFunctions: expected an array, got an object");
    CHECK_RSA("label", "5", "label: expected a string, got 5 (an integer)");
}

TEST(schema_type_mismatch_stops_at_the_field)
{
    char msg[1024];
    json_t *s = keep("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"number\",\"minimum\":1}}}");

    CHECK_EQ_INT(run(s, "{\"n\":\"x\"}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "n: expected a number, got \"x\" (a string)"); /* no minimum complaint as well */
    CHECK_EQ_INT(run(s, "{\"n\":2}", msg, sizeof msg), MCP_OK);     /* integers are numbers */
    CHECK_EQ_INT(run(s, "{\"n\":1.5}", msg, sizeof msg), MCP_OK);
    CHECK_EQ_INT(run(s, "{\"n\":0.5}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "n: must be at least 1, got 0.5");
    CHECK_EQ_INT(run(s, "[1]", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "arguments: expected an object, got an array"); /* the root is "arguments" */
}

TEST(schema_pattern_hint_words)
{
    CHECK_RSA("walletAddress", "\"0x12\"",
              "walletAddress: expected an Ethereum address (0x followed by 40 hex digits), got \"0x12\"");
    CHECK_RSA("permissions.contractAddress", "\"2626664c2603336E57B271c5C0b26F421741e481\"",
              "permissions.contractAddress: expected an Ethereum address (0x followed by 40 hex digits), got "
              "\"2626664c2603336E57B271c5C0b26F421741e481\"");
    CHECK_RSA("permissions.maxTotal", "\"1e3\"",
              "permissions.maxTotal: expected a decimal amount in token units written as a string, like \"50\" or "
              "\"41.67\", got \"1e3\"");
    CHECK_RSA("permissions.maxPerTransaction", "\"-1\"",
              "permissions.maxPerTransaction: expected a decimal amount in token units written as a string, like "
              "\"50\" or \"41.67\", got \"-1\"");
}

TEST(schema_pattern_anchors_and_classes)
{
    static const char *const good[] = {"\"0\"", "\"50\"", "\"41.67\"", "\"0.000001\"", "\"1000000\""};
    static const char *const bad[] = {"\"01\"", "\"1.\"", "\".5\"", "\"1,5\"", "\"50 \"", "\" 50\"", "\"50\\n\"", "\"\""};
    char msg[1024];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char *inst = rsa_with("permissions.maxTotal", good[i]);
        enum mcp_rc rc = run(asset_schema(RSA_IN), inst, msg, sizeof msg);
        free(inst);
        if (rc != MCP_OK)
            test_fail(__FILE__, __LINE__, "%s refused: %s", good[i], msg);
        CHECK_EQ_INT(rc, MCP_OK);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *inst = rsa_with("permissions.maxTotal", bad[i]);
        enum mcp_rc rc = run(asset_schema(RSA_IN), inst, msg, sizeof msg);
        free(inst);
        if (rc != MCP_EINVAL)
            test_fail(__FILE__, __LINE__, "%s accepted", bad[i]);
        CHECK_EQ_INT(rc, MCP_EINVAL);
    }
    CHECK_RSA("walletAddress", "\"0x1111111111111111111111111111111111111111 \"",
              "walletAddress: expected an Ethereum address (0x followed by 40 hex digits), got "
              "\"0x1111111111111111111111111111111111111111 \"");
}

TEST(schema_pattern_without_hint)
{
    char msg[1024];
    json_t *d = keep("{\"type\":\"string\",\"pattern\":\"^[a-z]+$\",\"description\":\"lower-case letters\"}");
    json_t *n = keep("{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"}");

    CHECK_EQ_INT(run(d, "\"AB\"", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "arguments: expected lower-case letters, got \"AB\"");
    CHECK_EQ_INT(run(n, "\"AB\"", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "arguments: must match ^[a-z]+$, got \"AB\"");
    CHECK_EQ_INT(run(n, "\"ab\"", msg, sizeof msg), MCP_OK);
}

TEST(schema_given_value_cut_in_message)
{
    char want[256], inst[128];

    snprintf(inst, sizeof inst, "\"%060d\"", 0);
    /* the JSON of the value is cut to 45 characters plus "..." */
    snprintf(want, sizeof want,
             "walletAddress: expected an Ethereum address (0x followed by 40 hex digits), got \"%044d...", 0);
    CHECK_RSA("walletAddress", inst, want);
}

TEST(schema_enum_lists_values)
{
    char msg[1024];
    json_t *cs = asset_schema("schemas/confirm_session.input.json");
    json_t *num = keep("{\"enum\":[1, 2.5, \"x\", null, true]}");

    CHECK(cs != NULL);
    CHECK_EQ_INT(run(cs, "{\"sessionId\":\"s\",\"decision\":\"maybe\"}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "decision: expected one of \"approve\", \"reject\", got \"maybe\"");
    CHECK_EQ_INT(run(cs, "{\"sessionId\":\"s\",\"decision\":\"reject\"}", msg, sizeof msg), MCP_OK);
    CHECK_EQ_INT(run(num, "3", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "arguments: expected one of 1, 2.5, \"x\", null, true, got 3");
    CHECK_EQ_INT(run(num, "null", msg, sizeof msg), MCP_OK);
    CHECK_EQ_INT(run(num, "2.5", msg, sizeof msg), MCP_OK);
}

TEST(schema_array_item_paths)
{
    CHECK_RSA("permissions.allowedFunctions", "[\"a\",\"b\",\"\"]", "permissions.allowedFunctions[2]: must not be empty");
    CHECK_RSA("permissions.allowedFunctions", "[\"a\",5]",
              "permissions.allowedFunctions[1]: expected a string, got 5 (an integer)");
}

TEST(schema_nested_array_object_paths)
{
    char msg[1024];
    json_t *s = keep("{\"type\":\"object\",\"properties\":{\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
                     "\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"],"
                     "\"additionalProperties\":false}}}}");

    CHECK_EQ_INT(run(s, "{\"rows\":[{\"id\":\"a\"},{\"x\":1}]}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "rows[1].id: is required but missing; rows[1].x: is not a known field");
    CHECK_EQ_INT(run(s, "{\"rows\":[]}", msg, sizeof msg), MCP_OK);
}

TEST(schema_min_max_unique_items)
{
    char many[33 * 8 + 8];
    size_t n = 0;

    CHECK_RSA("permissions.allowedFunctions", "[]", "permissions.allowedFunctions: needs at least 1 item, got 0");
    many[n++] = '[';
    for (int i = 0; i < 33; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "%s\"f%d\"", i ? "," : "", i);
    many[n++] = ']';
    many[n] = '\0';
    CHECK_RSA("permissions.allowedFunctions", many, "permissions.allowedFunctions: allows at most 32 items, got 33");
    CHECK_RSA("permissions.allowedFunctions", "[\"a\",\"b\",\"a\"]", "permissions.allowedFunctions: item 2 repeats item 0");
}

TEST(schema_min_items_plural)
{
    char msg[1024];
    json_t *s = keep("{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":2,\"maxItems\":3,"
                     "\"uniqueItems\":true}");

    CHECK_EQ_INT(run(s, "[1]", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "arguments: needs at least 2 items, got 1");
    CHECK_EQ_INT(run(s, "[1,2,3]", msg, sizeof msg), MCP_OK);
    CHECK_EQ_INT(run(s, "[{},1]", msg, sizeof msg), MCP_EINVAL);
    CHECK_CONTAINS(msg, "[0]: expected an integer, got an object");
    CHECK_EQ_INT(run(s, "[1,1.0]", msg, sizeof msg), MCP_EINVAL); /* 1.0 is no integer for the items schema */
}

TEST(schema_string_length_in_code_points)
{
    char inst[512];
    size_t n = 0;

    /* "label" allows 1..80 characters; "€" is three bytes and one character. */
    inst[n++] = '"';
    for (int i = 0; i < 80; i++) {
        memcpy(inst + n, "\xe2\x82\xac", 3);
        n += 3;
    }
    inst[n++] = '"';
    inst[n] = '\0';
    char *ok = rsa_with("label", inst), msg[1024];
    enum mcp_rc rc = run(asset_schema(RSA_IN), ok, msg, sizeof msg);
    free(ok);
    CHECK_EQ_INT(rc, MCP_OK); /* 240 bytes, 80 characters */
    memcpy(inst + n - 1, "\xf0\x9f\x98\x80\"", 6); /* one 4-byte emoji more: 81 characters */
    CHECK_RSA("label", inst, "label: must be at most 80 characters, got 81");
    CHECK_RSA("label", "\"\"", "label: must not be empty");
}

TEST(schema_min_length_message)
{
    char msg[1024];
    json_t *s = keep("{\"type\":\"string\",\"minLength\":3,\"maxLength\":4}");

    CHECK_EQ_INT(run(s, "\"ab\"", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "arguments: must be at least 3 characters, got 2");
    CHECK_EQ_INT(run(s, "\"\xc3\xa9\xc3\xa9\xc3\xa9\"", msg, sizeof msg), MCP_OK); /* 3 characters, 6 bytes */
    CHECK_EQ_INT(run(s, "\"abcde\"", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "arguments: must be at most 4 characters, got 5");
}

TEST(schema_additional_properties_schema)
{
    char msg[1024];
    json_t *s = keep("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
                     "\"additionalProperties\":{\"type\":\"integer\"}}");
    json_t *open = keep("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}");

    CHECK_EQ_INT(run(s, "{\"a\":\"x\",\"b\":2}", msg, sizeof msg), MCP_OK);
    CHECK_EQ_INT(run(s, "{\"b\":\"y\"}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "b: expected an integer, got \"y\" (a string)");
    CHECK_EQ_INT(run(open, "{\"b\":[1]}", msg, sizeof msg), MCP_OK); /* absent means allowed */
}

TEST(schema_five_problems_then_count)
{
    char msg[1024];
    json_t *s = keep("{\"type\":\"object\",\"additionalProperties\":false}");

    CHECK_EQ_INT(run(s, "{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "a: is not a known field; b: is not a known field; c: is not a known field; "
                   "d: is not a known field; e: is not a known field");
    CHECK_EQ_INT(run(s, "{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "a: is not a known field; b: is not a known field; c: is not a known field; "
                   "d: is not a known field; e: is not a known field; and 1 more problem");
    CHECK_EQ_INT(run(s, "{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1}", msg, sizeof msg),
                 MCP_EINVAL);
    CHECK_CONTAINS(msg, "e: is not a known field; and 3 more problems");
}

TEST(schema_err_may_be_null)
{
    json_t *s = keep("{\"type\":\"integer\"}"), *x = json_string("1");

    CHECK_EQ_INT(schema_validate(s, x, NULL), MCP_EINVAL);
    json_decref(x);
}

TEST(schema_deep_nesting_bounded)
{
    char text[4000], inst[4000];
    size_t n = 0, m = 0;

    /* 40 nested objects in schema and instance: deeper than the validator's limit. */
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "{\"type\":\"object\",\"properties\":{\"a\":");
    n += (size_t)snprintf(text + n, sizeof text - n, "{\"type\":\"integer\"}");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "}}");
    for (int i = 0; i < 40; i++)
        m += (size_t)snprintf(inst + m, sizeof inst - m, "{\"a\":");
    m += (size_t)snprintf(inst + m, sizeof inst - m, "\"x\"");
    for (int i = 0; i < 40; i++)
        m += (size_t)snprintf(inst + m, sizeof inst - m, "}");
    json_t *s = keep(text);
    char msg[1024];
    CHECK(s != NULL);
    CHECK_EQ_INT(run(s, inst, msg, sizeof msg), MCP_EINVAL); /* refused, not accepted unchecked */
    CHECK_CONTAINS(msg, "is nested too deeply");
}

/* Regression: the "given value" in a message is cut at a byte count (45 bytes of its JSON),
 * which can split a multi-byte character. An invalid UTF-8 message cannot be put in a JSON
 * string, so the isError result (or error response) could not be built at all. */
TEST(schema_message_cut_keeps_utf8_valid)
{
    char inst[256], msg[1024];
    size_t n = 0;

    inst[n++] = '"';
    for (int i = 0; i < 30; i++) { /* 30 x "€": the JSON is 1 + 90 + 1 bytes */
        memcpy(inst + n, "\xe2\x82\xac", 3);
        n += 3;
    }
    inst[n++] = '"';
    inst[n] = '\0';
    char *x = rsa_with("walletAddress", inst);
    enum mcp_rc rc = run(asset_schema(RSA_IN), x, msg, sizeof msg);
    free(x);
    CHECK_EQ_INT(rc, MCP_EINVAL);
    CHECK_CONTAINS(msg, "walletAddress: expected an Ethereum address");
    CHECK(utf8_ok(msg));
}

/* Regression (same family): the whole message is cut at a byte count (MCP_ERR_MSG_MAX) in
 * problem()/mcp_errf, which can split a multi-byte character taken from a description. */
TEST(schema_long_message_truncation_keeps_utf8_valid)
{
    char schema[4096], msg[1024];
    size_t n = 0;

    n += (size_t)snprintf(schema + n, sizeof schema - n, "{\"type\":\"object\",\"properties\":{");
    for (int f = 0; f < 5; f++) {
        n += (size_t)snprintf(schema + n, sizeof schema - n, "%s\"f%d\":{\"type\":\"string\",\"pattern\":\"^z$\","
                              "\"description\":\"x", f ? "," : "", f);
        for (int i = 0; i < 41; i++) /* "x" and 123 bytes of 3-byte characters */
            n += (size_t)snprintf(schema + n, sizeof schema - n, "\xe2\x82\xac");
        n += (size_t)snprintf(schema + n, sizeof schema - n, "\"}");
    }
    snprintf(schema + n, sizeof schema - n, "}}");
    json_t *s = keep(schema);
    CHECK(s != NULL);
    CHECK_EQ_INT(run(s, "{\"f0\":\"a\",\"f1\":\"a\",\"f2\":\"a\",\"f3\":\"a\",\"f4\":\"a\"}", msg, sizeof msg),
                 MCP_EINVAL);
    CHECK(strlen(msg) > 400); /* long enough to hit the limit */
    CHECK(utf8_ok(msg));
}

/* Regression: minimum/maximum were compared as doubles, so integers beyond 2^53 were rounded
 * first and 9007199254740993 passed "maximum": 9007199254740992. Integer instance against
 * integer bound must compare as integers. */
TEST(schema_integer_bounds_exact_beyond_2_53)
{
    char msg[1024];
    json_t *s = keep("{\"type\":\"integer\",\"minimum\":-9007199254740992,\"maximum\":9007199254740992}");

    CHECK_EQ_INT(run(s, "9007199254740992", msg, sizeof msg), MCP_OK);
    CHECK_EQ_INT(run(s, "9007199254740993", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "arguments: must be at most 9007199254740992, got 9007199254740993");
    CHECK_EQ_INT(run(s, "-9007199254740993", msg, sizeof msg), MCP_EINVAL);
}

/* Regression: the compiled-pattern cache keyed entries by the schema's string POINTER without
 * owning the text. Once a schema was freed, a new pattern allocated at the same address got the
 * OLD compiled regex (and the strcmp on the freed text was a use-after-free under ASan). Each
 * round frees its schema; the next round's pattern has the same length (same allocation size)
 * and different content. */
TEST(schema_pattern_cache_survives_freed_schemas)
{
    char pat[200], val[64], msg[1024];

    for (int i = 0; i < 6; i++) {
        /* Same length every round (same allocation size), different content. */
        snprintf(pat, sizeof pat, "^(%c{1,3})(zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
                 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz)?$", 'a' + i);
        json_t *s = json_pack("{s:s, s:s}", "type", "string", "pattern", pat);
        snprintf(val, sizeof val, "\"%c%c\"", 'a' + i, 'a' + i);
        enum mcp_rc rc = run(s, val, msg, sizeof msg);
        json_decref(s);
        if (rc != MCP_OK)
            test_fail(__FILE__, __LINE__, "round %d: %s refused by %s: %s", i, val, pat, msg);
        CHECK_EQ_INT(rc, MCP_OK);
    }
}

/* ---- schema_check_portable ---- */

static enum mcp_rc portable_text(const char *text, char *msg, size_t size)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *s = keep(text);
    enum mcp_rc rc;

    if (s == NULL) {
        snprintf(msg, size, "(bad schema text in test)");
        return MCP_EINTERNAL;
    }
    rc = schema_check_portable(s, "t.json", &err);
    snprintf(msg, size, "%s", rc == MCP_OK ? "" : err.msg);
    return rc;
}

#define CHECK_NOT_PORTABLE(text, want)                                                             \
    do {                                                                                           \
        char m_[1024];                                                                             \
        enum mcp_rc rc_ = portable_text((text), m_, sizeof m_);                                    \
        if (rc_ != MCP_EINVAL || strcmp(m_, (want)) != 0) {                                        \
            test_fail(__FILE__, __LINE__, "%s: rc %d\n    got      \"%s\"\n    expected \"%s\"",    \
                      (text), (int)rc_, m_, (want));                                               \
            return;                                                                                \
        }                                                                                          \
    } while (0)

TEST(schema_portable_accepts_every_shipped_schema)
{
    int n = 0;

    for (const struct asset *a = skm_assets; a->path != NULL; a++) {
        struct mcp_error err = {MCP_OK, ""};
        size_t len = strlen(a->path);

        if (strncmp(a->path, "schemas/", 8) != 0 || len < 5 || strcmp(a->path + len - 5, ".json") != 0)
            continue;
        json_t *s = asset_schema(a->path);
        if (s == NULL)
            test_fail(__FILE__, __LINE__, "%s does not parse", a->path);
        CHECK(s != NULL);
        enum mcp_rc rc = schema_check_portable(s, a->path, &err);
        if (rc != MCP_OK)
            test_fail(__FILE__, __LINE__, "%s", err.msg);
        CHECK_EQ_INT(rc, MCP_OK);
        CHECK(json_is_object(s));
        CHECK_STR(json_string_value(json_object_get(s, "type")), "object");
        n++;
    }
    CHECK(n >= 8); /* four tools, input and output each */
}

TEST(schema_portable_refuses_unknown_keywords)
{
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"$ref\":\"#/$defs/x\"}", "t.json: (root): keyword \"$ref\" is not supported");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"$schema\":\"https://json-schema.org/draft/2020-12/schema\"}",
                       "t.json: (root): keyword \"$schema\" is not supported");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"anyOf\":[]}}}",
                       "t.json: (root).a: anyOf needs two or more branches and no \"type\" beside it");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"a\":{\"anyOf\":[{\"type\":\"string\"},"
                       "{\"type\":[\"integer\"]}]}}}", "t.json: (root).a|1: needs a single \"type\"");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"const\":\"x\"}}}",
                       "t.json: (root).a: keyword \"const\" is not supported");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"format\":\"email\"}}}",
                       "t.json: (root).a: keyword \"format\" is not supported");
    CHECK_NOT_PORTABLE("{\"type\":\"array\",\"items\":{\"type\":\"string\",\"oneOf\":[]}}",
                       "t.json: (root)[]: keyword \"oneOf\" is not supported");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\",\"not\":{}}}",
                       "t.json: (root): keyword \"not\" is not supported");
}

TEST(schema_portable_refuses_type_problems)
{
    CHECK_NOT_PORTABLE("{\"type\":[\"string\",\"null\"]}", "t.json: (root): needs a single \"type\"");
    CHECK_NOT_PORTABLE("{\"properties\":{}}", "t.json: (root): needs a single \"type\"");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"null\"}}}",
                       "t.json: (root).a: needs a single \"type\"");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"a\":{\"description\":\"no type\"}}}",
                       "t.json: (root).a: needs a single \"type\"");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"a\":true}}", "t.json: (root).a: a schema must be an object");
}

TEST(schema_portable_refuses_arrays_without_items)
{
    CHECK_NOT_PORTABLE("{\"type\":\"array\"}", "t.json: (root): an array needs \"items\"");
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"items\":{\"type\":\"array\"}}}}",
                       "t.json: (root).l[]: an array needs \"items\"");
}

TEST(schema_portable_refuses_bad_patterns)
{
    CHECK_NOT_PORTABLE("{\"type\":\"string\",\"pattern\":\"(\"}", "t.json: (root): pattern does not compile");
    CHECK_NOT_PORTABLE("{\"type\":\"string\",\"pattern\":\"[a-\"}", "t.json: (root): pattern does not compile");
    CHECK_NOT_PORTABLE("{\"type\":\"string\",\"pattern\":5}", "t.json: (root): pattern does not compile");
}

TEST(schema_portable_accepts_the_subset)
{
    char msg[1024];

    CHECK_EQ_INT(portable_text("{\"type\":\"object\",\"title\":\"T\",\"description\":\"d\",\"properties\":{"
                               "\"s\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":2,\"pattern\":\"^a\","
                               "\"enum\":[\"a\"],\"default\":\"a\",\"examples\":[\"a\"]},"
                               "\"n\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1.5},"
                               "\"b\":{\"type\":\"boolean\"},"
                               "\"l\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":0,"
                               "\"maxItems\":3,\"uniqueItems\":true}},"
                               "\"required\":[\"s\"],\"additionalProperties\":false}",
                               msg, sizeof msg),
                 MCP_OK);
    CHECK_STR(msg, "");
}

/* Regression: portable() returned right after checking "items", so an "additionalProperties"
 * schema next to "items" was never checked: "format" below passed the gate and schema_validate
 * then ignored it silently, which the header promises cannot happen. */
TEST(schema_portable_checks_additional_properties_next_to_items)
{
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"items\":{\"type\":\"string\"},"
                       "\"additionalProperties\":{\"type\":\"string\",\"format\":\"email\"}}",
                       "t.json: (root): keyword \"format\" is not supported");
}

/* Regression: keyword VALUES were not checked. schema_validate only applies minLength/
 * maxLength/minItems/maxItems when they are integers, minimum/maximum when numbers, uniqueItems
 * when true, enum when an array, required when an array of strings, properties when an object;
 * anything else would be ignored silently ({"maxLength":"80"} constrains nothing). The
 * portability gate refuses such values. */
TEST(schema_portable_refuses_mistyped_keyword_values)
{
    static const char *const cases[] = {
        "{\"type\":\"string\",\"maxLength\":\"80\"}",
        "{\"type\":\"string\",\"minLength\":1.5}",
        "{\"type\":\"integer\",\"maximum\":\"10\"}",
        "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":\"3\"}",
        "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":\"true\"}",
        "{\"type\":\"string\",\"enum\":\"a\"}",
        "{\"type\":\"object\",\"required\":\"a\"}",
        "{\"type\":\"object\",\"required\":[5]}",
        "{\"type\":\"object\",\"properties\":[]}",
        "{\"type\":\"object\",\"additionalProperties\":\"no\"}",
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[1024];
        enum mcp_rc rc = portable_text(cases[i], msg, sizeof msg);
        if (rc != MCP_EINVAL)
            test_fail(__FILE__, __LINE__, "accepted: %s", cases[i]);
        CHECK_EQ_INT(rc, MCP_EINVAL);
    }
    CHECK_NOT_PORTABLE("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"maxLength\":-1}}}",
                       "t.json: (root).a: keyword \"maxLength\" has a value of the wrong type");
    CHECK_NOT_PORTABLE("{\"type\":\"string\",\"enum\":[]}", "t.json: (root): keyword \"enum\" has a value of the wrong type");
}

/* More distinct patterns than the compiled-pattern cache holds: every one is still enforced
 * (a pattern that cannot be cached must not be skipped). */
TEST(schema_pattern_cache_overflow_still_checks)
{
    char msg[1024];

    for (int i = 0; i < 100; i++) {
        char text[128], good[32], bad[32];
        snprintf(text, sizeof text, "{\"type\":\"string\",\"pattern\":\"^overflow-%d$\"}", i);
        json_t *s = keep(text);
        snprintf(good, sizeof good, "\"overflow-%d\"", i);
        snprintf(bad, sizeof bad, "\"overflow-%d\"", i + 1);
        CHECK(s != NULL);
        enum mcp_rc rg = run(s, good, msg, sizeof msg), rb = run(s, bad, msg, sizeof msg);
        if (rg != MCP_OK || rb != MCP_EINVAL)
            test_fail(__FILE__, __LINE__, "pattern %d: good %d bad %d", i, (int)rg, (int)rb);
        CHECK_EQ_INT(rg, MCP_OK);
        CHECK_EQ_INT(rb, MCP_EINVAL);
    }
}

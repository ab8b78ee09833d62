/* test_mcp_server.c: the protocol layer driven line by line through mcp_handle_line, with the
 * responses parsed back and checked field by field: lifecycle and eras, version negotiation,
 * error codes, batches, id echo, tools/list per protocol generation, tools/call argument
 * errors, prompts, and logging notifications through the emit callback.
 *
 * Tool handlers are never run with valid arguments here (they grow storage and chain access);
 * only the paths that stop before the handler are exercised. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "mcp_server.h"
#include "rpc_msg.h"
#include "test.h"
#include "tool.h"

/* What err_words adds after a schema refusal of tool's arguments. */
#define SCHEMA_TAIL(tool) ". Nothing was changed. Correct the value named above and call " tool " again. If this " \
                          "keeps failing, the user can always make each trade themselves by signing it in their own wallet."

#define MODERN_META                                                                                \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"
#define SERVER_INFO_KEY "io.modelcontextprotocol/serverInfo"
#define ERROR_META_KEY "io.sessionkey-mcp/error"

static struct skm_config g_cfg;
static json_t *g_emitted; /* notifications sent through the emit callback */

static int emit_cb(void *ud, json_t *msg)
{
    (void)ud;
    if (g_emitted == NULL)
        g_emitted = json_array();
    json_array_append(g_emitted, msg);
    return 0;
}

static void emitted_reset(void)
{
    json_decref(g_emitted);
    g_emitted = json_array();
}

/* The tools a chat server (no --executor) lists: all but the executor tools. */
static size_t chat_tool_count(void)
{
    size_t n = 0;

    for (size_t i = 0; i < tool_count; i++)
        n += !(tool_table[i].flags & TOOL_EXECUTOR);
    return n;
}

static void srv_new(struct mcp_server *s)
{
    g_cfg.max_line = 4u << 20;
    g_cfg.executor = 0;
    mcp_server_init(s, &g_cfg, emit_cb, NULL);
}

/* Handle one line; also proves the response serializes to one line (as the writer does). */
static json_t *send_line(struct mcp_server *s, const char *line)
{
    json_t *r = mcp_handle_line(s, line, strlen(line));

    if (r != NULL) {
        size_t len = 0;
        char *buf = rpc_dump_line(r, &len);
        if (buf == NULL || len < 2 || buf[len - 1] != '\n' || memchr(buf, '\n', len - 1) != NULL)
            test_fail(__FILE__, __LINE__, "response to %.80s does not serialize to one line", line);
        free(buf);
    }
    return r;
}

/* Follow a path like "result.tools[0].name" (keys without dots; [n] for array items). */
static json_t *at(json_t *j, const char *path)
{
    const char *p = path;

    while (j != NULL && *p) {
        if (*p == '.') {
            p++;
            continue;
        }
        if (*p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            j = json_array_get(j, (size_t)i);
            p = *end == ']' ? end + 1 : end;
            continue;
        }
        size_t n = strcspn(p, ".[");
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        j = json_object_get(j, key);
        p += n;
    }
    return j;
}

static const char *str_at(json_t *j, const char *path)
{
    return json_string_value(at(j, path));
}

static long long int_at(json_t *j, const char *path)
{
    json_t *v = at(j, path);

    return json_is_integer(v) ? (long long)json_integer_value(v) : -999999;
}

/* error.code of a response, 0 when it is a result. */
static long long err_code(json_t *r)
{
    return json_object_get(r, "error") != NULL ? int_at(r, "error.code") : 0;
}

/* 1 if j has exactly the listed keys (NULL-terminated). */
static int has_exactly_keys(json_t *j, const char *const *keys)
{
    size_t n = 0;

    for (; keys[n] != NULL; n++)
        if (json_object_get(j, keys[n]) == NULL)
            return 0;
    return json_is_object(j) && json_object_size(j) == n;
}

static char *init_text(const char *version, int id)
{
    static char buf[400];

    snprintf(buf, sizeof buf,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"%s\","
             "\"capabilities\":{},\"clientInfo\":{\"name\":\"unit\",\"version\":\"1\"}}}",
             id, version);
    return buf;
}

/* initialize + notifications/initialized. Returns 1 when the initialize result came back. */
static int legacy_init(struct mcp_server *s, const char *version)
{
    json_t *r = send_line(s, init_text(version, 1));
    int ok = r != NULL && json_is_object(at(r, "result")) && str_at(r, "result.protocolVersion") != NULL;
    json_t *n = send_line(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

    ok = ok && n == NULL;
    json_decref(r);
    json_decref(n);
    return ok;
}

static json_t *request(struct mcp_server *s, const char *method, const char *params_json)
{
    char buf[4096];

    if (params_json != NULL)
        snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"%s\",\"params\":%s}", method, params_json);
    else
        snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"%s\"}", method);
    return send_line(s, buf);
}

/* ---- lifecycle (legacy) ---- */

TEST(mcp_legacy_handshake)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = send_line(&s, init_text("2025-11-25", 1));
    CHECK(r != NULL);
    CHECK_STR(str_at(r, "jsonrpc"), "2.0");
    CHECK_EQ_INT(int_at(r, "id"), 1);
    CHECK(json_object_get(r, "error") == NULL);
    CHECK_STR(str_at(r, "result.protocolVersion"), "2025-11-25");
    CHECK(json_is_object(at(r, "result.capabilities.tools")));
    CHECK(json_is_object(at(r, "result.capabilities.prompts")));
    CHECK(json_is_object(at(r, "result.capabilities.logging")));
    CHECK(json_is_object(at(r, "result.capabilities.resources"))); /* the MCP App resource */
    CHECK(at(r, "result.capabilities.resources.subscribe") == NULL); /* only what is implemented */
    CHECK(at(r, "result.capabilities.tools.listChanged") == NULL);
    CHECK_STR(str_at(r, "result.serverInfo.name"), "sessionkey-mcp");
    CHECK_STR(str_at(r, "result.serverInfo.version"), skm_version);
    CHECK(str_at(r, "result.instructions") != NULL);
    CHECK(at(r, "result.resultType") == NULL); /* no modern decorations on legacy */
    CHECK(at(r, "result._meta") == NULL);
    json_decref(r);
    CHECK(send_line(&s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}") == NULL);
    CHECK_EQ_INT(s.era, MCP_ERA_LEGACY);
    CHECK_EQ_INT(s.initialized, 1);
    CHECK_EQ_INT(s.client_ready, 1);
    r = request(&s, "tools/list", NULL);
    CHECK_EQ_INT(err_code(r), 0);
    CHECK_EQ_INT(json_array_size(at(r, "result.tools")), chat_tool_count());
    CHECK(at(r, "result.nextCursor") == NULL);
    json_decref(r);
    r = request(&s, "ping", NULL);
    CHECK(json_is_object(at(r, "result")));
    CHECK_EQ_INT(json_object_size(at(r, "result")), 0);
    json_decref(r);
}

TEST(mcp_initialize_echoes_each_supported_version)
{
    for (int i = 0; mcp_legacy_versions[i] != NULL; i++) {
        struct mcp_server s;
        json_t *r;

        srv_new(&s);
        r = send_line(&s, init_text(mcp_legacy_versions[i], 5));
        const char *got = str_at(r, "result.protocolVersion");
        int ok = got != NULL && strcmp(got, mcp_legacy_versions[i]) == 0;
        if (!ok)
            test_fail(__FILE__, __LINE__, "asked %s, got %s", mcp_legacy_versions[i], got ? got : "(none)");
        json_decref(r);
        CHECK(ok);
        CHECK_STR(s.version, mcp_legacy_versions[i]);
    }
    CHECK_STR(mcp_legacy_versions[0], "2025-11-25");
    CHECK_STR(mcp_modern_version, "2026-07-28");
}

TEST(mcp_initialize_unknown_version_gets_newest)
{
    static const char *const asked[] = {"2023-01-01", "2024-10-07", "2099-12-31", "2026-07-28", ""};

    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        struct mcp_server s;
        json_t *r;

        srv_new(&s);
        r = send_line(&s, init_text(asked[i], 1));
        const char *got = str_at(r, "result.protocolVersion");
        int ok = got != NULL && strcmp(got, "2025-11-25") == 0; /* a result, not an error */
        if (!ok)
            test_fail(__FILE__, __LINE__, "asked \"%s\", got %s", asked[i], got ? got : "(none)");
        json_decref(r);
        CHECK(ok);
    }
}

TEST(mcp_initialize_server_info_by_version)
{
    static const struct {
        const char *v;
        int title, description;
    } cases[] = {{"2024-11-05", 0, 0}, {"2025-03-26", 0, 0}, {"2025-06-18", 1, 0}, {"2025-11-25", 1, 1}};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mcp_server s;
        json_t *r;

        srv_new(&s);
        r = send_line(&s, init_text(cases[i].v, 1));
        int t = at(r, "result.serverInfo.title") != NULL, d = at(r, "result.serverInfo.description") != NULL;
        json_decref(r);
        if (t != cases[i].title || d != cases[i].description)
            test_fail(__FILE__, __LINE__, "%s: title %d description %d", cases[i].v, t, d);
        CHECK_EQ_INT(t, cases[i].title);
        CHECK_EQ_INT(d, cases[i].description);
    }
}

TEST(mcp_initialize_needs_protocol_version)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = send_line(&s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"capabilities\":{}}}");
    CHECK_EQ_INT(err_code(r), -32602);
    CHECK_EQ_INT(int_at(r, "id"), 1);
    json_decref(r);
    r = send_line(&s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\"}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
    r = send_line(&s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{\"protocolVersion\":20251125}}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
    CHECK_EQ_INT(s.initialized, 0); /* a failed initialize does not count */
    r = send_line(&s, init_text("2025-06-18", 4));
    CHECK_STR(str_at(r, "result.protocolVersion"), "2025-06-18");
    json_decref(r);
}

TEST(mcp_requests_before_initialize_refused)
{
    static const char *const methods[] = {"tools/list", "tools/call", "prompts/list", "prompts/get", "logging/setLevel"};
    struct mcp_server s;

    srv_new(&s);
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        json_t *r = request(&s, methods[i], "{\"name\":\"x\",\"level\":\"info\"}");
        long long code = err_code(r);
        const char *msg = str_at(r, "error.message");
        int ok = code == -32600 && int_at(r, "id") == 42 && msg != NULL && strstr(msg, "not initialized") != NULL;
        if (!ok)
            test_fail(__FILE__, __LINE__, "%s before initialize: code %lld, message %s", methods[i], code,
                      msg ? msg : "(none)");
        json_decref(r);
        CHECK(ok);
    }
    CHECK_EQ_INT(s.era, MCP_ERA_NONE);
}

TEST(mcp_second_initialize_refused)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-06-18"));
    r = send_line(&s, init_text("2025-11-25", 9));
    CHECK_EQ_INT(err_code(r), -32600);
    CHECK_EQ_INT(int_at(r, "id"), 9);
    json_decref(r);
    CHECK_STR(s.version, "2025-06-18"); /* the first negotiation stands */
}

TEST(mcp_ping_before_initialize)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = request(&s, "ping", NULL);
    CHECK_EQ_INT(err_code(r), 0);
    CHECK(json_is_object(at(r, "result")));
    CHECK_EQ_INT(json_object_size(at(r, "result")), 0);
    json_decref(r);
    CHECK_EQ_INT(s.era, MCP_ERA_NONE);
    CHECK(legacy_init(&s, "2025-11-25")); /* and initialize still works */
}

TEST(mcp_discover_before_initialize_does_not_pin)
{
    struct mcp_server s;
    json_t *r, *sv;

    srv_new(&s);
    r = request(&s, "server/discover", "{" MODERN_META "}");
    CHECK_EQ_INT(err_code(r), 0);
    sv = at(r, "result.supportedVersions");
    CHECK(json_is_array(sv));
    CHECK_EQ_INT(json_array_size(sv), 5);
    CHECK_STR(json_string_value(json_array_get(sv, 0)), "2026-07-28");
    for (int i = 0; mcp_legacy_versions[i] != NULL; i++)
        CHECK_STR(json_string_value(json_array_get(sv, (size_t)i + 1)), mcp_legacy_versions[i]);
    CHECK(json_is_object(at(r, "result.capabilities.tools")));
    CHECK(json_is_object(at(r, "result.capabilities.prompts")));
    CHECK(at(r, "result.capabilities.logging") == NULL); /* removed in 2026-07-28 */
    CHECK(json_is_integer(at(r, "result.ttlMs")) && int_at(r, "result.ttlMs") >= 0);
    CHECK_STR(str_at(r, "result.cacheScope"), "public");
    CHECK(str_at(r, "result.instructions") != NULL);
    json_decref(r);
    CHECK_EQ_INT(s.era, MCP_ERA_NONE); /* a probe, not a choice */
    r = request(&s, "server/discover", NULL); /* also without any envelope */
    CHECK_EQ_INT(err_code(r), 0);
    json_decref(r);
    CHECK(legacy_init(&s, "2025-11-25"));
    CHECK_EQ_INT(s.era, MCP_ERA_LEGACY);
}

/* Regression: server/discover before the era is pinned went through the legacy path, so the
 * result lacked resultType ("complete") and _meta["io.modelcontextprotocol/serverInfo"], both
 * required of a 2026-07-28 DiscoverResult (mcp-spec.md section 6). server/discover only exists
 * in 2026-07-28 and dual-era clients send it first as their probe, so its result always
 * carries the modern decorations. */
TEST(mcp_discover_before_initialize_is_a_complete_modern_result)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = request(&s, "server/discover", "{" MODERN_META "}");
    CHECK_EQ_INT(err_code(r), 0);
    json_t *info = json_object_get(at(r, "result._meta"), SERVER_INFO_KEY);
    const char *rt = str_at(r, "result.resultType");
    int ok = rt != NULL && strcmp(rt, "complete") == 0 && json_is_string(json_object_get(info, "name")) &&
             json_is_string(json_object_get(info, "version"));
    json_decref(r);
    CHECK(ok);
}

/* ---- the modern era (2026-07-28) ---- */

TEST(mcp_modern_first_request_pins_era)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = request(&s, "tools/list", "{" MODERN_META "}");
    CHECK_EQ_INT(err_code(r), 0);
    CHECK_EQ_INT(s.era, MCP_ERA_MODERN);
    CHECK_EQ_INT(json_array_size(at(r, "result.tools")), chat_tool_count());
    json_decref(r);
    r = send_line(&s, init_text("2025-11-25", 3)); /* no initialize in this era */
    CHECK_EQ_INT(err_code(r), -32600);
    CHECK_EQ_INT(int_at(r, "id"), 3);
    CHECK_CONTAINS(str_at(r, "error.message"), "2026-07-28");
    json_decref(r);
    CHECK_EQ_INT(s.era, MCP_ERA_MODERN);
}

TEST(mcp_modern_decorations)
{
    struct mcp_server s;
    json_t *r, *info;

    srv_new(&s);
    r = request(&s, "tools/list", "{" MODERN_META "}");
    CHECK_STR(str_at(r, "result.resultType"), "complete");
    CHECK(json_is_integer(at(r, "result.ttlMs")) && int_at(r, "result.ttlMs") >= 0);
    CHECK_STR(str_at(r, "result.cacheScope"), "public");
    info = json_object_get(at(r, "result._meta"), SERVER_INFO_KEY);
    CHECK_STR(json_string_value(json_object_get(info, "name")), "sessionkey-mcp");
    CHECK_STR(json_string_value(json_object_get(info, "version")), skm_version);
    CHECK(str_at(r, "result.tools[0].title") != NULL); /* newest generation of tool objects */
    json_decref(r);

    r = request(&s, "prompts/list", "{" MODERN_META "}");
    CHECK_EQ_INT(err_code(r), 0);
    CHECK_STR(str_at(r, "result.resultType"), "complete");
    CHECK(json_is_integer(at(r, "result.ttlMs")));
    CHECK_STR(str_at(r, "result.cacheScope"), "public");
    CHECK(json_object_get(at(r, "result._meta"), SERVER_INFO_KEY) != NULL);
    CHECK(str_at(r, "result.prompts[0].title") != NULL);
    json_decref(r);

    r = request(&s, "prompts/get", "{\"name\":\"manage_sessions\",\"arguments\":{\"walletAddress\":\"0xabc\"}," MODERN_META "}");
    CHECK_EQ_INT(err_code(r), 0);
    CHECK_STR(str_at(r, "result.resultType"), "complete");
    CHECK(json_object_get(at(r, "result._meta"), SERVER_INFO_KEY) != NULL);
    CHECK(at(r, "result.ttlMs") == NULL); /* not a list */
    CHECK(json_is_array(at(r, "result.messages")));
    json_decref(r);

    r = request(&s, "server/discover", NULL); /* no envelope needed for discover */
    CHECK_EQ_INT(err_code(r), 0);
    CHECK_STR(str_at(r, "result.resultType"), "complete");
    CHECK(json_object_get(at(r, "result._meta"), SERVER_INFO_KEY) != NULL);
    CHECK_EQ_INT(int_at(r, "result.ttlMs"), 3600000); /* its own, not replaced */
    CHECK(json_is_array(at(r, "result.supportedVersions")));
    json_decref(r);

    r = request(&s, "tools/call", "{\"name\":\"confirm_session\",\"arguments\":{}," MODERN_META "}");
    CHECK_EQ_INT(err_code(r), 0);
    CHECK(json_is_true(at(r, "result.isError")));
    CHECK_STR(str_at(r, "result.resultType"), "complete");
    CHECK(json_object_get(at(r, "result._meta"), SERVER_INFO_KEY) != NULL);
    CHECK(json_object_get(at(r, "result._meta"), ERROR_META_KEY) != NULL); /* merged, not replaced */
    CHECK(at(r, "result.ttlMs") == NULL);
    json_decref(r);
}

TEST(mcp_modern_missing_envelope_is_invalid_params)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = request(&s, "tools/list", "{" MODERN_META "}");
    json_decref(r);
    CHECK_EQ_INT(s.era, MCP_ERA_MODERN);
    r = request(&s, "tools/list", NULL);
    CHECK_EQ_INT(err_code(r), -32602);
    CHECK_CONTAINS(str_at(r, "error.message"), "io.modelcontextprotocol/protocolVersion");
    json_decref(r);
    r = request(&s, "tools/list", "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}");
    CHECK_EQ_INT(err_code(r), -32602); /* clientCapabilities is required too */
    CHECK_CONTAINS(str_at(r, "error.message"), "io.modelcontextprotocol/clientCapabilities");
    json_decref(r);
    r = request(&s, "tools/list",
                "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                "\"io.modelcontextprotocol/clientCapabilities\":[]}}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
    r = request(&s, "tools/list", "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":20260728,"
                                  "\"io.modelcontextprotocol/clientCapabilities\":{}}}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
}

TEST(mcp_modern_bad_first_envelope_does_not_pin)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = request(&s, "tools/list", "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
    CHECK_EQ_INT(s.era, MCP_ERA_NONE);
    r = request(&s, "tools/list",
                "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2025-11-25\","
                "\"io.modelcontextprotocol/clientCapabilities\":{}}}");
    CHECK_EQ_INT(err_code(r), -32022);
    json_decref(r);
    CHECK_EQ_INT(s.era, MCP_ERA_NONE);
    CHECK(legacy_init(&s, "2025-11-25")); /* still free to choose */
}

TEST(mcp_modern_wrong_version_32022)
{
    struct mcp_server s;
    json_t *r, *sup;

    srv_new(&s);
    r = request(&s, "tools/list",
                "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2027-01-01\","
                "\"io.modelcontextprotocol/clientCapabilities\":{}}}");
    CHECK_EQ_INT(err_code(r), -32022);
    CHECK_EQ_INT(int_at(r, "id"), 42);
    sup = at(r, "error.data.supported");
    CHECK(json_is_array(sup));
    CHECK_EQ_INT(json_array_size(sup), 5);
    int has_modern = 0, has_legacy = 0;
    for (size_t i = 0; i < json_array_size(sup); i++) {
        const char *v = json_string_value(json_array_get(sup, i));
        has_modern |= v != NULL && strcmp(v, "2026-07-28") == 0;
        has_legacy |= v != NULL && strcmp(v, "2024-11-05") == 0;
    }
    CHECK(has_modern);
    CHECK(has_legacy);
    CHECK_STR(str_at(r, "error.data.requested"), "2027-01-01");
    json_decref(r);

    /* after pinning, a request with another version is refused the same way */
    json_decref(request(&s, "tools/list", "{" MODERN_META "}"));
    CHECK_EQ_INT(s.era, MCP_ERA_MODERN);
    r = request(&s, "prompts/list",
                "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2025-06-18\","
                "\"io.modelcontextprotocol/clientCapabilities\":{}}}");
    CHECK_EQ_INT(err_code(r), -32022);
    CHECK_STR(str_at(r, "error.data.requested"), "2025-06-18");
    json_decref(r);
}

TEST(mcp_modern_removed_methods)
{
    static const char *const gone[] = {"ping", "logging/setLevel", "resources/subscribe", "nope"};
    struct mcp_server s;

    srv_new(&s);
    json_decref(request(&s, "tools/list", "{" MODERN_META "}"));
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        json_t *r = request(&s, gone[i], "{\"level\":\"info\"," MODERN_META "}");
        long long code = err_code(r);
        json_decref(r);
        if (code != -32601)
            test_fail(__FILE__, __LINE__, "%s: code %lld", gone[i], code);
        CHECK_EQ_INT(code, -32601);
    }
}

/* ---- JSON-RPC rules ---- */

TEST(mcp_unknown_method)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = request(&s, "resources/subscribe", NULL); /* unknown before initialize too */
    CHECK_EQ_INT(err_code(r), -32601);
    json_decref(r);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "tools/run", "{}");
    CHECK_EQ_INT(err_code(r), -32601);
    CHECK_EQ_INT(int_at(r, "id"), 42);
    CHECK_CONTAINS(str_at(r, "error.message"), "tools/run");
    json_decref(r);
    r = request(&s, "server/discover", NULL); /* still answered on a legacy connection */
    CHECK_EQ_INT(err_code(r), 0);
    json_decref(r);
}

TEST(mcp_params_must_be_object)
{
    static const char *const bad[] = {"[]", "[1,2]", "\"x\"", "5", "true"};
    struct mcp_server s;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *r = request(&s, "tools/list", bad[i]);
        long long code = err_code(r);
        json_decref(r);
        if (code != -32602)
            test_fail(__FILE__, __LINE__, "params %s: code %lld", bad[i], code);
        CHECK_EQ_INT(code, -32602);
    }
    json_t *r = request(&s, "ping", "null"); /* null is not an object either */
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
}

TEST(mcp_parse_errors)
{
    static const char *const bad[] = {"{", "{\"jsonrpc\":\"2.0\",", "nope", "{\"a\":1,\"a\":2}", "\xff\xfe", "{'a':1}",
                                      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} x"};
    struct mcp_server s;

    srv_new(&s);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *r = send_line(&s, bad[i]);
        int ok = err_code(r) == -32700 && json_is_null(at(r, "id")) && str_at(r, "error.message") != NULL &&
                 strncmp(str_at(r, "error.message"), "Parse error", 11) == 0;
        json_decref(r);
        if (!ok)
            test_fail(__FILE__, __LINE__, "case %zu (%s)", i, bad[i]);
        CHECK(ok);
    }
    /* a NUL byte inside the line (length-delimited) is a parse error, not a truncated message */
    static const char nul_line[] = "{\"jsonrpc\":\"2.0\",\0\"id\":1,\"method\":\"ping\"}";
    json_t *r = mcp_handle_line(&s, nul_line, sizeof nul_line - 1);
    CHECK_EQ_INT(err_code(r), -32700);
    json_decref(r);
}

TEST(mcp_id_echo_types)
{
    static const char *const ids[] = {"\"abc\"", "\"\"", "\"\xc3\xa9-1\"", "0", "-7", "9007199254740993",
                                      "9223372036854775807"};
    struct mcp_server s;

    srv_new(&s);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char line[200];
        snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
        json_t *r = send_line(&s, line), *want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
        int ok = r != NULL && json_equal(json_object_get(r, "id"), want) &&
                 json_typeof(json_object_get(r, "id")) == json_typeof(want);
        json_decref(want);
        json_decref(r);
        if (!ok)
            test_fail(__FILE__, __LINE__, "id %s not echoed", ids[i]);
        CHECK(ok);
    }
    /* an error response echoes the id too */
    json_t *r = send_line(&s, "{\"jsonrpc\":\"2.0\",\"id\":\"e-1\",\"method\":\"tools/list\"}");
    CHECK_EQ_INT(err_code(r), -32600);
    CHECK_STR(str_at(r, "id"), "e-1");
    json_decref(r);
    r = send_line(&s, "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}"); /* invalid, id usable */
    CHECK_EQ_INT(err_code(r), -32600);
    CHECK_EQ_INT(int_at(r, "id"), 3);
    json_decref(r);
}

TEST(mcp_invalid_ids_answered_with_null_id)
{
    static const char *const ids[] = {"null", "true", "1.5", "{}", "[1]"};
    struct mcp_server s;

    srv_new(&s);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char line[200];
        snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
        json_t *r = send_line(&s, line);
        int ok = err_code(r) == -32600 && json_is_null(at(r, "id"));
        json_decref(r);
        if (!ok)
            test_fail(__FILE__, __LINE__, "id %s", ids[i]);
        CHECK(ok);
    }
}

/* An integer id beyond 64 bits cannot be echoed exactly: an invalid request, answered with id null
 * (not a parse error: the JSON itself is fine). */
TEST(mcp_id_beyond_64_bits_invalid_request)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = send_line(&s, "{\"jsonrpc\":\"2.0\",\"id\":18446744073709551616,\"method\":\"ping\"}");
    CHECK_EQ_INT(err_code(r), -32600);
    CHECK(json_is_null(at(r, "id")));
    json_decref(r);
    r = send_line(&s, "{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775808,\"method\":\"ping\"}"); /* fits */
    CHECK_EQ_INT(err_code(r), 0);
    CHECK(json_integer_value(at(r, "id")) == INT64_MIN);
    json_decref(r);
}

TEST(mcp_notifications_get_no_reply)
{
    static const char *const lines[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"made/up\",\"params\":[1]}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\"}", /* a request method without id: still a notification */
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}",     /* a response from the client */
        "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-1,\"message\":\"x\"}}",
    };
    struct mcp_server s;

    srv_new(&s);
    for (int round = 0; round < 2; round++) { /* before and after initialize */
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            json_t *r = send_line(&s, lines[i]);
            if (r != NULL)
                test_fail(__FILE__, __LINE__, "round %d: a reply to %s", round, lines[i]);
            CHECK(r == NULL);
        }
        if (round == 0)
            CHECK(legacy_init(&s, "2025-11-25"));
    }
}

TEST(mcp_blank_lines_ignored)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(mcp_handle_line(&s, "", 0) == NULL);
    CHECK(mcp_handle_line(&s, "   \t ", 5) == NULL);
    r = send_line(&s, "  \t{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}  "); /* blanks around a message */
    CHECK_EQ_INT(err_code(r), 0);
    CHECK_EQ_INT(int_at(r, "id"), 1);
    json_decref(r);
}

TEST(mcp_non_object_messages_invalid)
{
    static const char *const lines[] = {"5", "null", "\"ping\"", "true"};
    struct mcp_server s;

    srv_new(&s);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        json_t *r = send_line(&s, lines[i]);
        int ok = err_code(r) == -32600 && json_is_null(at(r, "id"));
        json_decref(r);
        if (!ok)
            test_fail(__FILE__, __LINE__, "%s", lines[i]);
        CHECK(ok);
    }
}

TEST(mcp_line_too_long_response)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = mcp_line_too_long(&s, 4194304);
    CHECK_EQ_INT(err_code(r), -32600);
    CHECK(json_is_null(at(r, "id")));
    CHECK_STR(str_at(r, "jsonrpc"), "2.0");
    CHECK_CONTAINS(str_at(r, "error.message"), "4194304");
    json_decref(r);
}

/* ---- batches ---- */

TEST(mcp_batch_2025_03_26_in_order)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-03-26"));
    r = send_line(&s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":9}},"
                      "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"tools/list\"},"
                      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"},"
                      "5,"
                      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":[]}]");
    CHECK(json_is_array(r));
    CHECK_EQ_INT(json_array_size(r), 5); /* the notification gets none */
    CHECK_EQ_INT(int_at(r, "[0].id"), 1);
    CHECK(json_is_object(at(r, "[0].result")));
    CHECK_STR(str_at(r, "[1].id"), "b");
    CHECK_EQ_INT(json_array_size(at(r, "[1].result.tools")), chat_tool_count());
    CHECK(at(r, "[1].result.tools[0].title") == NULL); /* generation 2025-03 */
    CHECK(at(r, "[1].result.tools[0].annotations") != NULL);
    CHECK_EQ_INT(int_at(r, "[2].id"), 3);
    CHECK_EQ_INT(int_at(r, "[2].error.code"), -32601);
    CHECK(json_is_null(at(r, "[3].id")));
    CHECK_EQ_INT(int_at(r, "[3].error.code"), -32600);
    CHECK_EQ_INT(int_at(r, "[4].id"), 4);
    CHECK_EQ_INT(int_at(r, "[4].error.code"), -32602);
    json_decref(r);
}

TEST(mcp_batch_only_notifications_no_reply)
{
    struct mcp_server s;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-03-26"));
    CHECK(send_line(&s, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"x/y\"},{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]") == NULL);
}

TEST(mcp_batch_empty_invalid)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-03-26"));
    r = send_line(&s, "[]");
    CHECK(json_is_object(r));
    CHECK_EQ_INT(err_code(r), -32600);
    CHECK(json_is_null(at(r, "id")));
    json_decref(r);
}

TEST(mcp_batch_initialize_inside_refused)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-03-26"));
    r = send_line(&s, "[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                      "\"2025-03-26\"}},{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}]");
    CHECK(json_is_array(r));
    CHECK_EQ_INT(json_array_size(r), 2);
    CHECK_EQ_INT(int_at(r, "[0].id"), 7);
    CHECK_EQ_INT(int_at(r, "[0].error.code"), -32600);
    CHECK_CONTAINS(str_at(r, "[0].error.message"), "batch");
    CHECK_EQ_INT(int_at(r, "[1].id"), 8);
    CHECK(json_is_object(at(r, "[1].result")));
    json_decref(r);
}

TEST(mcp_batch_other_versions_refused)
{
    static const char *const versions[] = {"2024-11-05", "2025-06-18", "2025-11-25"};

    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        struct mcp_server s;
        json_t *r;

        srv_new(&s);
        CHECK(legacy_init(&s, versions[i]));
        r = send_line(&s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
        int ok = json_is_object(r) && err_code(r) == -32600 && json_is_null(at(r, "id"));
        json_decref(r);
        if (!ok)
            test_fail(__FILE__, __LINE__, "batch accepted in %s", versions[i]);
        CHECK(ok);
    }
}

TEST(mcp_batch_before_initialize_and_modern_refused)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = send_line(&s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
    CHECK(json_is_object(r));
    CHECK_EQ_INT(err_code(r), -32600);
    json_decref(r);
    json_decref(request(&s, "tools/list", "{" MODERN_META "}"));
    r = send_line(&s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" MODERN_META "}}]");
    CHECK(json_is_object(r));
    CHECK_EQ_INT(err_code(r), -32600);
    json_decref(r);
}

/* ---- tools ---- */

static json_t *tools_for(const char *version)
{
    static struct mcp_server s;
    json_t *r, *tools;

    srv_new(&s);
    if (!legacy_init(&s, version))
        return NULL;
    r = request(&s, "tools/list", "{}");
    tools = at(r, "result.tools");
    json_incref(tools);
    json_decref(r);
    return tools;
}

static json_t *tool_named(json_t *tools, const char *name)
{
    size_t i;
    json_t *t;

    json_array_foreach(tools, i, t) {
        if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
            return t;
    }
    return NULL;
}

TEST(mcp_tools_list_2024_11_05_keys)
{
    static const char *const keys[] = {"name", "description", "inputSchema", NULL};
    json_t *tools = tools_for("2024-11-05"), *t;
    size_t i;

    CHECK(tools != NULL);
    CHECK_EQ_INT(json_array_size(tools), chat_tool_count());
    json_array_foreach(tools, i, t) {
        if (!has_exactly_keys(t, keys))
            test_fail(__FILE__, __LINE__, "tool %zu has other keys", i);
        CHECK(has_exactly_keys(t, keys));
        CHECK_STR(json_string_value(json_object_get(json_object_get(t, "inputSchema"), "type")), "object");
    }
    CHECK(tool_named(tools, "request_session_approval") != NULL);
    CHECK(tool_named(tools, "confirm_session") != NULL);
    CHECK(tool_named(tools, "list_automations") != NULL);
    CHECK(tool_named(tools, "revoke_session") != NULL);
    json_decref(tools);
}

TEST(mcp_tools_list_2025_03_26_annotations)
{
    static const char *const keys[] = {"name", "description", "inputSchema", "annotations", NULL};
    json_t *tools = tools_for("2025-03-26"), *t;
    size_t i;

    CHECK(tools != NULL);
    json_array_foreach(tools, i, t)
        CHECK(has_exactly_keys(t, keys));
    t = json_object_get(tool_named(tools, "list_automations"), "annotations");
    CHECK(json_is_true(json_object_get(t, "readOnlyHint")));
    CHECK(json_is_false(json_object_get(t, "openWorldHint")));
    CHECK(json_object_get(t, "destructiveHint") == NULL); /* meaningless when read-only */
    CHECK(json_is_string(json_object_get(t, "title")));
    t = json_object_get(tool_named(tools, "revoke_session"), "annotations");
    CHECK(json_is_false(json_object_get(t, "readOnlyHint")));
    CHECK(json_is_true(json_object_get(t, "destructiveHint")));
    CHECK(json_is_true(json_object_get(t, "idempotentHint")));
    t = json_object_get(tool_named(tools, "request_session_approval"), "annotations");
    CHECK(json_is_true(json_object_get(t, "openWorldHint")));
    CHECK(json_is_false(json_object_get(t, "destructiveHint")));
    CHECK(json_is_false(json_object_get(t, "idempotentHint")));
    json_decref(tools);
}

TEST(mcp_tools_list_2025_06_18_title_and_output_schema)
{
    static const char *const keys[] = {"name", "title", "description", "inputSchema", "outputSchema", "annotations", NULL};
    static const char *const app_keys[] = {"name",         "title",       "description", "inputSchema",
                                           "outputSchema", "annotations", "_meta",       NULL};
    static const char *const versions[] = {"2025-06-18", "2025-11-25"};

    for (size_t v = 0; v < 2; v++) {
        json_t *tools = tools_for(versions[v]), *t;
        size_t i;

        CHECK(tools != NULL);
        json_array_foreach(tools, i, t) {
            /* only request_session_approval links the MCP App (_meta.ui.resourceUri) */
            int app = strcmp(json_string_value(json_object_get(t, "name")), "request_session_approval") == 0;
            CHECK(has_exactly_keys(t, app ? app_keys : keys));
            if (app)
                CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(t, "_meta"), "ui"), "resourceUri")),
                          "ui://sessionkey/approval");
            CHECK_STR(json_string_value(json_object_get(json_object_get(t, "outputSchema"), "type")), "object");
        }
        json_decref(tools);
    }
}

TEST(mcp_tools_list_cursor_refused)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "tools/list", "{\"cursor\":\"abc\"}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
}

TEST(mcp_tools_call_unknown_tool)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "tools/call", "{\"name\":\"drain_wallet\",\"arguments\":{}}");
    CHECK_EQ_INT(err_code(r), -32602);
    CHECK_CONTAINS(str_at(r, "error.message"), "drain_wallet");
    json_decref(r);
    r = request(&s, "tools/call", "{\"name\":\"\"}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
}

/* The executor tools: absent from a chat server, listed and served with --executor. */
TEST(mcp_executor_tools_only_with_executor_flag)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "tools/call", "{\"name\":\"authorize_execution\",\"arguments\":{}}");
    CHECK_EQ_INT(err_code(r), -32602);
    CHECK_CONTAINS(str_at(r, "error.message"), "served only by a server started with --executor");
    json_decref(r);
    r = request(&s, "tools/call", "{\"name\":\"report_execution\",\"arguments\":{}}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
    srv_new(&s);
    g_cfg.executor = 1;
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "tools/list", "{}");
    CHECK_EQ_INT(json_array_size(at(r, "result.tools")), tool_count);
    json_decref(r);
    r = request(&s, "tools/call", "{\"name\":\"report_execution\",\"arguments\":{}}");
    CHECK_EQ_INT(err_code(r), 0); /* served: a tool result (isError for the missing fields), not -32602 */
    json_decref(r);
    g_cfg.executor = 0;
}

TEST(mcp_tools_call_bad_params)
{
    static const char *const bad[] = {"{}", "{\"name\":5}", "{\"arguments\":{}}",
                                      "{\"name\":\"confirm_session\",\"arguments\":[]}",
                                      "{\"name\":\"confirm_session\",\"arguments\":\"x\"}"};
    struct mcp_server s;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *r = request(&s, "tools/call", bad[i]);
        long long code = err_code(r);
        json_decref(r);
        if (code != -32602)
            test_fail(__FILE__, __LINE__, "%s: code %lld", bad[i], code);
        CHECK_EQ_INT(code, -32602);
    }
}

TEST(mcp_tools_call_invalid_arguments_is_error_result)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "tools/call", "{\"name\":\"confirm_session\",\"arguments\":{\"sessionId\":\"\"}}");
    CHECK_EQ_INT(err_code(r), 0); /* a result the model can read, not a protocol error */
    CHECK(json_is_true(at(r, "result.isError")));
    CHECK_STR(str_at(r, "result.content[0].type"), "text");
    CHECK_STR(str_at(r, "result.content[0].text"), "Invalid arguments for confirm_session: sessionId: must not be empty" SCHEMA_TAIL("confirm_session"));
    CHECK(at(r, "result.structuredContent") == NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(at(r, "result._meta"), ERROR_META_KEY), "code")),
              "INVALID_ARGUMENT");
    json_decref(r);

    r = request(&s, "tools/call", "{\"name\":\"request_session_approval\"}"); /* no arguments: {} */
    CHECK(json_is_true(at(r, "result.isError")));
    CHECK_STR(str_at(r, "result.content[0].text"),
              "Invalid arguments for request_session_approval: walletAddress: is required but missing; "
              "duration: is required but missing; permissions: is required but missing" SCHEMA_TAIL("request_session_approval"));
    json_decref(r);

    r = request(&s, "tools/call",
                "{\"name\":\"list_automations\",\"arguments\":{\"walletAddress\":\"0x12\",\"limit\":0,\"x\":1}}");
    CHECK(json_is_true(at(r, "result.isError")));
    CHECK_STR(str_at(r, "result.content[0].text"),
              "Invalid arguments for list_automations: walletAddress: expected an Ethereum address (0x followed by "
              "40 hex digits), got \"0x12\"; limit: must be at least 1, got 0; x: is not a known field" SCHEMA_TAIL("list_automations"));
    json_decref(r);
}

TEST(mcp_tools_call_invalid_arguments_2024_11_05)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2024-11-05"));
    r = request(&s, "tools/call", "{\"name\":\"revoke_session\",\"arguments\":{\"reason\":5}}");
    CHECK(json_is_true(at(r, "result.isError")));
    CHECK_STR(str_at(r, "result.content[0].type"), "text");
    CHECK_CONTAINS(str_at(r, "result.content[0].text"), "Invalid arguments for revoke_session: ");
    CHECK(at(r, "result.structuredContent") == NULL);
    json_decref(r);
}

/* Regression: a long non-ASCII argument value made the validator's message invalid UTF-8 (cut
 * at a byte count, see schema_message_cut_keeps_utf8_valid); building the isError text failed
 * and the client got -32603 "Internal error: out of memory" instead of a result that tells the
 * model what to fix. */
TEST(mcp_tools_call_invalid_non_ascii_argument_is_error_result)
{
    char params[512];
    size_t n = 0;
    struct mcp_server s;
    json_t *r;

    n += (size_t)snprintf(params, sizeof params, "{\"name\":\"confirm_session\",\"arguments\":{\"sessionId\":\"s\",\"decision\":\"");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(params + n, sizeof params - n, "\xe2\x82\xac");
    snprintf(params + n, sizeof params - n, "\"}}");
    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "tools/call", params);
    long long code = r != NULL ? err_code(r) : -1;
    int is_error = json_is_true(at(r, "result.isError"));
    const char *text = str_at(r, "result.content[0].text");
    int named = text != NULL && strstr(text, "Invalid arguments for confirm_session: decision: expected one of") != NULL;
    json_decref(r);
    CHECK_EQ_INT(code, 0);
    CHECK(is_error);
    CHECK(named);
}

/* Regression: "Method not found: %.100s" cuts a long method name at 100 BYTES; with multi-byte
 * characters the message was invalid UTF-8, rpc_error_new failed, and mcp_handle_line returned
 * NULL: the request was never answered and the client waited for its timeout. The same cut is
 * in "Unknown tool: %.100s" and "Unsupported protocol version %.40s" (the next two tests). */
TEST(mcp_unknown_long_non_ascii_method_still_answered)
{
    char line[512];
    size_t n = 0;
    struct mcp_server s;
    json_t *r;

    n += (size_t)snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "\xe2\x82\xac");
    snprintf(line + n, sizeof line - n, "\"}");
    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = send_line(&s, line);
    CHECK(r != NULL);
    CHECK_EQ_INT(err_code(r), -32601);
    json_decref(r);
}

TEST(mcp_unknown_long_non_ascii_tool_still_answered)
{
    char params[512];
    size_t n = 0;
    struct mcp_server s;
    json_t *r;

    n += (size_t)snprintf(params, sizeof params, "{\"name\":\"ab"); /* 2 + 3k bytes: 100 splits a character */
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(params + n, sizeof params - n, "\xe2\x82\xac");
    snprintf(params + n, sizeof params - n, "\"}");
    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "tools/call", params);
    CHECK(r != NULL);
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
}

TEST(mcp_long_non_ascii_protocol_version_still_answered)
{
    char params[512];
    size_t n = 0;
    struct mcp_server s;
    json_t *r;

    n += (size_t)snprintf(params, sizeof params, "{\"_meta\":{\"io.modelcontextprotocol/clientCapabilities\":{},"
                                                 "\"io.modelcontextprotocol/protocolVersion\":\"20");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(params + n, sizeof params - n, "\xe2\x82\xac");
    snprintf(params + n, sizeof params - n, "\"}}");
    srv_new(&s);
    r = request(&s, "tools/list", params);
    CHECK(r != NULL);
    CHECK_EQ_INT(err_code(r), -32022);
    json_decref(r);
}

/* ---- prompts ---- */

TEST(mcp_prompts_list_titles_by_version)
{
    struct mcp_server s;
    json_t *r, *p;
    size_t i;

    srv_new(&s);
    CHECK(legacy_init(&s, "2024-11-05"));
    r = request(&s, "prompts/list", NULL);
    CHECK_EQ_INT(err_code(r), 0);
    CHECK_EQ_INT(json_array_size(at(r, "result.prompts")), 3);
    json_array_foreach(at(r, "result.prompts"), i, p) {
        CHECK(json_object_get(p, "title") == NULL);
        CHECK(json_object_get(p, "messages") == NULL); /* templates stay private */
        CHECK(json_is_string(json_object_get(p, "name")));
        CHECK(json_is_string(json_object_get(p, "description")));
        CHECK(json_is_array(json_object_get(p, "arguments")));
    }
    json_decref(r);

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-06-18"));
    r = request(&s, "prompts/list", "{}");
    json_array_foreach(at(r, "result.prompts"), i, p)
        CHECK(json_is_string(json_object_get(p, "title")));
    json_decref(r);
    r = request(&s, "prompts/list", "{\"cursor\":\"next\"}");
    CHECK_EQ_INT(err_code(r), -32602);
    json_decref(r);
}

TEST(mcp_prompts_get_errors)
{
    static const struct {
        const char *params;
        const char *words;
    } cases[] = {
        {"{\"name\":\"no_such_prompt\"}", "no_such_prompt"},
        {"{}", "name"},
        {"{\"name\":7}", "name"},
        {"{\"name\":\"setup_automation\"}", "goal"},
        {"{\"name\":\"setup_automation\",\"arguments\":{\"walletAddress\":\"0x1\"}}", "goal"},
        {"{\"name\":\"setup_automation\",\"arguments\":{\"goal\":\"g\",\"colour\":\"red\"}}", "colour"},
        {"{\"name\":\"setup_automation\",\"arguments\":{\"goal\":5}}", "goal"},
        {"{\"name\":\"setup_automation\",\"arguments\":[\"g\"]}", "object"},
    };
    struct mcp_server s;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *r = request(&s, "prompts/get", cases[i].params);
        long long code = err_code(r);
        const char *msg = str_at(r, "error.message");
        int ok = code == -32602 && msg != NULL && strstr(msg, cases[i].words) != NULL;
        if (!ok)
            test_fail(__FILE__, __LINE__, "%s: code %lld, message %s", cases[i].params, code, msg ? msg : "(none)");
        json_decref(r);
        CHECK(ok);
    }
}

TEST(mcp_prompts_get_renders)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    r = request(&s, "prompts/get", "{\"name\":\"setup_automation\",\"arguments\":{\"goal\":\"buy ETH\","
                                   "\"walletAddress\":\"0xabc\"}}");
    CHECK_EQ_INT(err_code(r), 0);
    CHECK(json_is_string(at(r, "result.description")));
    CHECK_EQ_INT(json_array_size(at(r, "result.messages")), 1);
    CHECK_STR(str_at(r, "result.messages[0].role"), "user");
    CHECK_STR(str_at(r, "result.messages[0].content.type"), "text");
    CHECK_CONTAINS(str_at(r, "result.messages[0].content.text"),
                   "I want to set up this automation on my wallet: buy ETH\nMy wallet: 0xabc\n");
    json_decref(r);
}

/* ---- logging ---- */

static int count_emitted(const char *level, const char *data)
{
    size_t i;
    json_t *n;
    int c = 0;

    json_array_foreach(g_emitted, i, n) {
        if (level == NULL)
            c++;
        else if (strcmp(str_at(n, "params.level") ? str_at(n, "params.level") : "", level) == 0 &&
                 strcmp(str_at(n, "params.data") ? str_at(n, "params.data") : "", data) == 0)
            c++;
    }
    return c;
}

TEST(mcp_logging_set_level_validation)
{
    static const char *const bad[] = {"{\"level\":\"loud\"}", "{\"level\":\"INFO\"}", "{\"level\":3}", "{}",
                                      "{\"level\":\"warn\"}", "{\"level\":\"off\"}"};
    static struct mcp_server s; /* static: setLevel registers it as the global log sink */

    log_set_sink(NULL, NULL);
    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *r = request(&s, "logging/setLevel", bad[i]);
        long long code = err_code(r);
        json_decref(r);
        if (code != -32602)
            test_fail(__FILE__, __LINE__, "%s: code %lld", bad[i], code);
        CHECK_EQ_INT(code, -32602);
    }
    CHECK_EQ_INT(s.client_log_level, -1);
    static const char *const good[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
    for (int i = 0; i < 8; i++) {
        char params[64];
        snprintf(params, sizeof params, "{\"level\":\"%s\"}", good[i]);
        json_t *r = request(&s, "logging/setLevel", params);
        int ok = err_code(r) == 0 && json_is_object(at(r, "result")) && json_object_size(at(r, "result")) == 0;
        json_decref(r);
        log_set_sink(NULL, NULL);
        if (!ok)
            test_fail(__FILE__, __LINE__, "level %s refused", good[i]);
        CHECK(ok);
        CHECK_EQ_INT(s.client_log_level, i);
    }
}

TEST(mcp_logging_notifications_follow_level)
{
    static struct mcp_server s;
    enum log_level old = log_get_level();
    json_t *r;

    log_set_sink(NULL, NULL);
    log_set_level(LOG_OFF); /* nothing on stderr; the sink still sees every line */
    emitted_reset();
    srv_new(&s);
    int inited = legacy_init(&s, "2025-11-25");
    int before = count_emitted(NULL, NULL); /* initialize logs at info: nobody asked yet */
    r = request(&s, "logging/setLevel", "{\"level\":\"info\"}");
    long long code = err_code(r);
    json_decref(r);
    log_debug("dbg %d", 1);
    log_info("hello %d", 42);
    log_warn("careful");
    log_error("broken");
    int n_info = json_array_size(g_emitted) == 3 ? count_emitted("info", "hello 42") : -1;
    int n_warn = count_emitted("warning", "careful"), n_err = count_emitted("error", "broken");
    json_t *first = json_incref(json_array_get(g_emitted, 0));

    emitted_reset();
    r = request(&s, "logging/setLevel", "{\"level\":\"error\"}");
    json_decref(r);
    log_info("quiet");
    log_warn("quiet too");
    log_error("loud");
    int after_error = (int)json_array_size(g_emitted), n_loud = count_emitted("error", "loud");

    emitted_reset();
    r = request(&s, "logging/setLevel", "{\"level\":\"debug\"}");
    json_decref(r);
    log_debug("fine detail");
    int n_debug = count_emitted("debug", "fine detail");

    log_set_sink(NULL, NULL);
    log_set_level(old);
    emitted_reset();
    CHECK(inited);
    CHECK_EQ_INT(before, 0);
    CHECK_EQ_INT(code, 0);
    CHECK_EQ_INT(n_info, 1);
    CHECK_EQ_INT(n_warn, 1);
    CHECK_EQ_INT(n_err, 1);
    CHECK(first != NULL);
    CHECK_STR(str_at(first, "jsonrpc"), "2.0");
    CHECK_STR(str_at(first, "method"), "notifications/message");
    CHECK(json_object_get(first, "id") == NULL);
    CHECK_STR(str_at(first, "params.logger"), "sessionkey-mcp");
    json_decref(first);
    CHECK_EQ_INT(after_error, 1);
    CHECK_EQ_INT(n_loud, 1);
    CHECK_EQ_INT(n_debug, 1);
}

TEST(mcp_no_notifications_without_set_level)
{
    static struct mcp_server s;
    enum log_level old = log_get_level();
    json_t *r;

    log_set_sink(NULL, NULL);
    log_set_level(LOG_OFF);
    emitted_reset();
    srv_new(&s);
    int inited = legacy_init(&s, "2025-11-25");
    r = request(&s, "tools/list", NULL);
    json_decref(r);
    r = request(&s, "tools/call", "{\"name\":\"confirm_session\"}");
    json_decref(r);
    log_error("an error nobody subscribed to");
    int n = (int)json_array_size(g_emitted);
    log_set_level(old);
    CHECK(inited);
    CHECK_EQ_INT(n, 0);
}

/* BUG: logging/setLevel registers the server's own address as the process-wide log sink and
 * nothing ever removes it except main's exit path. A later mcp_server_init (a new session, the
 * fuzz harness's next input) still emits notifications through the old server: here through a
 * live one; in tests/fuzz/fuzz_message.c through a dead stack frame (ASan with
 * detect_stack_use_after_return=1 reports stack-use-after-return in log_sink when replaying the
 * committed corpus, which holds a logging/setLevel seed). */
TEST(mcp_new_server_drops_previous_log_subscription)
{
    static struct mcp_server a, b;
    enum log_level old = log_get_level();

    log_set_sink(NULL, NULL);
    log_set_level(LOG_OFF);
    srv_new(&a);
    int inited = legacy_init(&a, "2025-11-25");
    json_decref(request(&a, "logging/setLevel", "{\"level\":\"debug\"}"));
    srv_new(&b); /* a new session: nobody asked it for notifications */
    emitted_reset();
    log_info("after the new server started");
    int n = (int)json_array_size(g_emitted);
    log_set_sink(NULL, NULL);
    log_set_level(old);
    emitted_reset();
    CHECK(inited);
    CHECK_EQ_INT(n, 0);
}

/* BUG: log_msg cuts a long line at a byte count (its 1024-byte buffer) before handing it to the
 * sink; with multi-byte characters the cut splits one, json_pack refuses the invalid UTF-8 and
 * the notifications/message is dropped silently. Log lines quote client input (initialize logs
 * the requested protocolVersion), so the text must be cut on a character boundary (or
 * sanitized with utf8_sanitize) before it reaches the sink. */
TEST(mcp_long_non_ascii_log_line_still_notified)
{
    static struct mcp_server s;
    enum log_level old = log_get_level();
    char big[3400];
    size_t n = 0;

    for (int i = 0; i < 1100; i++) { /* 3300 bytes of 3-byte characters */
        memcpy(big + n, "\xe2\x82\xac", 3);
        n += 3;
    }
    big[n] = '\0';
    log_set_sink(NULL, NULL);
    log_set_level(LOG_OFF);
    srv_new(&s);
    int inited = legacy_init(&s, "2025-11-25");
    json_decref(request(&s, "logging/setLevel", "{\"level\":\"info\"}"));
    emitted_reset();
    log_info("label %s", big);
    int count = (int)json_array_size(g_emitted);
    const char *data = str_at(json_array_get(g_emitted, 0), "params.data");
    int prefix_ok = data != NULL && strncmp(data, "label \xe2\x82\xac", 9) == 0;
    log_set_sink(NULL, NULL);
    log_set_level(old);
    CHECK(inited);
    CHECK_EQ_INT(count, 1);
    CHECK(prefix_ok);
    emitted_reset();
}

/* ---- resources: the MCP App (issue 12) ---- */

TEST(mcp_resources_list_and_read_per_version)
{
    static const char *const old_keys[] = {"uri", "name", "description", "mimeType", NULL};
    static const char *const new_keys[] = {"uri", "name", "title", "description", "mimeType", "_meta", NULL};
    static const char *const versions[] = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};

    for (size_t v = 0; v < 4; v++) {
        struct mcp_server s;
        int full = v >= 2;
        json_t *r;

        srv_new(&s);
        CHECK(legacy_init(&s, versions[v]));
        r = request(&s, "resources/list", "{}");
        CHECK_EQ_INT(json_array_size(at(r, "result.resources")), 1);
        CHECK(has_exactly_keys(at(r, "result.resources[0]"), full ? new_keys : old_keys));
        CHECK_STR(str_at(r, "result.resources[0].uri"), "ui://sessionkey/approval");
        CHECK_STR(str_at(r, "result.resources[0].mimeType"), "text/html;profile=mcp-app");
        json_decref(r);
        r = request(&s, "resources/read", "{\"uri\":\"ui://sessionkey/approval\"}");
        CHECK_EQ_INT(json_array_size(at(r, "result.contents")), 1);
        CHECK_STR(str_at(r, "result.contents[0].mimeType"), "text/html;profile=mcp-app");
        CHECK(strncmp(str_at(r, "result.contents[0].text"), "<!DOCTYPE html>", 15) == 0);
        CHECK((at(r, "result.contents[0]._meta") != NULL) == full);
        json_decref(r);
        r = request(&s, "resources/read", "{\"uri\":\"ui://sessionkey/nope\"}");
        CHECK_EQ_INT(err_code(r), -32002); /* legacy: resource not found */
        CHECK_STR(str_at(r, "error.data.uri"), "ui://sessionkey/nope");
        json_decref(r);
        r = request(&s, "resources/read", "{}");
        CHECK_EQ_INT(err_code(r), -32602);
        json_decref(r);
        r = request(&s, "resources/list", "{\"cursor\":\"x\"}");
        CHECK_EQ_INT(err_code(r), -32602);
        json_decref(r);
        r = request(&s, "resources/templates/list", "{}");
        CHECK_EQ_INT(json_array_size(at(r, "result.resourceTemplates")), 0);
        CHECK(json_is_array(at(r, "result.resourceTemplates")));
        json_decref(r);
        mcp_server_close(&s);
    }
}

TEST(mcp_resources_modern)
{
    struct mcp_server s;
    json_t *r;

    srv_new(&s);
    r = request(&s, "resources/list", "{" MODERN_META "}");
    CHECK_STR(str_at(r, "result.resultType"), "complete");
    CHECK(json_is_integer(at(r, "result.ttlMs")));
    CHECK(json_is_true(at(r, "result.resources[0]._meta.ui.prefersBorder")));
    json_decref(r);
    r = request(&s, "resources/read", "{\"uri\":\"ui://sessionkey/approval\"," MODERN_META "}");
    CHECK_STR(str_at(r, "result.resultType"), "complete");
    CHECK(json_is_integer(at(r, "result.ttlMs")));
    CHECK_STR(str_at(r, "result.cacheScope"), "public");
    CHECK_STR(str_at(r, "result.contents[0].uri"), "ui://sessionkey/approval");
    json_decref(r);
    r = request(&s, "resources/read", "{\"uri\":\"file:///etc/passwd\"," MODERN_META "}");
    CHECK_EQ_INT(err_code(r), -32602); /* 2026-07-28: resource not found is invalid params */
    json_decref(r);
    mcp_server_close(&s);
}

TEST(mcp_tools_list_app_meta_gated_by_version)
{
    static const char *const versions[] = {"2024-11-05", "2025-03-26"};

    for (size_t v = 0; v < 2; v++) {
        json_t *tools = tools_for(versions[v]);
        CHECK(json_object_get(tool_named(tools, "request_session_approval"), "_meta") == NULL);
        json_decref(tools);
    }
}

/* ---- URL elicitation completion (the approval page's listener) ---- */

static int count_method(const char *method)
{
    size_t i;
    json_t *m;
    int n = 0;

    json_array_foreach(g_emitted, i, m) {
        if (strcmp(json_string_value(json_object_get(m, "method")), method) == 0)
            n++;
    }
    return n;
}

TEST(mcp_approval_outcome_notifies_once_for_an_open_elicitation)
{
    struct mcp_server s;
    const char *id;
    char idcopy[MCP_ELICIT_ID_SIZE];

    srv_new(&s);
    CHECK(legacy_init(&s, "2025-11-25"));
    emitted_reset();
    mcp_approval_outcome(&s, "ses_unknown", "approved"); /* nothing was elicited: silence */
    CHECK_EQ_INT(count_method("notifications/elicitation/complete"), 0);
    id = mcp_elicit_open(&s.elicit, "ses_a");
    snprintf(idcopy, sizeof idcopy, "%s", id);
    mcp_elicit_open(&s.elicit, "ses_b");
    mcp_approval_outcome(&s, "ses_a", "approved");
    CHECK_EQ_INT(count_method("notifications/elicitation/complete"), 1);
    CHECK_STR(str_at(json_array_get(g_emitted, 0), "params.elicitationId"), idcopy);
    CHECK(has_exactly_keys(at(json_array_get(g_emitted, 0), "params"), (const char *const[]){"elicitationId", NULL}));
    mcp_approval_outcome(&s, "ses_a", "approved"); /* once */
    CHECK_EQ_INT(count_method("notifications/elicitation/complete"), 1);
    mcp_approval_outcome(&s, "ses_b", "declined");
    CHECK_EQ_INT(count_method("notifications/elicitation/complete"), 2);
    CHECK_EQ_INT(s.elicit.n, 0);
    mcp_server_close(&s);
}

TEST(mcp_approval_outcome_silent_in_2026_07_28)
{
    struct mcp_server s;

    srv_new(&s);
    json_decref(request(&s, "tools/list", "{" MODERN_META "}"));
    CHECK_EQ_INT(s.era, MCP_ERA_MODERN);
    emitted_reset();
    mcp_elicit_open(&s.elicit, "ses_a");
    mcp_approval_outcome(&s, "ses_a", "approved");
    CHECK_EQ_INT(json_array_size(g_emitted), 0); /* the notification does not exist there */
    mcp_server_close(&s);
}

TEST(mcp_initialize_records_url_elicitation_capability)
{
    static const char *const caps[] = {"{}", "{\"elicitation\":{}}", "{\"elicitation\":{\"form\":{}}}",
                                       "{\"elicitation\":{\"url\":{}}}", "{\"elicitation\":{\"url\":true}}"};
    static const int want[] = {0, 0, 0, 1, 0};

    for (size_t i = 0; i < 5; i++) {
        struct mcp_server s;
        char line[400];

        srv_new(&s);
        snprintf(line, sizeof line,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                 "\"2025-11-25\",\"capabilities\":%s,\"clientInfo\":{\"name\":\"u\",\"version\":\"1\"}}}",
                 caps[i]);
        json_decref(send_line(&s, line));
        CHECK_EQ_INT(s.client_url_elicitation, want[i]);
        mcp_server_close(&s);
    }
}

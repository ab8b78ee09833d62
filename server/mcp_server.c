/* mcp_server.c: MCP lifecycle, method table and per-era envelopes (see mcp_server.h). */
#include "mcp_server.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mcp_app.h"
#include "prm_prompts.h"
#include "reg_tools.h"
#include "rpc_escapes.h"
#include "rpc_msg.h"
#include "utf8.h"

#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CAPS "io.modelcontextprotocol/clientCapabilities"
#define META_SERVER_INFO "io.modelcontextprotocol/serverInfo"
#define RPC_URL_ELICITATION_REQUIRED (-32042) /* 2025-11-25 only */
#define RPC_RESOURCE_NOT_FOUND (-32002)       /* legacy era; 2026-07-28 uses -32602 */
#define APPROVAL_ELICIT_MESSAGE "Open this page to review the session's permissions and approve it in your wallet."
#define LIST_TTL_MS 3600000 /* tool and prompt lists are fixed for the life of the binary */

const char *const mcp_legacy_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL};
const char mcp_modern_version[] = "2026-07-28";

static const char server_instructions[] =
    "This server lets a user approve, list, audit and revoke ERC-4337 session keys: a narrowly "
    "scoped key that lets a backend run an automation (a TWAP order, a stop-loss) on the user's smart "
    "wallet within strict limits. Flow: for a TWAP or stop-loss call plan_automation first (it gives "
    "the exact, narrowest permissions); request_session_approval returns a summary of what the "
    "session CAN and CANNOT do, an approvalUrl and the EIP-712 typed data to sign; show the summary to "
    "the user verbatim and give them the approvalUrl as a link (\"Open this page to review and approve "
    "in your wallet\"); when they say they are done, call confirm_session with just the sessionId to "
    "see the result. Without the page, let them sign the typed data in their own wallet and call "
    "confirm_session with the signature. Never claim a session is active unless confirm_session reported it. Amounts are "
    "decimal strings in token units (\"50\" means 50 USDC); durations are seconds. If anything "
    "fails, the user can always sign each transaction manually instead.";

/* What a method handler sees. */
struct req {
    json_t *id;
    json_t *params; /* object or NULL */
    const char *version;
    int modern;
};

/* How a handler fails: a JSON-RPC error. */
struct fail {
    int code;
    char msg[600];
    json_t *data; /* owned, may be NULL */
};

typedef json_t *(*method_fn)(struct mcp_server *s, struct req *r, struct fail *f);

#define M_LEGACY 0x1u /* available in the legacy era */
#define M_MODERN 0x2u /* available in the 2026-07-28 era */
#define M_LIST 0x4u   /* a list result: carries ttlMs/cacheScope in 2026-07-28; cached serialized */

static json_t *fail_with(struct fail *f, int code, const char *fmt, ...) SKM_PRINTF(3, 4);

static void vfail(struct fail *f, int code, const char *fmt, va_list ap) SKM_PRINTF(3, 0);

static void vfail(struct fail *f, int code, const char *fmt, va_list ap)
{
    f->code = code;
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    utf8_sanitize(f->msg);
}

static json_t *fail_with(struct fail *f, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(f, code, fmt, ap);
    va_end(ap);
    return NULL;
}

static int supported_legacy(const char *v)
{
    for (int i = 0; mcp_legacy_versions[i]; i++)
        if (strcmp(mcp_legacy_versions[i], v) == 0)
            return 1;
    return 0;
}

static json_t *supported_list(void)
{
    json_t *a = json_array();

    json_array_append_new(a, json_string(mcp_modern_version));
    for (int i = 0; mcp_legacy_versions[i]; i++)
        json_array_append_new(a, json_string(mcp_legacy_versions[i]));
    return a;
}

static json_t *capabilities(int modern)
{
    return modern ? json_pack("{s:{}, s:{}, s:{}}", "tools", "prompts", "resources")
                  : json_pack("{s:{}, s:{}, s:{}, s:{}}", "tools", "prompts", "resources", "logging");
}

static json_t *server_info(const char *version)
{
    json_t *info = json_pack("{s:s, s:s}", "name", "sessionkey-mcp", "version", skm_version);

    if (info != NULL && (version == NULL || strcmp(version, "2025-06-18") >= 0))
        json_object_set_new(info, "title", json_string("Session Key Approvals"));
    if (info != NULL && (version == NULL || strcmp(version, "2025-11-25") >= 0))
        json_object_set_new(info, "description",
                            json_string("Approve, list, audit and revoke ERC-4337 session keys for wallet automations"));
    return info;
}

/* ---- methods ---- */

static json_t *m_initialize(struct mcp_server *s, struct req *r, struct fail *f)
{
    json_t *pv = json_object_get(r->params, "protocolVersion");
    const char *v;

    if (!json_is_string(pv))
        return fail_with(f, RPC_INVALID_PARAMS, "initialize needs params.protocolVersion (a string)");
    v = supported_legacy(json_string_value(pv)) ? json_string_value(pv) : mcp_legacy_versions[0];
    snprintf(s->version, sizeof s->version, "%s", v);
    s->era = MCP_ERA_LEGACY;
    s->initialized = 1;
    s->client_url_elicitation = mcp_elicit_client_has_url(json_object_get(r->params, "capabilities"));
    log_info("initialize: client asked for %s, using %s", json_string_value(pv), v);
    return json_pack("{s:s, s:o, s:o, s:s}", "protocolVersion", v, "capabilities", capabilities(0), "serverInfo",
                     server_info(v), "instructions", server_instructions);
}

static json_t *m_ping(struct mcp_server *s, struct req *r, struct fail *f)
{
    (void)s, (void)r, (void)f;
    return json_object();
}

static json_t *m_discover(struct mcp_server *s, struct req *r, struct fail *f)
{
    (void)s, (void)r, (void)f;
    return json_pack("{s:o, s:o, s:s, s:i, s:s}", "supportedVersions", supported_list(), "capabilities",
                     capabilities(1), "instructions", server_instructions, "ttlMs", LIST_TTL_MS, "cacheScope",
                     "public");
}

static json_t *m_tools_list(struct mcp_server *s, struct req *r, struct fail *f)
{
    struct mcp_error err;
    json_t *tools;

    if (json_object_get(r->params, "cursor") != NULL)
        return fail_with(f, RPC_INVALID_PARAMS, "Invalid cursor: the tool list has a single page");
    if (reg_load(&err) != MCP_OK)
        return fail_with(f, RPC_INTERNAL_ERROR, "Internal error: %s", err.msg);
    tools = reg_tools_list_for(reg_gen_for(r->version), s->cfg != NULL && s->cfg->executor);
    return json_pack("{s:O}", "tools", tools);
}

/* 2026-07-28: a pending session and a client that declared URL elicitation on this request:
 * answer input_required (MRTR) with the URL elicitation, unless this call is the retry that
 * echoes our requestState (then the pending result itself says it is still waiting, so the
 * client never loops on the same prompt). */
static json_t *confirm_mrtr(struct req *r, json_t *result, const char *sid, const char *url)
{
    json_t *caps = json_object_get(json_object_get(r->params, "_meta"), META_CAPS), *out;
    const char *state = json_string_value(json_object_get(r->params, "requestState"));
    int64_t now = clock_now();
    char *sealed;

    if (!mcp_elicit_client_has_url(caps) || mcp_elicit_state_check(state, "confirm_session", sid, now))
        return result;
    sealed = mcp_elicit_state_seal("confirm_session", sid, now);
    out = json_pack("{s:s, s:{s:{s:s, s:o}}, s:s?}", "resultType", "input_required", "inputRequests", "approval",
                    "method", "elicitation/create", "params", mcp_elicit_url(url, NULL, APPROVAL_ELICIT_MESSAGE),
                    "requestState", sealed);
    free(sealed);
    if (out == NULL)
        return result;
    json_decref(result);
    return out;
}

/* After confirm_session: a settled session closes this connection's URL elicitation for it
 * (notifications/elicitation/complete); a pending one, asked about without a signature by a
 * client that can open URLs, becomes the standard URL elicitation of its era. */
static json_t *confirm_followup(struct mcp_server *s, struct req *r, json_t *result, struct fail *f)
{
    json_t *sc = json_object_get(result, "structuredContent");
    const char *status = json_string_value(json_object_get(sc, "status"));
    const char *sid = json_string_value(json_object_get(sc, "sessionId")), *url;

    if (result == NULL || sid == NULL || status == NULL || json_is_true(json_object_get(result, "isError")))
        return result;
    if (strcmp(status, "active") == 0 || strcmp(status, "declined") == 0) {
        mcp_approval_outcome(s, sid, strcmp(status, "active") == 0 ? "approved" : "declined");
        return result;
    }
    url = json_string_value(json_object_get(sc, "approvalUrl"));
    if (strcmp(status, "pending") != 0 || url == NULL)
        return result;
    if (r->modern)
        return confirm_mrtr(r, result, sid, url);
    if (strcmp(r->version, "2025-11-25") != 0 || !s->client_url_elicitation)
        return result;
    f->data = json_pack("{s:[o]}", "elicitations",
                        mcp_elicit_url(url, mcp_elicit_open(&s->elicit, sid), APPROVAL_ELICIT_MESSAGE));
    if (f->data == NULL)
        return result;
    json_decref(result);
    return fail_with(f, RPC_URL_ELICITATION_REQUIRED, "Session %s is waiting for the wallet owner's approval. %s "
                     "Then call confirm_session again; it returns the active session.", sid,
                     APPROVAL_ELICIT_MESSAGE);
}

static json_t *m_tools_call(struct mcp_server *s, struct req *r, struct fail *f)
{
    json_t *name = json_object_get(r->params, "name"), *args = json_object_get(r->params, "arguments");
    struct tool_ctx ctx = {s->cfg, r->version};
    const struct tool_def *t;
    struct mcp_error err;

    if (!json_is_string(name))
        return fail_with(f, RPC_INVALID_PARAMS, "tools/call needs params.name (the tool name, a string)");
    if (args != NULL && !json_is_object(args))
        return fail_with(f, RPC_INVALID_PARAMS, "tools/call params.arguments must be an object");
    if (reg_load(&err) != MCP_OK)
        return fail_with(f, RPC_INTERNAL_ERROR, "Internal error: %s", err.msg);
    t = reg_find(json_string_value(name));
    if (t != NULL && !reg_served(t, s->cfg != NULL && s->cfg->executor))
        return fail_with(f, RPC_INVALID_PARAMS, "Unknown tool: %.100s. It is an executor tool, served only by a "
                         "server started with --executor (or run it with `sessionkey-mcp exec`); a chat client "
                         "cannot obtain signatures.", json_string_value(name));
    if (t == NULL)
        return fail_with(f, RPC_INVALID_PARAMS, "Unknown tool: %.100s", json_string_value(name));
    if (strcmp(t->name, "confirm_session") == 0)
        return confirm_followup(s, r, reg_call(t, &ctx, args, reg_gen_for(r->version)), f);
    return reg_call(t, &ctx, args, reg_gen_for(r->version));
}

static json_t *m_prompts_list(struct mcp_server *s, struct req *r, struct fail *f)
{
    struct mcp_error err;
    json_t *list;

    (void)s;
    if (json_object_get(r->params, "cursor") != NULL)
        return fail_with(f, RPC_INVALID_PARAMS, "Invalid cursor: the prompt list has a single page");
    list = prm_list(strcmp(r->version, "2025-06-18") >= 0, &err);
    if (list == NULL)
        return fail_with(f, RPC_INTERNAL_ERROR, "Internal error: %s", err.msg);
    return json_pack("{s:o}", "prompts", list);
}

static json_t *m_prompts_get(struct mcp_server *s, struct req *r, struct fail *f)
{
    json_t *name = json_object_get(r->params, "name"), *out = NULL;
    struct mcp_error err = {MCP_OK, ""};
    enum mcp_rc rc;

    (void)s;
    if (!json_is_string(name))
        return fail_with(f, RPC_INVALID_PARAMS, "prompts/get needs params.name (a string)");
    rc = prm_get(&out, json_string_value(name), json_object_get(r->params, "arguments"), &err);
    if (rc == MCP_ENOTFOUND || rc == MCP_EINVAL)
        return fail_with(f, RPC_INVALID_PARAMS, "%s", err.msg);
    if (rc != MCP_OK)
        return fail_with(f, RPC_INTERNAL_ERROR, "Internal error: %s", err.msg);
    return out;
}

static json_t *m_resources_list(struct mcp_server *s, struct req *r, struct fail *f)
{
    json_t *list;

    (void)s;
    if (json_object_get(r->params, "cursor") != NULL)
        return fail_with(f, RPC_INVALID_PARAMS, "Invalid cursor: the resource list has a single page");
    list = mcp_app_resources(r->modern || strcmp(r->version, "2025-06-18") >= 0);
    if (list == NULL)
        return fail_with(f, RPC_INTERNAL_ERROR, "Internal error: the app resource is missing from the build");
    return json_pack("{s:o}", "resources", list);
}

static json_t *m_resource_templates(struct mcp_server *s, struct req *r, struct fail *f)
{
    (void)s;
    if (json_object_get(r->params, "cursor") != NULL)
        return fail_with(f, RPC_INVALID_PARAMS, "Invalid cursor: the resource template list has a single page");
    return json_pack("{s:[]}", "resourceTemplates");
}

static json_t *m_resources_read(struct mcp_server *s, struct req *r, struct fail *f)
{
    json_t *uri = json_object_get(r->params, "uri"), *contents = NULL, *out;
    struct mcp_error err = {MCP_OK, ""};
    enum mcp_rc rc;

    (void)s;
    if (!json_is_string(uri))
        return fail_with(f, RPC_INVALID_PARAMS, "resources/read needs params.uri (a string)");
    rc = mcp_app_read(&contents, json_string_value(uri), r->modern || strcmp(r->version, "2025-06-18") >= 0, &err);
    if (rc == MCP_ENOTFOUND) {
        f->data = json_pack("{s:O}", "uri", uri);
        return fail_with(f, r->modern ? RPC_INVALID_PARAMS : RPC_RESOURCE_NOT_FOUND, "%s", err.msg);
    }
    if (rc != MCP_OK)
        return fail_with(f, RPC_INTERNAL_ERROR, "Internal error: %s", err.msg);
    out = json_pack("{s:o}", "contents", contents);
    if (out != NULL && r->modern) { /* a read result carries cache hints in 2026-07-28 */
        json_object_set_new(out, "ttlMs", json_integer(LIST_TTL_MS));
        json_object_set_new(out, "cacheScope", json_string("public"));
    }
    return out;
}

static const char *const mcp_levels[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

static void log_sink(enum log_level level, const char *msg, void *ud)
{
    struct mcp_server *s = ud;
    int mcp_level = level == LOG_DEBUG ? 0 : level == LOG_INFO ? 1 : level == LOG_NOTICE ? 2 : level == LOG_WARNING ? 3 : 4;
    json_t *n;

    if (s->client_log_level < 0 || mcp_level < s->client_log_level || s->emit == NULL)
        return;
    n = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "jsonrpc", "2.0", "method", "notifications/message", "params",
                  "level", mcp_levels[mcp_level], "logger", "sessionkey-mcp", "data", msg);
    if (n != NULL)
        s->emit(s->emit_ud, n);
    json_decref(n);
}

static json_t *m_set_level(struct mcp_server *s, struct req *r, struct fail *f)
{
    const char *lv = json_string_value(json_object_get(r->params, "level"));

    for (int i = 0; lv != NULL && i < 8; i++) {
        if (strcmp(lv, mcp_levels[i]) == 0) {
            s->client_log_level = i;
            log_set_sink(log_sink, s);
            return json_object();
        }
    }
    return fail_with(f, RPC_INVALID_PARAMS,
                     "logging/setLevel needs params.level: one of debug, info, notice, warning, error, critical, alert, emergency");
}

/* The method table. Columns: method name, handler, eras it exists in, flags. Kept short and
 * explicit: anything not here is "Method not found" (-32601). */
static const struct method {
    const char *name;
    method_fn fn;
    unsigned flags;
} methods[] = {
    {"initialize", m_initialize, M_LEGACY},
    {"ping", m_ping, M_LEGACY},
    {"server/discover", m_discover, M_LEGACY | M_MODERN | M_LIST},
    {"tools/list", m_tools_list, M_LEGACY | M_MODERN | M_LIST},
    {"tools/call", m_tools_call, M_LEGACY | M_MODERN},
    {"prompts/list", m_prompts_list, M_LEGACY | M_MODERN | M_LIST},
    {"prompts/get", m_prompts_get, M_LEGACY | M_MODERN},
    {"resources/list", m_resources_list, M_LEGACY | M_MODERN | M_LIST},
    {"resources/templates/list", m_resource_templates, M_LEGACY | M_MODERN | M_LIST},
    {"resources/read", m_resources_read, M_LEGACY | M_MODERN},
    {"logging/setLevel", m_set_level, M_LEGACY},
};

static const struct method *find_method(const char *name)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    return NULL;
}

/* ---- era gate ---- */

/* Check the 2026-07-28 envelope in params._meta. Returns 1 if usable; else fills f. */
static int modern_envelope_ok(json_t *params, struct fail *f)
{
    json_t *meta = json_object_get(params, "_meta");
    json_t *v = json_object_get(meta, META_VERSION), *caps = json_object_get(meta, META_CAPS);

    if (!json_is_string(v) || !json_is_object(caps)) {
        fail_with(f, RPC_INVALID_PARAMS,
                  "Missing params._meta[\"%s\"] (a string) and params._meta[\"%s\"] (an object): protocol %s "
                  "requires them on every request",
                  META_VERSION, META_CAPS, mcp_modern_version);
        return 0;
    }
    if (strcmp(json_string_value(v), mcp_modern_version) != 0) {
        f->data = json_pack("{s:o, s:O}", "supported", supported_list(), "requested", v);
        fail_with(f, RPC_UNSUPPORTED_PROTOCOL_VERSION,
                  "Unsupported protocol version %.40s: this server speaks %s statelessly, and %s to %s after initialize",
                  json_string_value(v), mcp_modern_version, mcp_legacy_versions[3], mcp_legacy_versions[0]);
        return 0;
    }
    return 1;
}

static int has_modern_meta(json_t *params)
{
    return json_object_get(json_object_get(params, "_meta"), META_VERSION) != NULL;
}

/* fail_with for functions that return a method: fills f, returns NULL. */
static const struct method *refuse(struct fail *f, int code, const char *fmt, ...) SKM_PRINTF(3, 4);

static const struct method *refuse(struct fail *f, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(f, code, fmt, ap);
    va_end(ap);
    return NULL;
}

/* Decide era and version for a request; NULL method pointer with f filled when refused. */
static const struct method *gate(struct mcp_server *s, const char *name, struct req *r, struct fail *f)
{
    const struct method *m = find_method(name);
    int is_init = strcmp(name, "initialize") == 0, is_open = strcmp(name, "ping") == 0 || strcmp(name, "server/discover") == 0;

    if (s->era == MCP_ERA_NONE && !is_init && !is_open && has_modern_meta(r->params)) {
        if (!modern_envelope_ok(r->params, f))
            return NULL;
        s->era = MCP_ERA_MODERN;
        log_info("first request carries the %s envelope: serving this process statelessly", mcp_modern_version);
    }
    if (s->era == MCP_ERA_MODERN) {
        r->modern = 1;
        r->version = mcp_modern_version;
        if (is_init)
            return refuse(f, RPC_INVALID_REQUEST,
                             "This connection already uses protocol %s, which has no initialize; start a new "
                             "server process to use %s or older", mcp_modern_version, mcp_legacy_versions[0]);
        if (m == NULL || !(m->flags & M_MODERN))
            return refuse(f, RPC_METHOD_NOT_FOUND, "Method not found: %.100s", name);
        if (strcmp(name, "server/discover") != 0 && !modern_envelope_ok(r->params, f))
            return NULL;
        return m;
    }
    r->version = s->version[0] ? s->version : mcp_legacy_versions[0];
    if (m == NULL || !(m->flags & M_LEGACY))
        return refuse(f, RPC_METHOD_NOT_FOUND, "Method not found: %.100s", name);
    if (is_init && s->initialized)
        return refuse(f, RPC_INVALID_REQUEST, "initialize was already received on this connection");
    if (!is_init && !is_open && !s->initialized)
        return refuse(f, RPC_INVALID_REQUEST,
                         "Server not initialized: send initialize first (protocol %s or older), or put "
                         "params._meta[\"%s\"] = \"%s\" on every request", mcp_legacy_versions[0], META_VERSION,
                         mcp_modern_version);
    return m;
}

static void decorate_modern(json_t *result, const struct method *m)
{
    json_t *meta;

    if (!json_is_object(result))
        return;
    if (json_object_get(result, "resultType") == NULL) /* input_required results carry their own */
        json_object_set_new(result, "resultType", json_string("complete"));
    meta = json_object_get(result, "_meta");
    if (meta == NULL) {
        meta = json_object();
        json_object_set_new(result, "_meta", meta);
    }
    json_object_set_new(meta, META_SERVER_INFO, server_info(NULL));
    if ((m->flags & M_LIST) && json_object_get(result, "ttlMs") == NULL) {
        json_object_set_new(result, "ttlMs", json_integer(LIST_TTL_MS));
        json_object_set_new(result, "cacheScope", json_string("public"));
    }
}

static struct mcp_list_cache *cache_find(struct mcp_server *s, const struct method *m, const struct req *r)
{
    for (int i = 0; i < s->n_cache; i++)
        if (s->cache[i].method == m && s->cache[i].version == r->version && s->cache[i].modern == r->modern)
            return &s->cache[i];
    return NULL;
}

/* {"jsonrpc":"2.0","id":ID,"result":RESULT}\n around an already serialized result. */
static char *splice(json_t *id, const char *result, size_t *len)
{
    char *ids = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY), *out = NULL;
    size_t n;

    if (ids != NULL) {
        n = strlen(ids) + strlen(result) + 40;
        out = malloc(n);
        if (out != NULL)
            *len = (size_t)snprintf(out, n, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}\n", ids, result);
    }
    free(ids);
    return out;
}

/* A cacheable list request: from the cache, or computed once and cached (raw != NULL only). */
static int serve_cached(struct mcp_server *s, const struct method *m, struct req *r, json_t *result, char **raw,
                        size_t *raw_len)
{
    struct mcp_list_cache *c = cache_find(s, m, r);

    if (c == NULL && result != NULL && s->n_cache < MCP_LIST_CACHE_MAX) {
        char *text = json_dumps(result, JSON_COMPACT);
        if (text == NULL)
            return 0;
        c = &s->cache[s->n_cache++];
        *c = (struct mcp_list_cache){m, r->version, r->modern, text};
    }
    if (c == NULL)
        return 0;
    *raw = splice(r->id, c->text, raw_len);
    return *raw != NULL;
}

static json_t *handle_request(struct mcp_server *s, struct rpc_msg *msg, char **raw, size_t *raw_len)
{
    struct req r = {msg->id, msg->params, NULL, 0};
    struct fail f = {0, "", NULL};
    const struct method *m;
    json_t *result;
    int cacheable;

    if (msg->params != NULL && !json_is_object(msg->params))
        return rpc_error_new(msg->id, RPC_INVALID_PARAMS, "params must be an object", NULL);
    m = gate(s, msg->method, &r, &f);
    cacheable = m != NULL && raw != NULL && (m->flags & M_LIST) && json_object_get(r.params, "cursor") == NULL;
    if (cacheable && serve_cached(s, m, &r, NULL, raw, raw_len))
        return NULL;
    result = m ? m->fn(s, &r, &f) : NULL;
    if (result == NULL) {
        if (f.code == 0)
            fail_with(&f, RPC_INTERNAL_ERROR, "Internal error: out of memory");
        return rpc_error_new(msg->id, f.code, f.msg, f.data);
    }
    json_decref(f.data);
    if (r.modern || m->fn == m_discover) /* server/discover is a 2026-07-28 method in any era */
        decorate_modern(result, m);
    if (cacheable && serve_cached(s, m, &r, result, raw, raw_len)) {
        json_decref(result);
        return NULL;
    }
    return rpc_result_new(msg->id, result);
}

static void handle_notification(struct mcp_server *s, struct rpc_msg *msg)
{
    if (strcmp(msg->method, "notifications/initialized") == 0) {
        s->client_ready = 1;
    } else if (strcmp(msg->method, "notifications/cancelled") == 0) {
        /* Requests are answered in order before the next line is read, so a cancellation
         * always names a request that is finished or unknown: nothing to stop, nothing to send. */
        log_debug("cancellation for a request that already completed");
    }
    /* other notifications are ignored, as the spec asks */
}

static json_t *handle_one(struct mcp_server *s, json_t *msg, int in_batch, char **raw, size_t *raw_len)
{
    struct rpc_msg m;

    rpc_classify(&m, msg);
    switch (m.kind) {
    case RPC_REQUEST:
        if (in_batch && strcmp(m.method, "initialize") == 0)
            return rpc_error_new(m.id, RPC_INVALID_REQUEST, "initialize must not be part of a batch", NULL);
        return handle_request(s, &m, raw, raw_len);
    case RPC_NOTIFICATION:
        handle_notification(s, &m);
        return NULL;
    case RPC_RESPONSE:
        return NULL;
    case RPC_INVALID:
    default:
        return rpc_error_new(m.id, RPC_INVALID_REQUEST, m.why ? m.why : "invalid request", NULL);
    }
}

static json_t *handle_batch(struct mcp_server *s, json_t *batch)
{
    json_t *out, *item;
    size_t i;

    if (!(s->era == MCP_ERA_LEGACY && strcmp(s->version, "2025-03-26") == 0))
        return rpc_error_new(NULL, RPC_INVALID_REQUEST, "JSON-RPC batches are only part of protocol 2025-03-26", NULL);
    if (json_array_size(batch) == 0)
        return rpc_error_new(NULL, RPC_INVALID_REQUEST, "an empty batch is not a request", NULL);
    out = json_array();
    json_array_foreach(batch, i, item) {
        json_t *resp = handle_one(s, item, 1, NULL, NULL);
        if (resp != NULL)
            json_array_append_new(out, resp);
    }
    if (json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* The answer to one message whose strings held \u0000 or a lone surrogate: refused with its id
 * (a notification gets none). */
static json_t *bad_escape_error(json_t *msg)
{
    json_t *id = json_object_get(msg, "id");

    if (!json_is_object(msg) || id == NULL || !(json_is_string(id) || json_is_integer(id)))
        return json_is_object(msg) && id == NULL ? NULL
                                                 : rpc_error_new(NULL, RPC_INVALID_REQUEST, "Invalid request", NULL);
    return rpc_error_new(id, RPC_INVALID_PARAMS, "Invalid params: a string in this request contains an escaped NUL "
                         "(\\u0000) or a lone surrogate (\\ud800-\\udfff), which no field accepts. Nothing was "
                         "done; remove that character and send the request again.", NULL);
}

/* Valid JSON jansson cannot load (rpc_escapes.h): answer each message with its own id.
 * Returns: the response, or NULL when the line is not such JSON (or all are notifications);
 * *handled says whether it was. */
static json_t *bad_escape_reply(const char *line, size_t len, int *handled)
{
    char *copy = malloc(len + 1);
    json_error_t jerr;
    json_t *msg = NULL, *out = NULL, *item, *r;
    size_t i;

    *handled = 0;
    if (copy == NULL)
        return NULL;
    memcpy(copy, line, len);
    copy[len] = '\0';
    if (rpc_escapes_neutralize(copy, len) > 0)
        msg = json_loadb(copy, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    free(copy);
    if (msg == NULL)
        return NULL;
    *handled = 1;
    if (!json_is_array(msg)) {
        out = bad_escape_error(msg);
    } else if ((out = json_array()) != NULL) {
        json_array_foreach(msg, i, item)
            if ((r = bad_escape_error(item)) != NULL)
                json_array_append_new(out, r);
        if (json_array_size(out) == 0) {
            json_decref(out);
            out = NULL;
        }
    }
    json_decref(msg);
    return out;
}

/* Parse and dispatch one line. Returns the response as JSON, or (when raw is not NULL) may
 * instead return NULL with *raw set to the serialized line. */
static json_t *handle_line(struct mcp_server *s, const char *line, size_t len, char **raw, size_t *raw_len)
{
    json_error_t jerr;
    json_t *msg, *resp;
    char why[200];

    while (len > 0 && (line[0] == ' ' || line[0] == '\t')) { /* tolerate leading blanks */
        line++;
        len--;
    }
    if (len == 0)
        return NULL; /* empty lines are ignored */
    msg = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (msg == NULL && json_error_code(&jerr) == json_error_numeric_overflow)
        return rpc_error_new(NULL, RPC_INVALID_REQUEST, "Invalid request: a number is too large (ids must be "
                             "strings or integers that fit in 64 bits)", NULL);
    if (msg == NULL) {
        int handled;
        resp = bad_escape_reply(line, len, &handled);
        if (handled)
            return resp;
        snprintf(why, sizeof why, "Parse error: %s at character %d", jerr.text, jerr.position);
        return rpc_error_new(NULL, RPC_PARSE_ERROR, why, NULL);
    }
    resp = json_is_array(msg) ? handle_batch(s, msg) : handle_one(s, msg, 0, raw, raw_len);
    json_decref(msg);
    return resp;
}

json_t *mcp_handle_line(struct mcp_server *s, const char *line, size_t len)
{
    return handle_line(s, line, len, NULL, NULL);
}

char *mcp_handle_line_text(struct mcp_server *s, const char *line, size_t len, size_t *out_len)
{
    char *raw = NULL;
    json_t *resp = handle_line(s, line, len, &raw, out_len);

    if (resp != NULL) {
        raw = rpc_dump_line(resp, out_len);
        json_decref(resp);
    }
    return raw;
}

json_t *mcp_line_too_long(struct mcp_server *s, size_t limit)
{
    char why[160];

    (void)s;
    snprintf(why, sizeof why, "Request too large: a message may be at most %zu bytes; it was dropped", limit);
    return rpc_error_new(NULL, RPC_INVALID_REQUEST, why, NULL);
}

void mcp_approval_outcome(void *ctx, const char *session_id, const char *outcome)
{
    struct mcp_server *s = ctx;
    char id[MCP_ELICIT_ID_SIZE];
    json_t *n;

    if (s == NULL || session_id == NULL || !mcp_elicit_take(&s->elicit, session_id, id))
        return;
    log_info("approval of %s %s: telling the client its URL elicitation is complete", session_id,
             outcome ? outcome : "settled");
    if (s->era != MCP_ERA_LEGACY || s->emit == NULL)
        return; /* 2026-07-28 has no such notification: the client's retry sees the new state */
    n = json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0", "method", "notifications/elicitation/complete", "params",
                  "elicitationId", id);
    if (n != NULL)
        s->emit(s->emit_ud, n);
    json_decref(n);
}

void mcp_server_init(struct mcp_server *s, const struct skm_config *cfg, mcp_emit_fn emit, void *emit_ud)
{
    log_set_sink(NULL, NULL); /* a previous server's subscription never carries over */
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->client_log_level = -1;
    s->emit = emit;
    s->emit_ud = emit_ud;
}

void mcp_server_close(struct mcp_server *s)
{
    for (int i = 0; i < s->n_cache; i++)
        free(s->cache[i].text);
    s->n_cache = 0;
    if (s->client_log_level >= 0)
        log_set_sink(NULL, NULL);
    s->client_log_level = -1;
}

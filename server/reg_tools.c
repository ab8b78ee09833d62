/* reg_tools.c: tool registry (see reg_tools.h). */
#include "reg_tools.h"

#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "err_words.h"
#include "log.h"
#include "mcp_app.h"
#include "schema_check.h"

struct reg_entry {
    json_t *input;  /* parsed input schema (owned) */
    json_t *output; /* parsed output schema (owned) or NULL */
};

static struct reg_entry *g_entries;
static json_t *g_lists[REG_GEN_COUNT];
static json_t *g_chat_lists[REG_GEN_COUNT]; /* without the executor tools */
static int g_loaded;

enum reg_gen reg_gen_for(const char *v)
{
    if (v == NULL || strcmp(v, "2025-03-26") < 0)
        return REG_GEN_2024;
    if (strcmp(v, "2025-06-18") < 0)
        return REG_GEN_2025_03;
    return REG_GEN_2025_06;
}

static json_t *load_asset_json(const char *path, struct mcp_error *err)
{
    const struct asset *a = asset_find(path);
    json_error_t jerr;
    json_t *j;

    if (a == NULL) {
        mcp_errf(err, MCP_EINTERNAL, "asset %s is missing from the build", path);
        return NULL;
    }
    j = json_loadb((const char *)a->bytes, a->len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL)
        mcp_errf(err, MCP_EINTERNAL, "%s: line %d: %s", path, jerr.line, jerr.text);
    return j;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > 64)
        return 0;
    for (const char *p = name; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return 0;
    }
    return 1;
}

static enum mcp_rc load_entry(struct reg_entry *e, const struct tool_def *t, struct mcp_error *err)
{
    char path[160];

    if (!valid_name(t->name))
        return mcp_errf(err, MCP_EINTERNAL, "tool name \"%s\" breaks ^[a-zA-Z0-9_-]{1,64}$", t->name);
    if (t->description == NULL || t->description[0] == '\0' || t->fn == NULL)
        return mcp_errf(err, MCP_EINTERNAL, "tool %s needs a description and a handler", t->name);
    snprintf(path, sizeof path, "schemas/%s.input.json", t->name);
    if ((e->input = load_asset_json(path, err)) == NULL)
        return MCP_EINTERNAL;
    if (schema_check_portable(e->input, path, err) != MCP_OK)
        return MCP_EINTERNAL;
    if (strcmp(json_string_value(json_object_get(e->input, "type")), "object") != 0)
        return mcp_errf(err, MCP_EINTERNAL, "%s: the root must be type object", path);
    snprintf(path, sizeof path, "schemas/%s.output.json", t->name);
    if (asset_find(path) == NULL)
        return MCP_OK;
    if ((e->output = load_asset_json(path, err)) == NULL)
        return MCP_EINTERNAL;
    if (schema_check_portable(e->output, path, err) != MCP_OK)
        return MCP_EINTERNAL;
    return MCP_OK;
}

static json_t *annotations(const struct tool_def *t)
{
    json_t *a = json_pack("{s:s, s:b, s:b}", "title", t->title, "readOnlyHint", (t->flags & TOOL_READONLY) != 0,
                          "openWorldHint", (t->flags & TOOL_OPEN_WORLD) != 0);

    if (a != NULL && !(t->flags & TOOL_READONLY)) {
        json_object_set_new(a, "destructiveHint", json_boolean((t->flags & TOOL_DESTRUCTIVE) != 0));
        json_object_set_new(a, "idempotentHint", json_boolean((t->flags & TOOL_IDEMPOTENT) != 0));
    }
    return a;
}

static json_t *tool_json(const struct tool_def *t, const struct reg_entry *e, enum reg_gen gen)
{
    json_t *j = json_pack("{s:s, s:s, s:O}", "name", t->name, "description", t->description, "inputSchema", e->input);
    json_t *meta;

    if (j == NULL)
        return NULL;
    if (gen >= REG_GEN_2025_03 && json_object_set_new(j, "annotations", annotations(t)) != 0)
        goto fail;
    if (gen >= REG_GEN_2025_06) {
        if (json_object_set_new(j, "title", json_string(t->title)) != 0)
            goto fail;
        if (e->output != NULL && json_object_set(j, "outputSchema", e->output) != 0)
            goto fail;
        meta = mcp_app_tool_meta(t->name); /* Tool._meta exists from 2025-06-18 on */
        if (meta != NULL && json_object_set_new(j, "_meta", meta) != 0)
            goto fail;
    }
    return j;
fail:
    json_decref(j);
    return NULL;
}

static enum mcp_rc build_lists(struct mcp_error *err)
{
    for (int g = 0; g < REG_GEN_COUNT; g++) {
        g_lists[g] = json_array();
        g_chat_lists[g] = json_array();
        if (g_lists[g] == NULL || g_chat_lists[g] == NULL)
            return mcp_errf(err, MCP_ENOMEM, "out of memory");
        for (size_t i = 0; i < tool_count; i++) {
            json_t *t = tool_json(&tool_table[i], &g_entries[i], (enum reg_gen)g);
            if (t == NULL || json_array_append_new(g_lists[g], t) != 0)
                return mcp_errf(err, MCP_ENOMEM, "out of memory");
            if (!(tool_table[i].flags & TOOL_EXECUTOR) && json_array_append(g_chat_lists[g], t) != 0)
                return mcp_errf(err, MCP_ENOMEM, "out of memory");
        }
    }
    return MCP_OK;
}

enum mcp_rc reg_load(struct mcp_error *err)
{
    if (g_loaded)
        return g_entries != NULL ? MCP_OK : mcp_errf(err, MCP_EINTERNAL, "tool registry failed to load");
    g_loaded = 1;
    g_entries = calloc(tool_count, sizeof *g_entries);
    if (g_entries == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    for (size_t i = 0; i < tool_count; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(tool_table[i].name, tool_table[j].name) == 0) {
                mcp_errf(err, MCP_EINTERNAL, "tool %s is listed twice", tool_table[i].name);
                goto fail;
            }
        }
        if (load_entry(&g_entries[i], &tool_table[i], err) != MCP_OK)
            goto fail;
    }
    if (build_lists(err) != MCP_OK)
        goto fail;
    return MCP_OK;
fail:
    log_error("tool registry: %s", err ? err->msg : "load failed");
    reg_unload();
    g_loaded = 1;
    return MCP_EINTERNAL;
}

json_t *reg_tools_list(enum reg_gen gen)
{
    return (g_entries != NULL && gen < REG_GEN_COUNT) ? g_lists[gen] : NULL;
}

json_t *reg_tools_list_for(enum reg_gen gen, int executor)
{
    if (executor)
        return reg_tools_list(gen);
    return (g_entries != NULL && gen < REG_GEN_COUNT) ? g_chat_lists[gen] : NULL;
}

int reg_served(const struct tool_def *t, int executor)
{
    return t != NULL && (executor || !(t->flags & TOOL_EXECUTOR));
}

const struct tool_def *reg_find(const char *name)
{
    for (size_t i = 0; i < tool_count; i++) {
        if (strcmp(tool_table[i].name, name) == 0)
            return &tool_table[i];
    }
    return NULL;
}

static json_t *text_content(const char *text)
{
    return json_pack("[{s:s, s:s}]", "type", "text", "text", text);
}

static json_t *error_result(enum mcp_rc rc, const char *msg)
{
    json_t *r = json_pack("{s:o, s:b}", "content", text_content(msg), "isError", 1);

    if (r != NULL)
        json_object_set_new(r, "_meta", json_pack("{s:{s:s}}", "io.sessionkey-mcp/error", "code", mcp_rc_word(rc)));
    return r;
}

static json_t *success_result(struct tool_reply *rep, const struct reg_entry *e, const struct tool_def *t,
                              enum reg_gen gen)
{
    struct mcp_error verr;
    char *dumped = NULL;
    json_t *r;

    if (e->output != NULL && rep->structured == NULL && !rep->is_error) {
        log_error("tool %s: a successful result without structuredContent", t->name);
        return error_result(MCP_EINTERNAL, "Internal error: the server built an incomplete result. Nothing was "
                                           "changed by this message; please report it.");
    }
    if (rep->structured != NULL && e->output != NULL && schema_validate(e->output, rep->structured, &verr) != MCP_OK) {
        log_error("tool %s: result does not match its output schema: %s", t->name, verr.msg);
        return error_result(MCP_EINTERNAL, "Internal error: the server built a result that does not match its own "
                                           "schema. Nothing was changed by this message; please report it.");
    }
    if (rep->text == NULL && rep->structured != NULL)
        dumped = json_dumps(rep->structured, JSON_COMPACT);
    r = json_pack("{s:o}", "content", text_content(rep->text ? rep->text : dumped ? dumped : ""));
    free(dumped);
    if (r == NULL)
        return NULL;
    if (rep->is_error && json_object_set_new(r, "isError", json_true()) != 0)
        goto fail;
    if (gen >= REG_GEN_2025_06 && rep->structured != NULL &&
        json_object_set(r, "structuredContent", rep->structured) != 0)
        goto fail;
    return r;
fail:
    json_decref(r);
    return NULL;
}

json_t *reg_call(const struct tool_def *tool, struct tool_ctx *ctx, json_t *args, enum reg_gen gen)
{
    const struct reg_entry *e = &g_entries[tool - tool_table];
    struct tool_reply rep = {NULL, NULL, 0};
    struct mcp_error err = {MCP_OK, ""};
    json_t *empty = NULL, *r;
    enum mcp_rc rc;

    if (args == NULL)
        args = empty = json_object();
    if (schema_validate_input(e->input, args, &err) != MCP_OK) {
        char msg[MCP_ERR_MSG_MAX + 96], words[ERR_WORDS_MAX];
        snprintf(msg, sizeof msg, "Invalid arguments for %s: %s", tool->name, err.msg);
        err_words_complete(words, sizeof words, MCP_EINVAL, tool->name, msg);
        json_decref(empty);
        return error_result(MCP_EINVAL, words);
    }
    rc = tool->fn(ctx, args, &rep, &err);
    if (rc != MCP_OK) {
        char words[ERR_WORDS_MAX];
        if (err.msg[0] == '\0')
            mcp_errf(&err, rc, "%s failed (%s)", tool->name, mcp_rc_word(rc));
        err_words_complete(words, sizeof words, rc, tool->name, err.msg);
        r = error_result(rc, words);
    } else {
        r = success_result(&rep, e, tool, gen);
    }
    json_decref(rep.structured);
    free(rep.text);
    json_decref(empty);
    return r;
}

enum mcp_rc reg_check_assets(struct mcp_error *err)
{
    if (reg_load(err) != MCP_OK)
        return MCP_EINTERNAL;
    for (const struct asset *a = skm_assets; a->path != NULL; a++) {
        char name[128];
        const char *base, *dot;
        size_t n;

        if (strncmp(a->path, "schemas/", 8) != 0 || strcmp(a->path, "schemas/README.md") == 0)
            continue;
        base = a->path + 8;
        dot = strchr(base, '.');
        n = dot ? (size_t)(dot - base) : strlen(base);
        if (dot == NULL || (strcmp(dot, ".input.json") != 0 && strcmp(dot, ".output.json") != 0) || n >= sizeof name)
            return mcp_errf(err, MCP_EINTERNAL, "%s: schema files are named <tool>.input.json or <tool>.output.json",
                            a->path);
        memcpy(name, base, n);
        name[n] = '\0';
        if (reg_find(name) == NULL)
            return mcp_errf(err, MCP_EINTERNAL, "%s belongs to no tool in tools/table.c", a->path);
    }
    return MCP_OK;
}

void reg_unload(void)
{
    for (int g = 0; g < REG_GEN_COUNT; g++) {
        json_decref(g_lists[g]);
        g_lists[g] = NULL;
        json_decref(g_chat_lists[g]);
        g_chat_lists[g] = NULL;
    }
    if (g_entries != NULL) {
        for (size_t i = 0; i < tool_count; i++) {
            json_decref(g_entries[i].input);
            json_decref(g_entries[i].output);
        }
        free(g_entries);
    }
    g_entries = NULL;
    g_loaded = 0;
}

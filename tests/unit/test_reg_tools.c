/* test_reg_tools.c: the tool registry (tools/table.c + schemas/): loading, the asset check,
 * protocol generations, tools/list bodies, lookup, and reg_call's argument-validation path.
 *
 * Handlers are never called with valid arguments here: every reg_call below fails input
 * validation, which happens before the handler runs. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "cfg.h"
#include "reg_tools.h"
#include "test.h"
#include "tool.h"

/* What err_words adds after a schema refusal of tool's arguments. */
#define SCHEMA_TAIL(tool) ". Nothing was changed. Correct the value named above and call " tool " again. If this " \
                          "keeps failing, the user can always make each trade themselves by signing it in their own wallet."

static struct skm_config g_reg_cfg;

static int load(void)
{
    struct mcp_error err = {MCP_OK, ""};

    if (reg_load(&err) != MCP_OK) {
        test_fail(__FILE__, __LINE__, "reg_load: %s", err.msg);
        return 0;
    }
    return 1;
}

static json_t *asset_json(const char *path)
{
    const struct asset *a = asset_find(path);

    return a ? json_loadb((const char *)a->bytes, a->len, 0, NULL) : NULL;
}

static json_t *find_in(json_t *list, const char *name)
{
    size_t i;
    json_t *t;

    json_array_foreach(list, i, t) {
        if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
            return t;
    }
    return NULL;
}

static const char *meta_code(json_t *result)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(result, "_meta"), "io.sessionkey-mcp/error"), "code"));
}

static const char *first_text(json_t *result)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(result, "content"), 0), "text"));
}

TEST(reg_load_succeeds_and_is_idempotent)
{
    struct mcp_error err = {MCP_OK, ""};

    CHECK(load());
    CHECK_EQ_INT(reg_load(&err), MCP_OK);
    CHECK_EQ_INT(reg_load(NULL), MCP_OK);
}

TEST(reg_check_assets_ok)
{
    struct mcp_error err = {MCP_OK, ""};
    enum mcp_rc rc = reg_check_assets(&err);

    if (rc != MCP_OK)
        test_fail(__FILE__, __LINE__, "%s", err.msg);
    CHECK_EQ_INT(rc, MCP_OK);
}

TEST(reg_table_rows_are_well_formed)
{
    CHECK(tool_count >= 4);
    for (size_t i = 0; i < tool_count; i++) {
        const struct tool_def *t = &tool_table[i];
        size_t n = strlen(t->name);

        CHECK(n >= 1 && n <= 64);
        CHECK(strspn(t->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n);
        CHECK(t->title != NULL && t->title[0] != '\0');
        CHECK(t->description != NULL && strlen(t->description) >= 40);
        CHECK(t->fn != NULL);
        CHECK(!((t->flags & TOOL_READONLY) && (t->flags & TOOL_DESTRUCTIVE)));
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(tool_table[j].name, t->name) != 0);
    }
}

TEST(reg_every_tool_has_both_schemas)
{
    for (size_t i = 0; i < tool_count; i++) {
        char in[160], out[160];
        json_t *is, *os;

        snprintf(in, sizeof in, "schemas/%s.input.json", tool_table[i].name);
        snprintf(out, sizeof out, "schemas/%s.output.json", tool_table[i].name);
        is = asset_json(in);
        os = asset_json(out);
        int ok = json_is_object(is) && json_is_object(os) &&
                 strcmp(json_string_value(json_object_get(is, "type")), "object") == 0 &&
                 json_is_string(json_object_get(os, "type")) &&
                 strcmp(json_string_value(json_object_get(os, "type")), "object") == 0 &&
                 json_is_false(json_object_get(is, "additionalProperties"));
        json_decref(is);
        json_decref(os);
        if (!ok)
            test_fail(__FILE__, __LINE__, "%s: schemas missing or not closed objects", tool_table[i].name);
        CHECK(ok);
    }
}

TEST(reg_gen_for_mapping)
{
    CHECK_EQ_INT(reg_gen_for(NULL), REG_GEN_2024);
    CHECK_EQ_INT(reg_gen_for("2024-10-07"), REG_GEN_2024);
    CHECK_EQ_INT(reg_gen_for("2024-11-05"), REG_GEN_2024);
    CHECK_EQ_INT(reg_gen_for("2025-03-26"), REG_GEN_2025_03);
    CHECK_EQ_INT(reg_gen_for("2025-06-18"), REG_GEN_2025_06);
    CHECK_EQ_INT(reg_gen_for("2025-11-25"), REG_GEN_2025_06);
    CHECK_EQ_INT(reg_gen_for("2026-07-28"), REG_GEN_2025_06);
}

TEST(reg_find_by_name)
{
    CHECK(load());
    for (size_t i = 0; i < tool_count; i++)
        CHECK(reg_find(tool_table[i].name) == &tool_table[i]);
    CHECK(reg_find("") == NULL);
    CHECK(reg_find("nope") == NULL);
    CHECK(reg_find("Confirm_session") == NULL); /* names are case-sensitive */
    CHECK(reg_find("confirm_session ") == NULL);
}

TEST(reg_tools_list_per_generation)
{
    static const char *const keys[REG_GEN_COUNT][7] = {
        {"name", "description", "inputSchema", NULL},
        {"name", "description", "inputSchema", "annotations", NULL},
        {"name", "title", "description", "inputSchema", "outputSchema", "annotations", NULL},
    };

    CHECK(load());
    for (int g = 0; g < REG_GEN_COUNT; g++) {
        json_t *list = reg_tools_list((enum reg_gen)g), *t;
        size_t i, n_keys = 0;

        while (keys[g][n_keys] != NULL)
            n_keys++;
        CHECK(json_is_array(list));
        CHECK_EQ_INT(json_array_size(list), tool_count);
        CHECK(reg_tools_list((enum reg_gen)g) == list); /* built once, borrowed */
        json_array_foreach(list, i, t) {
            CHECK_STR(json_string_value(json_object_get(t, "name")), tool_table[i].name); /* table order */
            CHECK_STR(json_string_value(json_object_get(t, "description")), tool_table[i].description);
            /* 2025-06-18+: request_session_approval also carries _meta (the MCP App link) */
            CHECK_EQ_INT(json_object_size(t),
                         n_keys + (g >= REG_GEN_2025_06 && strcmp(tool_table[i].name, "request_session_approval") == 0));
            for (size_t k = 0; k < n_keys; k++)
                CHECK(json_object_get(t, keys[g][k]) != NULL);
            if (g >= REG_GEN_2025_06)
                CHECK_STR(json_string_value(json_object_get(t, "title")), tool_table[i].title);
        }
    }
    CHECK(reg_tools_list(REG_GEN_COUNT) == NULL);
}

TEST(reg_tools_list_schemas_match_assets)
{
    json_t *list;

    CHECK(load());
    list = reg_tools_list(REG_GEN_2025_06);
    for (size_t i = 0; i < tool_count; i++) {
        char in[160], out[160];
        json_t *t = find_in(list, tool_table[i].name);
        snprintf(in, sizeof in, "schemas/%s.input.json", tool_table[i].name);
        snprintf(out, sizeof out, "schemas/%s.output.json", tool_table[i].name);
        json_t *is = asset_json(in), *os = asset_json(out);
        int ok = t != NULL && json_equal(json_object_get(t, "inputSchema"), is) &&
                 json_equal(json_object_get(t, "outputSchema"), os);
        json_decref(is);
        json_decref(os);
        if (!ok)
            test_fail(__FILE__, __LINE__, "%s: listed schemas differ from the assets", tool_table[i].name);
        CHECK(ok);
    }
}

TEST(reg_annotations_follow_flags)
{
    json_t *list;

    CHECK(load());
    list = reg_tools_list(REG_GEN_2025_03);
    for (size_t i = 0; i < tool_count; i++) {
        const struct tool_def *d = &tool_table[i];
        json_t *a = json_object_get(find_in(list, d->name), "annotations");
        int ro = (d->flags & TOOL_READONLY) != 0;

        CHECK(json_is_object(a));
        CHECK_STR(json_string_value(json_object_get(a, "title")), d->title);
        CHECK(json_is_boolean(json_object_get(a, "readOnlyHint")));
        CHECK_EQ_INT(json_is_true(json_object_get(a, "readOnlyHint")), ro);
        CHECK_EQ_INT(json_is_true(json_object_get(a, "openWorldHint")), (d->flags & TOOL_OPEN_WORLD) != 0);
        if (ro) {
            CHECK(json_object_get(a, "destructiveHint") == NULL);
            CHECK(json_object_get(a, "idempotentHint") == NULL);
        } else {
            CHECK(json_is_boolean(json_object_get(a, "destructiveHint")));
            CHECK_EQ_INT(json_is_true(json_object_get(a, "destructiveHint")), (d->flags & TOOL_DESTRUCTIVE) != 0);
            CHECK_EQ_INT(json_is_true(json_object_get(a, "idempotentHint")), (d->flags & TOOL_IDEMPOTENT) != 0);
        }
    }
}

TEST(reg_call_invalid_arguments_is_error_result)
{
    struct tool_ctx ctx = {&g_reg_cfg, "2025-11-25"};

    CHECK(load());
    for (size_t i = 0; i < tool_count; i++) {
        for (int g = 0; g < REG_GEN_COUNT; g++) {
            json_t *args = json_pack("{s:i}", "__nope", 1);
            json_t *r = reg_call(&tool_table[i], &ctx, args, (enum reg_gen)g);
            char prefix[200];

            snprintf(prefix, sizeof prefix, "Invalid arguments for %s: ", tool_table[i].name);
            const char *text = first_text(r);
            int ok = json_is_object(r) && json_is_true(json_object_get(r, "isError")) && text != NULL &&
                     strncmp(text, prefix, strlen(prefix)) == 0 && strstr(text, "__nope: is not a known field") &&
                     json_object_get(r, "structuredContent") == NULL && meta_code(r) != NULL &&
                     strcmp(meta_code(r), "INVALID_ARGUMENT") == 0 &&
                     strcmp(json_string_value(json_object_get(json_array_get(json_object_get(r, "content"), 0), "type")),
                            "text") == 0 &&
                     json_array_size(json_object_get(r, "content")) == 1;
            if (!ok)
                test_fail(__FILE__, __LINE__, "%s gen %d: %s", tool_table[i].name, g, text ? text : "(no text)");
            CHECK_EQ_INT(args->refcount, 1); /* args are borrowed */
            json_decref(args);
            json_decref(r);
            CHECK(ok);
        }
    }
}

TEST(reg_call_null_arguments_mean_empty_object)
{
    struct tool_ctx ctx = {&g_reg_cfg, "2025-06-18"};
    const struct tool_def *t;
    json_t *r;

    CHECK(load());
    t = reg_find("confirm_session");
    CHECK(t != NULL);
    r = reg_call(t, &ctx, NULL, REG_GEN_2025_06);
    CHECK(json_is_true(json_object_get(r, "isError")));
    CHECK_STR(first_text(r), "Invalid arguments for confirm_session: sessionId: is required but missing" SCHEMA_TAIL("confirm_session"));
    json_decref(r);
    t = reg_find("request_session_approval");
    CHECK(t != NULL);
    r = reg_call(t, &ctx, NULL, REG_GEN_2024);
    CHECK_STR(first_text(r), "Invalid arguments for request_session_approval: walletAddress: is required but "
                             "missing; duration: is required but missing; permissions: is required but missing" SCHEMA_TAIL("request_session_approval"));
    CHECK_STR(meta_code(r), "INVALID_ARGUMENT");
    json_decref(r);
}

TEST(reg_call_validation_uses_the_input_schema)
{
    struct tool_ctx ctx = {&g_reg_cfg, "2025-11-25"};
    const struct tool_def *t;
    json_t *args, *r;

    CHECK(load());
    t = reg_find("list_automations");
    CHECK(t != NULL);
    args = json_pack("{s:s, s:s, s:i}", "walletAddress", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "status",
                     "everything", "limit", 101);
    r = reg_call(t, &ctx, args, REG_GEN_2025_06);
    CHECK(json_is_true(json_object_get(r, "isError")));
    CHECK(strncmp(first_text(r), "Invalid arguments for list_automations: status: expected one of \"", 65) == 0);
    CHECK_CONTAINS(first_text(r), ", got \"everything\"; limit: must be at most ");
    CHECK_CONTAINS(first_text(r), ", got 101");
    json_decref(r);
    json_decref(args);
}

/* Unload and load again (the registry frees its schemas): validation must use the new schemas'
 * patterns, not compiled patterns left from the freed ones. */
TEST(reg_reload_then_call_validates)
{
    struct tool_ctx ctx = {&g_reg_cfg, "2025-11-25"};
    const struct tool_def *t;
    json_t *args, *r;

    CHECK(load());
    reg_unload();
    CHECK(reg_tools_list(REG_GEN_2024) == NULL); /* nothing listed while unloaded */
    CHECK(load());
    CHECK_EQ_INT(json_array_size(reg_tools_list(REG_GEN_2025_06)), tool_count);
    t = reg_find("list_automations");
    CHECK(t != NULL);
    args = json_pack("{s:s, s:i}", "walletAddress", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "limit", 0);
    r = reg_call(t, &ctx, args, REG_GEN_2025_06);
    json_decref(args);
    CHECK_STR(first_text(r), "Invalid arguments for list_automations: limit: must be at least 1, got 0" SCHEMA_TAIL("list_automations"));
    json_decref(r);
    args = json_pack("{s:s}", "walletAddress", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe");
    r = reg_call(t, &ctx, args, REG_GEN_2025_06);
    json_decref(args);
    CHECK_STR(first_text(r), "Invalid arguments for list_automations: walletAddress: expected an Ethereum address "
                             "(0x followed by 40 hex digits), got \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe\"" SCHEMA_TAIL("list_automations"));
    json_decref(r);
}

TEST(reg_error_words)
{
    CHECK_STR(mcp_rc_word(MCP_EINVAL), "INVALID_ARGUMENT");
    CHECK_STR(mcp_rc_word(MCP_EINTERNAL), "INTERNAL_ERROR");
    CHECK_STR(mcp_rc_word(MCP_EUNSUPPORTED), "NOT_IMPLEMENTED");
    CHECK_STR(mcp_rc_word(MCP_EPOLICY), "POLICY_DENIED");
    CHECK_STR(mcp_rc_word((enum mcp_rc)999), "INTERNAL_ERROR");
}

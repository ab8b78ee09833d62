/* test_prompts.c: prompt templates: list shapes, one-pass {{argument}} substitution, argument
 * errors, and the asset check. Expected texts are derived from the compiled-in Markdown. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "prm_prompts.h"
#include "test.h"

/* The compiled-in file as a malloc'd string with every "{{name}}" in names[] replaced by
 * values[] (a plain reference implementation: only the listed names are touched). */
static char *expected(const char *file, const char *const *names, const char *const *values, int n)
{
    const struct asset *a = asset_find(file);
    size_t cap = 1, used = 0;
    char *out;

    if (a == NULL)
        return NULL;
    for (int i = 0; i < n; i++)
        cap += strlen(values[i]) * 4;
    cap += a->len;
    out = malloc(cap);
    if (out == NULL)
        return NULL;
    for (const char *p = (const char *)a->bytes; *p;) {
        int hit = 0;
        for (int i = 0; i < n && !hit; i++) {
            char ph[80];
            snprintf(ph, sizeof ph, "{{%s}}", names[i]);
            if (strncmp(p, ph, strlen(ph)) == 0) {
                memcpy(out + used, values[i], strlen(values[i]));
                used += strlen(values[i]);
                p += strlen(ph);
                hit = 1;
            }
        }
        if (!hit)
            out[used++] = *p++;
    }
    out[used] = '\0';
    return out;
}

/* prm_get with args given as JSON text; returns rc, sets *out and copies err.msg. */
static enum mcp_rc get(json_t **out, const char *name, const char *args_json, char *msg, size_t msg_size)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *args = args_json ? json_loads(args_json, JSON_DECODE_ANY, NULL) : NULL;
    enum mcp_rc rc = prm_get(out, name, args, &err);

    snprintf(msg, msg_size, "%s", err.msg);
    json_decref(args);
    return rc;
}

static const char *text_of(json_t *result)
{
    return json_string_value(
        json_object_get(json_object_get(json_array_get(json_object_get(result, "messages"), 0), "content"), "text"));
}

TEST(prompts_substitutes_declared_arguments)
{
    static const char *const names[] = {"goal", "walletAddress"};
    static const char *const values[] = {"buy $1000 of ETH over 24 hours", "0x1111111111111111111111111111111111111111"};
    json_t *out = NULL;
    char msg[600];
    char *want = expected("prompts/setup_automation.md", names, values, 2);

    CHECK(want != NULL);
    CHECK_EQ_INT(get(&out, "setup_automation",
                     "{\"goal\":\"buy $1000 of ETH over 24 hours\","
                     "\"walletAddress\":\"0x1111111111111111111111111111111111111111\"}",
                     msg, sizeof msg),
                 MCP_OK);
    CHECK(out != NULL);
    CHECK_STR(text_of(out), want);
    CHECK(strstr(text_of(out), "{{") == NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(out, "messages")), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(out, "messages"), 0), "role")), "user");
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(json_object_get(out, "messages"), 0),
                                                                "content"),
                                                "type")),
              "text");
    CHECK_STR(json_string_value(json_object_get(out, "description")),
              "Walk the user through approving a session key for an automation such as a TWAP order or a stop-loss.");
    json_decref(out);
    free(want);
}

TEST(prompts_value_with_placeholder_not_reexpanded)
{
    static const char *const names[] = {"goal", "walletAddress"};
    static const char *const values[] = {"{{walletAddress}} then {{goal}} {{", "W}}"};
    json_t *out = NULL;
    char msg[600];
    char *want = expected("prompts/setup_automation.md", names, values, 2);

    CHECK(want != NULL);
    CHECK_EQ_INT(get(&out, "setup_automation", "{\"goal\":\"{{walletAddress}} then {{goal}} {{\",\"walletAddress\":\"W}}\"}",
                     msg, sizeof msg),
                 MCP_OK);
    CHECK_STR(text_of(out), want);
    CHECK_CONTAINS(text_of(out), "on my wallet: {{walletAddress}} then {{goal}} {{\nMy wallet: W}}\n");
    json_decref(out);
    free(want);
}

TEST(prompts_missing_optional_argument_is_empty)
{
    static const char *const names[] = {"sessionId", "details"};
    static const char *const values[] = {"s-42", ""};
    json_t *out = NULL;
    char msg[600];
    char *want = expected("prompts/explain_denial.md", names, values, 2);

    CHECK(want != NULL);
    CHECK_EQ_INT(get(&out, "explain_denial", "{\"sessionId\":\"s-42\"}", msg, sizeof msg), MCP_OK);
    CHECK_STR(text_of(out), want);
    CHECK_CONTAINS(text_of(out), "for session s-42 was refused. What I was told: \n");
    json_decref(out);
    free(want);
}

TEST(prompts_long_and_unicode_values)
{
    size_t n = 20000;
    char *big = malloc(n + 1), *args = malloc(n + 64);
    json_t *out = NULL;
    char msg[600];

    CHECK(big != NULL && args != NULL);
    for (size_t i = 0; i < n; i += 4)
        memcpy(big + i, i % 8 ? "abcd" : "\xf0\x9f\x98\x80", 4);
    big[n] = '\0';
    snprintf(args, n + 64, "{\"walletAddress\":\"%s\"}", big);
    CHECK_EQ_INT(get(&out, "manage_sessions", args, msg, sizeof msg), MCP_OK);
    CHECK_CONTAINS(text_of(out), big);
    const char *const names[] = {"walletAddress"}, *const values[] = {big};
    char *want = expected("prompts/manage_sessions.md", names, values, 1);
    CHECK(want != NULL);
    CHECK_STR(text_of(out), want);
    json_decref(out);
    free(want);
    free(big);
    free(args);
}

TEST(prompts_unknown_prompt)
{
    json_t *out = (json_t *)1;
    char msg[600];

    CHECK_EQ_INT(get(&out, "no_such_prompt", NULL, msg, sizeof msg), MCP_ENOTFOUND);
    CHECK(out == NULL); /* defined on failure */
    CHECK_STR(msg, "unknown prompt \"no_such_prompt\"");
}

TEST(prompts_argument_errors)
{
    json_t *out = NULL;
    char msg[600];

    CHECK_EQ_INT(get(&out, "setup_automation", NULL, msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "prompt setup_automation needs the argument \"goal\"");
    CHECK(out == NULL);
    CHECK_EQ_INT(get(&out, "setup_automation", "{\"walletAddress\":\"0x1\"}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "prompt setup_automation needs the argument \"goal\"");
    CHECK_EQ_INT(get(&out, "setup_automation", "{\"goal\":\"g\",\"colour\":\"red\"}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "prompt setup_automation has no argument \"colour\"");
    CHECK_EQ_INT(get(&out, "setup_automation", "{\"goal\":5}", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "prompt argument \"goal\" must be a string");
    CHECK_EQ_INT(get(&out, "setup_automation", "{\"goal\":null}", msg, sizeof msg), MCP_EINVAL);
    CHECK_EQ_INT(get(&out, "setup_automation", "[\"goal\"]", msg, sizeof msg), MCP_EINVAL);
    CHECK_STR(msg, "prompt arguments must be an object of strings");
    CHECK(out == NULL);
    CHECK_EQ_INT(get(&out, "setup_automation", "{\"goal\":\"\"}", msg, sizeof msg), MCP_OK); /* empty is given */
    json_decref(out);
}

TEST(prompts_list_titles_only_when_asked)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *with = prm_list(1, &err), *without = prm_list(0, &err), *p;
    size_t i;

    CHECK(with != NULL);
    CHECK(without != NULL);
    CHECK_EQ_INT(json_array_size(with), 3);
    CHECK_EQ_INT(json_array_size(without), 3);
    json_array_foreach(with, i, p) {
        CHECK(json_is_string(json_object_get(p, "title")));
        CHECK(json_object_get(p, "messages") == NULL);
    }
    json_array_foreach(without, i, p) {
        CHECK(json_object_get(p, "title") == NULL);
        CHECK(json_object_get(p, "messages") == NULL);
        CHECK(json_is_string(json_object_get(p, "name")));
        CHECK(json_is_string(json_object_get(p, "description")));
        CHECK(json_is_array(json_object_get(p, "arguments")));
    }
    /* assets are sorted by path, so the list is in name order */
    CHECK_STR(json_string_value(json_object_get(json_array_get(with, 0), "name")), "explain_denial");
    CHECK_STR(json_string_value(json_object_get(json_array_get(with, 1), "name")), "manage_sessions");
    CHECK_STR(json_string_value(json_object_get(json_array_get(with, 2), "name")), "setup_automation");
    p = json_array_get(json_object_get(json_array_get(with, 2), "arguments"), 0);
    CHECK_STR(json_string_value(json_object_get(p, "name")), "goal");
    CHECK(json_is_true(json_object_get(p, "required")));
    CHECK(json_is_string(json_object_get(p, "description")));
    json_decref(with);
    json_decref(without);
}

TEST(prompts_every_prompt_renders_with_required_arguments_only)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *list = prm_list(1, &err), *p, *a;
    size_t i, j;

    CHECK(list != NULL);
    json_array_foreach(list, i, p) {
        json_t *args = json_object(), *out = NULL;
        json_array_foreach(json_object_get(p, "arguments"), j, a) {
            if (json_is_true(json_object_get(a, "required")))
                json_object_set_new(args, json_string_value(json_object_get(a, "name")), json_string("v"));
        }
        enum mcp_rc rc = prm_get(&out, json_string_value(json_object_get(p, "name")), args, &err);
        const char *text = text_of(out);
        int ok = rc == MCP_OK && text != NULL && strstr(text, "{{") == NULL;
        if (!ok)
            test_fail(__FILE__, __LINE__, "%s: rc %d %s", json_string_value(json_object_get(p, "name")), (int)rc,
                      err.msg);
        json_decref(out);
        json_decref(args);
        CHECK(ok);
    }
    json_decref(list);
}

TEST(prompts_check_assets_passes)
{
    struct mcp_error err = {MCP_OK, ""};

    if (prm_check_assets(&err) != MCP_OK)
        test_fail(__FILE__, __LINE__, "%s", err.msg);
    CHECK_EQ_INT(err.rc, MCP_OK);
}

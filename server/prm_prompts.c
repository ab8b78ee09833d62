/* prm_prompts.c: prompt templates (see prm_prompts.h). */
#include "prm_prompts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"

static int is_prompt_def(const struct asset *a)
{
    size_t n = strlen(a->path);

    return strncmp(a->path, "prompts/", 8) == 0 && n > 13 && strcmp(a->path + n - 5, ".json") == 0;
}

static json_t *load(const struct asset *a, struct mcp_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)a->bytes, a->len, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL || !json_is_string(json_object_get(j, "name")) || !json_is_array(json_object_get(j, "messages"))) {
        mcp_errf(err, MCP_EINTERNAL, "%s: %s", a->path, j ? "needs \"name\" and \"messages\"" : jerr.text);
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *find(const char *name, struct mcp_error *err)
{
    for (const struct asset *a = skm_assets; a->path != NULL; a++) {
        if (!is_prompt_def(a))
            continue;
        json_t *j = load(a, err);
        if (j == NULL)
            return NULL;
        if (strcmp(json_string_value(json_object_get(j, "name")), name) == 0)
            return j;
        json_decref(j);
    }
    mcp_errf(err, MCP_ENOTFOUND, "unknown prompt \"%s\"", name);
    return NULL;
}

json_t *prm_list(int with_title, struct mcp_error *err)
{
    json_t *list = json_array();

    for (const struct asset *a = skm_assets; list != NULL && a->path != NULL; a++) {
        if (!is_prompt_def(a))
            continue;
        json_t *j = load(a, err);
        if (j == NULL) {
            json_decref(list);
            return NULL;
        }
        json_object_del(j, "messages");
        if (!with_title)
            json_object_del(j, "title");
        json_array_append_new(list, j);
    }
    return list;
}

static int declared(json_t *def, const char *name, size_t n)
{
    size_t i;
    json_t *a;

    json_array_foreach(json_object_get(def, "arguments"), i, a) {
        const char *an = json_string_value(json_object_get(a, "name"));
        if (an != NULL && strlen(an) == n && strncmp(an, name, n) == 0)
            return 1;
    }
    return 0;
}

/* One pass over tmpl: {{name}} of a declared argument becomes its value (or ""). */
static char *render(const char *tmpl, json_t *def, json_t *args)
{
    size_t cap = strlen(tmpl) + 1, used = 0;
    char *out = malloc(cap);

    for (const char *p = tmpl; out != NULL && *p;) {
        const char *end = strncmp(p, "{{", 2) == 0 ? strstr(p + 2, "}}") : NULL;
        const char *val = NULL;
        size_t vlen;

        if (end != NULL && declared(def, p + 2, (size_t)(end - p - 2))) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(end - p - 2), p + 2);
            val = json_string_value(json_object_get(args, key));
            val = val ? val : "";
        }
        vlen = val ? strlen(val) : 1;
        if (used + vlen + 1 > cap) {
            char *nb = realloc(out, cap = (used + vlen + 1) * 2);
            if (nb == NULL) {
                free(out);
                return NULL;
            }
            out = nb;
        }
        if (val != NULL) {
            memcpy(out + used, val, vlen);
            p = end + 2;
        } else {
            out[used] = *p++;
        }
        used += vlen;
    }
    if (out != NULL)
        out[used] = '\0';
    return out;
}

static enum mcp_rc check_args(json_t *def, json_t *args, struct mcp_error *err)
{
    const char *key;
    json_t *v;
    size_t i;

    if (args != NULL && !json_is_object(args))
        return mcp_errf(err, MCP_EINVAL, "prompt arguments must be an object of strings");
    json_object_foreach(args, key, v) {
        if (!declared(def, key, strlen(key)))
            return mcp_errf(err, MCP_EINVAL, "prompt %s has no argument \"%s\"",
                            json_string_value(json_object_get(def, "name")), key);
        if (!json_is_string(v))
            return mcp_errf(err, MCP_EINVAL, "prompt argument \"%s\" must be a string", key);
    }
    json_array_foreach(json_object_get(def, "arguments"), i, v) {
        const char *an = json_string_value(json_object_get(v, "name"));
        if (json_is_true(json_object_get(v, "required")) && json_object_get(args, an) == NULL)
            return mcp_errf(err, MCP_EINVAL, "prompt %s needs the argument \"%s\"",
                            json_string_value(json_object_get(def, "name")), an);
    }
    return MCP_OK;
}

static json_t *message(json_t *def, json_t *m, json_t *args, struct mcp_error *err)
{
    const char *file = json_string_value(json_object_get(m, "file"));
    const struct asset *a = file ? asset_find(file) : NULL;
    char *text;
    json_t *j;

    if (a == NULL) {
        mcp_errf(err, MCP_EINTERNAL, "prompt message file %s is missing", file ? file : "(none)");
        return NULL;
    }
    text = render((const char *)a->bytes, def, args);
    j = text ? json_pack("{s:O, s:{s:s, s:s}}", "role", json_object_get(m, "role"), "content", "type", "text",
                         "text", text)
             : NULL;
    free(text);
    if (j == NULL && err != NULL && err->rc == MCP_OK)
        mcp_errf(err, MCP_ENOMEM, "out of memory");
    return j;
}

enum mcp_rc prm_get(json_t **out, const char *name, json_t *args, struct mcp_error *err)
{
    json_t *def = find(name, err), *msgs = NULL, *m;
    enum mcp_rc rc = MCP_ENOTFOUND;
    size_t i;

    *out = NULL;
    if (def == NULL)
        return err ? err->rc : MCP_ENOTFOUND;
    if ((rc = check_args(def, args, err)) != MCP_OK)
        goto out;
    msgs = json_array();
    json_array_foreach(json_object_get(def, "messages"), i, m) {
        if (json_array_append_new(msgs, message(def, m, args, err)) != 0) {
            rc = MCP_EINTERNAL;
            goto out;
        }
    }
    *out = json_pack("{s:O, s:O}", "description", json_object_get(def, "description"), "messages", msgs);
    rc = *out ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
out:
    json_decref(msgs);
    json_decref(def);
    return rc;
}

/* Every {{name}} in a prompt's message files must be a declared argument. */
static enum mcp_rc check_placeholders(json_t *def, struct mcp_error *err)
{
    size_t i;
    json_t *m;

    json_array_foreach(json_object_get(def, "messages"), i, m) {
        const char *file = json_string_value(json_object_get(m, "file"));
        const struct asset *a = file ? asset_find(file) : NULL;
        for (const char *p = a ? (const char *)a->bytes : ""; (p = strstr(p, "{{")) != NULL; p += 2) {
            const char *end = strstr(p + 2, "}}");
            if (end != NULL && !declared(def, p + 2, (size_t)(end - p - 2)))
                return mcp_errf(err, MCP_EINTERNAL, "%s: {{%.*s}} is not an argument of prompt %s", file,
                                (int)(end - p - 2), p + 2, json_string_value(json_object_get(def, "name")));
        }
    }
    return MCP_OK;
}

enum mcp_rc prm_check_assets(struct mcp_error *err)
{
    for (const struct asset *a = skm_assets; a->path != NULL; a++) {
        json_t *def, *m, *out = NULL, *args;
        size_t i;

        if (!is_prompt_def(a))
            continue;
        if ((def = load(a, err)) == NULL)
            return MCP_EINTERNAL;
        if (check_placeholders(def, err) != MCP_OK) {
            json_decref(def);
            return MCP_EINTERNAL;
        }
        args = json_object(); /* render with every argument set, to prove all files resolve */
        json_array_foreach(json_object_get(def, "arguments"), i, m)
            json_object_set_new(args, json_string_value(json_object_get(m, "name")), json_string("x"));
        enum mcp_rc rc = prm_get(&out, json_string_value(json_object_get(def, "name")), args, err);
        json_decref(out);
        json_decref(args);
        json_decref(def);
        if (rc != MCP_OK)
            return MCP_EINTERNAL;
    }
    return MCP_OK;
}

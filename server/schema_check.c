/* schema_check.c: JSON Schema subset validator (see schema_check.h). */
#include "schema_check.h"

#include "utf8.h"
#include "utf8_display.h"

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define MAX_PROBLEMS 5
#define MAX_DEPTH 32

struct vstate {
    char msg[MCP_ERR_MSG_MAX];
    size_t used;
    int n_problems;
    int display_safe; /* input: every string must be display-safe (utf8_display.h) */
};

/* Words for the patterns our schemas use; others fall back to the schema's description. */
static const struct {
    const char *pattern;
    const char *words;
} pattern_words[] = {
    {"^0x[0-9a-fA-F]{40}$", "an Ethereum address (0x followed by 40 hex digits)"},
    {"^0x[0-9a-fA-F]{64}$", "a 32-byte hex value (0x followed by 64 hex digits)"},
    {"^0x[0-9a-fA-F]{130}$", "a 65-byte hex signature (0x followed by 130 hex digits)"},
    {"^0x([0-9a-fA-F]{2})*$", "hex bytes (0x followed by an even number of hex digits)"},
    {"^(0[xX][0-9a-fA-F]{1,64}|0|[1-9][0-9]{0,77})$", "a quantity: \"0x\" hex, or a decimal string"},
    {"^(0|[1-9][0-9]{0,59})(\\.[0-9]{1,36})?$",
     "a decimal amount in token units written as a string, like \"50\" or \"41.67\""},
};

/* A small cache of compiled patterns, keyed by a private copy of the pattern text (the schema
 * that held it may be freed). When full, patterns are compiled per call. */
static struct {
    char *src;
    regex_t re;
    int ok;
} re_cache[64];
static int re_n;
static regex_t re_scratch;
static int re_scratch_used;

static regex_t *compile(const char *pat)
{
    for (int i = 0; i < re_n; i++) {
        if (strcmp(re_cache[i].src, pat) == 0)
            return re_cache[i].ok ? &re_cache[i].re : NULL;
    }
    if (re_n == (int)(sizeof re_cache / sizeof re_cache[0]) || (re_cache[re_n].src = strdup(pat)) == NULL) {
        if (re_scratch_used)
            regfree(&re_scratch);
        re_scratch_used = regcomp(&re_scratch, pat, REG_EXTENDED | REG_NOSUB) == 0;
        return re_scratch_used ? &re_scratch : NULL;
    }
    re_cache[re_n].ok = regcomp(&re_cache[re_n].re, re_cache[re_n].src, REG_EXTENDED | REG_NOSUB) == 0;
    re_n++;
    return re_cache[re_n - 1].ok ? &re_cache[re_n - 1].re : NULL;
}

static void problem(struct vstate *v, const char *path, const char *fmt, ...) SKM_PRINTF(3, 4);

static void problem(struct vstate *v, const char *path, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (++v->n_problems > MAX_PROBLEMS || v->used >= sizeof v->msg - 1)
        return;
    n = snprintf(v->msg + v->used, sizeof v->msg - v->used, "%s%s: ", v->used ? "; " : "",
                 path[0] ? path : "arguments");
    if (n > 0)
        v->used += (size_t)n;
    if (v->used >= sizeof v->msg - 1) {
        v->used = sizeof v->msg - 1;
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(v->msg + v->used, sizeof v->msg - v->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        v->used += (size_t)n;
    if (v->used >= sizeof v->msg)
        v->used = sizeof v->msg - 1;
}

static const char *type_words(json_t *x)
{
    switch (json_typeof(x)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* A short rendering of a given value for messages: its JSON, cut at 48 characters. */
static const char *shown(json_t *x, char *buf, size_t size)
{
    char *s;

    if (json_is_object(x) || json_is_array(x))
        return type_words(x);
    s = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s == NULL)
        return type_words(x);
    if (strlen(s) > 48)
        snprintf(buf, size, "%.45s...", s);
    else
        snprintf(buf, size, "%s", s);
    free(s);
    return buf;
}

static int type_ok(const char *type, json_t *x)
{
    if (strcmp(type, "object") == 0) return json_is_object(x);
    if (strcmp(type, "array") == 0) return json_is_array(x);
    if (strcmp(type, "string") == 0) return json_is_string(x);
    if (strcmp(type, "integer") == 0) return json_is_integer(x);
    if (strcmp(type, "number") == 0) return json_is_number(x);
    if (strcmp(type, "boolean") == 0) return json_is_boolean(x);
    return 0;
}

static const char *pattern_hint(json_t *schema, const char *pat)
{
    json_t *d;

    for (size_t i = 0; i < sizeof pattern_words / sizeof pattern_words[0]; i++) {
        if (strcmp(pattern_words[i].pattern, pat) == 0)
            return pattern_words[i].words;
    }
    d = json_object_get(schema, "description");
    return json_is_string(d) ? json_string_value(d) : NULL;
}

static void validate(struct vstate *v, json_t *s, json_t *x, const char *path, int depth);

static void child_path(char *out, size_t size, const char *path, const char *key, long idx)
{
    if (key != NULL)
        snprintf(out, size, "%s%s%s", path, path[0] ? "." : "", key);
    else
        snprintf(out, size, "%s[%ld]", path, idx);
}

static void check_object(struct vstate *v, json_t *s, json_t *x, const char *path, int depth)
{
    json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required");
    json_t *addl = json_object_get(s, "additionalProperties"), *val, *sub;
    const char *key;
    char cp[256];
    size_t i;

    json_array_foreach(req, i, val) {
        if (json_is_string(val) && json_object_get(x, json_string_value(val)) == NULL) {
            child_path(cp, sizeof cp, path, json_string_value(val), 0);
            problem(v, cp, "is required but missing");
        }
    }
    json_object_foreach(x, key, val) {
        child_path(cp, sizeof cp, path, key, 0);
        sub = json_object_get(props, key);
        if (sub != NULL)
            validate(v, sub, val, cp, depth + 1);
        else if (json_is_false(addl))
            problem(v, cp, "is not a known field");
        else if (json_is_object(addl))
            validate(v, addl, val, cp, depth + 1);
    }
}

static void check_array(struct vstate *v, json_t *s, json_t *x, const char *path, int depth)
{
    json_t *items = json_object_get(s, "items"), *mn = json_object_get(s, "minItems");
    json_t *mx = json_object_get(s, "maxItems"), *val;
    size_t i, n = json_array_size(x);
    char cp[256];

    if (json_is_integer(mn) && (json_int_t)n < json_integer_value(mn))
        problem(v, path, "needs at least %lld item%s, got %zu", (long long)json_integer_value(mn),
                json_integer_value(mn) == 1 ? "" : "s", n);
    if (json_is_integer(mx) && (json_int_t)n > json_integer_value(mx))
        problem(v, path, "allows at most %lld items, got %zu", (long long)json_integer_value(mx), n);
    if (json_is_true(json_object_get(s, "uniqueItems"))) {
        for (i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (json_equal(json_array_get(x, i), json_array_get(x, j)))
                    problem(v, path, "item %zu repeats item %zu", j, i);
    }
    if (items == NULL)
        return;
    json_array_foreach(x, i, val) {
        child_path(cp, sizeof cp, path, NULL, (long)i);
        validate(v, items, val, cp, depth + 1);
    }
}

/* Free text reaches the summary, the typed data and lists: no Cc, Cf, Zl or Zp character. */
static void check_display_safe(struct vstate *v, json_t *x, const char *path)
{
    uint32_t bad = 0;
    size_t at = 0;
    char what[64];

    if (utf8_display_safe(json_string_value(x), json_string_length(x), &bad, &at))
        return;
    utf8_cp_describe(what, sizeof what, bad);
    problem(v, path, "contains %s at character %zu; control, format and separator characters (line breaks, "
            "bidirectional overrides, zero-width characters) are not accepted in text that is shown to the user. "
            "Send plain visible text", what, at);
}

static void check_string(struct vstate *v, json_t *s, json_t *x, const char *path)
{
    json_t *mn = json_object_get(s, "minLength"), *mx = json_object_get(s, "maxLength");
    json_t *pat = json_object_get(s, "pattern");
    const char *str = json_string_value(x);
    size_t n = 0;
    char buf[64];

    for (const unsigned char *p = (const unsigned char *)str; *p; p++)
        n += (*p & 0xC0) != 0x80; /* code points, as JSON Schema counts */
    if (v->display_safe)
        check_display_safe(v, x, path);
    if (json_is_integer(mn) && (json_int_t)n < json_integer_value(mn))
        problem(v, path, n == 0 ? "must not be empty" : "must be at least %lld characters, got %zu",
                (long long)json_integer_value(mn), n);
    if (json_is_integer(mx) && (json_int_t)n > json_integer_value(mx))
        problem(v, path, "must be at most %lld characters, got %zu", (long long)json_integer_value(mx), n);
    if (json_is_string(pat)) {
        regex_t *re = compile(json_string_value(pat));
        if (re != NULL && regexec(re, str, 0, NULL, 0) != 0) {
            const char *hint = pattern_hint(s, json_string_value(pat));
            if (hint != NULL)
                problem(v, path, "expected %s, got %s", hint, shown(x, buf, sizeof buf));
            else
                problem(v, path, "must match %s, got %s", json_string_value(pat), shown(x, buf, sizeof buf));
        }
    }
}

/* Compare two JSON numbers exactly when both are integers (doubles lose precision past 2^53). */
static int num_cmp(json_t *a, json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return (x > y) - (x < y);
    }
    double x = json_number_value(a), y = json_number_value(b);
    return (x > y) - (x < y);
}

static void check_number(struct vstate *v, json_t *s, json_t *x, const char *path)
{
    json_t *mn = json_object_get(s, "minimum"), *mx = json_object_get(s, "maximum");
    char lim[64], got[64];

    if (json_is_number(mn) && num_cmp(x, mn) < 0)
        problem(v, path, "must be at least %s, got %s", shown(mn, lim, sizeof lim), shown(x, got, sizeof got));
    if (json_is_number(mx) && num_cmp(x, mx) > 0)
        problem(v, path, "must be at most %s, got %s", shown(mx, lim, sizeof lim), shown(x, got, sizeof got));
}

static void check_enum(struct vstate *v, json_t *en, json_t *x, const char *path)
{
    char list[200], buf[64];
    size_t i, used = 0;
    json_t *val;

    json_array_foreach(en, i, val) {
        if (json_equal(val, x))
            return;
    }
    list[0] = '\0';
    json_array_foreach(en, i, val) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", shown(val, buf, sizeof buf));
        if (n < 0 || (size_t)n >= sizeof list - used)
            break;
        used += (size_t)n;
    }
    problem(v, path, "expected one of %s, got %s", list, shown(x, buf, sizeof buf));
}

/* anyOf: x is valid against at least one branch (each with a single type). */
static void check_any_of(struct vstate *v, json_t *branches, json_t *x, const char *path, int depth)
{
    char want[160] = "", buf[64];
    size_t i, used = 0;
    json_t *b;

    json_array_foreach(branches, i, b) {
        struct vstate scratch = {.used = 0};
        const char *t = json_string_value(json_object_get(b, "type"));
        int n;

        scratch.msg[0] = '\0';
        validate(&scratch, b, x, path, depth + 1);
        if (scratch.n_problems == 0)
            return;
        n = snprintf(want + used, sizeof want - used, "%s%s %s", i == 0 ? "" : " or ",
                     t && strchr("aeiou", t[0]) ? "an" : "a", t ? t : "value");
        if (n > 0 && (size_t)n < sizeof want - used)
            used += (size_t)n;
    }
    json_array_foreach(branches, i, b) { /* the branch of x's own type says what is wrong with it */
        const char *t = json_string_value(json_object_get(b, "type"));
        if (t != NULL && type_ok(t, x)) {
            validate(v, b, x, path, depth + 1);
            return;
        }
    }
    problem(v, path, "expected %s, got %s", want, shown(x, buf, sizeof buf));
}

static void validate(struct vstate *v, json_t *s, json_t *x, const char *path, int depth)
{
    json_t *type = json_object_get(s, "type"), *en = json_object_get(s, "enum");
    char buf[64];

    if (depth > MAX_DEPTH) {
        problem(v, path, "is nested too deeply");
        return;
    }
    if (json_is_array(json_object_get(s, "anyOf"))) {
        check_any_of(v, json_object_get(s, "anyOf"), x, path, depth);
        return;
    }
    if (json_is_string(type) && !type_ok(json_string_value(type), x)) {
        const char *t = json_string_value(type);
        problem(v, path, "expected %s %s, got %s%s%s%s", strchr("aeiou", t[0]) ? "an" : "a", t,
                shown(x, buf, sizeof buf), json_is_object(x) || json_is_array(x) ? "" : " (",
                json_is_object(x) || json_is_array(x) ? "" : type_words(x),
                json_is_object(x) || json_is_array(x) ? "" : ")");
        return;
    }
    if (json_is_array(en))
        check_enum(v, en, x, path);
    if (json_is_object(x))
        check_object(v, s, x, path, depth);
    else if (json_is_array(x))
        check_array(v, s, x, path, depth);
    else if (json_is_string(x))
        check_string(v, s, x, path);
    else if (json_is_number(x))
        check_number(v, s, x, path);
}

static enum mcp_rc run_validate(json_t *schema, json_t *instance, int display_safe, struct mcp_error *err)
{
    struct vstate v = {.used = 0, .display_safe = display_safe};

    v.msg[0] = '\0';
    validate(&v, schema, instance, "", 0);
    if (v.n_problems == 0)
        return MCP_OK;
    utf8_sanitize(v.msg);
    if (v.n_problems > MAX_PROBLEMS)
        return mcp_errf(err, MCP_EINVAL, "%s; and %d more problem%s", v.msg, v.n_problems - MAX_PROBLEMS,
                        v.n_problems - MAX_PROBLEMS == 1 ? "" : "s");
    return mcp_errf(err, MCP_EINVAL, "%s", v.msg);
}

enum mcp_rc schema_validate(json_t *schema, json_t *instance, struct mcp_error *err)
{
    return run_validate(schema, instance, 0, err);
}

enum mcp_rc schema_validate_input(json_t *schema, json_t *instance, struct mcp_error *err)
{
    return run_validate(schema, instance, 1, err);
}

/* ---- portability check of our own schemas ---- */

static const char *const known_keywords[] = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "minLength",
    "maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems", "uniqueItems",
    "title", "description", "default", "examples", "anyOf", NULL};

static int known(const char *k)
{
    for (int i = 0; known_keywords[i]; i++)
        if (strcmp(known_keywords[i], k) == 0)
            return 1;
    return 0;
}

/* Every keyword's value must have the type the validator acts on; anything else would be a
 * constraint silently ignored. */
static const char *bad_value(json_t *s)
{
    static const char *const nonneg[] = {"minLength", "maxLength", "minItems", "maxItems", NULL};
    json_t *v;
    size_t i;

    for (int k = 0; nonneg[k]; k++)
        if ((v = json_object_get(s, nonneg[k])) != NULL && (!json_is_integer(v) || json_integer_value(v) < 0))
            return nonneg[k];
    if ((v = json_object_get(s, "minimum")) != NULL && !json_is_number(v))
        return "minimum";
    if ((v = json_object_get(s, "maximum")) != NULL && !json_is_number(v))
        return "maximum";
    if ((v = json_object_get(s, "uniqueItems")) != NULL && !json_is_boolean(v))
        return "uniqueItems";
    if ((v = json_object_get(s, "enum")) != NULL && (!json_is_array(v) || json_array_size(v) == 0))
        return "enum";
    if ((v = json_object_get(s, "properties")) != NULL && !json_is_object(v))
        return "properties";
    if ((v = json_object_get(s, "items")) != NULL && !json_is_object(v))
        return "items";
    if ((v = json_object_get(s, "additionalProperties")) != NULL && !json_is_boolean(v) && !json_is_object(v))
        return "additionalProperties";
    if ((v = json_object_get(s, "required")) != NULL) {
        json_t *e;
        if (!json_is_array(v))
            return "required";
        json_array_foreach(v, i, e)
            if (!json_is_string(e))
                return "required";
    }
    return NULL;
}

static enum mcp_rc portable(json_t *s, const char *where, const char *path, int depth, struct mcp_error *err)
{
    const char *bad;
    json_t *type = json_object_get(s, "type"), *val;
    const char *key;
    char cp[256];

    if (!json_is_object(s) || depth > MAX_DEPTH)
        return mcp_errf(err, MCP_EINVAL, "%s: %s: a schema must be an object", where, path);
    json_object_foreach(s, key, val) {
        if (!known(key))
            return mcp_errf(err, MCP_EINVAL, "%s: %s: keyword \"%s\" is not supported", where, path, key);
    }
    if ((val = json_object_get(s, "anyOf")) != NULL) { /* only branches of a single type each, nothing beside */
        size_t i;
        json_t *b;
        if (!json_is_array(val) || json_array_size(val) < 2 || type != NULL)
            return mcp_errf(err, MCP_EINVAL, "%s: %s: anyOf needs two or more branches and no \"type\" beside it",
                            where, path);
        json_array_foreach(val, i, b) {
            snprintf(cp, sizeof cp, "%s|%zu", path, i);
            if (portable(b, where, cp, depth + 1, err) != MCP_OK)
                return MCP_EINVAL;
        }
        return MCP_OK;
    }
    if (!json_is_string(type) || !(strcmp(json_string_value(type), "object") == 0 ||
                                   strcmp(json_string_value(type), "array") == 0 ||
                                   strcmp(json_string_value(type), "string") == 0 ||
                                   strcmp(json_string_value(type), "integer") == 0 ||
                                   strcmp(json_string_value(type), "number") == 0 ||
                                   strcmp(json_string_value(type), "boolean") == 0))
        return mcp_errf(err, MCP_EINVAL, "%s: %s: needs a single \"type\"", where, path);
    if ((bad = bad_value(s)) != NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: %s: keyword \"%s\" has a value of the wrong type", where, path, bad);
    if (strcmp(json_string_value(type), "array") == 0 && json_object_get(s, "items") == NULL)
        return mcp_errf(err, MCP_EINVAL, "%s: %s: an array needs \"items\"", where, path);
    val = json_object_get(s, "pattern");
    if (val != NULL && (!json_is_string(val) || compile(json_string_value(val)) == NULL))
        return mcp_errf(err, MCP_EINVAL, "%s: %s: pattern does not compile", where, path);
    json_object_foreach(json_object_get(s, "properties"), key, val) {
        snprintf(cp, sizeof cp, "%s.%s", path, key);
        if (portable(val, where, cp, depth + 1, err) != MCP_OK)
            return MCP_EINVAL;
    }
    val = json_object_get(s, "items");
    if (val != NULL) {
        snprintf(cp, sizeof cp, "%s[]", path);
        if (portable(val, where, cp, depth + 1, err) != MCP_OK)
            return MCP_EINVAL;
    }
    val = json_object_get(s, "additionalProperties");
    if (json_is_object(val))
        return portable(val, where, path, depth + 1, err);
    return MCP_OK;
}

enum mcp_rc schema_check_portable(json_t *schema, const char *where, struct mcp_error *err)
{
    return portable(schema, where, "(root)", 0, err);
}

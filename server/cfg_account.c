/* cfg_account.c: the deployment's default account type (see cfg_account.h). */
#include "cfg_account.h"

#include <stdio.h>
#include <string.h>

static int digits_only(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 78 || (s[0] == '0' && s[1] != '\0'))
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static json_t *from_object(json_t *j, char *why, size_t why_size)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *kv = json_string_value(json_object_get(j, "kernelVersion"));
    json_t *index = json_object_get(j, "index"), *out;
    const char *key;
    json_t *v;

    json_object_foreach(j, key, v) {
        if (strcmp(key, "type") != 0 && strcmp(key, "kernelVersion") != 0 && strcmp(key, "index") != 0) {
            snprintf(why, why_size, "\"%.40s\" is not an account setting (type, kernelVersion, index)", key);
            return NULL;
        }
    }
    if (type == NULL || (strcmp(type, "kernel-v3") != 0 && strcmp(type, "other") != 0)) {
        snprintf(why, why_size, "type must be \"kernel-v3\" or \"other\"");
        return NULL;
    }
    if (json_object_get(j, "kernelVersion") != NULL &&
        (strcmp(type, "kernel-v3") != 0 || kv == NULL || (strcmp(kv, "0.3.0") != 0 && strcmp(kv, "0.3.1") != 0))) {
        snprintf(why, why_size, "kernelVersion must be \"0.3.0\" or \"0.3.1\", and only with type \"kernel-v3\"");
        return NULL;
    }
    if (index != NULL && (strcmp(type, "kernel-v3") != 0 ||
                          !((json_is_integer(index) && json_integer_value(index) >= 0) ||
                            (json_is_string(index) && digits_only(json_string_value(index)))))) {
        snprintf(why, why_size, "index must be a whole number (default 0), and only with type \"kernel-v3\"");
        return NULL;
    }
    out = json_pack("{s:s}", "type", type);
    if (out != NULL && strcmp(type, "kernel-v3") == 0)
        json_object_set_new(out, "kernelVersion", json_string(kv ? kv : CFG_ACCOUNT_DEFAULT_KERNEL));
    if (out != NULL && index != NULL)
        json_object_set(out, "index", index);
    return out;
}

json_t *cfg_account_parse(const char *text, json_t *j, char *why, size_t why_size)
{
    json_error_t jerr;
    json_t *parsed, *out;
    char kv[16];

    why[0] = '\0';
    if (j != NULL) {
        if (!json_is_object(j)) {
            snprintf(why, why_size, "must be an object such as {\"type\": \"kernel-v3\", \"kernelVersion\": \"0.3.1\"}");
            return NULL;
        }
        return from_object(j, why, why_size);
    }
    if (text == NULL)
        text = "";
    if (text[0] == '{') {
        parsed = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        out = parsed ? cfg_account_parse(NULL, parsed, why, why_size) : NULL;
        if (parsed == NULL)
            snprintf(why, why_size, "is not valid JSON: %.100s", jerr.text);
        json_decref(parsed);
        return out;
    }
    if (strcmp(text, "other") == 0)
        return json_pack("{s:s}", "type", "other");
    if (strcmp(text, "kernel-v3") == 0)
        return json_pack("{s:s, s:s}", "type", "kernel-v3", "kernelVersion", CFG_ACCOUNT_DEFAULT_KERNEL);
    if (strncmp(text, "kernel-v3:", 10) == 0 && strlen(text + 10) < sizeof kv) {
        snprintf(kv, sizeof kv, "%s", text + 10);
        if (strcmp(kv, "0.3.0") == 0 || strcmp(kv, "0.3.1") == 0)
            return json_pack("{s:s, s:s}", "type", "kernel-v3", "kernelVersion", kv);
    }
    snprintf(why, why_size, "use kernel-v3, kernel-v3:0.3.0, kernel-v3:0.3.1, other, or a JSON object such as "
             "{\"type\":\"kernel-v3\",\"kernelVersion\":\"0.3.0\"}");
    return NULL;
}

int cfg_account_setup(struct skm_config *cfg)
{
    json_t *fj = json_object_get(cfg->file, "account");
    char why[300];

    json_decref(cfg->default_account);
    cfg->default_account = NULL;
    if (cfg->account_opt != NULL) {
        if ((cfg->default_account = cfg_account_parse(cfg->account_opt, NULL, why, sizeof why)) == NULL) {
            fprintf(stderr, "sessionkey-mcp: --account \"%.100s\": %s\n", cfg->account_opt, why);
            return 0;
        }
    } else if (fj != NULL) {
        if ((cfg->default_account = cfg_account_parse(NULL, fj, why, sizeof why)) == NULL) {
            fprintf(stderr, "sessionkey-mcp: config file %s: \"account\" %s\n", cfg->config_file, why);
            return 0;
        }
    }
    return 1;
}

json_t *cfg_account_default(const struct skm_config *cfg)
{
    if (cfg != NULL && cfg->default_account != NULL)
        return json_deep_copy(cfg->default_account);
    return json_pack("{s:s, s:s}", "type", "kernel-v3", "kernelVersion", CFG_ACCOUNT_DEFAULT_KERNEL);
}

/* test_cfg_account.c: the deployment's default account (--account, config file "account"),
 * and the escapes jansson cannot load (rpc_escapes_neutralize). */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_account.h"
#include "rpc_escapes.h"
#include "test.h"

static char *dump(json_t *j)
{
    static char buf[256];
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    snprintf(buf, sizeof buf, "%s", s ? s : "(null)");
    free(s);
    json_decref(j);
    return buf;
}

TEST(cfg_account_forms)
{
    char why[300];
    json_t *obj = json_pack("{s:s, s:s}", "type", "kernel-v3", "kernelVersion", "0.3.0");

    CHECK_STR(dump(cfg_account_parse("kernel-v3", NULL, why, sizeof why)), "{\"kernelVersion\":\"0.3.1\",\"type\":\"kernel-v3\"}");
    CHECK_STR(dump(cfg_account_parse("kernel-v3:0.3.0", NULL, why, sizeof why)), "{\"kernelVersion\":\"0.3.0\",\"type\":\"kernel-v3\"}");
    CHECK_STR(dump(cfg_account_parse("other", NULL, why, sizeof why)), "{\"type\":\"other\"}");
    CHECK_STR(dump(cfg_account_parse("{\"type\":\"kernel-v3\",\"index\":2}", NULL, why, sizeof why)),
              "{\"index\":2,\"kernelVersion\":\"0.3.1\",\"type\":\"kernel-v3\"}");
    CHECK_STR(dump(cfg_account_parse(NULL, obj, why, sizeof why)), "{\"kernelVersion\":\"0.3.0\",\"type\":\"kernel-v3\"}");
    json_decref(obj);
}

TEST(cfg_account_refusals_say_what_is_accepted)
{
    char why[300];

    CHECK(cfg_account_parse("kernel-v3:0.3.3", NULL, why, sizeof why) == NULL);
    CHECK_CONTAINS(why, "use kernel-v3, kernel-v3:0.3.0, kernel-v3:0.3.1, other");
    CHECK(cfg_account_parse("session-approval", NULL, why, sizeof why) == NULL);
    CHECK(cfg_account_parse("{\"type\":\"other\",\"kernelVersion\":\"0.3.1\"}", NULL, why, sizeof why) == NULL);
    CHECK_CONTAINS(why, "only with type \"kernel-v3\"");
    CHECK(cfg_account_parse("{\"type\":\"kernel-v3\",\"owner\":\"x\"}", NULL, why, sizeof why) == NULL);
    CHECK_CONTAINS(why, "\"owner\" is not an account setting");
    CHECK(cfg_account_parse("{\"type\":\"kernel-v3\",\"index\":\"01\"}", NULL, why, sizeof why) == NULL);
    CHECK(cfg_account_parse("{nope", NULL, why, sizeof why) == NULL);
    CHECK_CONTAINS(why, "is not valid JSON");
}

TEST(cfg_account_default_without_configuration_is_kernel_0_3_1)
{
    struct skm_config cfg;

    memset(&cfg, 0, sizeof cfg);
    CHECK_STR(dump(cfg_account_default(&cfg)), "{\"kernelVersion\":\"0.3.1\",\"type\":\"kernel-v3\"}");
    CHECK_STR(dump(cfg_account_default(NULL)), "{\"kernelVersion\":\"0.3.1\",\"type\":\"kernel-v3\"}");
    cfg.account_opt = "other";
    CHECK_EQ_INT(cfg_account_setup(&cfg), 1);
    CHECK_STR(dump(cfg_account_default(&cfg)), "{\"type\":\"other\"}");
    cfg_free(&cfg);
}

TEST(rpc_escapes_neutralize_only_nul_and_lone_surrogates)
{
    char a[] = "{\"x\":\"a\\u0000b\",\"y\":\"\\ud800\",\"z\":\"\\ud83d\\ude00\",\"w\":\"\\\\u0000\",\"v\":\"\\udc00\\ud800\"}";
    char b[] = "{\"x\":\"\\u0041\"}";
    char c[] = "\\u0000 outside a string";

    CHECK_EQ_INT(rpc_escapes_neutralize(a, strlen(a)), 4);
    CHECK_STR(a, "{\"x\":\"a\\ufffdb\",\"y\":\"\\ufffd\",\"z\":\"\\ud83d\\ude00\",\"w\":\"\\\\u0000\",\"v\":\"\\ufffd\\ufffd\"}");
    CHECK_EQ_INT(rpc_escapes_neutralize(b, strlen(b)), 0);
    CHECK_EQ_INT(rpc_escapes_neutralize(c, strlen(c)), 0);
    CHECK_EQ_INT(rpc_escapes_neutralize(a, 9), 0); /* cut inside the escape: left alone */
}

/* test_mcp_elicit.c: the URL-elicitation bookkeeping (ids per session, once) and the
 * 2026-07-28 requestState (HMAC over method, session and expiry; refused when forged,
 * misbound or expired), and the shape of the URL elicitation object. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_elicit.h"
#include "test.h"

TEST(elicit_ids_per_session_reused_and_taken_once)
{
    struct mcp_elicit_table t = {.n = 0};
    char a[MCP_ELICIT_ID_SIZE], b[MCP_ELICIT_ID_SIZE], out[MCP_ELICIT_ID_SIZE];

    snprintf(a, sizeof a, "%s", mcp_elicit_open(&t, "ses_a"));
    snprintf(b, sizeof b, "%s", mcp_elicit_open(&t, "ses_b"));
    CHECK(strncmp(a, "eli_", 4) == 0 && strlen(a) == 30);
    CHECK(strcmp(a, b) != 0);
    CHECK_STR(mcp_elicit_open(&t, "ses_a"), a); /* same session, same id */
    CHECK_EQ_INT(t.n, 2);
    CHECK_EQ_INT(mcp_elicit_take(&t, "ses_a", out), 1);
    CHECK_STR(out, a);
    CHECK_EQ_INT(mcp_elicit_take(&t, "ses_a", out), 0);
    CHECK_EQ_INT(mcp_elicit_take(&t, "ses_zz", out), 0);
    CHECK_EQ_INT(mcp_elicit_take(&t, "ses_b", out), 1);
    CHECK_STR(out, b);
    CHECK_EQ_INT(t.n, 0);
}

TEST(elicit_table_full_drops_the_oldest)
{
    struct mcp_elicit_table t = {.n = 0};
    char sid[32], out[MCP_ELICIT_ID_SIZE];

    for (int i = 0; i < MCP_ELICIT_MAX + 3; i++) {
        snprintf(sid, sizeof sid, "ses_%d", i);
        mcp_elicit_open(&t, sid);
    }
    CHECK_EQ_INT(t.n, MCP_ELICIT_MAX);
    CHECK_EQ_INT(mcp_elicit_take(&t, "ses_0", out), 0);
    CHECK_EQ_INT(mcp_elicit_take(&t, "ses_2", out), 0);
    CHECK_EQ_INT(mcp_elicit_take(&t, "ses_3", out), 1);
    snprintf(sid, sizeof sid, "ses_%d", MCP_ELICIT_MAX + 2);
    CHECK_EQ_INT(mcp_elicit_take(&t, sid, out), 1);
}

TEST(elicit_request_state_bound_and_expiring)
{
    const int64_t now = 1767225600;
    char *st = mcp_elicit_state_seal("confirm_session", "ses_a", now), *bad;

    CHECK(st != NULL && strncmp(st, "v1.", 3) == 0);
    CHECK_EQ_INT(mcp_elicit_state_check(st, "confirm_session", "ses_a", now), 1);
    CHECK_EQ_INT(mcp_elicit_state_check(st, "confirm_session", "ses_a", now + MCP_ELICIT_STATE_TTL), 1);
    CHECK_EQ_INT(mcp_elicit_state_check(st, "confirm_session", "ses_a", now + MCP_ELICIT_STATE_TTL + 1), 0);
    CHECK_EQ_INT(mcp_elicit_state_check(st, "confirm_session", "ses_b", now), 0);
    CHECK_EQ_INT(mcp_elicit_state_check(st, "revoke_session", "ses_a", now), 0);
    CHECK_EQ_INT(mcp_elicit_state_check(NULL, "confirm_session", "ses_a", now), 0);
    CHECK_EQ_INT(mcp_elicit_state_check("", "confirm_session", "ses_a", now), 0);
    CHECK_EQ_INT(mcp_elicit_state_check("v1.", "confirm_session", "ses_a", now), 0);
    bad = strdup(st);
    for (size_t i = 3; bad[i]; i++) { /* every single-character change is refused */
        char keep = bad[i];
        bad[i] = keep == '0' ? '1' : '0';
        if (mcp_elicit_state_check(bad, "confirm_session", "ses_a", now) != 0)
            test_fail(__FILE__, __LINE__, "a state changed at %zu was accepted", i);
        bad[i] = keep;
    }
    /* a later expiry with the old MAC: refused (the expiry is inside the MAC) */
    bad[3] = '9';
    CHECK_EQ_INT(mcp_elicit_state_check(bad, "confirm_session", "ses_a", now), 0);
    free(bad);
    free(st);
}

TEST(elicit_url_object_shape)
{
    json_t *legacy = mcp_elicit_url("http://127.0.0.1:1/approve/x", "eli_x", "Open it.");
    json_t *modern = mcp_elicit_url("http://127.0.0.1:1/approve/x", NULL, "Open it.");

    CHECK_EQ_INT(json_object_size(legacy), 4);
    CHECK_STR(json_string_value(json_object_get(legacy, "mode")), "url");
    CHECK_STR(json_string_value(json_object_get(legacy, "elicitationId")), "eli_x");
    CHECK_STR(json_string_value(json_object_get(legacy, "url")), "http://127.0.0.1:1/approve/x");
    CHECK_STR(json_string_value(json_object_get(legacy, "message")), "Open it.");
    CHECK_EQ_INT(json_object_size(modern), 3);
    CHECK(json_object_get(modern, "elicitationId") == NULL);
    json_decref(legacy);
    json_decref(modern);
}

TEST(elicit_client_capability)
{
    json_t *yes = json_loads("{\"elicitation\":{\"form\":{},\"url\":{}}}", 0, NULL);
    json_t *no1 = json_loads("{\"elicitation\":{}}", 0, NULL), *no2 = json_loads("{\"elicitation\":{\"url\":1}}", 0, NULL);

    CHECK_EQ_INT(mcp_elicit_client_has_url(yes), 1);
    CHECK_EQ_INT(mcp_elicit_client_has_url(no1), 0);
    CHECK_EQ_INT(mcp_elicit_client_has_url(no2), 0);
    CHECK_EQ_INT(mcp_elicit_client_has_url(NULL), 0);
    json_decref(yes);
    json_decref(no1);
    json_decref(no2);
}

/* run_view.c: the executor's state for list_automations and get_session_history (see run_view.h). */
#include "run_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "eth_hex.h"
#include "eth_u256.h"
#include "policy.h"
#include "policy_words.h"
#include "rgy_registry.h"
#include "run_store.h"
#include "tool_util.h"

struct tokens {
    char sell[RGY_SYMBOL_MAX], buy[RGY_SYMBOL_MAX];
    unsigned sell_dec, buy_dec;
    int sell_usd, buy_usd, known;
    int total;
};

static void find_tokens(struct tokens *t, const struct skm_config *cfg, const struct session_row *row,
                        const char *spec_text)
{
    json_t *spec = json_loads(spec_text, 0, NULL), *pj = json_loads(row->policy, 0, NULL);
    struct mcp_error err = {MCP_OK, ""};
    const struct rgy *r = rgy_get(cfg, &err);
    const char *buy;
    struct policy pol;

    memset(t, 0, sizeof *t);
    if (pj != NULL && policy_from_json(&pol, pj, NULL) == MCP_OK) {
        snprintf(t->sell, sizeof t->sell, "%s", pol.token_symbol);
        t->sell_dec = pol.token_decimals;
        t->sell_usd = pol.token_usd;
        t->known = 1;
    }
    buy = json_string_value(json_object_get(spec, "buyToken"));
    if (buy == NULL)
        buy = json_string_value(json_object_get(spec, "receiveToken"));
    if (buy != NULL && r != NULL) {
        const struct rgy_token *tok = NULL;
        uint8_t a[20];

        if (strncmp(buy, "0x", 2) == 0 && strlen(buy) == 42 && eth_hex_decode(a, 20, buy, "token", NULL) == MCP_OK)
            tok = rgy_token(r, row->chain_id, a);
        else
            tok = rgy_token_by_symbol(r, row->chain_id, buy);
        if (tok != NULL) {
            snprintf(t->buy, sizeof t->buy, "%s", tok->symbol);
            t->buy_dec = tok->decimals;
            t->buy_usd = tok->usd;
        }
    }
    if (json_is_integer(json_object_get(spec, "duration")) && json_is_integer(json_object_get(spec, "interval")) &&
        json_integer_value(json_object_get(spec, "interval")) > 0)
        t->total = (int)(json_integer_value(json_object_get(spec, "duration")) /
                         json_integer_value(json_object_get(spec, "interval")));
    else if (json_object_get(spec, "triggerPrice") != NULL)
        t->total = 1;
    json_decref(spec);
    json_decref(pj);
}

static void amount_words(char *out, size_t size, const char *dec, unsigned decimals, const char *symbol, int usd)
{
    struct eth_u256 v;

    if (dec[0] == '\0' || symbol[0] == '\0' || eth_u256_from_dec(&v, dec, "amount", NULL) != MCP_OK) {
        snprintf(out, size, "%s", dec[0] ? dec : "?");
        return;
    }
    policy_words_amount(out, size, &v, decimals, symbol, usd);
}

void run_view_attach(const struct skm_config *cfg, struct db *db, const struct session_row *row, json_t *s,
                     char **text)
{
    struct mcp_error err = {MCP_OK, ""};
    struct run_auto a;
    struct run_slice *sl = NULL, *last = NULL;
    struct tokens t;
    json_t *ex;
    int n = 0, done = 0;
    char when[24];

    if (run_store_get(db, row->id, &a, &err) != MCP_OK)
        return;
    if (run_store_slices(db, row->id, &sl, &n, &err) != MCP_OK) {
        run_auto_free(&a);
        return;
    }
    find_tokens(&t, cfg, row, a.spec);
    for (int i = 0; i < n; i++)
        if (strcmp(sl[i].state, "done") == 0) {
            done++;
            if (last == NULL || sl[i].updated_at >= last->updated_at)
                last = &sl[i];
        }
    ex = json_pack("{s:i, s:b}", "slicesDone", done, "paused", a.paused);
    if (ex != NULL) {
        if (t.total > 0)
            json_object_set_new(ex, "slicesTotal", json_integer(t.total));
        if (a.next_at > 0 && !a.paused) {
            clock_format(when, a.next_at);
            json_object_set_new(ex, "nextSliceAt", json_string(when));
        }
        if (a.paused)
            json_object_set_new(ex, "pauseReason", json_string(a.pause_reason));
        if (last != NULL) {
            char in[96], out[96];

            clock_format(when, last->updated_at);
            amount_words(in, sizeof in, last->amount_in, t.sell_dec, t.sell, t.sell_usd);
            amount_words(out, sizeof out, last->amount_out, t.buy_dec, t.buy, t.buy_usd);
            json_object_set_new(ex, "lastExecution", json_pack("{s:s, s:s, s:s, s:s}", "at", when, "amountIn", in,
                                                                "amountOut", out, "txHash", last->tx_hash));
            tool_appendf(text, "  Executor: %d%s%.0d slice%s done; last %s: %s for %s (transaction %s).\n", done,
                         t.total > 0 ? " of " : "", t.total, t.total == 1 || (t.total == 0 && done == 1) ? "" : "s",
                         when, in, out, last->tx_hash);
        } else {
            tool_appendf(text, "  Executor: no slice executed yet.\n");
        }
        if (a.paused)
            tool_appendf(text, "  Executor PAUSED: %s\n", a.pause_reason);
        else if (a.next_at > 0) {
            clock_format(when, a.next_at);
            tool_appendf(text, "  Next slice: %s.\n", when);
        }
        json_object_set_new(s, "executor", ex);
    }
    free(sl);
    run_auto_free(&a);
}

void run_view_history(const struct skm_config *cfg, struct db *db, const char *session_id, json_t *structured,
                      char **text)
{
    struct mcp_error err = {MCP_OK, ""};
    struct session_row row;
    struct run_auto a;
    struct run_slice *sl = NULL;
    struct tokens t;
    json_t *list;
    int n = 0;

    if (run_store_get(db, session_id, &a, &err) != MCP_OK)
        return;
    if (db_session_get(db, &row, session_id, &err) != MCP_OK) {
        run_auto_free(&a);
        return;
    }
    find_tokens(&t, cfg, &row, a.spec);
    if (run_store_slices(db, session_id, &sl, &n, &err) == MCP_OK && (list = json_array()) != NULL) {
        tool_appendf(text, "Executions (%d slice%s so far):\n", n, n == 1 ? "" : "s");
        for (int i = 0; i < n; i++) {
            char in[96], out[96], when[24];
            json_t *e;

            clock_format(when, sl[i].updated_at);
            amount_words(in, sizeof in, sl[i].amount_in, t.sell_dec, t.sell, t.sell_usd);
            amount_words(out, sizeof out, sl[i].amount_out, t.buy_dec, t.buy, t.buy_usd);
            e = json_pack("{s:i, s:s, s:s, s:i}", "slice", sl[i].idx + 1, "state", sl[i].state, "at", when, "attempts",
                          sl[i].attempts);
            if (e == NULL)
                continue;
            if (sl[i].amount_in[0])
                json_object_set_new(e, "amountIn", json_string(in));
            if (strcmp(sl[i].state, "done") == 0) {
                json_object_set_new(e, "amountOut", json_string(out));
                json_object_set_new(e, "txHash", json_string(sl[i].tx_hash));
                tool_appendf(text, "- Slice %d%s%.0d, %s: sold %s for %s (transaction %s)%s.\n", sl[i].idx + 1,
                             t.total > 0 ? " of " : "", t.total, when, in, out, sl[i].tx_hash,
                             sl[i].attempts > 1 ? ", after a retry" : "");
            } else if (strcmp(sl[i].state, "failed") == 0) {
                json_object_set_new(e, "error", json_string(sl[i].error));
                tool_appendf(text, "- Slice %d, %s: not executed yet (attempt %d failed: %s).\n", sl[i].idx + 1, when,
                             sl[i].attempts, sl[i].error);
            } else {
                tool_appendf(text, "- Slice %d, %s: in progress (%s).\n", sl[i].idx + 1, when,
                             strcmp(sl[i].state, "sent") == 0 ? "sent to the bundler, waiting for inclusion"
                                                              : "being prepared");
            }
            json_array_append_new(list, e);
        }
        json_object_set_new(structured, "executions", list);
    }
    free(sl);
    db_session_row_free(&row);
    run_auto_free(&a);
}

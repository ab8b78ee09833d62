/* session_view.c: rendering of stored sessions (see session_view.h). Everything shown is
 * derived from the stored policy and the ledger, never from what a model said. */
#include "session_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "eth_hex.h"
#include "eth_keccak.h"
#include "gate_figures.h"
#include "gate_nonce.h"
#include "gate_ledger.h"
#include "policy.h"
#include "policy_summary.h"
#include "policy_words.h"
#include "tool_util.h"
#include "plan_automation.h"
#include "rgy_registry.h"

void session_view_amount(char *out, size_t size, const struct policy *p, const struct eth_u256 *v)
{
    policy_words_amount(out, size, v, p->token_decimals, p->token_symbol, p->token_usd);
}

static int cmp_sel(const void *a, const void *b)
{
    return memcmp(a, b, 4);
}

void session_view_scope_key(char out[67], const struct policy *p)
{
    uint8_t sels[POLICY_MAX_FUNCTIONS][4], h[32], id[8];
    struct eth_keccak k;

    for (size_t i = 0; i < p->n_functions; i++)
        memcpy(sels[i], p->functions[i].selector, 4);
    qsort(sels, p->n_functions, 4, cmp_sel);
    for (int i = 0; i < 8; i++)
        id[i] = (uint8_t)(p->chain_id >> (56 - 8 * i));
    eth_keccak_init(&k);
    eth_keccak_update(&k, id, 8);
    eth_keccak_update(&k, p->target, 20);
    eth_keccak_update(&k, sels, 4 * p->n_functions);
    eth_keccak_final(&k, h);
    eth_hex_encode(out, h, 32);
}

static int load_policy(struct policy *p, const struct session_row *r)
{
    json_error_t jerr;
    json_t *j = json_loads(r->policy, 0, &jerr);
    int ok = j != NULL && policy_from_json(p, j, NULL) == MCP_OK;

    json_decref(j);
    return ok;
}

/* Where a session stands, in words, with its end as a time (policy_words_when): the same
 * words in the list, the revoke candidates and the duplicate message. */
static void time_words(char *out, size_t size, const struct session_row *r, int64_t now)
{
    const char *st = db_session_status(r, now);
    char when[POLICY_WORDS_MAX];

    if (strcmp(st, "active") == 0) {
        policy_words_when(when, sizeof when, r->expires_at, now);
        snprintf(out, size, "active until %s", when);
    } else if (strcmp(st, "pending") == 0) {
        policy_words_when(when, sizeof when, r->approval_deadline, now);
        snprintf(out, size, "waiting for your signature until %s", when);
    } else if (strcmp(st, "expired") == 0) {
        policy_words_when(when, sizeof when, r->expires_at, now);
        snprintf(out, size, "expired on %s", when);
    } else if (strcmp(st, "lapsed") == 0) {
        policy_words_when(when, sizeof when, r->approval_deadline, now);
        snprintf(out, size, "never signed (the request lapsed on %s)", when);
    } else if (strcmp(st, "revoked") == 0 && r->ended_at > 0) {
        policy_words_when(when, sizeof when, r->ended_at, now);
        snprintf(out, size, "revoked on %s", when);
    } else if (strcmp(st, "declined") == 0 && r->ended_at > 0) {
        policy_words_when(when, sizeof when, r->ended_at, now);
        snprintf(out, size, "declined on %s", when);
    } else {
        snprintf(out, size, "%s", st);
    }
}

void session_view_one_line(char *out, size_t size, const struct session_row *r, int64_t now)
{
    char when[160];

    time_words(when, sizeof when, r, now);
    if (r->label[0])
        snprintf(out, size, "%s \"%s\" (%s)", r->id, r->label, when);
    else
        snprintf(out, size, "%s (%s)", r->id, when);
}

void session_view_next_step(char *out, size_t size, const struct session_row *r, int64_t now)
{
    struct policy p;
    char per_tx[96], total[96], rate[96] = "", until[POLICY_WORDS_MAX], what[200];
    const char *tab = strchr(r->schedule, '\t');

    policy_words_when(until, sizeof until, r->expires_at, now);
    if (tab != NULL) { /* session_view_promise: "<what I'll do>\t<detail>" */
        snprintf(what, sizeof what, "%.*s", (int)(tab - r->schedule), r->schedule);
        snprintf(out, size, "I'll %s until %s%s%s%s.", what, until, tab[1] ? " (" : "", tab + 1, tab[1] ? ")" : "");
        return;
    }
    if (r->schedule[0] != '\0') {
        snprintf(out, size, "I'll follow this schedule within the approved limits: %s; the session ends %s.",
                 r->schedule, until);
        return;
    }
    if (!load_policy(&p, r)) {
        snprintf(out, size, "It may act within the approved limits until %s.", until);
        return;
    }
    session_view_amount(per_tx, sizeof per_tx, &p, &p.max_per_tx);
    session_view_amount(total, sizeof total, &p, &p.max_total);
    if (policy_has_rate_limit(&p)) {
        char words[80];
        policy_words_rate(words, sizeof words, p.rate_count, p.rate_period,
                          policy_all_swaps(&p) ? "trade" : "transaction");
        snprintf(rate, sizeof rate, ", at most %s", words);
    }
    snprintf(out, size, "The backend may now make %s of up to %s each%s, %s in total, until %s.",
             policy_all_swaps(&p) ? "trades" : "transactions", per_tx, rate, total, until);
}

enum mcp_rc session_view_spend(struct session_spend *out, struct db *db, const char *session_id,
                               struct mcp_error *err)
{
    struct gate_totals t;

    memset(out, 0, sizeof *out);
    if (gate_ledger_totals(&t, db, session_id, clock_now(), 0, err) != MCP_OK)
        return MCP_EDB;
    out->spent = t.spent;
    out->reserved = t.reserved;
    out->executed = t.executed;
    out->pending = t.pending;
    return MCP_OK;
}

char *session_view_approval(struct db *db, const char *session_id)
{
    static const char sql[] = "SELECT serialized_approval FROM approvals WHERE session_id = ?";
    sqlite3_stmt *st;
    char *out = NULL;

    if (db_cached(db, &st, sql, NULL) != MCP_OK)
        return NULL;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return out;
}

/* The immutable part of a session's list entry, rendered once per process: a stored policy
 * never changes, so neither do its ✓/✗ lines. Direct-mapped by session id (ids are random);
 * status, expiry words and ledger figures are always computed fresh. */
struct view_entry {
    char id[SESSION_ID_MAX];
    json_t *can, *cannot;
    struct eth_u256 max_total;
    unsigned decimals;
    char symbol[POLICY_SYMBOL_MAX];
    int usd;
    long long slices_total; /* TWAP slices (gate_figures.h) */
};

#define VIEW_SLOTS 256
static struct view_entry g_views[VIEW_SLOTS];

static struct view_entry *view_of(const struct session_row *r, struct mcp_error *err)
{
    unsigned h = 2166136261u;
    struct view_entry *e;
    struct policy p;

    for (const char *c = r->id; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    e = &g_views[h % VIEW_SLOTS];
    if (strcmp(e->id, r->id) == 0)
        return e;
    if (!load_policy(&p, r)) {
        mcp_errf(err, MCP_EINTERNAL, "the stored policy of %s cannot be read", r->id);
        return NULL;
    }
    json_decref(e->can);
    json_decref(e->cannot);
    memset(e, 0, sizeof *e);
    if (policy_summary(&e->can, &e->cannot, NULL, NULL, &p, err) != MCP_OK)
        return NULL;
    snprintf(e->id, sizeof e->id, "%s", r->id);
    e->max_total = p.max_total;
    e->decimals = p.token_decimals;
    snprintf(e->symbol, sizeof e->symbol, "%s", p.token_symbol);
    e->usd = p.token_usd;
    e->slices_total = gate_figures_slices_total(&p);
    return e;
}

static void figures(json_t *o, const struct view_entry *v, const struct session_spend *s, int live)
{
    struct eth_u256 used, left = {{0}};
    char spent[96], remaining[96], flight[96];

    eth_u256_add(&used, &s->spent, &s->reserved);
    if (live && eth_u256_cmp(&used, &v->max_total) < 0)
        eth_u256_sub(&left, &v->max_total, &used);
    policy_words_amount(spent, sizeof spent, &s->spent, v->decimals, v->symbol, v->usd);
    policy_words_amount(remaining, sizeof remaining, &left, v->decimals, v->symbol, v->usd);
    policy_words_amount(flight, sizeof flight, &s->reserved, v->decimals, v->symbol, v->usd);
    json_object_set_new(o, "spent", json_string(spent));
    json_object_set_new(o, "remaining", json_string(remaining));
    json_object_set_new(o, "inFlightAmount", json_string(flight));
    json_object_set_new(o, "executed", json_integer(s->executed));
    json_object_set_new(o, "inFlight", json_integer(s->pending));
}

/* TWAP sessions: slices done (committed) and left (not done and not in flight; none once the
 * session has ended). */
static void slices(json_t *o, const struct view_entry *v, const struct session_spend *s, int live)
{
    long long left = live ? v->slices_total - s->executed - s->pending : 0;

    json_object_set_new(o, "slicesTotal", json_integer(v->slices_total));
    json_object_set_new(o, "slicesDone", json_integer(s->executed));
    json_object_set_new(o, "slicesLeft", json_integer(left > 0 ? left : 0));
}

/* "other" accounts whose owner nothing could confirm (ownerCheck "none" at request time). */
static void owner_verified(json_t *o, const struct session_row *r)
{
    json_error_t jerr;
    json_t *a = strcmp(r->account_type, "kernel-v3") != 0 && r->account && r->account[0] ? json_loads(r->account, 0, &jerr)
                                                                                          : NULL;
    const char *how = json_string_value(json_object_get(a, "ownerCheck"));

    if (how != NULL)
        json_object_set_new(o, "ownerVerified", json_boolean(strcmp(how, "none") != 0));
    json_decref(a);
}

/* Signed operations not settled yet (issue 11): in flight until the chain shows them settled. */
static void unsettled(json_t *o, struct db *db, const struct view_entry *v, const char *session_id, int64_t now)
{
    json_t *ops = NULL, *op;
    struct eth_u256 a;
    char words[96], at[24];
    size_t i;

    if (gate_nonce_unsettled(&ops, db, session_id, now, NULL) != MCP_OK)
        return;
    json_array_foreach(ops, i, op) {
        if (eth_u256_from_dec(&a, json_string_value(json_object_get(op, "amountBaseUnits")), "amount", NULL) == MCP_OK)
            policy_words_amount(words, sizeof words, &a, v->decimals, v->symbol, v->usd);
        else
            snprintf(words, sizeof words, "?");
        json_object_set_new(op, "amount", json_string(words));
        clock_format(at, (int64_t)json_integer_value(json_object_get(op, "signedAt")));
        json_object_set_new(op, "signedAt", json_string(at));
        clock_format(at, (int64_t)json_integer_value(json_object_get(op, "lastSignedAt")));
        json_object_set_new(op, "lastSignedAt", json_string(at));
    }
    if (json_array_size(ops) > 0)
        json_object_set_new(o, "unsettledOperations", ops);
    else
        json_decref(ops);
}

json_t *session_view_json(struct db *db, const struct session_row *r, int64_t now, struct mcp_error *err)
{
    struct view_entry *v = view_of(r, err);
    struct session_spend spend;
    char expires[24], when[160], words[200], how[300];
    int live = db_session_is_live(r, now);
    json_t *o;

    if (v == NULL || session_view_spend(&spend, db, r->id, err) != MCP_OK)
        return NULL;
    clock_format(expires, r->expires_at);
    time_words(when, sizeof when, r, now);
    session_view_revoke_words(words, sizeof words, r);
    snprintf(how, sizeof how, "say '%s' (revoke_session {\"sessionId\": \"%s\"})", words, r->id);
    o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:O, s:O, s:s, s:s}", "sessionId", r->id, "label", r->label,
                  "feature", r->feature, "status", db_session_status(r, now), "chainId", (json_int_t)r->chain_id,
                  "can", v->can, "cannot", v->cannot, "expiresAt", expires, "expiresIn", when);
    if (o == NULL) {
        mcp_errf(err, MCP_ENOMEM, "out of memory");
        return NULL;
    }
    if (live) {
        json_object_set_new(o, "howToRevoke", json_string(how));
        json_object_set_new(o, "revokeWords", json_string(words));
    }
    json_object_set_new(o, "accountType", json_string(strcmp(r->account_type, "kernel-v3") == 0 ? "kernel-v3" : "other"));
    owner_verified(o, r);
    figures(o, v, &spend, live);
    if (spend.pending > 0)
        unsettled(o, db, v, r->id, now);
    if (strcmp(r->feature, "twap") == 0)
        slices(o, v, &spend, live);
    return o;
}

void session_view_promise(char *out, size_t size, const struct plan *p, const struct skm_config *cfg)
{
    char each[POLICY_WORDS_MAX], last[POLICY_WORDS_MAX], freq[POLICY_WORDS_MAX], w[POLICY_WORDS_MAX];
    struct eth_u256 before_last, rest;

    if (strcmp(p->kind, "twap") == 0) {
        policy_words_amount(each, sizeof each, &p->trade, p->sell_decimals, p->sell_symbol, p->sell_usd);
        policy_words_duration(w, sizeof w, p->interval);
        if (strncmp(w, "1 ", 2) == 0 && strchr(w + 2, ' ') == NULL)
            snprintf(freq, sizeof freq, "every %s", w + 2);
        else
            snprintf(freq, sizeof freq, "every %s", w);
        /* the plan's slices: p->trade each, the last one what is left of the total */
        eth_u256_mul_u64(&before_last, &p->trade, p->trades > 0 ? p->trades - 1 : 0);
        if (p->trades > 1 && eth_u256_cmp(&before_last, &p->total) < 0 &&
            eth_u256_sub(&rest, &p->total, &before_last) == 0 && eth_u256_cmp(&rest, &p->trade) != 0) {
            policy_words_amount(last, sizeof last, &rest, p->sell_decimals, p->sell_symbol, p->sell_usd);
            snprintf(out, size, "execute %s trades into %s %s\t%u trades; the last one %s", each, p->buy_symbol, freq,
                     p->trades, last);
        } else {
            snprintf(out, size, "execute %s trades into %s %s\t%u trades", each, p->buy_symbol, freq, p->trades);
        }
        return;
    }
    {
        const struct rgy *r = rgy_get(cfg, NULL);
        const struct rgy_token *buy = r ? rgy_token(r, p->chain_id, p->buy) : NULL;
        char amt[POLICY_WORDS_MAX];

        policy_words_amount(amt, sizeof amt, &p->total, p->sell_decimals, p->sell_symbol, p->sell_usd);
        if (buy != NULL && buy->usd)
            snprintf(out, size, "sell %s for %s once the price of %s falls to $%s, at any time\t", amt, p->buy_symbol,
                     p->sell_symbol, p->trigger);
        else
            snprintf(out, size, "sell %s for %s once the price of %s falls to %s %s, at any time\t", amt,
                     p->buy_symbol, p->sell_symbol, p->trigger, p->buy_symbol);
    }
}

void session_view_revoke_words(char *out, size_t size, const struct session_row *r)
{
    if (r->label[0])
        snprintf(out, size, "cancel my %s", r->label);
    else if (strcmp(r->feature, "twap") == 0)
        snprintf(out, size, "cancel my TWAP order");
    else if (strcmp(r->feature, "stop_loss") == 0)
        snprintf(out, size, "cancel my stop-loss");
    else
        snprintf(out, size, "cancel session %s", r->id);
}

void session_view_short_address(char out[16], const char *lower)
{
    char full[43];

    tool_checksum(full, lower);
    if (strlen(full) == 42)
        snprintf(out, 16, "%.6s\xe2\x80\xa6%s", full, full + 37);
    else
        snprintf(out, 16, "%.15s", full);
}

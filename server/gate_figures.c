/* gate_figures.c: live spend figures in words (see gate_figures.h). */
#include "gate_figures.h"

#include <string.h>

#include "policy_words.h"

/* ceil(a / b) for b > 0, capped at 2^62 (a slice count, not money). */
static long long ceil_div(const struct eth_u256 *a, const struct eth_u256 *b)
{
    struct eth_u256 rem = *a;
    long long n = 0;
    uint64_t b64, q;

    /* the common case: b fits 64 bits, use exact division */
    if (eth_u256_to_u64(&b64, b) && b64 > 0) {
        struct eth_u256 qv;
        uint64_t r;
        eth_u256_divmod_u64(&qv, &r, a, b64);
        if (!eth_u256_to_u64(&q, &qv) || q > (1ull << 62))
            return 1ll << 62;
        return (long long)q + (r != 0);
    }
    while (!eth_u256_is_zero(&rem) && n < (1ll << 20)) { /* b is huge: few slices */
        if (eth_u256_cmp(&rem, b) <= 0)
            return n + 1;
        eth_u256_sub(&rem, &rem, b);
        n++;
    }
    return n;
}

long long gate_figures_slices_total(const struct policy *p)
{
    long long by_amount = eth_u256_is_zero(&p->max_per_tx) ? 0 : ceil_div(&p->max_total, &p->max_per_tx);
    long long by_rate;

    if (!policy_has_rate_limit(p))
        return by_amount;
    by_rate = (p->valid_until - p->valid_after) / (int64_t)p->rate_period * (int64_t)p->rate_count;
    return by_rate > 0 && by_rate < by_amount ? by_rate : by_amount;
}

void gate_figures(struct gate_figures *out, const struct policy *p, const struct gate_totals *t,
                  const char *feature)
{
    struct eth_u256 used, left = {{0}};

    memset(out, 0, sizeof *out);
    eth_u256_add(&used, &t->spent, &t->reserved);
    if (eth_u256_cmp(&used, &p->max_total) < 0)
        eth_u256_sub(&left, &p->max_total, &used);
    policy_words_amount(out->spent, sizeof out->spent, &t->spent, p->token_decimals, p->token_symbol, p->token_usd);
    policy_words_amount(out->remaining, sizeof out->remaining, &left, p->token_decimals, p->token_symbol,
                        p->token_usd);
    out->executed = t->executed;
    out->in_flight = t->pending;
    if (feature != NULL && strcmp(feature, "twap") == 0) {
        out->has_slices = 1;
        out->slices_total = gate_figures_slices_total(p);
        out->slices_done = t->executed;
        out->slices_left = out->slices_total - t->executed - t->pending;
        if (out->slices_left < 0)
            out->slices_left = 0;
    }
}

int gate_figures_set(json_t *o, const struct gate_figures *f)
{
    int bad = json_object_set_new(o, "spent", json_string(f->spent)) |
              json_object_set_new(o, "remaining", json_string(f->remaining)) |
              json_object_set_new(o, "executed", json_integer(f->executed)) |
              json_object_set_new(o, "inFlight", json_integer(f->in_flight));

    if (f->has_slices)
        bad |= json_object_set_new(o, "slicesTotal", json_integer(f->slices_total)) |
               json_object_set_new(o, "slicesDone", json_integer(f->slices_done)) |
               json_object_set_new(o, "slicesLeft", json_integer(f->slices_left));
    return bad ? -1 : 0;
}

/* run_sched.c: slice times and amounts, and the stop-loss trigger (see run_sched.h). */
#include "run_sched.h"

#include <string.h>

__extension__ typedef unsigned __int128 run_u128;

int run_sched_slice(const struct plan *p, int64_t start, uint32_t idx, int64_t *due, struct eth_u256 *amount)
{
    struct eth_u256 before;

    if (idx >= p->trades)
        return -1;
    *due = start + (int64_t)idx * (int64_t)p->interval;
    if (strcmp(p->kind, "twap") != 0 || idx + 1 < p->trades) {
        *amount = p->trade;
        return 0;
    }
    /* the last slice: what the others leave of the total */
    if (eth_u256_mul_u64(&before, &p->trade, (uint64_t)(p->trades - 1)) != 0 ||
        eth_u256_cmp(&before, &p->total) >= 0)
        *amount = p->trade;
    else
        eth_u256_sub(amount, &p->total, &before);
    return 0;
}

int run_sched_next(const struct plan *p, int64_t start, const unsigned char *done, uint32_t n_done, int64_t *due)
{
    struct eth_u256 amount;

    for (uint32_t i = 0; i < p->trades; i++) {
        if (i < n_done && done[i])
            continue;
        run_sched_slice(p, start, i, due, &amount);
        return (int)i;
    }
    return -1;
}

/* 512-bit product of two 256-bit numbers, little-endian limbs. */
static void mul_wide(uint64_t out[8], const struct eth_u256 *a, const struct eth_u256 *b)
{
    memset(out, 0, 8 * sizeof out[0]);
    for (int i = 0; i < 4; i++) {
        run_u128 carry = 0;

        for (int j = 0; j < 4; j++) {
            run_u128 t = (run_u128)a->w[i] * b->w[j] + out[i + j] + carry;

            out[i + j] = (uint64_t)t;
            carry = t >> 64;
        }
        out[i + 4] = (uint64_t)carry;
    }
}

static int cmp_wide(const uint64_t a[8], const uint64_t b[8])
{
    for (int i = 7; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static int pow10_u256(struct eth_u256 *out, unsigned n)
{
    eth_u256_from_u64(out, 1);
    for (unsigned i = 0; i < n; i++)
        if (eth_u256_mul_u64(out, out, 10) != 0)
            return -1;
    return 0;
}

int run_sched_trigger_hit(const struct eth_u256 *amount_in, unsigned sell_decimals, const struct eth_u256 *amount_out,
                          unsigned buy_decimals, const char *trigger, struct mcp_error *err)
{
    struct eth_u256 trig, scale;
    uint64_t lhs[8], rhs[8];

    /* amount_out / 10^buy <= trigger * amount_in / 10^sell
     * <=> amount_out * 10^sell <= (trigger * 10^buy) * amount_in */
    if (eth_u256_from_units(&trig, trigger, buy_decimals, "triggerPrice", err) != MCP_OK)
        return -1;
    if (pow10_u256(&scale, sell_decimals) != 0) {
        mcp_errf(err, MCP_EINVAL, "token decimals out of range");
        return -1;
    }
    mul_wide(lhs, amount_out, &scale);
    mul_wide(rhs, &trig, amount_in);
    return cmp_wide(lhs, rhs) <= 0;
}

int run_sched_mul_div(struct eth_u256 *out, const struct eth_u256 *a, uint64_t num, uint64_t den)
{
    struct eth_u256 t;
    uint64_t rem;

    if (den == 0 || eth_u256_mul_u64(&t, a, num) != 0)
        return -1;
    eth_u256_divmod_u64(out, &rem, &t, den);
    return 0;
}

int run_sched_mul_div_up(struct eth_u256 *out, const struct eth_u256 *a, uint64_t num, uint64_t den)
{
    struct eth_u256 t, one;
    uint64_t rem;

    if (den == 0 || eth_u256_mul_u64(&t, a, num) != 0)
        return -1;
    eth_u256_divmod_u64(out, &rem, &t, den);
    eth_u256_from_u64(&one, 1);
    if (rem != 0 && eth_u256_add(out, out, &one) != 0)
        return -1;
    return 0;
}

/* run_sched.h: when each slice of an automation is due and how much it sells, from the plan
 * plan_build makes (plan_automation.h) and the moment the session became active. Pure
 * functions of their arguments: no clock, no database.
 *
 * TWAP: slice i (0-based, i < plan.trades) is due at start + i * plan.interval and sells
 * plan.trade, except the last, which sells what is left of plan.total (so the slices add up
 * to the total exactly). Stop-loss: one slice (index 0) of plan.total, due when the price is
 * at or below the trigger (run_sched_trigger_hit). */
#ifndef SKM_RUN_SCHED_H
#define SKM_RUN_SCHED_H

#include <stdint.h>

#include "eth_u256.h"
#include "mcp_err.h"
#include "plan_automation.h"

/* Amount and due time of slice idx. Returns: 0, or -1 when idx is out of range. */
int run_sched_slice(const struct plan *p, int64_t start, uint32_t idx, int64_t *due, struct eth_u256 *amount);

/* The first slice not yet done (done[i] != 0 for finished slices, n_done entries, may be
 * shorter than the plan) and its due time. Returns: the index, or -1 when every slice is done. */
int run_sched_next(const struct plan *p, int64_t start, const unsigned char *done, uint32_t n_done, int64_t *due);

/* Stop-loss: 1 when selling amount_in (base units, sell_decimals) for amount_out (base units
 * of the token received, buy_decimals) is a price at or below trigger (a decimal "2000" in
 * receive-token units per sell-token unit). Exact integer arithmetic.
 * Returns: 1, 0, or -1 with err for a trigger that cannot be read. */
int run_sched_trigger_hit(const struct eth_u256 *amount_in, unsigned sell_decimals, const struct eth_u256 *amount_out,
                          unsigned buy_decimals, const char *trigger, struct mcp_error *err);

/* out = a * num / den, rounded down (den > 0). Returns 0, or -1 on overflow of 256 bits. */
int run_sched_mul_div(struct eth_u256 *out, const struct eth_u256 *a, uint64_t num, uint64_t den);

/* out = a * num / den, rounded up (den > 0): a minimum output the gate's slippage rule
 * (min_out * 10000 >= quote * (10000 - bps)) accepts. Returns 0, or -1 on overflow. */
int run_sched_mul_div_up(struct eth_u256 *out, const struct eth_u256 *a, uint64_t num, uint64_t den);

#endif

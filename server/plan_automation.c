/* plan_automation.c: automations to narrow session permissions (see plan_automation.h). */
#include "plan_automation.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "policy_words.h"
#include "rgy_registry.h"

#define ROUTER_FN "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"

/* A token given as an address or a symbol, resolved through the registry. */
static enum mcp_rc token(const struct rgy_token **out, const struct rgy *r, uint64_t chain, json_t *a,
                         const char *field, struct mcp_error *err)
{
    const char *s = json_string_value(json_object_get(a, field));
    uint8_t addr[20];

    if (s == NULL)
        return mcp_errf(err, MCP_EINVAL, "automation.%s is required for this kind of automation", field);
    if (strncmp(s, "0x", 2) == 0) {
        char what[64];
        snprintf(what, sizeof what, "automation.%s", field);
        if (eth_addr_parse(addr, s, what, err) != MCP_OK)
            return MCP_EINVAL;
        *out = rgy_token(r, chain, addr);
    } else {
        *out = rgy_token_by_symbol(r, chain, s);
    }
    if (*out == NULL && strcasecmp(s, "ETH") == 0 && rgy_token_by_symbol(r, chain, "WETH") != NULL)
        return mcp_errf(err, MCP_EINVAL, "automation.%s: ETH itself is not a token the swap router trades; did you "
                        "mean WETH (wrapped ether, worth the same)? Call again with \"WETH\"", field);
    if (*out == NULL)
        return mcp_errf(err, MCP_EINVAL, "automation.%s: %.60s is not a token we know on %s; give its address, "
                        "or name it in the config file's registry", field, s, rgy_chain_name(r, chain));
    return MCP_OK;
}

static enum mcp_rc amount(struct eth_u256 *out, json_t *a, const char *field, const struct rgy_token *t,
                          struct mcp_error *err)
{
    const char *s = json_string_value(json_object_get(a, field));
    char what[64];

    if (s == NULL)
        return mcp_errf(err, MCP_EINVAL, "automation.%s is required for this kind of automation", field);
    snprintf(what, sizeof what, "automation.%s", field);
    if (eth_u256_from_units(out, s, t->decimals, what, err) != MCP_OK)
        return MCP_EINVAL;
    if (eth_u256_is_zero(out))
        return mcp_errf(err, MCP_EINVAL, "automation.%s must be more than 0", field);
    return MCP_OK;
}

/* Split p->total into p->trades slices that add up to it exactly: every slice but the last is
 * total / trades rounded to the display step (whole cents for dollar tokens, 6 decimal places
 * otherwise), the last takes the remainder. When rounding up would leave the last slice
 * negative the slices are rounded down; when the step is too coarse for the total, base units
 * are used. The per-trade cap is the largest slice, so the gate allows exactly these slices. */
static enum mcp_rc split_exact(struct plan *p, struct mcp_error *err)
{
    unsigned keep = p->sell_usd ? 2 : 6, n = p->sell_decimals > keep ? p->sell_decimals - keep : 0;
    uint64_t step = 1, rem;
    struct eth_u256 twice, q, done;

    if (n > 12) /* keep n * step * trades inside 64 bits */
        n = 0;
    for (unsigned i = 0; i < n; i++)
        step *= 10;
    for (int pass = 0; pass < 3; pass++) {
        uint64_t s = pass == 2 ? 1 : step;
        if (pass == 0) { /* nearest step: (2 total + trades step) / (2 trades step) */
            eth_u256_mul_u64(&twice, &p->total, 2);
            eth_u256_from_u64(&q, (uint64_t)p->trades * s);
            eth_u256_add(&twice, &twice, &q);
            eth_u256_divmod_u64(&q, &rem, &twice, 2 * (uint64_t)p->trades * s);
        } else {           /* rounded down */
            eth_u256_divmod_u64(&q, &rem, &p->total, (uint64_t)p->trades * s);
        }
        eth_u256_mul_u64(&p->trade, &q, s);
        eth_u256_mul_u64(&done, &p->trade, p->trades - 1);
        if (!eth_u256_is_zero(&p->trade) && eth_u256_cmp(&done, &p->total) < 0) {
            eth_u256_sub(&p->last, &p->total, &done);
            p->cap = eth_u256_cmp(&p->last, &p->trade) > 0 ? p->last : p->trade;
            return MCP_OK;
        }
    }
    return mcp_errf(err, MCP_EINVAL, "automation.totalAmount is too small to split into %u trades: use fewer trades "
                    "(a longer interval) or a larger total", p->trades);
}

/* "every hour", "every 30 minutes", "every 2 hours". */
static void every(char *out, size_t size, uint32_t seconds)
{
    char w[64];

    policy_words_duration(w, sizeof w, seconds);
    if (strncmp(w, "1 ", 2) == 0 && strchr(w + 2, ' ') == NULL)
        snprintf(out, size, "every %s", w + 2);
    else
        snprintf(out, size, "every %s", w);
}

static void set_tokens(struct plan *p, const struct rgy_token *sell, const struct rgy_token *buy)
{
    memcpy(p->sell, sell->address, 20);
    memcpy(p->buy, buy->address, 20);
    snprintf(p->sell_symbol, sizeof p->sell_symbol, "%s", sell->symbol);
    snprintf(p->buy_symbol, sizeof p->buy_symbol, "%s", buy->symbol);
    p->sell_decimals = sell->decimals;
    p->sell_usd = sell->usd;
}

static enum mcp_rc twap(struct plan *p, const struct rgy *r, json_t *a, struct mcp_error *err)
{
    const struct rgy_token *sell, *buy;
    json_t *dur = json_object_get(a, "duration"), *iv = json_object_get(a, "interval");
    char each[96], total[96], last[96], freq[80], span[64];

    if (token(&sell, r, p->chain_id, a, "sellToken", err) != MCP_OK || token(&buy, r, p->chain_id, a, "buyToken", err) != MCP_OK ||
        amount(&p->total, a, "totalAmount", sell, err) != MCP_OK)
        return MCP_EINVAL;
    if (!json_is_integer(dur) || !json_is_integer(iv))
        return mcp_errf(err, MCP_EINVAL, "a TWAP needs automation.duration and automation.interval (seconds)");
    p->duration = (uint32_t)json_integer_value(dur);
    p->interval = (uint32_t)json_integer_value(iv);
    if (p->interval > p->duration)
        return mcp_errf(err, MCP_EINVAL, "automation.interval (%u s) is longer than automation.duration (%u s)",
                        p->interval, p->duration);
    p->trades = p->duration / p->interval;
    if (p->trades > PLAN_MAX_TRADES)
        return mcp_errf(err, MCP_EINVAL, "that is %u trades; at most %d: use a longer interval", p->trades, PLAN_MAX_TRADES);
    if (memcmp(sell->address, buy->address, 20) == 0)
        return mcp_errf(err, MCP_EINVAL, "automation.buyToken is the same token as sellToken");
    set_tokens(p, sell, buy);
    if (split_exact(p, err) != MCP_OK)
        return err->rc;
    policy_words_amount(each, sizeof each, &p->trade, p->sell_decimals, p->sell_symbol, p->sell_usd);
    policy_words_amount(total, sizeof total, &p->total, p->sell_decimals, p->sell_symbol, p->sell_usd);
    policy_words_amount(last, sizeof last, &p->last, p->sell_decimals, p->sell_symbol, p->sell_usd);
    every(freq, sizeof freq, p->interval);
    policy_words_duration(span, sizeof span, p->duration);
    if (eth_u256_cmp(&p->last, &p->trade) == 0)
        snprintf(p->schedule, sizeof p->schedule, "%s into %s %s for %s (%u trades, exactly %s in total)", each,
                 p->buy_symbol, freq, span, p->trades, total);
    else
        snprintf(p->schedule, sizeof p->schedule, "%s into %s %s for %s (%u trades: %u of %s and a last one of "
                 "%s, exactly %s in total)", each, p->buy_symbol, freq, span, p->trades, p->trades - 1, each, last,
                 total);
    snprintf(p->label, sizeof p->label, "%s to %s TWAP", p->sell_symbol, p->buy_symbol);
    return MCP_OK;
}

static enum mcp_rc stop_loss(struct plan *p, const struct rgy *r, json_t *a, struct mcp_error *err)
{
    const struct rgy_token *sell, *recv;
    json_t *dur = json_object_get(a, "duration"), *trig = json_object_get(a, "triggerPrice");
    char amt[96], span[64];

    if (token(&sell, r, p->chain_id, a, "token", err) != MCP_OK ||
        token(&recv, r, p->chain_id, a, "receiveToken", err) != MCP_OK || amount(&p->total, a, "amount", sell, err) != MCP_OK)
        return MCP_EINVAL;
    if (!json_is_string(trig))
        return mcp_errf(err, MCP_EINVAL, "a stop-loss needs automation.triggerPrice (in %s per %s, e.g. \"2000\")",
                        recv->symbol, sell->symbol);
    if (memcmp(sell->address, recv->address, 20) == 0)
        return mcp_errf(err, MCP_EINVAL, "automation.receiveToken is the same token as automation.token");
    p->duration = json_is_integer(dur) ? (uint32_t)json_integer_value(dur) : PLAN_STOP_LOSS_DEFAULT_DURATION;
    p->interval = p->duration;
    p->trades = 1;
    set_tokens(p, sell, recv);
    p->trade = p->cap = p->last = p->total;
    snprintf(p->trigger, sizeof p->trigger, "%s", json_string_value(trig));
    policy_words_amount(amt, sizeof amt, &p->total, p->sell_decimals, p->sell_symbol, p->sell_usd);
    policy_words_duration(span, sizeof span, p->duration);
    snprintf(p->schedule, sizeof p->schedule, "Sell %s for %s once, if %s falls to %s %s or less, at any time in "
             "the next %s", amt, p->buy_symbol, p->sell_symbol, p->trigger, p->buy_symbol, span);
    snprintf(p->label, sizeof p->label, "%s stop-loss", p->sell_symbol);
    return MCP_OK;
}

enum mcp_rc plan_build(struct plan *out, const struct skm_config *cfg, uint64_t chain_id, json_t *a,
                       struct mcp_error *err)
{
    const struct rgy *r = rgy_get(cfg, err);
    const struct rgy_contract *router;
    const char *kind = json_string_value(json_object_get(a, "kind"));
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    if (r == NULL)
        return err->rc;
    out->chain_id = chain_id;
    router = rgy_contract_with_function(r, chain_id, ROUTER_FN);
    if (router == NULL)
        return mcp_errf(err, MCP_ENOTFOUND, "There is no Uniswap V3 SwapRouter02 we know on %s, so this automation "
                        "cannot be planned there. Name the router in the config file's registry.",
                        rgy_chain_name(r, chain_id));
    memcpy(out->router, router->address, 20);
    for (size_t i = 0; i < router->n_functions; i++)
        if (strcmp(router->functions[i].signature, ROUTER_FN) == 0)
            memcpy(out->selector, router->functions[i].selector, 4);
    snprintf(out->kind, sizeof out->kind, "%s", kind ? kind : "");
    rc = kind && strcmp(kind, "twap") == 0 ? twap(out, r, a, err) : stop_loss(out, r, a, err);
    if (rc != MCP_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

static json_t *addr_json(const uint8_t a[20])
{
    char s[43];

    eth_addr_format(s, a);
    return json_string(s);
}

json_t *plan_proposal(const struct plan *p, const char *wallet, json_t *automation)
{
    char cap[82], total[82];

    eth_u256_to_units(cap, sizeof cap, &p->cap, p->sell_decimals);
    eth_u256_to_units(total, sizeof total, &p->total, p->sell_decimals);
    return json_pack("{s:s, s:i, s:{s:I, s:o, s:[s], s:s, s:s, s:{s:i, s:i}}, s:o, s:s, s:O}", "walletAddress", wallet,
                     "duration", (int)p->duration, "permissions", "chainId", (json_int_t)p->chain_id,
                     "contractAddress", addr_json(p->router), "allowedFunctions", "exactInputSingle",
                     "maxPerTransaction", cap, "maxTotal", total, "rateLimit", "count", 1, "period", (int)p->interval,
                     "spendToken", addr_json(p->sell), "label", p->label, "automation", automation);
}

static void add_problem(char *buf, size_t size, const char *fmt, ...) SKM_PRINTF(3, 4);

/* Append "; " and one formatted problem to buf. */
static void add_problem(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;

    snprintf(buf + used, size - used, "%s", used ? "; " : "");
    used = strlen(buf);
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

enum mcp_rc plan_check_narrow(const struct plan *p, const struct policy *pol, struct mcp_error *err)
{
    char problems[MCP_ERR_MSG_MAX - 120] = "", want[82], have[82], sbuf[43];
    int64_t dur = pol->valid_until - pol->valid_after;

    if (memcmp(pol->target, p->router, 20) != 0) {
        eth_addr_format(sbuf, p->router);
        add_problem(problems, sizeof problems, "contractAddress must be the router %s", sbuf);
    }
    for (size_t i = 0; i < pol->n_functions; i++)
        if (memcmp(pol->functions[i].selector, p->selector, 4) != 0)
            add_problem(problems, sizeof problems, "allowedFunctions may only hold %s (not %s)", "exactInputSingle",
                        pol->functions[i].name[0] ? pol->functions[i].name : "an unnamed function");
    if (memcmp(pol->spend_token, p->sell, 20) != 0)
        add_problem(problems, sizeof problems, "spendToken must be %s, the token the automation spends",
                    p->sell_symbol);
    eth_u256_to_units(want, sizeof want, &p->total, p->sell_decimals);
    eth_u256_to_units(have, sizeof have, &pol->max_total, p->sell_decimals);
    if (eth_u256_cmp(&pol->max_total, &p->total) > 0)
        add_problem(problems, sizeof problems, "maxTotal \"%s\" is more than the automation needs: use \"%s\"", have, want);
    eth_u256_to_units(want, sizeof want, &p->cap, p->sell_decimals);
    eth_u256_to_units(have, sizeof have, &pol->max_per_tx, p->sell_decimals);
    if (eth_u256_cmp(&pol->max_per_tx, &p->cap) > 0)
        add_problem(problems, sizeof problems, "maxPerTransaction \"%s\" is more than one trade needs: use \"%s\"", have, want);
    snprintf(want, sizeof want, "%u", p->duration);
    snprintf(have, sizeof have, "%lld", (long long)dur);
    if (dur > (int64_t)p->duration)
        add_problem(problems, sizeof problems, "duration %s is longer than the automation runs: use %s", have, want);
    snprintf(want, sizeof want, "%u", p->interval);
    if (pol->rate_count == 0 || pol->rate_count > 1 || pol->rate_period < p->interval)
        add_problem(problems, sizeof problems, "rateLimit must allow at most 1 trade per %s seconds", want);
    if (problems[0] == '\0')
        return MCP_OK;
    return mcp_errf(err, MCP_EPOLICY, "These permissions are wider than the %s needs, so they were refused: %s. "
                    "Narrow them (plan_automation gives the exact values) and request again.",
                    strcmp(p->kind, "twap") == 0 ? "TWAP" : "stop-loss", problems);
}

int plan_covered_by(const struct plan *p, const struct policy *pol, const struct eth_u256 *remaining,
                    int64_t expires_at, int64_t now)
{
    int has_fn = 0;

    for (size_t i = 0; i < pol->n_functions; i++)
        has_fn |= memcmp(pol->functions[i].selector, p->selector, 4) == 0;
    return pol->chain_id == p->chain_id && memcmp(pol->target, p->router, 20) == 0 && has_fn &&
           memcmp(pol->spend_token, p->sell, 20) == 0 && eth_u256_cmp(&pol->max_per_tx, &p->cap) >= 0 &&
           eth_u256_cmp(remaining, &p->total) >= 0 && expires_at >= now + (int64_t)p->duration &&
           (pol->rate_count == 0 || (pol->rate_period <= p->interval && pol->rate_count >= 1));
}

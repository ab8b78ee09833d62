/* policy_price.c: what swaps may buy and at what price (see policy_price.h). */
#include "policy_price.h"

#include <stdio.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"

static const char *const price_keys[] = {"maxSlippageBps", "buyToken", "buySymbol", "buyDecimals", "trigger",
                                         "triggerBaseUnits", NULL};

static int has_swap(const struct policy *p)
{
    for (size_t i = 0; i < p->n_functions; i++)
        if (p->functions[i].known && strcmp(p->functions[i].category, "swap") == 0)
            return 1;
    return 0;
}

uint32_t policy_price_slippage(const struct policy *p)
{
    return p->price.present ? p->price.max_slippage_bps : POLICY_SLIPPAGE_DEFAULT_BPS;
}

void policy_price_slippage_words(char *out, size_t size, uint32_t bps)
{
    if (bps % 100 == 0)
        snprintf(out, size, "%u%%", bps / 100);
    else if (bps % 10 == 0)
        snprintf(out, size, "%u.%u%%", bps / 100, (bps % 100) / 10);
    else
        snprintf(out, size, "%u.%02u%%", bps / 100, bps % 100);
}

/* "0.5" (percent, at most two decimals) -> 50 basis points. */
static enum mcp_rc parse_slippage(uint32_t *bps, json_t *v, struct mcp_error *err)
{
    const char *s = json_string_value(v), *c;
    uint32_t whole = 0, frac = 0, nfrac = 0;

    *bps = POLICY_SLIPPAGE_DEFAULT_BPS;
    if (v == NULL)
        return MCP_OK;
    if (s == NULL || !(s[0] >= '0' && s[0] <= '9'))
        goto bad;
    for (c = s; *c >= '0' && *c <= '9'; c++)
        if ((whole = whole * 10 + (uint32_t)(*c - '0')) > 100)
            goto bad;
    if (*c == '.') {
        for (c++; *c >= '0' && *c <= '9'; c++) {
            if (++nfrac > 2)
                goto bad;
            frac = frac * 10 + (uint32_t)(*c - '0');
        }
        if (nfrac == 0)
            goto bad;
    }
    if (*c != '\0')
        goto bad;
    *bps = whole * 100 + (nfrac == 1 ? frac * 10 : frac);
    if (*bps >= 1 && *bps <= POLICY_SLIPPAGE_MAX_BPS)
        return MCP_OK;
bad:
    return mcp_errf(err, MCP_EINVAL, "permissions.maxSlippage: send the largest price drop a trade may accept below "
                    "the market quote, in percent with at most two decimals, from \"0.01\" to \"50\" (e.g. \"0.5\"); "
                    "without it 1%% is used");
}

static const struct rgy_token *automation_token(const struct rgy *r, uint64_t chain, json_t *a, const char *field)
{
    const char *s = json_string_value(json_object_get(a, field));
    uint8_t addr[20];

    if (s == NULL)
        return NULL;
    if (strncmp(s, "0x", 2) == 0)
        return eth_addr_parse(addr, s, field, NULL) == MCP_OK ? rgy_token(r, chain, addr) : NULL;
    return rgy_token_by_symbol(r, chain, s);
}

/* The automation's buy token and (stop-loss) trigger. */
static enum mcp_rc parse_automation(struct policy_price *pp, const struct policy *p, const struct rgy *r, json_t *a,
                                    struct mcp_error *err)
{
    const char *kind = json_string_value(json_object_get(a, "kind"));
    int stop = kind != NULL && strcmp(kind, "stop_loss") == 0;
    const struct rgy_token *buy;
    const char *trig;

    if (kind == NULL)
        return MCP_OK;
    buy = automation_token(r, p->chain_id, a, stop ? "receiveToken" : "buyToken");
    if (buy == NULL)
        return MCP_OK; /* plan_build names the unknown token */
    pp->has_buy = 1;
    memcpy(pp->buy_token, buy->address, 20);
    snprintf(pp->buy_symbol, sizeof pp->buy_symbol, "%s", buy->symbol);
    pp->buy_decimals = buy->decimals;
    trig = json_string_value(json_object_get(a, "triggerPrice"));
    if (!stop || trig == NULL)
        return MCP_OK;
    if (strlen(trig) >= sizeof pp->trigger ||
        eth_u256_from_units(&pp->trigger_base, trig, buy->decimals, "automation.triggerPrice", err) != MCP_OK)
        return mcp_errf(err, MCP_EINVAL, "automation.triggerPrice: \"%.40s\" is not a price in %s with at most %u "
                        "decimals; send e.g. \"2000\"", trig, buy->symbol, buy->decimals);
    snprintf(pp->trigger, sizeof pp->trigger, "%s", trig);
    pp->has_trigger = 1;
    return MCP_OK;
}

enum mcp_rc policy_price_from_request(struct policy *p, const struct rgy *r, json_t *args, struct mcp_error *err)
{
    struct policy_price pp;
    json_t *a = json_object_get(args, "automation");

    memset(&p->price, 0, sizeof p->price);
    memset(&pp, 0, sizeof pp);
    if (!has_swap(p))
        return MCP_OK;
    pp.present = 1;
    if (parse_slippage(&pp.max_slippage_bps, json_object_get(json_object_get(args, "permissions"), "maxSlippage"),
                       err) != MCP_OK)
        return MCP_EINVAL;
    if (json_is_object(a) && parse_automation(&pp, p, r, a, err) != MCP_OK)
        return MCP_EINVAL;
    p->price = pp;
    return MCP_OK;
}

json_t *policy_price_to_json(const struct policy *p)
{
    const struct policy_price *pp = &p->price;
    char buy[43] = "";

    if (!pp->present)
        return NULL;
    if (pp->has_buy)
        eth_hex_encode(buy, pp->buy_token, 20);
    return json_pack("{s:I, s:s, s:s, s:i, s:s, s:o}", "maxSlippageBps", (json_int_t)pp->max_slippage_bps, "buyToken",
                     buy, "buySymbol", pp->has_buy ? pp->buy_symbol : "", "buyDecimals",
                     pp->has_buy ? (int)pp->buy_decimals : 0, "trigger", pp->has_trigger ? pp->trigger : "",
                     "triggerBaseUnits", eth_u256_json_dec(&pp->trigger_base));
}

static enum mcp_rc bad(struct mcp_error *err, const char *key)
{
    return mcp_errf(err, MCP_EINVAL, "policy.price: \"%s\" is missing or malformed", key);
}

enum mcp_rc policy_price_from_json(struct policy *p, json_t *j, struct mcp_error *err)
{
    struct policy_price *pp = &p->price;
    const char *key, *buy, *sym, *trig, *base;
    json_t *v, *bps, *dec;
    char hex[43];

    memset(pp, 0, sizeof *pp);
    if (j == NULL)
        return MCP_OK;
    if (!json_is_object(j) || json_object_size(j) != sizeof price_keys / sizeof price_keys[0] - 1)
        return mcp_errf(err, MCP_EINVAL, "policy.price: expected exactly the keys maxSlippageBps, buyToken, "
                        "buySymbol, buyDecimals, trigger, triggerBaseUnits");
    json_object_foreach(j, key, v) {
        size_t i;
        for (i = 0; price_keys[i] != NULL && strcmp(price_keys[i], key) != 0; i++)
            ;
        if (price_keys[i] == NULL)
            return mcp_errf(err, MCP_EINVAL, "policy.price: unknown key \"%.40s\"", key);
    }
    bps = json_object_get(j, "maxSlippageBps");
    dec = json_object_get(j, "buyDecimals");
    buy = json_string_value(json_object_get(j, "buyToken"));
    sym = json_string_value(json_object_get(j, "buySymbol"));
    trig = json_string_value(json_object_get(j, "trigger"));
    base = json_string_value(json_object_get(j, "triggerBaseUnits"));
    if (!json_is_integer(bps) || json_integer_value(bps) < 1 || json_integer_value(bps) > POLICY_SLIPPAGE_MAX_BPS)
        return bad(err, "maxSlippageBps");
    if (!json_is_integer(dec) || json_integer_value(dec) < 0 || json_integer_value(dec) > 77)
        return bad(err, "buyDecimals");
    if (buy == NULL || sym == NULL || trig == NULL || base == NULL || strlen(sym) >= sizeof pp->buy_symbol ||
        strlen(trig) >= sizeof pp->trigger)
        return bad(err, "buyToken");
    pp->present = 1;
    pp->max_slippage_bps = (uint32_t)json_integer_value(bps);
    if (buy[0] != '\0') {
        if (strlen(buy) != 42 || eth_hex_decode(pp->buy_token, 20, buy, "buyToken", err) != MCP_OK)
            return bad(err, "buyToken");
        eth_hex_encode(hex, pp->buy_token, 20);
        if (strcmp(hex, buy) != 0)
            return bad(err, "buyToken");
        pp->has_buy = 1;
        snprintf(pp->buy_symbol, sizeof pp->buy_symbol, "%s", sym);
        pp->buy_decimals = (unsigned)json_integer_value(dec);
    } else if (sym[0] != '\0' || json_integer_value(dec) != 0 || trig[0] != '\0') {
        return bad(err, "buyToken");
    }
    if (eth_u256_from_dec(&pp->trigger_base, base, "triggerBaseUnits", err) != MCP_OK)
        return bad(err, "triggerBaseUnits");
    if (trig[0] != '\0') {
        struct eth_u256 again;
        if (eth_u256_from_units(&again, trig, pp->buy_decimals, "trigger", err) != MCP_OK ||
            eth_u256_cmp(&again, &pp->trigger_base) != 0)
            return bad(err, "trigger");
        pp->has_trigger = 1;
        snprintf(pp->trigger, sizeof pp->trigger, "%s", trig);
    } else if (!eth_u256_is_zero(&pp->trigger_base)) {
        return bad(err, "triggerBaseUnits");
    }
    return MCP_OK;
}

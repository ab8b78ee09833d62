/* gate_check.c: the execution checks (see gate_check.h for the rules and their order).
 * Pure: reads its arguments, writes the decision, nothing else. */
#include "gate_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "gate_price.h"
#include "policy_price.h"
#include "policy_words.h"
#include "rgy_registry.h"

/* Everything the per-call checks need, to keep their argument lists short. */
struct ctx {
    struct gate_decision *d;
    const struct policy *p;
    const struct gate_effects *fx;
    const char *noun; /* "trade" or "transaction" */
};

static void deny(struct gate_decision *d, const char *rule, unsigned call_index, const char *fmt, ...)
    SKM_PRINTF(4, 5);

static void deny(struct gate_decision *d, const char *rule, unsigned call_index, const char *fmt, ...)
{
    va_list ap;

    d->allowed = 0;
    d->rule = rule;
    d->call_index = call_index;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof d->reason, fmt, ap);
    va_end(ap);
}

static void amount_words(char *out, size_t size, const struct policy *p, const struct eth_u256 *v)
{
    policy_words_amount(out, size, v, p->token_decimals, p->token_symbol, p->token_usd);
}

/* "This call" for a one-call execution, "Call 2", or "Call 1 (inner call 3 of its multicall)". */
static void where(char *out, size_t size, const struct ctx *c, const struct gate_effect *e)
{
    if (c->fx->n == 1)
        snprintf(out, size, "This call");
    else if (e->inner_index == 0)
        snprintf(out, size, "Call %u", e->call_index);
    else
        snprintf(out, size, "Call %u (inner call %u of its multicall)", e->call_index, e->inner_index);
}

/* The function's name, or its selector when the gate does not know it. */
static void fn_label(char *out, size_t size, const struct gate_effect *e)
{
    char sel[11];

    if (e->name != NULL && e->name[0] != '\0') {
        snprintf(out, size, "%s", e->name);
        return;
    }
    eth_hex_encode(sel, e->selector, 4);
    snprintf(out, size, "%s", e->has_selector ? sel : "no function");
}

static const struct policy_function *in_scope(const struct policy *p, const struct gate_effect *e)
{
    if (!e->has_selector || memcmp(e->target, p->target, 20) != 0)
        return NULL;
    for (size_t i = 0; i < p->n_functions; i++)
        if (memcmp(p->functions[i].selector, e->selector, 4) == 0)
            return &p->functions[i];
    return NULL;
}

static void allowed_list(char *out, size_t size, const struct policy *p)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < p->n_functions && used < size; i++) {
        const struct policy_function *f = &p->functions[i];
        char sel[11];
        int k;

        eth_hex_encode(sel, f->selector, 4);
        k = snprintf(out + used, size - used, "%s%s", i ? ", " : "", f->name[0] ? f->name : sel);
        used += k > 0 ? (size_t)k : 0;
    }
}

static void contract_words(char *out, size_t size, const struct policy *p)
{
    char a[ETH_ADDR_STR_SIZE];

    eth_addr_format(a, p->target);
    if (p->contract_name[0])
        snprintf(out, size, "%s (%s)", p->contract_name, a);
    else
        snprintf(out, size, "%s", a);
}

/* ---- session and request ---- */

/* The stored policy must be what the owner signed (gate_integrity.h); checked before anything. */
static int check_integrity(struct gate_decision *d, const struct gate_state *st)
{
    if (!st->policy_tampered)
        return 1;
    deny(d, GATE_POLICY_TAMPERED, 0, "The session's stored policy is not the one the owner signed (%s): the "
         "database was changed after approval. Nothing was signed or reserved. Revoke the session, restore the "
         "database from a backup or ask the user to approve a new session.",
         st->tamper_why && st->tamper_why[0] ? st->tamper_why : "it cannot be read");
    return 0;
}

static int check_session(struct gate_decision *d, const struct policy *p, const struct gate_state *st)
{
    char when[24];
    const char *s = st->status;

    if (strcmp(s, "active") == 0 && st->now >= p->valid_after && st->now < p->valid_until)
        return 1;
    if (strcmp(s, "pending") == 0)
        deny(d, GATE_SESSION_NOT_ACTIVE, 0, "The session is still waiting for the user's approval; nothing can run "
             "until they sign it.");
    else if (strcmp(s, "declined") == 0 || strcmp(s, "lapsed") == 0)
        deny(d, GATE_SESSION_NOT_ACTIVE, 0, "The session was never approved (%s); it can never act.",
             strcmp(s, "declined") == 0 ? "the user declined it" : "the request lapsed unsigned");
    else if (strcmp(s, "revoked") == 0)
        deny(d, GATE_SESSION_NOT_ACTIVE, 0, "The session was revoked; it can never act again.");
    else if (strcmp(s, "active") == 0 && st->now < p->valid_after) {
        clock_format(when, p->valid_after);
        deny(d, GATE_SESSION_NOT_ACTIVE, 0, "The session is not valid until %s.", when);
    } else {
        clock_format(when, p->valid_until);
        deny(d, GATE_SESSION_NOT_ACTIVE, 0, "The session expired at %s; it can no longer act. Ask the user to "
             "approve a new session to continue.", when);
    }
    return 0;
}

static int check_request(struct gate_decision *d, const struct policy *p, const struct gate_request *rq)
{
    char a[ETH_ADDR_STR_SIZE], w[ETH_ADDR_STR_SIZE];

    if (rq->has_chain && rq->chain_id != p->chain_id) {
        deny(d, GATE_WRONG_CHAIN, 0, "This request is for chain %llu, but the session is only for %s (chain %llu).",
             (unsigned long long)rq->chain_id, p->chain_name, (unsigned long long)p->chain_id);
        return 0;
    }
    if ((rq->has_account && memcmp(rq->account, p->wallet, 20) != 0) ||
        (rq->has_sender && memcmp(rq->sender, p->wallet, 20) != 0)) {
        eth_addr_format(a, rq->has_account && memcmp(rq->account, p->wallet, 20) != 0 ? rq->account : rq->sender);
        eth_addr_format(w, p->wallet);
        deny(d, GATE_WRONG_ACCOUNT, 0, "This request is for account %s, but the session acts only for the wallet %s.",
             a, w);
        return 0;
    }
    if (rq->userop == GATE_USEROP_HASH_WITHOUT_OP) {
        deny(d, GATE_USEROP_REQUIRED, 0, "A userOpHash was given without its user operation. The session key signs "
             "only a hash the gate computed itself from the operation it checked: send userOp too.");
        return 0;
    }
    if (rq->userop == GATE_USEROP_HASH_DIFFERS || rq->userop == GATE_USEROP_CALLS_DIFFER) {
        deny(d, GATE_USEROP_MISMATCH, 0, "%s Nothing was signed.",
             rq->userop == GATE_USEROP_HASH_DIFFERS
                 ? "The userOpHash given is not the hash of this user operation for the session's chain."
                 : "The calls given are not the calls inside the user operation's callData.");
        return 0;
    }
    if (rq->execute_malformed) {
        deny(d, GATE_MALFORMED_CALLDATA, 0, "The user operation's callData is not a Kernel execute call the gate "
             "can read: %s.", rq->why);
        return 0;
    }
    return 1;
}

/* ---- the user operation: nonce, fee, paymaster (issue 11) ---- */

static int check_op(struct gate_decision *d, const struct policy *p, const struct gate_request *rq)
{
    char a[POLICY_WORDS_MAX], b[POLICY_WORDS_MAX], pm[ETH_ADDR_STR_SIZE];

    if (rq->nonce == GATE_NONCE_WRONG_KEY) {
        deny(d, GATE_NONCE_KEY, 0, "The operation's nonce key is not this session's: %s. Nothing was signed; build "
             "the operation with the session's nonce key.", rq->nonce_words);
        return 0;
    }
    if (rq->nonce == GATE_NONCE_SETTLED) {
        deny(d, GATE_NONCE_USED, 0, "The operation's nonce (%s) was already used: its operation was settled. Nothing "
             "was signed; build the operation with the account's next nonce (EntryPoint getNonce).", rq->nonce_words);
        return 0;
    }
    if (rq->has_fee && (rq->fee_overflow || eth_u256_cmp(&rq->fee, &p->max_fee_per_op) > 0)) {
        policy_words_amount(a, sizeof a, &rq->fee, 18, "ETH", 0);
        policy_words_amount(b, sizeof b, &p->max_fee_per_op, 18, "ETH", 0);
        deny(d, GATE_FEE_CAP, 0, "This operation could cost up to %s in fees ((gas limits) x maxFeePerGas); the "
             "session allows at most %s per operation. Nothing was signed; lower the gas limits or maxFeePerGas, or "
             "ask the user for a session with a higher maxFeePerOperation.", rq->fee_overflow ? "more than anyone "
             "holds" : a, b);
        return 0;
    }
    if (rq->has_paymaster && policy_paymaster_index(p, rq->paymaster) < 0) {
        eth_addr_format(pm, rq->paymaster);
        deny(d, GATE_PAYMASTER_NOT_ALLOWED, 0, "This operation names the paymaster %s, which the session does not "
             "allow%s. Nothing was signed; send it without a paymaster (the wallet pays its gas) or with one the user "
             "approved.", pm, p->n_paymasters == 0 ? " (it allows none)" : "");
        return 0;
    }
    return 1;
}

/* ---- one call ---- */

/* Structural rules that hold whatever the scope says. */
static int check_structure(const struct ctx *c, const struct gate_effect *e, const char *at, const char *fn)
{
    char a[ETH_ADDR_STR_SIZE];

    if (e->delegatecall) {
        eth_addr_format(a, e->target);
        deny(c->d, GATE_DELEGATECALL, e->call_index, "%s is a delegatecall to %s: it would run that contract's code "
             "as the wallet itself. A session may never delegatecall.", at, a);
        return 0;
    }
    if (memcmp(e->target, c->p->wallet, 20) == 0) {
        deny(c->d, GATE_SELF_CALL, e->call_index, "%s calls the wallet itself (%s). A session may never change the "
             "account: no modules, owners, upgrades or its own execute.", at, fn);
        return 0;
    }
    if (e->kind == GATE_KIND_EXECUTE || (e->kind == GATE_KIND_BATCH && e->depth > 0)) {
        eth_addr_format(a, e->target);
        deny(c->d, GATE_NESTED_BATCH, e->call_index, "%s is a nested batch (%s on %s): it could carry calls the "
             "session does not allow. Send the calls directly instead.", at, fn, a);
        return 0;
    }
    return 1;
}

/* Approvals, permits and transfers are refused by kind unless the scope names them. */
static int check_kind(const struct ctx *c, const struct gate_effect *e, const char *at, const char *fn)
{
    char who[ETH_ADDR_STR_SIZE];
    const char *words = c->p->family[0] ? c->p->family : "the functions it lists";

    if (in_scope(c->p, e) != NULL)
        return 1;
    if (e->kind == GATE_KIND_APPROVE) {
        eth_addr_format(who, e->spender);
        deny(c->d, GATE_APPROVAL_NOT_ALLOWED, e->call_index, "%s is an approval (%s) that would let %s spend the "
             "wallet's tokens. This session may not approve anyone: tokens could leave the wallet outside its "
             "limits.", at, fn, who);
    } else if (e->kind == GATE_KIND_PERMIT) {
        deny(c->d, GATE_PERMIT_NOT_ALLOWED, e->call_index, "%s uses a signed permit (%s). This session may not use "
             "permits: they grant token allowances outside its limits.", at, fn);
    } else if (e->kind == GATE_KIND_TRANSFER) {
        if (e->recipient_is_sender)
            snprintf(who, sizeof who, "the caller");
        else
            eth_addr_format(who, e->recipient);
        deny(c->d, GATE_TRANSFER_NOT_ALLOWED, e->call_index, "%s moves tokens (%s) to %s. This session may not "
             "transfer tokens; it may only use %s.", at, fn, who, words);
    } else {
        return 1;
    }
    return 0;
}

static int check_scope(const struct ctx *c, const struct gate_effect *e, const char *at, const char *fn)
{
    char a[ETH_ADDR_STR_SIZE], contract[160], list[400];

    if (memcmp(e->target, c->p->target, 20) != 0) {
        eth_addr_format(a, e->target);
        contract_words(contract, sizeof contract, c->p);
        deny(c->d, GATE_TARGET_NOT_ALLOWED, e->call_index, "%s goes to %s, but the session may only call %s.", at, a,
             contract);
        return 0;
    }
    if (in_scope(c->p, e) == NULL) {
        allowed_list(list, sizeof list, c->p);
        if (e->kind == GATE_KIND_NATIVE)
            deny(c->d, GATE_FUNCTION_NOT_ALLOWED, e->call_index, "%s sends ETH without calling a function; the "
                 "session may only call %s.", at, list);
        else
            deny(c->d, GATE_FUNCTION_NOT_ALLOWED, e->call_index, "%s calls %s, which the session does not allow; it "
                 "may only call %s.", at, fn, list);
        return 0;
    }
    if (e->kind == GATE_KIND_MALFORMED) {
        deny(c->d, GATE_MALFORMED_CALLDATA, e->call_index, "%s does not decode as %s: %s.", at, fn, e->why);
        return 0;
    }
    return 1;
}

static int check_value(const struct ctx *c, const struct gate_effect *e, const char *at, const char *fn)
{
    char eth[96];

    if (!eth_u256_is_zero(&e->value)) {
        eth_u256_to_units(eth, sizeof eth, &e->value, 18);
        deny(c->d, GATE_VALUE_LIMIT, e->call_index, "%s sends %s ETH; the session may not send ETH.", at, eth);
        return 0;
    }
    if (e->kind == GATE_KIND_UNKNOWN || e->unmeasured) {
        deny(c->d, GATE_AMOUNT_UNKNOWN, e->call_index, "%s (%s) does not show how much it spends%s, so it cannot be "
             "counted against the session's limits.", at, fn,
             e->kind == GATE_KIND_SWAP ? " (amountIn 0 spends the router's whole balance)" : "");
        return 0;
    }
    return 1;
}

/* A token as a person names it: its symbol from the built-in registry ("WETH"), else "token"
 * and its address. */
static void token_name(char *out, size_t size, uint64_t chain_id, const uint8_t address[20])
{
    const struct rgy *r = rgy_get(NULL, NULL);
    const struct rgy_token *t = r ? rgy_token(r, chain_id, address) : NULL;
    char a[ETH_ADDR_STR_SIZE];

    if (t != NULL) {
        snprintf(out, size, "%s", t->symbol);
        return;
    }
    eth_addr_format(a, address);
    snprintf(out, size, "token %s", a);
}

static int check_token(const struct ctx *c, const struct gate_effect *e, const char *at)
{
    char tok[ETH_ADDR_STR_SIZE + 16];

    if (e->kind != GATE_KIND_SWAP && e->kind != GATE_KIND_TRANSFER && e->kind != GATE_KIND_APPROVE &&
        e->kind != GATE_KIND_PERMIT)
        return 1;
    if (memcmp(e->token, c->p->spend_token, 20) == 0)
        return 1;
    token_name(tok, sizeof tok, c->p->chain_id, e->token);
    deny(c->d, GATE_TOKEN_IN_MISMATCH, e->call_index, "%s %s %s; the session may only spend %s.", at,
         e->kind == GATE_KIND_SWAP ? "pays with" : "moves", tok, c->p->token_symbol);
    return 0;
}

static int check_swap(const struct ctx *c, const struct gate_effect *e, const char *at)
{
    char to[ETH_ADDR_STR_SIZE], w[ETH_ADDR_STR_SIZE];

    if (e->kind != GATE_KIND_SWAP)
        return 1;
    if (!e->recipient_is_sender && memcmp(e->recipient, c->p->wallet, 20) != 0) {
        eth_addr_format(to, e->recipient);
        eth_addr_format(w, c->p->wallet);
        deny(c->d, GATE_RECIPIENT_NOT_WALLET, e->call_index, "%s sends the swap's output to %s, not to the wallet "
             "%s. A session may only trade for the wallet itself.", at, to, w);
        return 0;
    }
    if (eth_u256_is_zero(&e->min_out)) {
        deny(c->d, GATE_MIN_OUT_ZERO, e->call_index, "%s sets no minimum output (%s is 0), so the trade could be "
             "sandwiched for almost nothing in return. Quote a minimum output and retry.", at,
             e->exact_out ? "amountOut" : "amountOutMinimum");
        return 0;
    }
    return 1;
}

/* ---- what a swap buys and at what price (gate_price.h) ---- */

/* An amount of the swap's output token, in words when it is the session's buy token. */
static void out_words(char *out, size_t size, const struct ctx *c, const struct gate_effect *e,
                      const struct eth_u256 *v)
{
    const struct policy_price *pp = &c->p->price;
    const struct rgy *r = rgy_get(NULL, NULL);
    const struct rgy_token *t = r ? rgy_token(r, c->p->chain_id, e->token_out) : NULL;
    char n[80], tok[ETH_ADDR_STR_SIZE];

    if (pp->has_buy && memcmp(e->token_out, pp->buy_token, 20) == 0) {
        policy_words_amount(out, size, v, pp->buy_decimals, pp->buy_symbol, 0);
        return;
    }
    if (t != NULL) { /* a token we know: in tokens, by its symbol (issue 10's words) */
        policy_words_amount(out, size, v, t->decimals, t->symbol, t->usd);
        return;
    }
    eth_u256_to_dec(n, sizeof n, v);
    eth_addr_format(tok, e->token_out);
    snprintf(out, size, "%s base units of token %s", n, tok);
}

static int check_buys(const struct ctx *c, const struct gate_effect *e, const char *at)
{
    const struct policy_price *pp = &c->p->price;
    char tok[ETH_ADDR_STR_SIZE + 16];

    if (pp->has_buy && memcmp(e->token_out, pp->buy_token, 20) != 0) {
        token_name(tok, sizeof tok, c->p->chain_id, e->token_out);
        deny(c->d, GATE_TOKEN_OUT_MISMATCH, e->call_index, "%s buys %s; this session's automation may only buy "
             "%s.", at, tok, pp->buy_symbol);
        return 0;
    }
    if (e->hop_unknown) {
        eth_addr_format(tok, e->hop_token);
        deny(c->d, GATE_PATH_TOKEN_UNKNOWN, e->call_index, "%s trades through token %s, which is not a token we know "
             "on %s; every token of a swap path must be a registry token. Route the swap through known tokens, or "
             "name the token in the config file's registry.", at, tok, c->p->chain_name);
        return 0;
    }
    return 1;
}

static int check_slippage(const struct ctx *c, const struct gate_effect *e, const char *at)
{
    uint32_t bps = policy_price_slippage(c->p);
    struct eth_u256 ten_k, lo, hi;
    char pct[16], a[POLICY_WORDS_MAX], b[POLICY_WORDS_MAX];

    eth_u256_from_u64(&ten_k, 10000);
    eth_u256_from_u64(&lo, 10000 - bps);
    eth_u256_from_u64(&hi, 10000 + bps);
    policy_price_slippage_words(pct, sizeof pct, bps);
    if (!e->exact_out && gate_price_cmp_products(&e->min_out, &ten_k, &e->quoted, &lo) < 0) {
        out_words(a, sizeof a, c, e, &e->min_out);
        out_words(b, sizeof b, c, e, &e->quoted);
        deny(c->d, GATE_SLIPPAGE, e->call_index, "%s accepts as little as %s, but Uniswap quotes %s: more than the "
             "session's %s maximum slippage below the quote. Set amountOutMinimum to at least the quote less %s "
             "and retry.", at, a, b, pct, pct);
        return 0;
    }
    if (e->exact_out && gate_price_cmp_products(&e->amount, &ten_k, &e->quoted, &hi) > 0) {
        amount_words(a, sizeof a, c->p, &e->amount);
        amount_words(b, sizeof b, c->p, &e->quoted);
        deny(c->d, GATE_SLIPPAGE, e->call_index, "%s may pay up to %s, but Uniswap quotes %s: more than the "
             "session's %s maximum slippage above the quote. Lower amountInMaximum and retry.", at, a, b, pct);
        return 0;
    }
    return 1;
}

/* A stop-loss sells only at or below its trigger: price = out per whole spend token. */
static int check_trigger(const struct ctx *c, const struct gate_effect *e, const char *at)
{
    const struct policy_price *pp = &c->p->price;
    struct eth_u256 unit, price, prod;
    uint64_t unit64, in64;
    const struct eth_u256 *out = e->exact_out ? &e->min_out : &e->quoted, *in = e->exact_out ? &e->quoted : &e->amount;
    uint64_t rem;
    char now[POLICY_WORDS_MAX], ptxt[96];

    if (!pp->has_trigger)
        return 1;
    eth_u256_from_u64(&unit, 1);
    for (unsigned i = 0; i < c->p->token_decimals; i++)
        (void)eth_u256_mul_u64(&unit, &unit, 10); /* 10^decimals <= 10^77 fits */
    if (gate_price_cmp_products(out, &unit, &pp->trigger_base, in) <= 0)
        return 1;
    /* the current price, rounded down, for the words (when it fits the 64-bit divisor) */
    memset(&price, 0, sizeof price);
    if (eth_u256_to_u64(&unit64, &unit) && eth_u256_to_u64(&in64, in) && in64 != 0 &&
        eth_u256_mul_u64(&prod, out, unit64) == 0)
        eth_u256_divmod_u64(&price, &rem, &prod, in64);
    eth_u256_to_units(ptxt, sizeof ptxt, &price, pp->buy_decimals);
    snprintf(now, sizeof now, "%s %s", ptxt, pp->buy_symbol);
    deny(c->d, GATE_TRIGGER_NOT_REACHED, e->call_index, "%s would sell at %s per %s, above the stop-loss trigger of %s "
         "%s. The stop-loss sells only when the price is at or below its trigger; nothing was signed.", at, now,
         c->p->token_symbol, pp->trigger, pp->buy_symbol);
    return 0;
}

static int check_price(const struct ctx *c, const struct gate_effect *e, const char *at)
{
    if (e->kind != GATE_KIND_SWAP)
        return 1;
    if (!check_buys(c, e, at))
        return 0;
    if (e->quote_state != GATE_QUOTE_OK) {
        deny(c->d, GATE_NO_QUOTE, e->call_index, "%s sets a minimum output the gate cannot check against a market "
             "price: %s. Nothing was signed. Configure a price source: start the executor's server with --rpc "
             "%llu=URL (the chain's Uniswap V3 QuoterV2 is read over it), then retry.", at,
             e->quote_why[0] ? e->quote_why : "no quote", (unsigned long long)c->p->chain_id);
        return 0;
    }
    return check_slippage(c, e, at) && check_trigger(c, e, at);
}

static int check_effect(const struct ctx *c, const struct gate_effect *e)
{
    char at[96], fn[RGY_FN_NAME_MAX];

    where(at, sizeof at, c, e);
    fn_label(fn, sizeof fn, e);
    if (!check_structure(c, e, at, fn) || !check_kind(c, e, at, fn) || !check_scope(c, e, at, fn) ||
        !check_value(c, e, at, fn) || !check_token(c, e, at) || !check_swap(c, e, at) || !check_price(c, e, at))
        return 0;
    if ((e->kind == GATE_KIND_APPROVE || e->kind == GATE_KIND_PERMIT) && e->unlimited) {
        deny(c->d, GATE_UNLIMITED_APPROVAL, e->call_index, "%s approves an unlimited amount. Approvals must be for "
             "an exact amount within the session's limits.", at);
        return 0;
    }
    return 1;
}

/* ---- the execution as a whole ---- */

/* Sum what the effects spend. Returns 0 on overflow. */
static int total_spend(struct eth_u256 *sum, const struct gate_effects *fx)
{
    memset(sum, 0, sizeof *sum);
    for (size_t i = 0; i < fx->n; i++) {
        enum gate_kind k = fx->e[i].kind;
        if ((k == GATE_KIND_SWAP || k == GATE_KIND_TRANSFER || k == GATE_KIND_APPROVE || k == GATE_KIND_PERMIT) &&
            eth_u256_add(sum, sum, &fx->e[i].amount))
            return 0;
    }
    return 1;
}

/* What is already spent or reserved, and the total after this execution. A retry on a nonce
 * already reserved replaces that reservation by the larger of the two amounts. Returns
 * nonzero on overflow. */
static int used_after(struct eth_u256 *used, struct eth_u256 *after, const struct gate_state *st,
                      const struct eth_u256 *amount)
{
    int overflow = eth_u256_add(used, &st->spent, &st->reserved);

    if (st->retry) {
        struct eth_u256 base;
        eth_u256_sub(&base, used, &st->retry_amount); /* retry_amount is part of reserved */
        return overflow | eth_u256_add(after, &base,
                                       eth_u256_cmp(amount, &st->retry_amount) > 0 ? amount : &st->retry_amount);
    }
    return overflow | eth_u256_add(after, used, amount);
}

static int check_caps(const struct ctx *c, const struct gate_state *st)
{
    struct eth_u256 used, after;
    char a[POLICY_WORDS_MAX], b[POLICY_WORDS_MAX], u[POLICY_WORDS_MAX];
    int overflow;

    if (eth_u256_cmp(&c->d->amount, &c->p->max_per_tx) > 0) {
        amount_words(a, sizeof a, c->p, &c->d->amount);
        amount_words(b, sizeof b, c->p, &c->p->max_per_tx);
        deny(c->d, GATE_PER_TX_CAP, 0, "This %s spends %s; the session allows at most %s per %s.", c->noun, a, b,
             c->noun);
        return 0;
    }
    overflow = used_after(&used, &after, st, &c->d->amount);
    if (overflow || eth_u256_cmp(&after, &c->p->max_total) > 0) {
        amount_words(a, sizeof a, c->p, &after);
        amount_words(b, sizeof b, c->p, &c->p->max_total);
        amount_words(u, sizeof u, c->p, &used);
        deny(c->d, GATE_TOTAL_CAP, 0, "This %s would bring the total to %s; the session allows %s (%s already spent "
             "or reserved).", c->noun, overflow ? "more than anyone holds" : a, b, u);
        return 0;
    }
    return 1;
}

static int check_rate(const struct ctx *c, const struct gate_state *st)
{
    char rate[POLICY_WORDS_MAX], period[POLICY_WORDS_MAX], next[24], left[64];
    int64_t at;

    if (!policy_has_rate_limit(c->p) || st->retry || st->in_window < c->p->rate_count)
        return 1;
    if (st->window_oldest == 0 || st->in_window - st->unsettled < 1) {
        policy_words_rate(rate, sizeof rate, c->p->rate_count, c->p->rate_period, c->noun);
        deny(c->d, GATE_RATE_LIMIT, 0, "The session allows %s, and %u signed operation%s not settled yet; each "
             "holds its slot until the chain shows it ran or can never run. Report each one with report_execution "
             "(the transaction hash, or \"failed\" once it reverted or its nonce was used), or retry it on the same "
             "nonce.", rate, (unsigned)st->unsettled, st->unsettled == 1 ? " is" : "s are");
        return 0;
    }
    at = st->window_oldest + (int64_t)c->p->rate_period;
    policy_words_rate(rate, sizeof rate, c->p->rate_count, c->p->rate_period, c->noun);
    policy_words_duration(period, sizeof period, c->p->rate_period);
    clock_format(next, at);
    policy_words_time_left(left, sizeof left, at, st->now);
    deny(c->d, GATE_RATE_LIMIT, 0, "The session allows %s, and %u already ran in the last %s; the next one is allowed "
         "at %s (%s).", rate, (unsigned)st->in_window, period, next, left);
    return 0;
}

static void allow(const struct ctx *c, const struct gate_state *st)
{
    struct eth_u256 after, left = {{0}};
    char a[POLICY_WORDS_MAX], l[POLICY_WORDS_MAX], t[POLICY_WORDS_MAX];

    struct eth_u256 used;

    used_after(&used, &after, st, &c->d->amount);
    eth_u256_sub(&left, &c->p->max_total, &after); /* after <= max_total here */
    amount_words(a, sizeof a, c->p, &c->d->amount);
    amount_words(l, sizeof l, c->p, &left);
    amount_words(t, sizeof t, c->p, &c->p->max_total);
    c->d->allowed = 1;
    c->d->rule = GATE_ALLOWED;
    c->d->call_index = 0;
    snprintf(c->d->reason, sizeof c->d->reason, "Allowed: this %s spends %s; %s of the %s total will be left.",
             c->noun, a, l, t);
}

void gate_check(struct gate_decision *d, const struct policy *p, const struct gate_effects *fx,
                const struct gate_request *rq, const struct gate_state *st)
{
    struct ctx c = {d, p, fx, policy_all_swaps(p) ? "trade" : "transaction"};

    memset(d, 0, sizeof *d);
    d->rule = GATE_ALLOWED;
    if (!total_spend(&d->amount, fx))
        memset(&d->amount, 0xff, sizeof d->amount);
    if (!check_integrity(d, st) || !check_session(d, p, st) || !check_request(d, p, rq) || !check_op(d, p, rq))
        return;
    if (fx->n == 0) {
        deny(d, GATE_MALFORMED_CALLDATA, 0, "The execution has no calls.");
        return;
    }
    for (size_t i = 0; i < fx->n; i++)
        if (!check_effect(&c, &fx->e[i]))
            return;
    if (!check_caps(&c, st) || !check_rate(&c, st))
        return;
    allow(&c, st);
}

/* policy_summary.c: the ✓/✗ summary of a policy (see policy_summary.h for what each line
 * promises). */
#include "policy_summary.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_addr.h"
#include "eth_hex.h"
#include "policy_price.h"
#include "policy_words.h"

#define MARK_CAN "\xe2\x9c\x93 "                /* "✓ " */
#define MARK_CANNOT "\xe2\x9c\x97 Cannot: "     /* "✗ Cannot: " */
#define MARK_WARNING "\xe2\x9a\xa0 Warning: "   /* "⚠ Warning: " */
#define MARK_NOTE "\xe2\x84\xb9 "                 /* "ℹ " */

/* A growing string; `failed` sticks after the first allocation failure. */
struct sbuf {
    char *s;
    size_t len, cap;
    int failed;
};

static void sb_add(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);

    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *ns = realloc(b->s, cap);
        if (ns == NULL) {
            b->failed = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) SKM_PRINTF(2, 3);
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sb_add(b, buf);
}

/* The summary being built: three arrays and the text. */
struct render {
    json_t *can, *cannot, *warnings;
    struct sbuf text;
    int bad; /* a line could not be added (OOM or not UTF-8) */
};

static void add_line(struct render *r, json_t *arr, const char *mark, const char *body)
{
    if (json_array_append_new(arr, json_string(body)) != 0)
        r->bad = 1;
    sb_add(&r->text, mark);
    sb_add(&r->text, body);
    sb_add(&r->text, "\n");
}

/* ---- the "Can execute" scope ---- */

static int has_category(const struct policy *p, const char *category)
{
    for (size_t i = 0; i < p->n_functions; i++)
        if (p->functions[i].known && strcmp(p->functions[i].category, category) == 0)
            return 1;
    return 0;
}

/* A registered token whose allowed functions are all transfers or approvals. */
static int is_token_scope(const struct policy *p)
{
    if (!p->contract_known || !p->contract_is_token)
        return 0;
    for (size_t i = 0; i < p->n_functions; i++) {
        const struct policy_function *f = &p->functions[i];
        if (!f->known || (strcmp(f->category, "transfer") != 0 && strcmp(f->category, "approve") != 0))
            return 0;
    }
    return 1;
}

/* How a function is named in the summary: its name when that is unambiguous, else its full
 * signature, else (only a selector is known) the selector. */
static void function_label(char *out, size_t size, const struct policy_function *f)
{
    if (f->signature[0] == '\0')
        eth_hex_encode(out, f->selector, 4);
    else
        snprintf(out, size, "%s", f->known && !f->overloaded ? f->name : f->signature);
}

static void target_label(char *out, size_t size, const struct policy *p)
{
    char addr[ETH_ADDR_STR_SIZE];

    eth_addr_format(addr, p->target);
    if (p->contract_known)
        snprintf(out, size, "%s", p->contract_name);
    else
        snprintf(out, size, "contract %s", addr);
}

static void scope_words(struct sbuf *b, const struct policy *p)
{
    char name[POLICY_SIG_MAX];

    if (is_token_scope(p)) {
        int t = has_category(p, "transfer"), a = has_category(p, "approve");
        sb_printf(b, "%s %s%s%s only", p->contract_name, t ? "transfers" : "",
                  t && a ? " and " : "", a ? "approvals" : "");
        return;
    }
    if (p->contract_known && p->family[0] != '\0' && p->n_functions == 1 && policy_all_swaps(p)) {
        sb_printf(b, "%s only", p->family);
        return;
    }
    target_label(name, sizeof name, p);
    sb_add(b, name);
    sb_add(b, ": ");
    for (size_t i = 0; i < p->n_functions; i++) {
        function_label(name, sizeof name, &p->functions[i]);
        if (i > 0)
            sb_add(b, ", ");
        sb_add(b, name);
    }
    sb_add(b, " only");
}

/* ---- the three groups of lines ---- */

/* What swaps may buy and at what price (policy_price.h): after the limits, in plain words. */
static void price_lines(struct render *r, const struct policy *p)
{
    const struct policy_price *pp = &p->price;
    char pct[16], line[POLICY_WORDS_MAX + 160];

    if (!pp->present)
        return;
    if (pp->has_buy) {
        snprintf(line, sizeof line, "Buys only: %s (through tokens we know)", pp->buy_symbol);
        add_line(r, r->can, MARK_CAN, line);
    }
    policy_price_slippage_words(pct, sizeof pct, pp->max_slippage_bps);
    snprintf(line, sizeof line, "Max slippage: %s below the Uniswap quote; a trade asking a worse price is refused "
             "before signing", pct);
    add_line(r, r->can, MARK_CAN, line);
    if (pp->has_trigger) {
        snprintf(line, sizeof line, "Sells only when 1 %s is worth %s %s or less (stop-loss trigger)", p->token_symbol,
                 pp->trigger, pp->buy_symbol);
        add_line(r, r->can, MARK_CAN, line);
    }
}

/* The fee block (issue 11): the per-operation fee cap, and each allowed paymaster by its full
 * address (gas is then paid by that contract instead of the wallet). */
static void fee_lines(struct render *r, const struct policy *p, const char *noun)
{
    char a[POLICY_WORDS_MAX], line[POLICY_WORDS_MAX + 96], addr[ETH_ADDR_STR_SIZE];

    policy_words_amount(a, sizeof a, &p->max_fee_per_op, 18, "ETH", 0);
    snprintf(line, sizeof line, "Fees: at most %s per %s", a, noun);
    add_line(r, r->can, MARK_CAN, line);
    for (size_t i = 0; i < p->n_paymasters; i++) {
        eth_addr_format(addr, p->paymasters[i]);
        snprintf(line, sizeof line, "Gas may be paid by the paymaster %s", addr);
        add_line(r, r->can, MARK_CAN, line);
    }
}

static void can_lines(struct render *r, const struct policy *p)
{
    struct sbuf scope = {NULL, 0, 0, 0};
    char a[POLICY_WORDS_MAX], when[POLICY_WORDS_MAX], line[2 * POLICY_WORDS_MAX + 64];
    const char *noun = policy_all_swaps(p) ? "trade" : "transaction";

    sb_add(&scope, "Can execute: ");
    scope_words(&scope, p);
    if (scope.failed)
        r->bad = 1;
    else
        add_line(r, r->can, MARK_CAN, scope.s);
    free(scope.s);
    policy_words_amount(a, sizeof a, &p->max_per_tx, p->token_decimals, p->token_symbol,
                        p->token_usd);
    snprintf(line, sizeof line, "Max per %s: %s", noun, a);
    add_line(r, r->can, MARK_CAN, line);
    policy_words_amount(a, sizeof a, &p->max_total, p->token_decimals, p->token_symbol,
                        p->token_usd);
    snprintf(line, sizeof line, "Total limit: %s", a);
    add_line(r, r->can, MARK_CAN, line);
    /* the end as a time, fixed when the request is made: true whenever it is read or signed */
    policy_words_when(when, sizeof when, p->valid_until, p->valid_after);
    policy_words_duration(a, sizeof a, (uint64_t)(p->valid_until - p->valid_after));
    snprintf(line, sizeof line, "Expires: %s (%s after the request)", when, a);
    add_line(r, r->can, MARK_CAN, line);
    if (policy_has_rate_limit(p)) {
        policy_words_rate(a, sizeof a, p->rate_count, p->rate_period, noun);
        snprintf(line, sizeof line, "Rate limit: %s", a);
        add_line(r, r->can, MARK_CAN, line);
    }
    fee_lines(r, p, noun);
    price_lines(r, p);
    add_line(r, r->can, MARK_CAN, "You can revoke anytime");
}

static void cannot_lines(struct render *r, const struct policy *p)
{
    if (policy_all_swaps(p))
        add_line(r, r->cannot, MARK_CANNOT, "Transfer to other addresses");
    add_line(r, r->cannot, MARK_CANNOT, "Exceed spending limits");
    add_line(r, r->cannot, MARK_CANNOT, "Access after expiration");
}

/* Facts about how the limits are read that are not permissions: after the ✗ lines, so the
 * ✓/✗ lines keep their fixed order. */
static void note_lines(struct render *r, json_t *notes, const struct policy *p)
{
    char line[POLICY_WORDS_MAX];

    if (p->token_defaulted) {
        snprintf(line, sizeof line, "Limits are counted in %s, the chain's default token", p->token_symbol);
        add_line(r, notes, MARK_NOTE, line);
    }
}

json_t *policy_summary_notes(const struct policy *p)
{
    struct render r = {json_array(), json_array(), json_array(), {NULL, 0, 0, 0}, 0};
    json_t *notes = json_array();

    if (notes != NULL && r.can != NULL)
        note_lines(&r, notes, p);
    json_decref(r.can);
    json_decref(r.cannot);
    json_decref(r.warnings);
    free(r.text.s);
    if (r.bad || r.text.failed) {
        json_decref(notes);
        return NULL;
    }
    return notes;
}

static void function_warning(struct render *r, const struct policy *p,
                             const struct policy_function *f)
{
    const char *what = p->contract_is_token ? p->contract_name : "tokens";
    char label[POLICY_SIG_MAX], line[POLICY_SIG_MAX + 128];

    function_label(label, sizeof label, f);
    if (f->signature[0] == '\0')
        snprintf(line, sizeof line, "function %s has no name we know", label);
    else if (!f->known && p->contract_known)
        snprintf(line, sizeof line, "function %s is not one we know for %s", label,
                 p->contract_name);
    else if (f->known && strcmp(f->category, "transfer") == 0)
        snprintf(line, sizeof line, "%s can send %s to any address", label, what);
    else if (f->known && strcmp(f->category, "approve") == 0)
        snprintf(line, sizeof line, "%s lets another address spend %s from the wallet, even "
                 "after this session ends", label, what);
    else
        return;
    add_line(r, r->warnings, MARK_WARNING, line);
}

static void warning_lines(struct render *r, const struct policy *p)
{
    char addr[ETH_ADDR_STR_SIZE], line[ETH_ADDR_STR_SIZE + 80];

    if (!p->contract_known) {
        eth_addr_format(addr, p->target);
        snprintf(line, sizeof line, "%s is not a contract we can name; check it before you sign",
                 addr);
        add_line(r, r->warnings, MARK_WARNING, line);
    }
    for (size_t i = 0; i < p->n_functions; i++)
        function_warning(r, p, &p->functions[i]);
}

static void set_out(json_t **out, json_t *v)
{
    if (out != NULL)
        *out = json_incref(v);
}

enum mcp_rc policy_summary(json_t **can, json_t **cannot, json_t **warnings, char **text,
                           const struct policy *p, struct mcp_error *err)
{
    struct render r = {json_array(), json_array(), json_array(), {NULL, 0, 0, 0}, 0};
    enum mcp_rc rc = MCP_OK;

    if (r.can == NULL || r.cannot == NULL || r.warnings == NULL) {
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        goto out;
    }
    sb_add(&r.text, "Session Permissions:\n");
    can_lines(&r, p);
    cannot_lines(&r, p);
    json_t *notes = json_array();
    if (notes != NULL)
        note_lines(&r, notes, p);
    json_decref(notes);
    warning_lines(&r, p);
    if (r.text.failed) {
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        goto out;
    }
    if (r.bad) {
        rc = mcp_errf(err, MCP_EINVAL, "the policy could not be summarized (out of memory, or a "
                      "name that is not UTF-8)");
        goto out;
    }
    set_out(can, r.can);
    set_out(cannot, r.cannot);
    set_out(warnings, r.warnings);
    if (text != NULL) {
        *text = r.text.s;
        r.text.s = NULL;
    }
out:
    if (rc != MCP_OK) {
        if (can)
            *can = NULL;
        if (cannot)
            *cannot = NULL;
        if (warnings)
            *warnings = NULL;
        if (text)
            *text = NULL;
    }
    json_decref(r.can);
    json_decref(r.cannot);
    json_decref(r.warnings);
    free(r.text.s);
    return rc;
}

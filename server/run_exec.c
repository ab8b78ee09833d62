/* run_exec.c: one automation, one slice at a time (see run_exec.h). */
#include "run_exec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "app_state.h"
#include "chain_calls.h"
#include "chain_rpc.h"
#include "clock.h"
#include "eth_hex.h"
#include "gate_userop.h"
#include "log.h"
#include "plan_automation.h"
#include "policy.h"
#include "policy_price.h"
#include "reg_tools.h"
#include "rgy_registry.h"
#include "run_chain.h"
#include "run_sched.h"
#include "run_store.h"
#include "run_userop.h"
#include "tool.h"
#include "zd_const.h"
#include "zd_session.h"

struct run_seen {
    char id[SESSION_ID_MAX];
    struct timespec last_quote; /* monotonic: the stop-loss's last price check */
};

struct bundler_cache {
    uint64_t chain_id;
    struct chain_config cfg;
    struct chain_client *cl;
};

static struct bundler_cache g_bundlers[RUN_MAX_CHAINS];
static int g_n_bundlers;

/* ---- logs ---- */

void run_log(enum log_level level, const char *event, json_t *fields)
{
    static const char *const names[] = {"debug", "info", "notice", "warning", "error", "off"};
    json_t *o = fields ? fields : json_object();
    struct timespec ts;
    char *line;

    if (o == NULL || level < log_get_level()) {
        json_decref(o);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    json_object_set_new(o, "ts", json_real((double)ts.tv_sec + (double)ts.tv_nsec / 1e9));
    json_object_set_new(o, "level", json_string(names[level]));
    json_object_set_new(o, "event", json_string(event));
    line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line != NULL) {
        size_t n = strlen(line);

        line[n] = '\n';
        if (write(STDERR_FILENO, line, n + 1) < 0) {
            /* stderr gone: nothing to do */
        }
        free(line);
    }
    json_decref(o);
}

static void log_slice(enum log_level level, const char *event, const struct run_slice *s, const char *fmt_key,
                      const char *value)
{
    json_t *f = json_pack("{s:s, s:i}", "sessionId", s->session_id, "slice", s->idx);

    if (f != NULL && fmt_key != NULL)
        json_object_set_new(f, fmt_key, json_string(value ? value : ""));
    run_log(level, event, f);
}

/* ---- clients ---- */

struct chain_client *run_bundler_client(struct run_ctx *c, uint64_t chain_id, struct mcp_error *err)
{
    char env[48], idtxt[24];
    const char *url = NULL;
    struct bundler_cache *b;

    for (int i = 0; i < g_n_bundlers; i++)
        if (g_bundlers[i].chain_id == chain_id)
            return g_bundlers[i].cl;
    if (g_n_bundlers == RUN_MAX_CHAINS) {
        mcp_errf(err, MCP_EINVAL, "more than %d chains with a bundler", RUN_MAX_CHAINS);
        return NULL;
    }
    b = &g_bundlers[g_n_bundlers];
    memset(b, 0, sizeof *b);
    chain_config_init(&b->cfg);
    b->cfg.timeout_ms = c->bundlers.timeout_ms;
    b->cfg.attempts = c->bundlers.attempts;
    b->chain_id = chain_id;
    /* precedence as for --rpc: command line, environment, config file */
    for (size_t i = 0; i < c->bundlers.n_ep; i++)
        if (c->bundlers.ep[i].chain_id == chain_id && !c->bundlers.ep[i].from_file)
            url = c->bundlers.ep[i].url;
    snprintf(env, sizeof env, "SKM_BUNDLER_%llu", (unsigned long long)chain_id);
    if (url == NULL && getenv(env) != NULL && getenv(env)[0] != '\0')
        url = getenv(env);
    for (size_t i = 0; url == NULL && i < c->bundlers.n_ep; i++)
        if (c->bundlers.ep[i].chain_id == chain_id)
            url = c->bundlers.ep[i].url;
    if (url == NULL) {
        mcp_errf(err, MCP_ENOTFOUND, "no bundler for chain %llu: pass --bundler %llu=URL or set %s",
                 (unsigned long long)chain_id, (unsigned long long)chain_id, env);
        return NULL;
    }
    snprintf(idtxt, sizeof idtxt, "%llu=", (unsigned long long)chain_id);
    {
        size_t n = strlen(idtxt) + strlen(url) + 1;
        char *spec = malloc(n);
        enum mcp_rc rc;

        if (spec == NULL) {
            mcp_errf(err, MCP_ENOMEM, "out of memory");
            return NULL;
        }
        snprintf(spec, n, "%s%s", idtxt, url);
        rc = chain_config_add(&b->cfg, spec, err);
        free(spec);
        if (rc != MCP_OK || chain_client_new(&b->cl, &b->cfg, chain_id, err) != MCP_OK) {
            chain_config_free(&b->cfg);
            return NULL;
        }
    }
    g_n_bundlers++;
    return b->cl;
}

void run_ctx_close(struct run_ctx *c)
{
    for (int i = 0; i < g_n_bundlers; i++) {
        chain_client_free(g_bundlers[i].cl);
        chain_config_free(&g_bundlers[i].cfg);
    }
    g_n_bundlers = 0;
    free(c->seen);
    c->seen = NULL;
    c->n_seen = c->cap_seen = 0;
}

static const uint8_t *chain_opt(const struct run_chain_opt *o, int n, uint64_t chain_id)
{
    for (int i = 0; i < n; i++)
        if (o[i].chain_id == chain_id)
            return o[i].addr;
    return NULL;
}

/* Uniswap's QuoterV2 deployments, for chains without --quoter. */
static int default_quoter(uint8_t out[20], uint64_t chain_id)
{
    const char *a = chain_id == 8453 ? "0x3d4e44Eb1374240CE5F1B871ab261CD16335B76a"
                  : chain_id == 1 || chain_id == 10 || chain_id == 137 || chain_id == 42161
                      ? "0x61fFE014bA17989E743c5F6cB21bF9697530B21e" : NULL;

    return a != NULL && eth_hex_decode(out, 20, a, "quoter", NULL) == MCP_OK;
}

/* ---- one job: the session and everything derived from it ---- */

struct run_job {
    struct run_ctx *c;
    struct session_row row;
    struct policy pol;
    struct plan plan;
    struct run_auto aut;
    int has_row, has_aut;
    int64_t start;
    struct chain_client *rpc, *bundler;
    uint8_t quoter[20];
    unsigned buy_decimals;
};

static void job_free(struct run_job *j)
{
    if (j->has_row)
        db_session_row_free(&j->row);
    if (j->has_aut)
        run_auto_free(&j->aut);
}

static enum mcp_rc job_load(struct run_job *j, const char *session_id, struct mcp_error *err)
{
    json_t *pj, *spec;
    json_error_t jerr;
    const struct rgy *r;
    const struct rgy_token *t;
    enum mcp_rc rc;

    if ((rc = db_session_get(j->c->db, &j->row, session_id, err)) != MCP_OK)
        return rc;
    j->has_row = 1;
    if ((rc = run_store_get(j->c->db, session_id, &j->aut, err)) != MCP_OK)
        return rc;
    j->has_aut = 1;
    pj = json_loads(j->row.policy, 0, &jerr);
    rc = pj ? policy_from_json(&j->pol, pj, err) : mcp_errf(err, MCP_EINVAL, "the stored policy is not JSON");
    json_decref(pj);
    if (rc != MCP_OK)
        return rc;
    spec = json_loads(j->aut.spec, 0, &jerr);
    rc = spec ? plan_build(&j->plan, &j->c->cfg, j->row.chain_id, spec, err)
              : mcp_errf(err, MCP_EINVAL, "the stored automation is not JSON");
    json_decref(spec);
    if (rc != MCP_OK)
        return rc;
    j->start = j->row.approved_at ? j->row.approved_at : j->row.valid_after;
    r = rgy_get(&j->c->cfg, err);
    t = r ? rgy_token(r, j->row.chain_id, j->plan.buy) : NULL;
    j->buy_decimals = t ? t->decimals : 18;
    return MCP_OK;
}

static enum mcp_rc job_clients(struct run_job *j, struct mcp_error *err)
{
    const uint8_t *q = chain_opt(j->c->quoter, j->c->n_quoter, j->row.chain_id);

    if (q != NULL)
        memcpy(j->quoter, q, 20);
    else if (!default_quoter(j->quoter, j->row.chain_id))
        return mcp_errf(err, MCP_ENOTFOUND, "no Uniswap V3 quoter known for chain %llu: pass --quoter %llu=ADDRESS",
                        (unsigned long long)j->row.chain_id, (unsigned long long)j->row.chain_id);
    if ((j->rpc = app_chain(&j->c->cfg, j->row.chain_id, err)) == NULL)
        return err->rc;
    if ((j->bundler = run_bundler_client(j->c, j->row.chain_id, err)) == NULL)
        return err->rc;
    return MCP_OK;
}

/* ---- the gate, through the very tools `sessionkey-mcp exec` runs ---- */

static json_t *call_tool(struct run_ctx *c, const char *name, json_t *args, struct mcp_error *err)
{
    const struct tool_def *tool = reg_find(name);
    struct tool_ctx ctx = {&c->cfg, "cli"};
    json_t *r, *sc;

    if (tool == NULL) {
        mcp_errf(err, MCP_EINTERNAL, "the %s tool is missing", name);
        return NULL;
    }
    r = reg_call(tool, &ctx, args, REG_GEN_2025_06);
    sc = json_object_get(r, "structuredContent");
    if (r == NULL || json_is_true(json_object_get(r, "isError")) || sc == NULL) {
        const char *text = json_string_value(json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));

        mcp_errf(err, MCP_EPOLICY, "%s: %.400s", name, text ? text : "out of memory");
        json_decref(r);
        return NULL;
    }
    json_incref(sc);
    json_decref(r);
    return sc;
}

static void report(struct run_ctx *c, const struct run_slice *s, int executed, const char *tx, const char *why)
{
    json_t *args, *res;
    struct mcp_error err = {MCP_OK, ""};

    if (s->reservation_id[0] == '\0')
        return;
    args = json_pack("{s:s, s:s}", "reservationId", s->reservation_id, "outcome", executed ? "executed" : "failed");
    if (args == NULL)
        return;
    if (executed && tx && tx[0])
        json_object_set_new(args, "txHash", json_string(tx));
    if (!executed)
        json_object_set_new(args, "reason", json_stringn(why ? why : "failed", why ? (strlen(why) > 200 ? 200 : strlen(why)) : 6));
    res = call_tool(c, "report_execution", args, &err);
    if (res == NULL) {
        json_t *f = json_pack("{s:s, s:i, s:s}", "sessionId", s->session_id, "slice", s->idx, "error", err.msg);

        run_log(LOG_ERROR, "report_failed", f);
    }
    json_decref(res);
    json_decref(args);
}

/* ---- failures ---- */

static enum mcp_rc fail(struct run_job *j, struct run_slice *s, const struct mcp_error *why, const char *kind)
{
    struct mcp_error err = {MCP_OK, ""};
    int64_t now = clock_now(), delay = j->c->backoff_seconds;
    int paused = 0;
    enum mcp_rc rc;

    for (int i = 0; i < s->attempts && delay < 86400; i++)
        delay *= 2;
    rc = run_store_failed(j->c->db, s, why->msg, now + delay, j->c->max_failures, kind, now, &paused, &err);
    {
        json_t *f = json_pack("{s:s, s:i, s:s, s:s, s:i}", "sessionId", s->session_id, "slice", s->idx, "reason",
                              why->msg, "kind", kind, "retryInSeconds", (int)delay);

        run_log(LOG_WARNING, "slice_failed", f);
    }
    if (paused) {
        json_t *f = json_pack("{s:s, s:s}", "sessionId", s->session_id, "kind", kind);

        run_log(LOG_WARNING, "automation_paused", f);
    }
    return rc == MCP_EDB ? rc : MCP_OK;
}

static const char *kind_of(const struct mcp_error *e)
{
    return e->rc == MCP_EHTTP ? "unreachable" : "failures";
}

/* ---- building ---- */

struct built {
    struct run_user_op op;
    struct zd_approval za;
    int enable_mode, deployed;
    struct eth_u256 amount, quote, min_out;
};

static void built_free(struct built *b)
{
    run_user_op_free(&b->op);
    zd_approval_free(&b->za);
}

static enum mcp_rc read_enable_sig(struct db *db, const char *sid, char out[133], struct mcp_error *err)
{
    sqlite3_stmt *st;
    int src;

    out[0] = '\0';
    if (db_prepare(db, &st, "SELECT signature FROM approvals WHERE session_id = ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    if (src == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) { /* "0x" + 130 hex (confirm_session) */
        const char *t = (const char *)sqlite3_column_text(st, 0);

        if (t != NULL && zd_hex_valid(t, 65))
            snprintf(out, 133, "%s", t);
    } else if (src == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 65) {
        eth_hex_encode(out, sqlite3_column_blob(st, 0), 65);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return db_fail(db, src, "reading the approval", err);
    if (out[0] == '\0')
        return mcp_errf(err, MCP_ENOTFOUND, "session %s has no stored owner approval", sid);
    return MCP_OK;
}

static char *dup_hex(const struct zd_hex *h)
{
    return strdup(zd_hex_str(h));
}

/* The session signature in the form Kernel wants for this operation. */
static char *wrap_signature(const struct built *b, const char *session_sig, const char *enable_sig)
{
    struct zd_hex sel, out;
    char *s;

    if (!b->enable_mode)
        return strdup(session_sig);
    zd_hex_init(&sel);
    zd_hex_init(&out);
    zd_enable_selector_data(&sel);
    run_enable_signature(&out, zd_hex_str(&b->za.en.enable_data), zd_hex_str(&sel), enable_sig, session_sig);
    s = out.failed ? NULL : dup_hex(&out);
    zd_hex_free(&sel);
    zd_hex_free(&out);
    return s;
}

/* The session's fee cap (docs/gate.md "Fees are limits too"): all five gas limits x maxFeePerGas
 * must not exceed maxFeePerOperation. Above it, maxFeePerGas (and the tip with it) is lowered to
 * the most the cap allows; a bundler that finds that too low for the chain refuses the operation,
 * and the slice is retried later like any refused one. */
static enum mcp_rc fit_fee_cap(const struct run_job *j, struct run_user_op *op, struct mcp_error *err)
{
    struct eth_u256 gas, fee;
    uint64_t g, rem;

    gas = op->call_gas;
    if (eth_u256_add(&gas, &gas, &op->verification_gas) != 0 || eth_u256_add(&gas, &gas, &op->pre_verification_gas) != 0 ||
        (op->paymaster != NULL && (eth_u256_add(&gas, &gas, &op->pm_verification_gas) != 0 ||
                                   eth_u256_add(&gas, &gas, &op->pm_post_op_gas) != 0)) ||
        !eth_u256_to_u64(&g, &gas) || g == 0)
        return mcp_errf(err, MCP_ERPC, "the bundler's gas estimate is out of range");
    if (eth_u256_mul_u64(&fee, &op->max_fee, g) == 0 && eth_u256_cmp(&fee, &j->pol.max_fee_per_op) <= 0)
        return MCP_OK;
    eth_u256_divmod_u64(&fee, &rem, &j->pol.max_fee_per_op, g);
    if (eth_u256_is_zero(&fee))
        return mcp_errf(err, MCP_ERPC, "the operation needs %" PRIu64 " gas, more than the session's fee cap pays "
                        "for at any gas price", g);
    log_info("session %s: maxFeePerGas lowered to the session's fee cap over %" PRIu64 " gas", j->row.id, g);
    op->max_fee = fee;
    if (eth_u256_cmp(&op->max_priority_fee, &fee) > 0)
        op->max_priority_fee = fee;
    return MCP_OK;
}

static enum mcp_rc build_op(struct run_job *j, struct run_slice *s, struct built *b, const char *enable_sig,
                            struct mcp_error *err)
{
    struct zd_session_opts opts;
    json_t *aj = json_loads(j->row.account, 0, NULL);
    struct run_call calls[2];
    size_t n = 0;
    uint8_t key[24];
    struct eth_u256 allowance, chain_nonce, rec;
    uint32_t bps;
    int installed = 0;
    struct zd_hex cd;
    enum mcp_rc rc;
    int64_t due;
    const uint8_t *pm;

    rc = aj ? zd_session_opts_from_json(&opts, aj, err) : mcp_errf(err, MCP_EINVAL, "the session is not a Kernel v3 account");
    json_decref(aj);
    if (rc != MCP_OK || (rc = zd_session_build(&b->za, &j->pol, &opts, err)) != MCP_OK)
        return rc;
    run_sched_slice(&j->plan, j->start, (uint32_t)s->idx, &due, &b->amount);
    if ((rc = run_chain_deployed(&b->deployed, j->rpc, j->pol.wallet, err)) != MCP_OK)
        return rc;
    if (b->deployed && (rc = run_chain_permission_installed(&installed, j->rpc, j->pol.wallet,
                                                             b->za.en.validation_id, err)) != MCP_OK)
        return rc;
    b->enable_mode = !installed;
    run_nonce_key(key, b->enable_mode, b->za.en.permission_id, 0);
    if ((rc = run_chain_nonce(&chain_nonce, j->rpc, j->pol.wallet, key, err)) != MCP_OK)
        return rc;
    /* the same nonce as the earlier attempt while the chain has not used it */
    if (s->nonce[0] && eth_u256_from_dec(&rec, s->nonce, "nonce", NULL) == MCP_OK && eth_u256_cmp(&rec, &chain_nonce) == 0)
        log_debug("slice %d keeps nonce %s", s->idx, s->nonce);
    b->op.nonce = chain_nonce;
    eth_u256_to_dec(s->nonce, sizeof s->nonce, &chain_nonce);
    if ((rc = run_chain_quote(&b->quote, j->rpc, j->quoter, j->plan.sell, j->plan.buy, &b->amount, j->c->pool_fee,
                              err)) != MCP_OK)
        return rc;
    /* the gate checks the session's own slippage against its own quote: never ask for less */
    bps = policy_price_slippage(&j->pol);
    if ((uint32_t)j->c->slippage_bps < bps)
        bps = (uint32_t)j->c->slippage_bps;
    if (run_sched_mul_div_up(&b->min_out, &b->quote, (uint64_t)(10000 - bps), 10000) != 0 ||
        eth_u256_is_zero(&b->min_out))
        return mcp_errf(err, MCP_ERPC, "the quoter's price gives no minimum output for this slice");
    if ((rc = run_chain_allowance(&allowance, j->rpc, j->plan.sell, j->pol.wallet, j->plan.router, err)) != MCP_OK)
        return rc;
    memset(calls, 0, sizeof calls);
    if (eth_u256_cmp(&allowance, &b->amount) < 0) {
        memcpy(calls[n].target, j->plan.sell, 20);
        zd_hex_init(&calls[n].data);
        run_approve_calldata(&calls[n].data, j->plan.router, &b->amount);
        n++;
    }
    memcpy(calls[n].target, j->plan.router, 20);
    zd_hex_init(&calls[n].data);
    run_swap_calldata(&calls[n].data, j->plan.sell, j->plan.buy, j->c->pool_fee, j->pol.wallet, &b->amount, &b->min_out);
    n++;
    zd_hex_init(&cd);
    run_kernel_execute(&cd, calls, n);
    for (size_t i = 0; i < n; i++)
        zd_hex_free(&calls[i].data);
    if ((rc = zd_hex_check(&cd, err)) != MCP_OK) {
        zd_hex_free(&cd);
        return rc;
    }
    memcpy(b->op.sender, j->pol.wallet, 20);
    b->op.call_data = dup_hex(&cd);
    zd_hex_free(&cd);
    if (!b->deployed) {
        b->op.factory = strdup(ZD_META_FACTORY);
        b->op.factory_data = dup_hex(&b->za.init_code);
    }
    /* a paymaster the session does not name would be refused by the gate: pay from the wallet */
    if ((pm = chain_opt(j->c->paymaster, j->c->n_paymaster, j->row.chain_id)) != NULL &&
        policy_paymaster_index(&j->pol, pm) < 0) {
        char a[43] = "0x";

        eth_hex_encode(a, pm, 20);
        log_warn("session %s does not allow paymaster %s: the wallet pays its own gas", j->row.id, a);
        pm = NULL;
    }
    if (pm != NULL) {
        char a[43] = "0x";

        eth_hex_encode(a, pm, 20);
        b->op.paymaster = strdup(a);
        b->op.paymaster_data = strdup("0x");
    }
    b->op.signature = wrap_signature(b, run_dummy_session_sig, enable_sig);
    if (b->op.call_data == NULL || b->op.signature == NULL || (!b->deployed && b->op.factory_data == NULL))
        return mcp_errf(err, MCP_ENOMEM, "out of memory (building the operation)");
    if ((rc = run_chain_fees(&b->op.max_fee, &b->op.max_priority_fee, j->rpc, j->bundler, err)) != MCP_OK)
        return rc;
    if ((rc = run_bundler_estimate(&b->op, j->bundler, err)) != MCP_OK)
        return rc;
    return fit_fee_cap(j, &b->op, err);
}

/* ---- following ---- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the receipt of s->user_op_hash. Returns MCP_OK with *receipt (NULL on timeout). */
static enum mcp_rc follow(struct run_job *j, const struct run_slice *s, json_t **receipt, long timeout_ms,
                          struct mcp_error *err)
{
    long until = mono_ms() + timeout_ms;
    enum mcp_rc rc = MCP_OK;

    *receipt = NULL;
    for (;;) {
        mcp_err_clear(err);
        rc = run_bundler_receipt(receipt, j->bundler, s->user_op_hash, err);
        if (rc == MCP_OK && *receipt != NULL)
            return MCP_OK;
        if (mono_ms() >= until)
            return rc;
        sleep_ms(j->c->receipt_poll_ms);
    }
}

/* A receipt came: record and report it. */
static enum mcp_rc settle(struct run_job *j, struct run_slice *s, json_t *receipt)
{
    struct mcp_error err = {MCP_OK, ""}, why = {MCP_ERPC, ""};
    struct eth_u256 out;
    int success;
    char reason[RUN_TEXT_MAX];

    run_receipt_read(receipt, j->plan.buy, j->pol.wallet, &success, s->tx_hash, &out, reason, sizeof reason);
    if (success) {
        eth_u256_to_dec(s->amount_out, sizeof s->amount_out, &out);
        report(j->c, s, 1, s->tx_hash, NULL);
        j->c->slices_done++;
        if (run_store_done(j->c->db, s, clock_now(), &err) != MCP_OK)
            return MCP_EDB;
        {
            json_t *f = json_pack("{s:s, s:i, s:s, s:s, s:s}", "sessionId", s->session_id, "slice", s->idx,
                                  "txHash", s->tx_hash, "amountIn", s->amount_in, "amountOut", s->amount_out);

            run_log(LOG_INFO, "slice_done", f);
        }
        return MCP_OK;
    }
    report(j->c, s, 0, NULL, reason);
    s->reservation_id[0] = '\0';
    snprintf(why.msg, sizeof why.msg, "%s (transaction %s)", reason, s->tx_hash);
    return fail(j, s, &why, "failures");
}

/* An earlier attempt of this slice was sent (or built): did it land? 1 = settled. */
static int recover(struct run_job *j, struct run_slice *s, enum mcp_rc *rc)
{
    struct mcp_error err = {MCP_OK, ""};
    json_t *receipt = NULL;

    *rc = MCP_OK;
    if (s->user_op_hash[0] == '\0')
        return 0;
    if (run_bundler_receipt(&receipt, j->bundler, s->user_op_hash, &err) != MCP_OK) {
        *rc = fail(j, s, &err, kind_of(&err));
        return 1;
    }
    if (receipt != NULL) {
        log_slice(LOG_INFO, "slice_recovered", s, "userOpHash", s->user_op_hash);
        *rc = settle(j, s, receipt);
        json_decref(receipt);
        return 1;
    }
    /* never included (or dropped): release the earlier reservation and send again */
    report(j->c, s, 0, NULL, "not included; sent again");
    s->reservation_id[0] = '\0';
    s->user_op_hash[0] = '\0';
    return 0;
}

/* Authorize through the gate. Returns MCP_OK with the session signature in sig, or an error;
 * *denied_rule is set for a denial. */
static enum mcp_rc authorize(struct run_job *j, struct run_slice *s, struct built *b, char sig[140],
                             char denied_rule[40], struct mcp_error *err)
{
    json_t *op = run_user_op_json(&b->op), *args, *res;
    char wallet[43] = "0x", ours[67] = "0x";
    struct gate_user_op gop;
    uint8_t h[32];
    const char *v;

    denied_rule[0] = '\0';
    if (op == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory (user operation JSON)");
    memset(&gop, 0, sizeof gop);
    if (gate_userop_parse(&gop, op, err) != MCP_OK) {
        gate_userop_free(&gop);
        json_decref(op);
        return err->rc;
    }
    gate_userop_hash(h, &gop, j->row.chain_id);
    gate_userop_free(&gop);
    eth_hex_encode(ours, h, 32);
    eth_hex_encode(wallet, j->pol.wallet, 20);
    args = json_pack("{s:s, s:o, s:s, s:I, s:s}", "sessionId", j->row.id, "userOp", op, "userOpHash", ours,
                     "chainId", (json_int_t)j->row.chain_id, "account", wallet);
    if (args == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory (gate request)");
    res = call_tool(j->c, "authorize_execution", args, err);
    json_decref(args);
    if (res == NULL)
        return err->rc;
    if (!json_is_true(json_object_get(res, "allowed"))) {
        v = json_string_value(json_object_get(res, "rule"));
        snprintf(denied_rule, 40, "%s", v ? v : "DENIED");
        v = json_string_value(json_object_get(res, "reason"));
        mcp_errf(err, MCP_EPOLICY, "the gate refused the slice (%s): %.300s", denied_rule, v ? v : "");
        json_decref(res);
        return MCP_EPOLICY;
    }
    v = json_string_value(json_object_get(res, "reservationId"));
    snprintf(s->reservation_id, sizeof s->reservation_id, "%s", v ? v : "");
    v = json_string_value(json_object_get(res, "userOpHash"));
    snprintf(s->user_op_hash, sizeof s->user_op_hash, "%s", v ? v : ours);
    v = json_string_value(json_object_get(res, "signature"));
    snprintf(sig, 140, "%s", v ? v : "");
    json_decref(res);
    if (!zd_hex_valid(sig, 66))
        return mcp_errf(err, MCP_ECRYPTO, "the gate allowed the slice but returned no signature");
    return MCP_OK;
}

static enum mcp_rc exec_slice(struct run_job *j, struct run_slice *s)
{
    struct mcp_error err = {MCP_OK, ""};
    struct built b;
    char enable_sig[140], sig[140], rule[40], hash[67];
    json_t *receipt = NULL;
    enum mcp_rc rc;
    int64_t due;
    struct eth_u256 amount;

    if (recover(j, s, &rc))
        return rc;
    memset(&b, 0, sizeof b);
    if ((rc = read_enable_sig(j->c->db, j->row.id, enable_sig, &err)) != MCP_OK ||
        (rc = build_op(j, s, &b, enable_sig, &err)) != MCP_OK) {
        built_free(&b);
        return rc == MCP_EDB ? rc : fail(j, s, &err, kind_of(&err));
    }
    if ((rc = authorize(j, s, &b, sig, rule, &err)) != MCP_OK) {
        built_free(&b);
        if (strcmp(rule, "RATE_LIMIT") == 0) { /* not yet: give the claim back, no failure counted */
            char why[RUN_TEXT_MAX];
            int64_t wait = j->c->poll_seconds > 60 ? j->c->poll_seconds : 60;

            snprintf(why, sizeof why, "%s", err.msg);
            log_slice(LOG_INFO, "slice_not_yet", s, "reason", why);
            return run_store_defer(j->c->db, s, why, clock_now() + wait, clock_now(), &err) == MCP_EDB ? MCP_EDB : MCP_OK;
        }
        if (rule[0]) { /* the policy says no: retrying cannot help */
            char why[RUN_TEXT_MAX];

            snprintf(why, sizeof why, "%s", err.msg);
            log_slice(LOG_WARNING, "slice_denied", s, "reason", why);
            if (run_store_failed(j->c->db, s, why, clock_now(), 1, "denied", clock_now(), NULL, &err) == MCP_EDB ||
                run_store_pause(j->c->db, s->session_id, "denied", why, clock_now(), &err) == MCP_EDB)
                return MCP_EDB;
            return MCP_OK;
        }
        return fail(j, s, &err, kind_of(&err));
    }
    free(b.op.signature);
    b.op.signature = wrap_signature(&b, sig, enable_sig);
    run_sched_slice(&j->plan, j->start, (uint32_t)s->idx, &due, &amount);
    eth_u256_to_dec(s->amount_in, sizeof s->amount_in, &amount);
    if (b.op.signature == NULL || run_store_sent(j->c->db, s, clock_now(), &err) != MCP_OK) {
        report(j->c, s, 0, NULL, "could not record the operation before sending");
        built_free(&b);
        return MCP_EDB;
    }
    if (run_bundler_send(hash, j->bundler, &b.op, &err) != MCP_OK) {
        built_free(&b);
        report(j->c, s, 0, NULL, err.msg);
        s->reservation_id[0] = '\0';
        s->user_op_hash[0] = '\0';
        return fail(j, s, &err, kind_of(&err));
    }
    built_free(&b);
    j->c->slices_sent++;
    {
        struct timespec ts;
        json_t *f;

        clock_gettime(CLOCK_REALTIME, &ts);
        f = json_pack("{s:s, s:i, s:s, s:s, s:s, s:I}", "sessionId", s->session_id, "slice", s->idx, "userOpHash",
                      s->user_op_hash, "nonce", s->nonce, "amountIn", s->amount_in, "delayMs",
                      (json_int_t)(((int64_t)ts.tv_sec - s->due_at) * 1000 + ts.tv_nsec / 1000000));
        run_log(LOG_INFO, "slice_sent", f);
    }
    if (strcasecmp(hash, s->user_op_hash) != 0)
        log_slice(LOG_WARNING, "hash_mismatch", s, "bundlerHash", hash);
    if ((rc = follow(j, s, &receipt, j->c->receipt_timeout_ms, &err)) != MCP_OK || receipt == NULL) {
        if (err.msg[0] == '\0')
            mcp_errf(&err, MCP_ERPC, "the operation was not included within %ld seconds",
                     j->c->receipt_timeout_ms / 1000);
        return fail(j, s, &err, kind_of(&err)); /* the hash is kept: the retry looks for it first */
    }
    rc = settle(j, s, receipt);
    json_decref(receipt);
    return rc;
}

/* ---- one session ---- */

static struct run_seen *seen(struct run_ctx *c, const char *id)
{
    for (int i = 0; i < c->n_seen; i++)
        if (strcmp(c->seen[i].id, id) == 0)
            return &c->seen[i];
    if (c->n_seen == c->cap_seen) {
        void *p = realloc(c->seen, (size_t)(c->cap_seen = c->cap_seen ? c->cap_seen * 2 : 16) * sizeof *c->seen);

        if (p == NULL)
            return NULL;
        c->seen = p;
    }
    memset(&c->seen[c->n_seen], 0, sizeof c->seen[0]);
    snprintf(c->seen[c->n_seen].id, SESSION_ID_MAX, "%s", id);
    return &c->seen[c->n_seen++];
}

/* Stop-loss: is the price at or below the trigger? Checked at most every poll_seconds. */
static int trigger_hit(struct run_job *j)
{
    struct run_seen *sn = seen(j->c, j->row.id);
    struct mcp_error err = {MCP_OK, ""};
    struct eth_u256 out;
    struct timespec now;
    int hit;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (sn != NULL && (sn->last_quote.tv_sec || sn->last_quote.tv_nsec) &&
        now.tv_sec - sn->last_quote.tv_sec < j->c->poll_seconds)
        return 0;
    if (sn != NULL)
        sn->last_quote = now;
    if (run_chain_quote(&out, j->rpc, j->quoter, j->plan.sell, j->plan.buy, &j->plan.total, j->c->pool_fee, &err) != MCP_OK) {
        json_t *f = json_pack("{s:s, s:s}", "sessionId", j->row.id, "error", err.msg);

        run_log(LOG_WARNING, "quote_failed", f);
        return 0;
    }
    hit = run_sched_trigger_hit(&j->plan.total, j->plan.sell_decimals, &out, j->buy_decimals, j->plan.trigger, &err);
    {
        char o[80];
        json_t *f;

        eth_u256_to_dec(o, sizeof o, &out);
        f = json_pack("{s:s, s:s, s:s, s:b}", "sessionId", j->row.id, "quoteOut", o, "trigger", j->plan.trigger,
                      "hit", hit == 1);
        run_log(LOG_DEBUG, "price_checked", f);
    }
    return hit == 1;
}

/* A paused automation: resume one paused for an unreachable bundler when it answers again. */
static enum mcp_rc maybe_resume(struct run_job *j, struct mcp_error *err)
{
    json_t *r = NULL;
    struct mcp_error probe = {MCP_OK, ""};

    if (strcmp(j->aut.pause_kind, "unreachable") != 0 || job_clients(j, err) != MCP_OK) {
        mcp_err_clear(err);
        return MCP_OK;
    }
    if (chain_rpc_call(&r, j->bundler, "eth_supportedEntryPoints", NULL, &probe) != MCP_OK)
        return MCP_OK;
    json_decref(r);
    if (run_store_pause(j->c->db, j->row.id, NULL, NULL, clock_now(), err) != MCP_OK)
        return err->rc;
    j->aut.paused = 0;
    {
        json_t *f = json_pack("{s:s}", "sessionId", j->row.id);

        run_log(LOG_INFO, "automation_resumed", f);
    }
    return MCP_OK;
}

enum mcp_rc run_session(struct run_ctx *c, const char *session_id, int64_t *next_due, struct mcp_error *err)
{
    struct run_job j;
    struct run_slice *rows = NULL, s;
    unsigned char *done = NULL;
    int n = 0, idx;
    int64_t due = 0, now = clock_now();
    enum run_claim res;
    enum mcp_rc rc;

    if (next_due)
        *next_due = 0;
    memset(&j, 0, sizeof j);
    j.c = c;
    if ((rc = job_load(&j, session_id, err)) != MCP_OK) {
        if (rc != MCP_EDB && j.has_aut && !j.aut.paused) { /* a policy or plan we can no longer read: stop */
            char why[RUN_TEXT_MAX];

            snprintf(why, sizeof why, "the session's stored policy or automation cannot be used: %.250s", err->msg);
            rc = run_store_pause(c->db, session_id, "denied", why, now, err);
        }
        job_free(&j);
        return rc == MCP_EDB ? rc : MCP_OK;
    }
    if (strcmp(db_session_status(&j.row, now), "active") != 0 || strcmp(j.row.account_type, "kernel-v3") != 0) {
        job_free(&j);
        return MCP_OK;
    }
    if (j.aut.paused && ((rc = maybe_resume(&j, err)) != MCP_OK || j.aut.paused)) {
        job_free(&j);
        return rc;
    }
    if ((rc = run_store_slices(c->db, session_id, &rows, &n, err)) != MCP_OK) {
        job_free(&j);
        return rc;
    }
    done = calloc(j.plan.trades ? j.plan.trades : 1, 1);
    for (int i = 0; done && i < n; i++)
        if (rows[i].idx >= 0 && (uint32_t)rows[i].idx < j.plan.trades && strcmp(rows[i].state, "done") == 0)
            done[rows[i].idx] = 1;
    idx = done ? run_sched_next(&j.plan, j.start, done, j.plan.trades, &due) : -1;
    /* never closer to the previous slice than the interval: the gate's and the chain's rate
     * limits count from when it was signed, and a late slice must not make the next one fail */
    for (int i = 0; idx > 0 && i < n; i++)
        if (rows[i].idx == idx - 1 && rows[i].sent_at > 0 && rows[i].sent_at + (int64_t)j.plan.interval > due)
            due = rows[i].sent_at + (int64_t)j.plan.interval;
    free(done);
    free(rows);
    if (idx < 0) {
        rc = run_store_set_next(c->db, session_id, 0, err);
        job_free(&j);
        return rc;
    }
    if (strcmp(j.plan.kind, "twap") == 0) {
        if (next_due)
            *next_due = due;
        if ((rc = run_store_set_next(c->db, session_id, due, err)) != MCP_OK || due > now) {
            job_free(&j);
            return rc;
        }
    }
    if ((rc = job_clients(&j, err)) != MCP_OK) {
        json_t *f = json_pack("{s:s, s:s}", "sessionId", session_id, "error", err->msg);

        run_log(LOG_ERROR, "no_endpoint", f);
        mcp_err_clear(err);
        job_free(&j);
        return MCP_OK;
    }
    if (strcmp(j.plan.kind, "stop_loss") == 0 && !trigger_hit(&j)) {
        job_free(&j);
        return MCP_OK;
    }
    if (strcmp(j.plan.kind, "stop_loss") == 0)
        due = now;
    if ((rc = run_store_claim(c->db, session_id, idx, due, c->holder, now, c->lease_seconds, &res, &s, err)) != MCP_OK ||
        res != RUN_CLAIMED) {
        job_free(&j);
        return rc;
    }
    log_slice(LOG_INFO, "slice_claimed", &s, "nonce", s.nonce);
    rc = exec_slice(&j, &s);
    job_free(&j);
    if (rc == MCP_EDB)
        return mcp_errf(err, MCP_EDB, "storage failed while running slice %d of %s", s.idx, session_id);
    return MCP_OK;
}

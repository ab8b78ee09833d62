/* gate_exec.c: authorize and report, end to end (see gate_exec.h). */
#include "gate_exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db_audit.h"
#include "db_sessions.h"
#include "eth_hex.h"
#include "gate_check.h"
#include "gate_decode.h"
#include "gate_figures.h"
#include "gate_input.h"
#include "gate_integrity.h"
#include "gate_price.h"
#include "gate_evidence.h"
#include "gate_ledger.h"
#include "gate_nonce.h"
#include "gate_opfacts.h"
#include "gate_sign.h"
#include "log.h"
#include "policy.h"
#include "policy_words.h"

/* Everything one authorize call works with, released by work_free. */
struct work {
    struct gate_input in;
    struct gate_effects fx;
    struct session_row row;
    int have_row;
    struct policy p;
    struct gate_decision d;
    struct gate_totals totals;
    uint8_t op_hash[32];
    int tampered;            /* the stored policy is not what was signed */
    char tamper_why[200];
    char reservation[GATE_RESERVATION_ID_MAX];
    int64_t reserved_until;
    struct gate_opfacts of;   /* the user operation's nonce and an earlier reservation for it */
    int new_bound;            /* 1: this call made a new reservation for a signature */
};

static void work_free(struct work *w)
{
    gate_input_free(&w->in);
    if (w->have_row)
        db_session_row_free(&w->row);
}

static enum mcp_rc load_policy(struct policy *p, const struct session_row *r, struct mcp_error *err)
{
    json_error_t jerr;
    json_t *j = json_loads(r->policy, 0, &jerr);
    enum mcp_rc rc = j ? policy_from_json(p, j, err) : MCP_EINTERNAL;

    json_decref(j);
    if (rc != MCP_OK)
        return mcp_errf(err, MCP_EINTERNAL, "The stored policy of session %s cannot be read; nothing was run. "
                        "Revoke the session and request a new one.", r->id);
    return MCP_OK;
}

static void amount_words(char *out, size_t size, const struct policy *p, const struct eth_u256 *v)
{
    policy_words_amount(out, size, v, p->token_decimals, p->token_symbol, p->token_usd);
}

static json_t *decision_details(const struct work *w)
{
    char amount[POLICY_WORDS_MAX], base[80], hash[67];
    json_t *d, *fns = json_array();

    for (size_t i = 0; fns != NULL && i < w->fx.n; i++)
        json_array_append_new(fns, json_string(w->fx.e[i].name[0] ? w->fx.e[i].name : gate_kind_word(w->fx.e[i].kind)));
    amount_words(amount, sizeof amount, &w->p, &w->d.amount);
    eth_u256_to_dec(base, sizeof base, &w->d.amount);
    d = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o*}", "rule", w->d.rule, "reason", w->d.reason, "amount", amount,
                  "amountBaseUnits", base, "calls", (json_int_t)w->in.n_calls, "functions", fns);
    if (d == NULL)
        return NULL;
    if (w->reservation[0])
        json_object_set_new(d, "reservationId", json_string(w->reservation));
    if (w->in.has_op) {
        eth_hex_encode(hash, w->op_hash, 32);
        json_object_set_new(d, "userOpHash", json_string(hash));
    }
    return d;
}

/* Load the stored policy and check it is what the owner signed (gate_integrity.h). A policy
 * that does not even parse is tampered too: the decision is a refusal (audited), not an error. */
static enum mcp_rc check_integrity(struct work *w, struct mcp_error *err)
{
    struct mcp_error e2;

    if (load_policy(&w->p, &w->row, &e2) != MCP_OK) {
        memset(&w->p, 0, sizeof w->p);
        w->p.chain_id = w->row.chain_id;
        w->tampered = 1;
        snprintf(w->tamper_why, sizeof w->tamper_why, "the stored policy cannot be read");
        log_warn("session %s: the stored policy cannot be read (%s)", w->row.id, e2.msg);
        return MCP_OK;
    }
    if (gate_policy_intact(&w->tampered, w->tamper_why, sizeof w->tamper_why, &w->row, &w->p, err) != MCP_OK)
        return err->rc;
    w->tampered = !w->tampered;
    if (w->tampered)
        log_warn("session %s: POLICY_TAMPERED: %s", w->row.id, w->tamper_why);
    return MCP_OK;
}

/* The user operation claims, now that the session's chain is known. */
static void check_hash(struct work *w)
{
    if (!w->in.has_op)
        return;
    gate_userop_hash(w->op_hash, &w->in.op, w->p.chain_id);
    if (w->in.has_hash && memcmp(w->op_hash, w->in.hash, 32) != 0 && w->in.rq.userop == GATE_USEROP_OK)
        w->in.rq.userop = GATE_USEROP_HASH_DIFFERS;
}

/* Reserve what an allowed execution spends. With a user operation the reservation is bound
 * to its nonce (a retry on the nonce reuses it: the larger amount, once) and lasts until the
 * session's validUntil, after which the signed operation can no longer be valid. */
static enum mcp_rc reserve(struct work *w, const struct gate_env *env, int retry, struct mcp_error *err)
{
    enum mcp_rc rc;

    if (!w->in.has_op) {
        w->reserved_until = env->now + env->lapse;
        return gate_ledger_reserve(w->reservation, env->db, w->row.id, &w->d.amount, env->now, env->lapse, err);
    }
    w->reserved_until = w->p.valid_until;
    if (retry) {
        snprintf(w->reservation, sizeof w->reservation, "%s", w->of.existing.reservation_id);
        rc = gate_nonce_retry(env->db, w->reservation, &w->d.amount, env->now, err);
    } else {
        rc = gate_nonce_reserve(w->reservation, env->db, w->row.id, &w->d.amount, &w->of.nonce, env->now,
                                w->p.valid_until, err);
        w->new_bound = rc == MCP_OK;
    }
    if (rc == MCP_OK)
        rc = gate_nonce_add_op(env->db, w->reservation, w->op_hash, &w->d.amount, env->now, err);
    return rc;
}

/* Inside the write lock: read, decide, reserve, audit. */
static enum mcp_rc decide(struct work *w, const struct gate_env *env, struct mcp_error *err)
{
    struct gate_state st;
    json_t *details;
    enum mcp_rc rc;

    if ((rc = db_session_get(env->db, &w->row, w->in.session_id, err)) != MCP_OK)
        return rc;
    w->have_row = 1;
    if ((rc = check_integrity(w, err)) != MCP_OK)
        return rc;
    check_hash(w);
    if (w->in.has_op &&
        (rc = gate_opfacts(&w->of, &w->in.rq, env->db, &w->row, &w->p, &w->in.op, env->now, err)) != MCP_OK)
        return rc;
    if ((rc = gate_ledger_totals(&w->totals, env->db, w->row.id, env->now, w->p.rate_period, err)) != MCP_OK)
        return rc;
    st = (struct gate_state){db_session_status(&w->row, env->now), env->now, w->totals.spent, w->totals.reserved,
                             w->totals.in_window, w->totals.window_oldest, w->tampered, w->tamper_why,
                             w->totals.unsettled, w->of.existing.found && w->of.existing.lapses_at > env->now,
                             w->of.existing.amount};
    gate_check(&w->d, &w->p, &w->fx, &w->in.rq, &st);
    if (w->d.allowed && (rc = reserve(w, env, st.retry, err)) != MCP_OK)
        return rc;
    if ((details = decision_details(w)) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    rc = db_audit_append(env->db, env->now, w->row.wallet, w->row.id,
                         w->d.allowed ? "execution_allowed" : "execution_denied", details, err);
    json_decref(details);
    return rc;
}

static enum mcp_rc run_decision(struct work *w, const struct gate_env *env, struct mcp_error *err)
{
    enum mcp_rc rc;

    if (db_begin(env->db, err) != MCP_OK)
        return err->rc;
    if ((rc = decide(w, env, err)) == MCP_OK)
        rc = db_commit(env->db, err);
    db_rollback(env->db);
    if (rc != MCP_OK)
        w->reservation[0] = '\0'; /* nothing was kept */
    return rc;
}

/* Signing failed after the reservation was committed: give the amount back. */
static void release_after_sign_failure(const struct work *w, const struct gate_env *env, const char *why)
{
    struct gate_settled s;
    struct mcp_error e2;
    json_t *d = json_pack("{s:s, s:s}", "reservationId", w->reservation, "reason", why);

    if (w->in.has_op && !w->new_bound) { /* a retry: the earlier signatures on this nonce still count */
        json_decref(d);
        return;
    }
    if (db_begin(env->db, &e2) == MCP_OK &&
        gate_ledger_settle_evidence(&s, env->db, w->reservation, GATE_OUTCOME_FAILED, NULL, GATE_EVIDENCE_NEVER_SIGNED,
                                    env->now, &e2) == MCP_OK &&
        db_audit_append(env->db, env->now, w->row.wallet, w->row.id, "execution_released", d, &e2) == MCP_OK &&
        db_commit(env->db, &e2) == MCP_OK) {
        json_decref(d);
        return;
    }
    db_rollback(env->db);
    json_decref(d);
    log_warn("could not release reservation %s after a signing failure (it lapses by itself): %s", w->reservation,
             e2.msg);
}

static enum mcp_rc sign(json_t *out, const struct work *w, const struct gate_env *env, struct mcp_error *err)
{
    uint8_t sig[GATE_SIG_LEN];
    char hex[2 * GATE_SIG_LEN + 3];
    enum mcp_rc rc;

    rc = env->km == NULL ? mcp_errf(err, MCP_EINTERNAL, "no key store") :
                           gate_sign_user_op(sig, env->db, env->km, w->row.id, w->row.wallet, w->op_hash, err);
    if (rc != MCP_OK) {
        release_after_sign_failure(w, env, "signing failed");
        return mcp_errf(err, rc, "The execution was allowed, but the session key could not sign it (%.300s). Its "
                        "reservation was released; nothing can run.", err->msg);
    }
    eth_hex_encode(hex, sig, GATE_SIG_LEN);
    return json_object_set_new(out, "signature", json_string(hex)) ? mcp_errf(err, MCP_ENOMEM, "out of memory")
                                                                   : MCP_OK;
}

static json_t *render(const struct work *w)
{
    char amount[POLICY_WORDS_MAX], hash[67], until[24];
    json_t *o;

    amount_words(amount, sizeof amount, &w->p, &w->d.amount);
    o = json_pack("{s:b, s:s, s:s, s:s, s:s}", "allowed", w->d.allowed, "rule", w->d.rule, "reason", w->d.reason,
                  "sessionId", w->row.id, "amount", amount);
    if (o == NULL)
        return NULL;
    if (w->d.call_index > 0)
        json_object_set_new(o, "callIndex", json_integer(w->d.call_index));
    if (w->reservation[0]) {
        clock_format(until, w->reserved_until);
        json_object_set_new(o, "reservationId", json_string(w->reservation));
        json_object_set_new(o, "reservedUntil", json_string(until));
    }
    if (w->in.has_op) {
        eth_hex_encode(hash, w->op_hash, 32);
        json_object_set_new(o, "userOpHash", json_string(hash));
    }
    return o;
}

/* Before the write lock (quotes are network reads): what the swaps buy and their quotes, for
 * the session's stored policy (gate_price.h). The decision re-reads the row under the lock and
 * refuses a row that is not what was signed, so the policy read here is the one decided on. */
static void price_facts(struct work *w, const struct gate_env *env)
{
    struct session_row row;
    struct policy p;
    struct mcp_error e2;
    int swaps = 0;

    for (size_t i = 0; i < w->fx.n; i++)
        swaps |= w->fx.e[i].kind == GATE_KIND_SWAP;
    if (!swaps || db_session_get(env->db, &row, w->in.session_id, &e2) != MCP_OK)
        return;
    if (load_policy(&p, &row, &e2) == MCP_OK)
        gate_price_annotate(&w->fx, &p, env->cfg, env->quoter);
    db_session_row_free(&row);
}

enum mcp_rc gate_authorize(json_t **out, const struct gate_env *env, json_t *args, struct mcp_error *err)
{
    struct work *w = calloc(1, sizeof *w);
    json_t *o = NULL;
    enum mcp_rc rc;

    *out = NULL;
    if (w == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if ((rc = gate_input_parse(&w->in, args, err)) != MCP_OK)
        goto done;
    if (w->in.n_calls > 0 && (rc = gate_decode(&w->fx, w->in.calls, w->in.n_calls, err)) != MCP_OK)
        goto done;
    price_facts(w, env);
    if ((rc = run_decision(w, env, err)) != MCP_OK)
        goto done;
    if ((o = render(w)) == NULL) {
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
        goto done;
    }
    if (w->d.allowed && w->in.has_op && (rc = sign(o, w, env, err)) != MCP_OK)
        goto done;
    *out = o;
    o = NULL;
done:
    json_decref(o);
    work_free(w);
    free(w);
    return rc;
}

/* ---- report ---- */

static enum mcp_rc report_args(enum gate_outcome *outcome, const char **tx, json_t *args, struct mcp_error *err)
{
    const char *o = json_string_value(json_object_get(args, "outcome"));
    uint8_t h[32];

    *tx = json_string_value(json_object_get(args, "txHash"));
    if (o == NULL || (strcmp(o, "executed") != 0 && strcmp(o, "failed") != 0))
        return mcp_errf(err, MCP_EINVAL, "outcome: \"executed\" (with txHash) or \"failed\"");
    *outcome = strcmp(o, "executed") == 0 ? GATE_OUTCOME_EXECUTED : GATE_OUTCOME_FAILED;
    if (*outcome == GATE_OUTCOME_EXECUTED && *tx == NULL)
        return mcp_errf(err, MCP_EINVAL, "txHash is required when the outcome is \"executed\": the hash of the "
                        "transaction that included the operation");
    if (*tx != NULL && (strlen(*tx) != 66 || eth_hex_decode(h, 32, *tx, "txHash", err) != MCP_OK))
        return mcp_errf(err, MCP_EINVAL, "txHash: expected 0x followed by 64 hex digits");
    return MCP_OK;
}

struct report {
    struct gate_evidence_result ev;
    int checked;              /* the chain was asked (ev holds its answer) */
    struct gate_settled s;
    struct session_row row;
    int have_row;
    struct policy p;
    struct gate_totals t;
};

static json_t *report_details(const struct report *r, const char *id, const char *tx, const char *why)
{
    char amount[POLICY_WORDS_MAX];
    json_t *d;

    amount_words(amount, sizeof amount, &r->p, &r->s.amount);
    d = json_pack("{s:s, s:s, s:b}", "reservationId", id, "amount", amount, "late", r->s.late);
    if (d != NULL && tx != NULL)
        json_object_set_new(d, "txHash", json_string(tx));
    if (d != NULL && why != NULL)
        json_object_set_new(d, "reason", json_string(why));
    return d;
}

static enum mcp_rc settle(struct report *r, const struct gate_env *env, json_t *args, struct mcp_error *err)
{
    const char *id = json_string_value(json_object_get(args, "reservationId"));
    const char *why = json_string_value(json_object_get(args, "reason"));
    enum gate_outcome outcome = GATE_OUTCOME_FAILED;
    const char *tx = NULL;
    json_t *d;
    enum mcp_rc rc;

    if ((rc = report_args(&outcome, &tx, args, err)) != MCP_OK)
        return rc;
    if (id == NULL)
        return mcp_errf(err, MCP_EINVAL, "reservationId is required: the id authorize_execution returned");
    if (r->ev.ev == GATE_EVIDENCE_EXECUTED && r->ev.tx_hash[0])
        tx = r->ev.tx_hash;
    if ((rc = gate_ledger_settle_evidence(&r->s, env->db, id, outcome, tx, r->ev.ev, env->now, err)) != MCP_OK ||
        (rc = db_session_get(env->db, &r->row, r->s.session_id, err)) != MCP_OK)
        return rc;
    r->have_row = 1;
    if ((rc = load_policy(&r->p, &r->row, err)) != MCP_OK ||
        (rc = gate_ledger_totals(&r->t, env->db, r->row.id, env->now, 0, err)) != MCP_OK)
        return rc;
    if (r->s.already)
        return MCP_OK;
    if ((d = report_details(r, id, tx, why)) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (r->checked)
        json_object_set_new(d, "evidence", json_string(r->ev.words));
    rc = db_audit_append(env->db, env->now, r->row.wallet, r->row.id,
                         r->s.still_counts ? "execution_still_counts" :
                         strcmp(r->s.state, "committed") == 0 ? "execution_committed" : "execution_released", d, err);
    json_decref(d);
    return rc;
}

/* A "failed" report of a signed operation that still counts: ask the chain first (outside
 * the write lock: network reads never hold the database). */
static enum mcp_rc read_evidence(struct report *r, const struct gate_env *env, json_t *args, struct mcp_error *err)
{
    const char *id = json_string_value(json_object_get(args, "reservationId"));
    const char *o = json_string_value(json_object_get(args, "outcome"));
    struct gate_signed sg;
    struct session_row row;
    uint8_t wallet[20];
    enum mcp_rc rc;

    if (id == NULL || o == NULL || strcmp(o, "failed") != 0)
        return MCP_OK; /* settle() names what is missing */
    if ((rc = gate_nonce_load(&sg, env->db, id, err)) != MCP_OK)
        return rc;
    if (!sg.bound || strcmp(sg.state, "reserved") != 0 || sg.lapses_at <= env->now)
        return MCP_OK;
    if ((rc = db_session_get(env->db, &row, sg.session_id, err)) != MCP_OK)
        return rc;
    if (eth_hex_decode(wallet, 20, row.wallet, "wallet", err) == MCP_OK) {
        gate_evidence_read(&r->ev, env->cfg, row.chain_id, wallet, &sg);
        r->checked = 1;
    }
    db_session_row_free(&row);
    return r->checked ? MCP_OK : err->rc;
}

static json_t *report_render(const struct report *r, const char *id)
{
    struct gate_figures f;
    char amount[POLICY_WORDS_MAX];
    json_t *o;

    amount_words(amount, sizeof amount, &r->p, &r->s.amount);
    gate_figures(&f, &r->p, &r->t, r->row.feature);
    o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "reservationId", id, "sessionId", r->row.id, "state",
                  r->s.state, "amount", amount, "late", r->s.late, "alreadyRecorded", r->s.already, "stillCounts",
                  r->s.still_counts);
    if (o != NULL && r->checked)
        json_object_set_new(o, "evidence", json_string(r->ev.words));
    if (o != NULL && r->ev.tx_hash[0])
        json_object_set_new(o, "txHash", json_string(r->ev.tx_hash));
    if (o != NULL && gate_figures_set(o, &f) != 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

enum mcp_rc gate_report(json_t **out, const struct gate_env *env, json_t *args, struct mcp_error *err)
{
    struct report r;
    enum mcp_rc rc;

    *out = NULL;
    memset(&r, 0, sizeof r);
    if ((rc = read_evidence(&r, env, args, err)) != MCP_OK)
        return rc;
    if (db_begin(env->db, err) != MCP_OK)
        return err->rc;
    if ((rc = settle(&r, env, args, err)) == MCP_OK)
        rc = db_commit(env->db, err);
    db_rollback(env->db);
    if (rc == MCP_OK && (*out = report_render(&r, json_string_value(json_object_get(args, "reservationId")))) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (r.have_row)
        db_session_row_free(&r.row);
    return rc;
}

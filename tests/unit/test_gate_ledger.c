/* test_gate_ledger.c: reserve-then-commit accounting (server/gate_ledger.c) and the gate end
 * to end over a real database (server/gate_exec.c): reservations count until they are
 * committed, released or lapse; outcomes are final and idempotent; every decision is in the
 * audit log; the signature is the session key's over the operation hash; two sessions of one
 * wallet never share a budget; and processes x threads racing on one session never overshoot
 * the total cap or the rate limit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db_audit.h"
#include "eth_191.h"
#include "eth_hex.h"
#include "eth_secp.h"
#include "gate_exec.h"
#include "gate_fixture.h"
#include "gate_evidence.h"
#include "gate_ledger.h"
#include "gate_nonce.h"
#include "gate_opfacts.h"
#include "test.h"
#include "zd_session.h"

#define SR02_IN "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"
#define T0 (GFX_NOW + 60)

static const char *dec(const struct eth_u256 *v)
{
    static char out[4][80];
    static int k;
    char *o = out[k++ % 4];

    eth_u256_to_dec(o, 80, v);
    return o;
}

static struct gate_totals totals(struct gfx_session *s, int64_t now, uint32_t window)
{
    struct gate_totals t;
    struct mcp_error err;

    if (gate_ledger_totals(&t, s->db, s->id, now, window, &err) != MCP_OK)
        test_fail(__FILE__, __LINE__, "totals: %s", err.msg);
    return t;
}

static const char *spent_now(struct gfx_session *s)
{
    struct gate_totals t = totals(s, T0, 0);

    return dec(&t.spent);
}

static const char *reserved_now(struct gfx_session *s)
{
    struct gate_totals t = totals(s, T0, 0);

    return dec(&t.reserved);
}

static int reserve(char id[GATE_RESERVATION_ID_MAX], struct gfx_session *s, uint64_t amount, int64_t now)
{
    struct eth_u256 a;
    struct mcp_error err;
    int ok;

    eth_u256_from_u64(&a, amount);
    ok = db_begin(s->db, &err) == MCP_OK &&
         gate_ledger_reserve(id, s->db, s->id, &a, now, GATE_LAPSE_SECONDS, &err) == MCP_OK &&
         db_commit(s->db, &err) == MCP_OK;
    db_rollback(s->db);
    return ok ? 0 : -1;
}

static enum mcp_rc settle(struct gate_settled *out, struct gfx_session *s, const char *id, enum gate_outcome o,
                          const char *tx, int64_t now, struct mcp_error *err)
{
    enum mcp_rc rc;

    if (db_begin(s->db, err) != MCP_OK)
        return err->rc;
    if ((rc = gate_ledger_settle(out, s->db, id, o, tx, now, err)) == MCP_OK)
        rc = db_commit(s->db, err);
    db_rollback(s->db);
    return rc;
}

#define TX1 "0x1111111111111111111111111111111111111111111111111111111111111111"
#define TX2 "0x2222222222222222222222222222222222222222222222222222222222222222"

TEST(gate_ledger_reserve_commit_release_and_lapse)
{
    struct gfx_session s;
    char a[GATE_RESERVATION_ID_MAX], b[GATE_RESERVATION_ID_MAX], c[GATE_RESERVATION_ID_MAX];
    struct gate_settled st;
    struct mcp_error err;
    struct gate_totals t;

    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    CHECK(reserve(a, &s, 10, T0) == 0 && reserve(b, &s, 20, T0 + 1) == 0 && reserve(c, &s, 40, T0 + 2) == 0);
    CHECK(strncmp(a, "res_", 4) == 0 && strlen(a) == 30 && strcmp(a, b) != 0);
    t = totals(&s, T0 + 2, 3600);
    CHECK_STR(dec(&t.reserved), "70");
    CHECK_EQ_INT(t.pending, 3);
    CHECK_EQ_INT(t.in_window, 3);
    CHECK_EQ_INT(t.window_oldest, T0);
    CHECK(settle(&st, &s, a, GATE_OUTCOME_EXECUTED, TX1, T0 + 5, &err) == MCP_OK);
    CHECK_STR(st.state, "committed");
    CHECK_STR(st.session_id, s.id);
    CHECK(!st.already && !st.late);
    CHECK(settle(&st, &s, b, GATE_OUTCOME_FAILED, NULL, T0 + 5, &err) == MCP_OK);
    CHECK_STR(st.state, "released");
    t = totals(&s, T0 + 5, 3600);
    CHECK_STR(dec(&t.spent), "10");
    CHECK_STR(dec(&t.reserved), "40");
    CHECK_EQ_INT(t.executed, 1);
    CHECK_EQ_INT(t.in_window, 2); /* released ones do not count against the rate */
    /* c was never reported: it counts until it lapses, then no more */
    t = totals(&s, T0 + 2 + GATE_LAPSE_SECONDS - 1, 0);
    CHECK_STR(dec(&t.reserved), "40");
    t = totals(&s, T0 + 2 + GATE_LAPSE_SECONDS, 0);
    CHECK_STR(dec(&t.reserved), "0");
    CHECK_EQ_INT(t.pending, 0);
    /* a late "executed" report still records the truth */
    CHECK(settle(&st, &s, c, GATE_OUTCOME_EXECUTED, TX2, T0 + 3600, &err) == MCP_OK);
    CHECK(st.late);
    t = totals(&s, T0 + 3600, 0);
    CHECK_STR(dec(&t.spent), "50");
    gfx_session_free(&s);
}

TEST(gate_ledger_outcomes_are_final_and_idempotent)
{
    struct gfx_session s;
    char a[GATE_RESERVATION_ID_MAX], b[GATE_RESERVATION_ID_MAX];
    struct gate_settled st;
    struct mcp_error err;

    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    CHECK(reserve(a, &s, 10, T0) == 0 && reserve(b, &s, 10, T0) == 0);
    CHECK(settle(&st, &s, a, GATE_OUTCOME_EXECUTED, TX1, T0, &err) == MCP_OK);
    CHECK(settle(&st, &s, a, GATE_OUTCOME_EXECUTED, TX1, T0, &err) == MCP_OK);
    CHECK(st.already);
    CHECK(settle(&st, &s, a, GATE_OUTCOME_EXECUTED, TX2, T0, &err) == MCP_ECONFLICT);
    CHECK_CONTAINS(err.msg, "already committed with transaction " TX1);
    CHECK(settle(&st, &s, a, GATE_OUTCOME_FAILED, NULL, T0, &err) == MCP_ECONFLICT);
    CHECK(settle(&st, &s, b, GATE_OUTCOME_FAILED, NULL, T0, &err) == MCP_OK);
    CHECK(settle(&st, &s, b, GATE_OUTCOME_EXECUTED, TX2, T0, &err) == MCP_ECONFLICT);
    CHECK(settle(&st, &s, "res_nosuchreservation0000000", GATE_OUTCOME_FAILED, NULL, T0, &err) == MCP_ENOTFOUND);
    CHECK_STR(spent_now(&s), "10");
    gfx_session_free(&s);
}

/* ---- end to end over the database ---- */

static json_t *authorize(struct gfx_session *s, json_t *args, int64_t now, struct mcp_error *err)
{
    struct gate_env env = {.db = s->db, .km = s->km, .now = now, .lapse = GATE_LAPSE_SECONDS, .quoter = &gfx_quoter};
    json_t *out = NULL;

    if (gate_authorize(&out, &env, args, err) != MCP_OK)
        return NULL;
    return out;
}

static json_t *swap_args(const char *sid, const char *amount)
{
    return gfx_args_one(sid, GFX_ROUTER, gfx_call_hex(SR02_IN, gfx_swap_args(GFX_WALLET, amount, "1")));
}

static const char *rule(json_t *o)
{
    const char *r = json_string_value(json_object_get(o, "rule"));

    return r ? r : "(none)";
}

static int audit_count(struct gfx_session *s, const char *event)
{
    sqlite3_stmt *st;
    int n = -1;

    if (sqlite3_prepare_v2(s->db->h, "SELECT count(*) FROM audit WHERE event = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

TEST(gate_exec_allowed_and_denied_decisions_are_audited)
{
    struct gfx_session s;
    struct mcp_error err;
    json_t *a = NULL, *o;
    int64_t n = 0;

    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    a = swap_args(s.id, "50000000");
    o = authorize(&s, a, T0, &err);
    json_decref(a);
    CHECK(o != NULL);
    CHECK_STR(rule(o), GATE_ALLOWED);
    CHECK(json_string_value(json_object_get(o, "reservationId")) != NULL);
    CHECK(json_object_get(o, "signature") == NULL); /* no userOp: nothing signed */
    json_decref(o);
    a = swap_args(s.id, "51000000");
    o = authorize(&s, a, T0, &err);
    json_decref(a);
    CHECK(o != NULL);
    CHECK_STR(rule(o), GATE_PER_TX_CAP);
    CHECK(json_object_get(o, "reservationId") == NULL);
    json_decref(o);
    CHECK_EQ_INT(audit_count(&s, "execution_allowed"), 1);
    CHECK_EQ_INT(audit_count(&s, "execution_denied"), 1);
    CHECK(db_audit_verify(&n, s.db, &err) == MCP_OK);
    CHECK_STR(reserved_now(&s), "50000000");
    /* unknown session: an error, not a decision */
    a = swap_args("ses_nosuchsession", "1");
    CHECK(authorize(&s, a, T0, &err) == NULL);
    CHECK(err.rc == MCP_ENOTFOUND);
    json_decref(a);
    gfx_session_free(&s);
}

TEST(gate_exec_expired_and_revoked_sessions)
{
    struct gfx_session s, r;
    struct mcp_error err;
    json_t *a, *o;

    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    a = swap_args(s.id, "1000000");
    o = authorize(&s, a, s.p.valid_until, &err);
    CHECK(o != NULL);
    CHECK_STR(rule(o), GATE_SESSION_NOT_ACTIVE);
    CHECK_CONTAINS(json_string_value(json_object_get(o, "reason")), "expired");
    json_decref(o);
    json_decref(a);
    gfx_session_free(&s);
    CHECK(gfx_session_new(&r, NULL, "revoked") == 0);
    a = swap_args(r.id, "1000000");
    o = authorize(&r, a, T0, &err);
    CHECK(o != NULL);
    CHECK_STR(rule(o), GATE_SESSION_NOT_ACTIVE);
    CHECK_CONTAINS(json_string_value(json_object_get(o, "reason")), "revoked");
    json_decref(o);
    json_decref(a);
    gfx_session_free(&r);
}

/* Pitfall 14 through the real ledger: 1 trade per hour, one at 00:59:59 blocks 01:00:01. */
TEST(gate_exec_period_boundary_double_spend)
{
    struct gfx_session s;
    struct mcp_error err;
    json_t *a, *o;

    CHECK(gfx_session_new(&s, "{\"permissions\": {\"rateLimit\": {\"count\": 1, \"period\": 3600}}}", NULL) == 0);
    a = swap_args(s.id, "1000000");
    o = authorize(&s, a, GFX_NOW + 3599, &err);
    CHECK_STR(rule(o), GATE_ALLOWED);
    json_decref(o);
    o = authorize(&s, a, GFX_NOW + 3601, &err);
    CHECK_STR(rule(o), GATE_RATE_LIMIT);
    json_decref(o);
    o = authorize(&s, a, GFX_NOW + 3599 + 3600, &err);
    CHECK_STR(rule(o), GATE_ALLOWED);
    json_decref(o);
    json_decref(a);
    gfx_session_free(&s);
}

#define MODE0 "0x0000000000000000000000000000000000000000000000000000000000000000"

/* The user operation of one swap, as Kernel's execute(single) carries it. */
static json_t *op_args(struct gfx_session *s, const char *sender, const char *amount)
{
    char packed[2048], exec_args[4096];
    const char *swap = gfx_call_hex(SR02_IN, gfx_swap_args(GFX_WALLET, amount, "1"));
    const char *call_data;

    snprintf(packed, sizeof packed, "0x2626664c2603336e57b271c5c0b26f421741e481%064x%s", 0, swap + 2);
    snprintf(exec_args, sizeof exec_args, "[\"" MODE0 "\", \"%s\"]", packed);
    call_data = gfx_call_hex("execute(bytes32,bytes)", exec_args);
    return json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}", "sessionId", s->id, "userOp", "sender",
                     sender, "nonce", "0x0", "callData", call_data, "callGasLimit", "0x30d40", "verificationGasLimit",
                     "0x493e0", "preVerificationGas", "0xc350", "maxFeePerGas", "0x3b9aca00", "maxPriorityFeePerGas",
                     "0x5f5e100");
}

TEST(gate_exec_signs_the_operation_hash_with_the_session_key)
{
    struct gfx_session s;
    struct mcp_error err;
    uint8_t hash[32], digest[32], sig[66], who[20];
    json_t *a, *o;

    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    a = op_args(&s, GFX_WALLET, "5000000");
    o = authorize(&s, a, T0, &err);
    CHECK(o != NULL);
    CHECK_STR(rule(o), GATE_ALLOWED);
    CHECK(eth_hex_decode(hash, 32, json_string_value(json_object_get(o, "userOpHash")), "h", &err) == MCP_OK);
    CHECK(eth_hex_decode(sig, 66, json_string_value(json_object_get(o, "signature")), "s", &err) == MCP_OK);
    CHECK_EQ_INT(sig[0], 0xff);
    eth_191_personal_hash(digest, hash, 32);
    CHECK(eth_secp_recover(who, digest, sig + 1, &err) == MCP_OK);
    CHECK(memcmp(who, s.key_addr, 20) == 0);
    json_decref(o);
    /* the same operation with a userOpHash for another chain: nothing is signed */
    json_object_set_new(a, "userOpHash",
                        json_string("0x32e9a31795693fc28e44cbbba77a1fbab1ff5fd486f8bff0561ce4f34c65e7c2"));
    o = authorize(&s, a, T0, &err);
    CHECK_STR(rule(o), GATE_USEROP_MISMATCH);
    CHECK(json_object_get(o, "signature") == NULL);
    json_decref(o);
    json_decref(a);
    /* another account's operation */
    a = op_args(&s, GFX_OTHER, "5000000");
    o = authorize(&s, a, T0, &err);
    CHECK_STR(rule(o), GATE_WRONG_ACCOUNT);
    json_decref(o);
    json_decref(a);
    /* a hash alone is never signed */
    a = swap_args(s.id, "1000000");
    json_object_set_new(a, "userOpHash",
                        json_string("0x32e9a31795693fc28e44cbbba77a1fbab1ff5fd486f8bff0561ce4f34c65e7c2"));
    o = authorize(&s, a, T0, &err);
    CHECK_STR(rule(o), GATE_USEROP_REQUIRED);
    json_decref(o);
    json_decref(a);
    gfx_session_free(&s);
}

TEST(gate_exec_user_op_calling_the_account_is_a_self_call)
{
    struct gfx_session s;
    struct mcp_error err;
    json_t *a, *o;

    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    a = op_args(&s, GFX_WALLET, "1");
    json_object_set_new(json_object_get(a, "userOp"), "callData",
                        json_string(gfx_call_hex("installModule(uint256,address,bytes)",
                                                 "[\"1\", \"" GFX_ATTACKER "\", \"0x\"]")));
    o = authorize(&s, a, T0, &err);
    CHECK_STR(rule(o), GATE_SELF_CALL);
    json_decref(o);
    json_decref(a);
    gfx_session_free(&s);
}

/* A TWAP and a stop-loss session on one wallet never touch each other's budget. */
TEST(gate_exec_twap_and_stop_loss_side_by_side)
{
    struct gfx_session twap, stop;
    struct mcp_error err;
    json_t *a, *o;
    int allowed = 0;

    CHECK(gfx_session_new(&twap, "{\"permissions\": {\"maxTotal\": \"100\"}}", NULL) == 0);
    CHECK(gfx_session_add(&stop, &twap, "{\"label\": \"ETH stop loss\", \"permissions\": {\"maxPerTransaction\": "
                                        "\"500\", \"maxTotal\": \"500\"}}") == 0);
    CHECK_STR(twap.p.feature, "twap");
    CHECK_STR(stop.p.feature, "stop_loss");
    a = swap_args(twap.id, "50000000");
    for (int i = 0; i < 3; i++) {
        o = authorize(&twap, a, T0, &err);
        allowed += json_is_true(json_object_get(o, "allowed"));
        json_decref(o);
    }
    json_decref(a);
    CHECK_EQ_INT(allowed, 2); /* the TWAP's $100 is used up */
    a = swap_args(stop.id, "500000000");
    o = authorize(&stop, a, T0, &err);
    CHECK_STR(rule(o), GATE_ALLOWED); /* the stop-loss still has all of its $500 */
    json_decref(o);
    json_decref(a);
    CHECK_STR(reserved_now(&twap), "100000000");
    CHECK_STR(reserved_now(&stop), "500000000");
    gfx_session_free(&twap);
    stop.db = NULL;
    stop.km = NULL;
}

/* ---- processes x threads racing on one session ---- */

#define RACE_PROCS 3
#define RACE_THREADS 4
#define RACE_TRIES 12

struct racer {
    const char *dir, *sid;
    int allowed, errors;
};

static void *race_thread(void *arg)
{
    struct racer *r = arg;
    struct db *db = NULL;
    struct mcp_error err;
    char data[1024];
    json_t *a;

    if (db_open(&db, r->dir, &err) != MCP_OK) {
        r->errors++;
        return NULL;
    }
    /* no shared static buffers here: encode once per thread under no lock */
    snprintf(data, sizeof data, "0x04e45aaf%064x%064x%064x%064x%064x%064x%064x", 0, 0, 500, 0, 1, 1, 0);
    memcpy(data + 10 + 24, "833589fcd6edb6e08f4c7c32d4f71b54bda02913", 40);
    memcpy(data + 10 + 64 + 24, "4200000000000000000000000000000000000006", 40);
    memcpy(data + 10 + 192 + 24, "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", 40);
    memcpy(data + 10 + 256 + 64 - 8, "02faf080", 8); /* amountIn 50000000 */
    a = json_pack("{s:s, s:[{s:s, s:s}]}", "sessionId", r->sid, "calls", "target", GFX_ROUTER, "data", data);
    for (int i = 0; i < RACE_TRIES && a != NULL; i++) {
        struct gate_env env = {.db = db, .now = T0 + i, .lapse = GATE_LAPSE_SECONDS, .quoter = &gfx_quoter};
        json_t *o = NULL;
        if (gate_authorize(&o, &env, a, &err) != MCP_OK)
            r->errors++;
        else
            r->allowed += json_is_true(json_object_get(o, "allowed"));
        json_decref(o);
    }
    json_decref(a);
    db_close(db);
    return NULL;
}

/* One process: RACE_THREADS threads; exit status = number allowed (or 255 on errors). */
static int race_process(const char *dir, const char *sid)
{
    pthread_t th[RACE_THREADS];
    struct racer r[RACE_THREADS];
    int allowed = 0, errors = 0;

    for (int i = 0; i < RACE_THREADS; i++) {
        r[i] = (struct racer){dir, sid, 0, 0};
        if (pthread_create(&th[i], NULL, race_thread, &r[i]) != 0)
            return 255;
    }
    for (int i = 0; i < RACE_THREADS; i++) {
        pthread_join(th[i], NULL);
        allowed += r[i].allowed;
        errors += r[i].errors;
    }
    return errors ? 255 : allowed;
}

static int race(struct gfx_session *s, int *allowed)
{
    pid_t pids[RACE_PROCS];
    int status;

    *allowed = 0;
    fflush(stdout);
    for (int i = 0; i < RACE_PROCS; i++) {
        if ((pids[i] = fork()) == 0)
            _exit(race_process(s->dir, s->id));
        if (pids[i] < 0)
            return -1;
    }
    for (int i = 0; i < RACE_PROCS; i++) {
        if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status) == 255)
            return -1;
        *allowed += WEXITSTATUS(status);
    }
    return 0;
}

TEST(gate_race_processes_and_threads_never_exceed_the_total_cap)
{
    struct gfx_session s;
    struct gate_totals t;
    int allowed = 0;

    /* $50 trades against $1000: 20 fit, 3 x 4 x 12 = 144 try */
    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    CHECK(race(&s, &allowed) == 0);
    t = totals(&s, T0 + RACE_TRIES, 0);
    CHECK_EQ_INT(allowed, 20);
    CHECK_EQ_INT(t.pending, 20);
    CHECK_STR(dec(&t.reserved), "1000000000");
    CHECK_EQ_INT(audit_count(&s, "execution_allowed"), 20);
    CHECK_EQ_INT(audit_count(&s, "execution_denied"), RACE_PROCS * RACE_THREADS * RACE_TRIES - 20);
    gfx_session_free(&s);
}

TEST(gate_race_processes_and_threads_never_exceed_the_rate_limit)
{
    struct gfx_session s;
    struct gate_totals t;
    int allowed = 0;

    CHECK(gfx_session_new(&s, "{\"permissions\": {\"rateLimit\": {\"count\": 7, \"period\": 3600}}}", NULL) == 0);
    CHECK(race(&s, &allowed) == 0);
    t = totals(&s, T0 + RACE_TRIES, 3600);
    CHECK_EQ_INT(allowed, 7);
    CHECK_EQ_INT(t.in_window, 7);
    gfx_session_free(&s);
}

/* POLICY_TAMPERED: an edit of the stored row (the policy, or a column the gate reads) after
 * approval is refused and audited; the untouched row is allowed. */
static int tamper(struct gfx_session *s, const char *sql)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(s->db->h, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

static const char *decide_rule(struct gfx_session *s, const char *amount)
{
    static char r[40];
    struct mcp_error err;
    json_t *a = swap_args(s->id, amount), *o = authorize(s, a, T0, &err);

    snprintf(r, sizeof r, "%s", o ? rule(o) : "(error)");
    if (o != NULL && strcmp(r, GATE_POLICY_TAMPERED) == 0) {
        const char *why = json_string_value(json_object_get(o, "reason"));
        if (why == NULL || strstr(why, "not the one the owner signed") == NULL || json_object_get(o, "reservationId"))
            snprintf(r, sizeof r, "(bad tampered result)");
    }
    json_decref(a);
    json_decref(o);
    return r;
}

TEST(gate_exec_tampered_policy_row_is_refused)
{
    static const char *const edits[] = {
        /* a raised total, written as valid canonical JSON */
        "UPDATE sessions SET policy = replace(policy, '\"maxTotal\":\"1000000000\"', '\"maxTotal\":\"9000000000\"') "
        "WHERE id = ?",
        /* a later expiry in the column the status is derived from */
        "UPDATE sessions SET expires_at = expires_at + 86400 WHERE id = ?",
        /* a policy that no longer parses */
        "UPDATE sessions SET policy = '{}' WHERE id = ?",
    };

    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        struct gfx_session s;

        CHECK(gfx_session_new(&s, NULL, NULL) == 0);
        CHECK_STR(decide_rule(&s, "1000000"), GATE_ALLOWED);
        CHECK(tamper(&s, edits[i]) == 0);
        CHECK_EQ_INT(sqlite3_changes(s.db->h), 1);
        CHECK_STR(decide_rule(&s, "1000000"), GATE_POLICY_TAMPERED);
        CHECK_EQ_INT(audit_count(&s, "execution_denied"), 1);
        CHECK_STR(reserved_now(&s), "1000000"); /* only the first, untampered reservation */
        gfx_session_free(&s);
    }
}

/* Kernel v3: the Enable data rebuilt from the stored policy must hash to the signed digest. */
TEST(gate_exec_tampered_kernel_policy_is_refused)
{
    static const char opts[] = "{\"type\":\"kernel-v3\",\"kernelVersion\":\"0.3.1\",\"index\":0,\"callPolicyVersion\":"
                               "\"0.0.4\",\"onchain\":{\"deployed\":true,\"currentNonce\":1,\"domainVersion\":"
                               "\"0.3.1\",\"source\":\"given\"}}";
    struct gfx_session s;
    struct zd_session_opts o;
    struct zd_approval a;
    struct mcp_error err;
    json_t *oj = json_loads(opts, 0, NULL);
    sqlite3_stmt *st;

    memset(&a, 0, sizeof a);
    CHECK(oj != NULL);
    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    CHECK_EQ_INT(zd_session_opts_from_json(&o, oj, &err), MCP_OK);
    if (zd_session_build(&a, &s.p, &o, &err) != MCP_OK)
        test_fail(__FILE__, __LINE__, "zd_session_build: %s", err.msg);
    CHECK(sqlite3_prepare_v2(s.db->h, "UPDATE sessions SET account_type = 'kernel-v3', account = ?, digest = ? "
                             "WHERE id = ?", -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, opts, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, a.digest, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s.id, -1, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    CHECK_STR(decide_rule(&s, "1000000"), GATE_ALLOWED); /* the rebuilt Enable data matches */
    /* a raised per-trade cap: a different CallPolicy, so a different Enable digest */
    CHECK(tamper(&s, "UPDATE sessions SET policy = replace(policy, '\"maxPerTransaction\":\"50000000\"', "
                     "'\"maxPerTransaction\":\"500000000\"') WHERE id = ?") == 0);
    CHECK_STR(decide_rule(&s, "1000000"), GATE_POLICY_TAMPERED);
    CHECK_EQ_INT(audit_count(&s, "execution_denied"), 1);
    zd_approval_free(&a);
    json_decref(oj);
    gfx_session_free(&s);
}

/* ---- issue 11: signatures bound to nonces ---- */

static json_t *op_nonce(struct gfx_session *s, const char *amount, const char *nonce)
{
    json_t *a = op_args(s, GFX_WALLET, amount);

    json_object_set_new(json_object_get(a, "userOp"), "nonce", json_string(nonce));
    return a;
}

static json_t *report_failed(struct gfx_session *s, const char *id, int64_t now, struct mcp_error *err)
{
    struct gate_env env = {.db = s->db, .km = s->km, .now = now, .lapse = GATE_LAPSE_SECONDS, .quoter = &gfx_quoter};
    json_t *args = json_pack("{s:s, s:s}", "reservationId", id, "outcome", "failed"), *o = NULL;

    if (gate_report(&o, &env, args, err) != MCP_OK)
        o = NULL;
    json_decref(args);
    return o;
}

TEST(gate_nonce_signed_reservation_counts_until_evidence)
{
    struct gfx_session s;
    struct mcp_error err;
    struct gate_settled st;
    struct gate_totals t;
    char id[GATE_RESERVATION_ID_MAX];
    json_t *a, *o;

    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    a = op_nonce(&s, "5000000", "0x0");
    o = authorize(&s, a, T0, &err);
    CHECK_STR(rule(o), GATE_ALLOWED);
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(o, "reservationId")));
    json_decref(o);
    json_decref(a);
    /* a bare "failed": nothing changes */
    o = report_failed(&s, id, T0 + 1, &err);
    CHECK(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "state")), "reserved");
    CHECK(json_is_true(json_object_get(o, "stillCounts")));
    CHECK_CONTAINS(json_string_value(json_object_get(o, "evidence")), "no chain endpoint is configured");
    json_decref(o);
    CHECK_EQ_INT(audit_count(&s, "execution_still_counts"), 1);
    /* silence: still counted long after the old 10-minute lapse, and it holds a rate slot */
    t = totals(&s, T0 + 7200, 3600);
    CHECK_STR(dec(&t.reserved), "5000000");
    CHECK_EQ_INT(t.in_window, 1);
    CHECK_EQ_INT(t.unsettled, 1);
    /* ... until the signed operation itself can no longer be valid */
    t = totals(&s, s.p.valid_until, 3600);
    CHECK_STR(dec(&t.reserved), "0");
    /* evidence releases it */
    CHECK(db_begin(s.db, &err) == MCP_OK);
    CHECK(gate_ledger_settle_evidence(&st, s.db, id, GATE_OUTCOME_FAILED, NULL, GATE_EVIDENCE_REVERTED, T0 + 2, &err) ==
          MCP_OK);
    CHECK(db_commit(s.db, &err) == MCP_OK);
    CHECK_STR(st.state, "released");
    /* and its nonce is never signed again */
    a = op_nonce(&s, "5000000", "0x0");
    o = authorize(&s, a, T0 + 3, &err);
    CHECK_STR(rule(o), GATE_NONCE_USED);
    json_decref(o);
    json_decref(a);
    gfx_session_free(&s);
}

TEST(gate_nonce_retry_counts_the_largest_amount_once)
{
    struct gfx_session s;
    struct mcp_error err;
    struct gate_totals t;
    const char *amounts[] = {"3000000", "9000000", "1000000"};
    char first[GATE_RESERVATION_ID_MAX] = "";
    json_t *a, *o, *un = NULL;

    CHECK(gfx_session_new(&s, NULL, NULL) == 0);
    for (int i = 0; i < 3; i++) {
        a = op_nonce(&s, amounts[i], "0x50000000000000007");
        o = authorize(&s, a, T0 + i, &err);
        CHECK_STR(rule(o), GATE_ALLOWED);
        if (i == 0)
            snprintf(first, sizeof first, "%s", json_string_value(json_object_get(o, "reservationId")));
        CHECK_STR(json_string_value(json_object_get(o, "reservationId")), first);
        json_decref(o);
        json_decref(a);
    }
    t = totals(&s, T0 + 5, 3600);
    CHECK_STR(dec(&t.reserved), "9000000");
    CHECK_EQ_INT(t.pending, 1);
    CHECK_EQ_INT(t.in_window, 1);
    CHECK(gate_nonce_unsettled(&un, s.db, s.id, T0 + 5, &err) == MCP_OK);
    CHECK_EQ_INT(json_array_size(un), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(un, 0), "nonceKey")),
              "0x000000000000000000000000000000000000000000000005");
    CHECK_STR(json_string_value(json_object_get(json_array_get(un, 0), "nonceSequence")), "7");
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(un, 0), "signatures")), 3);
    json_decref(un);
    /* an `other` session keeps its first key */
    a = op_nonce(&s, "1000000", "0x60000000000000000");
    o = authorize(&s, a, T0 + 6, &err);
    CHECK_STR(rule(o), GATE_NONCE_KEY);
    json_decref(o);
    json_decref(a);
    gfx_session_free(&s);
}

TEST(gate_nonce_layout_fee_and_get_nonce_call)
{
    struct gate_nonce n;
    struct eth_u256 v, fee;
    struct gate_user_op op;
    uint8_t be[32], pid[4] = {0xa2, 0x73, 0x13, 0x14}, data[68], sender[20];
    char hex[140];

    /* the doc's example key 0x0102a2731314 || 16 zero bytes || 0x0000, sequence 5 */
    memset(be, 0, 32);
    be[0] = 0x01;
    be[1] = 0x02;
    memcpy(be + 2, pid, 4);
    be[31] = 5;
    eth_u256_from_be(&v, be);
    gate_nonce_split(&n, &v);
    CHECK_EQ_INT(n.seq, 5);
    CHECK(gate_nonce_key_is_kernel_permission(n.key, pid));
    n.key[0] = 0x00; /* default mode */
    CHECK(gate_nonce_key_is_kernel_permission(n.key, pid));
    n.key[23] = 0x07; /* any 2-byte custom key */
    CHECK(gate_nonce_key_is_kernel_permission(n.key, pid));
    n.key[0] = 0x02; /* no such mode */
    CHECK(!gate_nonce_key_is_kernel_permission(n.key, pid));
    n.key[0] = 0x00;
    n.key[1] = 0x00; /* sudo validator */
    CHECK(!gate_nonce_key_is_kernel_permission(n.key, pid));
    n.key[1] = 0x02;
    n.key[10] = 0x01; /* not zero padding */
    CHECK(!gate_nonce_key_is_kernel_permission(n.key, pid));
    n.key[10] = 0x00;
    pid[3] ^= 1;
    CHECK(!gate_nonce_key_is_kernel_permission(n.key, pid));
    gate_nonce_hex(hex, &n);
    CHECK_STR(hex, "0x0002a273131400000000000000000000000000000000000700000000000000" "05");
    /* EntryPoint.getNonce(sender, key) */
    memset(sender, 0x11, 20);
    gate_evidence_get_nonce_data(data, sender, n.key);
    eth_hex_encode(hex, data, 68);
    CHECK_STR(hex, "0x35567e1a0000000000000000000000001111111111111111111111111111111111111111"
                   "00000000000000000002a2731314000000000000000000000000000000000007");
    /* fee: (call + verification + preVerification + paymaster gas) x maxFeePerGas */
    memset(&op, 0, sizeof op);
    eth_u256_from_u64(&op.call_gas, 100000);
    eth_u256_from_u64(&op.verification_gas, 200000);
    eth_u256_from_u64(&op.pre_verification_gas, 50000);
    eth_u256_from_u64(&op.max_fee, 1000000000);
    CHECK(gate_opfacts_fee(&fee, &op) == 0);
    CHECK_STR(dec(&fee), "350000000000000");
    uint8_t pmd[52] = {0};
    pmd[34] = 0x01; /* verification gas 256 (uint128 at bytes 20..35) */
    pmd[51] = 0x02; /* post-op gas 2 */
    op.paymaster_and_data = pmd;
    op.paymaster_and_data_len = sizeof pmd;
    CHECK(gate_opfacts_fee(&fee, &op) == 0);
    CHECK_STR(dec(&fee), "350258000000000");
    memset(&op.call_gas, 0xff, 16);
    memset(&op.max_fee, 0xff, 16);
    CHECK(gate_opfacts_fee(&fee, &op) == 1);
}

/* test_run.c: the executor's pure parts and its slice claims: call data, nonce key, enable-mode
 * signature and user operation hash pinned to @zerodev/sdk and viem output
 * (tests/golden/run/vectors.json, from tests/interop/zerodev/gen_executor_vectors.mjs); the
 * schedule (due times, the last slice the remainder), the stop-loss trigger; claims across
 * two processes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eth_hex.h"
#include "gate_userop.h"
#include "plan_automation.h"
#include "run_sched.h"
#include "run_store.h"
#include "run_userop.h"
#include "test.h"
#include "zd_enable.h"

static json_t *vectors(void)
{
    char *s = test_slurp("tests/golden/run/vectors.json");
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;

    free(s);
    return j;
}

static const char *vs(json_t *v, const char *key)
{
    const char *s = json_string_value(json_object_get(v, key));

    return s ? s : "(missing)";
}

static void addr(uint8_t out[20], const char *hex)
{
    if (eth_hex_decode(out, 20, hex, "address", NULL) != MCP_OK)
        memset(out, 0, 20);
}

#define CHECK_HEXI(got, want)                                                                      \
    do {                                                                                           \
        if (strcasecmp((got), (want)) != 0) {                                                      \
            test_fail(__FILE__, __LINE__, "%s\n  got  %.300s\n  want %.300s", #got, (got), (want)); \
            return;                                                                                \
        }                                                                                          \
    } while (0)

TEST(run_swap_approve_and_kernel_execute_match_the_sdk)
{
    json_t *v = vectors();
    uint8_t router[20], usdc[20], weth[20], wallet[20];
    struct eth_u256 in, min;
    struct zd_hex swap, appr, single, batch;
    struct run_call calls[2];

    CHECK(v != NULL);
    addr(router, vs(v, "router"));
    addr(usdc, vs(v, "usdc"));
    addr(weth, vs(v, "weth"));
    addr(wallet, vs(v, "wallet"));
    eth_u256_from_u64(&in, 41670000);
    eth_u256_from_u64(&min, 13750000000000000ULL);
    zd_hex_init(&swap);
    zd_hex_init(&appr);
    zd_hex_init(&single);
    zd_hex_init(&batch);
    run_swap_calldata(&swap, usdc, weth, 500, wallet, &in, &min);
    run_approve_calldata(&appr, router, &in);
    CHECK_HEXI(zd_hex_str(&swap), vs(v, "swap"));
    CHECK_HEXI(zd_hex_str(&appr), vs(v, "approve"));
    memset(calls, 0, sizeof calls);
    memcpy(calls[0].target, router, 20);
    calls[0].data = swap;
    run_kernel_execute(&single, calls, 1);
    CHECK_HEXI(zd_hex_str(&single), vs(v, "single"));
    memcpy(calls[0].target, usdc, 20);
    calls[0].data = appr;
    memcpy(calls[1].target, router, 20);
    calls[1].data = swap;
    run_kernel_execute(&batch, calls, 2);
    CHECK_HEXI(zd_hex_str(&batch), vs(v, "batch"));
    zd_hex_free(&swap);
    zd_hex_free(&appr);
    zd_hex_free(&single);
    zd_hex_free(&batch);
    json_decref(v);
}

TEST(run_nonce_key_and_enable_signature_match_the_sdk)
{
    json_t *v = vectors();
    uint8_t pid[4], key[24];
    char hex[51];
    struct zd_hex sel, sig;

    CHECK(v != NULL);
    CHECK(eth_hex_decode(pid, 4, vs(v, "permissionId"), "pid", NULL) == MCP_OK);
    run_nonce_key(key, 1, pid, 0);
    eth_hex_encode(hex, key, 24);
    CHECK_HEXI(hex, vs(v, "nonceKeyEnable"));
    run_nonce_key(key, 1, pid, 7);
    eth_hex_encode(hex, key, 24);
    CHECK_HEXI(hex, vs(v, "nonceKeyEnable7"));
    run_nonce_key(key, 0, pid, 7);
    eth_hex_encode(hex, key, 24);
    CHECK_HEXI(hex, vs(v, "nonceKeyDefault"));
    zd_hex_init(&sel);
    zd_hex_init(&sig);
    zd_enable_selector_data(&sel);
    run_enable_signature(&sig, vs(v, "enableData"), zd_hex_str(&sel), vs(v, "enableSignature"), vs(v, "userOpSignature"));
    CHECK_HEXI(zd_hex_str(&sig), vs(v, "enableMode"));
    zd_hex_free(&sel);
    zd_hex_free(&sig);
    json_decref(v);
}

TEST(run_user_op_json_hashes_like_viem)
{
    json_t *v = vectors(), *u, *j;
    struct run_user_op op;
    struct gate_user_op g;
    struct mcp_error err;
    uint8_t h[32];
    char hex[67];

    CHECK(v != NULL);
    u = json_object_get(v, "userOp");
    memset(&op, 0, sizeof op);
    addr(op.sender, vs(u, "sender"));
    memset(&g, 0, sizeof g);
    CHECK(gate_userop_parse(&g, u, &err) == MCP_OK); /* the viem-side JSON, read by the gate */
    op.nonce = g.nonce;
    op.call_gas = g.call_gas;
    op.verification_gas = g.verification_gas;
    op.pre_verification_gas = g.pre_verification_gas;
    op.max_fee = g.max_fee;
    op.max_priority_fee = g.max_priority_fee;
    gate_userop_free(&g);
    op.factory = strdup(vs(u, "factory"));
    op.factory_data = strdup(vs(u, "factoryData"));
    op.call_data = strdup(vs(u, "callData"));
    j = run_user_op_json(&op);
    CHECK(j != NULL);
    CHECK_HEXI(json_string_value(json_object_get(j, "nonce")), vs(u, "nonce"));
    memset(&g, 0, sizeof g);
    CHECK(gate_userop_parse(&g, j, &err) == MCP_OK);
    gate_userop_hash(h, &g, 8453);
    gate_userop_free(&g);
    eth_hex_encode(hex, h, 32);
    CHECK_HEXI(hex, vs(v, "userOpHash"));
    json_decref(j);
    run_user_op_free(&op);
    json_decref(v);
}

TEST(run_quantity_has_no_leading_zeros)
{
    struct eth_u256 x;
    char q[67];

    eth_u256_from_u64(&x, 0);
    run_quantity(q, &x);
    CHECK_STR(q, "0x0");
    eth_u256_from_u64(&x, 0x30d40);
    run_quantity(q, &x);
    CHECK_STR(q, "0x30d40");
}

static json_t *twap(const char *total, int duration, int interval)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "kind", "twap", "sellToken", "USDC", "buyToken", "WETH",
                     "totalAmount", total, "duration", duration, "interval", interval);
}

TEST(run_sched_seed_slices_add_up_to_the_total)
{
    json_t *a = twap("1000", 86400, 3600);
    struct plan p;
    struct mcp_error err;
    struct eth_u256 amt, sum = {{0}};
    int64_t due;
    char buf[96];

    CHECK(plan_build(&p, NULL, 8453, a, &err) == MCP_OK);
    for (uint32_t i = 0; i < p.trades; i++) {
        CHECK_EQ_INT(run_sched_slice(&p, 1000, i, &due, &amt), 0);
        CHECK_EQ_INT(due, 1000 + (int64_t)i * 3600);
        eth_u256_to_units(buf, sizeof buf, &amt, 6);
        if (i + 1 < p.trades)
            CHECK_STR(buf, "41.67");
        else
            CHECK_STR(buf, "41.59"); /* the remainder: 1000 - 23 x 41.67 */
        eth_u256_add(&sum, &sum, &amt);
    }
    eth_u256_to_units(buf, sizeof buf, &sum, 6);
    CHECK_STR(buf, "1000");
    CHECK_EQ_INT(run_sched_slice(&p, 1000, p.trades, &due, &amt), -1);
    json_decref(a);
}

TEST(run_sched_next_skips_done_slices)
{
    json_t *a = twap("100", 3600 * 4, 3600);
    struct plan p;
    struct mcp_error err;
    unsigned char done[4] = {1, 1, 0, 0};
    int64_t due = 0;

    CHECK(plan_build(&p, NULL, 8453, a, &err) == MCP_OK);
    CHECK_EQ_INT(run_sched_next(&p, 50, done, 4, &due), 2);
    CHECK_EQ_INT(due, 50 + 2 * 3600);
    CHECK_EQ_INT(run_sched_next(&p, 50, done, 1, &due), 1);
    done[2] = done[3] = 1;
    CHECK_EQ_INT(run_sched_next(&p, 50, done, 4, &due), -1);
    json_decref(a);
}

TEST(run_sched_stop_loss_trigger_is_exact)
{
    struct eth_u256 in, out;
    struct mcp_error err;

    /* 0.5 WETH (18 decimals) for USDC (6): the trigger 2000 USDC per WETH means <= 1000 USDC */
    CHECK(eth_u256_from_dec(&in, "500000000000000000", "in", &err) == MCP_OK);
    eth_u256_from_u64(&out, 1000000000);
    CHECK_EQ_INT(run_sched_trigger_hit(&in, 18, &out, 6, "2000", &err), 1);
    eth_u256_from_u64(&out, 1000000001);
    CHECK_EQ_INT(run_sched_trigger_hit(&in, 18, &out, 6, "2000", &err), 0);
    eth_u256_from_u64(&out, 999999999);
    CHECK_EQ_INT(run_sched_trigger_hit(&in, 18, &out, 6, "1999.999998", &err), 1);
    CHECK_EQ_INT(run_sched_trigger_hit(&in, 18, &out, 6, "1999.999997", &err), 0);
    CHECK_EQ_INT(run_sched_trigger_hit(&in, 18, &out, 6, "abc", &err), -1);
}

/* The minimum output the gate accepts: min x 10000 >= quote x (10000 - bps), so rounded up. */
TEST(run_sched_min_out_rounds_up_to_the_gates_bound)
{
    struct eth_u256 quote, lo, up, a, b;
    char buf[80];

    /* the seed's quote: 13889999999999986 x 9900 / 10000 = 13751099999999986.14 */
    CHECK(eth_u256_from_dec(&quote, "13889999999999986", "quote", NULL) == MCP_OK);
    CHECK_EQ_INT(run_sched_mul_div(&lo, &quote, 9900, 10000), 0);
    CHECK_EQ_INT(run_sched_mul_div_up(&up, &quote, 9900, 10000), 0);
    eth_u256_to_dec(buf, sizeof buf, &lo);
    CHECK_STR(buf, "13751099999999986");
    eth_u256_to_dec(buf, sizeof buf, &up);
    CHECK_STR(buf, "13751099999999987");
    /* up x 10000 >= quote x 9900 > (up - 1) x 10000 */
    eth_u256_mul_u64(&a, &up, 10000);
    eth_u256_mul_u64(&b, &quote, 9900);
    CHECK(eth_u256_cmp(&a, &b) >= 0);
    eth_u256_mul_u64(&a, &lo, 10000);
    CHECK(eth_u256_cmp(&a, &b) < 0);
    /* exact: no rounding */
    eth_u256_from_u64(&quote, 20000);
    CHECK_EQ_INT(run_sched_mul_div_up(&up, &quote, 9900, 10000), 0);
    eth_u256_to_dec(buf, sizeof buf, &up);
    CHECK_STR(buf, "19800");
}

/* ---- claims ---- */

static struct db *open_dir(const char *dir)
{
    struct db *db = NULL;
    struct mcp_error err;

    if (db_open(&db, dir, &err) != MCP_OK)
        return NULL;
    return db;
}

static int make_session(struct db *db, char id[SESSION_ID_MAX], int64_t now)
{
    struct session_row r;
    struct mcp_error err;
    json_t *spec = twap("100", 3600 * 4, 3600);
    int ok;

    memset(&r, 0, sizeof r);
    db_session_new_id(r.id);
    snprintf(r.wallet, sizeof r.wallet, "0x%040d", 7);
    snprintf(r.owner, sizeof r.owner, "0x%040d", 7);
    r.chain_id = 8453;
    snprintf(r.account_type, sizeof r.account_type, "kernel-v3");
    snprintf(r.feature, sizeof r.feature, "twap");
    snprintf(r.scope_key, sizeof r.scope_key, "scope");
    snprintf(r.session_key, sizeof r.session_key, "0x%040d", 1);
    snprintf(r.status, sizeof r.status, "pending");
    r.created_at = now;
    r.approval_deadline = now + 900;
    r.valid_after = now;
    r.expires_at = now + 86400;
    r.policy = (char *)"{}";
    r.typed_data = (char *)"{}";
    ok = db_session_insert(db, &r, &err) == MCP_OK && run_store_put_spec(db, r.id, spec, now, &err) == MCP_OK &&
         db_session_transition(db, r.id, "pending", "active", now, &err) == MCP_OK;
    json_decref(spec);
    snprintf(id, SESSION_ID_MAX, "%s", r.id);
    return ok;
}

TEST(run_claim_one_holder_per_slice_across_processes)
{
    const char *dir = test_tmpdir();
    struct db *db = open_dir(dir);
    char id[SESSION_ID_MAX], holder[RUN_HOLDER_MAX];
    int go[2], hold[2], res_pipe[2];
    struct run_slice s;
    enum run_claim mine = RUN_CLAIM_BUSY, theirs = RUN_CLAIM_BUSY;
    struct mcp_error err;
    pid_t pid;
    char c = 0;

    CHECK(db != NULL);
    CHECK(make_session(db, id, 1000));
    CHECK(pipe(go) == 0 && pipe(hold) == 0 && pipe(res_pipe) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) { /* the other executor: its own connection, its own holder name */
        struct db *d2 = open_dir(dir);
        enum run_claim r = RUN_CLAIM_STOPPED;
        char h2[RUN_HOLDER_MAX];

        run_store_holder(h2);
        if (read(go[0], &c, 1) == 1 && d2 != NULL &&
            run_store_claim(d2, id, 0, 1000, h2, 1000, 600, &r, &s, &err) != MCP_OK)
            r = RUN_CLAIM_STOPPED;
        c = (char)r;
        if (write(res_pipe[1], &c, 1) != 1 || read(hold[0], &c, 1) != 1) /* stay alive until told */
            _exit(2);
        db_close(d2);
        _exit(0);
    }
    run_store_holder(holder);
    CHECK(write(go[1], "g", 1) == 1);
    CHECK(run_store_claim(db, id, 0, 1000, holder, 1000, 600, &mine, &s, &err) == MCP_OK);
    CHECK(read(res_pipe[0], &c, 1) == 1);
    theirs = (enum run_claim)c;
    /* exactly one of the two holds slice 0; the other is told it is busy */
    CHECK((mine == RUN_CLAIMED && theirs == RUN_CLAIM_BUSY) || (mine == RUN_CLAIM_BUSY && theirs == RUN_CLAIMED));
    /* no second slice of the session while one is held */
    if (theirs == RUN_CLAIMED) {
        CHECK(run_store_claim(db, id, 1, 4600, holder, 5000, 600, &mine, &s, &err) == MCP_OK);
        CHECK_EQ_INT(mine, RUN_CLAIM_BUSY);
    }
    CHECK(write(hold[1], "x", 1) == 1);
    CHECK(waitpid(pid, NULL, 0) == pid);
    /* the holder is gone (as after kill -9): its slice can be taken over at once, lease or not */
    if (theirs == RUN_CLAIMED) {
        CHECK(run_store_claim(db, id, 0, 1000, holder, 1001, 600, &mine, &s, &err) == MCP_OK);
        CHECK_EQ_INT(mine, RUN_CLAIMED);
    }
    s.idx = 0;
    snprintf(s.session_id, sizeof s.session_id, "%s", id);
    snprintf(s.tx_hash, sizeof s.tx_hash, "0x%064d", 1);
    CHECK(run_store_done(db, &s, 1002, &err) == MCP_OK);
    CHECK(run_store_claim(db, id, 0, 1000, holder, 1003, 600, &mine, &s, &err) == MCP_OK);
    CHECK_EQ_INT(mine, RUN_CLAIM_DONE);
    close(go[0]); close(go[1]); close(hold[0]); close(hold[1]); close(res_pipe[0]); close(res_pipe[1]);
    db_close(db);
}

TEST(run_claim_stops_on_revoke_and_pauses_after_failures)
{
    struct db *db = open_dir(test_tmpdir());
    char id[SESSION_ID_MAX], holder[RUN_HOLDER_MAX];
    struct run_slice s;
    struct run_auto a;
    enum run_claim r;
    struct mcp_error err;
    int paused = 0;

    CHECK(db != NULL);
    CHECK(make_session(db, id, 1000));
    run_store_holder(holder);
    for (int i = 0; i < 3; i++) {
        CHECK(run_store_claim(db, id, 0, 1000, holder, 1000 + i, 600, &r, &s, &err) == MCP_OK);
        CHECK_EQ_INT(r, RUN_CLAIMED);
        CHECK(run_store_failed(db, &s, "bundler: HTTP 503", 1000 + i, 3, "unreachable", 1000 + i, &paused, &err) == MCP_OK);
        CHECK_EQ_INT(paused, i == 2);
    }
    CHECK(run_store_get(db, id, &a, &err) == MCP_OK);
    CHECK_EQ_INT(a.paused, 1);
    CHECK_STR(a.pause_kind, "unreachable");
    CHECK(strstr(a.pause_reason, "3 attempts in a row failed; the last: bundler: HTTP 503") != NULL);
    run_auto_free(&a);
    CHECK(run_store_claim(db, id, 0, 1000, holder, 1010, 600, &r, &s, &err) == MCP_OK);
    CHECK_EQ_INT(r, RUN_CLAIM_STOPPED);
    CHECK(run_store_pause(db, id, NULL, NULL, 1011, &err) == MCP_OK);
    CHECK(run_store_claim(db, id, 0, 1000, holder, 1012, 600, &r, &s, &err) == MCP_OK);
    CHECK_EQ_INT(r, RUN_CLAIMED);
    CHECK(db_session_transition(db, id, "active", "revoked", 1013, &err) == MCP_OK);
    CHECK(run_store_release(db, &s, &err) == MCP_OK);
    CHECK(run_store_claim(db, id, 0, 1000, holder, 1014, 600, &r, &s, &err) == MCP_OK);
    CHECK_EQ_INT(r, RUN_CLAIM_STOPPED);
    db_close(db);
}

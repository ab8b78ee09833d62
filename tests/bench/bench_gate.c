/* bench_gate.c: the execution gate's throughput and latency, printed as one JSON line:
 *   gate_check_per_s        decisions per second of the pure check (gate_check) on one core,
 *                           for a decoded one-swap execution (goal >= 200,000/s)
 *   decode_check_per_s      the same including decoding the call data (gate_decode)
 *   round_per_s, round_us   reserve+commit rounds on one client: authorize (BEGIN IMMEDIATE,
 *                           read totals, decide, reserve, audit, COMMIT) then report (COMMIT
 *                           the reservation): two durable commits (WAL, synchronous=FULL)
 *   clients_8_*             8 clients (threads, each with its own connection, all on one
 *                           session: the worst case, every decision takes the write lock)
 *                           doing rounds at once: authorize latency p50/p90/p99 and round
 *                           latency p50/p99 (ms). SQLite's busy handler backs off in steps of
 *                           up to 100 ms and its locks are not fair, so the tail is much longer
 *                           than the median even though each transaction is ~1 ms.
 * The data directory is BENCH_GATE_DIR, or a fresh one under build/bench (or $TMPDIR); its
 * filesystem type is printed, because commits on tmpfs are not durable. Timing is measured
 * here only; no test asserts it.
 * Built by `make bench`; by hand:
 *   cc -O2 -D_GNU_SOURCE -Iserver tests/bench/bench_gate.c build/libskm.a \
 *      $(pkg-config --libs jansson sqlite3 libsecp256k1 libsodium) -ldl -lpthread -lm -o /tmp/bg */
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "db.h"
#include "db_sessions.h"
#include "gate_check.h"
#include "gate_price.h"
#include "eth_hex.h"
#include "policy_typed.h"
#include "gate_decode.h"
#include "gate_exec.h"
#include "gate_ledger.h"
#include "policy.h"

#define CHECK_SECONDS 1.0
#define ROUNDS 300           /* single-client rounds */
#define CLIENTS 8
#define CLIENT_ROUNDS 60     /* rounds per concurrent client */
#define NOW 1767225660

static const char request[] =
    "{\"walletAddress\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\", \"duration\": 86400,"
    " \"permissions\": {\"chainId\": 8453, \"contractAddress\": \"0x2626664c2603336E57B271c5C0b26F421741e481\","
    " \"allowedFunctions\": [\"exactInputSingle\"], \"maxPerTransaction\": \"50\", \"maxTotal\": \"100000000\"},"
    " \"label\": \"bench TWAP\"}";

/* exactInputSingle(USDC -> WETH, fee 500, recipient = the wallet, 50 USDC, min out 1) */
static const char swap_hex[] =
    "0x04e45aaf"
    "000000000000000000000000833589fcd6edb6e08f4c7c32d4f71b54bda02913"
    "0000000000000000000000004200000000000000000000000000000000000006"
    "00000000000000000000000000000000000000000000000000000000000001f4"
    "0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    "0000000000000000000000000000000000000000000000000000000002faf080"
    "0000000000000000000000000000000000000000000000000000000000000001"
    "0000000000000000000000000000000000000000000000000000000000000000";

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_gate: %s: %s\n", what, msg);
    return 1;
}

static int swap_call(struct gate_call *c, uint8_t *buf, size_t size)
{
    const char *h = swap_hex + 2;
    size_t n = strlen(h) / 2;

    if (n > size)
        return -1;
    for (size_t i = 0; i < n; i++)
        sscanf(h + 2 * i, "%2hhx", &buf[i]);
    memset(c, 0, sizeof *c);
    memcpy(c->target, "\x26\x26\x66\x4c\x26\x03\x33\x6e\x57\xb2\x71\xc5\xc0\xb2\x6f\x42\x17\x41\xe4\x81", 20);
    c->data = buf;
    c->len = n;
    return 0;
}

/* The price source: the quote is the swap's own minimum output (exact-out: its input), so every
 * benchmarked swap is exactly at the quote and passes the slippage rule, as a fair executor's
 * does. The real source is QuoterV2 over RPC (gate_price.h), outside the write lock. */
static enum mcp_rc bench_quote(void *ud, struct eth_u256 *quoted, const struct gate_effect *e, uint64_t chain_id,
                               struct mcp_error *err)
{
    (void)ud;
    (void)chain_id;
    (void)err;
    *quoted = e->exact_out ? e->amount : e->min_out;
    return MCP_OK;
}

static const struct gate_quoter bench_quoter = {bench_quote, NULL};

/* ---- 1. the pure check ---- */

static double bench_check(const struct policy *p, const struct gate_effects *fx)
{
    struct gate_request rq;
    struct gate_state st = {.status = "active", .now = NOW};
    struct gate_decision d;
    unsigned long allowed = 0;
    double t0 = now_s(), t;
    long n = 0;

    memset(&rq, 0, sizeof rq);
    do {
        for (int i = 0; i < 10000; i++) {
            st.spent.w[0] = (uint64_t)(i % 1000) * 1000000u; /* vary the input a little */
            gate_check(&d, p, fx, &rq, &st);
            allowed += (unsigned long)d.allowed;
        }
        n += 10000;
        t = now_s() - t0;
    } while (t < CHECK_SECONDS);
    return allowed == (unsigned long)n ? (double)n / t : -1;
}

static double bench_decode_check(const struct policy *p, const struct gate_call *c)
{
    static struct gate_effects fx;
    struct gate_request rq;
    struct gate_state st = {.status = "active", .now = NOW};
    struct gate_decision d;
    double t0 = now_s(), t;
    long n = 0;

    memset(&rq, 0, sizeof rq);
    do {
        for (int i = 0; i < 1000; i++) {
            if (gate_decode(&fx, c, 1, NULL) != MCP_OK)
                return -1;
            gate_price_annotate(&fx, p, NULL, &bench_quoter);
            gate_check(&d, p, &fx, &rq, &st);
            if (!d.allowed)
                return -1;
        }
        n += 1000;
        t = now_s() - t0;
    } while (t < CHECK_SECONDS);
    return (double)n / t;
}

/* ---- 2. a stored session ---- */

static int store_session(char id[SESSION_ID_MAX], const char *dir, const struct policy *p)
{
    struct session_row r;
    struct mcp_error err = {MCP_OK, ""};
    struct db *db = NULL;
    char *pol = policy_canonical(p), *typed_text = NULL;
    json_t *typed;
    int rc = -1;

    /* what request_session_approval stores: the columns, the policy, the typed data and its
     * digest, all of one piece (the gate refuses a row that is not what was signed) */
    memset(&r, 0, sizeof r);
    db_session_new_id(r.id);
    eth_hex_encode(r.wallet, p->wallet, 20);
    eth_hex_encode(r.owner, p->owner, 20);
    r.chain_id = p->chain_id;
    snprintf(r.account_type, sizeof r.account_type, "other");
    snprintf(r.feature, sizeof r.feature, "twap");
    snprintf(r.label, sizeof r.label, "bench TWAP");
    snprintf(r.scope_key, sizeof r.scope_key, "bench");
    eth_hex_encode(r.session_key, p->session_key, 20);
    snprintf(r.status, sizeof r.status, "pending");
    r.created_at = p->valid_after;
    r.approval_deadline = p->valid_after + 900;
    r.valid_after = p->valid_after;
    r.expires_at = p->valid_until;
    r.policy = pol;
    typed = policy_typed_data(p, r.id, "summary");
    r.typed_data = typed != NULL ? (typed_text = json_dumps(typed, JSON_COMPACT)) : NULL;
    if (pol != NULL && typed_text != NULL && policy_typed_digest(r.digest, typed, &err) == MCP_OK && db_open(&db, dir, &err) == MCP_OK && db_begin(db, &err) == MCP_OK &&
        db_session_insert(db, &r, &err) == MCP_OK &&
        db_session_transition(db, r.id, "pending", "active", p->valid_after, &err) == MCP_OK &&
        db_commit(db, &err) == MCP_OK)
        rc = 0;
    else
        die("storing the session", err.msg);
    snprintf(id, SESSION_ID_MAX, "%s", r.id);
    db_close(db);
    free(pol);
    free(typed_text);
    json_decref(typed);
    return rc;
}

/* One round: authorize then report executed. Out: the two latencies in seconds. */
static int round_trip(struct db *db, json_t *args, long k, double *t_auth, double *t_round)
{
    struct gate_env env = {.db = db, .now = NOW, .lapse = GATE_LAPSE_SECONDS, .quoter = &bench_quoter};
    struct mcp_error err;
    json_t *o = NULL, *rep = NULL, *r;
    char tx[67];
    double t0 = now_s();
    int rc = -1;

    if (gate_authorize(&o, &env, args, &err) != MCP_OK || !json_is_true(json_object_get(o, "allowed")))
        goto out;
    *t_auth = now_s() - t0;
    snprintf(tx, sizeof tx, "0x%064lx", k + 1);
    r = json_pack("{s:O, s:s, s:s}", "reservationId", json_object_get(o, "reservationId"), "outcome", "executed",
                  "txHash", tx);
    if (r != NULL && gate_report(&rep, &env, r, &err) == MCP_OK)
        rc = 0;
    json_decref(r);
    *t_round = now_s() - t0;
out:
    if (rc != 0)
        fprintf(stderr, "bench_gate: round failed: %s\n", err.msg);
    json_decref(o);
    json_decref(rep);
    return rc;
}

static json_t *swap_args(const char *sid)
{
    return json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "sessionId", sid, "calls", "target",
                     "0x2626664c2603336E57B271c5C0b26F421741e481", "value", "0", "data", swap_hex);
}

static double bench_rounds(const char *dir, const char *sid)
{
    struct mcp_error err;
    struct db *db = NULL;
    json_t *args = swap_args(sid);
    double t0, ta, tr;
    int ok = 1;

    if (args == NULL || db_open(&db, dir, &err) != MCP_OK)
        return -1;
    t0 = now_s();
    for (long i = 0; i < ROUNDS && ok; i++)
        ok = round_trip(db, args, i, &ta, &tr) == 0;
    t0 = now_s() - t0;
    json_decref(args);
    db_close(db);
    return ok ? ROUNDS / t0 : -1;
}

/* ---- 3. concurrent clients ---- */

struct client {
    const char *dir, *sid;
    long base;
    double auth[CLIENT_ROUNDS], round[CLIENT_ROUNDS];
    int failed;
};

static void *client_main(void *arg)
{
    struct client *c = arg;
    struct mcp_error err;
    struct db *db = NULL;
    json_t *args = swap_args(c->sid);

    if (args == NULL || db_open(&db, c->dir, &err) != MCP_OK) {
        c->failed = 1;
        json_decref(args);
        return NULL;
    }
    for (long i = 0; i < CLIENT_ROUNDS && !c->failed; i++)
        c->failed = round_trip(db, args, c->base + i, &c->auth[i], &c->round[i]) != 0;
    json_decref(args);
    db_close(db);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double q)
{
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);

    qsort(v, n, sizeof *v, cmp_double);
    return v[i] * 1000.0;
}

static int bench_clients(const char *dir, const char *sid, double out[6])
{
    static struct client cl[CLIENTS];
    static double auth[CLIENTS * CLIENT_ROUNDS], rnd[CLIENTS * CLIENT_ROUNDS];
    pthread_t th[CLIENTS];
    double t0 = now_s();

    for (int i = 0; i < CLIENTS; i++) {
        cl[i] = (struct client){dir, sid, 1000000L * (i + 1), {0}, {0}, 0};
        if (pthread_create(&th[i], NULL, client_main, &cl[i]) != 0)
            return -1;
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(th[i], NULL);
        if (cl[i].failed)
            return -1;
        memcpy(auth + i * CLIENT_ROUNDS, cl[i].auth, sizeof cl[i].auth);
        memcpy(rnd + i * CLIENT_ROUNDS, cl[i].round, sizeof cl[i].round);
    }
    out[0] = CLIENTS * CLIENT_ROUNDS / (now_s() - t0);
    out[1] = pct(auth, CLIENTS * CLIENT_ROUNDS, 0.50);
    out[2] = pct(auth, CLIENTS * CLIENT_ROUNDS, 0.99);
    out[3] = pct(rnd, CLIENTS * CLIENT_ROUNDS, 0.50);
    out[4] = pct(rnd, CLIENTS * CLIENT_ROUNDS, 0.99);
    out[5] = pct(auth, CLIENTS * CLIENT_ROUNDS, 0.90);
    return 0;
}

static const char *fs_type(const char *dir)
{
    struct statfs s;

    if (statfs(dir, &s) != 0)
        return "unknown";
    switch ((unsigned long)s.f_type) {
    case 0x01021994UL: return "tmpfs (not durable)";
    case 0xEF53UL: return "ext4";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794c7630UL: return "overlayfs";
    default: return "other";
    }
}

static int make_dir(char *out, size_t size)
{
    const char *env = getenv("BENCH_GATE_DIR"), *tmp = getenv("TMPDIR");
    struct stat st;

    if (env != NULL && env[0] != '\0') {
        snprintf(out, size, "%s", env);
        return mkdir(out, 0700) == 0 || stat(out, &st) == 0 ? 0 : -1;
    }
    snprintf(out, size, "%s/skm-bench-gate.XXXXXX",
             stat("build/bench", &st) == 0 ? "build/bench" : (tmp && tmp[0] ? tmp : "/tmp"));
    return mkdtemp(out) != NULL ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void)
{
    static struct gate_effects fx;
    struct policy p;
    struct gate_call c;
    struct mcp_error err;
    uint8_t buf[512];
    char dir[600], sid[SESSION_ID_MAX];
    double check, decode, rounds, conc[6];
    json_t *req = json_loads(request, 0, NULL);
    static const uint8_t key[20] = {5};

    if (req == NULL || policy_from_request(&p, NULL, req, key, NOW - 60, &err) != MCP_OK)
        return die("policy", err.msg);
    json_decref(req);
    if (swap_call(&c, buf, sizeof buf) != 0 || gate_decode(&fx, &c, 1, &err) != MCP_OK)
        return die("decode", err.msg);
    gate_price_annotate(&fx, &p, NULL, &bench_quoter);
    check = bench_check(&p, &fx);
    decode = bench_decode_check(&p, &c);
    if (make_dir(dir, sizeof dir) != 0 || store_session(sid, dir, &p) != 0)
        return die("data dir", dir);
    rounds = bench_rounds(dir, sid);
    if (check < 0 || decode < 0 || rounds < 0 || bench_clients(dir, sid, conc) != 0)
        return die("measuring", "a decision was not what the benchmark expects");
    printf("{\"impl\":\"c\",\"gate_check_per_s\":%.0f,\"goal_gate_check_per_s\":200000,\"gate_check_goal_met\":%s,"
           "\"decode_check_per_s\":%.0f,\"round_per_s\":%.1f,\"round_us\":%.0f,\"rounds\":%d,"
           "\"clients\":%d,\"clients_rounds_per_s\":%.1f,\"clients_authorize_p50_ms\":%.2f,"
           "\"clients_authorize_p90_ms\":%.2f,\"clients_authorize_p99_ms\":%.2f,\"clients_round_p50_ms\":%.2f,\"clients_round_p99_ms\":%.2f,"
           "\"commits\":\"WAL, synchronous=FULL\",\"filesystem\":\"%s\",\"data_dir\":\"%s\"}\n",
           check, check >= 200000 ? "true" : "false", decode, rounds, 1e6 / rounds, ROUNDS, CLIENTS, conc[0], conc[1],
           conc[5], conc[2], conc[3], conc[4], fs_type(dir), dir);
    if (getenv("BENCH_GATE_DIR") == NULL)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); /* our own scratch directory only */
    return 0;
}

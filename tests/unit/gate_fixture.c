/* gate_fixture.c: shared setup for the execution-gate unit tests (see gate_fixture.h). */
#include "gate_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sessions.h"
#include "eth_abi.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "keys_store.h"
#include "policy_typed.h"
#include "test.h"

static const char seed_args[] =
    "{\"walletAddress\": \"" GFX_WALLET "\", \"duration\": 86400,"
    " \"permissions\": {\"chainId\": 8453, \"contractAddress\": \"" GFX_ROUTER "\","
    " \"allowedFunctions\": [\"exactInputSingle\"], \"maxPerTransaction\": \"50\","
    " \"maxTotal\": \"1000\"},"
    " \"label\": \"USDC TWAP\"}";

int gfx_policy(struct policy *p, const char *patch)
{
    static const uint8_t key[20] = {0x5e, 0x55};
    json_t *a = json_loads(seed_args, 0, NULL), *pt = NULL;
    struct mcp_error err;
    enum mcp_rc rc;

    if (patch != NULL && (pt = json_loads(patch, 0, NULL)) == NULL) {
        test_fail(__FILE__, __LINE__, "bad patch %s", patch);
        json_decref(a);
        return -1;
    }
    if (pt != NULL)
        test_json_merge(a, pt);
    rc = policy_from_request(p, NULL, a, key, GFX_NOW, &err);
    json_decref(a);
    json_decref(pt);
    if (rc != MCP_OK) {
        test_fail(__FILE__, __LINE__, "policy_from_request: %s", err.msg);
        return -1;
    }
    return 0;
}

#define RING 8
static uint8_t g_bufs[RING][8192];
static char g_hex[RING][16390];
static size_t g_lens[RING];
static int g_k;

const uint8_t *gfx_call(size_t *len, const char *signature, const char *args_json)
{
    json_t *args = json_loads(args_json, 0, NULL);
    struct mcp_error err;
    uint8_t *data = NULL;
    int k = g_k++ % RING;

    *len = 0;
    if (args == NULL || eth_abi_encode_call(&data, len, signature, args, &err) != MCP_OK || *len > sizeof g_bufs[k]) {
        test_fail(__FILE__, __LINE__, "encode %s %s: %s", signature, args_json, args ? err.msg : "bad JSON");
        json_decref(args);
        free(data);
        return NULL;
    }
    memcpy(g_bufs[k], data, *len);
    g_lens[k] = *len;
    free(data);
    json_decref(args);
    return g_bufs[k];
}

const char *gfx_call_hex(const char *signature, const char *args_json)
{
    size_t len;
    const uint8_t *d = gfx_call(&len, signature, args_json);
    int k = (g_k - 1) % RING;

    if (d == NULL)
        return NULL;
    eth_hex_encode(g_hex[k], d, len);
    return g_hex[k];
}

const char *gfx_swap_args(const char *recipient, const char *amount_in, const char *min_out)
{
    static char out[4][512];
    static int k;
    char *o = out[k++ % 4];

    snprintf(o, 512, "[[\"%s\", \"%s\", 500, \"%s\", \"%s\", \"%s\", 0]]", GFX_USDC, GFX_WETH, recipient, amount_in,
             min_out);
    return o;
}

struct gate_call gfx_gate_call(const char *target, const uint8_t *data, size_t len, const char *value)
{
    struct gate_call c;

    memset(&c, 0, sizeof c);
    if (eth_addr_parse(c.target, target, "target", NULL) != MCP_OK)
        test_fail(__FILE__, __LINE__, "bad target %s", target);
    if (value != NULL && eth_u256_from_dec(&c.value, value, "value", NULL) != MCP_OK)
        test_fail(__FILE__, __LINE__, "bad value %s", value);
    c.data = data;
    c.len = len;
    return c;
}

static uint64_t g_out_per, g_in_per; /* 0: the market agrees with the swap */
static int g_quote_off;

static enum mcp_rc fake_quote(void *ud, struct eth_u256 *quoted, const struct gate_effect *e, uint64_t chain_id,
                              struct mcp_error *err)
{
    (void)ud;
    (void)chain_id;
    if (g_quote_off)
        return mcp_errf(err, MCP_ENOTFOUND, "no RPC endpoint is configured (test)");
    if (e->exact_out) {
        *quoted = e->amount;
        return MCP_OK;
    }
    if (g_in_per == 0) {
        *quoted = e->min_out;
        return MCP_OK;
    }
    {
        struct eth_u256 prod;
        uint64_t rem;
        if (eth_u256_mul_u64(&prod, &e->amount, g_out_per) != 0)
            return mcp_errf(err, MCP_ERPC, "quote overflow (test)");
        eth_u256_divmod_u64(quoted, &rem, &prod, g_in_per);
    }
    return MCP_OK;
}

const struct gate_quoter gfx_quoter = {fake_quote, NULL};

void gfx_quote_set(uint64_t out_per, uint64_t in_per)
{
    g_out_per = out_per;
    g_in_per = in_per;
    g_quote_off = 0;
}

void gfx_quote_off(void)
{
    g_quote_off = 1;
}

void gfx_quote_reset(void)
{
    g_out_per = g_in_per = 0;
    g_quote_off = 0;
}

const struct gate_decision *gfx_check_with(const struct policy *p, const struct gate_call *calls, size_t n,
                                           const struct gate_request *rq, const struct gate_state *st)
{
    static struct gate_effects fx;
    static struct gate_decision d;
    struct mcp_error err;

    if (gate_decode(&fx, calls, n, &err) != MCP_OK) {
        test_fail(__FILE__, __LINE__, "gate_decode: %s", err.msg);
        memset(&d, 0, sizeof d);
        d.rule = "DECODE_FAILED";
        return &d;
    }
    gate_price_annotate(&fx, p, NULL, &gfx_quoter);
    gate_check(&d, p, &fx, rq, st);
    return &d;
}

const struct gate_decision *gfx_check(const struct policy *p, const struct gate_call *calls, size_t n)
{
    struct gate_request rq;
    struct gate_state st;

    memset(&rq, 0, sizeof rq);
    memset(&st, 0, sizeof st);
    st.status = "active";
    st.now = GFX_NOW + 60;
    return gfx_check_with(p, calls, n, &rq, &st);
}

static int insert(struct gfx_session *s, const char *status)
{
    struct session_row r;
    struct mcp_error err = {MCP_OK, ""};
    char *policy = NULL, *typed_text = NULL;
    json_t *typed = NULL;
    int rc = -1;

    memset(&r, 0, sizeof r);
    db_session_new_id(r.id);
    snprintf(s->id, sizeof s->id, "%s", r.id);
    snprintf(r.wallet, sizeof r.wallet, "%s", s->wallet);
    eth_hex_encode(r.owner, s->p.owner, 20);
    r.chain_id = s->p.chain_id;
    snprintf(r.account_type, sizeof r.account_type, "session-approval");
    snprintf(r.feature, sizeof r.feature, "%s", s->p.feature);
    snprintf(r.label, sizeof r.label, "%s", s->p.label);
    snprintf(r.scope_key, sizeof r.scope_key, "scope-%s", r.id);
    snprintf(r.status, sizeof r.status, "pending");
    r.created_at = GFX_NOW;
    r.approval_deadline = GFX_NOW + 900;
    r.valid_after = s->p.valid_after;
    r.expires_at = s->p.valid_until;
    if (db_begin(s->db, &err) != MCP_OK)
        goto out;
    if (keys_store_generate(s->key_addr, s->db->h, s->km, r.id, r.wallet, GFX_NOW, &err) != MCP_OK)
        goto out;
    eth_hex_encode(r.session_key, s->key_addr, 20);
    /* what request_session_approval stores: the policy with its key, the typed data, its digest */
    memcpy(s->p.session_key, s->key_addr, 20);
    if ((policy = policy_canonical(&s->p)) == NULL || (typed = policy_typed_data(&s->p, r.id, "summary")) == NULL ||
        (typed_text = json_dumps(typed, JSON_COMPACT)) == NULL || policy_typed_digest(r.digest, typed, &err) != MCP_OK)
        goto out;
    r.policy = policy;
    r.typed_data = typed_text;
    if (db_session_insert(s->db, &r, &err) != MCP_OK)
        goto out;
    if (strcmp(status, "pending") != 0 &&
        db_session_transition(s->db, r.id, "pending", strcmp(status, "declined") == 0 ? "declined" : "active",
                              GFX_NOW, &err) != MCP_OK)
        goto out;
    if (strcmp(status, "revoked") == 0 && db_session_transition(s->db, r.id, "active", "revoked", GFX_NOW, &err) !=
                                              MCP_OK)
        goto out;
    if (db_commit(s->db, &err) != MCP_OK)
        goto out;
    rc = 0;
out:
    db_rollback(s->db);
    if (rc != 0)
        test_fail(__FILE__, __LINE__, "storing the session: %s", err.msg);
    free(policy);
    free(typed_text);
    json_decref(typed);
    return rc;
}

int gfx_session_new(struct gfx_session *s, const char *patch, const char *status)
{
    struct mcp_error err;

    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", test_tmpdir());
    if (gfx_policy(&s->p, patch) != 0)
        return -1;
    eth_hex_encode(s->wallet, s->p.wallet, 20);
    if (db_open(&s->db, s->dir, &err) != MCP_OK || keys_master_new(&s->km, s->dir, &err) != MCP_OK) {
        test_fail(__FILE__, __LINE__, "open: %s", err.msg);
        return -1;
    }
    return insert(s, status ? status : "active");
}

int gfx_session_add(struct gfx_session *s, const struct gfx_session *base, const char *patch)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", base->dir);
    s->db = base->db;
    s->km = base->km;
    if (gfx_policy(&s->p, patch) != 0)
        return -1;
    eth_hex_encode(s->wallet, s->p.wallet, 20);
    return insert(s, "active");
}

void gfx_session_free(struct gfx_session *s)
{
    db_close(s->db);
    keys_master_free(s->km);
    s->db = NULL;
    s->km = NULL;
}

json_t *gfx_args_one(const char *session_id, const char *target, const char *data_hex)
{
    return json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "sessionId", session_id, "calls", "target", target, "value", "0",
                     "data", data_hex);
}

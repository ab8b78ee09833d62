/* gate_opfacts.c: nonce, fee and paymaster of a user operation (see gate_opfacts.h). */
#include "gate_opfacts.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "eth_hex.h"
#include "zd_session.h"

/* A uint128 stored big-endian in 16 bytes. */
static void u128_be(struct eth_u256 *out, const uint8_t *in)
{
    uint8_t be[32] = {0};

    memcpy(be + 16, in, 16);
    eth_u256_from_be(out, be);
}

int gate_opfacts_fee(struct eth_u256 *out, const struct gate_user_op *op)
{
    struct eth_u256 gas = op->call_gas, pm;
    uint64_t g;
    int overflow = eth_u256_add(&gas, &gas, &op->verification_gas);

    overflow |= eth_u256_add(&gas, &gas, &op->pre_verification_gas);
    if (op->paymaster_and_data_len >= 52) {
        u128_be(&pm, op->paymaster_and_data + 20);
        overflow |= eth_u256_add(&gas, &gas, &pm);
        u128_be(&pm, op->paymaster_and_data + 36);
        overflow |= eth_u256_add(&gas, &gas, &pm);
    }
    if (overflow || !eth_u256_to_u64(&g, &gas))
        return 1;
    return eth_u256_mul_u64(out, &op->max_fee, g) ? 1 : 0;
}

enum mcp_rc gate_opfacts_permission_id(uint8_t out[4], const struct session_row *row, const struct policy *p,
                                       struct mcp_error *err)
{
    struct zd_session_opts o;
    struct zd_approval a;
    json_t *j = json_loads(row->account ? row->account : "", 0, NULL);
    enum mcp_rc rc;

    memset(&a, 0, sizeof a);
    rc = j != NULL && zd_session_opts_from_json(&o, j, err) == MCP_OK ? zd_session_build(&a, p, &o, err)
                                                                       : MCP_EINTERNAL;
    json_decref(j);
    if (rc == MCP_OK)
        memcpy(out, a.en.permission_id, 4);
    zd_approval_free(&a);
    if (rc != MCP_OK)
        return mcp_errf(err, MCP_EINTERNAL, "The stored Kernel account options of session %s cannot be read, so the "
                        "gate cannot tell its nonce key; nothing was signed. Revoke the session and request a new "
                        "one.", row->id);
    return MCP_OK;
}

static enum mcp_rc check_key(struct gate_request *rq, struct db *db, const struct session_row *row,
                             const struct policy *p, const struct gate_nonce *n, struct mcp_error *err)
{
    char used[GATE_NONCE_KEY_HEX], want[GATE_NONCE_KEY_HEX], pid[11];
    uint8_t first[GATE_NONCE_KEY_LEN], perm[4];
    int found;

    gate_nonce_key_hex(used, n->key);
    if (strcmp(row->account_type, "kernel-v3") == 0) {
        if (gate_opfacts_permission_id(perm, row, p, err) != MCP_OK)
            return err->rc;
        if (gate_nonce_key_is_kernel_permission(n->key, perm))
            return MCP_OK;
        eth_hex_encode(pid, perm, 4);
        rq->nonce = GATE_NONCE_WRONG_KEY;
        snprintf(rq->nonce_words, sizeof rq->nonce_words, "it is %s; for this Kernel session it must be 0x00 (or "
                 "0x01 to enable) || 0x02 || %s || 16 zero bytes || any 2-byte key", used, pid + 2);
        return MCP_OK;
    }
    if (gate_nonce_first_key(&found, first, db, row->id, err) != MCP_OK)
        return err->rc;
    if (!found || memcmp(first, n->key, GATE_NONCE_KEY_LEN) == 0)
        return MCP_OK;
    gate_nonce_key_hex(want, first);
    rq->nonce = GATE_NONCE_WRONG_KEY;
    snprintf(rq->nonce_words, sizeof rq->nonce_words, "it is %s; the session's first signature fixed its key to %s",
             used, want);
    return MCP_OK;
}

enum mcp_rc gate_opfacts(struct gate_opfacts *out, struct gate_request *rq, struct db *db,
                         const struct session_row *row, const struct policy *p, const struct gate_user_op *op,
                         int64_t now, struct mcp_error *err)
{
    char full[67];

    (void)now;
    memset(out, 0, sizeof *out);
    rq->has_fee = 1;
    rq->fee_overflow = gate_opfacts_fee(&rq->fee, op);
    if (op->paymaster_and_data_len >= 20) {
        rq->has_paymaster = 1;
        memcpy(rq->paymaster, op->paymaster_and_data, 20);
    }
    gate_nonce_split(&out->nonce, &op->nonce);
    if (check_key(rq, db, row, p, &out->nonce, err) != MCP_OK)
        return err->rc;
    if (rq->nonce != GATE_NONCE_OK)
        return MCP_OK;
    if (gate_nonce_find(&out->existing, db, row->id, &out->nonce, err) != MCP_OK)
        return err->rc;
    if (out->existing.found && strcmp(out->existing.state, "reserved") != 0) {
        gate_nonce_hex(full, &out->nonce);
        rq->nonce = GATE_NONCE_SETTLED;
        snprintf(rq->nonce_words, sizeof rq->nonce_words, "%s, reservation %s, %s", full,
                 out->existing.reservation_id, out->existing.state);
    }
    return MCP_OK;
}

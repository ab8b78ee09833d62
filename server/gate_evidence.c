/* gate_evidence.c: receipts and nonces read over RPC (see gate_evidence.h). */
#include "gate_evidence.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "chain_calls.h"
#include "chain_rpc.h"
#include "eth_hex.h"

static const uint8_t entry_point_v07[20] = {0x00, 0x00, 0x00, 0x00, 0x71, 0x72, 0x7d, 0xe2, 0x2e, 0x5e,
                                            0x9d, 0x8b, 0xaf, 0x0e, 0xda, 0xc6, 0xf3, 0x7d, 0xa0, 0x32};
static const uint8_t sel_get_nonce[4] = {0x35, 0x56, 0x7e, 0x1a}; /* getNonce(address,uint192) */

void gate_evidence_get_nonce_data(uint8_t out[68], const uint8_t sender[20], const uint8_t key[GATE_NONCE_KEY_LEN])
{
    memset(out, 0, 68);
    memcpy(out, sel_get_nonce, 4);
    memcpy(out + 4 + 12, sender, 20);
    memcpy(out + 36 + 8, key, GATE_NONCE_KEY_LEN);
}

/* A receipt's transaction hash, at the top level or inside "receipt". */
static const char *receipt_tx(json_t *r)
{
    const char *tx = json_string_value(json_object_get(json_object_get(r, "receipt"), "transactionHash"));

    return tx != NULL ? tx : json_string_value(json_object_get(r, "transactionHash"));
}

/* 1: a receipt settled it (out filled); 0: no receipt for any hash; -1: could not read. */
static int read_receipts(struct gate_evidence_result *out, struct chain_client *b, const struct gate_signed *s)
{
    struct mcp_error err = {MCP_OK, ""};
    char hash[67];

    for (size_t i = 0; i < s->n_ops; i++) {
        json_t *params, *r = NULL;
        const char *tx;
        uint8_t h[32];
        enum mcp_rc rc;

        eth_hex_encode(hash, s->ops[i], 32);
        params = json_pack("[s]", hash);
        rc = params ? chain_rpc_call(&r, b, "eth_getUserOperationReceipt", params, &err) : MCP_ENOMEM;
        json_decref(params);
        if (rc != MCP_OK) {
            snprintf(out->words, sizeof out->words, "the bundler could not be read (%.300s)", err.msg);
            return -1;
        }
        if (json_is_null(r)) {
            json_decref(r);
            continue;
        }
        tx = receipt_tx(r);
        if (!json_is_boolean(json_object_get(r, "success")) || tx == NULL || strlen(tx) != 66 ||
            eth_hex_decode(h, 32, tx, "transactionHash", NULL) != MCP_OK) {
            json_decref(r);
            snprintf(out->words, sizeof out->words, "the bundler's receipt for %s is not one the gate can read", hash);
            return -1;
        }
        snprintf(out->tx_hash, sizeof out->tx_hash, "%s", tx);
        out->ev = json_is_true(json_object_get(r, "success")) ? GATE_EVIDENCE_EXECUTED : GATE_EVIDENCE_REVERTED;
        snprintf(out->words, sizeof out->words, "the bundler's receipt for operation %s says it %s in transaction %s",
                 hash, out->ev == GATE_EVIDENCE_EXECUTED ? "ran" : "ran and reverted", tx);
        json_decref(r);
        return 1;
    }
    return 0;
}

/* The account's next sequence for the key. Returns 0, or -1 with out->words set. */
static int read_next_seq(uint64_t *next, struct gate_evidence_result *out, struct chain_client *c,
                         const uint8_t sender[20], const struct gate_signed *s)
{
    struct mcp_error err = {MCP_OK, ""};
    uint8_t data[68], be[32], *ret = NULL;
    struct eth_u256 v;
    size_t len = 0;

    gate_evidence_get_nonce_data(data, sender, s->nonce.key);
    if (chain_eth_call(&ret, &len, c, entry_point_v07, data, sizeof data, &err) != MCP_OK ||
        chain_abi_decode_uint(&v, ret, len, "EntryPoint.getNonce", &err) != MCP_OK) {
        free(ret);
        snprintf(out->words, sizeof out->words, "the EntryPoint's nonce could not be read (%.300s)", err.msg);
        return -1;
    }
    free(ret);
    eth_u256_to_be(be, &v);
    if (memcmp(be, s->nonce.key, GATE_NONCE_KEY_LEN) != 0) {
        snprintf(out->words, sizeof out->words, "the EntryPoint answered a nonce for another key");
        return -1;
    }
    *next = 0;
    for (int i = GATE_NONCE_KEY_LEN; i < 32; i++)
        *next = *next << 8 | be[i];
    return 0;
}

void gate_evidence_read(struct gate_evidence_result *out, const struct skm_config *cfg, uint64_t chain_id,
                        const uint8_t sender[20], const struct gate_signed *s)
{
    struct mcp_error err = {MCP_OK, ""};
    struct chain_client *b, *c;
    char nonce[67];
    uint64_t next = 0;
    int got;

    memset(out, 0, sizeof *out);
    gate_nonce_hex(nonce, &s->nonce);
    if (cfg == NULL || !s->bound) {
        snprintf(out->words, sizeof out->words, "no chain endpoint is configured");
        return;
    }
    if ((b = app_bundler(cfg, chain_id, &err)) == NULL) {
        snprintf(out->words, sizeof out->words, "no bundler is configured for chain %" PRIu64 " (pass --bundler %"
                 PRIu64 "=URL or set SKM_BUNDLER_%" PRIu64 "), so the gate cannot see whether the operation ran",
                 chain_id, chain_id, chain_id);
        return;
    }
    if ((got = read_receipts(out, b, s)) != 0)
        return;
    if ((c = app_chain(cfg, chain_id, &err)) == NULL) {
        snprintf(out->words, sizeof out->words, "the bundler has no receipt for it and no RPC endpoint is "
                 "configured for chain %" PRIu64 " (pass --rpc %" PRIu64 "=URL), so the gate cannot see whether its "
                 "nonce %s was used", chain_id, chain_id, nonce);
        return;
    }
    if (read_next_seq(&next, out, c, sender, s) != 0)
        return;
    if (next > s->nonce.seq) {
        out->ev = GATE_EVIDENCE_NONCE_USED;
        snprintf(out->words, sizeof out->words, "the bundler has no receipt for any operation signed for nonce %s, "
                 "and the EntryPoint shows that nonce used (next sequence %" PRIu64 "): another operation took it",
                 nonce, next);
        return;
    }
    snprintf(out->words, sizeof out->words, "the chain has not used nonce %s yet (the EntryPoint's next sequence is "
             "%" PRIu64 "), so the signed operation can still run", nonce, next);
}

/* gate_nonce.c: signatures bound to their ERC-4337 nonce (see gate_nonce.h). */
#include "gate_nonce.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "eth_hex.h"

void gate_nonce_split(struct gate_nonce *out, const struct eth_u256 *nonce)
{
    uint8_t be[32];

    eth_u256_to_be(be, nonce);
    memcpy(out->key, be, GATE_NONCE_KEY_LEN);
    out->seq = 0;
    for (int i = GATE_NONCE_KEY_LEN; i < 32; i++)
        out->seq = out->seq << 8 | be[i];
}

void gate_nonce_key_hex(char out[GATE_NONCE_KEY_HEX], const uint8_t key[GATE_NONCE_KEY_LEN])
{
    eth_hex_encode(out, key, GATE_NONCE_KEY_LEN);
}

void gate_nonce_hex(char out[67], const struct gate_nonce *n)
{
    uint8_t be[32];

    memcpy(be, n->key, GATE_NONCE_KEY_LEN);
    for (int i = 0; i < 8; i++)
        be[GATE_NONCE_KEY_LEN + i] = (uint8_t)(n->seq >> (56 - 8 * i));
    eth_hex_encode(out, be, 32);
}

int gate_nonce_key_is_kernel_permission(const uint8_t key[GATE_NONCE_KEY_LEN], const uint8_t permission_id[4])
{
    static const uint8_t zero[16];

    return (key[0] == 0x00 || key[0] == 0x01) && key[1] == 0x02 && memcmp(key + 2, permission_id, 4) == 0 &&
           memcmp(key + 6, zero, 16) == 0;
}

static void seq_text(char out[24], uint64_t seq)
{
    snprintf(out, 24, "%" PRIu64, seq);
}

enum mcp_rc gate_nonce_find(struct gate_bound *out, struct db *db, const char *session_id,
                            const struct gate_nonce *n, struct mcp_error *err)
{
    char key[GATE_NONCE_KEY_HEX], seq[24];
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof *out);
    gate_nonce_key_hex(key, n->key);
    seq_text(seq, n->seq);
    if (db_prepare(db, &st, "SELECT reservation_id, state, amount, lapses_at FROM ledger WHERE session_id = ? AND "
                   "nonce_key = ? AND nonce_seq = ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, seq, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->found = 1;
        snprintf(out->reservation_id, sizeof out->reservation_id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(out->state, sizeof out->state, "%s", (const char *)sqlite3_column_text(st, 1));
        out->lapses_at = sqlite3_column_int64(st, 3);
        if (eth_u256_from_dec(&out->amount, (const char *)sqlite3_column_text(st, 2), "amount", NULL) != MCP_OK)
            rc = SQLITE_CORRUPT;
        else
            rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MCP_OK : db_fail(db, rc, "reading the reservation of a nonce", err);
}

enum mcp_rc gate_nonce_first_key(int *found, uint8_t key[GATE_NONCE_KEY_LEN], struct db *db, const char *session_id,
                                 struct mcp_error *err)
{
    sqlite3_stmt *st;
    int rc;

    *found = 0;
    if (db_prepare(db, &st, "SELECT nonce_key FROM ledger WHERE session_id = ? AND nonce_key IS NOT NULL "
                   "ORDER BY id LIMIT 1", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        rc = k != NULL && eth_hex_decode(key, GATE_NONCE_KEY_LEN, k, "nonce key", NULL) == MCP_OK ? SQLITE_DONE
                                                                                                  : SQLITE_CORRUPT;
        *found = rc == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MCP_OK : db_fail(db, rc, "reading the session's nonce key", err);
}

enum mcp_rc gate_nonce_reserve(char id[GATE_RESERVATION_ID_MAX], struct db *db, const char *session_id,
                               const struct eth_u256 *amount, const struct gate_nonce *n, int64_t now,
                               int64_t lapses_at, struct mcp_error *err)
{
    char dec[80], key[GATE_NONCE_KEY_HEX], seq[24];
    sqlite3_stmt *st;

    if (sodium_init() < 0)
        return mcp_errf(err, MCP_ECRYPTO, "libsodium could not start, so no reservation id can be made");
    db_random_id(id, "res_");
    eth_u256_to_dec(dec, sizeof dec, amount);
    gate_nonce_key_hex(key, n->key);
    seq_text(seq, n->seq);
    if (db_prepare(db, &st, "INSERT INTO ledger(session_id, reservation_id, amount, state, created_at, updated_at, "
                   "lapses_at, nonce_key, nonce_seq, signed_at) VALUES(?, ?, ?, 'reserved', ?, ?, ?, ?, ?, ?)",
                   err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, dec, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, lapses_at);
    sqlite3_bind_text(st, 7, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, seq, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, now);
    return db_step_done(db, st, "reserving the amount for a signature", err);
}

enum mcp_rc gate_nonce_retry(struct db *db, const char *id, const struct eth_u256 *amount, int64_t now,
                             struct mcp_error *err)
{
    struct eth_u256 stored;
    char dec[80];
    sqlite3_stmt *st;
    int rc;

    if (db_prepare(db, &st, "SELECT amount FROM ledger WHERE reservation_id = ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = eth_u256_from_dec(&stored, (const char *)sqlite3_column_text(st, 0), "amount", NULL) == MCP_OK
                 ? SQLITE_DONE : SQLITE_CORRUPT;
    else if (rc == SQLITE_DONE)
        rc = SQLITE_CORRUPT;
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, rc, "reading the reservation of a nonce", err);
    eth_u256_to_dec(dec, sizeof dec, eth_u256_cmp(amount, &stored) > 0 ? amount : &stored);
    if (db_prepare(db, &st, "UPDATE ledger SET amount = ?, signed_at = ?, updated_at = ? WHERE reservation_id = ? "
                   "AND state = 'reserved'", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, dec, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
    return db_step_done(db, st, "recording a retry on the same nonce", err);
}

enum mcp_rc gate_nonce_add_op(struct db *db, const char *id, const uint8_t op_hash[32], const struct eth_u256 *amount,
                              int64_t now, struct mcp_error *err)
{
    char hash[67], dec[80];
    sqlite3_stmt *st;

    eth_hex_encode(hash, op_hash, 32);
    eth_u256_to_dec(dec, sizeof dec, amount);
    if (db_prepare(db, &st, "INSERT OR IGNORE INTO ledger_ops(op_hash, reservation_id, amount, signed_at) "
                   "VALUES(?, ?, ?, ?)", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, dec, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    return db_step_done(db, st, "recording the signed operation", err);
}

static int parse_seq(uint64_t *out, const char *s)
{
    uint64_t v = 0;

    if (s == NULL || *s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static enum mcp_rc load_ops(struct gate_signed *out, struct db *db, const char *reservation_id,
                            struct mcp_error *err)
{
    sqlite3_stmt *st;
    int rc;

    if (db_prepare(db, &st, "SELECT op_hash FROM ledger_ops WHERE reservation_id = ? ORDER BY signed_at DESC, "
                   "rowid DESC LIMIT 16", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, reservation_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n_ops < GATE_NONCE_MAX_OPS) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        if (h == NULL || eth_hex_decode(out->ops[out->n_ops], 32, h, "op hash", NULL) != MCP_OK) {
            rc = SQLITE_CORRUPT;
            break;
        }
        out->n_ops++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? MCP_OK : db_fail(db, rc, "reading the signed operations", err);
}

enum mcp_rc gate_nonce_load(struct gate_signed *out, struct db *db, const char *reservation_id, struct mcp_error *err)
{
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof *out);
    if (db_prepare(db, &st, "SELECT session_id, state, lapses_at, nonce_key, nonce_seq FROM ledger WHERE "
                   "reservation_id = ?", err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, reservation_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 3);
        snprintf(out->session_id, sizeof out->session_id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(out->state, sizeof out->state, "%s", (const char *)sqlite3_column_text(st, 1));
        out->lapses_at = sqlite3_column_int64(st, 2);
        if (key != NULL) {
            out->bound = 1;
            if (eth_hex_decode(out->nonce.key, GATE_NONCE_KEY_LEN, key, "nonce key", NULL) != MCP_OK ||
                parse_seq(&out->nonce.seq, (const char *)sqlite3_column_text(st, 4)) != 0)
                rc = SQLITE_CORRUPT;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return mcp_errf(err, MCP_ENOTFOUND, "There is no reservation %s. Pass the reservationId that "
                        "authorize_execution returned.", reservation_id);
    if (rc != SQLITE_ROW)
        return db_fail(db, rc, "reading the reservation", err);
    return out->bound ? load_ops(out, db, reservation_id, err) : MCP_OK;
}

static json_t *unsettled_row(sqlite3_stmt *st)
{
    struct gate_nonce n;
    char full[67];
    const char *key = (const char *)sqlite3_column_text(st, 2);

    memset(&n, 0, sizeof n);
    if (key == NULL || eth_hex_decode(n.key, GATE_NONCE_KEY_LEN, key, "nonce key", NULL) != MCP_OK ||
        parse_seq(&n.seq, (const char *)sqlite3_column_text(st, 3)) != 0)
        return NULL;
    gate_nonce_hex(full, &n);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "reservationId",
                     (const char *)sqlite3_column_text(st, 0), "amountBaseUnits",
                     (const char *)sqlite3_column_text(st, 1), "nonce", full, "nonceKey", key, "nonceSequence",
                     (const char *)sqlite3_column_text(st, 3), "signedAt", (json_int_t)sqlite3_column_int64(st, 4),
                     "lastSignedAt", (json_int_t)sqlite3_column_int64(st, 5), "signatures",
                     (json_int_t)sqlite3_column_int64(st, 6));
}

enum mcp_rc gate_nonce_unsettled(json_t **out, struct db *db, const char *session_id, int64_t now,
                                 struct mcp_error *err)
{
    sqlite3_stmt *st;
    json_t *arr = json_array(), *row;
    int rc;

    *out = NULL;
    if (arr == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (db_prepare(db, &st, "SELECT l.reservation_id, l.amount, l.nonce_key, l.nonce_seq, l.created_at, "
                   "COALESCE(l.signed_at, l.created_at), (SELECT COUNT(*) FROM ledger_ops o WHERE o.reservation_id "
                   "= l.reservation_id) FROM ledger l WHERE l.session_id = ? AND l.state = 'reserved' AND "
                   "l.nonce_key IS NOT NULL AND l.lapses_at > ? ORDER BY l.id", err) != MCP_OK) {
        json_decref(arr);
        return MCP_EDB;
    }
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((row = unsettled_row(st)) == NULL || json_array_append_new(arr, row) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return db_fail(db, rc, "reading the signed operations", err);
    }
    *out = arr;
    return MCP_OK;
}

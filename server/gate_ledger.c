/* gate_ledger.c: reservations, commits and releases in the ledger table (see gate_ledger.h). */
#include "gate_ledger.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int counts(const char *state, int64_t lapses_at, int64_t now)
{
    return strcmp(state, "committed") == 0 || (strcmp(state, "reserved") == 0 && lapses_at > now);
}

/* Add one live row to the totals. Columns: amount, state, created_at, lapses_at, nonce_key,
 * updated_at. Returns 0, or -1 when its amount is not a decimal.
 * Rate slots: a check without a signature counts at created_at (as before); a signed
 * operation not yet settled holds a slot whatever its age (it can run at any moment), and a
 * committed one counts at the time its outcome was recorded (it ran at or before then). */
static int add_row(struct gate_totals *t, sqlite3_stmt *st, int64_t window_start, uint32_t window)
{
    const char *amount = (const char *)sqlite3_column_text(st, 0);
    int committed = strcmp((const char *)sqlite3_column_text(st, 1), "committed") == 0;
    int bound = sqlite3_column_type(st, 4) != SQLITE_NULL;
    int64_t slot = bound && committed ? sqlite3_column_int64(st, 5) : sqlite3_column_int64(st, 2);
    struct eth_u256 v;

    if (amount == NULL || eth_u256_from_dec(&v, amount, "ledger amount", NULL) != MCP_OK)
        return -1;
    eth_u256_add(committed ? &t->spent : &t->reserved, committed ? &t->spent : &t->reserved, &v);
    if (committed)
        t->executed++;
    else
        t->pending++;
    if (bound && !committed) {
        t->unsettled++;
        if (window > 0)
            t->in_window++;
        return 0;
    }
    if (window > 0 && slot > window_start) {
        t->in_window++;
        if (t->window_oldest == 0 || slot < t->window_oldest)
            t->window_oldest = slot;
    }
    return 0;
}

/* Hot statements: kept prepared for the life of the connection (db_cached). */
static const char sql_totals[] = "SELECT amount, state, created_at, lapses_at, nonce_key, updated_at FROM ledger "
                                 "WHERE session_id = ? AND state <> 'released'";
static const char sql_reserve[] = "INSERT INTO ledger(session_id, reservation_id, amount, state, created_at, "
                                  "updated_at, lapses_at) VALUES(?, ?, ?, 'reserved', ?, ?, ?)";
static const char sql_load[] = "SELECT session_id, amount, state, lapses_at, tx_hash, created_at, nonce_key FROM ledger "
                               "WHERE reservation_id = ?";
static const char sql_settle[] = "UPDATE ledger SET state = ?, tx_hash = ?, updated_at = ? "
                                 "WHERE reservation_id = ? AND state = 'reserved'";

/* Step a cached statement that returns no rows, and reset it. */
static enum mcp_rc step_done(struct db *db, sqlite3_stmt *st, const char *what, struct mcp_error *err)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    return rc == SQLITE_DONE ? MCP_OK : db_fail(db, rc, what, err);
}

enum mcp_rc gate_ledger_totals(struct gate_totals *out, struct db *db, const char *session_id, int64_t now,
                               uint32_t window, struct mcp_error *err)
{
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof *out);
    if (db_cached(db, &st, sql_totals, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!counts((const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 3), now))
            continue; /* lapsed */
        if (add_row(out, st, now - (int64_t)window, window) != 0) {
            sqlite3_reset(st);
            return mcp_errf(err, MCP_EDB, "The spend ledger of %s holds an amount that is not a number; the "
                            "database was changed outside sessionkey-mcp.", session_id);
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? MCP_OK : db_fail(db, rc, "reading the spend ledger", err);
}

enum mcp_rc gate_ledger_reserve(char id[GATE_RESERVATION_ID_MAX], struct db *db, const char *session_id,
                                const struct eth_u256 *amount, int64_t now, int64_t lapse, struct mcp_error *err)
{
    char dec[80];
    sqlite3_stmt *st;

    if (sodium_init() < 0) /* thread-safe; a no-op after the first call */
        return mcp_errf(err, MCP_ECRYPTO, "libsodium could not start, so no reservation id can be made");
    db_random_id(id, "res_");
    eth_u256_to_dec(dec, sizeof dec, amount);
    if (db_cached(db, &st, sql_reserve, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, dec, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, now + lapse);
    return step_done(db, st, "reserving the amount", err);
}

/* The row as it is now. */
struct row {
    char state[12];
    char tx_hash[67];
    int64_t lapses_at;
    int bound;               /* a signature was given for it (nonce_key set) */
};

static enum mcp_rc load(struct row *r, struct gate_settled *out, struct db *db, const char *id, struct mcp_error *err)
{
    sqlite3_stmt *st;
    int rc;

    if (db_cached(db, &st, sql_load, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *tx = (const char *)sqlite3_column_text(st, 4);
        snprintf(out->session_id, sizeof out->session_id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(r->state, sizeof r->state, "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(r->tx_hash, sizeof r->tx_hash, "%s", tx ? tx : "");
        r->lapses_at = sqlite3_column_int64(st, 3);
        r->bound = sqlite3_column_type(st, 6) != SQLITE_NULL;
        out->created_at = sqlite3_column_int64(st, 5);
        if (eth_u256_from_dec(&out->amount, (const char *)sqlite3_column_text(st, 1), "amount", NULL) != MCP_OK)
            rc = SQLITE_CORRUPT;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return mcp_errf(err, MCP_ENOTFOUND, "There is no reservation %s. Pass the reservationId that "
                        "authorize_execution returned.", id);
    return rc == SQLITE_ROW ? MCP_OK : db_fail(db, rc, "reading the reservation", err);
}

/* Same outcome reported again: fine if it says the same thing. */
static enum mcp_rc repeat(struct gate_settled *out, const struct row *r, const char *want, const char *tx_hash,
                          const char *id, struct mcp_error *err)
{
    if (strcmp(r->state, want) != 0)
        return mcp_errf(err, MCP_ECONFLICT, "Reservation %s was already %s, so it cannot now be %s. The ledger keeps "
                        "the first outcome reported.", id, r->state, want);
    if (strcmp(want, "committed") == 0 && strcmp(r->tx_hash, tx_hash) != 0)
        return mcp_errf(err, MCP_ECONFLICT, "Reservation %s was already committed with transaction %s, not %s.", id,
                        r->tx_hash, tx_hash);
    snprintf(out->state, sizeof out->state, "%s", want);
    out->already = 1;
    return MCP_OK;
}

static enum mcp_rc exec_sql_id(struct db *db, const char *sql, const char *id, struct mcp_error *err)
{
    sqlite3_stmt *st;

    if (db_prepare(db, &st, sql, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return db_step_done(db, st, "freeing an unsigned nonce", err);
}

enum mcp_rc gate_ledger_settle(struct gate_settled *out, struct db *db, const char *reservation_id,
                               enum gate_outcome outcome, const char *tx_hash, int64_t now, struct mcp_error *err)
{
    return gate_ledger_settle_evidence(out, db, reservation_id, outcome, tx_hash, GATE_EVIDENCE_NONE, now, err);
}

enum mcp_rc gate_ledger_settle_evidence(struct gate_settled *out, struct db *db, const char *reservation_id,
                                        enum gate_outcome outcome, const char *tx_hash, enum gate_evidence ev,
                                        int64_t now, struct mcp_error *err)
{
    const char *want = outcome == GATE_OUTCOME_EXECUTED ? "committed" : "released";
    sqlite3_stmt *st;
    struct row r;
    enum mcp_rc rc;

    memset(out, 0, sizeof *out);
    if ((rc = load(&r, out, db, reservation_id, err)) != MCP_OK)
        return rc;
    out->bound = r.bound;
    if (ev == GATE_EVIDENCE_EXECUTED)
        want = "committed"; /* the chain says it ran, whatever the report said */
    if (strcmp(r.state, "reserved") != 0)
        return repeat(out, &r, want, tx_hash ? tx_hash : "", reservation_id, err);
    out->late = r.lapses_at <= now;
    if (r.bound && strcmp(want, "released") == 0 && !out->late && ev != GATE_EVIDENCE_REVERTED &&
        ev != GATE_EVIDENCE_NONCE_USED && ev != GATE_EVIDENCE_NEVER_SIGNED) {
        /* A signed operation without proof that it can never run: it keeps counting. */
        snprintf(out->state, sizeof out->state, "reserved");
        out->still_counts = 1;
        return MCP_OK;
    }
    if (db_cached(db, &st, sql_settle, err) != MCP_OK)
        return MCP_EDB;
    sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
    if (tx_hash != NULL)
        sqlite3_bind_text(st, 2, tx_hash, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_text(st, 4, reservation_id, -1, SQLITE_STATIC);
    if ((rc = step_done(db, st, "recording the outcome", err)) != MCP_OK)
        return rc;
    if (sqlite3_changes(db->h) != 1)
        return mcp_errf(err, MCP_ECONFLICT, "Reservation %s changed while it was being settled; retry.",
                        reservation_id);
    snprintf(out->state, sizeof out->state, "%s", want);
    if (ev == GATE_EVIDENCE_NEVER_SIGNED && r.bound) /* its nonce was never given out: free it again */
        return exec_sql_id(db, "UPDATE ledger SET nonce_key = NULL, nonce_seq = NULL WHERE reservation_id = ?",
                           reservation_id, err);
    return MCP_OK;
}

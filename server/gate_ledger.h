/* gate_ledger.h: reserve-then-commit spend accounting in the `ledger` table.
 *
 * An allowed execution reserves its amount (state 'reserved') in the same BEGIN IMMEDIATE
 * transaction that read the totals it was checked against, so two processes racing on one
 * session serialize on SQLite's write lock: the second one reads the first one's reservation
 * and can never push the total past maxTotal or the count past the rate limit. The executor
 * then reports the outcome: a transaction hash commits the reservation ('committed': spent),
 * a failure releases it ('released': counts for nothing).
 *
 * A reservation that is never reported lapses at lapses_at (created_at + GATE_LAPSE_SECONDS).
 * Until then it counts against the total and the rate limit; from then on it counts for
 * nothing. Lapsing is derived from the time when the ledger is read, never written, so no
 * sweeper is needed and a crash cannot leave a half-lapsed row. A late report is still
 * recorded: "executed" commits a lapsed reservation (the ledger says what really happened,
 * even if that takes the total past the cap; the result says it was late), "failed"
 * releases it.
 *
 * States only move forward: reserved -> committed | released. Reporting the same outcome
 * again (same tx hash) is idempotent; a different outcome for a settled reservation is a
 * conflict.
 *
 * The rate limit counts executions (committed, or reserved and not lapsed) whose created_at
 * lies in the sliding window (now - rate_period, now]; released ones do not count.
 *
 * Signed operations (issue 11; gate_nonce.h binds them to their ERC-4337 nonce): a
 * reservation made for a signature counts until the chain shows it can never run, not until
 * someone says so. A bare "failed" report leaves it counting (state stays 'reserved',
 * still_counts = 1); it is released only with evidence (gate_evidence.h): the operation
 * reverted, or its nonce was used by another operation. It lapses only when the signed
 * operation itself can no longer be valid: lapses_at is the session's validUntil, which is
 * in the signed data. Until it settles it holds a rate slot whatever its age; once committed
 * its slot is the time the outcome was recorded (it ran at or before then).
 *
 * Every function here runs inside the caller's transaction (db_begin ... db_commit). */
#ifndef SKM_GATE_LEDGER_H
#define SKM_GATE_LEDGER_H

#include <stdint.h>

#include "db.h"
#include "eth_u256.h"

#define GATE_LAPSE_SECONDS 600      /* an unreported reservation counts for 10 minutes */
#define GATE_RESERVATION_ID_MAX 32  /* "res_" + 26 base32 characters + NUL */

struct gate_totals {
    struct eth_u256 spent;     /* committed */
    struct eth_u256 reserved;  /* reserved and not lapsed */
    long long executed;        /* committed executions */
    long long pending;         /* live reservations */
    uint32_t in_window;        /* counted executions created in (now - window, now] */
    int64_t window_oldest;     /* slot time of the oldest of those that settled or were never
                                  signed, 0 when none */
    uint32_t unsettled;        /* signed operations not settled (each holds a rate slot) */
};

/* Read a session's totals at time now. window: the rate period in seconds (0: no window;
 * in_window is then 0).
 * Returns: MCP_OK; MCP_EDB (also when a stored amount is not a decimal). */
enum mcp_rc gate_ledger_totals(struct gate_totals *out, struct db *db, const char *session_id, int64_t now,
                               uint32_t window, struct mcp_error *err) SKM_WARN_UNUSED;

/* Insert a reservation of amount for session_id at now (lapsing at now + lapse seconds).
 * Out: id, a new random reservation id ("res_" + 26 base32 characters).
 * Returns: MCP_OK, MCP_EDB. */
enum mcp_rc gate_ledger_reserve(char id[GATE_RESERVATION_ID_MAX], struct db *db, const char *session_id,
                                const struct eth_u256 *amount, int64_t now, int64_t lapse,
                                struct mcp_error *err) SKM_WARN_UNUSED;

enum gate_outcome { GATE_OUTCOME_EXECUTED = 1, GATE_OUTCOME_FAILED = 2 };

/* What the chain shows about a signed operation (gate_evidence.h). */
enum gate_evidence {
    GATE_EVIDENCE_NONE = 0,      /* nothing that proves it can never run */
    GATE_EVIDENCE_EXECUTED = 1,  /* a receipt says it ran: commit (tx hash from the receipt) */
    GATE_EVIDENCE_REVERTED = 2,  /* a receipt says it ran and reverted: nothing was spent */
    GATE_EVIDENCE_NONCE_USED = 3, /* the nonce was used by an operation this gate never signed */
    GATE_EVIDENCE_NEVER_SIGNED = 4 /* signing failed: no signature was ever given for it */
};

/* What settling a reservation did. */
struct gate_settled {
    char session_id[40];
    struct eth_u256 amount;
    char state[12];          /* the state now: "committed" or "released" */
    int already;             /* 1: it was already in that state (nothing changed) */
    int late;                /* 1: reported after it lapsed */
    int64_t created_at;
    int bound;               /* 1: a signature was given for it (bound to a nonce) */
    int still_counts;        /* 1: "failed" without evidence: nothing changed, it still counts */
};

/* Commit (EXECUTED, tx_hash "0x" + 64 hex) or release (FAILED, tx_hash NULL or a hash) a
 * reservation at time now.
 * Returns: MCP_OK; MCP_ENOTFOUND (no such reservation); MCP_ECONFLICT (already settled the
 * other way, or committed with another tx hash), with words; MCP_EDB. */
enum mcp_rc gate_ledger_settle(struct gate_settled *out, struct db *db, const char *reservation_id,
                               enum gate_outcome outcome, const char *tx_hash, int64_t now,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* As gate_ledger_settle, with what the chain shows. A FAILED report of a signed reservation
 * that has not lapsed releases it only with GATE_EVIDENCE_REVERTED, _NONCE_USED or _NEVER_SIGNED; otherwise
 * nothing changes (state "reserved", still_counts = 1). GATE_EVIDENCE_EXECUTED commits,
 * whatever the outcome said (tx_hash: the receipt's). */
enum mcp_rc gate_ledger_settle_evidence(struct gate_settled *out, struct db *db, const char *reservation_id,
                                        enum gate_outcome outcome, const char *tx_hash, enum gate_evidence ev,
                                        int64_t now, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

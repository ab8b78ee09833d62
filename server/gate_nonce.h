/* gate_nonce.h: signatures bound to their ERC-4337 nonce (issue 11).
 *
 * A user operation's nonce is key (192 bits) << 64 | sequence (64 bits). The EntryPoint runs
 * at most one operation per (sender, key, sequence), so every signature the gate gives is
 * recorded against that nonce: the first one makes a reservation (ledger row with nonce_key
 * and nonce_seq), and a retry on the same nonce reuses it, counting the LARGEST amount signed
 * for the nonce, once, and one rate slot. Every signed user operation hash is kept
 * (ledger_ops) so settlement can look each one up on chain.
 *
 * The nonce key must be the session's:
 *   Kernel v3   mode (1 byte: 0x00 default, 0x01 enable) || validation type (0x02 permission)
 *               || permissionId (4 bytes) || 16 zero bytes || custom key (2 bytes, any)
 *               (@zerodev/sdk toKernelPluginManager getNonceKey: mode, type, identifier
 *               right-padded to 20 bytes, customNonceKey padded to 2 bytes)
 *   other       the key of the session's first signature; every later one must use it.
 *
 * Functions that touch the ledger run inside the caller's transaction. */
#ifndef SKM_GATE_NONCE_H
#define SKM_GATE_NONCE_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "eth_u256.h"
#include "gate_ledger.h"
#include "mcp_err.h"

#define GATE_NONCE_KEY_LEN 24
#define GATE_NONCE_KEY_HEX (2 + 2 * GATE_NONCE_KEY_LEN + 1)

struct gate_nonce {
    uint8_t key[GATE_NONCE_KEY_LEN]; /* big-endian 192-bit key */
    uint64_t seq;
};

void gate_nonce_split(struct gate_nonce *out, const struct eth_u256 *nonce);

/* "0x" + 48 lower-case hex digits. */
void gate_nonce_key_hex(char out[GATE_NONCE_KEY_HEX], const uint8_t key[GATE_NONCE_KEY_LEN]);

/* The full 256-bit nonce as "0x" + 64 hex digits. */
void gate_nonce_hex(char out[67], const struct gate_nonce *n);

/* 1 when key selects the Kernel v3 permission validator permission_id (mode 0x00 or 0x01,
 * type 0x02, permissionId, 16 zero bytes, any 2-byte custom key); else 0. */
int gate_nonce_key_is_kernel_permission(const uint8_t key[GATE_NONCE_KEY_LEN], const uint8_t permission_id[4]);

/* The reservation already made for a nonce, if any. */
struct gate_bound {
    int found;
    char reservation_id[GATE_RESERVATION_ID_MAX];
    char state[12];            /* reserved, committed, released */
    struct eth_u256 amount;    /* the largest amount signed for the nonce */
    int64_t lapses_at;
};

/* Returns: MCP_OK (out->found 0 or 1), MCP_EDB. */
enum mcp_rc gate_nonce_find(struct gate_bound *out, struct db *db, const char *session_id,
                            const struct gate_nonce *n, struct mcp_error *err) SKM_WARN_UNUSED;

/* The nonce key of the session's first signature. Returns: MCP_OK (*found 0 or 1), MCP_EDB. */
enum mcp_rc gate_nonce_first_key(int *found, uint8_t key[GATE_NONCE_KEY_LEN], struct db *db, const char *session_id,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* A new reservation for a signature on nonce n (lapsing at lapses_at: the session's
 * validUntil). Out: id. Returns: MCP_OK, MCP_EDB, MCP_ECRYPTO. */
enum mcp_rc gate_nonce_reserve(char id[GATE_RESERVATION_ID_MAX], struct db *db, const char *session_id,
                               const struct eth_u256 *amount, const struct gate_nonce *n, int64_t now,
                               int64_t lapses_at, struct mcp_error *err) SKM_WARN_UNUSED;

/* A retry on the nonce of reservation id: its amount becomes max(amount, stored). */
enum mcp_rc gate_nonce_retry(struct db *db, const char *id, const struct eth_u256 *amount, int64_t now,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* Record a signed user operation hash for reservation id (the same hash again is a no-op). */
enum mcp_rc gate_nonce_add_op(struct db *db, const char *id, const uint8_t op_hash[32], const struct eth_u256 *amount,
                              int64_t now, struct mcp_error *err) SKM_WARN_UNUSED;

/* A reservation's nonce and signed hashes, for settlement. */
#define GATE_NONCE_MAX_OPS 16
struct gate_signed {
    int bound;                 /* 0: no signature was given for it */
    char session_id[40];
    char state[12];
    int64_t lapses_at;
    struct gate_nonce nonce;
    size_t n_ops;              /* the newest GATE_NONCE_MAX_OPS */
    uint8_t ops[GATE_NONCE_MAX_OPS][32];
};

/* Returns: MCP_OK; MCP_ENOTFOUND; MCP_EDB. Runs outside a transaction too (a read). */
enum mcp_rc gate_nonce_load(struct gate_signed *out, struct db *db, const char *reservation_id,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* The session's signed operations not settled at now (reserved, not lapsed), oldest first:
 * [{reservationId, amountBaseUnits, nonce, nonceKey, nonceSequence, signedAt, lastSignedAt,
 *   signatures}] (times Unix seconds). Returns: MCP_OK with a new array; MCP_EDB; MCP_ENOMEM. */
enum mcp_rc gate_nonce_unsettled(json_t **out, struct db *db, const char *session_id, int64_t now,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

#endif

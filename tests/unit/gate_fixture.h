/* gate_fixture.h: shared setup for the execution-gate unit tests (test_gate_*.c): policies
 * built the way request_session_approval builds them, call data encoded with the ABI encoder,
 * and stored active sessions with a sealed key in a temporary data directory. */
#ifndef SKM_TEST_GATE_FIXTURE_H
#define SKM_TEST_GATE_FIXTURE_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "gate_check.h"
#include "gate_decode.h"
#include "gate_price.h"
#include "keys_master.h"
#include "policy.h"

#define GFX_NOW 1767225600          /* 2026-01-01T00:00:00Z: the session's valid_after */
#define GFX_WALLET "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
#define GFX_OTHER "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
#define GFX_ATTACKER "0x000000000000000000000000000000000000dEaD"
#define GFX_ROUTER "0x2626664c2603336E57B271c5C0b26F421741e481"   /* SwapRouter02 on Base */
#define GFX_USDC "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
#define GFX_WETH "0x4200000000000000000000000000000000000006"
#define GFX_PERMIT2 "0x000000000022D473030F116dDEE9F6B43aC78BA3"
#define GFX_MAX256 "115792089237316195423570985008687907853269984665640564039457584007913129639935"

/* A policy from the seed request (swaps of up to $50 USDC on SwapRouter02 on Base, $1000 in
 * total, 24 hours, label "USDC TWAP") merged with patch (JSON text; null deletes a key;
 * NULL for none). Returns 0, or -1 (the test has failed). */
int gfx_policy(struct policy *p, const char *patch);

/* Call data for signature with args (JSON array text), in a static ring of buffers (valid for
 * the next 7 calls). Returns NULL on failure. */
const uint8_t *gfx_call(size_t *len, const char *signature, const char *args_json);

/* "0x..." hex of the same (static ring). */
const char *gfx_call_hex(const char *signature, const char *args_json);

/* SwapRouter02 exactInputSingle USDC -> WETH (amounts in base units, as decimal strings). */
const char *gfx_swap_args(const char *recipient, const char *amount_in, const char *min_out);

/* One call to target with data; value in wei (decimal). */
struct gate_call gfx_gate_call(const char *target, const uint8_t *data, size_t len, const char *value);

/* The tests' price source: the market agrees with every swap (an exact-input swap is quoted
 * exactly its minimum output, an exact-output swap exactly its maximum input), unless
 * gfx_quote_set names a price: then exact-input swaps are quoted gfx_quote_out × amountIn /
 * gfx_quote_in (integers). gfx_quote_off() makes every quote fail (no price source). */
extern const struct gate_quoter gfx_quoter;
void gfx_quote_set(uint64_t out_per, uint64_t in_per);
void gfx_quote_off(void);
void gfx_quote_reset(void);

/* Decode and check calls against p with a default request and state (active, now =
 * GFX_NOW + 60, nothing spent). Returns the decision (static). */
const struct gate_decision *gfx_check(const struct policy *p, const struct gate_call *calls, size_t n);

/* The same with a request and state of the caller's. */
const struct gate_decision *gfx_check_with(const struct policy *p, const struct gate_call *calls, size_t n,
                                           const struct gate_request *rq, const struct gate_state *st);

/* A stored, active session for p, with a sealed key, in a fresh data dir. */
struct gfx_session {
    char dir[512];
    struct db *db;
    struct keys_master *km;
    char id[40];
    char wallet[43];
    uint8_t key_addr[20];
    struct policy p;
};

/* Create it (status "active" unless status is given: "pending", "revoked", ...).
 * Returns 0, or -1 (the test has failed). */
int gfx_session_new(struct gfx_session *s, const char *patch, const char *status);

/* Another session on the same db and wallet (e.g. a stop-loss next to a TWAP). */
int gfx_session_add(struct gfx_session *s, const struct gfx_session *base, const char *patch);

void gfx_session_free(struct gfx_session *s);

/* authorize_execution arguments {sessionId, calls: [{target, value: "0", data}]} for one call. */
json_t *gfx_args_one(const char *session_id, const char *target, const char *data_hex);

#endif

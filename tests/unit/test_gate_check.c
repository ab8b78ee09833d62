/* test_gate_check.c: the execution checks (server/gate_check.c), one test per applicable
 * pitfall of docs/peers.md section 5, each asserting the exact rule that refuses it, plus the
 * words of the denials the user reads. Everything here is pure: decoded effects, a policy and
 * a ledger state in, a decision out. */
#include <stdio.h>
#include <string.h>

#include "eth_addr.h"
#include "gate_check.h"
#include "gate_fixture.h"
#include "test.h"

#define SR02_IN "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"
#define SR02_OUT "exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))"
#define MULTICALL "multicall(uint256,bytes[])"
#define SWAP_AND_MULTICALL "{\"permissions\": {\"allowedFunctions\": [\"exactInputSingle\", \"multicall(uint256,bytes[])\"]}}"

static struct policy g_p;

/* Check one call with data for signature(args) to target against policy patch. */
static const struct gate_decision *one(const char *patch, const char *target, const char *sig, const char *args)
{
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;

    if (gfx_policy(&g_p, patch) != 0)
        return NULL;
    d = gfx_call(&len, sig, args);
    if (d == NULL)
        return NULL;
    c = gfx_gate_call(target, d, len, "0");
    return gfx_check(&g_p, &c, 1);
}

static const char *rule_of(const struct gate_decision *d)
{
    return d ? d->rule : "(no decision)";
}

/* A router multicall (deadline form) of the given inner call data (hex strings). */
static const struct gate_decision *multicall(const char *patch, const char *inner1, const char *inner2)
{
    char args[8192];

    snprintf(args, sizeof args, "[\"1999999999\", [\"%s\"%s%s%s]]", inner1, inner2 ? ", \"" : "",
             inner2 ? inner2 : "", inner2 ? "\"" : "");
    return one(patch, GFX_ROUTER, MULTICALL, args);
}

static const char *swap_hex(const char *recipient, const char *amount_in, const char *min_out)
{
    return gfx_call_hex(SR02_IN, gfx_swap_args(recipient, amount_in, min_out));
}

TEST(gate_check_valid_swap_is_allowed_and_charged)
{
    const struct gate_decision *d = one(NULL, GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "50000000", "1"));

    CHECK_STR(rule_of(d), GATE_ALLOWED);
    CHECK(d->allowed);
    CHECK_STR(d->reason, "Allowed: this trade spends $50 USDC; $950 USDC of the $1000 USDC total will be left.");
}

/* Pitfall 1: approve / increaseAllowance / permit / transfer / transferFrom bypass the cap. */
TEST(gate_pitfall_approve_and_transfer_bypass)
{
    CHECK_STR(rule_of(one(NULL, GFX_USDC, "approve(address,uint256)", "[\"" GFX_ATTACKER "\", \"1\"]")),
              GATE_APPROVAL_NOT_ALLOWED);
    /* even the sell token, to the router itself */
    CHECK_STR(rule_of(one(NULL, GFX_USDC, "approve(address,uint256)", "[\"" GFX_ROUTER "\", \"50000000\"]")),
              GATE_APPROVAL_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_USDC, "increaseAllowance(address,uint256)", "[\"" GFX_ATTACKER "\", \"1\"]")),
              GATE_APPROVAL_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_USDC, "transfer(address,uint256)", "[\"" GFX_ATTACKER "\", \"1\"]")),
              GATE_TRANSFER_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_USDC, "transferFrom(address,address,uint256)",
                          "[\"" GFX_WALLET "\", \"" GFX_ATTACKER "\", \"1\"]")),
              GATE_TRANSFER_NOT_ALLOWED);
    /* NFT-style approvals and transfers pass no allowlist either */
    CHECK_STR(rule_of(one(NULL, GFX_OTHER, "setApprovalForAll(address,bool)", "[\"" GFX_ATTACKER "\", true]")),
              GATE_APPROVAL_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_OTHER, "safeTransferFrom(address,address,uint256,uint256,bytes)",
                          "[\"" GFX_WALLET "\", \"" GFX_ATTACKER "\", \"1\", \"1\", \"0x\"]")),
              GATE_TRANSFER_NOT_ALLOWED);
    /* a token selector sent to the router is still read as what it is */
    CHECK_STR(rule_of(one(NULL, GFX_ROUTER, "approve(address,uint256)", "[\"" GFX_ATTACKER "\", \"1\"]")),
              GATE_APPROVAL_NOT_ALLOWED);
    CHECK_CONTAINS(one(NULL, GFX_USDC, "approve(address,uint256)", "[\"" GFX_ATTACKER "\", \"1\"]")->reason,
                   "would let 0x000000000000000000000000000000000000dEaD spend the wallet's tokens");
}

/* Pitfall 2: an approval the scope allows is charged like a payment, never unlimited. */
TEST(gate_pitfall_unlimited_and_oversized_approval)
{
    const char *token_scope = "{\"permissions\": {\"contractAddress\": \"" GFX_USDC "\", \"allowedFunctions\": "
                              "[\"approve\"]}}";
    const struct gate_decision *d;

    CHECK_STR(rule_of(one(token_scope, GFX_USDC, "approve(address,uint256)",
                          "[\"" GFX_ROUTER "\", \"" GFX_MAX256 "\"]")),
              GATE_UNLIMITED_APPROVAL);
    CHECK_STR(rule_of(one(token_scope, GFX_USDC, "approve(address,uint256)", "[\"" GFX_ROUTER "\", \"60000000\"]")),
              GATE_PER_TX_CAP);
    d = one(token_scope, GFX_USDC, "approve(address,uint256)", "[\"" GFX_ROUTER "\", \"30000000\"]");
    CHECK_STR(rule_of(d), GATE_ALLOWED);
    CHECK_CONTAINS(d->reason, "spends $30 USDC");
}

/* Pitfall 2/3: unknown router entry points and amounts the gate cannot read are denied. */
TEST(gate_pitfall_unreadable_router_calls)
{
    const char *any_selector = "{\"permissions\": {\"contractAddress\": \"0x1234567890123456789012345678901234567890\","
                               " \"allowedFunctions\": [\"0xdeadbeef\"]}}";
    uint8_t sel[4] = {0xde, 0xad, 0xbe, 0xef};
    struct gate_call c;

    CHECK(gfx_policy(&g_p, any_selector) == 0);
    c = gfx_gate_call("0x1234567890123456789012345678901234567890", sel, 4, "0");
    CHECK_STR(rule_of(gfx_check(&g_p, &c, 1)), GATE_AMOUNT_UNKNOWN);
    /* SwapRouter02 amountIn 0 swaps the router's whole balance */
    CHECK_STR(rule_of(one(NULL, GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "0", "1"))), GATE_AMOUNT_UNKNOWN);
}

/* Pitfall 3: a multicall smuggling a transfer or an approval next to a valid swap. */
TEST(gate_pitfall_multicall_smuggles_a_transfer)
{
    char swap[1024];
    const struct gate_decision *d;

    snprintf(swap, sizeof swap, "%s", swap_hex(GFX_WALLET, "10000000", "1"));
    d = multicall(SWAP_AND_MULTICALL, swap,
                  gfx_call_hex("sweepToken(address,uint256,address)", "[\"" GFX_WETH "\", \"0\", \"" GFX_ATTACKER "\"]"));
    CHECK_STR(rule_of(d), GATE_TRANSFER_NOT_ALLOWED);
    CHECK_CONTAINS(d->reason, "Call 1 (inner call 2 of its multicall)");
    CHECK_STR(rule_of(multicall(SWAP_AND_MULTICALL, swap,
                                gfx_call_hex("transfer(address,uint256)", "[\"" GFX_ATTACKER "\", \"1\"]"))),
              GATE_TRANSFER_NOT_ALLOWED);
    CHECK_STR(rule_of(multicall(SWAP_AND_MULTICALL, swap,
                                gfx_call_hex("approve(address,uint256)", "[\"" GFX_ATTACKER "\", \"1\"]"))),
              GATE_APPROVAL_NOT_ALLOWED);
    /* every inner call must pass: a second swap to an attacker */
    CHECK_STR(rule_of(multicall(SWAP_AND_MULTICALL, swap, swap_hex(GFX_ATTACKER, "1", "1"))),
              GATE_RECIPIENT_NOT_WALLET);
    /* two valid inner swaps: allowed, charged together */
    d = multicall(SWAP_AND_MULTICALL, swap, swap);
    CHECK_STR(rule_of(d), GATE_ALLOWED);
    CHECK_CONTAINS(d->reason, "spends $20 USDC");
    /* ... and together they may exceed the per-transaction cap */
    snprintf(swap, sizeof swap, "%s", swap_hex(GFX_WALLET, "30000000", "1"));
    CHECK_STR(rule_of(multicall(SWAP_AND_MULTICALL, swap, swap)), GATE_PER_TX_CAP);
    /* a multicall the scope does not name */
    CHECK_STR(rule_of(multicall(NULL, swap, NULL)), GATE_FUNCTION_NOT_ALLOWED);
}

/* Pitfall 3: the swap's output must go to the wallet. */
TEST(gate_pitfall_swap_recipient_not_the_wallet)
{
    const struct gate_decision *d = one(NULL, GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_ATTACKER, "5000000", "1"));

    CHECK_STR(rule_of(d), GATE_RECIPIENT_NOT_WALLET);
    CHECK_CONTAINS(d->reason, "sends the swap's output to 0x000000000000000000000000000000000000dEaD");
    /* ADDRESS_THIS (2) leaves the output in the router */
    CHECK_STR(rule_of(one(NULL, GFX_ROUTER, SR02_IN,
                          gfx_swap_args("0x0000000000000000000000000000000000000002", "5000000", "1"))),
              GATE_RECIPIENT_NOT_WALLET);
    /* MSG_SENDER (1) is the wallet */
    CHECK_STR(rule_of(one(NULL, GFX_ROUTER, SR02_IN,
                          gfx_swap_args("0x0000000000000000000000000000000000000001", "5000000", "1"))),
              GATE_ALLOWED);
}

/* Pitfall 4: no minimum output means the trade can be sandwiched for nothing. */
TEST(gate_pitfall_min_out_zero)
{
    const char *out_scope = "{\"permissions\": {\"allowedFunctions\": [\"exactOutputSingle\"]}}";

    CHECK_STR(rule_of(one(NULL, GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "5000000", "0"))), GATE_MIN_OUT_ZERO);
    CHECK_STR(rule_of(one(out_scope, GFX_ROUTER, SR02_OUT, gfx_swap_args(GFX_WALLET, "0", "5000000"))),
              GATE_MIN_OUT_ZERO);
    /* exact output is charged its amountInMaximum */
    CHECK_STR(rule_of(one(out_scope, GFX_ROUTER, SR02_OUT, gfx_swap_args(GFX_WALLET, "1", "60000000"))),
              GATE_PER_TX_CAP);
}

/* Pitfall 6: permits (EIP-2612, DAI, Permit2) and Permit2 allowances and transfers. */
TEST(gate_pitfall_permit_and_permit2)
{
    CHECK_STR(rule_of(one(NULL, GFX_USDC, "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
                          "[\"" GFX_WALLET "\", \"" GFX_ATTACKER "\", \"1\", \"1\", 27, \"0x"
                          "1111111111111111111111111111111111111111111111111111111111111111\", \"0x"
                          "2222222222222222222222222222222222222222222222222222222222222222\"]")),
              GATE_PERMIT_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_USDC, "permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)",
                          "[\"" GFX_WALLET "\", \"" GFX_ATTACKER "\", \"0\", \"1\", true, 27, \"0x"
                          "1111111111111111111111111111111111111111111111111111111111111111\", \"0x"
                          "2222222222222222222222222222222222222222222222222222222222222222\"]")),
              GATE_PERMIT_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_PERMIT2, "approve(address,address,uint160,uint48)",
                          "[\"" GFX_USDC "\", \"" GFX_ATTACKER "\", \"1\", 0]")),
              GATE_APPROVAL_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_PERMIT2, "permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)",
                          "[\"" GFX_WALLET "\", [[\"" GFX_USDC "\", \"1\", 0, 0], \"" GFX_ATTACKER "\", \"1\"], \"0x\"]")),
              GATE_PERMIT_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_PERMIT2, "transferFrom(address,address,uint160,address)",
                          "[\"" GFX_WALLET "\", \"" GFX_ATTACKER "\", \"1\", \"" GFX_USDC "\"]")),
              GATE_TRANSFER_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_PERMIT2,
                          "permitTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes)",
                          "[[[\"" GFX_USDC "\", \"1\"], \"0\", \"1\"], [\"" GFX_ATTACKER "\", \"1\"], \"" GFX_WALLET
                          "\", \"0x\"]")),
              GATE_PERMIT_NOT_ALLOWED);
}

static const struct gate_decision *with_request(const struct gate_request *rq)
{
    struct gate_state st = {.status = "active", .now = GFX_NOW + 60};
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;

    if (gfx_policy(&g_p, NULL) != 0 || (d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "1", "1"))) == NULL)
        return NULL;
    c = gfx_gate_call(GFX_ROUTER, d, len, "0");
    return gfx_check_with(&g_p, &c, 1, rq, &st);
}

/* Pitfalls 7 and 8: cross-chain and cross-account replay. */
TEST(gate_pitfall_cross_chain_and_cross_account_replay)
{
    struct gate_request rq;
    const struct gate_decision *d;

    memset(&rq, 0, sizeof rq);
    rq.has_chain = 1;
    rq.chain_id = 42161;
    d = with_request(&rq);
    CHECK_STR(rule_of(d), GATE_WRONG_CHAIN);
    CHECK_STR(d->reason, "This request is for chain 42161, but the session is only for Base (chain 8453).");
    rq.chain_id = 0;
    CHECK_STR(rule_of(with_request(&rq)), GATE_WRONG_CHAIN);
    rq.chain_id = 8453;
    CHECK_STR(rule_of(with_request(&rq)), GATE_ALLOWED);
    memset(&rq, 0, sizeof rq);
    rq.has_account = 1;
    CHECK(eth_addr_parse(rq.account, GFX_OTHER, "a", NULL) == MCP_OK);
    CHECK_STR(rule_of(with_request(&rq)), GATE_WRONG_ACCOUNT);
    memset(&rq, 0, sizeof rq);
    rq.has_sender = 1;
    CHECK(eth_addr_parse(rq.sender, GFX_OTHER, "a", NULL) == MCP_OK);
    CHECK_STR(rule_of(with_request(&rq)), GATE_WRONG_ACCOUNT);
}

/* Pitfalls 6 and 17: the key never signs a hash it did not compute from checked calls. */
TEST(gate_pitfall_blind_hash_and_mismatched_operation)
{
    struct gate_request rq;

    memset(&rq, 0, sizeof rq);
    rq.userop = GATE_USEROP_HASH_WITHOUT_OP;
    CHECK_STR(rule_of(with_request(&rq)), GATE_USEROP_REQUIRED);
    rq.userop = GATE_USEROP_HASH_DIFFERS;
    CHECK_STR(rule_of(with_request(&rq)), GATE_USEROP_MISMATCH);
    rq.userop = GATE_USEROP_CALLS_DIFFER;
    CHECK_STR(rule_of(with_request(&rq)), GATE_USEROP_MISMATCH);
    memset(&rq, 0, sizeof rq);
    rq.execute_malformed = 1;
    snprintf(rq.why, sizeof rq.why, "the execution mode has call type 0x02");
    CHECK_STR(rule_of(with_request(&rq)), GATE_MALFORMED_CALLDATA);
}

/* Pitfall 10: calls to the account itself, and delegatecall. */
TEST(gate_pitfall_self_call_and_delegatecall)
{
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;

    CHECK_STR(rule_of(one(NULL, GFX_WALLET, "installModule(uint256,address,bytes)", "[\"1\", \"" GFX_ATTACKER "\", \"0x\"]")),
              GATE_SELF_CALL);
    CHECK_STR(rule_of(one(NULL, GFX_WALLET, SR02_IN, gfx_swap_args(GFX_WALLET, "1", "1"))), GATE_SELF_CALL);
    CHECK(gfx_policy(&g_p, NULL) == 0);
    d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "1", "1"));
    CHECK(d != NULL);
    c = gfx_gate_call(GFX_ROUTER, d, len, "0");
    c.delegatecall = 1; /* even to the allowed router with an allowed swap */
    CHECK_STR(rule_of(gfx_check(&g_p, &c, 1)), GATE_DELEGATECALL);
}

/* Pitfall 11: nested batches are refused, not trusted. */
TEST(gate_pitfall_nested_batch)
{
    char inner[4096];

    CHECK_STR(rule_of(one(NULL, GFX_OTHER, "execute(bytes32,bytes)",
                          "[\"0x0000000000000000000000000000000000000000000000000000000000000000\", \"0x\"]")),
              GATE_NESTED_BATCH);
    CHECK_STR(rule_of(one(NULL, GFX_OTHER, "aggregate3((address,bool,bytes)[])", "[[]]")), GATE_NESTED_BATCH);
    CHECK_STR(rule_of(one(NULL, GFX_ROUTER, "executeBatch((address,uint256,bytes)[])", "[[]]")), GATE_NESTED_BATCH);
    snprintf(inner, sizeof inner, "%s",
             gfx_call_hex("multicall(bytes[])", "[[\"0x04e45aaf\"]]"));
    CHECK_STR(rule_of(multicall(SWAP_AND_MULTICALL, inner, NULL)), GATE_NESTED_BATCH);
}

/* Expired, revoked, pending, declined, not yet valid: nothing runs. */
TEST(gate_session_not_active)
{
    static const char *statuses[] = {"expired", "revoked", "pending", "declined", "lapsed"};
    struct gate_request rq;
    struct gate_state st = {.status = "active", .now = GFX_NOW + 60};
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;
    const struct gate_decision *dec;

    memset(&rq, 0, sizeof rq);
    CHECK(gfx_policy(&g_p, NULL) == 0);
    d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "1", "1"));
    CHECK(d != NULL);
    c = gfx_gate_call(GFX_ROUTER, d, len, "0");
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        st.status = statuses[i];
        CHECK_STR(rule_of(gfx_check_with(&g_p, &c, 1, &rq, &st)), GATE_SESSION_NOT_ACTIVE);
    }
    st.status = "active";
    st.now = g_p.valid_until; /* the stored status can lag: time alone ends it */
    dec = gfx_check_with(&g_p, &c, 1, &rq, &st);
    CHECK_STR(rule_of(dec), GATE_SESSION_NOT_ACTIVE);
    CHECK_CONTAINS(dec->reason, "expired at 2026-01-02T00:00:00Z");
    st.now = g_p.valid_after - 1;
    CHECK_STR(rule_of(gfx_check_with(&g_p, &c, 1, &rq, &st)), GATE_SESSION_NOT_ACTIVE);
}

/* Pitfall 13: caps are checked against spent + reserved, with the words the user reads. */
TEST(gate_pitfall_over_cap)
{
    struct gate_request rq;
    struct gate_state st = {.status = "active", .now = GFX_NOW + 60};
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;
    const struct gate_decision *dec;

    memset(&rq, 0, sizeof rq);
    CHECK(gfx_policy(&g_p, NULL) == 0);
    d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "40000000", "1"));
    CHECK(d != NULL);
    c = gfx_gate_call(GFX_ROUTER, d, len, "0");
    eth_u256_from_u64(&st.spent, 950000000);
    eth_u256_from_u64(&st.reserved, 30000000);
    dec = gfx_check_with(&g_p, &c, 1, &rq, &st);
    CHECK_STR(rule_of(dec), GATE_TOTAL_CAP);
    CHECK_STR(dec->reason, "This trade would bring the total to $1020 USDC; the session allows $1000 USDC ($980 USDC "
                           "already spent or reserved).");
    eth_u256_from_u64(&st.reserved, 10000000); /* exactly reaching the cap is fine */
    CHECK_STR(rule_of(gfx_check_with(&g_p, &c, 1, &rq, &st)), GATE_ALLOWED);
    dec = one(NULL, GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "72000000", "1"));
    CHECK_STR(rule_of(dec), GATE_PER_TX_CAP);
    CHECK_STR(dec->reason, "This trade spends $72 USDC; the session allows at most $50 USDC per trade.");
}

/* Over the rate limit: a sliding window, so no double spend around a period boundary
 * (pitfall 14): 1 trade per hour, one made at 00:59:59 blocks another at 01:00:01. */
TEST(gate_pitfall_rate_limit_and_period_boundary)
{
    struct gate_request rq;
    struct gate_state st = {.status = "active", .now = 0, .in_window = 1};
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;
    const struct gate_decision *dec;

    memset(&rq, 0, sizeof rq);
    CHECK(gfx_policy(&g_p, "{\"permissions\": {\"rateLimit\": {\"count\": 1, \"period\": 3600}}}") == 0);
    d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "1000000", "1"));
    CHECK(d != NULL);
    c = gfx_gate_call(GFX_ROUTER, d, len, "0");
    st.window_oldest = GFX_NOW + 3599;
    st.now = GFX_NOW + 3601;
    dec = gfx_check_with(&g_p, &c, 1, &rq, &st);
    CHECK_STR(rule_of(dec), GATE_RATE_LIMIT);
    CHECK_STR(dec->reason, "The session allows 1 trade per hour, and 1 already ran in the last 1 hour; the next one "
                           "is allowed at 2026-01-01T01:59:59Z (in 59 minutes 58 seconds).");
    st.in_window = 0;
    CHECK_STR(rule_of(gfx_check_with(&g_p, &c, 1, &rq, &st)), GATE_ALLOWED);
}

/* The remaining single-call rules. */
TEST(gate_check_scope_value_token_and_malformed)
{
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;
    uint8_t bad[64];

    CHECK_STR(rule_of(one(NULL, GFX_OTHER, SR02_IN, gfx_swap_args(GFX_WALLET, "1", "1"))), GATE_TARGET_NOT_ALLOWED);
    CHECK_STR(rule_of(one(NULL, GFX_ROUTER, SR02_OUT, gfx_swap_args(GFX_WALLET, "1", "1"))),
              GATE_FUNCTION_NOT_ALLOWED);
    CHECK_CONTAINS(one(NULL, GFX_ROUTER, SR02_OUT, gfx_swap_args(GFX_WALLET, "1", "1"))->reason,
                   "calls exactOutputSingle, which the session does not allow; it may only call exactInputSingle");
    CHECK(gfx_policy(&g_p, NULL) == 0);
    c = gfx_gate_call(GFX_ROUTER, NULL, 0, "1000000000000000");
    CHECK_STR(rule_of(gfx_check(&g_p, &c, 1)), GATE_FUNCTION_NOT_ALLOWED); /* plain ETH */
    d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "1", "1"));
    CHECK(d != NULL);
    c = gfx_gate_call(GFX_ROUTER, d, len, "1000000000000000");
    CHECK_STR(rule_of(gfx_check(&g_p, &c, 1)), GATE_VALUE_LIMIT);
    CHECK_STR(gfx_check(&g_p, &c, 1)->reason, "This call sends 0.001 ETH; the session may not send ETH.");
    memcpy(bad, d, sizeof bad);
    c = gfx_gate_call(GFX_ROUTER, bad, sizeof bad, "0");
    CHECK_STR(rule_of(gfx_check(&g_p, &c, 1)), GATE_MALFORMED_CALLDATA);
    {
        char args[512];
        snprintf(args, sizeof args, "[[\"%s\", \"%s\", 500, \"%s\", \"1\", \"1\", 0]]", GFX_WETH, GFX_USDC, GFX_WALLET);
        CHECK_STR(rule_of(one(NULL, GFX_ROUTER, SR02_IN, args)), GATE_TOKEN_IN_MISMATCH);
        /* tokens are named by symbol, not by address */
        CHECK_STR(one(NULL, GFX_ROUTER, SR02_IN, args)->reason,
                  "This call pays with WETH; the session may only spend USDC.");
    }
}

/* Batches: every call is checked, and the first refusal names its call. */
TEST(gate_check_batch_names_the_call)
{
    struct gate_call calls[2];
    size_t l1 = 0, l2 = 0;
    const uint8_t *a, *b;
    const struct gate_decision *d;

    CHECK(gfx_policy(&g_p, NULL) == 0);
    a = gfx_call(&l1, SR02_IN, gfx_swap_args(GFX_WALLET, "20000000", "1"));
    b = gfx_call(&l2, "transfer(address,uint256)", "[\"" GFX_ATTACKER "\", \"1\"]");
    CHECK(a != NULL && b != NULL);
    calls[0] = gfx_gate_call(GFX_ROUTER, a, l1, "0");
    calls[1] = gfx_gate_call(GFX_USDC, b, l2, "0");
    d = gfx_check(&g_p, calls, 2);
    CHECK_STR(rule_of(d), GATE_TRANSFER_NOT_ALLOWED);
    CHECK_EQ_INT(d->call_index, 2);
    CHECK_CONTAINS(d->reason, "Call 2 moves tokens (transfer)");
    calls[1] = calls[0];
    d = gfx_check(&g_p, calls, 2);
    CHECK_STR(rule_of(d), GATE_ALLOWED);
    CHECK_CONTAINS(d->reason, "spends $40 USDC");
}

/* ---- what a swap buys and at what price (gate_price.h) ---- */

#define TWAP_PATCH "{\"automation\": {\"kind\": \"twap\", \"sellToken\": \"USDC\", \"buyToken\": \"WETH\"}}"
#define STOP_PATCH "{\"automation\": {\"kind\": \"stop_loss\", \"token\": \"USDC\", \"receiveToken\": \"WETH\", " \
                   "\"triggerPrice\": \"0.0005\"}}"
#define SR02_PATH_IN "exactInput((bytes,address,uint256,uint256))"
#define OTHER_TOKEN "1111111111111111111111111111111111111111"

/* exactInputSingle USDC -> token_out. */
static const char *swap_to(const char *token_out, const char *amount_in, const char *min_out)
{
    static char buf[512];

    snprintf(buf, sizeof buf, "[[\"" GFX_USDC "\", \"%s\", 500, \"" GFX_WALLET "\", \"%s\", \"%s\", \"0\"]]",
             token_out, amount_in, min_out);
    return buf;
}

TEST(gate_check_automation_swap_must_buy_its_token)
{
    const struct gate_decision *d;

    gfx_quote_reset();
    d = one(TWAP_PATCH, GFX_ROUTER, SR02_IN, swap_to(GFX_WETH, "50000000", "1"));
    CHECK_STR(rule_of(d), GATE_ALLOWED);
    d = one(TWAP_PATCH, GFX_ROUTER, SR02_IN, swap_to("0x" OTHER_TOKEN, "50000000", "1"));
    CHECK_STR(rule_of(d), GATE_TOKEN_OUT_MISMATCH);
    CHECK_CONTAINS(d->reason, "buys token 0x1111111111111111111111111111111111111111; this session's automation may only buy WETH.");
    /* without an automation the buy token is free, but it must be a registry token */
    d = one(NULL, GFX_ROUTER, SR02_IN, swap_to("0x" OTHER_TOKEN, "50000000", "1"));
    CHECK_STR(rule_of(d), GATE_PATH_TOKEN_UNKNOWN);
}

TEST(gate_check_path_with_an_unknown_hop_is_refused)
{
    static const char known[] = "[[\"0x833589fcd6edb6e08f4c7c32d4f71b54bda02913" "0001f4"
                                "4200000000000000000000000000000000000006\", \"" GFX_WALLET "\", \"50000000\", \"1\"]]";
    static const char unknown_end[] = "[[\"0x833589fcd6edb6e08f4c7c32d4f71b54bda02913" "0001f4"
                                      "4200000000000000000000000000000000000006" "000bb8" OTHER_TOKEN "\", \""
                                      GFX_WALLET "\", \"50000000\", \"1\"]]";
    static const char unknown_mid[] = "[[\"0x833589fcd6edb6e08f4c7c32d4f71b54bda02913" "0001f4" OTHER_TOKEN "000bb8"
                                      "4200000000000000000000000000000000000006\", \"" GFX_WALLET
                                      "\", \"50000000\", \"1\"]]";
    const char *fns = "{\"permissions\": {\"allowedFunctions\": [\"exactInput\"]}}";
    const struct gate_decision *d;

    gfx_quote_reset();
    CHECK_STR(rule_of(one(fns, GFX_ROUTER, SR02_PATH_IN, known)), GATE_ALLOWED);
    d = one(fns, GFX_ROUTER, SR02_PATH_IN, unknown_end);
    CHECK_STR(rule_of(d), GATE_PATH_TOKEN_UNKNOWN);
    CHECK_CONTAINS(d->reason, "trades through token 0x1111111111111111111111111111111111111111, which is not a token "
                              "we know on Base");
    CHECK_STR(rule_of(one(fns, GFX_ROUTER, SR02_PATH_IN, unknown_mid)), GATE_PATH_TOKEN_UNKNOWN);
}

TEST(gate_check_no_quote_fails_closed)
{
    const struct gate_decision *d;

    gfx_quote_off();
    d = one(NULL, GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "50000000", "1"));
    CHECK_STR(rule_of(d), GATE_NO_QUOTE);
    CHECK_CONTAINS(d->reason, "no RPC endpoint is configured (test)");
    CHECK_CONTAINS(d->reason, "start the executor's server with --rpc 8453=URL");
    gfx_quote_reset();
}

TEST(gate_check_min_out_below_quote_less_slippage)
{
    const struct gate_decision *d;

    /* the market: 1 WETH (1e18) per 2000 USDC (2e9): $50 buys 0.025 WETH = 25e15 */
    gfx_quote_set(1000000000000000000ull, 2000000000ull);
    CHECK_STR(rule_of(one(NULL, GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "50000000", "24750000000000000"))),
              GATE_ALLOWED); /* exactly 1% below */
    d = one(NULL, GFX_ROUTER, SR02_IN, gfx_swap_args(GFX_WALLET, "50000000", "24749999999999999"));
    CHECK_STR(rule_of(d), GATE_SLIPPAGE);
    CHECK_CONTAINS(d->reason, "but Uniswap quotes 0.025 WETH"); /* tokens by symbol, in tokens */
    CHECK(strstr(d->reason, "base units") == NULL && strstr(d->reason, "0x") == NULL);
    CHECK_CONTAINS(d->reason, "more than the session's 1% maximum slippage below the quote");
    /* a session that allows 0.5% only */
    d = one("{\"permissions\": {\"maxSlippage\": \"0.5\"}}", GFX_ROUTER, SR02_IN,
            gfx_swap_args(GFX_WALLET, "50000000", "24800000000000000"));
    CHECK_STR(rule_of(d), GATE_SLIPPAGE);
    CHECK_CONTAINS(d->reason, "0.5% maximum slippage");
    CHECK_STR(rule_of(one("{\"permissions\": {\"maxSlippage\": \"0.5\"}}", GFX_ROUTER, SR02_IN,
                          gfx_swap_args(GFX_WALLET, "50000000", "24875000000000000"))),
              GATE_ALLOWED);
    /* with the automation's buy token, the words name it */
    d = one(TWAP_PATCH, GFX_ROUTER, SR02_IN, swap_to(GFX_WETH, "50000000", "1"));
    CHECK_STR(rule_of(d), GATE_SLIPPAGE);
    CHECK_CONTAINS(d->reason, "accepts as little as 0.000000000000000001 WETH, but Uniswap quotes 0.025 WETH");
    gfx_quote_reset();
}

TEST(gate_check_stop_loss_sells_only_at_or_below_trigger)
{
    const struct gate_decision *d;
    const char *fifty = "50000000";

    /* trigger 0.0005 WETH per USDC (= 2000 USDC per WETH). Market 1 WETH per 1900 USDC: above */
    gfx_quote_set(1000000000000000000ull, 1900000000ull);
    d = one(STOP_PATCH, GFX_ROUTER, SR02_IN, swap_to(GFX_WETH, fifty, "26100000000000000"));
    CHECK_STR(rule_of(d), GATE_TRIGGER_NOT_REACHED);
    CHECK_CONTAINS(d->reason, "would sell at 0.000526315789473684 WETH per USDC, above the stop-loss trigger of 0.0005 WETH");
    /* market exactly at the trigger, then below it: the sale may run */
    gfx_quote_set(1000000000000000000ull, 2000000000ull);
    CHECK_STR(rule_of(one(STOP_PATCH, GFX_ROUTER, SR02_IN, swap_to(GFX_WETH, fifty, "25000000000000000"))),
              GATE_ALLOWED);
    gfx_quote_set(1000000000000000000ull, 2100000000ull);
    CHECK_STR(rule_of(one(STOP_PATCH, GFX_ROUTER, SR02_IN, swap_to(GFX_WETH, fifty, "23809523809523809"))),
              GATE_ALLOWED);
    gfx_quote_reset();
}

/* Strict ABI: a swap whose call data has bytes after its canonical encoding is malformed. */
TEST(gate_check_trailing_bytes_are_malformed)
{
    uint8_t buf[1024];
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;
    const struct gate_decision *dec;

    gfx_quote_reset();
    CHECK(gfx_policy(&g_p, NULL) == 0);
    CHECK((d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "50000000", "1"))) != NULL);
    CHECK(len + 32 <= sizeof buf);
    memcpy(buf, d, len);
    c = gfx_gate_call(GFX_ROUTER, buf, len, "0");
    CHECK_STR(rule_of(gfx_check(&g_p, &c, 1)), GATE_ALLOWED);
    memset(buf + len, 0, 32);
    c = gfx_gate_call(GFX_ROUTER, buf, len + 32, "0");
    dec = gfx_check(&g_p, &c, 1);
    CHECK_STR(rule_of(dec), GATE_MALFORMED_CALLDATA);
    CHECK_CONTAINS(dec->reason, "32 bytes of data follow the encoding");
}

/* Issue 11: the user operation's nonce key, nonce, fee and paymaster, each with its rule. */
TEST(gate_user_op_nonce_fee_and_paymaster_rules)
{
    struct gate_request rq;
    const struct gate_decision *d;

    memset(&rq, 0, sizeof rq);
    rq.nonce = GATE_NONCE_WRONG_KEY;
    snprintf(rq.nonce_words, sizeof rq.nonce_words, "it is 0x00; it must be 0x01");
    d = with_request(&rq);
    CHECK_STR(rule_of(d), GATE_NONCE_KEY);
    CHECK_CONTAINS(d->reason, "not this session's: it is 0x00; it must be 0x01. Nothing was signed");
    rq.nonce = GATE_NONCE_SETTLED;
    CHECK_STR(rule_of(with_request(&rq)), GATE_NONCE_USED);
    rq.nonce = GATE_NONCE_OK;
    rq.has_fee = 1;
    CHECK(eth_u256_from_dec(&rq.fee, "5000000000000001", "fee", NULL) == MCP_OK); /* 1 wei over 0.005 ETH */
    d = with_request(&rq);
    CHECK_STR(rule_of(d), GATE_FEE_CAP);
    CHECK_CONTAINS(d->reason, "the session allows at most 0.005 ETH per operation");
    CHECK(eth_u256_from_dec(&rq.fee, "5000000000000000", "fee", NULL) == MCP_OK);
    CHECK_STR(rule_of(with_request(&rq)), GATE_ALLOWED);
    rq.fee_overflow = 1;
    CHECK_CONTAINS(with_request(&rq)->reason, "more than anyone holds");
    rq.fee_overflow = 0;
    rq.has_paymaster = 1;
    memset(rq.paymaster, 0xee, 20);
    d = with_request(&rq);
    CHECK_STR(rule_of(d), GATE_PAYMASTER_NOT_ALLOWED);
    CHECK_CONTAINS(d->reason, "which the session does not allow (it allows none)");
    /* an allowed paymaster passes */
    CHECK(gfx_policy(&g_p, "{\"permissions\": {\"paymasters\": [\"0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE\"]}}") == 0);
    CHECK_EQ_INT(policy_paymaster_index(&g_p, rq.paymaster), 0);
}

/* Issue 11: a retry on a nonce already reserved counts the larger amount once and takes no
 * new rate slot; unsettled signatures hold their slot whatever their age. */
TEST(gate_retry_on_a_nonce_and_unsettled_rate_slots)
{
    struct gate_request rq;
    struct gate_state st = {.status = "active", .now = GFX_NOW + 60};
    const struct gate_decision *dec;
    size_t len = 0;
    const uint8_t *d;
    struct gate_call c;

    memset(&rq, 0, sizeof rq);
    CHECK(gfx_policy(&g_p, "{\"permissions\": {\"rateLimit\": {\"count\": 1, \"period\": 3600}}}") == 0);
    d = gfx_call(&len, SR02_IN, gfx_swap_args(GFX_WALLET, "50000000", "1"));
    CHECK(d != NULL);
    c = gfx_gate_call(GFX_ROUTER, d, len, "0");
    /* $950 reserved, of which $40 on this very nonce: the retry at $50 makes it $960 */
    eth_u256_from_u64(&st.reserved, 950000000);
    st.in_window = 1;
    st.unsettled = 1;
    dec = gfx_check_with(&g_p, &c, 1, &rq, &st);
    CHECK_STR(rule_of(dec), GATE_RATE_LIMIT);
    CHECK_CONTAINS(dec->reason, "1 signed operation is not settled yet");
    st.retry = 1;
    eth_u256_from_u64(&st.retry_amount, 40000000);
    dec = gfx_check_with(&g_p, &c, 1, &rq, &st);
    CHECK_STR(rule_of(dec), GATE_ALLOWED);
    CHECK_CONTAINS(dec->reason, "$40 USDC of the $1000 USDC total will be left");
    /* a smaller retry counts the larger amount already held */
    eth_u256_from_u64(&st.retry_amount, 60000000);
    eth_u256_from_u64(&st.reserved, 1000000000);
    CHECK_STR(rule_of(gfx_check_with(&g_p, &c, 1, &rq, &st)), GATE_ALLOWED);
    /* without the retry the same amount goes over */
    st.retry = 0;
    st.in_window = 0;
    CHECK_STR(rule_of(gfx_check_with(&g_p, &c, 1, &rq, &st)), GATE_TOTAL_CAP);
}

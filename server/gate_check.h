/* gate_check.h: the execution checks. A pure function of (policy, decoded effects, request,
 * ledger state, time) -> decision: no I/O, no allocation, no clock. It is the whole of "may
 * this execution run"; storage (gate_ledger.h) only supplies the totals it reads and records
 * what it decides. Decisions are deterministic, so tests can name the exact rule.
 *
 * Rules, checked in this order; the first that fails names the decision:
 *   Session and request
 *     POLICY_TAMPERED       the stored policy is not what the owner signed (gate_integrity.h)
 *     SESSION_NOT_ACTIVE    pending, declined, lapsed, revoked, expired, or not valid yet
 *     WRONG_CHAIN           the request names another chain than the session's (or chain 0)
 *     WRONG_ACCOUNT         the request's account or the user operation's sender is not the
 *                           session's wallet (cross-account replay)
 *     USEROP_REQUIRED       a userOpHash without the user operation: the gate signs only a
 *                           hash it computed itself from calls it decoded
 *     USEROP_MISMATCH       the given userOpHash is not the operation's hash, or the given
 *                           calls are not the operation's calls
 *     MALFORMED_CALLDATA    the operation's callData is an execute() that does not decode
 *                           (unknown mode, short or non-canonical data, empty batch)
 *   The user operation itself (issue 11; only when one was given)
 *     NONCE_KEY             the nonce key is not the session's (Kernel v3: it must select the
 *                           session's permission validator; other accounts: the key of the
 *                           session's first signature)
 *     NONCE_USED            the nonce's operation was already settled (executed, or shown
 *                           used or reverted on chain): use the account's next nonce
 *     FEE_CAP               (all gas limits) x maxFeePerGas is more than maxFeePerOperation
 *     PAYMASTER_NOT_ALLOWED a paymaster the session does not list
 *   Each call, in order (inner calls of a router multicall right after it)
 *     DELEGATECALL          the account would run another contract's code as itself
 *     SELF_CALL             a call to the account itself (modules, owners, upgrades, ...)
 *     NESTED_BATCH          an account-style batch inside the execution, or a multicall
 *                           inside a multicall
 *     APPROVAL_NOT_ALLOWED  approve / increaseAllowance / Permit2 approve outside the scope
 *     PERMIT_NOT_ALLOWED    EIP-2612 / DAI / Permit2 permits outside the scope
 *     TRANSFER_NOT_ALLOWED  token transfers and router payments (sweep, unwrap, pull)
 *                           outside the scope
 *     TARGET_NOT_ALLOWED    a contract other than the session's
 *     FUNCTION_NOT_ALLOWED  a function the session does not list (or a plain ETH transfer)
 *     MALFORMED_CALLDATA    call data that does not decode as the function it names
 *     VALUE_LIMIT           the call sends ETH (sessions never may)
 *     AMOUNT_UNKNOWN        an allowed function whose spend the gate cannot read (unknown
 *                           selector, SwapRouter02 amountIn 0 = router balance, batch forms)
 *     TOKEN_IN_MISMATCH     a swap paying with, or a transfer/approval of, a token other than
 *                           the session's spend token
 *     RECIPIENT_NOT_WALLET  a swap whose output goes anywhere but the wallet
 *     MIN_OUT_ZERO          a swap without a minimum output (amountOutMinimum / amountOut 0)
 *     TOKEN_OUT_MISMATCH    a swap of a session planned for an automation that buys another
 *                           token than the automation's buy token
 *     PATH_TOKEN_UNKNOWN    a swap through (or into) a token that is not a registry token
 *     NO_QUOTE              a swap whose price the gate cannot check: no price source (no
 *                           RPC endpoint, no QuoterV2 for the chain) or the quote failed
 *     SLIPPAGE              a minimum output below quote × (1 − max slippage) (exact output:
 *                           a maximum input above quote × (1 + max slippage))
 *     TRIGGER_NOT_REACHED   a stop-loss sale while the price is above its trigger
 *     UNLIMITED_APPROVAL    an allowed approval or permit of the type's maximum
 *   The execution as a whole
 *     PER_TX_CAP            the execution spends more than maxPerTransaction
 *     TOTAL_CAP             spent + reserved + this execution > maxTotal (a retry on a nonce
 *                           already reserved counts the larger of its two amounts, once)
 *     RATE_LIMIT            rate_count executions already in the last rate_period seconds
 *                           (a sliding window: no double spend around a period boundary;
 *                           a signed operation not yet settled holds its slot until it
 *                           settles; a retry on its nonce takes no new slot)
 * An allowed decision has rule "ALLOWED".
 *
 * What an execution spends: the sum over its effects of swap amountIn (exact input) or
 * amountInMaximum (exact output, the worst case), and the amounts of allowed transfers,
 * approvals and permits (an approval is charged like a payment: pitfall "approve bypasses the
 * spend cap"). Reservations of earlier executions count until they are committed, released or
 * lapse (gate_ledger.h). */
#ifndef SKM_GATE_CHECK_H
#define SKM_GATE_CHECK_H

#include <stdint.h>

#include "eth_u256.h"
#include "gate_decode.h"
#include "policy.h"

#define GATE_ALLOWED "ALLOWED"
#define GATE_POLICY_TAMPERED "POLICY_TAMPERED"
#define GATE_SESSION_NOT_ACTIVE "SESSION_NOT_ACTIVE"
#define GATE_WRONG_CHAIN "WRONG_CHAIN"
#define GATE_WRONG_ACCOUNT "WRONG_ACCOUNT"
#define GATE_USEROP_REQUIRED "USEROP_REQUIRED"
#define GATE_USEROP_MISMATCH "USEROP_MISMATCH"
#define GATE_DELEGATECALL "DELEGATECALL"
#define GATE_SELF_CALL "SELF_CALL"
#define GATE_NESTED_BATCH "NESTED_BATCH"
#define GATE_APPROVAL_NOT_ALLOWED "APPROVAL_NOT_ALLOWED"
#define GATE_PERMIT_NOT_ALLOWED "PERMIT_NOT_ALLOWED"
#define GATE_TRANSFER_NOT_ALLOWED "TRANSFER_NOT_ALLOWED"
#define GATE_TARGET_NOT_ALLOWED "TARGET_NOT_ALLOWED"
#define GATE_FUNCTION_NOT_ALLOWED "FUNCTION_NOT_ALLOWED"
#define GATE_MALFORMED_CALLDATA "MALFORMED_CALLDATA"
#define GATE_VALUE_LIMIT "VALUE_LIMIT"
#define GATE_AMOUNT_UNKNOWN "AMOUNT_UNKNOWN"
#define GATE_TOKEN_IN_MISMATCH "TOKEN_IN_MISMATCH"
#define GATE_RECIPIENT_NOT_WALLET "RECIPIENT_NOT_WALLET"
#define GATE_MIN_OUT_ZERO "MIN_OUT_ZERO"
#define GATE_TOKEN_OUT_MISMATCH "TOKEN_OUT_MISMATCH"
#define GATE_PATH_TOKEN_UNKNOWN "PATH_TOKEN_UNKNOWN"
#define GATE_NO_QUOTE "NO_QUOTE"
#define GATE_SLIPPAGE "SLIPPAGE"
#define GATE_TRIGGER_NOT_REACHED "TRIGGER_NOT_REACHED"
#define GATE_UNLIMITED_APPROVAL "UNLIMITED_APPROVAL"
#define GATE_PER_TX_CAP "PER_TX_CAP"
#define GATE_TOTAL_CAP "TOTAL_CAP"
#define GATE_RATE_LIMIT "RATE_LIMIT"
#define GATE_NONCE_KEY "NONCE_KEY"
#define GATE_NONCE_USED "NONCE_USED"
#define GATE_FEE_CAP "FEE_CAP"
#define GATE_PAYMASTER_NOT_ALLOWED "PAYMASTER_NOT_ALLOWED"

#define GATE_REASON_MAX 480

enum gate_userop_problem {
    GATE_USEROP_OK = 0,
    GATE_USEROP_HASH_WITHOUT_OP = 1, /* -> USEROP_REQUIRED */
    GATE_USEROP_HASH_DIFFERS = 2,    /* -> USEROP_MISMATCH */
    GATE_USEROP_CALLS_DIFFER = 3     /* -> USEROP_MISMATCH */
};

enum gate_nonce_problem {
    GATE_NONCE_OK = 0,
    GATE_NONCE_WRONG_KEY = 1,  /* -> NONCE_KEY (nonce_words says which key is the session's) */
    GATE_NONCE_SETTLED = 2     /* -> NONCE_USED */
};

/* What the request claims about itself (everything optional). */
struct gate_request {
    int has_chain;
    uint64_t chain_id;
    int has_account;
    uint8_t account[20];
    int has_sender;          /* a user operation was given: its sender */
    uint8_t sender[20];
    enum gate_userop_problem userop;
    int execute_malformed;   /* the operation's callData is an execute() the gate cannot read */
    char why[GATE_WHY_MAX];  /* ... and why (from gate_decode_kernel) */
    /* The user operation's nonce, fee and paymaster (issue 11), when one was given. */
    enum gate_nonce_problem nonce;
    char nonce_words[200];   /* the key that was used and the one that is the session's */
    int has_fee;
    int fee_overflow;        /* the fee does not fit in 256 bits */
    struct eth_u256 fee;     /* wei: (all gas limits) x maxFeePerGas */
    int has_paymaster;
    uint8_t paymaster[20];
};

/* What the store knows at decision time (read inside the write transaction). */
struct gate_state {
    const char *status;      /* the derived session status at now (db_session_status) */
    int64_t now;
    struct eth_u256 spent;   /* committed */
    struct eth_u256 reserved;/* live reservations (not yet lapsed) */
    uint32_t in_window;      /* executions counted in (now - rate_period, now] */
    int64_t window_oldest;   /* created_at of the oldest of those (0 when none) */
    int policy_tampered;     /* 1: the stored policy is not what was signed (gate_integrity.h) */
    const char *tamper_why;  /* ... what differs, in words (borrowed), or NULL */
    uint32_t unsettled;      /* signed operations not settled yet (each holds a rate slot) */
    int retry;               /* 1: a retry on a nonce already reserved (no new rate slot) */
    struct eth_u256 retry_amount; /* ... the amount it holds (counted in reserved) */
};

struct gate_decision {
    int allowed;
    const char *rule;        /* one of the GATE_* names above (static) */
    char reason[GATE_REASON_MAX]; /* plain words for the user */
    struct eth_u256 amount;  /* what this execution spends (also when denied, if known) */
    unsigned call_index;     /* the call that was refused (1-based), 0 for whole-execution rules */
};

/* Decide. Never fails: every path fills *d. p, fx, rq, st are only read. */
void gate_check(struct gate_decision *d, const struct policy *p, const struct gate_effects *fx,
                const struct gate_request *rq, const struct gate_state *st);

#endif

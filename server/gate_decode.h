/* gate_decode.h: what an execution would do, read from its call data.
 *
 * The execution gate never trusts a description of a call: it decodes the bytes that will run.
 * This module turns a list of calls (target, value, data), or the call data of a Kernel v3
 * `execute(bytes32 mode, bytes executionCalldata)`, into a flat list of "effects": one per
 * top-level call, plus one per inner call of a router multicall. Each effect says what kind of
 * thing the call does (swap, transfer, approval, permit, batch, ...) and the fields the checks
 * need (tokens, amounts, recipient, spender). Decoding never refuses: a call it cannot read
 * becomes an effect of kind UNKNOWN or MALFORMED, and the checks (gate_check.h) deny it.
 *
 * What is read (by 4-byte selector, regardless of the target, so a token call sent to a
 * router is still recognised as a token call):
 *   Uniswap V3 SwapRouter02: exactInputSingle, exactOutputSingle, exactInput, exactOutput
 *     (7-field / 4-field structs); recipient address(1) means msg.sender (the account).
 *   Uniswap V3 SwapRouter: the same four with a deadline field.
 *   Router multicall(bytes[]), multicall(uint256,bytes[]), multicall(bytes32,bytes[]):
 *     kind BATCH; each inner call becomes its own effect (depth 1, target = the router,
 *     which delegatecalls itself); a multicall inside a multicall is not opened further.
 *   Router payments sweepToken, unwrapWETH9, refundETH, pull: kind TRANSFER (they move
 *     what the router holds, or pull from the account).
 *   ERC-20 transfer, transferFrom (TRANSFER), approve, increaseAllowance (APPROVE),
 *     EIP-2612 permit and DAI permit (PERMIT); ERC-721/1155 setApprovalForAll (APPROVE) and
 *     safeTransferFrom / safeBatchTransferFrom (TRANSFER, not measured).
 *   Permit2 approve (APPROVE), permit single and batch (PERMIT), transferFrom single and
 *     batch (TRANSFER), permitTransferFrom (PERMIT).
 *   Account batch entry points (Kernel execute, executeFromExecutor, executeUserOp, ERC-7579
 *     executeBatch forms, Multicall3 aggregate/aggregate3/tryAggregate): kind EXECUTE, never
 *     opened (the checks deny a nested batch outright).
 *   No data: kind NATIVE (a plain ETH transfer). Any other selector: kind UNKNOWN.
 *
 * Kernel v3 execution modes (ExecMode, the bytes32 first argument of execute): byte 0 call
 * type 0x00 single, 0x01 batch, 0xff delegatecall; byte 1 exec type 0x00 default or 0x01 try;
 * bytes 2..31 must be zero (we know no mode selector or payload). Single: executionCalldata =
 * target (20) || value (32) || callData; batch: abi.encode((address,uint256,bytes)[]);
 * delegatecall: target (20) || callData. The executeUserOp prefix (0x8dd7712f || execute
 * call data, used with hooks) is accepted too.
 *
 * Thread-safe: the function table is parsed once (pthread_once). */
#ifndef SKM_GATE_DECODE_H
#define SKM_GATE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "eth_u256.h"
#include "mcp_err.h"

#define GATE_MAX_CALLS 16    /* top-level calls in one execution */
#define GATE_MAX_INNER 16    /* inner calls of one router multicall */
#define GATE_MAX_EFFECTS 64  /* effects in one execution; more makes the last one MALFORMED */
#define GATE_WHY_MAX 160
#define GATE_PATH_MAX_TOKENS 8 /* tokens in one V3 path (7 pools); a longer path is MALFORMED */
#define GATE_PATH_MAX (20 + 23 * (GATE_PATH_MAX_TOKENS - 1))

/* One call the account would make. data is borrowed (or owned by a gate_calls list). */
struct gate_call {
    uint8_t target[20];
    struct eth_u256 value;
    const uint8_t *data;
    size_t len;
    int delegatecall;        /* 1: DELEGATECALL (Kernel call type 0xff) */
};

/* Calls decoded from Kernel execute call data; each data buffer is owned (gate_calls_free). */
struct gate_calls {
    size_t n;
    struct gate_call c[GATE_MAX_CALLS];
    uint8_t *owned[GATE_MAX_CALLS];
    int malformed;           /* 1: the execute call data itself could not be read (see why) */
    int not_execute;         /* 1: the data is not an execute() call at all */
    char why[GATE_WHY_MAX];
};

enum gate_kind {
    GATE_KIND_SWAP = 1,      /* exchanges token_in for token_out for recipient */
    GATE_KIND_TRANSFER = 2,  /* sends tokens to recipient */
    GATE_KIND_APPROVE = 3,   /* lets spender take tokens */
    GATE_KIND_PERMIT = 4,    /* a signed approval (EIP-2612, DAI, Permit2) */
    GATE_KIND_BATCH = 5,     /* a router multicall; its inner calls follow as effects */
    GATE_KIND_EXECUTE = 6,   /* an account-style batch of arbitrary calls */
    GATE_KIND_NATIVE = 7,    /* no call data: sends ETH only */
    GATE_KIND_UNKNOWN = 8,   /* a selector the gate cannot read */
    GATE_KIND_MALFORMED = 9  /* a known selector whose data does not decode, or data < 4 bytes */
};

struct gate_effect {
    enum gate_kind kind;
    unsigned call_index;     /* 1-based index of the top-level call */
    unsigned inner_index;    /* 0 for a top-level call, else 1-based index inside the multicall */
    int depth;               /* 0 top-level, 1 inside a multicall */
    int delegatecall;
    uint8_t target[20];
    int has_selector;
    uint8_t selector[4];
    const char *name;        /* "exactInputSingle", "approve", ... or "" (static storage) */
    struct eth_u256 value;   /* ETH sent with the call (top-level only) */
    uint8_t token[20];       /* swap: token in; transfer/approve/permit: the token */
    uint8_t token_out[20];   /* swap: token out */
    struct eth_u256 amount;  /* swap: amountIn (exact in) or amountInMaximum (exact out);
                              * transfer/approve/permit: the amount */
    struct eth_u256 min_out; /* swap: amountOutMinimum (exact in) or amountOut (exact out) */
    int exact_out;           /* swap: 1 for exactOutput* */
    uint8_t recipient[20];   /* swap and transfer: who receives */
    int recipient_is_sender; /* SwapRouter02 recipient address(1): msg.sender, the account */
    uint8_t spender[20];     /* approve/permit: who may spend */
    int unlimited;           /* approve/permit: the type's maximum (an unlimited allowance) */
    int unmeasured;          /* the amount cannot be read from the call (router balance,
                              * batch permit or transfer, router payments) */
    char why[GATE_WHY_MAX];  /* MALFORMED: what is wrong, in words */
    uint32_t fee;            /* single swap: the pool fee (uint24) */
    size_t path_len;         /* path swap: bytes of path, as in the call (exact output: reversed) */
    uint8_t path[GATE_PATH_MAX];
    /* Filled after decoding by gate_price_annotate (gate_price.h), read by the checks: */
    int hop_unknown;         /* 1: a token of the swap (path hop or end) is not a registry token */
    uint8_t hop_token[20];   /* ... that token */
    int quote_state;         /* GATE_QUOTE_* (gate_price.h) */
    struct eth_u256 quoted;  /* exact in: output the quoter gives for amount; exact out: input it
                              * needs for min_out */
    char quote_why[GATE_WHY_MAX]; /* GATE_QUOTE_UNAVAILABLE: why, in words */
};

struct gate_effects {
    size_t n;
    struct gate_effect e[GATE_MAX_EFFECTS];
};

/* Decode calls[0..n) into effects (out is fully overwritten). n must be 1..GATE_MAX_CALLS.
 * Returns: MCP_OK; MCP_ENOMEM; MCP_EINVAL when n is out of range. */
enum mcp_rc gate_decode(struct gate_effects *out, const struct gate_call *calls, size_t n,
                        struct mcp_error *err) SKM_WARN_UNUSED;

/* Read Kernel v3 execute call data (the user operation's callData) into calls.
 * On return, exactly one of: calls->n >= 1 (decoded), calls->malformed (why says what is
 * wrong), calls->not_execute (the data calls some other function of the account).
 * Returns: MCP_OK (also for malformed / not_execute), MCP_ENOMEM.
 * Out: *calls (release with gate_calls_free, also after a failure). */
enum mcp_rc gate_decode_kernel(struct gate_calls *calls, const uint8_t *data, size_t len,
                               struct mcp_error *err) SKM_WARN_UNUSED;

void gate_calls_free(struct gate_calls *calls);

/* Words for a kind: "swap", "transfer", "approval", "permit", "batch", ... */
const char *gate_kind_word(enum gate_kind k);

#endif

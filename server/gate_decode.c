/* gate_decode.c: call data -> effects (see gate_decode.h). Decoding goes through the strict
 * ABI decoder (eth_abi.h), so anything that Solidity would read differently from us (dirty
 * padding, short tails, overlong offsets) is MALFORMED rather than guessed at. */
#include "gate_decode.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_abi.h"
#include "eth_addr.h"
#include "eth_hex.h"

/* Flags of a table entry. */
#define F_R02 0x01u      /* SwapRouter02 layout (no deadline; address(1) = msg.sender) */
#define F_OUT 0x02u      /* exact output */
#define F_SENDER 0x04u   /* router payment that pays msg.sender (no recipient argument) */
#define F_P2 0x08u       /* Permit2: uint160 amounts */
#define F_BATCH 0x10u    /* batch form: amounts not measured */

struct fn_entry;
typedef int (*fill_fn)(struct gate_effect *e, json_t *args, const struct fn_entry *fe);

struct fn_entry {
    const char *sig;
    enum gate_kind kind;
    fill_fn fill;        /* NULL: recognised by selector only (never opened) */
    unsigned flags;
    struct eth_abi_func *f;
};

/* ---- field readers over decoded JSON (the decoder already checked every value) ---- */

static int addr_at(uint8_t out[20], json_t *arr, size_t i)
{
    return eth_addr_parse(out, json_string_value(json_array_get(arr, i)), "address", NULL) == MCP_OK ? 0 : -1;
}

static int u256_at(struct eth_u256 *out, json_t *arr, size_t i)
{
    const char *s = json_string_value(json_array_get(arr, i));

    return s != NULL && eth_u256_from_dec(out, s, "amount", NULL) == MCP_OK ? 0 : -1;
}

/* 1 when v is 2^bits - 1, the largest value of a uint<bits> (an "unlimited" allowance). */
static int is_max_bits(const struct eth_u256 *v, unsigned bits)
{
    for (unsigned i = 0; i < 4; i++) {
        unsigned lo = 64 * i;
        uint64_t want = bits >= lo + 64 ? UINT64_MAX : bits > lo ? (UINT64_MAX >> (lo + 64 - bits)) : 0;
        if (v->w[i] != want)
            return 0;
    }
    return 1;
}

static int fail(struct gate_effect *e, const char *why)
{
    snprintf(e->why, sizeof e->why, "%s", why);
    return -1;
}

/* ---- Uniswap V3 swaps ---- */

static void swap_amounts(struct gate_effect *e, const struct eth_u256 *a, const struct eth_u256 *b, unsigned flags)
{
    e->exact_out = (flags & F_OUT) != 0;
    e->amount = e->exact_out ? *b : *a;  /* what the account pays, at most */
    e->min_out = e->exact_out ? *a : *b; /* what it must receive, at least */
    /* SwapRouter02 treats amountIn 0 as "the router's whole balance of tokenIn" */
    if ((flags & F_R02) && !e->exact_out && eth_u256_is_zero(a))
        e->unmeasured = 1;
}

static void swap_recipient(struct gate_effect *e, unsigned flags)
{
    static const uint8_t one[20] = {[19] = 1};

    e->recipient_is_sender = (flags & F_R02) && memcmp(e->recipient, one, 20) == 0;
}

static int fill_swap_single(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    json_t *t = json_array_get(args, 0);
    size_t off = (fe->flags & F_R02) ? 4 : 5;
    struct eth_u256 a, b;

    struct eth_u256 fee;
    uint64_t fee64 = 0;

    if (addr_at(e->token, t, 0) || addr_at(e->token_out, t, 1) || addr_at(e->recipient, t, 3) ||
        u256_at(&a, t, off) || u256_at(&b, t, off + 1) || u256_at(&fee, t, 2) || !eth_u256_to_u64(&fee64, &fee) ||
        fee64 > 0xFFFFFFu)
        return fail(e, "the swap parameters could not be read");
    e->fee = (uint32_t)fee64;
    swap_amounts(e, &a, &b, fe->flags);
    swap_recipient(e, fe->flags);
    return 0;
}

/* A V3 path: token (20) || fee (3) || token (20) ...; exact output paths run backwards. */
static int fill_swap_path(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    json_t *t = json_array_get(args, 0);
    size_t off = (fe->flags & F_R02) ? 2 : 3, len = 0;
    uint8_t *path = NULL;
    struct eth_u256 a, b;
    int rc = -1;

    if (eth_hex_decode_alloc(&path, &len, json_string_value(json_array_get(t, 0)), "path", NULL) != MCP_OK)
        return fail(e, "the swap path could not be read");
    if (len < 43 || (len - 20) % 23 != 0) {
        fail(e, "the swap path is not a list of tokens and fees (20 + 23*k bytes)");
        goto out;
    }
    if (len > GATE_PATH_MAX) {
        fail(e, "the swap path has more than 8 tokens");
        goto out;
    }
    memcpy(e->path, path, len);
    e->path_len = len;
    memcpy((fe->flags & F_OUT) ? e->token_out : e->token, path, 20);
    memcpy((fe->flags & F_OUT) ? e->token : e->token_out, path + len - 20, 20);
    if (addr_at(e->recipient, t, 1) || u256_at(&a, t, off) || u256_at(&b, t, off + 1)) {
        fail(e, "the swap parameters could not be read");
        goto out;
    }
    swap_amounts(e, &a, &b, fe->flags);
    swap_recipient(e, fe->flags);
    rc = 0;
out:
    free(path);
    return rc;
}

/* ---- tokens, Permit2, router payments ---- */

static void set_unlimited(struct gate_effect *e, unsigned flags)
{
    e->unlimited = is_max_bits(&e->amount, (flags & F_P2) ? 160 : 256);
}

/* transfer(to, amount), approve(spender, amount), increaseAllowance(spender, amount) */
static int fill_erc20_two(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    memcpy(e->token, e->target, 20);
    if (addr_at(e->kind == GATE_KIND_TRANSFER ? e->recipient : e->spender, args, 0) || u256_at(&e->amount, args, 1))
        return fail(e, "the token call's arguments could not be read");
    set_unlimited(e, fe->flags);
    return 0;
}

/* transferFrom(from, to, amount) */
static int fill_erc20_from(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    (void)fe;
    memcpy(e->token, e->target, 20);
    return addr_at(e->recipient, args, 1) || u256_at(&e->amount, args, 2) ? fail(e, "transferFrom's arguments could "
                                                                                     "not be read") : 0;
}

/* EIP-2612 permit(owner, spender, value, deadline, v, r, s) */
static int fill_permit_2612(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    memcpy(e->token, e->target, 20);
    if (addr_at(e->spender, args, 1) || u256_at(&e->amount, args, 2))
        return fail(e, "permit's arguments could not be read");
    set_unlimited(e, fe->flags);
    return 0;
}

/* DAI permit(holder, spender, nonce, expiry, allowed, v, r, s): all or nothing */
static int fill_permit_dai(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    (void)fe;
    memcpy(e->token, e->target, 20);
    if (addr_at(e->spender, args, 1))
        return fail(e, "permit's arguments could not be read");
    e->unlimited = json_is_true(json_array_get(args, 4));
    memset(&e->amount, e->unlimited ? 0xff : 0, sizeof e->amount);
    return 0;
}

/* Permit2 approve(token, spender, uint160 amount, uint48 expiration) */
static int fill_p2_approve(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    if (addr_at(e->token, args, 0) || addr_at(e->spender, args, 1) || u256_at(&e->amount, args, 2))
        return fail(e, "Permit2 approve's arguments could not be read");
    set_unlimited(e, fe->flags);
    return 0;
}

/* Permit2 permit(owner, ((token, amount, expiration, nonce), spender, sigDeadline), sig) */
static int fill_p2_permit(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    json_t *single = json_array_get(args, 1), *details = json_array_get(single, 0);

    if (addr_at(e->token, details, 0) || u256_at(&e->amount, details, 1) || addr_at(e->spender, single, 1))
        return fail(e, "Permit2 permit's arguments could not be read");
    set_unlimited(e, fe->flags);
    return 0;
}

/* Permit2 transferFrom(from, to, uint160 amount, token) */
static int fill_p2_transfer(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    (void)fe;
    return addr_at(e->recipient, args, 1) || u256_at(&e->amount, args, 2) || addr_at(e->token, args, 3)
               ? fail(e, "Permit2 transferFrom's arguments could not be read") : 0;
}

/* Permit2 permitTransferFrom(((token, amount), nonce, deadline), (to, requestedAmount), owner, sig) */
static int fill_p2_permit_transfer(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    json_t *permit = json_array_get(args, 0), *details = json_array_get(args, 1);

    (void)fe;
    return addr_at(e->token, json_array_get(permit, 0), 0) || addr_at(e->recipient, details, 0) ||
                   u256_at(&e->amount, details, 1)
               ? fail(e, "permitTransferFrom's arguments could not be read") : 0;
}

/* ERC-721 / ERC-1155 setApprovalForAll(operator, approved): every token of the collection. */
static int fill_approval_for_all(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    (void)fe;
    memcpy(e->token, e->target, 20);
    if (addr_at(e->spender, args, 0))
        return fail(e, "setApprovalForAll's operator could not be read");
    e->unlimited = json_is_true(json_array_get(args, 1));
    e->unmeasured = 1;
    return 0;
}

/* NFT transfers (safeTransferFrom forms): to the second argument, never measured in the
 * spend token. */
static int fill_nft_transfer(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    (void)fe;
    memcpy(e->token, e->target, 20);
    e->unmeasured = 1;
    return addr_at(e->recipient, args, 1) ? fail(e, "the transfer's recipient could not be read") : 0;
}

/* Batch forms: recognised, but what they move is not measured (the checks deny them). */
static int fill_unmeasured(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    (void)args;
    (void)fe;
    e->unmeasured = 1;
    return 0;
}

/* Router payments move what the router holds (or pull from the account): the amount is not
 * what the account pays, so it is never measured. sweepToken(token, min, recipient),
 * sweepToken(token, min) (to msg.sender), unwrapWETH9(min, recipient), unwrapWETH9(min),
 * refundETH(), pull(token, value) (from msg.sender to the router). */
static int fill_router_payment(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    size_t n = json_array_size(args);
    int has_token = strncmp(fe->sig, "sweepToken", 10) == 0 || strncmp(fe->sig, "pull", 4) == 0;

    e->unmeasured = 1;
    if (has_token && addr_at(e->token, args, 0))
        return fail(e, "the payment's token could not be read");
    if (strncmp(fe->sig, "pull", 4) == 0)
        memcpy(e->recipient, e->target, 20); /* the router itself */
    else if (fe->flags & F_SENDER)
        e->recipient_is_sender = 1;
    else if (n < 2 || addr_at(e->recipient, args, n - 1))
        return fail(e, "the payment's recipient could not be read");
    return 0;
}

/* Router multicall: recognised here, opened by decode_batch. */
static int fill_none(struct gate_effect *e, json_t *args, const struct fn_entry *fe)
{
    (void)e;
    (void)args;
    (void)fe;
    return 0;
}

#define SWAP7 "(address,address,uint24,address,uint256,uint256,uint160)"
#define SWAP8 "(address,address,uint24,address,uint256,uint256,uint256,uint160)"

static struct fn_entry g_fns[] = {
    /* Uniswap V3 SwapRouter02 */
    {"exactInputSingle(" SWAP7 ")", GATE_KIND_SWAP, fill_swap_single, F_R02, NULL},
    {"exactOutputSingle(" SWAP7 ")", GATE_KIND_SWAP, fill_swap_single, F_R02 | F_OUT, NULL},
    {"exactInput((bytes,address,uint256,uint256))", GATE_KIND_SWAP, fill_swap_path, F_R02, NULL},
    {"exactOutput((bytes,address,uint256,uint256))", GATE_KIND_SWAP, fill_swap_path, F_R02 | F_OUT, NULL},
    /* Uniswap V3 SwapRouter (with deadline) */
    {"exactInputSingle(" SWAP8 ")", GATE_KIND_SWAP, fill_swap_single, 0, NULL},
    {"exactOutputSingle(" SWAP8 ")", GATE_KIND_SWAP, fill_swap_single, F_OUT, NULL},
    {"exactInput((bytes,address,uint256,uint256,uint256))", GATE_KIND_SWAP, fill_swap_path, 0, NULL},
    {"exactOutput((bytes,address,uint256,uint256,uint256))", GATE_KIND_SWAP, fill_swap_path, F_OUT, NULL},
    /* router multicall */
    {"multicall(bytes[])", GATE_KIND_BATCH, fill_none, 0, NULL},
    {"multicall(uint256,bytes[])", GATE_KIND_BATCH, fill_none, 0, NULL},
    {"multicall(bytes32,bytes[])", GATE_KIND_BATCH, fill_none, 0, NULL},
    /* router payments */
    {"sweepToken(address,uint256,address)", GATE_KIND_TRANSFER, fill_router_payment, 0, NULL},
    {"sweepToken(address,uint256)", GATE_KIND_TRANSFER, fill_router_payment, F_SENDER, NULL},
    {"unwrapWETH9(uint256,address)", GATE_KIND_TRANSFER, fill_router_payment, 0, NULL},
    {"unwrapWETH9(uint256)", GATE_KIND_TRANSFER, fill_router_payment, F_SENDER, NULL},
    {"refundETH()", GATE_KIND_TRANSFER, fill_router_payment, F_SENDER, NULL},
    {"pull(address,uint256)", GATE_KIND_TRANSFER, fill_router_payment, 0, NULL},
    /* ERC-20 */
    {"transfer(address,uint256)", GATE_KIND_TRANSFER, fill_erc20_two, 0, NULL},
    {"transferFrom(address,address,uint256)", GATE_KIND_TRANSFER, fill_erc20_from, 0, NULL},
    {"approve(address,uint256)", GATE_KIND_APPROVE, fill_erc20_two, 0, NULL},
    {"increaseAllowance(address,uint256)", GATE_KIND_APPROVE, fill_erc20_two, 0, NULL},
    {"permit(address,address,uint256,uint256,uint8,bytes32,bytes32)", GATE_KIND_PERMIT, fill_permit_2612, 0, NULL},
    {"permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)", GATE_KIND_PERMIT, fill_permit_dai, 0,
     NULL},
    /* ERC-721 / ERC-1155 (transferFrom(address,address,uint256) is the ERC-20 row above) */
    {"setApprovalForAll(address,bool)", GATE_KIND_APPROVE, fill_approval_for_all, 0, NULL},
    {"safeTransferFrom(address,address,uint256)", GATE_KIND_TRANSFER, fill_nft_transfer, 0, NULL},
    {"safeTransferFrom(address,address,uint256,bytes)", GATE_KIND_TRANSFER, fill_nft_transfer, 0, NULL},
    {"safeTransferFrom(address,address,uint256,uint256,bytes)", GATE_KIND_TRANSFER, fill_nft_transfer, 0, NULL},
    {"safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)", GATE_KIND_TRANSFER, fill_nft_transfer, 0,
     NULL},
    /* Permit2 */
    {"approve(address,address,uint160,uint48)", GATE_KIND_APPROVE, fill_p2_approve, F_P2, NULL},
    {"permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)", GATE_KIND_PERMIT, fill_p2_permit,
     F_P2, NULL},
    {"permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)", GATE_KIND_PERMIT,
     fill_unmeasured, F_P2 | F_BATCH, NULL},
    {"transferFrom(address,address,uint160,address)", GATE_KIND_TRANSFER, fill_p2_transfer, F_P2, NULL},
    {"transferFrom((address,address,uint160,address)[])", GATE_KIND_TRANSFER, fill_unmeasured, F_P2 | F_BATCH,
     NULL},
    {"permitTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes)", GATE_KIND_PERMIT,
     fill_p2_permit_transfer, 0, NULL},
    {"permitTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes)",
     GATE_KIND_PERMIT, fill_unmeasured, F_BATCH, NULL},
    /* account batch entry points: never opened */
    {"execute(bytes32,bytes)", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"executeFromExecutor(bytes32,bytes)", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"executeUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)", GATE_KIND_EXECUTE,
     NULL, 0, NULL},
    {"execute(address,uint256,bytes)", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"execute(address,uint256,bytes,uint8)", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"executeBatch((address,uint256,bytes)[])", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"executeBatch(address[],uint256[],bytes[])", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"executeBatch(address[],bytes[])", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"aggregate((address,bytes)[])", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"aggregate3((address,bool,bytes)[])", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"aggregate3Value((address,bool,uint256,bytes)[])", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"tryAggregate(bool,(address,bytes)[])", GATE_KIND_EXECUTE, NULL, 0, NULL},
    {"execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
     GATE_KIND_EXECUTE, NULL, 0, NULL},
};
#define N_FNS (sizeof g_fns / sizeof g_fns[0])

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_ready;
static struct eth_abi_type *g_batch_type; /* the parameters (Execution[]) of a Kernel batch */

static void table_init(void)
{
    for (size_t i = 0; i < N_FNS; i++)
        if (eth_abi_func_parse(&g_fns[i].f, g_fns[i].sig, NULL) != MCP_OK)
            return;
    if (eth_abi_params_parse(&g_batch_type, "(address,uint256,bytes)[]", NULL) != MCP_OK)
        return;
    g_ready = 1;
}

static enum mcp_rc ensure_table(struct mcp_error *err)
{
    if (pthread_once(&g_once, table_init) != 0 || !g_ready)
        return mcp_errf(err, MCP_ENOMEM, "out of memory while preparing the call decoder");
    return MCP_OK;
}

static const struct fn_entry *lookup(const uint8_t sel[4])
{
    for (size_t i = 0; i < N_FNS; i++)
        if (memcmp(g_fns[i].f->selector, sel, 4) == 0)
            return &g_fns[i];
    return NULL;
}

static const struct fn_entry *lookup_sig(const char *sig)
{
    for (size_t i = 0; i < N_FNS; i++)
        if (strcmp(g_fns[i].sig, sig) == 0)
            return &g_fns[i];
    return NULL;
}

const char *gate_kind_word(enum gate_kind k)
{
    switch (k) {
    case GATE_KIND_SWAP: return "swap";
    case GATE_KIND_TRANSFER: return "transfer";
    case GATE_KIND_APPROVE: return "approval";
    case GATE_KIND_PERMIT: return "permit";
    case GATE_KIND_BATCH: return "batch";
    case GATE_KIND_EXECUTE: return "nested batch of calls";
    case GATE_KIND_NATIVE: return "ETH transfer";
    case GATE_KIND_UNKNOWN: return "unknown call";
    case GATE_KIND_MALFORMED: return "malformed call";
    }
    return "call";
}

/* ---- effects ---- */

struct decoder {
    struct gate_effects *fx;
    enum mcp_rc rc;
    struct mcp_error *err;
};

/* A fresh effect, or NULL when the list is full (the last one then becomes MALFORMED, so a
 * flood of calls can never hide a call the checks did not see). */
static struct gate_effect *push(struct decoder *d, const struct gate_call *c, unsigned ci, unsigned ii, int depth)
{
    struct gate_effect *e;

    if (d->fx->n == GATE_MAX_EFFECTS) {
        e = &d->fx->e[GATE_MAX_EFFECTS - 1];
        e->kind = GATE_KIND_MALFORMED;
        snprintf(e->why, sizeof e->why, "the execution has more than %d calls", GATE_MAX_EFFECTS);
        return NULL;
    }
    e = &d->fx->e[d->fx->n++];
    memset(e, 0, sizeof *e);
    e->call_index = ci;
    e->inner_index = ii;
    e->depth = depth;
    e->delegatecall = c->delegatecall;
    memcpy(e->target, c->target, 20);
    e->value = c->value;
    e->name = "";
    return e;
}

static void malformed(struct gate_effect *e, const char *why)
{
    e->kind = GATE_KIND_MALFORMED;
    snprintf(e->why, sizeof e->why, "%s", why);
}

static void decode_one(struct decoder *d, const struct gate_call *c, unsigned ci, unsigned ii, int depth);

/* Open a router multicall: the last argument is the bytes[] of inner calls. */
static void decode_batch(struct decoder *d, struct gate_effect *e, json_t *args, unsigned ci)
{
    json_t *inner = json_array_get(args, json_array_size(args) - 1), *v;
    size_t i;

    if (json_array_size(inner) > GATE_MAX_INNER) {
        snprintf(e->why, sizeof e->why, "the multicall has %zu inner calls; at most %d are read",
                 json_array_size(inner), GATE_MAX_INNER);
        e->kind = GATE_KIND_MALFORMED;
        return;
    }
    json_array_foreach(inner, i, v) {
        struct gate_call ic = {{0}, {{0}}, NULL, 0, 0};
        uint8_t *buf = NULL;

        memcpy(ic.target, e->target, 20); /* the router delegatecalls itself */
        if (eth_hex_decode_alloc(&buf, &ic.len, json_string_value(v), "call", d->err) != MCP_OK) {
            d->rc = MCP_ENOMEM;
            return;
        }
        ic.data = buf;
        decode_one(d, &ic, ci, (unsigned)i + 1, 1);
        free(buf);
    }
}

static void decode_known(struct decoder *d, struct gate_effect *e, const struct fn_entry *fe, const struct gate_call *c,
                         unsigned ci)
{
    struct mcp_error derr;
    json_t *args = NULL;
    enum mcp_rc rc;

    e->name = fe->f->name;
    e->kind = fe->kind;
    if (fe->fill == NULL)
        return; /* recognised by selector only */
    rc = eth_abi_decode_call(&args, fe->f, c->data, c->len, &derr);
    if (rc == MCP_ENOMEM) {
        d->rc = mcp_errf(d->err, MCP_ENOMEM, "out of memory");
        return;
    }
    if (rc != MCP_OK)
        malformed(e, derr.msg);
    else if (fe->fill(e, args, fe) != 0)
        e->kind = GATE_KIND_MALFORMED;
    else if (e->kind == GATE_KIND_BATCH && e->depth == 0)
        decode_batch(d, e, args, ci);
    json_decref(args);
}

static void decode_one(struct decoder *d, const struct gate_call *c, unsigned ci, unsigned ii, int depth)
{
    struct gate_effect *e = push(d, c, ci, ii, depth);
    const struct fn_entry *fe;

    if (e == NULL || d->rc != MCP_OK)
        return;
    if (c->len == 0) {
        e->kind = GATE_KIND_NATIVE;
        return;
    }
    if (c->len < 4) {
        malformed(e, "the call data is shorter than a 4-byte function selector");
        return;
    }
    e->has_selector = 1;
    memcpy(e->selector, c->data, 4);
    fe = lookup(c->data);
    if (fe == NULL)
        e->kind = GATE_KIND_UNKNOWN;
    else
        decode_known(d, e, fe, c, ci);
}

enum mcp_rc gate_decode(struct gate_effects *out, const struct gate_call *calls, size_t n, struct mcp_error *err)
{
    struct decoder d = {out, MCP_OK, err};

    out->n = 0;
    if (n == 0 || n > GATE_MAX_CALLS)
        return mcp_errf(err, MCP_EINVAL, "calls: give 1 to %d calls, not %zu", GATE_MAX_CALLS, n);
    if (ensure_table(err) != MCP_OK)
        return MCP_ENOMEM;
    for (size_t i = 0; i < n && d.rc == MCP_OK; i++)
        decode_one(&d, &calls[i], (unsigned)i + 1, 0, 0);
    return d.rc;
}

/* ---- Kernel v3 execute ---- */

void gate_calls_free(struct gate_calls *calls)
{
    for (size_t i = 0; i < GATE_MAX_CALLS; i++) {
        free(calls->owned[i]);
        calls->owned[i] = NULL;
    }
    calls->n = 0;
}

static enum mcp_rc kernel_malformed(struct gate_calls *calls, const char *why)
{
    gate_calls_free(calls);
    calls->malformed = 1;
    snprintf(calls->why, sizeof calls->why, "%s", why);
    return MCP_OK;
}

static enum mcp_rc own_data(struct gate_calls *calls, size_t i, const uint8_t *p, size_t len, struct mcp_error *err)
{
    calls->owned[i] = malloc(len ? len : 1);
    if (calls->owned[i] == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (len)
        memcpy(calls->owned[i], p, len);
    calls->c[i].data = calls->owned[i];
    calls->c[i].len = len;
    return MCP_OK;
}

/* Single: target (20) || value (32) || data; delegatecall: target (20) || data. */
static enum mcp_rc kernel_packed(struct gate_calls *calls, const uint8_t *x, size_t len, int delegate,
                                 struct mcp_error *err)
{
    size_t head = delegate ? 20 : 52;

    if (len < head)
        return kernel_malformed(calls, delegate ? "the delegatecall execution is shorter than an address"
                                                : "the single execution is shorter than an address and a value");
    memcpy(calls->c[0].target, x, 20);
    if (!delegate)
        eth_u256_from_be(&calls->c[0].value, x + 20);
    calls->c[0].delegatecall = delegate;
    calls->n = 1;
    return own_data(calls, 0, x + head, len - head, err);
}

static enum mcp_rc kernel_batch(struct gate_calls *calls, const uint8_t *x, size_t len, struct mcp_error *err)
{
    struct mcp_error derr;
    json_t *params = NULL, *arr, *item;
    enum mcp_rc rc = eth_abi_decode_params(&params, g_batch_type, x, len, &derr);
    size_t i;

    if (rc == MCP_ENOMEM)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc != MCP_OK)
        return kernel_malformed(calls, derr.msg);
    arr = json_incref(json_array_get(params, 0)); /* abi.encode(Execution[]): one parameter */
    json_decref(params);
    if (json_array_size(arr) == 0 || json_array_size(arr) > GATE_MAX_CALLS) {
        json_decref(arr);
        return kernel_malformed(calls, json_array_size(arr) == 0 ? "the batch execution is empty"
                                                                  : "the batch execution has more than 16 calls");
    }
    json_array_foreach(arr, i, item) {
        uint8_t *buf = NULL;
        size_t n = 0;

        if (addr_at(calls->c[i].target, item, 0) || u256_at(&calls->c[i].value, item, 1) ||
            eth_hex_decode_alloc(&buf, &n, json_string_value(json_array_get(item, 2)), "callData", NULL) != MCP_OK) {
            json_decref(arr);
            return kernel_malformed(calls, "a call of the batch could not be read");
        }
        calls->owned[i] = buf;
        calls->c[i].data = buf;
        calls->c[i].len = n;
        calls->n = i + 1;
    }
    json_decref(arr);
    return MCP_OK;
}

static int mode_rest_zero(const uint8_t mode[32])
{
    for (int i = 2; i < 32; i++)
        if (mode[i] != 0)
            return 0;
    return 1;
}

static enum mcp_rc kernel_mode(struct gate_calls *calls, const uint8_t mode[32], const uint8_t *x, size_t len,
                               struct mcp_error *err)
{
    char why[GATE_WHY_MAX];

    if (mode[1] > 1 || !mode_rest_zero(mode)) {
        snprintf(why, sizeof why, "the execution mode 0x%02x%02x... uses an exec type or mode selector the gate does "
                 "not know", mode[0], mode[1]);
        return kernel_malformed(calls, why);
    }
    switch (mode[0]) {
    case 0x00: return kernel_packed(calls, x, len, 0, err);
    case 0x01: return kernel_batch(calls, x, len, err);
    case 0xff: return kernel_packed(calls, x, len, 1, err);
    default:
        snprintf(why, sizeof why, "the execution mode has call type 0x%02x, which is not single, batch or "
                 "delegatecall", mode[0]);
        return kernel_malformed(calls, why);
    }
}

enum mcp_rc gate_decode_kernel(struct gate_calls *calls, const uint8_t *data, size_t len, struct mcp_error *err)
{
    const struct fn_entry *exec, *user_op;
    struct mcp_error derr;
    uint8_t mode[32], *x = NULL;
    json_t *args = NULL;
    size_t xlen = 0;
    enum mcp_rc rc;

    memset(calls, 0, sizeof *calls);
    if (ensure_table(err) != MCP_OK)
        return MCP_ENOMEM;
    exec = lookup_sig("execute(bytes32,bytes)");
    user_op = lookup_sig("executeUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)");
    if (len >= 4 && memcmp(data, user_op->f->selector, 4) == 0) {
        data += 4; /* executeUserOp prefix: the rest is the execute call */
        len -= 4;
    }
    if (len < 4 || memcmp(data, exec->f->selector, 4) != 0) {
        calls->not_execute = 1;
        return MCP_OK;
    }
    rc = eth_abi_decode_call(&args, exec->f, data, len, &derr);
    if (rc == MCP_ENOMEM)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc != MCP_OK)
        return kernel_malformed(calls, derr.msg);
    if (eth_hex_decode(mode, 32, json_string_value(json_array_get(args, 0)), "mode", NULL) != MCP_OK ||
        eth_hex_decode_alloc(&x, &xlen, json_string_value(json_array_get(args, 1)), "executionCalldata", NULL) !=
            MCP_OK) {
        json_decref(args);
        return kernel_malformed(calls, "the execute arguments could not be read");
    }
    json_decref(args);
    rc = kernel_mode(calls, mode, x, xlen, err);
    free(x);
    return rc;
}

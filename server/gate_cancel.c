/* gate_cancel.c: unsettled signed operations and how to cancel them (see gate_cancel.h). */
#include "gate_cancel.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "eth_addr.h"
#include "eth_hex.h"
#include "gate_nonce.h"
#include "policy.h"
#include "policy_words.h"
#include "zd_hex.h"
#include "zd_session.h"

static const uint8_t sel_uninstall_validation[4] = {0xe6, 0xf3, 0xd5, 0x0a};

static enum mcp_rc load_policy(struct policy *p, const struct session_row *r, struct mcp_error *err)
{
    json_t *j = json_loads(r->policy, 0, NULL);
    enum mcp_rc rc = j ? policy_from_json(p, j, err) : MCP_EINTERNAL;

    json_decref(j);
    return rc == MCP_OK ? MCP_OK : mcp_errf(err, MCP_EINTERNAL, "The stored policy of session %s cannot be read.", r->id);
}

enum mcp_rc gate_cancel_kernel_calldata(char **hex, const struct session_row *r, struct mcp_error *err)
{
    struct zd_session_opts o;
    struct zd_approval a;
    struct policy p;
    struct zd_hex h;
    json_t *j;
    size_t n, pad;
    enum mcp_rc rc;

    *hex = NULL;
    memset(&a, 0, sizeof a);
    if (load_policy(&p, r, err) != MCP_OK)
        return MCP_EINTERNAL;
    j = json_loads(r->account ? r->account : "", 0, NULL);
    rc = j != NULL && zd_session_opts_from_json(&o, j, err) == MCP_OK ? zd_session_build(&a, &p, &o, err)
                                                                       : MCP_EINTERNAL;
    json_decref(j);
    if (rc != MCP_OK) {
        zd_approval_free(&a);
        return mcp_errf(err, MCP_EINTERNAL, "The stored Kernel account options of session %s cannot be read.", r->id);
    }
    n = zd_hex_nbytes(&a.en.enable_data);
    pad = (32 - n % 32) % 32;
    zd_hex_init(&h);
    zd_hex_add_bytes(&h, sel_uninstall_validation, 4);
    zd_hex_add_bytes(&h, a.en.validation_id, 21); /* bytes21, left-aligned */
    zd_hex_add_zeros(&h, 11);
    zd_hex_add_word(&h, 0x60);                    /* offset of deinitData */
    zd_hex_add_word(&h, 0x60 + 32 + n + pad);     /* offset of hookDeinitData */
    zd_hex_add_word(&h, n);
    zd_hex_add_hex(&h, &a.en.enable_data);
    zd_hex_add_zeros(&h, pad);
    zd_hex_add_word(&h, 0);                       /* hookDeinitData: empty */
    zd_approval_free(&a);
    if (zd_hex_check(&h, err) != MCP_OK || (*hex = strdup(zd_hex_str(&h))) == NULL) {
        zd_hex_free(&h);
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    zd_hex_free(&h);
    return MCP_OK;
}

static int appendf(char **s, const char *fmt, ...) SKM_PRINTF(2, 3);
static int appendf(char **s, const char *fmt, ...)
{
    va_list ap;
    size_t old = *s ? strlen(*s) : 0;
    int n;
    char *t;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (t = realloc(*s, old + (size_t)n + 1)) == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(t + old, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *s = t;
    return 0;
}

/* Words and fields for one operation; cancel is set by the caller. */
static int describe_one(json_t *op, char **words, const struct policy *p, const char *sid, int64_t now)
{
    struct eth_u256 v;
    char amount[POLICY_WORDS_MAX], at[24], last[24], left[64];
    const char *base = json_string_value(json_object_get(op, "amountBaseUnits"));
    int64_t signed_at = (int64_t)json_integer_value(json_object_get(op, "signedAt"));
    int64_t last_at = (int64_t)json_integer_value(json_object_get(op, "lastSignedAt"));

    if (base == NULL || eth_u256_from_dec(&v, base, "amount", NULL) != MCP_OK)
        return -1;
    policy_words_amount(amount, sizeof amount, &v, p->token_decimals, p->token_symbol, p->token_usd);
    clock_format(at, signed_at);
    clock_format(last, last_at);
    policy_words_time_left(left, sizeof left, p->valid_until, now);
    json_object_set_new(op, "sessionId", json_string(sid));
    json_object_set_new(op, "amount", json_string(amount));
    json_object_set_new(op, "signedAt", json_string(at));
    json_object_set_new(op, "lastSignedAt", json_string(last));
    return appendf(words, "- %s, nonce %s, signed at %s: it can still run until that nonce is used (at the latest "
                   "until the session's end, %s).\n", amount, json_string_value(json_object_get(op, "nonce")), at,
                   left);
}

enum mcp_rc gate_cancel_describe(json_t **ops, char **words, struct db *db, const struct session_row *r, int64_t now,
                                 struct mcp_error *err)
{
    int kernel = strcmp(r->account_type, "kernel-v3") == 0;
    char wallet[ETH_ADDR_STR_SIZE], *calldata = NULL;
    uint8_t w[20];
    struct policy p;
    json_t *arr = NULL, *op;
    size_t i;

    *ops = NULL;
    *words = NULL;
    if (gate_nonce_unsettled(&arr, db, r->id, now, err) != MCP_OK)
        return err->rc;
    if (json_array_size(arr) == 0) {
        *ops = arr;
        *words = strdup("");
        return *words ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if (load_policy(&p, r, err) != MCP_OK || (kernel && gate_cancel_kernel_calldata(&calldata, r, err) != MCP_OK) ||
        eth_hex_decode(w, 20, r->wallet, "wallet", err) != MCP_OK) {
        json_decref(arr);
        return err->rc ? err->rc : MCP_EINTERNAL;
    }
    eth_addr_format(wallet, w);
    appendf(words, "%zu operation%s already signed for session %s %s not settled yet:\n", json_array_size(arr),
            json_array_size(arr) == 1 ? "" : "s", r->id, json_array_size(arr) == 1 ? "is" : "are");
    json_array_foreach(arr, i, op) {
        json_t *cancel;
        if (describe_one(op, words, &p, r->id, now) != 0) {
            free(calldata);
            json_decref(arr);
            return mcp_errf(err, MCP_ENOMEM, "out of memory");
        }
        cancel = kernel ? json_pack("{s:s, s:s, s:s, s:s}", "kind", "uninstall-permission", "to", wallet, "value", "0",
                                    "data", calldata)
                        : json_pack("{s:s, s:s, s:s, s:s}", "kind", "use-nonce", "sender", wallet, "nonce",
                                    json_string_value(json_object_get(op, "nonce")), "how",
                                    "Send any operation from the wallet with this nonce, signed by the owner (for "
                                    "example a call of value 0 to the wallet itself); once it runs, the signed "
                                    "operation can never run.");
        json_object_set_new(op, "cancel", cancel);
    }
    if (kernel)
        appendf(words, "To stop %s now, the wallet owner uninstalls the session's permission on chain: send a call "
                "from the wallet %s to itself with value 0 and data %s (Kernel uninstallValidation). Until then, or "
                "until their nonces are used, they can run.\n", json_array_size(arr) == 1 ? "it" : "them", wallet,
                calldata);
    else
        appendf(words, "To stop %s now, the wallet owner sends an operation of their own from %s with the same "
                "nonce (for example a call of value 0 to the wallet itself); the EntryPoint runs only one operation "
                "per nonce. Until then they can run.\n", json_array_size(arr) == 1 ? "it" : "them", wallet);
    free(calldata);
    if (*words == NULL) {
        json_decref(arr);
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    *ops = arr;
    return MCP_OK;
}

/* approval.c: the loopback approval page (see approval.h): one-time tokens bound to pending
 * sessions, the page and its data, and the decision that goes through confirm_session's own
 * code path. Routes (tokens are 43 base64url characters from 32 random bytes):
 *   GET  /approve/<token>            the page (HTML, compiled in: web/approve.html)
 *   GET  /approve/<token>/data       what the page shows and the exact typed data to sign
 *   POST /approve/<token>/decision   {"action":"approve","signature":"0x…"} | {"action":"decline"}
 *   GET  /view/<token>, /view/<token>/data   the same page read-only, which may be framed
 * A token dies with its request: at the approval deadline, once the page approved or declined
 * it, or as soon as the session is no longer pending (confirmed or declined in the chat). */
#include "approval.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app_state.h"
#include "approval_http.h"
#include "assets.h"
#include "clock.h"
#include "confirm_session.h"
#include "db_sessions.h"
#include "eth_hex.h"
#include "log.h"
#include "policy.h"
#include "policy_summary.h"
#include "tool.h"
#include "tool_util.h"
#include "zd_const.h"
#include "zd_session.h"

#define TOKEN_LEN 43
#define MAX_TOKENS 64

enum tok_state { TOK_FREE = 0, TOK_LIVE, TOK_USED };

struct token {
    enum tok_state state;
    char token[TOKEN_LEN + 1];
    char sid[SESSION_ID_MAX];
    int64_t deadline; /* clock_now() seconds: the session's approval deadline */
    char outcome[12]; /* TOK_USED: "approved" / "declined" */
};

static struct {
    const struct skm_config *cfg;
    int port; /* 0 before the server started */
    struct token t[MAX_TOKENS];
    approval_listener listener;
    void *listener_ctx;
} g;

void approval_set_listener(approval_listener fn, void *ctx)
{
    g.listener = fn;
    g.listener_ctx = ctx;
}

static void http_handle(const struct http_request *req, struct http_response *res);

static enum mcp_rc start(const struct skm_config *cfg, struct mcp_error *err)
{
    if (cfg->approval_port < 0)
        return mcp_errf(err, MCP_EUNSUPPORTED, "The approval page is turned off (--approval-port off): the owner "
                        "signs the typed data in their own wallet and the signature goes to confirm_session.");
    g.cfg = cfg;
    if (g.port != 0)
        return MCP_OK;
    return http_server_start(cfg->approval_port, http_handle, &g.port, err);
}

/* A slot for a new token: a free one, else the dead token that ended first, else the live
 * one that ends first. */
static int slot(int64_t now)
{
    int dead = -1, live = 0;

    for (int i = 0; i < MAX_TOKENS; i++) {
        if (g.t[i].state == TOK_FREE)
            return i;
        if (g.t[i].state == TOK_USED || g.t[i].deadline <= now) {
            if (dead < 0 || g.t[i].deadline < g.t[dead].deadline)
                dead = i;
        } else if (g.t[i].deadline < g.t[live].deadline) {
            live = i;
        }
    }
    return dead >= 0 ? dead : live;
}

/* The live token of sid, or a new one (the slot of a dead token is reused first). */
static struct token *token_for(const char *sid, int64_t deadline, int64_t now)
{
    uint8_t raw[32];
    int pick;

    for (int i = 0; i < MAX_TOKENS; i++)
        if (g.t[i].state == TOK_LIVE && strcmp(g.t[i].sid, sid) == 0 && g.t[i].deadline > now)
            return &g.t[i];
    pick = slot(now);
    randombytes_buf(raw, sizeof raw);
    memset(&g.t[pick], 0, sizeof g.t[pick]);
    sodium_bin2base64(g.t[pick].token, sizeof g.t[pick].token, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    snprintf(g.t[pick].sid, sizeof g.t[pick].sid, "%s", sid);
    g.t[pick].deadline = deadline;
    g.t[pick].state = TOK_LIVE;
    return &g.t[pick];
}

static enum mcp_rc make_url(char *buf, size_t n, const struct skm_config *cfg, const char *sid, const char *kind,
                            struct mcp_error *err)
{
    int64_t now = clock_now();
    struct session_row row;
    struct db *db;
    const char *status;
    struct token *t;
    enum mcp_rc rc = MCP_OK;

    if (start(cfg, err) != MCP_OK)
        return err->rc;
    if ((db = app_db(cfg, err)) == NULL || db_session_get(db, &row, sid, err) != MCP_OK)
        return err->rc;
    status = db_session_status(&row, now);
    if (strcmp(status, "pending") != 0)
        rc = mcp_errf(err, MCP_ECONFLICT, "Session %s is %s: there is nothing left to approve.", row.id, status);
    else if ((t = token_for(row.id, row.approval_deadline, now)) == NULL)
        rc = mcp_errf(err, MCP_EINTERNAL, "no token slot");
    else if ((size_t)snprintf(buf, n, "http://127.0.0.1:%d/%s/%s", g.port, kind, t->token) >= n)
        rc = mcp_errf(err, MCP_EINTERNAL, "approval url buffer too small");
    db_session_row_free(&row);
    return rc;
}

enum mcp_rc approval_url(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                         struct mcp_error *err)
{
    return make_url(buf, n, cfg, session_id, "approve", err);
}

enum mcp_rc approval_view_url(char *buf, size_t n, const struct skm_config *cfg, const char *session_id,
                              struct mcp_error *err)
{
    return make_url(buf, n, cfg, session_id, "view", err);
}

void approval_shutdown(void)
{
    http_server_stop();
    sodium_memzero(g.t, sizeof g.t);
    g.port = 0;
}

/* ---- answers ---- */

static void json_answer(struct http_response *res, int status, json_t *body)
{
    res->status = status;
    res->content_type = "application/json; charset=utf-8";
    res->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    res->len = res->body ? strlen(res->body) : 0;
    if (res->body == NULL)
        res->status = 500;
    json_decref(body);
}

static void json_words(struct http_response *res, int status, const char *code, const char *words)
{
    json_answer(res, status, json_pack("{s:s, s:s}", "error", code, "message", words));
}

/* The page with a fresh nonce in place of every {{NONCE}}. */
static void page(struct http_response *res, int status, int frame_ok)
{
    const struct asset *a = asset_find("web/approve.html");
    uint8_t raw[16];
    const char *mark = "{{NONCE}}", *p, *q;
    size_t ml = strlen(mark), nl, cap;
    char *out;

    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(res->nonce, sizeof res->nonce, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    nl = strlen(res->nonce);
    if (a == NULL || (out = malloc(a->len * 2 + 64)) == NULL) {
        res->status = 500;
        res->nonce[0] = '\0';
        return;
    }
    cap = 0;
    for (p = (const char *)a->bytes; (q = strstr(p, mark)) != NULL; p = q + ml) {
        memcpy(out + cap, p, (size_t)(q - p));
        cap += (size_t)(q - p);
        memcpy(out + cap, res->nonce, nl);
        cap += nl;
    }
    memcpy(out + cap, p, strlen(p));
    cap += strlen(p);
    res->status = status;
    res->content_type = "text/html; charset=utf-8";
    res->body = out;
    res->len = cap;
    res->frame_ok = frame_ok;
}

/* ---- what the page shows ---- */

static json_t *kernel_breakdown(const struct session_row *row, const struct policy *p, json_t *opts_j)
{
    struct zd_session_opts o;
    struct zd_approval a;
    struct mcp_error err;
    char line[600], hex[64];
    json_t *out = json_array(), *pol;
    size_t i;

    memset(&a, 0, sizeof a);
    if (out == NULL || zd_session_opts_from_json(&o, opts_j, &err) != MCP_OK || zd_session_build(&a, p, &o, &err) != MCP_OK) {
        zd_approval_free(&a);
        json_decref(out);
        return NULL;
    }
    snprintf(line, sizeof line, "Account: ZeroDev Kernel %s at %s, %s.", zd_kernel_name(a.kernel), a.account,
             o.onchain.deployed ? "already deployed" : "not deployed yet (the first session transaction deploys it)");
    json_array_append_new(out, json_string(line));
    eth_hex_encode(hex, a.en.permission_id, 4);
    snprintf(line, sizeof line, "Installs a permission validator (permission id %s) whose signer is the session key "
             "%s, a key this server holds and uses only through its execution checks.", hex, a.perm.session_key);
    json_array_append_new(out, json_string(line));
    json_array_foreach(a.perm.policies, i, pol) {
        json_t *pp = json_object_get(pol, "policyParams");
        const char *type = zd_policy_type(pol);

        if (type != NULL && strcmp(type, "call") == 0) {
            json_t *perms = json_object_get(pp, "permissions"), *pe;
            size_t k;
            json_array_foreach(perms, k, pe) {
                snprintf(line, sizeof line, "Call policy: may call %s, function %s, sending at most %s wei of ETH.",
                         json_string_value(json_object_get(pe, "target")) ? json_string_value(json_object_get(pe, "target")) : "?",
                         json_string_value(json_object_get(pe, "selector")) ? json_string_value(json_object_get(pe, "selector")) : "?",
                         json_string_value(json_object_get(pe, "valueLimit")) ? json_string_value(json_object_get(pe, "valueLimit")) : "0");
                json_array_append_new(out, json_string(line));
            }
        } else if (type != NULL && strcmp(type, "rate-limit") == 0) {
            long long count = (long long)json_integer_value(json_object_get(pp, "count"));
            long long interval = (long long)json_integer_value(json_object_get(pp, "interval"));
            const char *addr = json_string_value(json_object_get(pp, "policyAddress"));
            if (addr != NULL && strcasecmp(addr, ZD_RATE_LIMIT_RESET_POLICY) == 0)
                snprintf(line, sizeof line, "Rate-limit policy: at most %lld operation(s) in every %lld seconds.",
                         count, interval);
            else
                snprintf(line, sizeof line, "Rate-limit policy: at most one operation every %lld seconds, %lld in "
                         "total.", interval, count);
            json_array_append_new(out, json_string(line));
        } else if (type != NULL && strcmp(type, "timestamp") == 0) {
            char from[24], until[24];
            clock_format(from, (int64_t)json_integer_value(json_object_get(pp, "validAfter")));
            clock_format(until, (int64_t)json_integer_value(json_object_get(pp, "validUntil")));
            snprintf(line, sizeof line, "Timestamp policy: valid from %s until %s (UTC).", from, until);
            json_array_append_new(out, json_string(line));
        } else {
            snprintf(line, sizeof line, "Policy: %s.", type ? type : "unknown");
            json_array_append_new(out, json_string(line));
        }
    }
    snprintf(line, sizeof line, "Grants it the account's execute function (selector 0xe9ae5c53). Approval nonce %u "
             "(the account's current one).", (unsigned)o.onchain.nonce);
    json_array_append_new(out, json_string(line));
    (void)row;
    zd_approval_free(&a);
    return out;
}

/* An "other" account signs the summary itself (message.summary of its typed data), with the
 * notes the request added (who enforces, whether the owner was verified): the page shows that
 * text, exactly as the tool result did. Rows without it keep the summary rebuilt from the policy. */
static enum mcp_rc signed_summary(char **summary, const struct session_row *row)
{
    json_error_t jerr;
    json_t *td = row->typed_data ? json_loads(row->typed_data, 0, &jerr) : NULL;
    const char *s = json_string_value(json_object_get(json_object_get(td, "message"), "summary"));
    char *copy;

    if (s == NULL) {
        json_decref(td);
        return MCP_OK;
    }
    copy = strdup(s);
    json_decref(td);
    if (copy == NULL)
        return MCP_ENOMEM;
    free(*summary);
    *summary = copy;
    return MCP_OK;
}

static json_t *page_data(const struct session_row *row, int64_t now)
{
    struct policy p;
    struct mcp_error err;
    json_error_t jerr;
    json_t *pj = json_loads(row->policy, 0, &jerr), *out = NULL, *breakdown = NULL;
    char *summary = NULL, wallet[43], owner[43], note[600];
    int kernel = strcmp(row->account_type, "kernel-v3") == 0;

    if (pj == NULL || policy_from_json(&p, pj, &err) != MCP_OK ||
        policy_summary(NULL, NULL, NULL, &summary, &p, &err) != MCP_OK)
        goto out;
    if (kernel) {
        struct zd_session_opts o;
        json_t *oj = json_loads(row->account, 0, &jerr);
        if (oj == NULL || zd_session_opts_from_json(&o, oj, &err) != MCP_OK) {
            json_decref(oj);
            goto out;
        }
        zd_session_account_note(note, sizeof note, &p, &o); /* as the request's summary: this note first */
        if (note[0] != '\0')
            tool_appendf(&summary, "ℹ %s\n", note);
        zd_session_enforcement_note(note, sizeof note, &p, &o);
        tool_appendf(&summary, "ℹ %s\n", note);
        breakdown = kernel_breakdown(row, &p, oj);
        json_decref(oj);
        if (summary == NULL || breakdown == NULL)
            goto out;
    } else if (signed_summary(&summary, row) != MCP_OK) {
        goto out;
    }
    tool_checksum(wallet, row->wallet);
    tool_checksum(owner, row->owner);
    out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:s, s:s}", "sessionId", row->id,
                    "accountType", row->account_type, "summaryText", summary, "wallet", wallet, "owner", owner,
                    "chainId", (json_int_t)row->chain_id, "chainName", p.chain_name, "expiresAt",
                    (json_int_t)row->expires_at, "approvalDeadline", (json_int_t)row->approval_deadline, "now",
                    (json_int_t)now, "label", row->label, "typedData", row->typed_data);
    if (out != NULL && breakdown != NULL)
        json_object_set(out, "kernelBreakdown", breakdown);
out:
    json_decref(breakdown);
    json_decref(pj);
    free(summary);
    return out;
}

/* ---- routing ---- */

/* Find the token named in the path; *rest = what follows it ("", "/data", "/decision"). */
static struct token *lookup(const char *tok, size_t len)
{
    struct token *hit = NULL;

    if (len != TOKEN_LEN)
        return NULL;
    for (int i = 0; i < MAX_TOKENS; i++) /* constant time per slot */
        if (g.t[i].state != TOK_FREE && sodium_memcmp(g.t[i].token, tok, TOKEN_LEN) == 0)
            hit = &g.t[i];
    return hit;
}

/* Words for a token that can no longer be used, or NULL while it is live (row loaded). */
static const char *dead_words(struct token *t, struct session_row *row, int *loaded, int64_t now, int *status)
{
    struct mcp_error err;
    struct db *db;

    *loaded = 0;
    *status = 410;
    if (t == NULL) {
        *status = 404;
        return "This approval link is not known to the server: it may be mistyped, or the server was restarted. "
               "Ask the assistant for a new link (confirm_session shows it while the request is pending).";
    }
    if (t->state == TOK_USED)
        return strcmp(t->outcome, "declined") == 0
                   ? "This approval link was already used: the request was declined. Nothing more to do here."
                   : "This approval link was already used: the session was approved. Nothing more to do here.";
    if (now >= t->deadline)
        return "This approval link has expired: requests must be signed within 15 minutes. Nothing was approved. "
               "Ask the assistant to request the session again for a new link.";
    if ((db = app_db(g.cfg, &err)) == NULL || db_session_get(db, row, t->sid, &err) != MCP_OK) {
        *status = 500;
        return "The server could not read this request right now; nothing was changed. Reload the page in a moment.";
    }
    *loaded = 1;
    if (strcmp(db_session_status(row, now), "pending") != 0)
        return "This request is no longer waiting for approval: it was already approved, declined or revoked in the "
               "chat. Nothing more to do here.";
    return NULL;
}

static void decision(struct token *t, const struct http_request *req, struct http_response *res)
{
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, 0, &jerr), *j;
    const char *action = json_string_value(json_object_get(body, "action"));
    const char *sig = json_string_value(json_object_get(body, "signature"));
    struct tool_reply out;
    struct mcp_error err = {MCP_OK, ""};
    struct db *db;
    int reject = action != NULL && strcmp(action, "decline") == 0;
    size_t sl = sig ? strlen(sig) : 0;
    enum mcp_rc rc;

    if (action == NULL || (!reject && strcmp(action, "approve") != 0) ||
        (!reject && (sl != 132 || sig[0] != '0' || sig[1] != 'x' || strspn(sig + 2, "0123456789abcdefABCDEF") != 130))) {
        json_decref(body);
        json_words(res, 400, "BAD_REQUEST", "Send {\"action\":\"approve\",\"signature\":\"0x…\"} (65 bytes) or "
                   "{\"action\":\"decline\"}. Nothing was changed.");
        return;
    }
    memset(&out, 0, sizeof out);
    if ((db = app_db(g.cfg, &err)) == NULL)
        rc = err.rc;
    else
        rc = confirm_session_settle(g.cfg, db, t->sid, reject ? NULL : sig, reject, &out, &err);
    json_decref(body);
    if (rc != MCP_OK) {
        json_words(res, rc == MCP_ECRYPTO ? 409 : rc == MCP_ECONFLICT ? 410 : 500,
                   rc == MCP_ECRYPTO ? "SIGNATURE_REFUSED" : mcp_rc_word(rc), err.msg);
        json_decref(out.structured);
        free(out.text);
        return;
    }
    j = json_object_get(out.structured, "status");
    t->state = TOK_USED;
    snprintf(t->outcome, sizeof t->outcome, "%s", reject ? "declined" : "approved");
    json_answer(res, 200, json_pack("{s:s, s:s}", "status", json_string_value(j) ? json_string_value(j) : "",
                                    "message", out.text ? out.text : ""));
    json_decref(out.structured);
    free(out.text);
    if (g.listener != NULL)
        g.listener(g.listener_ctx, t->sid, t->outcome);
}

static void http_handle(const struct http_request *req, struct http_response *res)
{
    const char *path = req->target, *tok, *rest;
    int is_view = 0, loaded = 0, status = 200;
    int64_t now = clock_now();
    struct session_row row;
    struct token *t;
    const char *words;

    if (strncmp(path, "/approve/", 9) == 0)
        tok = path + 9;
    else if (strncmp(path, "/view/", 6) == 0) {
        tok = path + 6;
        is_view = 1;
    } else {
        json_words(res, 404, "NOT_FOUND", "Nothing is served at this address.");
        return;
    }
    rest = tok + strcspn(tok, "/?#");
    t = lookup(tok, (size_t)(rest - tok));
    if (*rest == '?')
        rest += strlen(rest);
    if (strcmp(rest, "") != 0 && strcmp(rest, "/data") != 0 && !(strcmp(rest, "/decision") == 0 && !is_view)) {
        json_words(res, 404, "NOT_FOUND", "Nothing is served at this address.");
        return;
    }
    if ((strcmp(rest, "/decision") == 0) != (strcmp(req->method, "POST") == 0)) {
        json_words(res, 405, "METHOD_NOT_ALLOWED", "Use GET for the page and its data, POST for the decision.");
        return;
    }
    words = dead_words(t, &row, &loaded, now, &status);
    if (*rest == '\0') {
        page(res, words ? status : 200, is_view);
    } else if (words != NULL) {
        json_words(res, status, status == 404 ? "UNKNOWN_LINK" : status == 410 ? "LINK_GONE" : "SERVER_ERROR", words);
    } else if (strcmp(rest, "/data") == 0) {
        json_t *d = page_data(&row, now);
        if (d == NULL)
            json_words(res, 500, "SERVER_ERROR", "The stored request could not be shown; nothing was changed. "
                       "Revoke it and request a new session.");
        else
            json_answer(res, 200, d);
    } else {
        decision(t, req, res);
    }
    if (loaded)
        db_session_row_free(&row);
}

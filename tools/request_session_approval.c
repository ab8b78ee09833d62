/* request_session_approval.c: validate the requested permissions, create the session key,
 * store a pending session and return the ✓/✗ summary plus the typed data to sign.
 *
 * Order matters: the arguments are checked before anything is written (cheap, no key made
 * for a bad request); then ONE transaction checks for duplicates, creates and seals the key,
 * stores the session and writes the audit entry. Any failure rolls all of it back, so no
 * orphaned key or half-made session can remain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "automation_cover.h"
#include "approval_link.h"
#include "cfg.h"
#include "chain_calls.h"
#include "clock.h"
#include "db_audit.h"
#include "db_sessions.h"
#include "eth_hex.h"
#include "eth_keccak.h"
#include "keys_store.h"
#include "log.h"
#include "policy.h"
#include "policy_summary.h"
#include "policy_typed.h"
#include "policy_words.h"
#include "plan_automation.h"
#include "run_store.h"
#include "zd_session.h"
#include "session_view.h"
#include "testhook.h"
#include "tool_util.h"
#include "tools_decl.h"

#define APPROVAL_WINDOW 900 /* a pending request lapses after 15 minutes */

/* Everything produced for the request, owned until the result is built. */
struct request {
    struct policy p;
    char balance_note[200]; /* what the balance check found, or why it did not run */
    int is_kernel;          /* a ZeroDev Kernel v3 account: the owner signs ZeroDev's Enable data */
    int has_plan;           /* the request names an automation */
    int replaced;           /* pending requests for the same automation this one replaced */
    char replaced_id[SESSION_ID_MAX]; /* the newest of them */
    struct plan plan;
    struct zd_session_opts zopts;
    char account_note[600]; /* an ℹ line about the account (an assumption, who enforces), or "" */
    char owner_check[12];   /* "other" accounts: "signer", "erc1271" (at confirm) or "none" */
    int no_rpc;             /* no RPC endpoint for the chain (why the owner could not be checked) */
    json_t *notes;
    struct session_row row;
    json_t *automation;     /* the request's automation (borrowed), kept for the executor */
    json_t *can, *cannot, *warnings, *typed;
    char *summary;
    char *policy_json, *typed_json;
};

static void request_free(struct request *r)
{
    json_decref(r->can);
    json_decref(r->cannot);
    json_decref(r->warnings);
    json_decref(r->typed);
    free(r->summary);
    free(r->policy_json);
    free(r->typed_json);
    free(r->row.account);
    json_decref(r->notes);
}

static enum mcp_rc duplicate_error(struct db *db, const struct request *r, int64_t now, struct mcp_error *err)
{
    struct session_row *rows = NULL;
    char what[400] = "";
    enum mcp_rc rc;
    int n = 0;

    rc = db_session_find_live(&rows, &n, db, r->row.wallet, r->row.feature, r->row.scope_key, now, err);
    if (rc == MCP_OK && n > 0) {
        session_view_one_line(what, sizeof what, &rows[0], now);
        rc = mcp_errf(err, MCP_ECONFLICT,
                      "This wallet already has a session for %s: %s. Nothing new was created. Either keep using "
                      "it (nothing to do), or revoke it with revoke_session {\"sessionId\": \"%s\"} and then "
                      "request the new one again.",
                      r->row.feature[0] ? r->row.feature : "the same contract and functions", what, rows[0].id);
    }
    for (int i = 0; i < n; i++)
        db_session_row_free(&rows[i]);
    free(rows);
    return rc;
}

/* A request naming an automation: refused when the automation is already covered (the rule
 * plan_automation uses); a pending, unsigned request for the same automation is replaced: it
 * is ended, its key destroyed, and the audit log says by which request. */
static enum mcp_rc automation_duplicate(struct db *db, struct request *r, int64_t now, struct mcp_error *err)
{
    struct automation_cover cv;
    struct session_row *rows = NULL;
    json_t *d;
    int n = 0;
    enum mcp_rc rc;

    if (automation_cover_find(&cv, db, r->row.wallet, &r->plan, now, err) != MCP_OK)
        return err->rc;
    if (cv.id[0] != '\0')
        return mcp_errf(err, MCP_ECONFLICT, "This wallet already has a session that %s: %s. Nothing new was "
                        "created. Either keep using it (nothing to do), or revoke it with revoke_session "
                        "{\"sessionId\": \"%s\"} and then request the new one again.",
                        cv.same ? "runs this automation" : "can run this whole automation", cv.line, cv.id);
    rc = db_session_find_live(&rows, &n, db, r->row.wallet, "", r->row.scope_key, now, err);
    for (int i = 0; rc == MCP_OK && i < n; i++) {
        if (strcmp(db_session_status(&rows[i], now), "pending") != 0)
            continue;
        d = json_pack("{s:s, s:s}", "replacedBy", r->row.id, "reason", "a new request for the same automation");
        if ((rc = db_session_transition(db, rows[i].id, "pending", "revoked", now, err)) == MCP_OK &&
            (rc = keys_store_shred(db->h, rows[i].id, NULL, err)) == MCP_OK)
            rc = db_audit_append(db, now, rows[i].wallet, rows[i].id, "replaced", d, err);
        json_decref(d);
        if (rc == MCP_OK && r->replaced++ == 0)
            snprintf(r->replaced_id, sizeof r->replaced_id, "%s", rows[i].id);
    }
    for (int i = 0; i < n; i++)
        db_session_row_free(&rows[i]);
    free(rows);
    return rc;
}

/* When the request names an automation, its permissions may be narrower than the plan for
 * it, never wider; the plan's schedule is kept to say what will happen once approved. */
static enum mcp_rc check_automation(struct tool_ctx *ctx, struct request *r, json_t *args, struct mcp_error *err)
{
    json_t *a = json_object_get(args, "automation");
    struct plan pl;

    if (a == NULL)
        return MCP_OK;
    if (plan_build(&pl, ctx->cfg, r->p.chain_id, a, err) != MCP_OK || plan_check_narrow(&pl, &r->p, err) != MCP_OK)
        return err->rc;
    r->plan = pl;
    r->has_plan = 1;
    r->automation = a;
    session_view_promise(r->row.schedule, sizeof r->row.schedule, &pl, ctx->cfg);
    return MCP_OK;
}

/* With an RPC endpoint for the chain, the wallet must hold at least maxTotal of the spend
 * token. Without one the check is skipped and the result says so. */
static enum mcp_rc check_balance(struct tool_ctx *ctx, struct request *r, struct mcp_error *err)
{
    struct chain_client *cl = app_chain(ctx->cfg, r->p.chain_id, err);
    char have[96], need[96], wallet[43];
    struct eth_u256 bal;

    if (cl == NULL && err->rc == MCP_ENOTFOUND) {
        snprintf(r->balance_note, sizeof r->balance_note, "The wallet's %s balance was not checked: no RPC endpoint "
                 "is configured for %s.", r->p.token_symbol, r->p.chain_name);
        mcp_err_clear(err);
        return MCP_OK;
    }
    if (cl == NULL)
        return err->rc;
    if (chain_erc20_balance(&bal, cl, r->p.spend_token, r->p.wallet, err) != MCP_OK)
        return mcp_errf(err, err->rc, "Could not check the wallet's %s balance: %.300s. Nothing was created; retry "
                        "in a moment. %s", r->p.token_symbol, err->msg, tool_manual_fallback);
    session_view_amount(have, sizeof have, &r->p, &bal);
    session_view_amount(need, sizeof need, &r->p, &r->p.max_total);
    if (eth_u256_cmp(&bal, &r->p.max_total) < 0) {
        eth_hex_encode(wallet, r->p.wallet, 20);
        tool_checksum(wallet, wallet);
        return mcp_errf(err, MCP_EPOLICY, "Insufficient balance: %s holds %s, but the session may spend up to %s. "
                        "Nothing was created. Either fund the wallet with at least the difference, or ask for a "
                        "lower maxTotal (at most %s), and call request_session_approval again.", wallet, have, need, have);
    }
    snprintf(r->balance_note, sizeof r->balance_note, "Balance checked: the wallet holds %s, enough for the %s limit.",
             have, need);
    return MCP_OK;
}

/* Fill the row's identity columns from the validated policy. */
static void row_identity(struct request *r, int64_t now)
{
    char wallet[43], owner[43];

    eth_hex_encode(wallet, r->p.wallet, 20);
    eth_hex_encode(owner, r->p.owner, 20);
    db_session_new_id(r->row.id);
    snprintf(r->row.wallet, sizeof r->row.wallet, "%s", wallet);
    snprintf(r->row.owner, sizeof r->row.owner, "%s", owner);
    r->row.chain_id = r->p.chain_id;
    snprintf(r->row.account_type, sizeof r->row.account_type, "other");
    snprintf(r->row.feature, sizeof r->row.feature, "%s", r->p.feature);
    snprintf(r->row.label, sizeof r->row.label, "%s", r->p.label);
    if (r->has_plan) /* identified by what the automation does (automation_cover.h); schedule: check_automation */
        automation_cover_key(r->row.scope_key, &r->plan);
    else
        session_view_scope_key(r->row.scope_key, &r->p);
    snprintf(r->row.status, sizeof r->row.status, "pending");
    r->row.created_at = now;
    r->row.approval_deadline = now + APPROVAL_WINDOW;
    r->row.valid_after = r->p.valid_after;
    r->row.expires_at = r->p.valid_until;
}

/* With the key made: render, build the typed data, and serialize what is stored. */
/* The typed data for a Kernel account: ZeroDev's Enable data, with the note on who enforces
 * what appended to the summary (the chain holds some limits, this server all of them). */
static enum mcp_rc render_kernel(struct request *r, struct mcp_error *err)
{
    struct zd_approval a;
    char note[600];
    enum mcp_rc rc = zd_session_build(&a, &r->p, &r->zopts, err);
    json_t *opts;

    if (rc == MCP_OK && (r->typed = zd_enable_typed_data_for_wallet(a.typed_data)) == NULL)
        rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (rc == MCP_OK)
        memcpy(r->row.digest, a.digest, 32);
    zd_approval_free(&a);
    if (rc != MCP_OK)
        return rc;
    zd_session_enforcement_note(note, sizeof note, &r->p, &r->zopts);
    json_array_append_new(r->notes, json_string(note));
    tool_appendf(&r->summary, "ℹ %s\n", note);
    opts = zd_session_opts_json(&r->zopts);
    r->row.account = opts ? json_dumps(opts, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(opts);
    snprintf(r->row.account_type, sizeof r->row.account_type, "kernel-v3");
    return r->row.account && r->summary ? MCP_OK : mcp_errf(err, MCP_ENOMEM, "out of memory");
}

/* An "other" account: nothing is installed on the wallet, so the summary says who enforces
 * the limits and whether anything confirmed the owner; the row keeps how the owner is checked. */
static enum mcp_rc other_account(struct request *r)
{
    static const char only_server[] = "Only this server enforces these limits: nothing is installed on your "
                                       "wallet contract.";
    char owner[43], line[300];
    json_t *acct;

    json_array_append_new(r->notes, json_string(only_server));
    tool_appendf(&r->summary, "ℹ %s\n", only_server);
    if (strcmp(r->owner_check, "none") == 0) {
        eth_addr_format(owner, r->p.owner);
        snprintf(line, sizeof line, "Owner not verified: nothing on chain confirms that %s owns this wallet (%s).",
                 owner, r->no_rpc ? "no RPC endpoint is configured "
                 "to check it" : "the wallet has no contract code to ask");
        json_array_append_new(r->notes, json_string(line));
        tool_appendf(&r->summary, "ℹ %s\n", line);
    }
    acct = json_pack("{s:s, s:s}", "type", "other", "ownerCheck", r->owner_check);
    r->row.account = acct ? json_dumps(acct, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(acct);
    return r->row.account && r->summary ? MCP_OK : MCP_ENOMEM;
}

/* "other" accounts: how the owner will be checked. The wallet signing for itself is checked by
 * the signature; another owner by ERC-1271 on the wallet at confirm when an RPC endpoint can
 * ask a deployed wallet; otherwise nobody can, and the summary says so. */
static enum mcp_rc choose_owner_check(struct tool_ctx *ctx, struct request *r, struct mcp_error *err)
{
    struct chain_client *cl;
    uint8_t *code = NULL;
    size_t len = 0;

    if (r->is_kernel)
        return MCP_OK;
    if (memcmp(r->p.owner, r->p.wallet, 20) == 0) {
        snprintf(r->owner_check, sizeof r->owner_check, "signer");
        return MCP_OK;
    }
    snprintf(r->owner_check, sizeof r->owner_check, "none");
    if ((cl = app_chain(ctx->cfg, r->p.chain_id, err)) == NULL) {
        if (err->rc != MCP_ENOTFOUND)
            return err->rc;
        mcp_err_clear(err);
        r->no_rpc = 1;
        return MCP_OK;
    }
    if (chain_get_code(&code, &len, cl, r->p.wallet, err) != MCP_OK)
        return mcp_errf(err, err->rc, "Could not read the wallet's code to check its owner: %.300s. Nothing was "
                        "created; retry in a moment. %s", err->msg, tool_manual_fallback);
    free(code);
    if (len > 0)
        snprintf(r->owner_check, sizeof r->owner_check, "erc1271");
    return MCP_OK;
}

/* With the key made: render, build the typed data, and serialize what is stored. */
static enum mcp_rc render(struct request *r, struct mcp_error *err)
{
    if (policy_summary(&r->can, &r->cannot, &r->warnings, &r->summary, &r->p, err) != MCP_OK)
        return err->rc;
    if ((r->notes = policy_summary_notes(&r->p)) == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    if (r->account_note[0] != '\0') {
        json_array_append_new(r->notes, json_string(r->account_note));
        tool_appendf(&r->summary, "ℹ %s\n", r->account_note);
    }
    if (r->is_kernel) {
        if (render_kernel(r, err) != MCP_OK)
            return err->rc;
    } else {
        if (other_account(r) != MCP_OK)
            return mcp_errf(err, MCP_ENOMEM, "out of memory");
        r->typed = policy_typed_data(&r->p, r->row.id, r->summary);
        if (r->typed == NULL)
            return mcp_errf(err, MCP_ENOMEM, "out of memory");
        if (policy_typed_digest(r->row.digest, r->typed, err) != MCP_OK)
            return err->rc;
    }
    r->policy_json = policy_canonical(&r->p);
    r->typed_json = json_dumps(r->typed, JSON_COMPACT);
    if (r->policy_json == NULL || r->typed_json == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    r->row.policy = r->policy_json;
    r->row.typed_data = r->typed_json;
    return MCP_OK;
}

static json_t *audit_details(const struct request *r)
{
    char total[96], per_tx[96], target[43];

    session_view_amount(total, sizeof total, &r->p, &r->p.max_total);
    session_view_amount(per_tx, sizeof per_tx, &r->p, &r->p.max_per_tx);
    eth_hex_encode(target, r->p.target, 20);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "chainId", (json_int_t)r->p.chain_id, "contract", target,
                     "maxTotal", total, "maxPerTransaction", per_tx, "sessionKey", r->row.session_key, "expiresAt",
                     (json_int_t)r->p.valid_until);
}

/* The one transaction: duplicate check, key, session row, audit entry. */
static enum mcp_rc store(struct tool_ctx *ctx, struct db *db, struct request *r, int64_t now, struct mcp_error *err)
{
    struct keys_master *km = app_keys(ctx->cfg, err);
    uint8_t addr[20];
    json_t *details = NULL;
    enum mcp_rc rc;

    if (km == NULL)
        return mcp_errf(err, err->rc, "The session key could not be created: the server's key store cannot be "
                        "opened (%.250s). Nothing was created or changed. Retry once the data directory (--data-dir "
                        "or SESSIONKEY_MCP_HOME) is readable and writable. %s", err->msg, tool_manual_fallback);
    if (db_begin(db, err) != MCP_OK)
        return err->rc;
    if ((rc = db_session_shred_ended(db, now, 0, NULL, err)) != MCP_OK || (rc = r->has_plan ? automation_duplicate(db, r, now, err) : duplicate_error(db, r, now, err)) != MCP_OK)
        goto out;
    if ((rc = keys_store_generate(addr, db->h, km, r->row.id, r->row.wallet, now, err)) != MCP_OK) {
        if (rc != MCP_EDB)
            rc = mcp_errf(err, rc, "The session key could not be created (%.250s). Nothing was created or changed. "
                          "Retry request_session_approval in a moment. %s", err->msg, tool_manual_fallback);
        goto out;
    }
    if (testhook_fault("after_keygen")) {
        rc = mcp_errf(err, MCP_EDB, "Storage failed right after the session key was created (test fault). "
                      "Nothing was kept: the key and the request were rolled back.");
        goto out;
    }
    memcpy(r->p.session_key, addr, 20);
    eth_hex_encode(r->row.session_key, addr, 20);
    if ((rc = render(r, err)) != MCP_OK || (rc = db_session_insert(db, &r->row, err)) != MCP_OK ||
        (r->automation != NULL && (rc = run_store_put_spec(db, r->row.id, r->automation, now, err)) != MCP_OK))
        goto out;
    details = audit_details(r);
    if ((rc = db_audit_append(db, now, r->row.wallet, r->row.id, "requested", details, err)) != MCP_OK)
        goto out;
    rc = db_commit(db, err);
    if (rc == MCP_OK && r->replaced > 0)
        keys_store_checkpoint(db->h, NULL); /* best effort: the replaced keys' bytes leave the WAL too */
out:
    json_decref(details);
    db_rollback(db);
    return rc;
}

/* The text carries everything the agent needs even when the host shows it no
 * structuredContent: the summary, what to do next, and the typed data itself. */
static char *result_text(const struct request *r, const char *url, const char *help_url)
{
    char deadline[POLICY_WORDS_MAX], owner[43], replaced[200] = "";
    char *typed = json_dumps(r->typed, JSON_COMPACT), *text = NULL;

    if (r->replaced > 0)
        snprintf(replaced, sizeof replaced, "\nIt replaces the earlier unsigned request %s for the same automation: "
                 "that one can no longer be signed, and its key was destroyed.", r->replaced_id);

    policy_words_when(deadline, sizeof deadline, r->row.approval_deadline, r->row.created_at);
    tool_checksum(owner, r->row.owner);
    if (typed != NULL && url[0] != '\0')
        tool_appendf(&text,
                     "%sHelp (what each line means, how to cancel, what happens if this server is down): %s\n"
                     "\nSession %s is waiting for the user's approval until %s (15 minutes).\n"
                     "Show the summary above to the user exactly as written, then this link: \"Open this page to "
                     "review and approve in your wallet: %s\". The page shows the same summary and asks their "
                     "wallet (%s) for the signature. When they are done, call confirm_session {\"sessionId\": "
                     "\"%s\"} to get the result. Without the page, they can sign the typed data below "
                     "(eth_signTypedData_v4) and you call confirm_session with the signature; if they decline, "
                     "call confirm_session with decision \"reject\".\n%s%s\n\nTyped data to sign:\n%s",
                     r->summary, help_url, r->row.id, deadline, url, owner, r->row.id, r->balance_note, replaced,
                     typed);
    else if (typed != NULL)
        tool_appendf(&text,
                     "%sHelp (what each line means, how to cancel, what happens if this server is down): %s\n"
                     "\nSession %s is waiting for the user's signature until %s (15 minutes).\n"
                     "Show the summary above to the user exactly as written. Then ask them to sign the typed data "
                     "below with their wallet (eth_signTypedData_v4, signer %s) and call confirm_session with this "
                     "sessionId and the signature. If they decline, call confirm_session with decision "
                     "\"reject\".\n%s%s\n\nTyped data to sign:\n%s",
                     r->summary, help_url, r->row.id, deadline, owner, r->balance_note, replaced, typed);
    free(typed);
    return text;
}

enum mcp_rc tool_request_session_approval(struct tool_ctx *ctx, json_t *args, struct tool_reply *out,
                                          struct mcp_error *err)
{
    struct request r;
    static const uint8_t no_key[20];
    int64_t now = clock_now();
    char expires[24], deadline[24], key[43], url[APPROVAL_LINK_MAX];
    enum mcp_rc rc;
    struct db *db;

    memset(&r, 0, sizeof r);
    if (policy_from_request(&r.p, ctx->cfg, args, no_key, now, err) != MCP_OK ||
        check_automation(ctx, &r, args, err) != MCP_OK || check_balance(ctx, &r, err) != MCP_OK ||
        zd_session_choose(&r.zopts, &r.is_kernel, r.account_note, sizeof r.account_note, ctx->cfg, &r.p, args,
                          err) != MCP_OK ||
        choose_owner_check(ctx, &r, err) != MCP_OK) {
        request_free(&r);
        return err->rc;
    }
    if ((db = tool_db(ctx, err)) == NULL)
        return err->rc;
    row_identity(&r, now);
    if ((rc = store(ctx, db, &r, now, err)) != MCP_OK) {
        if (rc == MCP_EDB) {
            mcp_err_prefix(err, "Could not create the session");
            if (strlen(err->msg) < 300)
                mcp_errf(err, rc, "%s%s %s", err->msg, strstr(err->msg, "retry") ? "" :
                         " Retry request_session_approval once storage works again.", tool_manual_fallback);
        }
        request_free(&r);
        return rc;
    }
    clock_format(expires, r.row.expires_at);
    clock_format(deadline, r.row.approval_deadline);
    tool_checksum(key, r.row.session_key);
    out->structured = json_pack("{s:s, s:s, s:s, s:{s:O, s:O, s:O, s:O}, s:O, s:s, s:s, s:s, s:s}", "sessionId",
                                r.row.id, "status", "pending", "accountType", r.row.account_type, "summary", "can",
                                r.can, "cannot", r.cannot, "warnings", r.warnings, "notes", r.notes, "typedData", r.typed, "digest", "", "sessionKeyAddress", key, "expiresAt",
                                expires, "approvalDeadline", deadline);
    if (out->structured != NULL) {
        char digest[67];
        eth_hex_encode(digest, r.row.digest, 32);
        json_object_set_new(out->structured, "digest", json_string(digest));
        json_object_set_new(out->structured, "summaryText", json_string(r.summary));
        json_object_set_new(out->structured, "helpUrl", json_string(cfg_help_url(ctx->cfg)));
    }
    approval_link_get(url, sizeof url, ctx->cfg, r.row.id, NULL); /* no page: no link, the text says how */
    if (out->structured != NULL && url[0] != '\0')
        json_object_set_new(out->structured, "approvalUrl", json_string(url));
    out->text = result_text(&r, url, cfg_help_url(ctx->cfg));
    if (out->structured != NULL && r.replaced > 0)
        json_object_set_new(out->structured, "replacedSessionId", json_string(r.replaced_id));
    request_free(&r);
    if (out->structured == NULL || out->text == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    return MCP_OK;
}

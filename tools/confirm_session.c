/* confirm_session.c: finish a pending approval. A valid signature by the owner over exactly
 * the stored typed data activates the session (idempotent); a bad one is refused and the
 * request stays pending until its deadline; "reject" declines it and destroys the key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "chain_calls.h"
#include "approval_link.h"
#include "clock.h"
#include "confirm_session.h"
#include "db_audit.h"
#include "db_sessions.h"
#include "eth_hex.h"
#include "eth_secp.h"
#include "keys_store.h"
#include "log.h"
#include "policy.h"
#include "policy_typed.h"
#include "policy_words.h"
#include "session_view.h"
#include "tool_util.h"
#include "tools_decl.h"
#include "zd_serialize.h"
#include "zd_session.h"

static enum mcp_rc reply(struct tool_reply *out, struct db *db, const struct session_row *row, const char *status,
                         char *text, struct mcp_error *err)
{
    char expires[24];

    clock_format(expires, row->expires_at);
    out->structured = json_pack("{s:s, s:s, s:s, s:s}", "sessionId", row->id, "status", status, "expiresAt", expires,
                                "message", text ? text : "");
    out->text = text;
    if (out->structured != NULL && strcmp(status, "active") == 0 && strcmp(row->account_type, "kernel-v3") == 0) {
        char *b64 = session_view_approval(db, row->id);
        if (b64 != NULL)
            json_object_set_new(out->structured, "serializedApproval", json_string(b64));
        free(b64);
    }
    if (out->structured == NULL || text == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    return MCP_OK;
}

/* One transaction: guarded state change, key shred if the session ends, audit entry. */
static enum mcp_rc transition(struct db *db, const struct session_row *row, const char *to, int64_t now,
                              const char *event, json_t *details, struct mcp_error *err)
{
    enum mcp_rc rc;

    if (db_begin(db, err) != MCP_OK)
        return err->rc;
    if ((rc = db_session_transition(db, row->id, "pending", to, now, err)) == MCP_OK &&
        (strcmp(to, "active") == 0 || (rc = keys_store_shred(db->h, row->id, NULL, err)) == MCP_OK) &&
        (rc = db_audit_append(db, now, row->wallet, row->id, event, details, err)) == MCP_OK)
        rc = db_commit(db, err);
    db_rollback(db);
    return rc;
}

static enum mcp_rc reject(struct db *db, struct session_row *row, int64_t now, struct tool_reply *out,
                          struct mcp_error *err)
{
    char *text = NULL;

    if (transition(db, row, "declined", now, "declined", NULL, err) != MCP_OK)
        return err->rc;
    keys_store_checkpoint(db->h, NULL); /* best effort: flush shredded bytes out of the WAL */
    tool_appendf(&text, "No problem: the request was declined and its session key destroyed, so nothing can run "
                 "on the wallet. The user can set up the automation again any time, or %s",
                 "simply sign each trade themselves in their own wallet.");
    return reply(out, db, row, "declined", text, err);
}

static void record_failure(struct db *db, const struct session_row *row, int64_t now, const char *why)
{
    json_t *d = json_pack("{s:s}", "reason", why);
    struct mcp_error ignore;

    /* best effort: a refused signature is worth recording, but failing to record it must not
     * hide the refusal itself from the user */
    if (db_begin(db, &ignore) == MCP_OK &&
        db_audit_append(db, now, row->wallet, row->id, "signature_refused", d, &ignore) == MCP_OK &&
        db_commit(db, &ignore) != MCP_OK)
        log_warn("could not record a refused signature for %s: %s", row->id, ignore.msg);
    db_rollback(db);
    json_decref(d);
}

/* A signature that cannot be one (wrong length, v not 27/28, not on the curve): plain words
 * for the user, the technical detail for the log. Returns: MCP_ECRYPTO. */
static enum mcp_rc not_a_signature(const struct session_row *row, struct mcp_error *err)
{
    char deadline[POLICY_WORDS_MAX];

    log_debug("confirm_session %s: signature rejected: %s", row->id, err->msg);
    policy_words_when(deadline, sizeof deadline, row->approval_deadline, clock_now());
    return mcp_errf(err, MCP_ECRYPTO, "This is not a valid signature, so session %s was not approved. Nothing "
                    "changed: the request stays pending until %s. Ask the user to sign the typed data again in "
                    "their wallet and call confirm_session with the new signature.", row->id, deadline);
}

/* Check sig against the stored typed data and owner. Returns MCP_OK or MCP_ECRYPTO with words. */
static enum mcp_rc verify(const struct session_row *row, const char *sig_hex, struct mcp_error *err)
{
    uint8_t digest[32], sig[65], signer[20];
    char who[43], owner[43], deadline[POLICY_WORDS_MAX];
    json_error_t jerr;
    json_t *typed = json_loads(row->typed_data, 0, &jerr);
    enum mcp_rc rc = typed ? policy_typed_digest(digest, typed, err) : MCP_EINTERNAL;

    json_decref(typed);
    if (rc != MCP_OK || memcmp(digest, row->digest, 32) != 0)
        return mcp_errf(err, MCP_EINTERNAL, "The stored approval request for %s is damaged (its digest no longer "
                        "matches). Revoke it and request a new session.", row->id);
    policy_words_when(deadline, sizeof deadline, row->approval_deadline, clock_now());
    if (eth_hex_decode(sig, sizeof sig, sig_hex, "signature", err) != MCP_OK ||
        eth_secp_recover(signer, digest, sig, err) != MCP_OK)
        return not_a_signature(row, err);
    eth_hex_encode(who, signer, 20);
    if (strcmp(who, row->owner) != 0) {
        tool_checksum(owner, row->owner);
        tool_checksum(who, who);
        return mcp_errf(err, MCP_ECRYPTO,
                        "This signature does not approve session %s: it was made by %s, not by the wallet owner "
                        "%s. Nothing changed: the request stays pending until %s. Ask the user to sign the exact "
                        "typed data from request_session_approval with that wallet and call confirm_session again.",
                        row->id, who, owner, deadline);
    }
    return MCP_OK;
}

/* Kernel v3: rebuild the exact Enable data from the stored policy and account options, check
 * it is what the owner was shown, and serialize the approval (which first checks that the
 * signature recovers the owner). Out: *b64, malloc'd. */
static enum mcp_rc verify_kernel(char **b64, const struct session_row *row, const char *sig_hex, struct mcp_error *err)
{
    struct zd_session_opts o;
    struct zd_approval a;
    struct policy p;
    uint8_t sig[65];
    json_error_t jerr;
    json_t *pj = json_loads(row->policy, 0, &jerr), *oj = json_loads(row->account, 0, &jerr);
    enum mcp_rc rc = MCP_EINTERNAL;

    memset(&a, 0, sizeof a);
    if (pj == NULL || oj == NULL || policy_from_json(&p, pj, err) != MCP_OK || zd_session_opts_from_json(&o, oj, err) != MCP_OK)
        rc = mcp_errf(err, MCP_EINTERNAL, "The stored request for %s is damaged; revoke it and request a new one.", row->id);
    else if ((rc = zd_session_build(&a, &p, &o, err)) != MCP_OK)
        ;
    else if (memcmp(a.digest, row->digest, 32) != 0)
        rc = mcp_errf(err, MCP_EINTERNAL, "The Enable data rebuilt for %s no longer matches what was shown; revoke "
                      "it and request a new session.", row->id);
    else if (eth_hex_decode(sig, sizeof sig, sig_hex, "signature", err) != MCP_OK)
        rc = not_a_signature(row, err);
    else if ((rc = zd_serialize_approval(b64, NULL, &a, sig, err)) != MCP_OK) {
        char deadline[POLICY_WORDS_MAX];
        policy_words_when(deadline, sizeof deadline, row->approval_deadline, clock_now());
        mcp_err_prefix(err, "This signature does not approve session %s", row->id);
        if (strlen(err->msg) < 250)
            mcp_errf(err, err->rc, "%s. Nothing changed: the request stays pending until %s; ask the user to sign "
                     "again with the wallet owner and call confirm_session again.", err->msg, deadline);
    }
    zd_approval_free(&a);
    json_decref(pj);
    json_decref(oj);
    return rc;
}

/* The approval's audit entry: who signed, and that the signature was checked against the
 * wallet owner over exactly the data shown. Returns: a new reference or NULL. */
static json_t *approval_details(const struct session_row *row, int kernel)
{
    char owner[43];

    tool_checksum(owner, row->owner);
    return json_pack("{s:s, s:b, s:s}", "signer", owner, "signatureChecked", 1, "signed",
                     kernel ? "ZeroDev Enable data (EIP-712)" : "session approval (EIP-712)");
}

static enum mcp_rc approve(struct db *db, struct session_row *row, const char *sig_hex, int64_t now,
                           struct tool_reply *out, struct mcp_error *err)
{
    char *text = NULL, next[512], *b64 = NULL;
    int kernel = strcmp(row->account_type, "kernel-v3") == 0;
    json_t *details = NULL;
    sqlite3_stmt *st;

    if ((kernel ? verify_kernel(&b64, row, sig_hex, err) : verify(row, sig_hex, err)) != MCP_OK) {
        if (err->rc == MCP_ECRYPTO)
            record_failure(db, row, now, err->msg);
        return err->rc;
    }
    if ((details = approval_details(row, kernel)) == NULL) {
        free(b64);
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    if (db_begin(db, err) != MCP_OK) {
        free(b64);
        json_decref(details);
        return err->rc;
    }
    if (db_session_transition(db, row->id, "pending", "active", now, err) != MCP_OK ||
        db_prepare(db, &st, "INSERT INTO approvals(session_id, signature, serialized_approval, created_at) "
                            "VALUES(?, ?, ?, ?)", err) != MCP_OK)
        goto fail;
    sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sig_hex, -1, SQLITE_STATIC);
    if (b64 != NULL)
        sqlite3_bind_text(st, 3, b64, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    if (db_step_done(db, st, "saving the approval", err) != MCP_OK ||
        db_audit_append(db, now, row->wallet, row->id, "approved", details, err) != MCP_OK ||
        db_commit(db, err) != MCP_OK)
        goto fail;
    free(b64);
    json_decref(details);
    session_view_next_step(next, sizeof next, row, now);
    tool_appendf(&text, "Session approved! Your %s is now active. %s You can check status or cancel anytime by saying "
                 "'show my automations'.", strcmp(row->feature, "twap") == 0 ? "TWAP order"
                                            : strcmp(row->feature, "stop_loss") == 0 ? "stop-loss" : "session", next);
    if (kernel)
        tool_appendf(&text, " The executor gets the serialized approval (serializedApproval); it holds no private "
                     "key: every transaction is still signed through this server's execution checks.");
    tool_appendf(&text, " (Session id: %s)", row->id);
    return reply(out, db, row, "active", text, err);
fail:
    free(b64);
    json_decref(details);
    db_rollback(db);
    return err->rc;
}

/* A session that is no longer pending: say where it stands, idempotently for "active". */
static enum mcp_rc settled(struct db *db, struct session_row *row, const char *status, int reject_asked,
                           struct tool_reply *out, struct mcp_error *err)
{
    char *text = NULL;

    if (strcmp(status, "active") == 0 && !reject_asked) {
        tool_appendf(&text, "This session is already active; nothing more to confirm. Say 'show my automations' to "
                     "check on it. (Session id: %s)", row->id);
        return reply(out, db, row, "active", text, err);
    }
    if (strcmp(status, "declined") == 0 && reject_asked) {
        tool_appendf(&text, "This request was already declined; nothing more to do. (Session id: %s)", row->id);
        return reply(out, db, row, "declined", text, err);
    }
    if (strcmp(status, "lapsed") == 0)
        return mcp_errf(err, MCP_ECONFLICT, "The approval request %s lapsed: it was not signed within 15 minutes, "
                        "and its key was destroyed. Call request_session_approval again to start over. %s", row->id,
                        tool_manual_fallback);
    return mcp_errf(err, MCP_ECONFLICT, "Session %s is %s, so it cannot be %s; nothing changed. Use "
                    "list_automations to see the wallet's sessions, or call request_session_approval to set the "
                    "automation up again. %s", row->id, status, reject_asked ? "declined" : "confirmed",
                    tool_manual_fallback);
}

/* An "other" account whose owner is not the wallet itself, on a chain with an RPC endpoint and
 * a deployed wallet (ownerCheck "erc1271", chosen at request time): the wallet must accept the
 * signature as its own (ERC-1271 isValidSignature), else the signer does not own it. */
static enum mcp_rc check_erc1271(const struct skm_config *cfg, struct db *db, const struct session_row *row,
                                 const char *sig_hex, int64_t now, struct mcp_error *err)
{
    json_error_t jerr;
    json_t *acct = strcmp(row->account_type, "kernel-v3") != 0 && row->account ? json_loads(row->account, 0, &jerr) : NULL;
    const char *how = json_string_value(json_object_get(acct, "ownerCheck"));
    int want = how != NULL && strcmp(how, "erc1271") == 0, valid = 0;
    uint8_t wallet[20], sig[65];
    uint32_t magic = 0;
    struct chain_client *cl;
    struct policy p;
    json_t *pj;
    char owner[43], w[43];

    json_decref(acct);
    if (!want)
        return MCP_OK;
    pj = json_loads(row->policy, 0, &jerr);
    if (pj == NULL || policy_from_json(&p, pj, err) != MCP_OK) {
        json_decref(pj);
        return mcp_errf(err, MCP_EINTERNAL, "The stored request for %s is damaged; revoke it and request a new one.",
                        row->id);
    }
    json_decref(pj);
    memcpy(wallet, p.wallet, 20);
    if ((cl = app_chain(cfg, p.chain_id, err)) == NULL ||
        eth_hex_decode(sig, sizeof sig, sig_hex, "signature", err) != MCP_OK ||
        chain_erc1271_check(&valid, &magic, cl, wallet, row->digest, sig, sizeof sig, err) != MCP_OK)
        return mcp_errf(err, err->rc == MCP_EINVAL ? MCP_EINVAL : err->rc, "Could not ask the wallet whether this "
                        "signature is its owner's (ERC-1271 isValidSignature): %.300s. Nothing changed: the request "
                        "stays pending; retry in a moment.", err->msg);
    if (valid)
        return MCP_OK;
    tool_checksum(owner, row->owner);
    tool_checksum(w, row->wallet);
    mcp_errf(err, MCP_ECRYPTO, "The wallet %s does not accept this signature as its own (ERC-1271 "
             "isValidSignature answered 0x%08x), so %s is not shown to own it. Nothing changed: the request stays "
             "pending. Ask the user to sign with a key that owns the wallet, and request again with that "
             "ownerAddress.", w, (unsigned)magic, owner);
    record_failure(db, row, now, err->msg);
    return MCP_ECRYPTO;
}

/* Read a session and its status at now; an ended one's key is destroyed at once, not at the
 * next sweep. */
static enum mcp_rc load(struct db *db, const char *sid, int64_t now, struct session_row *row, const char **status,
                        struct mcp_error *err)
{
    if (db_session_get(db, row, sid, err) != MCP_OK)
        return err->rc;
    *status = db_session_status(row, now);
    if (strcmp(*status, "lapsed") == 0 || strcmp(*status, "expired") == 0)
        tool_sweep(db, now, 1);
    return MCP_OK;
}

/* The one path that settles a pending session: confirm_session and the approval page both
 * come through here (same checks, same audit entry, same words). */
enum mcp_rc confirm_session_settle(const struct skm_config *cfg, struct db *db, const char *sid, const char *sig,
                                   int reject_asked, struct tool_reply *out, struct mcp_error *err)
{
    int64_t now = clock_now();
    struct session_row row;
    const char *status;
    enum mcp_rc rc;

    if (load(db, sid, now, &row, &status, err) != MCP_OK)
        return err->rc;
    if (strcmp(status, "pending") != 0)
        rc = settled(db, &row, status, reject_asked, out, err);
    else if (reject_asked)
        rc = reject(db, &row, now, out, err);
    else if ((rc = check_erc1271(cfg, db, &row, sig, now, err)) == MCP_OK)
        rc = approve(db, &row, sig, now, out, err);
    if (rc == MCP_ECONFLICT && strcmp(status, "pending") == 0) {
        /* another process settled it between our read and our write: answer from what it did */
        db_session_row_free(&row);
        if (db_session_get(db, &row, sid, err) != MCP_OK)
            return err->rc;
        mcp_err_clear(err);
        rc = settled(db, &row, db_session_status(&row, now), reject_asked, out, err);
    }
    db_session_row_free(&row);
    return rc;
}

/* No signature and no decision: say where the session stands; a pending one gets its link. */
static enum mcp_rc report_state(struct tool_ctx *ctx, struct db *db, const char *sid, struct tool_reply *out,
                                struct mcp_error *err)
{
    int64_t now = clock_now();
    struct session_row row;
    struct mcp_error uerr = {MCP_OK, ""};
    char url[APPROVAL_LINK_MAX] = "", deadline[POLICY_WORDS_MAX], until[POLICY_WORDS_MAX], owner[43], *text = NULL;
    const char *status;
    enum mcp_rc rc;

    if (load(db, sid, now, &row, &status, err) != MCP_OK)
        return err->rc;
    policy_words_when(deadline, sizeof deadline, row.approval_deadline, now); /* times as words, as everywhere */
    policy_words_when(until, sizeof until, row.expires_at, now);
    tool_checksum(owner, row.owner);
    if (strcmp(status, "pending") == 0) {
        if (approval_link_get(url, sizeof url, ctx->cfg, row.id, &uerr) == MCP_OK)
            tool_appendf(&text, "Session %s is still waiting for the owner's signature (until %s). Open this page "
                         "to review and approve in your wallet: %s . Or sign the typed data from "
                         "request_session_approval with %s and call confirm_session with the signature.",
                         row.id, deadline, url, owner);
        else
            tool_appendf(&text, "Session %s is still waiting for the owner's signature (until %s); the approval "
                         "page is not available (%s). Sign the typed data from request_session_approval with %s "
                         "and call confirm_session with the signature, or decision \"reject\" to decline.",
                         row.id, deadline, uerr.msg, owner);
    } else if (strcmp(status, "active") == 0) {
        tool_appendf(&text, "Session %s is active until %s: the owner approved it.", row.id, until);
    } else if (strcmp(status, "declined") == 0) {
        tool_appendf(&text, "Session %s was declined; its key was destroyed. Request a new session to start over.",
                     row.id);
    } else if (strcmp(status, "lapsed") == 0) {
        tool_appendf(&text, "The approval request %s lapsed: it was not signed within 15 minutes, and its key was "
                     "destroyed. Call request_session_approval again to start over.", row.id);
    } else {
        tool_appendf(&text, "Session %s is %s. Use list_automations to see the wallet's sessions.", row.id, status);
    }
    rc = reply(out, db, &row, status, text, err);
    if (rc == MCP_OK && url[0] != '\0')
        json_object_set_new(out->structured, "approvalUrl", json_string(url));
    db_session_row_free(&row);
    return rc;
}

enum mcp_rc tool_confirm_session(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err)
{
    const char *sid = json_string_value(json_object_get(args, "sessionId"));
    const char *sig = json_string_value(json_object_get(args, "signature"));
    const char *decision = json_string_value(json_object_get(args, "decision"));
    int reject_asked = decision != NULL && strcmp(decision, "reject") == 0;
    struct db *db;

    if (reject_asked && sig != NULL)
        return mcp_errf(err, MCP_EINVAL, "Give either a signature or decision \"reject\", not both.");
    if ((db = tool_db(ctx, err)) == NULL)
        return err->rc;
    if (!reject_asked && sig == NULL)
        return report_state(ctx, db, sid, out, err);
    return confirm_session_settle(ctx->cfg, db, sid, sig, reject_asked, out, err);
}

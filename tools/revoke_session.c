/* revoke_session.c: revoke by sessionId, or by wallet + feature/label ("cancel my TWAP").
 * An ambiguous request lists the candidates instead of guessing. Revoking destroys the
 * sealed key (crypto-shredding) in the same transaction that records the revocation;
 * revoking again is not an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db_audit.h"
#include "db_sessions.h"
#include "gate_cancel.h"
#include "keys_store.h"
#include "match_words.h"
#include "policy.h"
#include "session_view.h"
#include "tool_util.h"
#include "tools_decl.h"

struct outcome {
    json_t *revoked, *already, *candidates;
    char *text;
    json_t *still; /* signed operations that can still run (issue 11) */
};

/* The operations the session key signed that have not settled: they can still run after the
 * revocation, until their nonce is used. Name them and the exact cancel. */
static enum mcp_rc add_still_executable(struct outcome *o, struct db *db, const struct session_row *r, int64_t now,
                                        struct mcp_error *err)
{
    json_t *ops = NULL;
    char *words = NULL;

    if (gate_cancel_describe(&ops, &words, db, r, now, err) != MCP_OK)
        return err->rc;
    if (strcmp(r->status, "revoked") != 0) /* just revoked by this call */
        tool_appendf(&o->text, "Done: your %s is revoked and its session key destroyed, so it can never %s again. "
                     "(Session id: %s)\n", r->label[0] ? r->label : strcmp(r->feature, "twap") == 0 ? "TWAP order"
                     : strcmp(r->feature, "stop_loss") == 0 ? "stop-loss" : "session",
                     json_array_size(ops) == 0 ? "execute" : "sign", r->id);
    json_array_extend(o->still, ops);
    if (words[0] != '\0')
        tool_appendf(&o->text, "%s", words);
    json_decref(ops);
    free(words);
    return MCP_OK;
}

static enum mcp_rc revoke_one(struct db *db, const struct session_row *r, const char *reason, int64_t now,
                              struct mcp_error *err)
{
    json_t *d = json_pack("{s:s, s:s}", "reason", reason ? reason : "", "previousStatus", db_session_status(r, now));
    enum mcp_rc rc;

    if (db_begin(db, err) != MCP_OK) {
        json_decref(d);
        return err->rc;
    }
    if ((rc = db_session_transition(db, r->id, r->status, "revoked", now, err)) == MCP_OK &&
        (rc = keys_store_shred(db->h, r->id, NULL, err)) == MCP_OK &&
        (rc = db_audit_append(db, now, r->wallet, r->id, "revoked", d, err)) == MCP_OK)
        rc = db_commit(db, err);
    db_rollback(db);
    json_decref(d);
    if (rc == MCP_OK)
        keys_store_checkpoint(db->h, NULL); /* best effort: the key's bytes leave the WAL too */
    return rc;
}

/* Revoke r if it can still do anything; record it in o either way. */
static enum mcp_rc settle(struct outcome *o, struct db *db, const struct session_row *r, const char *reason,
                          int64_t now, struct mcp_error *err)
{
    const char *st = db_session_status(r, now);

    if (strcmp(r->status, "revoked") == 0) {
        json_array_append_new(o->already, json_string(r->id));
        tool_appendf(&o->text, "Session %s was already revoked; nothing more to do.\n", r->id);
        return add_still_executable(o, db, r, now, err);
    }
    if (strcmp(r->status, "declined") == 0 || strcmp(st, "lapsed") == 0) {
        tool_sweep(db, now, 1);
        return mcp_errf(err, MCP_ECONFLICT, "Session %s is %s: it never became active and has no key left, so "
                        "there is nothing to revoke and nothing changed. Call list_automations to see what is "
                        "active.", r->id, st);
    }
    if (revoke_one(db, r, reason, now, err) != MCP_OK) {
        struct session_row again;
        int revoked;
        /* another process may have revoked it between our read and our write */
        if (err->rc != MCP_ECONFLICT || db_session_get(db, &again, r->id, err) != MCP_OK)
            return err->rc;
        revoked = strcmp(again.status, "revoked") == 0;
        db_session_row_free(&again);
        if (!revoked)
            return mcp_errf(err, MCP_ECONFLICT, "Session %s changed while it was being revoked; call revoke_session "
                            "again.", r->id);
        mcp_err_clear(err);
        json_array_append_new(o->already, json_string(r->id));
        tool_appendf(&o->text, "Session %s was already revoked; nothing more to do.\n", r->id);
        return MCP_OK;
    }
    json_array_append_new(o->revoked, json_string(r->id));
    return add_still_executable(o, db, r, now, err);
}

/* The words a session answers to: its label, its kind, its tokens (from the stored policy and
 * the schedule). */
static void session_words(char *out, size_t size, const struct session_row *r)
{
    struct policy p;
    json_error_t jerr;
    json_t *j = json_loads(r->policy, 0, &jerr);
    int have = j != NULL && policy_from_json(&p, j, NULL) == MCP_OK;

    json_decref(j);
    snprintf(out, size, "%s %s %s %s", r->label, r->feature, have ? p.token_symbol : "", r->schedule);
}

static void list_candidates(struct outcome *o, struct session_row **rows, int n, int64_t now, const char *why)
{
    tool_appendf(&o->text, "%s Nothing was revoked. Say which one to cancel:\n", why);
    for (int i = 0; i < n; i++) {
        char line[300], words[200];
        session_view_one_line(line, sizeof line, rows[i], now);
        session_view_revoke_words(words, sizeof words, rows[i]);
        tool_appendf(&o->text, "- %s: say '%s'\n", line, words);
        json_array_append_new(o->candidates,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "sessionId", rows[i]->id, "label", rows[i]->label,
                                        "feature", rows[i]->feature, "status", db_session_status(rows[i], now),
                                        "revokeWords", words));
    }
}

/* By wallet and the user's words: revoke the single live match, list several, or explain
 * none. Without words (or words that name nothing in particular) nothing is revoked: the live
 * sessions are listed instead. */
static enum mcp_rc by_feature(struct outcome *o, struct db *db, json_t *args, int64_t now, struct mcp_error *err)
{
    const char *feat = json_string_value(json_object_get(args, "feature"));
    const char *reason = json_string_value(json_object_get(args, "reason"));
    struct session_row *rows = NULL, *live[20], *all_live[20], *revoked = NULL;
    char wallet[43], key[200];
    int n = 0, n_live = 0, n_all = 0, named = feat != NULL && match_words_key(key, sizeof key, feat) > 0;
    enum mcp_rc rc = MCP_OK;

    if (tool_address(wallet, args, "walletAddress", err) != MCP_OK ||
        db_session_match(&rows, &n, db, wallet, "", err) != MCP_OK)
        return err->rc;
    for (int i = 0; i < n && i < 20; i++) {
        char words[1200];
        int is_live = db_session_is_live(&rows[i], now);
        if (is_live)
            all_live[n_all++] = &rows[i];
        session_words(words, sizeof words, &rows[i]);
        if (!named || !match_words(feat, words))
            continue;
        if (is_live)
            live[n_live++] = &rows[i];
        else if (strcmp(rows[i].status, "revoked") == 0 && revoked == NULL)
            revoked = &rows[i];
    }
    if (!named && n_all > 0)
        list_candidates(o, all_live, n_all, now, feat ? "Those words do not name one automation." :
                                                        "No automation was named.");
    else if (!named)
        tool_appendf(&o->text, "You have no active automations on this wallet, so there is nothing to revoke.\n");
    else if (n_live == 1)
        rc = settle(o, db, live[0], reason, now, err);
    else if (n_live > 1)
        list_candidates(o, live, n_live, now, "Several automations match.");
    else if (revoked != NULL)
        rc = settle(o, db, revoked, reason, now, err);
    else
        rc = mcp_errf(err, MCP_ENOTFOUND, "No active automation on this wallet matches \"%.80s\", so nothing was "
                      "revoked. Call list_automations to see them (each says the words that cancel it) and try "
                      "again with those words or its sessionId.%s", feat,
                      n_all == 0 ? " This wallet has no active automation at all." : "");
    for (int i = 0; i < n; i++)
        db_session_row_free(&rows[i]);
    free(rows);
    return rc;
}

enum mcp_rc tool_revoke_session(struct tool_ctx *ctx, json_t *args, struct tool_reply *out, struct mcp_error *err)
{
    const char *sid = json_string_value(json_object_get(args, "sessionId"));
    struct outcome o = {json_array(), json_array(), json_array(), NULL, json_array()};
    int64_t now = clock_now();
    struct session_row row;
    enum mcp_rc rc;
    struct db *db;

    if (sid == NULL && json_object_get(args, "walletAddress") == NULL)
        rc = mcp_errf(err, MCP_EINVAL, "Say which session to revoke: sessionId, or walletAddress with the user's "
                      "words in feature (\"my ETH TWAP\", \"the stop loss\", or a label). Nothing was revoked; call "
                      "revoke_session again with one of them.");
    else if ((db = tool_db(ctx, err)) == NULL)
        rc = err->rc;
    else if (sid != NULL) {
        if ((rc = db_session_get(db, &row, sid, err)) == MCP_OK) {
            rc = settle(&o, db, &row, json_string_value(json_object_get(args, "reason")), now, err);
            db_session_row_free(&row);
        }
    } else
        rc = by_feature(&o, db, args, now, err);
    if (rc == MCP_OK) {
        out->structured = json_pack("{s:O, s:O, s:O, s:s}", "revoked", o.revoked, "alreadyRevoked", o.already,
                                    "candidates", o.candidates, "message", o.text ? o.text : "");
        if (out->structured != NULL && json_array_size(o.still) > 0)
            json_object_set(out->structured, "stillExecutable", o.still);
        out->text = o.text;
        o.text = NULL;
        if (out->structured == NULL || out->text == NULL)
            rc = mcp_errf(err, MCP_ENOMEM, "out of memory");
    }
    json_decref(o.revoked);
    json_decref(o.already);
    json_decref(o.candidates);
    json_decref(o.still);
    free(o.text);
    return rc;
}

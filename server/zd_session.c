/* zd_session.c: Kernel v3 sessions for the tools (see zd_session.h). */
#include "zd_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "cfg_account.h"
#include "eth_addr.h"
#include "chain_calls.h"
#include "zd_account.h"
#include "policy_words.h"
#include "zd_map.h"
#include "zd_owner.h"

static enum mcp_rc parse_index(struct eth_u256 *out, json_t *v, struct mcp_error *err)
{
    char num[32];

    eth_u256_from_u64(out, 0);
    if (v == NULL)
        return MCP_OK;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return eth_u256_from_dec(out, num, "account.index", err);
    }
    if (json_is_string(v))
        return eth_u256_from_dec(out, json_string_value(v), "account.index", err);
    return mcp_errf(err, MCP_EINVAL, "account.index must be a whole number (the Kernel account's index, default 0)");
}

/* The account's state: stated by the caller, else read over RPC; without either, an account
 * at its owner's counterfactual address (checked before) is assumed undeployed, and the note
 * says so. */
static enum mcp_rc onchain(struct zd_session_opts *o, struct chain_client *cl, const struct policy *p,
                           json_t *account, char *note, size_t note_size, struct mcp_error *err)
{
    json_t *oc = json_object_get(account, "onchain");

    if (oc != NULL) {
        json_t *dep = json_object_get(oc, "deployed"), *nonce = json_object_get(oc, "currentNonce");
        if (!json_is_boolean(dep) || !json_is_integer(nonce) || json_integer_value(nonce) < 0 ||
            json_integer_value(nonce) > UINT32_MAX)
            return mcp_errf(err, MCP_EINVAL, "account.onchain needs deployed (true/false) and currentNonce (the "
                            "account's currentNonce(), 1 for an undeployed account)");
        return zd_onchain_given(&o->onchain, o->kernel, json_is_true(dep), (uint32_t)json_integer_value(nonce),
                                json_string_value(json_object_get(oc, "domainVersion")), err);
    }
    if (cl != NULL)
        return zd_onchain_read(&o->onchain, cl, p->wallet, o->kernel, err);
    zd_onchain_assume_undeployed(&o->onchain, o->kernel);
    zd_session_account_note(note, note_size, p, o);
    return MCP_OK;
}

void zd_session_account_note(char *out, size_t size, const struct policy *p, const struct zd_session_opts *o)
{
    if (size == 0)
        return;
    out[0] = '\0';
    if (o->onchain.source != ZD_NONCE_ASSUMED)
        return;
    snprintf(out, size, "This wallet is assumed not deployed yet (no RPC endpoint is configured for %s to "
             "read it), so the approval deploys it with its first trade. If this account is already deployed, "
             "configure --rpc %llu=URL so the right nonce is used, and request again.", p->chain_name,
             (unsigned long long)p->chain_id);
}

/* With an RPC endpoint: is the wallet deployed, and if so which Kernel version is it? */
static enum mcp_rc deployed_kernel(int *deployed, enum zd_kernel *k, struct chain_client *cl, const struct policy *p,
                                   struct mcp_error *err)
{
    uint8_t *code = NULL;
    size_t len = 0;
    char wallet[43];
    enum mcp_rc rc;

    *deployed = 0;
    if (chain_get_code(&code, &len, cl, p->wallet, err) != MCP_OK)
        return err->rc;
    free(code);
    if (len == 0)
        return MCP_OK;
    *deployed = 1;
    rc = zd_account_detect_kernel(k, cl, p->wallet, err);
    if (rc == MCP_EUNSUPPORTED || rc == MCP_ERPC) {
        eth_addr_format(wallet, p->wallet);
        return mcp_errf(err, MCP_EINVAL, "%s is a deployed contract but not a ZeroDev Kernel v3 account (0.3.0 or "
                        "0.3.1), the account type a request gets when it names none. Nothing was created. If it is "
                        "another kind of wallet, request again with account {\"type\": \"other\"}: only this "
                        "server then enforces the limits.", wallet);
    }
    return rc;
}

/* The owner is really the owner: the wallet is the counterfactual account of ownerAddress at
 * the index, or a deployed account whose ECDSA validator stores ownerAddress. */
static enum mcp_rc check_owner(struct zd_session_opts *o, struct chain_client *cl, int deployed,
                               const struct policy *p, struct mcp_error *err)
{
    enum zd_kernel other = o->kernel == ZD_KERNEL_0_3_0 ? ZD_KERNEL_0_3_1 : ZD_KERNEL_0_3_0;
    uint8_t cf[20], cf_other[20], stored[20];
    char wallet[43], owner[43], want[43], idx[80], hint[200] = "";

    eth_addr_format(wallet, p->wallet);
    eth_addr_format(owner, p->owner);
    eth_u256_to_dec(idx, sizeof idx, &o->index);
    if (deployed) {
        if (zd_owner_read(stored, cl, o->kernel, p->wallet, err) != MCP_OK)
            return mcp_errf(err, err->rc, "%.300s. Nothing was created; retry in a moment.", err->msg);
        if (memcmp(stored, p->owner, 20) == 0)
            return MCP_OK;
        eth_addr_format(want, stored);
        return mcp_errf(err, MCP_EPOLICY, "ownerAddress %s does not own the Kernel account %s: its ECDSA validator "
                        "names %s as the owner. Nothing was created. Ask the user which key owns the wallet and "
                        "request again with that ownerAddress.", owner, wallet, want);
    }
    if (zd_account_address(cf, o->kernel, p->owner, &o->index, err) != MCP_OK ||
        zd_account_address(cf_other, other, p->owner, &o->index, err) != MCP_OK)
        return err->rc;
    if (memcmp(cf, p->wallet, 20) == 0)
        return MCP_OK;
    eth_addr_format(want, cf);
    if (memcmp(cf_other, p->wallet, 20) == 0)
        snprintf(hint, sizeof hint, " It is the Kernel %s account of this owner: request again with account "
                 "{\"type\": \"kernel-v3\", \"kernelVersion\": \"%s\"}.", zd_kernel_name(other), zd_kernel_name(other));
    return mcp_errf(err, MCP_EPOLICY, "ownerAddress %s does not own %s as a ZeroDev Kernel v3 %s account: that "
                    "owner's account at index %s is %s.%s Nothing was created. Check ownerAddress and "
                    "account.index; if the wallet is already deployed with this owner, configure an RPC endpoint "
                    "(--rpc %llu=URL) so its owner can be read on chain; if it is another kind of wallet, request "
                    "again with account {\"type\": \"other\"}.", owner, wallet, zd_kernel_name(o->kernel), idx,
                    want, hint, (unsigned long long)p->chain_id);
}

enum mcp_rc zd_session_choose(struct zd_session_opts *out, int *is_kernel, char *note, size_t note_size,
                              const struct skm_config *cfg, const struct policy *p, json_t *args,
                              struct mcp_error *err)
{
    json_t *given = json_object_get(args, "account");
    json_t *account = given ? json_incref(given) : cfg_account_default(cfg), *dflt = NULL;
    const char *type, *kv, *cv;
    struct chain_client *cl = NULL;
    int deployed = 0;
    enum zd_kernel detected = 0;
    enum mcp_rc rc = MCP_OK;

    memset(out, 0, sizeof *out);
    *is_kernel = 0;
    note[0] = '\0';
    if (account == NULL)
        return mcp_errf(err, MCP_ENOMEM, "out of memory");
    type = json_string_value(json_object_get(account, "type"));
    kv = json_string_value(json_object_get(account, "kernelVersion"));
    cv = json_string_value(json_object_get(account, "callPolicyVersion"));
    if (type == NULL || strcmp(type, "kernel-v3") != 0)
        goto out; /* "other": our own SessionApproval format */
    *is_kernel = 1;
    if (json_object_get(args, "ownerAddress") == NULL) {
        rc = mcp_errf(err, MCP_EINVAL, "ownerAddress is required for a ZeroDev Kernel v3 account (the account type "
                      "a request gets when it names none): the address of the key that owns the wallet and signs "
                      "the approval. Nothing was created. Ask the user for it and request again; if the wallet is "
                      "another kind of account, pass account {\"type\": \"other\"}.");
        goto out;
    }
    if (kv == NULL) { /* the deployment's default version, else 0.3.1 */
        dflt = cfg_account_default(cfg);
        kv = json_string_value(json_object_get(dflt, "kernelVersion"));
        if (kv == NULL)
            kv = CFG_ACCOUNT_DEFAULT_KERNEL;
    }
    if ((rc = zd_kernel_parse(&out->kernel, kv, err)) != MCP_OK)
        goto out;
    out->call = ZD_CALL_V0_0_4;
    if ((cv != NULL && (rc = zd_call_version_parse(&out->call, cv, err)) != MCP_OK) ||
        (rc = parse_index(&out->index, json_object_get(account, "index"), err)) != MCP_OK)
        goto out;
    cl = app_chain(cfg, p->chain_id, err);
    if (cl == NULL && err->rc != MCP_ENOTFOUND) {
        rc = err->rc;
        goto out;
    }
    mcp_err_clear(err);
    if (cl != NULL && (rc = deployed_kernel(&deployed, &detected, cl, p, err)) != MCP_OK)
        goto out;
    if (deployed && json_object_get(account, "kernelVersion") == NULL)
        out->kernel = detected; /* a deployed account says its own version */
    if ((rc = check_owner(out, cl, deployed, p, err)) != MCP_OK)
        goto out;
    rc = onchain(out, cl, p, account, note, note_size, err);
out:
    json_decref(account);
    json_decref(dflt);
    return rc;
}

json_t *zd_session_opts_json(const struct zd_session_opts *o)
{
    static const char *const sources[] = {"", "rpc", "given", "assumed"};
    char index[80];

    eth_u256_to_dec(index, sizeof index, &o->index);
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:b, s:I, s:s, s:s}}", "type", "kernel-v3", "kernelVersion",
                     zd_kernel_name(o->kernel), "index", index, "callPolicyVersion", zd_call_version_name(o->call),
                     "onchain", "deployed", o->onchain.deployed, "currentNonce", (json_int_t)o->onchain.nonce,
                     "domainVersion", o->onchain.domain_version, "source",
                     sources[o->onchain.source <= ZD_NONCE_ASSUMED ? o->onchain.source : 0]);
}

enum mcp_rc zd_session_opts_from_json(struct zd_session_opts *out, json_t *j, struct mcp_error *err)
{
    json_t *oc = json_object_get(j, "onchain");
    const char *src = json_string_value(json_object_get(oc, "source"));

    memset(out, 0, sizeof *out);
    if (zd_kernel_parse(&out->kernel, json_string_value(json_object_get(j, "kernelVersion")), err) != MCP_OK ||
        zd_call_version_parse(&out->call, json_string_value(json_object_get(j, "callPolicyVersion")), err) != MCP_OK ||
        parse_index(&out->index, json_object_get(j, "index"), err) != MCP_OK || !json_is_object(oc))
        return mcp_errf(err, MCP_EINTERNAL, "the stored Kernel account options are damaged");
    out->onchain.deployed = json_is_true(json_object_get(oc, "deployed"));
    out->onchain.nonce = (uint32_t)json_integer_value(json_object_get(oc, "currentNonce"));
    snprintf(out->onchain.domain_version, sizeof out->onchain.domain_version, "%s",
             json_string_value(json_object_get(oc, "domainVersion")) ? json_string_value(json_object_get(oc, "domainVersion")) : "");
    out->onchain.source = src && strcmp(src, "rpc") == 0 ? ZD_NONCE_RPC : src && strcmp(src, "given") == 0 ? ZD_NONCE_GIVEN : ZD_NONCE_ASSUMED;
    return MCP_OK;
}

enum mcp_rc zd_session_build(struct zd_approval *a, const struct policy *p, const struct zd_session_opts *o,
                             struct mcp_error *err)
{
    struct zd_map_opts mo = {o->call, NULL, NULL};
    struct zd_permission perm;
    struct zd_account_ref ref;

    memset(a, 0, sizeof *a);
    if (zd_map_permission(&perm, p, &mo, err) != MCP_OK)
        return err->rc;
    zd_map_account_ref(&ref, p, o->kernel, &o->index);
    if (zd_approval_prepare(a, &ref, &perm, err) != MCP_OK || zd_approval_set_onchain(a, &o->onchain, err) != MCP_OK)
        return err->rc;
    return MCP_OK;
}

static void list_add(char *buf, size_t size, const char *item)
{
    size_t used = strlen(buf);

    snprintf(buf + used, size - used, "%s%s", used ? ", " : "", item);
}

/* What the signed rate-limit policy holds, in words, or "" when there is none. The contracts'
 * code (kernel-7579-plugins policies/ratelimit): the no-reset one counts UserOps against a
 * start time that only moves forward by interval per use, so unused slots can be spent at
 * once: it caps the NUMBER of trades, not their spacing. The reset one counts per fixed
 * window, so a burst across a window edge gets through. The rolling rate is the server's. */
static void chain_rate_words(char *out, size_t size, const struct policy *p)
{
    const char *noun = policy_all_swaps(p) ? "trade" : "transaction";
    uint64_t interval, count;
    int reset;
    char per[96];

    out[0] = '\0';
    if (!zd_map_rate_limit(&interval, &count, &reset, p->rate_count, p->rate_period, p->valid_until - p->valid_after))
        return;
    if (!reset) {
        snprintf(out, size, "at most %llu %s%s in total", (unsigned long long)count, noun, count == 1 ? "" : "s");
        return;
    }
    policy_words_rate(per, sizeof per, (uint32_t)count, (uint32_t)interval, noun);
    snprintf(out, size, "at most %s counted in fixed windows", per);
}

/* The price limits (policy_price.h) are the gate's alone: the CallPolicy cannot see prices. */
static void price_items(char *server, size_t size, const struct policy *p)
{
    if (!p->price.present)
        return;
    if (p->price.has_buy)
        list_add(server, size, "the token bought");
    list_add(server, size, "the maximum slippage");
    if (p->price.has_trigger)
        list_add(server, size, "the stop-loss trigger");
}

void zd_session_enforcement_note(char *out, size_t size, const struct policy *p, const struct zd_session_opts *o)
{
    struct zd_map_opts mo = {o->call, NULL, NULL};
    struct zd_enforcement e;
    char chain[400] = "", server[300] = "", rate[120];
    const struct {
        const enum zd_enforced *v;
        const char *words;
    } items[] = {
        {&e.target, "the contract"}, {&e.functions, "the functions"}, {&e.spend_token, "the spend token"},
        {&e.recipient, "the recipient"}, {&e.max_per_tx, "the per-trade cap"}, {&e.rate_limit, NULL},
        {&e.expiry, "the expiry"}, {&e.max_total, "the total limit"},
    };

    zd_enforcement(&e, p, &mo);
    chain_rate_words(rate, sizeof rate, p);
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        if (items[i].words == NULL) { /* the rate limit: the chain holds less than the words say */
            if (rate[0] != '\0') {
                list_add(chain, sizeof chain, rate);
                list_add(server, sizeof server, "the rate limit");
            }
        } else if (*items[i].v == ZD_ENF_CHAIN) {
            list_add(chain, sizeof chain, items[i].words);
        } else if (*items[i].v == ZD_ENF_SERVER || *items[i].v == ZD_ENF_PARTLY) {
            list_add(server, sizeof server, items[i].words);
        }
    }
    price_items(server, sizeof server, p);
    list_add(server, sizeof server, "the fee cap"); /* issue 11: the gate's, no Kernel policy holds it */
    snprintf(out, size, "Enforced on chain by the Kernel account: %s; enforced only by this server: %s",
             chain[0] ? chain : "nothing", server[0] ? server : "nothing");
}

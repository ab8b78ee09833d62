/* zd_session.c: Kernel v3 sessions for the tools (see zd_session.h). */
#include "zd_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "chain_calls.h"
#include "zd_account.h"
#include "policy_words.h"
#include "zd_map.h"

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

/* The account's state: stated by the caller, else read over RPC; never guessed. */
static enum mcp_rc onchain(struct zd_session_opts *o, const struct skm_config *cfg, const struct policy *p,
                           json_t *account, struct mcp_error *err)
{
    json_t *oc = json_object_get(account, "onchain");
    struct chain_client *cl;

    if (oc != NULL) {
        json_t *dep = json_object_get(oc, "deployed"), *nonce = json_object_get(oc, "currentNonce");
        if (!json_is_boolean(dep) || !json_is_integer(nonce) || json_integer_value(nonce) < 0 ||
            json_integer_value(nonce) > UINT32_MAX)
            return mcp_errf(err, MCP_EINVAL, "account.onchain needs deployed (true/false) and currentNonce (the "
                            "account's currentNonce(), 1 for an undeployed account)");
        return zd_onchain_given(&o->onchain, o->kernel, json_is_true(dep), (uint32_t)json_integer_value(nonce),
                                json_string_value(json_object_get(oc, "domainVersion")), err);
    }
    cl = app_chain(cfg, p->chain_id, err);
    if (cl == NULL && err->rc == MCP_ENOTFOUND)
        return mcp_errf(err, MCP_EINVAL, "A Kernel approval depends on the account's current nonce, and no RPC "
                        "endpoint is configured for %s to read it. Configure one (--rpc %llu=URL), or pass "
                        "account.onchain {deployed, currentNonce}. The nonce is never guessed: a wrong one makes "
                        "the signature fail on chain (AA23).", p->chain_name, (unsigned long long)p->chain_id);
    if (cl == NULL)
        return err->rc;
    return zd_onchain_read(&o->onchain, cl, p->wallet, o->kernel, err);
}

/* No account argument: a deployed Kernel account is recognised by its accountId(). */
static enum mcp_rc detect(enum zd_kernel *k, int *is_kernel, const struct skm_config *cfg, const struct policy *p,
                          struct mcp_error *err)
{
    struct chain_client *cl = app_chain(cfg, p->chain_id, err);
    uint8_t *code = NULL;
    size_t len = 0;
    enum mcp_rc rc;

    *is_kernel = 0;
    if (cl == NULL) {
        if (err->rc != MCP_ENOTFOUND)
            return err->rc;
        mcp_err_clear(err); /* no RPC: nothing to detect with; the account argument names Kernel */
        return MCP_OK;
    }
    if (chain_get_code(&code, &len, cl, p->wallet, err) != MCP_OK)
        return err->rc;
    free(code);
    if (len == 0)
        return MCP_OK; /* no code: an EOA or an undeployed account */
    rc = zd_account_detect_kernel(k, cl, p->wallet, err);
    if (rc == MCP_EUNSUPPORTED || rc == MCP_ERPC) {
        mcp_err_clear(err); /* another kind of smart account: our own approval format */
        return MCP_OK;
    }
    *is_kernel = rc == MCP_OK;
    return rc;
}

enum mcp_rc zd_session_choose(struct zd_session_opts *out, int *is_kernel, const struct skm_config *cfg,
                              const struct policy *p, json_t *account, struct mcp_error *err)
{
    const char *type = json_string_value(json_object_get(account, "type"));
    const char *kv = json_string_value(json_object_get(account, "kernelVersion"));
    const char *cv = json_string_value(json_object_get(account, "callPolicyVersion"));

    memset(out, 0, sizeof *out);
    *is_kernel = 0;
    if (account == NULL) {
        if (detect(&out->kernel, is_kernel, cfg, p, err) != MCP_OK)
            return err->rc;
        if (!*is_kernel)
            return MCP_OK;
    } else if (type == NULL || strcmp(type, "kernel-v3") != 0) {
        return MCP_OK; /* "eoa", "smart-account": our SessionApproval format */
    } else if (kv == NULL) {
        return mcp_errf(err, MCP_EINVAL, "account.kernelVersion is required for a kernel-v3 account: \"0.3.0\" or "
                        "\"0.3.1\"");
    } else if (zd_kernel_parse(&out->kernel, kv, err) != MCP_OK) {
        return err->rc;
    }
    *is_kernel = 1;
    out->call = ZD_CALL_V0_0_4;
    if (cv != NULL && zd_call_version_parse(&out->call, cv, err) != MCP_OK)
        return err->rc;
    if (parse_index(&out->index, json_object_get(account, "index"), err) != MCP_OK)
        return err->rc;
    return onchain(out, cfg, p, account, err);
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
    list_add(server, sizeof server, "the fee cap"); /* issue 11: the gate's, no Kernel policy holds it */
    snprintf(out, size, "Enforced on chain by the Kernel account: %s; enforced only by this server: %s",
             chain[0] ? chain : "nothing", server[0] ? server : "nothing");
}

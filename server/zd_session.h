/* zd_session.h: a ZeroDev Kernel v3 session seen from the tools. The account options (Kernel
 * version, index, CallPolicy version, the account's on-chain state at request time) are
 * chosen once, stored with the session, and with the stored policy they rebuild exactly the
 * Enable typed data the owner signed, so confirm_session can serialize the approval. */
#ifndef SKM_ZD_SESSION_H
#define SKM_ZD_SESSION_H

#include <jansson.h>

#include "cfg.h"
#include "eth_u256.h"
#include "mcp_err.h"
#include "policy.h"
#include "zd_approval.h"
#include "zd_call_policy.h"
#include "zd_enable.h"

struct zd_session_opts {
    enum zd_kernel kernel;
    enum zd_call_version call;
    struct eth_u256 index;
    struct zd_onchain onchain;
};

/* Decide whether a request is for a Kernel account and with which options.
 * account: the request's "account" argument (borrowed; may be NULL). Without it, and with an
 * RPC endpoint for the chain, a deployed wallet whose accountId() names Kernel 0.3.x is one.
 * The on-chain state comes from account.onchain {deployed, currentNonce} or the RPC; with
 * neither, the request is refused: a guessed nonce makes the signature fail on chain.
 * Returns: MCP_OK with *is_kernel 0 (not a Kernel account: use our SessionApproval format) or
 * 1 (*out filled); MCP_EINVAL naming the field; chain errors naming chain and endpoint. */
enum mcp_rc zd_session_choose(struct zd_session_opts *out, int *is_kernel, const struct skm_config *cfg,
                              const struct policy *p, json_t *account, struct mcp_error *err) SKM_WARN_UNUSED;

/* The stored form: {"type":"kernel-v3","kernelVersion","index","callPolicyVersion",
 * "onchain":{"deployed","currentNonce","domainVersion","source"}}. New reference or NULL. */
json_t *zd_session_opts_json(const struct zd_session_opts *o);
enum mcp_rc zd_session_opts_from_json(struct zd_session_opts *out, json_t *j, struct mcp_error *err) SKM_WARN_UNUSED;

/* Build the approval for policy p (its session key set) with options o: permission, account,
 * Enable typed data and digest. Release *a with zd_approval_free, also after a failure. */
enum mcp_rc zd_session_build(struct zd_approval *a, const struct policy *p, const struct zd_session_opts *o,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* The note saying which limits the chain enforces and which only this server does, e.g.
 * "Enforced on chain by the Kernel account: the contract, the functions, ...; enforced only
 * by this server: the total limit, the fee cap" (out size >= 400). */
void zd_session_enforcement_note(char *out, size_t size, const struct policy *p, const struct zd_session_opts *o);

#endif

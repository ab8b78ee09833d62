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

/* Decide whether a request is for a Kernel account and with which options, and check that its
 * ownerAddress really owns the wallet. args: the request's arguments (borrowed). The account
 * is args.account, else the deployment's default (cfg_account.h: Kernel v3 0.3.1 unless
 * configured otherwise). For Kernel: ownerAddress is required; account.kernelVersion defaults
 * to the default's version (a deployed account read over RPC says its own); the wallet must
 * be the counterfactual account of ownerAddress at account.index, or, deployed (read over
 * RPC), name ownerAddress in its ECDSA validator. The on-chain state comes from
 * account.onchain, else the RPC, else (the wallet then being the owner's counterfactual
 * address) it is assumed undeployed with currentNonce 1 and note says so (note size >= 400;
 * "" otherwise).
 * Returns: MCP_OK with *is_kernel 0 ("other": use our SessionApproval format) or 1 (*out
 * filled); MCP_EINVAL naming the field; MCP_EPOLICY for an owner that does not own the
 * wallet; chain errors naming chain and endpoint. */
enum mcp_rc zd_session_choose(struct zd_session_opts *out, int *is_kernel, char *note, size_t note_size,
                              const struct skm_config *cfg, const struct policy *p, json_t *args,
                              struct mcp_error *err) SKM_WARN_UNUSED;

/* The stored form: {"type":"kernel-v3","kernelVersion","index","callPolicyVersion",
 * "onchain":{"deployed","currentNonce","domainVersion","source"}}. New reference or NULL. */
json_t *zd_session_opts_json(const struct zd_session_opts *o);
enum mcp_rc zd_session_opts_from_json(struct zd_session_opts *out, json_t *j, struct mcp_error *err) SKM_WARN_UNUSED;

/* Build the approval for policy p (its session key set) with options o: permission, account,
 * Enable typed data and digest. Release *a with zd_approval_free, also after a failure. */
enum mcp_rc zd_session_build(struct zd_approval *a, const struct policy *p, const struct zd_session_opts *o,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* The note on the account's state when nobody checked it (onchain source ZD_NONCE_ASSUMED: no
 * RPC endpoint, nothing stated): it is assumed undeployed, and how to correct that. Otherwise
 * out is "". The request's summary and the approval page show the same words. */
void zd_session_account_note(char *out, size_t size, const struct policy *p, const struct zd_session_opts *o);

/* The note saying which limits the chain enforces and which only this server does, e.g.
 * "Enforced on chain by the Kernel account: the contract, the functions, ...; enforced only
 * by this server: the total limit, the fee cap" (out size >= 400). */
void zd_session_enforcement_note(char *out, size_t size, const struct policy *p, const struct zd_session_opts *o);

#endif

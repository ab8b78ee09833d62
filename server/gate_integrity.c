/* gate_integrity.c: the stored policy is what the owner signed (see gate_integrity.h). */
#include "gate_integrity.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "eth_hex.h"
#include "policy_typed.h"
#include "zd_session.h"

static int tampered(int *intact, char *why, size_t size, const char *what)
{
    *intact = 0;
    snprintf(why, size, "%s", what);
    return 0;
}

/* The columns the gate reads besides the policy. */
static int columns_match(const struct session_row *r, const struct policy *p)
{
    char wallet[43], owner[43], key[43];

    eth_hex_encode(wallet, p->wallet, 20);
    eth_hex_encode(owner, p->owner, 20);
    eth_hex_encode(key, p->session_key, 20);
    return strcmp(wallet, r->wallet) == 0 && strcmp(owner, r->owner) == 0 && strcmp(key, r->session_key) == 0 &&
           r->chain_id == p->chain_id && r->valid_after == p->valid_after && r->expires_at == p->valid_until;
}

static enum mcp_rc kernel_matches(int *match, const struct session_row *r, const struct policy *p, struct mcp_error *err)
{
    struct zd_session_opts o;
    struct zd_approval a;
    json_error_t jerr;
    json_t *oj = json_loads(r->account ? r->account : "", 0, &jerr);
    struct mcp_error e2;
    enum mcp_rc rc = MCP_OK;

    *match = 0;
    memset(&a, 0, sizeof a);
    if (oj != NULL && zd_session_opts_from_json(&o, oj, &e2) == MCP_OK) {
        rc = zd_session_build(&a, p, &o, &e2);
        if (rc == MCP_OK)
            *match = memcmp(a.digest, r->digest, 32) == 0;
        else if (rc == MCP_ENOMEM)
            mcp_errf(err, MCP_ENOMEM, "out of memory");
        else
            rc = MCP_OK; /* a policy the Enable data cannot be built from: not what was signed */
    }
    zd_approval_free(&a);
    json_decref(oj);
    return rc;
}

static enum mcp_rc typed_matches(int *match, const struct session_row *r, const struct policy *p, struct mcp_error *err)
{
    uint8_t digest[32], want[32], have[32];
    json_error_t jerr;
    json_t *typed = json_loads(r->typed_data ? r->typed_data : "", 0, &jerr);
    const char *ph = json_string_value(json_object_get(json_object_get(typed, "message"), "policyHash"));
    struct mcp_error e2;

    *match = 0;
    if (policy_hash_checked(want, p, err) != MCP_OK) {
        json_decref(typed);
        return MCP_ENOMEM;
    }
    if (ph != NULL && strlen(ph) == 66 && eth_hex_decode(have, 32, ph, "policyHash", &e2) == MCP_OK &&
        memcmp(have, want, 32) == 0 && policy_typed_digest(digest, typed, &e2) == MCP_OK)
        *match = memcmp(digest, r->digest, 32) == 0;
    json_decref(typed);
    return MCP_OK;
}

enum mcp_rc gate_policy_intact(int *intact, char *why, size_t size, const struct session_row *row,
                               const struct policy *p, struct mcp_error *err)
{
    int kernel = strcmp(row->account_type, "kernel-v3") == 0, match = 0;
    enum mcp_rc rc;

    *intact = 1;
    why[0] = '\0';
    if (!columns_match(row, p)) {
        tampered(intact, why, size, "the session's wallet, owner, chain, key or validity columns differ from its "
                 "policy");
        return MCP_OK;
    }
    rc = kernel ? kernel_matches(&match, row, p, err) : typed_matches(&match, row, p, err);
    if (rc != MCP_OK)
        return rc;
    if (!match)
        tampered(intact, why, size, kernel ? "the stored policy no longer rebuilds the Enable data (permission and "
                                             "limits) the owner signed"
                                           : "the stored policy's hash is not the policyHash of the typed data the "
                                             "owner signed");
    return MCP_OK;
}

/* gate_sign.c: sign an allowed user operation hash with the session key (see gate_sign.h). */
#include "gate_sign.h"

#include <sodium.h>
#include <string.h>

#include "eth_191.h"
#include "eth_secp.h"
#include "keys_store.h"

enum mcp_rc gate_sign_user_op(uint8_t sig[GATE_SIG_LEN], struct db *db, struct keys_master *km,
                              const char *session_id, const char *wallet, const uint8_t user_op_hash[32],
                              struct mcp_error *err)
{
    uint8_t *priv = NULL, digest[32];
    enum mcp_rc rc;

    memset(sig, 0, GATE_SIG_LEN);
    eth_191_personal_hash(digest, user_op_hash, 32);
    if ((rc = keys_store_get(&priv, db->h, km, session_id, wallet, err)) != MCP_OK)
        goto out;
    sig[0] = 0xff; /* the permission validator's marker */
    rc = eth_secp_sign(sig + 1, digest, priv, err);
out:
    keys_priv_free(priv);
    if (rc != MCP_OK)
        sodium_memzero(sig, GATE_SIG_LEN);
    return rc;
}

/* zd_owner.h: who owns a ZeroDev Kernel v3 account. An ECDSA-owned Kernel account is either
 * not deployed yet, and then its address is the counterfactual address of (owner, index,
 * version), or deployed, and then the ECDSA validator stores its owner:
 * ecdsaValidatorStorage(account) on the version's validator contract. */
#ifndef SKM_ZD_OWNER_H
#define SKM_ZD_OWNER_H

#include <stdint.h>

#include "chain_rpc.h"
#include "mcp_err.h"
#include "zd_account.h"

/* The owner the ECDSA validator of version k stores for account (zero when none).
 * Returns: MCP_OK; MCP_ERPC / MCP_EHTTP from the chain, naming what was read. */
enum mcp_rc zd_owner_read(uint8_t owner[20], struct chain_client *cl, enum zd_kernel k, const uint8_t account[20],
                          struct mcp_error *err) SKM_WARN_UNUSED;

#endif

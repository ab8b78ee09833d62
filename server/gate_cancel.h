/* gate_cancel.h: what revoking a session cannot undo, said plainly (issue 11).
 *
 * Revoking destroys the session key, so nothing new can be signed. Operations the key
 * already signed and that have not settled can still run until their nonce is used. For
 * each of them this names the amount, the nonce and when it was signed, and the exact way to
 * cancel it:
 *   Kernel v3  uninstall the session's permission on chain: the wallet owner sends a call to
 *              the wallet itself with
 *              uninstallValidation(bytes21 validationId, bytes deinitData, bytes hookDeinitData)
 *              (selector 0xe6f3d50a), validationId = 0x02 || permissionId || 16 zero bytes,
 *              deinitData = the permission's enable data (one element per policy and the
 *              signer, as Kernel's permission uninstall expects and @zerodev/sdk's
 *              uninstallPlugin sends), hookDeinitData empty. It stops every operation signed
 *              for the permission at once.
 *   other      an operation of the owner's that uses the same nonce (sender, nonce), so the
 *              signed one can never run. */
#ifndef SKM_GATE_CANCEL_H
#define SKM_GATE_CANCEL_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "db_sessions.h"
#include "mcp_err.h"

/* Describe the unsettled signed operations of session r at now.
 * Out: *ops, a new array [{sessionId, reservationId, amount, amountBaseUnits, nonce, nonceKey,
 * nonceSequence, signedAt, lastSignedAt, signatures, cancel}] (empty when none) and *words
 * (malloc'd plain text, "" when none).
 * Returns: MCP_OK; MCP_EDB; MCP_ENOMEM; MCP_EINTERNAL (a stored policy that cannot be read). */
enum mcp_rc gate_cancel_describe(json_t **ops, char **words, struct db *db, const struct session_row *r, int64_t now,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* The Kernel v3 uninstallValidation call data for a session's permission (r: a kernel-v3
 * session). Out: *hex (malloc'd "0x..."). Returns: MCP_OK; MCP_EINTERNAL; MCP_ENOMEM. */
enum mcp_rc gate_cancel_kernel_calldata(char **hex, const struct session_row *r, struct mcp_error *err) SKM_WARN_UNUSED;

#endif

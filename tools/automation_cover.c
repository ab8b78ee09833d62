/* automation_cover.c: is an automation already covered (see automation_cover.h). */
#include "automation_cover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_hex.h"
#include "eth_keccak.h"
#include "policy.h"
#include "session_view.h"

void automation_cover_key(char out[67], const struct plan *pl)
{
    static const char tag[] = "automation";
    uint8_t id[8], h[32];
    struct eth_keccak k;

    for (int i = 0; i < 8; i++)
        id[i] = (uint8_t)(pl->chain_id >> (56 - 8 * i));
    eth_keccak_init(&k);
    eth_keccak_update(&k, (const uint8_t *)tag, sizeof tag);
    eth_keccak_update(&k, id, 8);
    eth_keccak_update(&k, (const uint8_t *)pl->kind, strlen(pl->kind) + 1);
    eth_keccak_update(&k, pl->sell, 20);
    eth_keccak_update(&k, pl->buy, 20);
    eth_keccak_final(&k, h);
    eth_hex_encode(out, h, 32);
}

/* What the session has left to spend: its total minus what is spent and in flight. */
static enum mcp_rc left_of(struct eth_u256 *left, struct db *db, const struct session_row *r,
                           const struct policy *pol, struct mcp_error *err)
{
    struct session_spend spend;
    struct eth_u256 used;

    eth_u256_from_u64(left, 0);
    if (session_view_spend(&spend, db, r->id, err) != MCP_OK)
        return err->rc;
    eth_u256_add(&used, &spend.spent, &spend.reserved);
    if (eth_u256_cmp(&used, &pol->max_total) < 0)
        eth_u256_sub(left, &pol->max_total, &used);
    return MCP_OK;
}

enum mcp_rc automation_cover_find(struct automation_cover *out, struct db *db, const char *wallet,
                                  const struct plan *pl, int64_t now, struct mcp_error *err)
{
    struct session_row *rows = NULL;
    int n = 0, more = 0;
    char key[67];
    enum mcp_rc rc = db_session_list(&rows, &n, &more, db, wallet, "active", now, 0, NULL, 100, err);

    memset(out, 0, sizeof *out);
    automation_cover_key(key, pl);
    for (int pass = 0; pass < 2 && rc == MCP_OK && out->id[0] == '\0'; pass++) {
        for (int i = 0; rc == MCP_OK && i < n && out->id[0] == '\0'; i++) {
            struct eth_u256 left;
            struct policy pol;
            json_error_t jerr;
            json_t *j = json_loads(rows[i].policy, 0, &jerr);
            int same = strcmp(rows[i].scope_key, key) == 0, hit = 0;

            if (j != NULL && policy_from_json(&pol, j, NULL) == MCP_OK && pol.chain_id == pl->chain_id &&
                (rc = left_of(&left, db, &rows[i], &pol, err)) == MCP_OK)
                hit = pass == 0 ? same && !eth_u256_is_zero(&left)
                                : plan_covered_by(pl, &pol, &left, rows[i].expires_at, now);
            json_decref(j);
            if (hit) {
                snprintf(out->id, sizeof out->id, "%s", rows[i].id);
                out->same = pass == 0;
                session_view_one_line(out->line, sizeof out->line, &rows[i], now);
            }
        }
    }
    for (int i = 0; i < n; i++)
        db_session_row_free(&rows[i]);
    free(rows);
    return rc;
}

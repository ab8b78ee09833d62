/* policy_summary.h: the ✓/✗ summary a person reads before approving a session, rendered from
 * the policy alone (the same policy always gives the same bytes; nothing is looked up).
 *
 * Text layout (each line ends in "\n", the last one too):
 *   Session Permissions:
 *   ✓ <each can line>
 *   ✗ Cannot: <each cannot line>
 *   ⚠ Warning: <each warning line>
 *
 * What each line promises, and what must therefore be enforced when the session is used
 * (by the execution checks, from the stored policy):
 *
 * ✓ Can execute: ... only        Calls go only to `target`, only with one of the policy's
 *                                selectors. The words name that scope:
 *     "Uniswap V3 swaps only"            one function, a known swap, of a contract with family
 *                                        words;
 *     "USDC transfers only" / "USDC approvals only" / "USDC transfers and approvals only"
 *                                        a registered token with transfer/approve functions;
 *     "<contract>: f1, f2 only"          otherwise: the contract's name (or "contract " and its
 *                                        full EIP-55 address when unknown), then each function
 *                                        by name (full signature when the name is overloaded
 *                                        or the contract unknown; the 0x selector when unnamed).
 * ✓ Max per trade: $50 USDC      One transaction spends at most max_per_tx of spend_token.
 *   (Max per transaction: ...)   "trade" when every function is a known swap.
 * ✓ Total limit: $1000 USDC      All transactions together spend at most max_total.
 * (after the ✗ lines)
 * ℹ Limits are counted in USDC, the chain's default token
 *                                A note, only when token_defaulted: no spendToken was sent.
 * ✓ Expires: Sat 5 Dec, 14:00 UTC (24 hours after the request)
 *                                valid_until as a time (policy_words_when), then the length
 *                                of the window: both fixed when the request is made, so they
 *                                agree however late the user signs.
 * ✓ Rate limit: 1 trade per hour Only with a rate limit: at most rate_count transactions in
 *                                any rate_period seconds.
 * ✓ You can revoke anytime       revoke_session ends the session at once.
 * ✗ Cannot: Transfer to other addresses
 *                                Only when every function is a known swap: the execution
 *                                checks must require each swap's recipient to be the wallet.
 *                                Left out otherwise (batch, ERC-20, unknown functions), because
 *                                it could not be promised.
 * ✗ Cannot: Exceed spending limits   Always: the two limits above.
 * ✗ Cannot: Access after expiration  Always: nothing is executed at or after valid_until.
 * ⚠ Warning: 0x…(full address) is not a contract we can name; check it before you sign
 *                                The target is not in the registry.
 * ⚠ Warning: function 0xdeadbeef has no name we know
 *                                A function given only as a selector.
 * ⚠ Warning: function f(uint256) is not one we know for <contract>
 *                                (only for hand-made or older policies).
 * ⚠ Warning: transfer can send USDC to any address
 *                                A function of category "transfer".
 * ⚠ Warning: approve lets another address spend USDC from the wallet, even after this session ends
 *                                A function of category "approve".
 *
 * The can/cannot/warnings arrays hold the same lines without their marks: can lines without
 * "✓ ", cannot lines without "✗ Cannot: ", warnings without "⚠ Warning: ". */
#ifndef SKM_POLICY_SUMMARY_H
#define SKM_POLICY_SUMMARY_H

#include <jansson.h>

#include "mcp_err.h"
#include "policy.h"

/* Render the summary of p.
 * Out (each may be NULL when not wanted; all set to NULL on failure):
 *   *can, *cannot, *warnings  new JSON arrays of strings (warnings may be empty);
 *   *text                     the full text, malloc'd (caller frees).
 * Returns: MCP_OK, MCP_ENOMEM, MCP_EINVAL (a name in p that is not UTF-8). */
enum mcp_rc policy_summary(json_t **can, json_t **cannot, json_t **warnings, char **text,
                           const struct policy *p, struct mcp_error *err) SKM_WARN_UNUSED;

/* The note lines (without their "ℹ " mark) that policy_summary's text carries after the ✗
 * lines. Returns: a new array (possibly empty), or NULL on OOM. */
json_t *policy_summary_notes(const struct policy *p);

#endif

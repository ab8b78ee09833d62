/* table.c: every tool the server offers, in one const table (see tool.h for the columns).
 * reg_load() checks it at first use: unique names, name rules, a description, a handler,
 * and portable input/output schemas in schemas/. */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

#include "tools_decl.h"

const struct tool_def tool_table[] = {
    {"plan_automation", "Plan an automation",
     "First step for a TWAP order or a stop-loss: given the wallet, its owner (ownerAddress: the key "
     "that signs; required for the default ZeroDev Kernel v3 account), the chain and the automation "
     "(twap: sellToken, buyToken, totalAmount, duration, interval; stop_loss: token, amount, "
     "triggerPrice, receiveToken), say whether an active session already covers it and, if not, "
     "return the exact, narrowest request_session_approval arguments, to pass as they are, and the "
     "schedule in words (\"$41.67 USDC into WETH every hour for 24 hours\"). Changes nothing.",
     TOOL_READONLY | TOOL_OPEN_WORLD, tool_plan_automation}, /* reads the account over RPC when one is configured */
    {"request_session_approval", "Request session-key approval",
     "Start approving a session key that lets a backend run an automation (TWAP, stop-loss) on the "
     "user's smart wallet within strict limits. Give the wallet, its owner (ownerAddress: the key "
     "that signs; required for the default ZeroDev Kernel v3 account, whose address must be that "
     "owner's), the duration in seconds and the permissions (chain, contract, functions, "
     "per-transaction and total caps as decimal strings in token units, rate limit); for another "
     "kind of wallet pass account {\"type\": \"other\"}. Returns a plain-words summary of what the session CAN and CANNOT do, "
     "which you must show to the user verbatim, an approvalUrl to give them as a link (\"Open this page "
     "to review and approve in your wallet\"), and the EIP-712 typed data for signing by hand; then "
     "call confirm_session with the sessionId (and the signature, when signed by hand).",
     TOOL_OPEN_WORLD, tool_request_session_approval},
    {"confirm_session", "Confirm or reject a session",
     "Finish a pending approval: pass the sessionId and the user's signature of the typed data from "
     "request_session_approval to activate the session, or decision \"reject\" if the user declined. "
     "With only the sessionId it reports the state: pending (with the approval page link), active "
     "(approved on the page), declined or lapsed. Only report a session as active when this tool says it is.",
     TOOL_IDEMPOTENT, tool_confirm_session},
    {"list_automations", "List automations and sessions",
     "List a wallet's session keys and the automations they power: what each may do, when it expires, "
     "how much it has spent and how much remains, and how to revoke it. Filter by status.",
     TOOL_READONLY, tool_list_automations},
    {"revoke_session", "Revoke a session",
     "Revoke a session key at once, by sessionId or by wallet and feature (\"twap\", \"stop_loss\" or "
     "a label). A revoked session can never execute again and its key is destroyed. Revoking twice "
     "is not an error.",
     TOOL_DESTRUCTIVE | TOOL_IDEMPOTENT, tool_revoke_session},
    {"get_session_history", "Session history (audit log)",
     "Read back the audit trail of a wallet or one session, newest first: every request, approval, "
     "rejection, revocation, execution and denial, with times and amounts. Paged with cursor.",
     TOOL_READONLY, tool_get_session_history},
    {"authorize_execution", "Authorize an execution (gate)",
     "For the automation executor: check one execution (a call or a Kernel batch, or the ERC-4337 user "
     "operation holding it) against a session's approved limits. Allowed executions are reserved against the "
     "caps and, when userOp is given, signed with the session key; denials name the rule and say why in plain "
     "words. Report every allowed execution's outcome with report_execution. A signed operation counts until "
     "the chain shows it settled; to retry one that did not run, reuse its nonce (counted once, at the larger "
     "amount).",
     TOOL_EXECUTOR, tool_authorize_execution},
    {"report_execution", "Report an execution's outcome",
     "For the automation executor: after an allowed execution, report its transaction hash (the reserved "
     "amount becomes spent) or that it failed (the amount is given back; for a signed operation only when the "
     "bundler's receipt or the EntryPoint's nonce shows it can never run, else it keeps counting). Returns the "
     "session's spent and remaining figures.",
     TOOL_IDEMPOTENT | TOOL_EXECUTOR, tool_report_execution},
};

const size_t tool_count = sizeof tool_table / sizeof tool_table[0];

char *tool_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

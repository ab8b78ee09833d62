/* zd_call_policy.h: ZeroDev CallPolicy 0.0.1 .. 0.0.5: the permission list as the SDK's
 * toCallPolicy() processes it (and serializes it), and its on-chain encoding
 * abi.encode(Permission[]).
 *
 * A permission spec is a JSON object, either selector form
 *   {"target", "selector"?, "valueLimit"?, "callType"?, "rules"?: [{"condition", "offset",
 *    "params": ["0x<32 bytes>", ...]}]}
 * or ABI form
 *   {"target", "valueLimit"?, "callType"?, "abi": [...], "functionName", "selector"? (picks an
 *    overload), "args"?: [{"condition", "value", "start"?, "length"?} | null, ...]}.
 * Conditions are names ("EQUAL", ..., "SLICE_EQUAL") or their numbers 0..7. valueLimit is a
 * decimal string or a JSON integer. ABI arg values: "0x" hex (kept as written), a decimal
 * string (a number, as a JavaScript bigint), a JSON integer >= 0, true/false; ONE_OF takes an
 * array of them; SLICE_EQUAL takes a string (for `string` arguments) or hex/text (for `bytes`)
 * plus start and length.
 *
 * The processed permission keeps the spec's keys in the spec's order (JavaScript's {...perm}),
 * with conditions as numbers, valueLimit as a decimal string and the selector lower case, and
 * appends callType ("0x00"), selector ("0x00000000": empty call data / native transfer),
 * valueLimit ("0") and rules (generated from args in ABI form, else []) when absent. That
 * object is what goes into the serialized approval.
 *
 * Refused here although the SDK would accept them (each would fail on chain or do something
 * other than it says): ONE_OF before 0.0.2, SLICE_EQUAL before 0.0.5, the zero-address
 * "any target" before 0.0.2, two permissions with the same (callType, target, selector) (the
 * contract reverts "duplicate permissionHash"), unknown keys, rules and abi together,
 * overloaded functions without a selector, and ABI types that are not canonical ("uint"). */
#ifndef SKM_ZD_CALL_POLICY_H
#define SKM_ZD_CALL_POLICY_H

#include <jansson.h>

#include "mcp_err.h"
#include "zd_hex.h"

enum zd_call_version {
    ZD_CALL_V0_0_1 = 1,
    ZD_CALL_V0_0_2 = 2,
    ZD_CALL_V0_0_3 = 3,
    ZD_CALL_V0_0_4 = 4, /* the ZeroDev docs' default */
    ZD_CALL_V0_0_5 = 5  /* adds SLICE_EQUAL */
};

enum zd_condition {
    ZD_COND_EQUAL = 0,
    ZD_COND_GREATER_THAN = 1,
    ZD_COND_LESS_THAN = 2,
    ZD_COND_GREATER_THAN_OR_EQUAL = 3,
    ZD_COND_LESS_THAN_OR_EQUAL = 4,
    ZD_COND_NOT_EQUAL = 5,
    ZD_COND_ONE_OF = 6,     /* >= 0.0.2 */
    ZD_COND_SLICE_EQUAL = 7 /* >= 0.0.5 */
};

#define ZD_CALL_MAX_PERMISSIONS 64
#define ZD_CALL_MAX_RULES 32
#define ZD_CALL_MAX_PARAMS 64

/* "0.0.1" .. "0.0.5". Returns: MCP_OK or MCP_EINVAL naming the accepted values. */
enum mcp_rc zd_call_version_parse(enum zd_call_version *out, const char *s,
                                  struct mcp_error *err) SKM_WARN_UNUSED;

/* "0.0.4" for ZD_CALL_V0_0_4; never NULL. */
const char *zd_call_version_name(enum zd_call_version v);

/* The policy contract of a version, as the SDK spells it (zd_const.h). */
const char *zd_call_policy_address(enum zd_call_version v);

/* The version whose contract is `address` (compared case-insensitively).
 * Returns: 1 and sets *out if found, else 0. */
int zd_call_version_of_address(enum zd_call_version *out, const char *address);

/* "EQUAL" .. "SLICE_EQUAL" for 0..7; NULL otherwise. */
const char *zd_condition_name(int condition);

/* A condition from a name or a number (borrowed JSON). Returns: 0..7, or -1. */
int zd_condition_parse(const json_t *v);

/* Process a list of permission specs (borrowed JSON array, 1..ZD_CALL_MAX_PERMISSIONS) as
 * toCallPolicy does; see the top of this file.
 * Returns: MCP_OK; MCP_EINVAL naming the path ("call[1].rules[0].params: ...") and what to send
 * instead; MCP_ENOMEM. Out: *out, a new JSON array (NULL on failure). */
enum mcp_rc zd_call_permissions(json_t **out, json_t *specs, enum zd_call_version v,
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* abi.encode(Permission[]) of processed permissions (borrowed; as zd_call_permissions makes
 * them, or as read back from a serialized approval: checked strictly again). Hex text is
 * built as viem builds it: callType, selector and rule params verbatim, targets lower case.
 * Returns: MCP_OK; MCP_EINVAL naming the path; MCP_ENOMEM. Out: data (appended to). */
enum mcp_rc zd_call_encode(struct zd_hex *data, json_t *permissions, enum zd_call_version v,
                           struct mcp_error *err) SKM_WARN_UNUSED;

/* --- ABI form, zd_call_abi.c --- */

/* Resolve functionName (and optional selector) in an ABI JSON array and build the rules from
 * args, as the SDK's getPermissionFromABI does.
 * Args: perm (borrowed) an ABI-form spec; path names it in messages ("call[0]").
 * Out: sel_hex ("0x" + 8 lower-case digits), *rules (new JSON array, NULL on failure),
 *      *args_out (new JSON array: args with conditions as numbers; NULL when perm has no args).
 * Returns: MCP_OK; MCP_EINVAL; MCP_ENOMEM. */
enum mcp_rc zd_call_abi_rules(char sel_hex[11], json_t **rules, json_t **args_out, json_t *perm,
                              enum zd_call_version v, const char *path,
                              struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* eth_abi.h: the Solidity contract ABI: type strings, encoding JSON values, strict decoding of
 * (possibly hostile) call data back into JSON, function selectors.
 *
 * Types: address, bool, uintN/intN (N = 8..256, step 8; "uint"/"int" mean 256), bytesN (1..32),
 * bytes, string, tuples "(T1,T2,...)" (also written "tuple(...)"), arrays T[] and T[k] (k >= 1),
 * nested freely up to ETH_ABI_MAX_DEPTH levels. Tuple components may carry names
 * "(address to,uint256 amount)"; names only matter for JSON objects.
 *
 * JSON values (encoding; eth_abi_encode):
 *   address     "0x" + 40 hex digits; mixed case must be a valid EIP-55 checksum
 *   bool        true / false (nothing else)
 *   uintN/intN  a JSON integer, a decimal string ("-5" allowed for intN), or a non-negative
 *               "0x" hex string; range-checked against N
 *   bytesN      "0x" + exactly 2N hex digits;   bytes: "0x" + an even number of hex digits
 *   string      a JSON string
 *   T[k], T[]   a JSON array (exactly k elements for T[k])
 *   tuple       a JSON array with one element per component, or, when every component is
 *               named, a JSON object with exactly those keys
 *
 * Decoding (eth_abi_decode) produces the same shapes: uints/ints as decimal strings, addresses
 * EIP-55 checksummed, bytes lower-case hex, tuples as objects when every component is named,
 * arrays otherwise. It is strict: every read is bounds-checked, offsets and lengths must lie
 * inside the data, and value words must be canonical (bool 0/1; address, uintN, bytesN and
 * the tail of bytes/string zero-padded; intN sign-extended); bytes/string tails must be
 * present in full, including the padding, and a string must be valid UTF-8. Only the
 * canonical encoding is accepted: the decoded value must re-encode to exactly the bytes given,
 * so data after the last value, gaps between tails, tails shared by two offsets and tails out
 * of order are refused (Solidity reads all of these, and dirty padding too). A work bound stops tails that overlap on purpose to expand a small input into
 * a huge result: at most (len / 32 + 1) * (depth of t + 1) values are produced, which canonical
 * data never reaches. */
#ifndef SKM_ETH_ABI_H
#define SKM_ETH_ABI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp_err.h"

#define ETH_ABI_MAX_DEPTH 32          /* nesting levels of tuples and arrays in one type */
#define ETH_ABI_MAX_TYPE_LEN 4096     /* characters in a type string or signature */
#define ETH_ABI_MAX_FIXED_LEN 65536   /* k in T[k] */
#define ETH_ABI_MAX_COMPONENTS 256    /* components of one tuple */

enum eth_abi_kind {
    ETH_ABI_ADDRESS = 1,
    ETH_ABI_BOOL = 2,
    ETH_ABI_UINT = 3,
    ETH_ABI_INT = 4,
    ETH_ABI_FIXED_BYTES = 5, /* bytesN */
    ETH_ABI_BYTES = 6,
    ETH_ABI_STRING = 7,
    ETH_ABI_TUPLE = 8,
    ETH_ABI_ARRAY = 9,      /* T[] */
    ETH_ABI_FIXED_ARRAY = 10 /* T[k] */
};

/* A parsed type, a tree. Owned by whoever parsed it; release with eth_abi_type_free. */
struct eth_abi_type {
    enum eth_abi_kind kind;
    unsigned size;              /* uintN/intN: N in bits; bytesN: N in bytes; else 0 */
    size_t length;              /* T[k]: k; tuple: number of components; else 0 */
    struct eth_abi_type *elem;  /* arrays: the element type */
    struct eth_abi_type **comps; /* tuple: `length` components */
    char *name;                 /* component name inside a tuple, or NULL */
    int dynamic;                /* 1 if the encoding has a tail (bytes, string, T[], ...) */
    size_t head_size;           /* bytes the type takes in its parent's head: 32 if dynamic */
    unsigned depth;             /* 1 for elementary types, 1 + the deepest child otherwise */
};

/* A parsed function signature "transfer(address to,uint256 amount)". */
struct eth_abi_func {
    char *name;
    struct eth_abi_type *params; /* a tuple of the parameters */
    uint8_t selector[4];         /* keccak256(canonical signature)[0..4] */
};

/* Parse one type ("(address,uint256[])[2]").
 * Returns: MCP_OK; MCP_EINVAL with the position and what was expected; MCP_ENOMEM.
 * Out: *out, a new tree for eth_abi_type_free (NULL on failure). */
enum mcp_rc eth_abi_type_parse(struct eth_abi_type **out, const char *s,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* Parse a parameter list "address,uint256" or "(address,uint256)" (both mean the same two
 * parameters; write "((address,uint256))" for one tuple parameter) into a tuple type.
 * "" and "()" are the empty list. Out: *out as for eth_abi_type_parse. */
enum mcp_rc eth_abi_params_parse(struct eth_abi_type **out, const char *s,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

/* Free a type tree. NULL is fine. */
void eth_abi_type_free(struct eth_abi_type *t);

/* The canonical spelling of t: no names, no spaces, uint256 for "uint", "(...)" for tuples.
 * Returns: a new malloc'd string, NULL on OOM. */
char *eth_abi_type_canonical(const struct eth_abi_type *t);

/* Encode value (borrowed) as ABI data of type t (abi.encode of one value; for a parameter
 * tuple from eth_abi_params_parse this is abi.encode(p1, p2, ...)).
 * `what` names the value in messages ("args"); errors name the JSON path ("args[1].amount").
 * Returns: MCP_OK, MCP_EINVAL, MCP_ENOMEM.
 * Out: *out (malloc'd, caller frees; non-NULL even when *len == 0) and *len. */
enum mcp_rc eth_abi_encode(uint8_t **out, size_t *len, const struct eth_abi_type *t, json_t *value,
                           const char *what, struct mcp_error *err) SKM_WARN_UNUSED;

/* Parse `types` with eth_abi_params_parse and encode the JSON array `args` against it. */
enum mcp_rc eth_abi_encode_params(uint8_t **out, size_t *len, const char *types, json_t *args,
                                  struct mcp_error *err) SKM_WARN_UNUSED;

/* Encode one value of an elementary static type (address, bool, uintN, intN, bytesN) into a
 * 32-byte word; used by EIP-712 for atomic fields. `path` names the value in messages.
 * Returns: MCP_OK, MCP_EINVAL (also when t is not such a type). */
enum mcp_rc eth_abi_encode_word(uint8_t word[32], const struct eth_abi_type *t, json_t *value,
                                const char *path, struct mcp_error *err) SKM_WARN_UNUSED;

/* The bytes of a "0x" hex JSON string (bytes or bytesN values), for EIP-712's `bytes`.
 * Returns: MCP_OK, MCP_EINVAL naming `path`, MCP_ENOMEM. Out: *out (malloc'd, non-NULL), *len. */
enum mcp_rc eth_abi_json_bytes(uint8_t **out, size_t *len, json_t *value, const char *path,
                               struct mcp_error *err) SKM_WARN_UNUSED;

/* Decode data (untrusted) as the ABI encoding of one value of type t (for a parameter tuple:
 * the parameters). See the top of this file for how strict it is.
 * Returns: MCP_OK; MCP_EINVAL naming the byte offset and what is wrong; MCP_ENOMEM.
 * Out: *out, a new reference (NULL on failure). */
enum mcp_rc eth_abi_decode(json_t **out, const struct eth_abi_type *t, const uint8_t *data,
                           size_t len, struct mcp_error *err) SKM_WARN_UNUSED;

/* Decode data as the parameters `params` (a tuple from eth_abi_params_parse): like
 * eth_abi_decode, but the result is always a JSON array in parameter order, even when the
 * parameters are named, and messages name the values "args[i]" / "args.name".
 * Out: *out, a new JSON array (NULL on failure). */
enum mcp_rc eth_abi_decode_params(json_t **out, const struct eth_abi_type *params,
                                  const uint8_t *data, size_t len,
                                  struct mcp_error *err) SKM_WARN_UNUSED;

/* Parse "name(T1 a,T2 b)" (spaces after commas allowed; parameter names optional) and compute
 * its selector. Out: *out for eth_abi_func_free (NULL on failure). */
enum mcp_rc eth_abi_func_parse(struct eth_abi_func **out, const char *signature,
                               struct mcp_error *err) SKM_WARN_UNUSED;

void eth_abi_func_free(struct eth_abi_func *f);

/* The canonical signature "transfer(address,uint256)" of f. Returns: new string, NULL on OOM. */
char *eth_abi_func_canonical(const struct eth_abi_func *f);

/* keccak256(canonical signature)[0..4], e.g. a9059cbb for "transfer(address,uint256)". */
enum mcp_rc eth_abi_selector(uint8_t out[4], const char *signature,
                             struct mcp_error *err) SKM_WARN_UNUSED;

/* Call data: selector || abi.encode(args...). args is a JSON array (borrowed).
 * Out: *out (malloc'd) and *len. */
enum mcp_rc eth_abi_encode_call(uint8_t **out, size_t *len, const char *signature, json_t *args,
                                struct mcp_error *err) SKM_WARN_UNUSED;

/* Decode call data for the function f: the first 4 bytes must be f's selector, the rest its
 * parameters (eth_abi_decode_params; byte offsets in messages count from after the selector).
 * Out: *out, a new JSON array of the arguments. */
enum mcp_rc eth_abi_decode_call(json_t **out, const struct eth_abi_func *f, const uint8_t *data,
                                size_t len, struct mcp_error *err) SKM_WARN_UNUSED;

/* A JSON path for error messages ("message.permissions[2].target"), grown and shrunk as a
 * recursive walk goes down and up. Overlong paths end in "...". */
#define ETH_ABI_PATH_MAX 320
struct eth_abi_path {
    char buf[ETH_ABI_PATH_MAX];
    size_t len;
};

/* Start a path at `root` ("args", "message"). */
void eth_abi_path_init(struct eth_abi_path *p, const char *root);
/* Append "[i]" or ".key"; return the previous length, for eth_abi_path_pop. */
size_t eth_abi_path_push_index(struct eth_abi_path *p, size_t i);
size_t eth_abi_path_push_key(struct eth_abi_path *p, const char *key);
void eth_abi_path_pop(struct eth_abi_path *p, size_t saved_len);

#endif

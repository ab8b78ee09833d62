/* eth_eip712.h: EIP-712 typed structured data hashing, reading the JSON that
 * eth_signTypedData_v4 takes: {"types": {...}, "primaryType": "...", "domain": {...},
 * "message": {...}}.
 *
 * The input comes from untrusted callers, so this is stricter than viem (2.x), which it
 * otherwise matches hash for hash. Rejected here but accepted by viem:
 *   - message/domain keys that are not fields of their struct type (viem ignores them);
 *   - T[k] values without exactly k elements (viem hashes whatever is there);
 *   - recursive (cyclic) struct types, even through arrays (viem accepts "Tree(Tree[] kids)");
 *   - bytes values that are not "0x" + an even number of hex digits (viem pads odd hex);
 *   - primaryType "EIP712Domain" (signing a bare domain; viem allows it);
 *   - null values, unknown top-level keys, field objects with keys other than name/type,
 *     field names that are not identifiers ([A-Za-z_$][A-Za-z0-9_$]*), duplicate field names;
 *   - struct types nested more than ETH_EIP712_MAX_DEPTH levels (struct levels plus array
 *     dimensions), more than ETH_EIP712_MAX_TYPES types or ETH_EIP712_MAX_FIELDS fields in
 *     one type, and more than ETH_EIP712_MAX_VALUES values in one message.
 * Rejected by both: unknown types ("uint", "uint7", "bytes33", undefined struct names), missing
 * fields, values out of range, addresses with a bad EIP-55 checksum, bytesN of the wrong size.
 * Struct type names follow viem's rule: [A-Za-z0-9_$:]+ and not the name of a Solidity type.
 *
 * Values are written as for eth_abi.h (uintN/intN: JSON integer, decimal or 0x-hex string;
 * bool: true/false; address, bytesN, bytes: 0x hex; string: a JSON string).
 * When types has no EIP712Domain, it is derived from the keys present in domain, in the order
 * name (string), version (string), chainId (uint256), verifyingContract (address),
 * salt (bytes32), as viem does; other domain keys are then an error. */
#ifndef SKM_ETH_EIP712_H
#define SKM_ETH_EIP712_H

#include <jansson.h>
#include <stdint.h>

#include "mcp_err.h"

#define ETH_EIP712_MAX_DEPTH 16
#define ETH_EIP712_MAX_TYPES 256
#define ETH_EIP712_MAX_FIELDS 256
#define ETH_EIP712_MAX_VALUES 100000

/* The digest a wallet signs: keccak256(0x1901 || domainSeparator || hashStruct(message)).
 * Args: typed_data (borrowed) as eth_signTypedData_v4 takes it.
 * Out: digest; domain_sep and struct_hash (both may be NULL) receive the two inner hashes.
 *      All outputs are zeroed on failure.
 * Returns: MCP_OK; MCP_EINVAL naming the JSON path ("message.to.wallet: ..."); MCP_ENOMEM. */
enum mcp_rc eth_eip712_hash(uint8_t digest[32], uint8_t domain_sep[32], uint8_t struct_hash[32],
                            json_t *typed_data, struct mcp_error *err) SKM_WARN_UNUSED;

/* hashStruct(value) = keccak256(typeHash || encodeData(value)) for the struct type_name
 * defined in types (borrowed; the "types" member of typed data, EIP712Domain optional).
 * `what` names value in messages ("message"). */
enum mcp_rc eth_eip712_hash_struct(uint8_t out[32], json_t *types, const char *type_name,
                                   json_t *value, const char *what,
                                   struct mcp_error *err) SKM_WARN_UNUSED;

/* encodeType: "Mail(Person from,Person to,string contents)Person(string name,address wallet)".
 * Out: *out, a new malloc'd string (NULL on failure). */
enum mcp_rc eth_eip712_encode_type(char **out, json_t *types, const char *type_name,
                                   struct mcp_error *err) SKM_WARN_UNUSED;

/* typeHash = keccak256(encodeType(type_name)). */
enum mcp_rc eth_eip712_type_hash(uint8_t out[32], json_t *types, const char *type_name,
                                 struct mcp_error *err) SKM_WARN_UNUSED;

#endif

/* zd_hex.h: hex text built the way viem builds it, for byte-identical ZeroDev output.
 *
 * viem works on "0x" strings: concat() and the ABI encoding of bytes/bytesN copy their input
 * digits verbatim (mixed case stays mixed), while numbers, lengths and `address` values come
 * out lower case. The SDK's serialized approval and the Enable typed data contain such text,
 * so we build the same text rather than bytes, and hash its bytes.
 *
 * Errors are sticky: the add functions return nothing; an allocation failure or a bad piece
 * of text marks the builder failed, and zd_hex_check() reports it once at the end. */
#ifndef SKM_ZD_HEX_H
#define SKM_ZD_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "mcp_err.h"

struct zd_hex {
    char *s;    /* "0x" + digits + NUL once anything was added; NULL while empty */
    size_t len; /* characters in s, "0x" included */
    size_t cap;
    int failed; /* 1: out of memory; 2: text that was not hex */
};

/* An empty builder (its text is "0x"). Cannot fail. */
void zd_hex_init(struct zd_hex *h);

/* Release the text; h can be initialized again afterwards. */
void zd_hex_free(struct zd_hex *h);

/* The text, "0x" for an empty builder. Borrowed from h. */
const char *zd_hex_str(const struct zd_hex *h);

/* Number of bytes the text stands for. */
size_t zd_hex_nbytes(const struct zd_hex *h);

/* Returns: MCP_OK; MCP_ENOMEM or MCP_EINTERNAL (non-hex text was added) if an add failed. */
enum mcp_rc zd_hex_check(const struct zd_hex *h, struct mcp_error *err) SKM_WARN_UNUSED;

/* Append bytes as lower-case digits. */
void zd_hex_add_bytes(struct zd_hex *h, const uint8_t *b, size_t n);

/* Append the digits of hex text ("0x" optional, even number of digits), case kept. */
void zd_hex_add_text(struct zd_hex *h, const char *hex);

/* Append another builder's digits. */
void zd_hex_add_hex(struct zd_hex *h, const struct zd_hex *src);

/* Append n zero bytes ("00" * n). */
void zd_hex_add_zeros(struct zd_hex *h, size_t n);

/* Append a 32-byte big-endian word holding v (lower case). */
void zd_hex_add_word(struct zd_hex *h, uint64_t v);

/* Append hex text's digits, then zeros up to a multiple of 32 bytes (ABI tail padding). */
void zd_hex_add_padded(struct zd_hex *h, const char *hex);

/* ABI encoding of one `bytes` value as a top-level parameter: 0x20 | length | data padded. */
void zd_hex_abi_bytes(struct zd_hex *h, const struct zd_hex *item);

/* abi.encode(bytes[] items): 0x20 | n | n offsets | (length | data padded) each. */
void zd_hex_abi_bytes_array(struct zd_hex *h, const struct zd_hex *items, size_t n);

/* The bytes of the text. Out: *out (malloc'd, non-NULL), *len. Returns: MCP_OK, MCP_ENOMEM,
 * or the builder's own failure. */
enum mcp_rc zd_hex_bytes(uint8_t **out, size_t *len, const struct zd_hex *h,
                         struct mcp_error *err) SKM_WARN_UNUSED;

/* keccak256 of the bytes. Returns: as zd_hex_bytes (out zeroed on failure). */
enum mcp_rc zd_hex_keccak(uint8_t out[32], const struct zd_hex *h,
                          struct mcp_error *err) SKM_WARN_UNUSED;

/* 1 if s is "0x" followed by an even number of hex digits (either case); when nbytes is not
 * (size_t)-1, exactly 2 * nbytes digits. */
int zd_hex_valid(const char *s, size_t nbytes);

#endif

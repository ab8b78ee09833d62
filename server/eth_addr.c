/* eth_addr.c: EIP-55 mixed-case checksum addresses. */
#include "eth_addr.h"

#include <string.h>

#include "eth_hex.h"
#include "eth_keccak.h"

void eth_addr_format(char out[ETH_ADDR_STR_SIZE], const uint8_t addr[20])
{
    uint8_t hash[32];

    eth_hex_encode(out, addr, 20);
    eth_keccak256(hash, out + 2, 40); /* hash of the lower-case hex digits */
    for (int i = 0; i < 40; i++) {
        unsigned nibble = (hash[i / 2] >> (i % 2 ? 0 : 4)) & 0x0f;
        char *c = &out[2 + i];

        if (*c >= 'a' && nibble >= 8)
            *c = (char)(*c - 'a' + 'A');
    }
}

/* 1 if the digits contain both lower- and upper-case letters. */
static int is_mixed_case(const char *digits)
{
    int lower = 0, upper = 0;

    for (; *digits != '\0'; digits++) {
        lower |= *digits >= 'a' && *digits <= 'f';
        upper |= *digits >= 'A' && *digits <= 'F';
    }
    return lower && upper;
}

enum mcp_rc eth_addr_parse(uint8_t addr[20], const char *s, const char *what, struct mcp_error *err)
{
    char want[ETH_ADDR_STR_SIZE];
    size_t len;
    enum mcp_rc rc;

    memset(addr, 0, 20);
    if (s == NULL || s[0] == '\0')
        return mcp_errf(err, MCP_EINVAL, "%s: missing; expected an address (0x and 40 hex digits)",
                        what);
    len = strlen(s);
    if (s[0] != '0' || s[1] != 'x')
        return mcp_errf(err, MCP_EINVAL, "%s: expected an address starting with 0x%s", what,
                        len == 40 ? " (add the 0x prefix)" : "");
    if (len != 42)
        return mcp_errf(err, MCP_EINVAL, "%s: expected 0x and 40 hex digits, got %zu digits", what,
                        len - 2);
    rc = eth_hex_decode(addr, 20, s, what, err);
    if (rc != MCP_OK)
        return rc;
    if (!is_mixed_case(s + 2))
        return MCP_OK;
    eth_addr_format(want, addr);
    if (strcmp(want, s) == 0)
        return MCP_OK;
    memset(addr, 0, 20);
    return mcp_errf(err, MCP_EINVAL,
                    "%s: checksum mismatch (did you mean %s?); check the address for a typo", what,
                    want);
}

/* zd_owner.c: the owner of a deployed Kernel v3 account (see zd_owner.h). */
#include "zd_owner.h"

#include <stdlib.h>
#include <string.h>

#include "chain_calls.h"
#include "eth_addr.h"
#include "zd_const.h"

enum mcp_rc zd_owner_read(uint8_t owner[20], struct chain_client *cl, enum zd_kernel k, const uint8_t account[20],
                          struct mcp_error *err)
{
    static const uint8_t sel[4] = {0x20, 0x70, 0x9e, 0xfc}; /* ecdsaValidatorStorage(address) */
    uint8_t validator[20], data[36], *ret = NULL;
    size_t len = 0;
    struct eth_u256 word;
    enum mcp_rc rc;

    if (eth_addr_parse(validator, k == ZD_KERNEL_0_3_0 ? ZD_ECDSA_VALIDATOR_0_3_0 : ZD_ECDSA_VALIDATOR_0_3_1,
                       "ECDSA validator", err) != MCP_OK)
        return MCP_EINTERNAL;
    memcpy(data, sel, 4);
    memset(data + 4, 0, 12);
    memcpy(data + 16, account, 20);
    rc = chain_eth_call(&ret, &len, cl, validator, data, sizeof data, err);
    if (rc == MCP_OK)
        rc = chain_abi_decode_uint(&word, ret, len, "ecdsaValidatorStorage(account)", err);
    if (rc == MCP_OK) {
        /* an address word: 12 zero bytes, then the address */
        if (len != 32 || memcmp(ret, (const uint8_t[12]){0}, 12) != 0)
            rc = mcp_errf(err, MCP_ERPC, "ecdsaValidatorStorage(account) did not return an address");
        else
            memcpy(owner, ret + 12, 20);
    }
    free(ret);
    if (rc != MCP_OK)
        mcp_err_prefix(err, "reading the Kernel account's owner from its ECDSA validator");
    return rc;
}

/* eth_191.c: EIP-191 personal_sign hash. */
#include "eth_191.h"

#include <stdio.h>
#include <string.h>

#include "eth_keccak.h"

void eth_191_personal_hash(uint8_t out[32], const void *msg, size_t len)
{
    static const char prefix[] = "\x19"
                                 "Ethereum Signed Message:\n";
    char len_dec[24];
    int n = snprintf(len_dec, sizeof len_dec, "%zu", len);
    struct eth_keccak k;

    eth_keccak_init(&k);
    eth_keccak_update(&k, prefix, sizeof prefix - 1);
    eth_keccak_update(&k, len_dec, (size_t)n);
    if (len > 0)
        eth_keccak_update(&k, msg, len);
    eth_keccak_final(&k, out);
}

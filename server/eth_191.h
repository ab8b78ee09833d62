/* eth_191.h: EIP-191 version 0x45 ("personal_sign") message hashing. */
#ifndef SKM_ETH_191_H
#define SKM_ETH_191_H

#include <stddef.h>
#include <stdint.h>

/* out = keccak256("\x19Ethereum Signed Message:\n" || decimal(len) || msg[0..len)).
 * msg may be NULL when len is 0. This is the hash personal_sign / eth_sign wallets sign. */
void eth_191_personal_hash(uint8_t out[32], const void *msg, size_t len);

#endif

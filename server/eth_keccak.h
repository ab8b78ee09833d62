/* eth_keccak.h: Keccak-256 as Ethereum uses it (original Keccak padding 0x01, NOT SHA3-256's
 * 0x06). Written here because no Debian package provides it; checked against published vectors. */
#ifndef SKM_ETH_KECCAK_H
#define SKM_ETH_KECCAK_H

#include <stddef.h>
#include <stdint.h>

struct eth_keccak {
    uint64_t st[25];
    size_t pos; /* bytes absorbed into the current block (rate 136) */
};

void eth_keccak_init(struct eth_keccak *k);
void eth_keccak_update(struct eth_keccak *k, const void *in, size_t len);
/* Writes the 32-byte digest and wipes the state. */
void eth_keccak_final(struct eth_keccak *k, uint8_t out[32]);

/* One-shot. */
void eth_keccak256(uint8_t out[32], const void *in, size_t len);

#endif

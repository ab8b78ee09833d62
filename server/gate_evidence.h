/* gate_evidence.h: what the chain shows about a signed operation, the only thing that may
 * release its reservation (issue 11).
 *
 * For each user operation hash signed for the reservation's nonce (newest first), the
 * bundler is asked eth_getUserOperationReceipt (--bundler / SKM_BUNDLER_<id>): a receipt with
 * success true means it ran (EXECUTED, its transaction hash), success false that it ran and
 * reverted (REVERTED: nothing was spent, and its nonce is used, so no other signature for
 * that nonce can run). With no receipt for any of them, the chain (--rpc / SKM_RPC_<id>) is
 * asked EntryPoint.getNonce(sender, key) (v0.7, 0x0000000071727De22E5E9d8BAf0edAc6f37da032):
 * a next sequence above the signed one means the nonce was used by an operation the gate did
 * not sign (NONCE_USED). Bundlers answer receipts from the EntryPoint's UserOperationEvent
 * logs on chain, so an operation that another bundler included is found too.
 *
 * Anything else, including a missing endpoint, a failed read or a nonce not yet used, is
 * NONE: the signed operation may still run, so it keeps counting. Never fails. */
#ifndef SKM_GATE_EVIDENCE_H
#define SKM_GATE_EVIDENCE_H

#include <stdint.h>

#include "cfg.h"
#include "gate_ledger.h"
#include "gate_nonce.h"

struct gate_evidence_result {
    enum gate_evidence ev;
    char tx_hash[67];   /* EXECUTED / REVERTED: the receipt's transaction, else "" */
    char words[480];    /* what the chain shows, or why it could not be read, in plain words */
};

/* cfg may be NULL (no endpoints: NONE). sender: the session's wallet. */
void gate_evidence_read(struct gate_evidence_result *out, const struct skm_config *cfg, uint64_t chain_id,
                        const uint8_t sender[20], const struct gate_signed *s);

/* The EntryPoint v0.7 getNonce(sender, key) call data (4 + 64 bytes). */
void gate_evidence_get_nonce_data(uint8_t out[68], const uint8_t sender[20], const uint8_t key[GATE_NONCE_KEY_LEN]);

#endif

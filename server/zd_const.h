/* zd_const.h: ZeroDev Kernel v3 contract addresses and fixed values, spelled exactly as the
 * SDK spells them (the spelling ends up in the serialized approval and in the typed data's
 * hex text; hashes do not care about case).
 *
 * Sources (npm packages installed under tests/node_modules, versions pinned in
 * tests/package.json):
 *   [P] @zerodev/permissions 5.6.3      constants.ts (= _esm/constants.js)
 *   [E] @zerodev/ecdsa-validator 5.4.9  constants.ts (kernelVersionRangeToValidator)
 *   [S] @zerodev/sdk 5.5.10             constants.ts (KernelVersionToAddressesMap,
 *                                       VALIDATOR_TYPE, CALL_TYPE),
 *                                       accounts/kernel/utils/common/getActionSelector.ts
 *   [V] viem 2.57.20                    account-abstraction/constants/address.ts
 *                                       (entryPoint07Address)
 *   [A] @zerodev/ecdsa-validator 5.4.9  getAddress.ts (initCodeHashV0_7: the ERC-1967 proxy
 *                                       init code) */
#ifndef SKM_ZD_CONST_H
#define SKM_ZD_CONST_H

/* [V] EntryPoint v0.7. */
#define ZD_ENTRY_POINT_07 "0x0000000071727De22E5E9d8BAf0edAc6f37da032"

/* [P] ECDSA_SIGNER_CONTRACT: the permission signer for a secp256k1 session key. */
#define ZD_ECDSA_SIGNER "0x6A6F069E2a08c2468e7724Ab3250CdBFBA14D4FF"

/* [P] CALL_POLICY_CONTRACT_V0_0_1 .. V0_0_5. */
#define ZD_CALL_POLICY_V0_0_1 "0xe4Fec84B7B002273ecC86baa65a831ddB92d30a8"
#define ZD_CALL_POLICY_V0_0_2 "0x67Fa43ca2D689beA4d10b9F2C96828828A2Ab275"
#define ZD_CALL_POLICY_V0_0_3 "0xB3CB5f502250360335614df1421f2AAbE98CE503"
#define ZD_CALL_POLICY_V0_0_4 "0x9a52283276A0ec8740DF50bF01B28A80D880eaf2"
#define ZD_CALL_POLICY_V0_0_5 "0x85770b902D1e503D5f5141d9eaC16d0d08eEaDd2"

/* [P] GAS_POLICY_CONTRACT, RATE_LIMIT_POLICY_CONTRACT, RATE_LIMIT_POLICY_WITH_RESET_CONTRACT
 * (lower case in the SDK, and compared with === there, so the spelling matters),
 * SIGNATURE_POLICY_CONTRACT, SUDO_POLICY_CONTRACT, TIMESTAMP_POLICY_CONTRACT. */
#define ZD_GAS_POLICY "0xaeFC5AbC67FfD258abD0A3E54f65E70326F84b23"
#define ZD_RATE_LIMIT_POLICY "0xf63d4139B25c836334edD76641356c6b74C86873"
#define ZD_RATE_LIMIT_RESET_POLICY "0x6a06358e6b283921deceabe7e8a3741d506cca9b"
#define ZD_SIGNATURE_CALLER_POLICY "0xF6A936c88D97E6fad13b98d2FD731Ff17eeD591d"
#define ZD_SUDO_POLICY "0x67b436caD8a6D025DF6C82C5BB43fbF11fC5B9B7"
#define ZD_TIMESTAMP_POLICY "0xB9f8f524bE6EcD8C945b1b87f9ae5C192FdCE20F"

/* [P] PolicyFlags.FOR_ALL_VALIDATION, NOT_FOR_VALIDATE_USEROP, NOT_FOR_VALIDATE_SIG. */
#define ZD_FLAG_ALL "0x0000"
#define ZD_FLAG_NOT_USEROP "0x0001"
#define ZD_FLAG_NOT_SIG "0x0002"

/* [E] kernelVersionRangeToValidator: the ECDSA (root/sudo) validator per Kernel version. */
#define ZD_ECDSA_VALIDATOR_0_3_0 "0x8104e3Ad430EA6d354d013A6789fDFc71E671c43"
#define ZD_ECDSA_VALIDATOR_0_3_1 "0x845ADb2C711129d4f3966735eD98a9F09fC4cE57"

/* [S] KernelVersionToAddressesMap["0.3.0"/"0.3.1"]: implementation, factory, meta factory
 * (FactoryStaker), and the initCodeHash the SDK lists (checked against [A] in the tests). */
#define ZD_KERNEL_IMPL_0_3_0 "0x94F097E1ebEB4ecA3AAE54cabb08905B239A7D27"
#define ZD_KERNEL_FACTORY_0_3_0 "0x6723b44Abeec4E71eBE3232BD5B455805baDD22f"
#define ZD_KERNEL_INIT_CODE_HASH_0_3_0                                                             \
    "0x6fe6e6ea30eddce942b9618033ab8429f9ddac594053bec8a6744fffc71976e2"
#define ZD_KERNEL_IMPL_0_3_1 "0xBAC849bB641841b44E965fB01A4Bf5F074f84b4D"
#define ZD_KERNEL_FACTORY_0_3_1 "0xaac5D4240AF87249B3f71BC8E4A2cae074A3E419"
#define ZD_KERNEL_INIT_CODE_HASH_0_3_1                                                             \
    "0x85d96aa1c9a65886d094915d76ccae85f14027a02c1647dde659f869460f03e6"
#define ZD_META_FACTORY "0xd703aaE79538628d27099B8c4f621bE4CCd142d5"

/* [S] VALIDATOR_TYPE.SECONDARY ("0x01": the ECDSA root validator's type byte in initialize)
 * and VALIDATOR_TYPE.PERMISSION ("0x02"). */
#define ZD_VALIDATOR_TYPE_SECONDARY "0x01"
#define ZD_VALIDATOR_TYPE_PERMISSION "0x02"

/* [S] getActionSelector("0.7"): Kernel v3 execute(bytes32,bytes); the default action. */
#define ZD_ACTION_SELECTOR "0xe9ae5c53"

/* [S] CALL_TYPE.DELEGATE_CALL, spelled upper case in the SDK: the selectorData of the Enable
 * message encodes abi.encode(bytes "0xFF", bytes "0x0000") with it. */
#define ZD_SELECTOR_INIT_CALL_TYPE "0xFF"
#define ZD_SELECTOR_INIT_HOOK "0x0000"

/* The zero address as viem's zeroAddress spells it. */
#define ZD_ZERO_ADDRESS "0x0000000000000000000000000000000000000000"

#endif

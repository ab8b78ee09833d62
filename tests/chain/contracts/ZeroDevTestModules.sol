// SPDX-License-Identifier: MIT
// ZeroDevTestModules.sol: TEST STAND-INS for ZeroDev's Kernel v3 permission plugins, used only by
// the local-chain test tier (tests/chain). ZeroDev ships these contracts in no npm package, so
// they are written here from the PUBLISHED INTERFACES and DOCUMENTED BEHAVIOUR only (function
// selectors as Kernel v3.1 calls them, ERC-7579 module types, ERC-4337 validation-data packing,
// the policy/signer data layouts in docs zerodev-session-keys.md section 1). No ZeroDev source
// was copied. They are not ZeroDev's contracts and are not audited: never deploy them anywhere
// but a throwaway local chain.
//
// Conventions (ERC-4337 v0.7 / ERC-7579 / Kernel v3):
//   validation data = uint160 authorizer | uint48 validUntil << 160 | uint48 validAfter << 208;
//   authorizer 1 = SIG_VALIDATION_FAILED; validUntil 0 = no end.
//   Module types: 1 validator, 5 policy, 6 signer.
//   Kernel installs a permission by calling onInstall(bytes32(permissionId) || data) on every
//   policy and on the signer; it calls checkUserOpPolicy / checkUserOpSignature with msg.sender =
//   the account, so all state is keyed by (permission id, account).
pragma solidity ^0.8.23;

struct PackedUserOperation {
    address sender;
    uint256 nonce;
    bytes initCode;
    bytes callData;
    bytes32 accountGasLimits;
    uint256 preVerificationGas;
    bytes32 gasFees;
    bytes paymasterAndData;
    bytes signature;
}

uint256 constant SIG_VALIDATION_FAILED = 1;
bytes4 constant ERC1271_MAGIC = 0x1626ba7e;
bytes4 constant ERC1271_INVALID = 0xffffffff;

function packValidationData(uint48 validAfter, uint48 validUntil) pure returns (uint256) {
    return (uint256(validUntil) << 160) | (uint256(validAfter) << 208);
}

library Sig {
    // secp256k1 n / 2: signatures with a larger s are refused (no malleability).
    uint256 constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    function recover(bytes32 hash, bytes calldata sig) internal pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v < 27) v += 27;
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return address(0);
        return ecrecover(hash, v, r, s);
    }

    function ethSigned(bytes32 hash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", hash));
    }

    // The signer signed either the hash itself or its EIP-191 personal-sign form.
    function signedBy(address who, bytes32 hash, bytes calldata sig) internal pure returns (bool) {
        if (who == address(0)) return false;
        return recover(hash, sig) == who || recover(ethSigned(hash), sig) == who;
    }
}

// ---------------------------------------------------------------------------------------------
// ECDSA validator (Kernel's root / sudo validator): module type 1, owner = 20 bytes of install
// data, storage read through ecdsaValidatorStorage(account).
contract TestECDSAValidator {
    mapping(address => address) public ecdsaValidatorStorage;

    function onInstall(bytes calldata data) external payable {
        require(ecdsaValidatorStorage[msg.sender] == address(0), "already initialized");
        require(data.length >= 20, "owner missing");
        ecdsaValidatorStorage[msg.sender] = address(bytes20(data[0:20]));
    }

    function onUninstall(bytes calldata) external payable {
        delete ecdsaValidatorStorage[msg.sender];
    }

    function isModuleType(uint256 typeId) external pure returns (bool) {
        return typeId == 1;
    }

    function isInitialized(address account) external view returns (bool) {
        return ecdsaValidatorStorage[account] != address(0);
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external payable returns (uint256)
    {
        address owner = ecdsaValidatorStorage[msg.sender];
        return Sig.signedBy(owner, userOpHash, userOp.signature) ? 0 : SIG_VALIDATION_FAILED;
    }

    function isValidSignatureWithSender(address, bytes32 hash, bytes calldata sig)
        external view returns (bytes4)
    {
        address owner = ecdsaValidatorStorage[msg.sender];
        return Sig.signedBy(owner, hash, sig) ? ERC1271_MAGIC : ERC1271_INVALID;
    }
}

// ---------------------------------------------------------------------------------------------
// ECDSA signer of a permission (type 6): signer data = the 20-byte session key address.
contract TestECDSASigner {
    mapping(bytes32 => mapping(address => address)) public signerOf;
    mapping(address => uint256) public installed;

    function onInstall(bytes calldata data) external payable {
        bytes32 id = bytes32(data[0:32]);
        require(signerOf[id][msg.sender] == address(0), "already installed");
        require(data.length >= 52, "signer missing");
        signerOf[id][msg.sender] = address(bytes20(data[32:52]));
        installed[msg.sender] += 1;
    }

    function onUninstall(bytes calldata data) external payable {
        bytes32 id = bytes32(data[0:32]);
        if (signerOf[id][msg.sender] != address(0)) {
            delete signerOf[id][msg.sender];
            installed[msg.sender] -= 1;
        }
    }

    function isModuleType(uint256 typeId) external pure returns (bool) {
        return typeId == 6;
    }

    function isInitialized(address account) external view returns (bool) {
        return installed[account] > 0;
    }

    function checkUserOpSignature(bytes32 id, PackedUserOperation calldata userOp, bytes32 userOpHash)
        external payable returns (uint256)
    {
        return Sig.signedBy(signerOf[id][msg.sender], userOpHash, userOp.signature)
            ? 0 : SIG_VALIDATION_FAILED;
    }

    function checkSignature(bytes32 id, address, bytes32 hash, bytes calldata sig)
        external view returns (bytes4)
    {
        return Sig.signedBy(signerOf[id][msg.sender], hash, sig) ? ERC1271_MAGIC : ERC1271_INVALID;
    }
}

// ---------------------------------------------------------------------------------------------
// CallPolicy (type 5), the 0.0.2+ rule layout the server emits (server/zd_call_policy.c):
//   install data = abi.encode(Permission[]), Permission(bytes1 callType, address target,
//   bytes4 selector, uint256 valueLimit, ParamRule[] rules), ParamRule(uint8 condition,
//   uint64 offset, bytes32[] params).
// A permission is found by keccak256(callType || target || selector); target 0 = any contract.
// A rule compares calldata[4 + offset : 36 + offset] (after the selector) as a uint256.
// Only Kernel execute(bytes32 mode, bytes executionCalldata) is accepted; single calls
// (target 20 || value 32 || data), batches (abi.encode(Execution[]), each checked as a CALL) and
// delegate calls (target 20 || data).
contract TestCallPolicy {
    enum Condition { EQUAL, GREATER_THAN, LESS_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN_OR_EQUAL,
                     NOT_EQUAL, ONE_OF, SLICE_EQUAL }

    struct ParamRule { Condition condition; uint64 offset; bytes32[] params; }
    struct Permission { bytes1 callType; address target; bytes4 selector; uint256 valueLimit;
                        ParamRule[] rules; }
    struct Execution { address target; uint256 value; bytes callData; }

    bytes4 constant EXECUTE = 0xe9ae5c53;
    bytes1 constant CALL = 0x00;
    bytes1 constant BATCH = 0x01;
    bytes1 constant DELEGATE = 0xff;

    // (permission id, account) -> installed
    mapping(bytes32 => mapping(address => bool)) public status;
    // permission hash -> id -> account -> abi.encode(Permission)
    mapping(bytes32 => mapping(bytes32 => mapping(address => bytes))) internal rulesOf;
    mapping(bytes32 => mapping(address => bytes32[])) internal hashesOf;
    mapping(address => uint256) public installed;

    function onInstall(bytes calldata data) external payable {
        bytes32 id = bytes32(data[0:32]);
        require(!status[id][msg.sender], "already installed");
        Permission[] memory perms = abi.decode(data[32:], (Permission[]));
        for (uint256 i = 0; i < perms.length; i++) {
            bytes32 h = keccak256(abi.encodePacked(perms[i].callType, perms[i].target, perms[i].selector));
            require(rulesOf[h][id][msg.sender].length == 0, "duplicate permissionHash");
            rulesOf[h][id][msg.sender] = abi.encode(perms[i]);
            hashesOf[id][msg.sender].push(h);
        }
        status[id][msg.sender] = true;
        installed[msg.sender] += 1;
    }

    function onUninstall(bytes calldata data) external payable {
        bytes32 id = bytes32(data[0:32]);
        if (!status[id][msg.sender]) return;
        bytes32[] storage hs = hashesOf[id][msg.sender];
        for (uint256 i = 0; i < hs.length; i++) delete rulesOf[hs[i]][id][msg.sender];
        delete hashesOf[id][msg.sender];
        status[id][msg.sender] = false;
        installed[msg.sender] -= 1;
    }

    function isModuleType(uint256 typeId) external pure returns (bool) {
        return typeId == 5;
    }

    function isInitialized(address account) external view returns (bool) {
        return installed[account] > 0;
    }

    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp)
        external payable returns (uint256)
    {
        if (!status[id][msg.sender]) return SIG_VALIDATION_FAILED;
        bytes calldata cd = userOp.callData;
        if (cd.length < 4 || bytes4(cd[0:4]) != EXECUTE) return SIG_VALIDATION_FAILED;
        (bytes32 mode, bytes memory exec) = abi.decode(cd[4:], (bytes32, bytes));
        bytes1 callType = bytes1(mode);
        if (callType == CALL) {
            if (exec.length < 52) return SIG_VALIDATION_FAILED;
            return allowed(id, CALL, address(bytes20(slice(exec, 0, 20))),
                           uint256(bytes32(slice(exec, 20, 32))), slice(exec, 52, exec.length - 52))
                ? 0 : SIG_VALIDATION_FAILED;
        }
        if (callType == BATCH) {
            Execution[] memory calls = abi.decode(exec, (Execution[]));
            if (calls.length == 0) return SIG_VALIDATION_FAILED;
            for (uint256 i = 0; i < calls.length; i++) {
                if (!allowed(id, CALL, calls[i].target, calls[i].value, calls[i].callData))
                    return SIG_VALIDATION_FAILED;
            }
            return 0;
        }
        if (callType == DELEGATE) {
            if (exec.length < 20) return SIG_VALIDATION_FAILED;
            return allowed(id, DELEGATE, address(bytes20(slice(exec, 0, 20))), 0,
                           slice(exec, 20, exec.length - 20)) ? 0 : SIG_VALIDATION_FAILED;
        }
        return SIG_VALIDATION_FAILED;
    }

    // The call policy does not restrict ERC-1271 signatures.
    function checkSignaturePolicy(bytes32 id, address, bytes32, bytes calldata)
        external view returns (uint256)
    {
        return status[id][msg.sender] ? 0 : SIG_VALIDATION_FAILED;
    }

    function allowed(bytes32 id, bytes1 callType, address target, uint256 value, bytes memory data)
        internal view returns (bool)
    {
        bytes4 sel = data.length >= 4 ? bytes4(slice(data, 0, 4)) : bytes4(0);
        bytes memory enc = rulesOf[keccak256(abi.encodePacked(callType, target, sel))][id][msg.sender];
        if (enc.length == 0)
            enc = rulesOf[keccak256(abi.encodePacked(callType, address(0), sel))][id][msg.sender];
        if (enc.length == 0) return false;
        Permission memory p = abi.decode(enc, (Permission));
        if (value > p.valueLimit) return false;
        for (uint256 i = 0; i < p.rules.length; i++) {
            if (!ruleHolds(p.rules[i], data)) return false;
        }
        return true;
    }

    function ruleHolds(ParamRule memory r, bytes memory data) internal pure returns (bool) {
        uint256 at = 4 + uint256(r.offset);
        if (data.length < at + 32 || r.params.length == 0) return false;
        uint256 w = uint256(bytes32(slice(data, at, 32)));
        uint256 p = uint256(r.params[0]);
        if (r.condition == Condition.EQUAL) return w == p;
        if (r.condition == Condition.GREATER_THAN) return w > p;
        if (r.condition == Condition.LESS_THAN) return w < p;
        if (r.condition == Condition.GREATER_THAN_OR_EQUAL) return w >= p;
        if (r.condition == Condition.LESS_THAN_OR_EQUAL) return w <= p;
        if (r.condition == Condition.NOT_EQUAL) return w != p;
        if (r.condition == Condition.ONE_OF) {
            for (uint256 i = 0; i < r.params.length; i++) if (w == uint256(r.params[i])) return true;
            return false;
        }
        // SLICE_EQUAL: the word is the offset of a dynamic bytes argument (relative to the
        // arguments); params = [start, length, keccak256(expected slice)].
        if (r.params.length != 3) return false;
        uint256 lenAt = 4 + w;
        if (data.length < lenAt + 32) return false;
        uint256 len = uint256(bytes32(slice(data, lenAt, 32)));
        uint256 start = uint256(r.params[0]);
        uint256 n = uint256(r.params[1]);
        if (start + n > len || data.length < lenAt + 32 + start + n) return false;
        return keccak256(slice(data, lenAt + 32 + start, n)) == r.params[2];
    }

    function slice(bytes memory b, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        require(b.length >= start + len, "short");
        out = new bytes(len);
        for (uint256 i = 0; i < len; i++) out[i] = b[start + i];
    }
}

// ---------------------------------------------------------------------------------------------
// Rate limit (type 5). Documented behaviour (ZeroDev docs, "rate limit policy"):
//   without reset (immutable resets = false): data = interval (6 bytes) || count (6) || startAt (6);
//     one UserOp per interval, count UserOps in total, none before startAt.
//   with reset (resets = true): data = interval (6) || count (6); count UserOps per interval,
//     indefinitely.
// The next allowed time is returned as validAfter (the EntryPoint refuses the operation until
// then: "AA22 expired or not due"); an exhausted count fails validation. Uses block.timestamp
// (an ERC-7562 banned opcode for public bundlers; fine for the local test bundler).
contract TestRateLimitPolicy {
    struct Config { uint48 interval; uint48 count; uint48 startAt; uint48 last; uint48 used; bool on; }

    bool public immutable resets;
    mapping(bytes32 => mapping(address => Config)) public configOf;
    mapping(address => uint256) public installed;

    constructor(bool resets_) {
        resets = resets_;
    }

    function onInstall(bytes calldata data) external payable {
        bytes32 id = bytes32(data[0:32]);
        require(!configOf[id][msg.sender].on, "already installed");
        require(data.length >= 32 + (resets ? 12 : 18), "rate limit data too short");
        Config memory c;
        c.interval = uint48(bytes6(data[32:38]));
        c.count = uint48(bytes6(data[38:44]));
        c.startAt = resets ? 0 : uint48(bytes6(data[44:50]));
        c.on = true;
        configOf[id][msg.sender] = c;
        installed[msg.sender] += 1;
    }

    function onUninstall(bytes calldata data) external payable {
        bytes32 id = bytes32(data[0:32]);
        if (!configOf[id][msg.sender].on) return;
        delete configOf[id][msg.sender];
        installed[msg.sender] -= 1;
    }

    function isModuleType(uint256 typeId) external pure returns (bool) {
        return typeId == 5;
    }

    function isInitialized(address account) external view returns (bool) {
        return installed[account] > 0;
    }

    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata)
        external payable returns (uint256)
    {
        Config storage c = configOf[id][msg.sender];
        if (!c.on) return SIG_VALIDATION_FAILED;
        uint48 now48 = uint48(block.timestamp);
        if (resets) {
            if (c.last == 0 || now48 >= c.last + c.interval) {
                c.last = now48; // a new window starts with this operation
                c.used = 0;
            }
            if (c.used >= c.count) return packValidationData(c.last + c.interval, 0);
            c.used += 1;
            return 0;
        }
        if (c.count == 0) return SIG_VALIDATION_FAILED;
        uint48 due = c.startAt;
        if (c.used > 0 && c.last + c.interval > due) due = c.last + c.interval;
        c.count -= 1;
        c.used += 1;
        c.last = now48 > due ? now48 : due;
        return packValidationData(due, 0);
    }

    function checkSignaturePolicy(bytes32 id, address, bytes32, bytes calldata)
        external view returns (uint256)
    {
        return configOf[id][msg.sender].on ? 0 : SIG_VALIDATION_FAILED;
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamp policy (type 5): data = abi.encode(uint48 validAfter, uint48 validUntil), 0 = open.
contract TestTimestampPolicy {
    struct Window { uint48 validAfter; uint48 validUntil; bool on; }

    mapping(bytes32 => mapping(address => Window)) public windowOf;
    mapping(address => uint256) public installed;

    function onInstall(bytes calldata data) external payable {
        bytes32 id = bytes32(data[0:32]);
        require(!windowOf[id][msg.sender].on, "already installed");
        (uint48 a, uint48 u) = abi.decode(data[32:], (uint48, uint48));
        windowOf[id][msg.sender] = Window(a, u, true);
        installed[msg.sender] += 1;
    }

    function onUninstall(bytes calldata data) external payable {
        bytes32 id = bytes32(data[0:32]);
        if (!windowOf[id][msg.sender].on) return;
        delete windowOf[id][msg.sender];
        installed[msg.sender] -= 1;
    }

    function isModuleType(uint256 typeId) external pure returns (bool) {
        return typeId == 5;
    }

    function isInitialized(address account) external view returns (bool) {
        return installed[account] > 0;
    }

    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata)
        external payable returns (uint256)
    {
        Window memory w = windowOf[id][msg.sender];
        if (!w.on) return SIG_VALIDATION_FAILED;
        return packValidationData(w.validAfter, w.validUntil);
    }

    function checkSignaturePolicy(bytes32 id, address, bytes32, bytes calldata)
        external view returns (uint256)
    {
        Window memory w = windowOf[id][msg.sender];
        if (!w.on || block.timestamp < w.validAfter || (w.validUntil != 0 && block.timestamp > w.validUntil))
            return SIG_VALIDATION_FAILED;
        return 0;
    }
}

// ---------------------------------------------------------------------------------------------
// Meta factory (ZeroDev's FactoryStaker interface): deployWithFactory(factory, createData, salt)
// forwards to factory.createAccount(createData, salt). The real one also keeps a list of approved
// factories and an EntryPoint stake; this test chain needs neither (its code is placed with
// anvil_setCode, so it has no constructor state), so it forwards to any factory.
interface IAccountFactory {
    function createAccount(bytes calldata data, bytes32 salt) external payable returns (address);
}

contract TestMetaFactory {
    function deployWithFactory(address factory, bytes calldata createData, bytes32 salt)
        external payable returns (address)
    {
        return IAccountFactory(factory).createAccount{value: msg.value}(createData, salt);
    }
}

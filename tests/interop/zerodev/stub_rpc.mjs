// stub_rpc.mjs: a JSON-RPC server on 127.0.0.1 that plays the chain for ZeroDev Kernel v3
// approvals, shared by gen_fixtures.mjs (the SDK asks it) and zerodev.test.mjs (our binary
// asks it). It answers exactly what an owner-side approval needs and logs everything else as
// unexpected (the caller fails on it):
//   eth_chainId
//   eth_getCode(account)                    deployed ? some code : "0x"
//   eth_call EntryPoint getSenderAddress(b) revert SenderAddressResult(CREATE2 address), the
//                                           address computed from the SDK's own constants
//   eth_call account currentNonce()         deployed ? the nonce : "0x"
//   eth_call account eip712Domain()         deployed ? ("Kernel", version, ...) : "0x"
//   eth_call account accountId()            deployed ? "kernel.advanced.v0.3.1" (...) : "0x"
// Faults for negative tests: state.fail = { method or selector: 'rpc-error' | 'http-500' }.
import { createServer } from 'node:http';
import { constants } from '@zerodev/sdk';
import {
  concat, decodeFunctionData, encodeAbiParameters, encodeErrorResult, getContractAddress,
  keccak256, parseAbi, toHex,
} from 'viem';

export const ENTRY_POINT_07 = '0x0000000071727De22E5E9d8BAf0edAc6f37da032';
const SEL = {
  getSenderAddress: '0x9b249f69',
  currentNonce: '0xadb610a3',
  eip712Domain: '0x84b0196e',
  accountId: '0x9cfd7cff',
};
const META_ABI = parseAbi(['function deployWithFactory(address factory, bytes createData, bytes32 salt)']);
const SENDER_ERR = parseAbi(['error SenderAddressResult(address sender)']);
const DOMAIN_OUT = [
  { type: 'bytes1' }, { type: 'string' }, { type: 'string' }, { type: 'uint256' },
  { type: 'address' }, { type: 'bytes32' }, { type: 'uint256[]' },
];

// CREATE2 address of a meta-factory initCode, from the SDK's KernelVersionToAddressesMap.
export function counterfactualAddress(initCode) {
  const { args } = decodeFunctionData({ abi: META_ABI, data: initCode });
  const [factory, createData, salt] = args;
  const entry = Object.values(constants.KernelVersionToAddressesMap)
    .find((a) => a.factoryAddress.toLowerCase() === factory.toLowerCase());
  if (!entry) throw new Error(`stub: unknown factory ${factory}`);
  return getContractAddress({
    from: factory, opcode: 'CREATE2', bytecodeHash: entry.initCodeHash,
    salt: keccak256(concat([createData, salt])),
  });
}

const domainVersion = (kv) => (kv === '0.3.0' ? '0.3.0-beta' : kv);
const accountIdOf = (kv) => (kv === '0.3.0' ? 'kernel.advanced.v0.3.0-beta' : `kernel.advanced.v${kv}`);

// state: { chainId, accounts: { [lowercase address]: { kernelVersion, currentNonce,
//          domainVersion? } }, fail: {} }. Only accounts listed are deployed.
export async function startStub(state) {
  const log = [];
  const unexpected = [];
  const answer = (id, result) => ({ jsonrpc: '2.0', id, result });
  const rpcError = (id, code, message, data) => ({ jsonrpc: '2.0', id, error: { code, message, data } });

  function handle(req) {
    const { id, method, params } = req;
    const fail = state.fail ?? {};
    if (method === 'eth_chainId') {
      log.push({ method });
      return answer(id, toHex(state.chainId));
    }
    if (method === 'eth_getCode') {
      const acct = state.accounts?.[params[0].toLowerCase()];
      log.push({ method, to: params[0] });
      if (fail.eth_getCode === 'rpc-error') return rpcError(id, -32000, 'stub: getCode failed');
      return answer(id, acct ? '0x6080604052' : '0x');
    }
    if (method === 'eth_call') {
      const { to, data } = params[0];
      const sel = data.slice(0, 10).toLowerCase();
      const name = Object.keys(SEL).find((k) => SEL[k] === sel) ?? sel;
      log.push({ method, to, call: name });
      if (fail[name] === 'rpc-error') return rpcError(id, -32000, `stub: ${name} failed`);
      if (fail[name] === 'http-500') return 'http-500';
      if (to.toLowerCase() === ENTRY_POINT_07.toLowerCase() && sel === SEL.getSenderAddress) {
        const [initCode] = decodeFunctionData({
          abi: parseAbi(['function getSenderAddress(bytes initCode)']), data,
        }).args;
        const sender = counterfactualAddress('0x' + initCode.slice(42));
        const revert = encodeErrorResult({ abi: SENDER_ERR, errorName: 'SenderAddressResult', args: [sender] });
        return rpcError(id, 3, 'execution reverted', revert);
      }
      const acct = state.accounts?.[to.toLowerCase()];
      if (sel === SEL.currentNonce)
        return answer(id, acct ? encodeAbiParameters([{ type: 'uint32' }], [acct.currentNonce]) : '0x');
      if (sel === SEL.eip712Domain) {
        if (!acct) return answer(id, '0x');
        return answer(id, encodeAbiParameters(DOMAIN_OUT, [
          '0x0f', 'Kernel', acct.domainVersion ?? domainVersion(acct.kernelVersion),
          BigInt(state.chainId), to, '0x' + '00'.repeat(32), [],
        ]));
      }
      if (sel === SEL.accountId)
        return answer(id, acct ? encodeAbiParameters([{ type: 'string' }], [acct.accountId ?? accountIdOf(acct.kernelVersion)]) : '0x');
    }
    unexpected.push({ method, params });
    return rpcError(id, -32601, `stub: unexpected ${method}`);
  }

  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      let msg;
      try { msg = JSON.parse(body); } catch { res.writeHead(400).end(); return; }
      const out = Array.isArray(msg) ? msg.map(handle) : handle(msg);
      if (out === 'http-500' || (Array.isArray(out) && out.includes('http-500'))) {
        res.writeHead(500).end('stub: internal error');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, log, unexpected, state,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}

import { test } from 'node:test';
import * as L from './lifecycle_lib.mjs';
test('race', async (t) => {
  const home = L.tempHome(t);
  const a = await L.startServer(t, { home });
  const b = await L.startServer(t, { home });
  const res = {};
  for (let i = 0; i < 8; i++) {
    const req = L.ok(await a.call('request_session_approval', L.seedArgs({ label: 'Job ' + i })));
    b.learn(req);
    const sig = await L.signTyped(L.OWNER, req.typedData);
    const [x, y] = await Promise.all([a.call('confirm_session', { sessionId: req.sessionId, signature: sig }), b.call('confirm_session', { sessionId: req.sessionId, signature: sig })]);
    for (const r of [x, y]) { const k = (r.isError ? 'ERR ' : '') + L.text(r).replace(/ses_\w+/, 'S').slice(0, 90); res[k] = (res[k] ?? 0) + 1; }
  }
  console.log(res);
  console.log(await L.readDb(t, home));
  console.log(L.auditVerify(home));
});
test('faults', async (t) => {
  const home = L.tempHome(t);
  const a = await L.startServer(t, { home, env: { SKM_TEST_FAULT: 'db_commit' } });
  console.log(JSON.stringify(await a.call('request_session_approval', L.seedArgs())));
  console.log(JSON.stringify(await a.call('list_automations', { walletAddress: L.SMART_WALLET })));
  const home2 = L.tempHome(t);
  const b = await L.startServer(t, { home: home2, env: { SKM_TEST_FAULT: 'after_keygen' } });
  console.log(JSON.stringify(await b.call('request_session_approval', L.seedArgs())));
  console.log(JSON.stringify(await L.readDb(t, home2)));
});
test('lock', async (t) => {
  const home = L.tempHome(t);
  const a = await L.startServer(t, { home });
  await a.call('list_automations', { walletAddress: L.SMART_WALLET });
  const lock = await L.holdWriteLock(t, home);
  const t0 = Date.now();
  console.log(JSON.stringify(await a.call('request_session_approval', L.seedArgs())), Date.now() - t0);
  console.log(JSON.stringify(await a.call('list_automations', { walletAddress: L.SMART_WALLET })), Date.now() - t0);
  await lock.release();
});

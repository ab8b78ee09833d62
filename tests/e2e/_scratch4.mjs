import { test } from 'node:test';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import * as L from './lifecycle_lib.mjs';
test('modes', async (t) => {
  const home = path.join(L.tempHome(t), 'a', 'data');
  const a = await L.startServer(t, { home });
  await L.approve(a, L.seedArgs());
  for (const f of [home, ...readdirSync(home).map(f => path.join(home, f))]) console.log(f, (statSync(f).mode & 0o777).toString(8));
  console.log((statSync(path.dirname(home)).mode & 0o777).toString(8));
  const r = await a.call('get_session_history', { walletAddress: L.SMART_WALLET, limit: 1 });
  console.log(JSON.stringify(r));
  console.log(JSON.stringify(await a.call('get_session_history', { walletAddress: L.SMART_WALLET, limit: 1, cursor: r.structuredContent.nextCursor })));
  console.log(JSON.stringify(await a.call('list_automations', { walletAddress: L.SMART_WALLET, status: 'all' })).slice(0,200));
});

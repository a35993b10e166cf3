/**
 * A walk-through of the HTTP API: set up a community, record hours, approve them, redeem points in the
 * rewards shop, and query the balance and the latest lines of the statement. Plain fetch, nothing else.
 *
 *   LEDGER_URL=http://127.0.0.1:8080 LEDGER_API_KEY=vlk_… pnpm exec tsx examples/http/walkthrough.ts
 *
 * LEDGER_API_KEY is an admin key (`pnpm --filter @volunteer-ledger/server ledger admin-key create`).
 * Safe to run again: every POST carries an Idempotency-Key, and new records get new ids.
 */
const base = (process.env.LEDGER_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const key = process.env.LEDGER_API_KEY;
if (!key) {
  console.error('Set LEDGER_API_KEY to an admin API key: pnpm --filter @volunteer-ledger/server ledger admin-key create');
  process.exit(2);
}
const run = Date.now().toString(36);
const community = 'walkthrough';
let step = 0;

async function call(method: string, path: string, body?: unknown, allowed: number[] = []): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': `"${run}-${(step += 1)}"` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  console.log(`${method} ${path} → ${res.status}`);
  if (!res.ok && !allowed.includes(res.status)) {
    console.error(json);
    throw new Error(`${method} ${path} failed with ${res.status}: ${json?.detail ?? text}`);
  }
  return json;
}

// 1. A community with a policy: 10 points an hour, elder care counts double.
await call('POST', '/v1/communities', { communityId: community, name: '示范社区 Walkthrough', policy: { basePointsPerHour: '10', categoryMultipliers: { 'elder-care': '2' } } }, [409]);
// 2. An organiser and a volunteer (their names are sealed by the vault; events carry only ciphertext).
await call('POST', `/v1/communities/${community}/members`, { memberId: 'organiser-1', profile: { name: '王芳' } }, [409]);
await call('POST', `/v1/communities/${community}/organisers`, { memberId: 'organiser-1' }, [409]);
await call('POST', `/v1/communities/${community}/members`, { memberId: 'volunteer-1', profile: { name: '李伟', idNumber: '110101199001011234' } }, [409]);
// 3. Record 2 hours of elder care, then approve them.
const recordId = `visit-${run}`;
await call('POST', `/v1/communities/${community}/members/volunteer-1/service-records/reported`, {
  recordId,
  category: 'elder-care',
  serviceDate: new Date().toISOString().slice(0, 10),
  hours: '2.00',
  activityHours: '2.00',
});
const before = await call('GET', `/v1/communities/${community}/members/volunteer-1`);
await call('POST', `/v1/communities/${community}/members/volunteer-1/service-records/${recordId}/approve`, {});
// 4. The shop: list a bag of rice (once), redeem it, hand it over.
await call('POST', `/v1/communities/${community}/catalogue`, { itemId: 'rice-5kg', name: '大米 5kg', kind: 'goods', pointsCost: '30.00', stock: 100 }, [409]);
const redemptionId = `rice-${run}`;
await call('POST', `/v1/communities/${community}/members/volunteer-1/redemptions`, { redemptionId, itemId: 'rice-5kg' });
await call('POST', `/v1/communities/${community}/redemptions/${redemptionId}/fulfil`, {});
// 5. The balance and the statement: the latest lines, newest first, as a resident reads them (in Chinese;
//    `descriptionEn` has the English). `nextCursor` pages back in time; `order=oldest` starts from the first line.
const account = await call('GET', `/v1/communities/${community}/members/volunteer-1`);
console.log(`balance before approval ${before.balance}, now ${account.balance} (available ${account.available}, hours ${account.hoursTotal})`);
const statement = await call('GET', `/v1/communities/${community}/members/volunteer-1/statement?limit=5`);
console.log('latest statement lines, newest first:');
for (const entry of statement.entries) console.log(`  ${entry.recordedAt}  ${entry.amount.padStart(8)} → ${entry.runningBalance.padStart(8)}  ${entry.description}`);
console.log('done');

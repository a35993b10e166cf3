import { Ledger, InMemoryEventStore, ManualClock, type Actor } from '@volunteer-ledger/core';
const communityId = 'bench';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId };
const start = Date.parse('2026-03-01T00:00:00.000Z');
const ledger = new Ledger({ store: new InMemoryEventStore(), clock: new ManualClock(new Date(start)) });
await ledger.execute({ type: 'RegisterCommunity', communityId, name: 'Bench', policy: { levelThresholdsHours: [] } }, { actor: admin });
await ledger.execute({ type: 'AppointOrganiser', communityId, memberId: 'org' }, { actor: admin });
const members = 1000;
for (let i = 0; i < members; i++) await ledger.execute({ type: 'RegisterMember', communityId, memberId: `m${i}` }, { actor: admin });
const t0 = performance.now(); const c0 = process.cpuUsage();
for (let i = 0; i < 20000; i++) {
  const out = start - (1 + Math.floor(i / members)) * 86400000;
  const r = await ledger.execute({ type: 'RecordCheckedInHours', communityId, memberId: `m${i % members}`, recordId: `r${i}`, category: 'elder-care', checkedInAt: new Date(out - 3600000).toISOString(), checkedOutAt: new Date(out).toISOString() }, { actor: organiser });
  if (!r.ok) throw new Error(r.error.message);
}
const cpu = process.cpuUsage(c0);
console.log('cpu us per accrual', (cpu.user + cpu.system) / 20000, 'wall', (performance.now() - t0) / 20000 * 1000);

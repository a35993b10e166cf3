/**
 * The community the HTTP benches drive (bench/http.bench.ts, bench/_http-cpu.ts, bench/_http-ab.ts): community c1
 * with `memberCount` members (m0, m1, …) holding 10 points each, and an admin API key for the load generator.
 * `_http-ab.ts` passes runtimes of other checkouts, so this asks only for what it uses.
 */
import type { Runtime } from '../packages/ledger-server/src/index.js';

type BenchRuntime = Pick<Runtime, 'ledger' | 'credentials'>;

export const benchActor = { id: 'bench-admin', role: 'admin' as const, communityId: 'c1' };

/** Sets the community up (members registered all at once, so a durable store group-commits them); the admin key's token. */
export async function seedBenchCommunity(runtime: BenchRuntime, memberCount: number): Promise<string> {
  const { token } = await runtime.credentials.createApiKey({ role: 'admin', communityId: 'c1' });
  await runtime.ledger.execute({ type: 'RegisterCommunity', communityId: 'c1', name: 'bench' }, { actor: benchActor });
  await Promise.all(
    Array.from({ length: memberCount }, async (_, i) => {
      await runtime.ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId: `m${i}` }, { actor: benchActor });
      await runtime.ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId: `m${i}`, grantId: 'g0', points: '10.00', reason: 'bench' }, { actor: benchActor });
    }),
  );
  return token;
}

/** STUB_LEDGER=1: every command is answered with one real outcome, kept: what is left is the HTTP layer alone. */
export async function stubLedgerIfAsked(runtime: BenchRuntime): Promise<void> {
  if (process.env.STUB_LEDGER !== '1') return;
  const kept = await runtime.ledger.execute(
    { type: 'RecordCheckedInHours', communityId: 'c1', memberId: 'm0', recordId: 'stub', category: 'elder-care', checkedInAt: '2026-01-01T02:00:00.000Z', checkedOutAt: '2026-01-01T02:30:00.000Z' },
    { actor: benchActor },
  );
  if (!kept.ok) throw new Error(`the stub's outcome was refused: ${kept.error.message}`);
  runtime.ledger.execute = async () => kept;
}

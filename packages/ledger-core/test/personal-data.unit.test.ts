/** Personal data (DESIGN §6): sealed in events, erasable by key, balances intact after erasure. */
import { describe, expect, it } from 'vitest';
import { Ledger, type SealedProfile, canonicalJson, sha256Hex, streamNames } from '../src/index.js';
import { createTestLedger, mustOk } from '../src/testing/index.js';

const profile = { name: '张三丰', phone: '+86 138-0013-8000', idNumber: '11010119900101123X' };
const clearTexts = ['张三丰', '13800138000', '138-0013-8000', '11010119900101123X', '19900101'];

async function aliceWithProfile() {
  const t = await createTestLedger({ members: [] });
  mustOk(await t.execute({ type: 'RegisterMember', communityId: 'c1', memberId: 'alice', profile }, t.admin));
  t.clock.set('2026-03-01T10:00:00Z');
  mustOk(await t.execute({ type: 'RecordCheckedInHours', communityId: 'c1', memberId: 'alice', recordId: 'r1', category: 'culture', checkedInAt: '2026-03-01T06:00:00Z', checkedOutAt: '2026-03-01T09:00:00Z' }));
  const events = await t.store.readStream(streamNames.member('c1', 'alice'));
  const sealed = events.find((e) => e.type === 'MemberProfileRecorded')?.data.sealed as unknown as SealedProfile;
  return { t, events, sealed };
}

describe('personal data', () => {
  it('never appears in clear text in any event, data or metadata', async () => {
    const { t } = await aliceWithProfile();
    const everything = JSON.stringify(await t.store.readAll({ maxCount: 10_000 }), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const text of clearTexts) expect(everything).not.toContain(text);
    expect(everything).toContain('MemberProfileRecorded');
  });

  it('is sealed so that the vault opens it for the member and for no other member', async () => {
    const { t, sealed } = await aliceWithProfile();
    expect(await t.ledger.vault.open('c1', 'alice', sealed)).toEqual(profile);
    expect(await t.ledger.vault.open('c1', 'bob', sealed)).toBeNull();
  });

  it('erasure leaves the sealed profile unreadable and every balance intact', async () => {
    const { t, sealed } = await aliceWithProfile();
    const before = (await t.ledger.member('c1', 'alice')).state;
    const [balance, hours, level] = [before.balance.toString(), before.hoursTotal.toString(), before.level];
    mustOk(await t.execute({ type: 'ErasePersonalData', communityId: 'c1', memberId: 'alice', reason: 'member asked (PIPL art. 47)' }, t.admin));
    expect(await t.ledger.vault.open('c1', 'alice', sealed)).toBeNull();
    // A new ledger on the same store folds from scratch: the erased profile does not stop replay.
    const replayed = (await new Ledger({ store: t.store, clock: t.clock }).member('c1', 'alice')).state;
    expect([replayed.balance.toString(), replayed.hoursTotal.toString(), replayed.level, replayed.profileErased]).toEqual([balance, hours, level, true]);
    expect(balance).toBe('30.00');
  });

  // Was a bug (found by this test): the idempotency hash covered the profile in clear text, so a low-entropy
  // phone number could be recovered by brute force after erasure. Now the hash sees only which personal fields
  // a request carries; a repeat's data is compared in memory with the profile the first request sealed.
  it('after erasure, the stored request hash does not give the phone number back', async () => {
    const t = await createTestLedger({ members: [] });
    const command = { type: 'RegisterMember', communityId: 'c1', memberId: 'alice', profile: { phone: '13800138000' } } as const;
    mustOk(await t.ledger.execute(command, { actor: t.admin, idempotencyKey: 'register-alice' }));
    mustOk(await t.execute({ type: 'ErasePersonalData', communityId: 'c1', memberId: 'alice', reason: 'member asked' }, t.admin));
    const stored = (await t.store.readStream(streamNames.member('c1', 'alice'))).map((e) => e.metadata.requestHash).find((h) => h !== null);
    expect(stored).toBeDefined();
    // An attacker who knows the number's first seven digits tries the other 10,000.
    let recovered: string | null = null;
    for (let n = 0; n < 10_000 && recovered === null; n += 1) {
      const phone = `1380013${String(n).padStart(4, '0')}`;
      if ((await sha256Hex(canonicalJson({ ...command, profile: { phone } }))) === stored) recovered = phone;
    }
    expect(recovered).toBeNull();
  });

  it('a repeated key with the same personal data replays; with different personal data it is refused', async () => {
    const t = await createTestLedger({ members: [] });
    const register = (phone: string) => t.ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId: 'alice', profile: { name: '张三', phone } }, { actor: t.admin, idempotencyKey: 'register-alice' });
    const first = mustOk(await register('13800138000'));
    const again = mustOk(await register('13800138000'));
    expect(again.replayed).toBe(true);
    expect(again.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
    const changed = await register('13900139000');
    expect(changed.ok ? 'accepted' : changed.error.code).toBe('idempotency-key-reused');
  });

  it('a profile recorded after an erasure is sealed under a new key: readable, while the erased one stays unreadable', async () => {
    const { t, sealed } = await aliceWithProfile();
    mustOk(await t.execute({ type: 'ErasePersonalData', communityId: 'c1', memberId: 'alice', reason: 'asked' }, t.admin));
    mustOk(await t.execute({ type: 'RecordProfile', communityId: 'c1', memberId: 'alice', profile: { name: '张三丰' } }, t.admin));
    const events = await t.store.readStream(streamNames.member('c1', 'alice'));
    const resealed = events.filter((e) => e.type === 'MemberProfileRecorded').at(-1)!.data.sealed as unknown as SealedProfile;
    expect(resealed.keyId).not.toBe(sealed.keyId);
    expect(await t.ledger.vault.open('c1', 'alice', resealed)).toEqual({ name: '张三丰' });
    expect(await t.ledger.vault.open('c1', 'alice', sealed)).toBeNull();
    const { state } = await t.ledger.member('c1', 'alice');
    expect([state.erasures, state.profileErased, state.hasProfile]).toEqual([1, false, true]);
  });

  it('an erasure whose key survived a crash is finished by recovery: the event first, the key after', async () => {
    const { t, sealed } = await aliceWithProfile();
    // The erasure event is durable, but the process died before the key was destroyed.
    const keyOnly = new Ledger({ store: t.store, clock: t.clock, vault: t.ledger.vault });
    const realErase = t.ledger.vault.erase.bind(t.ledger.vault);
    t.ledger.vault.erase = async () => {
      throw new Error('crashed before destroying the key');
    };
    mustOk(await t.execute({ type: 'ErasePersonalData', communityId: 'c1', memberId: 'alice', reason: 'asked' }, t.admin));
    t.ledger.vault.erase = realErase;
    expect(await t.ledger.vault.holdsKey('c1', 'alice', 0)).toBe(true);
    expect(await keyOnly.finishErasure('c1', 'alice')).toBe(true);
    expect(await t.ledger.vault.open('c1', 'alice', sealed)).toBeNull();
    expect(await keyOnly.finishErasure('c1', 'alice')).toBe(false);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateIn, dateTimeIn, instantIn } from './format.js';
import { monthsOf, toCsv } from './reports.js';
import { InMemoryKeyRecordStore } from '@volunteer-ledger/core';
import { KeyRecordSessionStore } from './key-record-sessions.js';
import { type SessionStore, SqliteSessionStore } from './sessions.js';

const now = new Date('2026-05-01T08:00:00Z');
const actor = { id: 'm1', role: 'member' as const, communityId: 'c1' };

/** Two instances' views of one shared store, and one store alone, for each implementation. */
const implementations: Array<{ name: string; pair: () => Promise<{ a: SessionStore; b: SessionStore; done: () => Promise<void> }>; one: () => SessionStore }> = [
  {
    name: 'SQLite file (embedded default)',
    pair: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ui-sessions-'));
      const a = SqliteSessionStore.open(join(dir, 's.sqlite'));
      const b = SqliteSessionStore.open(join(dir, 's.sqlite'));
      return { a, b, done: async () => (await a.close(), await b.close(), rmSync(dir, { recursive: true, force: true })) };
    },
    one: () => SqliteSessionStore.open(':memory:'),
  },
  {
    name: 'key records (EventStoreDB deployments)',
    pair: async () => {
      const shared = new InMemoryKeyRecordStore();
      return { a: new KeyRecordSessionStore(shared), b: new KeyRecordSessionStore(shared), done: async () => {} };
    },
    one: () => new KeyRecordSessionStore(new InMemoryKeyRecordStore()),
  },
];

describe.each(implementations)('sign-in cards and sessions: $name', ({ pair, one }) => {
  it('two instances sharing the store: a card is used once, and a session started on one is seen by the other', async () => {
    const { a, b, done } = await pair();
    try {
      const { card, token } = await a.createCard({ communityId: 'c1', memberId: 'm1', createdBy: 'o1', now });
      const [first, second] = await Promise.all([a.useCard(token, now), b.useCard(token, now)]);
      expect([first, second].filter((r) => typeof r === 'object')).toHaveLength(1);
      expect([first, second]).toContain('used');
      expect((await b.cards('c1', 'm1'))[0]?.usedAt).toBe(now.toISOString());
      const started = await a.startSession({ kind: 'member', actor, communityId: 'c1', credentialId: `card:${card.cardId}`, cardId: card.cardId, now, ttlMs: 60_000 });
      const other = await a.startSession({ kind: 'member', actor, communityId: 'c1', credentialId: 'jwt', now, ttlMs: 60_000 });
      expect((await b.session(started.token, now))?.actor).toEqual(actor);
      // Revoking the card on one instance ends its session on the other, and no other session.
      expect(await b.revokeCard('c1', card.cardId, now)).toBe(true);
      expect(await a.session(started.token, now)).toBeNull();
      expect(await a.session(other.token, now)).not.toBeNull();
      expect(await a.useCard(token, now)).toBe('revoked');
      await b.endSession(other.token);
      expect(await a.session(other.token, now)).toBeNull();
    } finally {
      await done();
    }
  });

  it('an expired card or session does not count; a card of another community is not revoked', async () => {
    const store = one();
    const { card, token } = await store.createCard({ communityId: 'c1', memberId: 'm1', createdBy: 'o1', now, ttlMs: 1000 });
    expect(await store.revokeCard('c2', card.cardId, now)).toBe(false);
    expect(await store.useCard(token, new Date(now.getTime() + 1000))).toBe('expired');
    const { token: sessionToken } = await store.startSession({ kind: 'organiser', actor, communityId: 'c1', credentialId: 'k', now, ttlMs: 1000 });
    expect(await store.session(sessionToken, new Date(now.getTime() + 999))).not.toBeNull();
    expect(await store.session(sessionToken, new Date(now.getTime() + 1000))).toBeNull();
    await store.close();
  });

  it('a token with one character changed is not a token', async () => {
    const store = one();
    const { token } = await store.startSession({ kind: 'member', actor, communityId: 'c1', credentialId: 'k', now, ttlMs: 60_000 });
    const card = await store.createCard({ communityId: 'c1', memberId: 'm1', createdBy: 'o1', now });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'abcdefABCDEF0123456789-_'), async (at, ch) => {
        fc.pre(token[at] !== ch && token[at] !== '.');
        const altered = token.slice(0, at) + ch + token.slice(at + 1);
        expect(await store.session(altered, now)).toBeNull();
        const alteredCard = card.token.slice(0, at) + ch + card.token.slice(at + 1);
        if (alteredCard !== card.token && card.token[at] !== '.') expect(await store.useCard(alteredCard, now)).toBe('unknown');
      }),
      { numRuns: 50 },
    );
    await store.close();
  });
});

describe('dates on the pages', () => {
  it('just after midnight in Shanghai reads 00:55, never 24:55', () => {
    expect(dateTimeIn('2026-11-30T16:55:00.000Z', 'Asia/Shanghai')).toBe('2026-12-01 00:55');
    expect(dateTimeIn('2026-12-01T15:59:00.000Z', 'Asia/Shanghai')).toBe('2026-12-01 23:59');
    expect(dateIn('2026-11-30T16:00:00.000Z', 'Asia/Shanghai')).toBe('2026-12-01');
  });
});

describe('report helpers', () => {
  it('months of a period are clipped to it and cover it without gaps', () => {
    expect(monthsOf('2025-11-15', '2026-02-10')).toEqual([
      { label: '2025-11', from: '2025-11-15', to: '2025-11-30' },
      { label: '2025-12', from: '2025-12-01', to: '2025-12-31' },
      { label: '2026-01', from: '2026-01-01', to: '2026-01-31' },
      { label: '2026-02', from: '2026-02-01', to: '2026-02-10' },
    ]);
    expect(monthsOf('2024-02-01', '2024-02-29').map((m) => m.to)).toEqual(['2024-02-29']);
  });

  it('CSV quotes what needs it and defuses formulas, leaving negative numbers alone', () => {
    const csv = toCsv({ head: ['名称', 'n'], rows: [['a,"b"', '-5.00'], ['=HYPERLINK("x")', 3]] });
    expect(csv).toBe('\uFEFF名称,n\r\n"a,""b""",-5.00\r\n"\'=HYPERLINK(""x"")",3\r\n');
  });
});

describe('a wall-clock date and time in a time zone (a service request wanted at 09:00 in the community)', () => {
  it('is the instant shown back as that date and time, for any minute of any day, in zones with and without DST', () => {
    const zones = ['Asia/Shanghai', 'UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'Europe/Berlin'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }), (zone, ms) => {
        const shown = dateTimeIn(new Date(Math.floor(ms / 60_000) * 60_000).toISOString(), zone);
        const [date, time] = shown.split(' ') as [string, string];
        const instant = instantIn(date, time, zone);
        expect(instant).not.toBeNull();
        expect(dateTimeIn(instant!, zone)).toBe(shown);
      }),
    );
  });
  it('is Shanghai 09:00 = 01:00 UTC; not a date or not a time is null', () => {
    expect(instantIn('2026-12-01', '09:00', 'Asia/Shanghai')).toBe('2026-12-01T01:00:00.000Z');
    expect(instantIn('2026-12-01', '25:00', 'Asia/Shanghai')).toBeNull();
    expect(instantIn('12/01/2026', '09:00', 'Asia/Shanghai')).toBeNull();
  });
});

/**
 * Stream names (DESIGN §3: `<category>-<community>-<id>`) and the categories a store keeps in global order. The
 * EventStoreDB store refuses a stream outside those categories, so a kind of stream missing from them is a kind the
 * ledger cannot write there: that was so for activities, service requests and wishes, every one of them a 500 on
 * EventStoreDB.
 */
import { describe, expect, it } from 'vitest';
import { streamCategories, streamNames } from '../src/index.js';

describe('stream names and categories', () => {
  it('every kind of stream the ledger writes is named <category>-…, its category among those kept in global order', () => {
    for (const [kind, name] of Object.entries(streamNames)) {
      expect(streamCategories).toContain(kind);
      expect(name('c1', 'x1').startsWith(`${kind}-`), `${kind}: ${name('c1', 'x1')}`).toBe(true);
    }
  });

  it('the categories are the eight kinds of stream, processes included', () => {
    expect([...streamCategories].sort()).toEqual(['activity', 'community', 'member', 'redemption', 'request', 'reward', 'transfer', 'wish']);
  });
});

/**
 * Test support for the ledger, exported as `@volunteer-ledger/core/testing`: a given / when / then spec
 * helper for the deciders, builders for commands and events, a real Ledger harness with abstract
 * scenario operations, the books as derived from events (postings, trial balance, account invariants),
 * and fast-check arbitraries. It depends on fast-check, which a consumer installs alongside.
 */
export * from './spec.js';
export * from './activity-spec.js';
export * from './fixtures.js';
export * from './books.js';
export * from './harness.js';
export * from './arbitraries.js';
export * from './forwarding-store.js';
export * from './yielding-store.js';

export * from './store/port.js';
export { InMemoryEventStore, InMemoryIdempotencyStore, expectedRevisionHolds, assertAppendable } from './store/in-memory.js';
export { AppendSignal, pollingSubscription, subscriptionPageSize } from './store/subscription.js';

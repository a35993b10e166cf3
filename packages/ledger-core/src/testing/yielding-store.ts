/**
 * An event store that hands control to fast-check's scheduler before every read and append, so the scheduler
 * chooses how concurrent decisions interleave (and shrinks to the interleaving that breaks a rule).
 */
import type fc from 'fast-check';
import type { EventStore, ExpectedRevision, NewEvent } from '../store/port.js';
import { ForwardingEventStore } from './forwarding-store.js';

export class SchedulerYieldingStore extends ForwardingEventStore {
  constructor(
    inner: EventStore,
    private readonly scheduler: fc.Scheduler,
  ) {
    super(inner);
  }
  override async appendToStream(stream: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }) {
    await this.scheduler.schedule(Promise.resolve(`append ${stream}`));
    return this.inner.appendToStream(stream, events, options);
  }
  override async readStream(...args: Parameters<EventStore['readStream']>) {
    await this.scheduler.schedule(Promise.resolve(`read ${args[0]}`));
    return this.inner.readStream(...args);
  }
}

/**
 * An event store that forwards every call to another: subclass it and override what a test needs to
 * intercept (crash on an append, yield to a scheduler before a read), keeping everything else real.
 */
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamRevision,
  SubscribeToAllOptions,
  Subscription,
} from '../store/port.js';

export class ForwardingEventStore implements EventStore {
  constructor(readonly inner: EventStore) {}
  get idempotency() {
    return this.inner.idempotency;
  }
  get checkpoints() {
    return this.inner.checkpoints;
  }
  appendToStream(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    return this.inner.appendToStream(streamName, events, options);
  }
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamName, options);
  }
  streamRevision(streamName: string): Promise<StreamRevision> {
    return this.inner.streamRevision(streamName);
  }
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }
  subscribeToAll(options?: SubscribeToAllOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }
  async syncDeferred(): Promise<void> {
    await this.inner.syncDeferred?.();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

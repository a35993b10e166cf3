/**
 * Checkpoints kept in the server: one stream per name, `<namespace>ledger-checkpoint-<sha256(name)>`,
 * whose last event holds the position as a decimal string (positions exceed 64 bits, see positions.ts).
 * Each stream carries `$maxCount: 1`, so old checkpoints can be scavenged.
 */
import { jsonEvent, type EventStoreDBClient, type JSONRecordedEvent } from '@eventstore/db-client';
import type { CheckpointStore } from '@volunteer-ledger/core';
import { digest, readLastEvent } from './server-streams.js';

const checkpointType = 'CheckpointStored';

export class EventStoreDbCheckpointStore implements CheckpointStore {
  constructor(
    private readonly client: EventStoreDBClient,
    private readonly streamPrefix: string,
    private readonly assertOpen: () => void,
  ) {}

  async getCheckpoint(name: string): Promise<bigint | null> {
    this.assertOpen();
    const last = await readLastEvent(this.client, this.streamOf(name));
    if (last === 'no_stream') return null;
    const data = (last.event.event as JSONRecordedEvent).data as { position?: unknown };
    if (typeof data.position !== 'string') throw new Error(`checkpoint ${JSON.stringify(name)} holds no position`);
    return BigInt(data.position);
  }

  async putCheckpoint(name: string, position: bigint): Promise<void> {
    this.assertOpen();
    const stream = this.streamOf(name);
    const result = await this.client.appendToStream(stream, jsonEvent({ type: checkpointType, data: { name, position: position.toString() } }));
    // Put is idempotent, so if this fails the caller's retry sets it.
    if (result.nextExpectedRevision === 0n) await this.client.setStreamMetadata(stream, { maxCount: 1 });
  }

  private streamOf(name: string): string {
    return `${this.streamPrefix}${digest(name)}`;
  }
}

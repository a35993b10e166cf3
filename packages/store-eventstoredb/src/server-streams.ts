/**
 * Small helpers over the client shared by the store and its bookkeeping (idempotency, checkpoints):
 * reading a stream's last event, and reading `$all` strictly after a position with a prefix filter.
 */
import { createHash } from 'node:crypto';
import { BACKWARDS, END, StreamNotFoundError, type EventStoreDBClient, type ResolvedEvent } from '@eventstore/db-client';
import { readAllFiltered } from './filtered-read.js';
import { isKnownPosition, packPosition, unpackPosition } from './positions.js';

/** The last event of a stream and its revision, or `no_stream`. */
export async function readLastEvent(
  client: EventStoreDBClient,
  streamName: string,
): Promise<{ event: ResolvedEvent; revision: bigint } | 'no_stream'> {
  try {
    const [last] = await drain(client.readStream(streamName, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    return last ? { event: last, revision: last.event!.revision } : 'no_stream';
  } catch (error) {
    if (error instanceof StreamNotFoundError) return 'no_stream';
    throw error;
  }
}

/**
 * Every item of a client read, read to its end. Leaving a client read early (a `return` inside
 * `for await`) destroys the client's stream but not the gRPC call under it, which then never finishes
 * and makes `client.dispose()` wait forever; so reads are always drained.
 */
export async function drain<T>(reading: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of reading) items.push(item);
  return items;
}

/** Up to `maxCount` events of streams starting with one of `prefixes`, strictly after `after`, with their packed positions. */
export async function readAllAfter(
  client: EventStoreDBClient,
  options: { prefixes: readonly string[]; after: bigint | undefined; maxCount: number; deadlineMs: number },
): Promise<Array<{ resolved: ResolvedEvent; position: bigint }>> {
  if (options.maxCount <= 0) return [];
  const { after } = options;
  // The server reads forwards from a position inclusively: ask for one more, in case the first is `after` itself.
  const page = await readAllFiltered(client, {
    from: after === undefined ? 'start' : unpackPosition(after),
    maxCount: after === undefined ? options.maxCount : options.maxCount + 1,
    prefixes: options.prefixes,
    deadlineMs: options.deadlineMs,
  });
  const events: Array<{ resolved: ResolvedEvent; position: bigint }> = [];
  for (const resolved of page) {
    const position = resolved.event?.position;
    if (!isKnownPosition(position)) throw new Error(`a read of $all returned event ${resolved.event?.id} without a position`);
    const packed = packPosition(position);
    if (after !== undefined && packed <= after) continue;
    events.push({ resolved, position: packed });
  }
  return events.slice(0, options.maxCount);
}

/** A fixed-length, stream-name-safe digest of an arbitrary key. */
export function digest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

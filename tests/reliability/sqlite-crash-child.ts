/**
 * The victim of the SQLite crash test: appends under load until it is killed, printing one line per
 * acknowledgement. Run as `node --conditions=source --import tsx sqlite-crash-child.ts <file> <round>`.
 *
 * Output lines (the parent ignores a torn last line):
 *   ready
 *   claim <key>                                     an idempotency record was durably inserted
 *   ack <appendId> <stream> <lastRevision> <position> <count>   an append resolved
 *
 * To crash something richer (ledger commands instead of raw appends), replace `workload`: anything it
 * prints after an awaited, durable step is something the parent can check after the kill.
 */
import { type EventStore, WrongExpectedRevisionError } from '../../packages/ledger-core/src/index.js';
import { contractEvent } from '../../packages/store-contract/src/index.js';
import { SqliteEventStore } from '../../packages/store-sqlite/src/index.js';

/** Appends in flight at once: enough that most commits carry several appends. */
const concurrentWriters = 24;
const streamsPerRound = 6;
const maxEventsPerCrashAppend = 5;

const [filename, round] = process.argv.slice(2);
if (!filename || !round) throw new Error('usage: sqlite-crash-child.ts <database file> <round>');

function say(line: string): void {
  // stdout is a pipe: synchronous on Linux, so a printed line is out before the next append starts.
  process.stdout.write(`${line}\n`);
}

async function writer(store: EventStore, writerId: number): Promise<never> {
  for (let seq = 0; ; seq += 1) {
    const appendId = `r${round}-w${writerId}-${seq}`;
    // Streams are shared across rounds, so every round continues the same revisions.
    const stream = `crash-s${(writerId * 7 + seq) % streamsPerRound}`;
    const count = 1 + ((writerId + seq) % maxEventsPerCrashAppend);
    if (seq % 5 === 0) {
      const claim = await store.idempotency.tryInsert(
        { key: appendId, requestHash: '0'.repeat(64), status: 'pending', outcome: null, createdAt: '2024-05-01T00:00:00.000Z', expiresAt: '2099-01-01T00:00:00.000Z' },
        '2024-05-01T00:00:00.000Z',
      );
      if (claim.inserted) say(`claim ${appendId}`);
    }
    const events = Array.from({ length: count }, (_, index) => contractEvent({ appendId, index, count, amount: '12.50' }));
    const expected = await store.streamRevision(stream);
    try {
      const result = await store.appendToStream(stream, events, { expectedRevision: seq % 3 === 0 ? 'any' : expected });
      say(`ack ${appendId} ${stream} ${result.nextExpectedRevision} ${result.position} ${count}`);
    } catch (error) {
      // Losing a race is normal under load; anything else is a real failure of the store.
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
  }
}

async function workload(store: EventStore): Promise<void> {
  await Promise.all(Array.from({ length: concurrentWriters }, (_, i) => writer(store, i)));
}

const store = SqliteEventStore.open(filename);
say('ready');
workload(store).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

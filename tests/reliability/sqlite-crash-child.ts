/**
 * The victim of the SQLite crash test: writes under load until it is killed, printing one line per
 * acknowledgement. Run as
 * `node --conditions=source --import tsx sqlite-crash-child.ts <raw file> <ledger file> <round>`.
 *
 * Two workloads share the process (and so the kill), each on its own database:
 * - raw appends of contract events to `<raw file>`, checking the store alone (torn appends, revisions);
 * - the real Ledger on `<ledger file>`: check-ins that accrue, grants, redemptions (request + fulfil),
 *   transfers, attendances (an activity checked into: a process that ends with a deferred step) and service
 *   requests of the time bank (points held, then paid to the volunteer), micro-wishes the donation pool pays for, checking what the books promise after a crash (DESIGN §4 rules 1, 8, 9); its read models
 *   live in a projection file beside it and follow the store, as a service's do, so kills land in their
 *   commits too.
 *
 * Output lines (the parent ignores a torn last line):
 *   ready
 *   claim <key>                                     an idempotency record was durably inserted
 *   ack <appendId> <stream> <lastRevision> <position> <count>   an append resolved
 *   done <json LedgerAck>                           a ledger operation resolved ok
 */
import { type EventStore, Ledger, ReadModels, WrongExpectedRevisionError, donationPoolId, recoverUnfinished } from '../../packages/ledger-core/src/index.js';
import { contractEvent } from '../../packages/store-contract/src/index.js';
import { SqliteEventStore, SqliteProjectionStore } from '../../packages/store-sqlite/src/index.js';
import { RefusedCommand, Workload, admin, organiserOf, outcomeEvents, setUpCommunity } from '../integration/ledger-workload.js';
import { type LedgerAck, crashCommunityId, crashItems, crashMemberIds, crashOpeningPoints, crashProjectionFile, daysPerRound } from './sqlite-crash-ledger.js';

/** Appends in flight at once: enough that most commits carry several appends. */
const concurrentWriters = 24;
const streamsPerRound = 6;
const maxEventsPerCrashAppend = 5;

/** Ledger operations in flight at once. */
const concurrentLedgerWorkers = 12;
/**
 * Refusals that concurrency alone can cause: a decision that lost its race `maxConflictRetries` times, or
 * a key still leased by a killed earlier round. Any other refusal is a bug and ends the child (and the test).
 */
const refusalsUnderLoad = new Set(['conflict', 'idempotency-key-in-flight']);

const [filename, ledgerFilename, round] = process.argv.slice(2);
if (!filename || !ledgerFilename || !round) throw new Error('usage: sqlite-crash-child.ts <raw database file> <ledger database file> <round>');

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

/** One ledger worker: a fixed mix of operations over every member, acknowledging each one that resolved ok. */
async function ledgerWorker(workload: Workload, workerId: number): Promise<never> {
  const members = crashMemberIds;
  // Each worker starts at another point of the mix, so even a round killed early has done every kind.
  for (let seq = workerId; ; seq += 1) {
    const member = members[(workerId * 13 + seq * 7) % members.length]!;
    const other = members[(workerId * 5 + seq * 11 + 1) % members.length]!;
    const key = `k.${round}.${workerId}.${seq}`;
    let ack: LedgerAck;
    try {
      switch (seq % 9) {
        case 0:
        case 1:
        case 2: {
          const { command, outcome } = await workload.accrue(member, { idempotencyKey: key });
          ack = { op: 'accrue', key, actor: organiserOf(crashCommunityId), command, events: outcomeEvents(outcome.streamName, outcome.events) };
          break;
        }
        case 3: {
          const { requested, fulfilled } = await workload.redeem(member, crashItems[seq % crashItems.length]!.itemId);
          ack = { op: 'redeem', events: [...outcomeEvents(requested.streamName, requested.events), ...outcomeEvents(fulfilled.streamName, fulfilled.events)] };
          break;
        }
        case 4: {
          const outcome = await workload.transfer(member, member === other ? donationPoolId : other, 3);
          ack = { op: 'transfer', events: outcomeEvents(outcome.streamName, outcome.events) };
          break;
        }
        case 5: {
          // Each worker attends for a member of its own: two attendances of one member at once would overlap.
          const { published, signedUp, checkedIn, checkedOut } = await workload.attend(members[workerId]!);
          ack = {
            op: 'attend',
            events: [
              ...outcomeEvents(published.streamName, published.events),
              ...outcomeEvents(signedUp.streamName, signedUp.events),
              ...outcomeEvents(checkedIn.streamName, checkedIn.events),
              ...outcomeEvents(checkedOut.streamName, checkedOut.events),
            ],
          };
          break;
        }
        case 6: {
          const { posted, taken, done, confirmed } = await workload.serve(member, member === other ? members[(members.indexOf(other) + 1) % members.length]! : other, 5);
          ack = { op: 'serve', events: [posted, taken, done, confirmed].flatMap((outcome) => outcomeEvents(outcome.streamName, outcome.events)) };
          break;
        }
        case 7: {
          const { donated, posted, claimed, fulfilled } = await workload.wish(member, other, 2);
          ack = { op: 'wish', events: [donated, posted, claimed, fulfilled].flatMap((outcome) => outcomeEvents(outcome.streamName, outcome.events)) };
          break;
        }
        default: {
          const { command, outcome } = await workload.grant(member, 40, { idempotencyKey: key });
          ack = { op: 'grant', key, actor: admin, command, events: outcomeEvents(outcome.streamName, outcome.events) };
        }
      }
    } catch (error) {
      if (error instanceof RefusedCommand && error.code !== null && refusalsUnderLoad.has(error.code)) continue;
      throw error;
    }
    say(`done ${JSON.stringify(ack)}`);
  }
}

/** Opens the ledger's store like a restarted service: set up on first start, otherwise recover what the last kill left. */
async function startLedger(): Promise<Workload> {
  const store = SqliteEventStore.open(ledgerFilename!, { pollIntervalMs: 0 });
  const ledger = new Ledger({ store });
  // Caught up from the checkpoint the last kill left, not folded from scratch.
  const models = await new ReadModels(store, { projections: SqliteProjectionStore.open(crashProjectionFile(ledgerFilename!)) }).open();
  if (!(await ledger.community(crashCommunityId)).state.exists) {
    await setUpCommunity(ledger, { communityId: crashCommunityId, memberIds: crashMemberIds, items: crashItems, openingPoints: crashOpeningPoints, inFlight: 8 });
  } else {
    const report = await recoverUnfinished(ledger, models, 0);
    if (report.failures.length > 0) throw new Error(`recovery failed after round ${Number(round) - 1}: ${JSON.stringify(report.failures)}`);
  }
  models.follow((error) => {
    console.error(error);
    process.exit(1);
  });
  return new Workload(ledger, crashCommunityId, `r${round}`, Number(round) * daysPerRound);
}

const store = SqliteEventStore.open(filename);
const workloadOnLedger = await startLedger();
say('ready');
Promise.all([workload(store), ...Array.from({ length: concurrentLedgerWorkers }, (_, i) => ledgerWorker(workloadOnLedger, i))]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

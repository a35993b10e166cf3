/**
 * Is the ledger's memory bounded by its stream cache, not by history (issue 10)? One JSON line per figure:
 * `{"bench":"<name>","value":<n>,"unit":"<unit>"}`. Run: `pnpm bench memory` (about a minute: SQLite, 64 in flight).
 *
 * A Ledger on the SQLite store with a cache of `cacheStreams` streams records check-ins for the first
 * `membersBefore` members (`checkInsEach` each), then for `membersAfter` more: the store then holds about 3.6
 * times the events, and the cache has been overrun many times over. The heap after a full GC should not have
 * grown with it: every stream the ledger keeps is in the cache, and a stream that falls out is read back (from
 * its snapshot and tail) when next needed.
 *
 * - `memory_heap_before_mb`, `memory_heap_after_mb`: V8's used heap after a full GC at the two points, with
 *   the events the store held (`memory_events_before`, `memory_events_after`);
 * - `memory_rss_before_mb`, `memory_rss_after_mb`: the resident set at the same points (SQLite's page cache and
 *   V8's free space included, so it moves more than the heap);
 * - `memory_heap_growth_ratio` = after ÷ before: goal ≤ 1.2 while the events grow ~3.6×.
 *
 * What one cached member costs is not fixed: a member's state keeps every service record it ever had (rule 6),
 * so the bound is the cache's length times the states' sizes; the check-ins here are the same for every member.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Ledger } from '../packages/ledger-core/src/index.js';
import { Workload, setUpCommunity } from '../tests/integration/ledger-workload.js';
import { createTempStore, measureInFlight, printFigure } from './sqlite.bench.js';

const communityId = 'c1';
const cacheStreams = 1_000;
const membersBefore = 2_000;
const membersAfter = 6_000;
const checkInsEach = 10;
const inFlight = 64;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function measure(label: 'before' | 'after', events: number): number {
  collectGarbage();
  collectGarbage();
  const { heapUsed, rss } = process.memoryUsage();
  printFigure(`memory_events_${label}`, events, 'events');
  printFigure(`memory_heap_${label}_mb`, mb(heapUsed), 'MB');
  printFigure(`memory_rss_${label}_mb`, mb(rss), 'MB');
  return heapUsed;
}

const bench = createTempStore();
try {
  const ledger = new Ledger({ store: bench.store, maxCachedStreams: cacheStreams });
  const memberIds = Array.from({ length: membersBefore + membersAfter }, (_, i) => `m${i}`);
  await setUpCommunity(ledger, { communityId, memberIds, items: [], openingPoints: 0, inFlight });
  const workload = new Workload(ledger, communityId, 'bench');
  const checkIns = async (members: readonly string[]) => {
    await measureInFlight(inFlight, members.length * checkInsEach, (i) => workload.accrue(members[i % members.length]!));
  };

  await checkIns(memberIds.slice(0, membersBefore));
  const before = measure('before', await bench.store.eventCount());
  await checkIns(memberIds.slice(membersBefore));
  const after = measure('after', await bench.store.eventCount());
  printFigure('memory_cache_streams', cacheStreams, 'streams');
  printFigure('memory_heap_growth_ratio', after / before, 'ratio');
} finally {
  await bench.cleanup();
}

import fc from 'fast-check';
import { expect } from 'vitest';
import {
  type EventStore,
  type ExpectedRevision,
  type StreamRevision,
  WrongExpectedRevisionError,
} from '@volunteer-ledger/core';
import { contractEvents } from './events.js';

/** The streams the property appends to: few, so that random expected revisions often collide. */
const modelStreams = ['model-a', 'model-b', 'model-c'] as const;
/** Largest number of appends the property sends to the store at once. */
const maxConcurrentAppends = 4;
/** Largest number of steps (a step is one append, or several at once) in one generated run. */
const maxStepsPerRun = 12;

interface AppendOp {
  readonly stream: (typeof modelStreams)[number];
  /** `'current'` is replaced by the model's revision when the step runs, so that many appends succeed. */
  readonly expected: ExpectedRevision | 'current';
  readonly count: number;
}

const appendOp: fc.Arbitrary<AppendOp> = fc.record({
  stream: fc.constantFrom(...modelStreams),
  expected: fc.oneof(
    fc.constantFrom<ExpectedRevision | 'current'>('any', 'no_stream', 'stream_exists', 'current', 'current'),
    fc.integer({ min: 0, max: 6 }),
  ),
  count: fc.integer({ min: 1, max: 3 }),
});

/** One step: a single append, or up to `maxConcurrentAppends` sent together. */
export const modelSteps = fc.array(fc.array(appendOp, { minLength: 1, maxLength: maxConcurrentAppends }), {
  minLength: 1,
  maxLength: maxStepsPerRun,
});

/** The model's rule, written out again on purpose: the store's own helper is what is under test. */
function modelHolds(expected: ExpectedRevision, actual: StreamRevision): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 'no_stream';
  if (expected === 'stream_exists') return actual !== 'no_stream';
  return actual === expected;
}

/** A tiny model of a store: each stream's revision and the global log of (stream, revision, eventId). */
class StoreModel {
  readonly revisions = new Map<string, StreamRevision>();
  readonly log: Array<{ streamName: string; revision: number; eventId: string }> = [];

  revision(stream: string): StreamRevision {
    return this.revisions.get(stream) ?? 'no_stream';
  }

  append(stream: string, eventIds: readonly string[]): number {
    const current = this.revision(stream);
    let revision = current === 'no_stream' ? -1 : current;
    for (const eventId of eventIds) {
      revision += 1;
      this.log.push({ streamName: stream, revision, eventId });
    }
    this.revisions.set(stream, revision);
    return revision;
  }
}

/**
 * Runs one generated sequence of steps against `store` and checks it against the model after every
 * step. A step of several appends runs them concurrently: the store may order them any way it likes,
 * so the check is that its outcome is one the model allows — the winners, taken in the order of their
 * positions, each held when applied, and each loser saw a revision the stream really had during the
 * step, one its expectation does not match.
 */
export async function checkAgainstModel(store: EventStore, steps: readonly (readonly AppendOp[])[]): Promise<void> {
  const model = new StoreModel();
  for (const step of steps) {
    const before = new Map(modelStreams.map((s) => [s, model.revision(s)] as const));
    const requests = step.map((op) => ({
      op,
      expected: op.expected === 'current' ? before.get(op.stream)! : op.expected,
      events: contractEvents(op.count),
    }));
    const settled = await Promise.allSettled(
      requests.map((r) => store.appendToStream(r.op.stream, r.events, { expectedRevision: r.expected })),
    );

    const winners = requests
      .map((request, i) => ({ request, outcome: settled[i]! }))
      .filter((w) => w.outcome.status === 'fulfilled')
      .map((w) => ({ request: w.request, result: (w.outcome as PromiseFulfilledResult<{ nextExpectedRevision: number; position: bigint }>).value }))
      .sort((a, b) => (a.result.position < b.result.position ? -1 : 1));

    const seen = new Map<string, Set<StreamRevision>>(modelStreams.map((s) => [s, new Set([model.revision(s)])]));
    for (const { request, result } of winners) {
      expect(modelHolds(request.expected, model.revision(request.op.stream)), `append ${JSON.stringify(request.op)} won against revision ${String(model.revision(request.op.stream))}`).toBe(true);
      const next = model.append(request.op.stream, request.events.map((e) => e.eventId));
      expect(result.nextExpectedRevision).toBe(next);
      seen.get(request.op.stream)!.add(next);
    }

    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const request = requests[i]!;
      const error: unknown = outcome.reason;
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      const wrong = error as WrongExpectedRevisionError;
      expect(wrong.streamName).toBe(request.op.stream);
      expect(wrong.expected).toBe(request.expected);
      expect([...seen.get(request.op.stream)!]).toContain(wrong.actual);
      expect(modelHolds(request.expected, wrong.actual)).toBe(false);
    });

    for (const stream of modelStreams) {
      expect(await store.streamRevision(stream)).toBe(model.revision(stream));
    }
    const all = await store.readAll({ maxCount: model.log.length + 1 });
    expect(all.map((e) => ({ streamName: e.streamName, revision: e.revision, eventId: e.eventId }))).toEqual(model.log);
  }
}

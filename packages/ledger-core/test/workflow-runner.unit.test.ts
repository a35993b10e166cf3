/**
 * The runner that carries out a workflow's decisions (pipeline/workflow-runner.ts): it records on the
 * workflow's stream, previews a caller's new phase, sends the steps in order, undoes a phase refused mid-way
 * newest first, hands each phase's result back, and stops where it is on a transient answer. The streams are
 * real (in-memory store); the steps' streams are played by a scripted StepRunner that records what it was
 * sent, so each rule is checked on exactly the calls the runner made.
 */
import { describe, expect, it } from 'vitest';
import { type DomainError, InvariantViolation, domainError } from '../src/errors.js';
import type { Actor, DomainEvent } from '../src/events.js';
import { maxConflictRetries } from '../src/limits.js';
import type { CommandOutcome, ExecuteResult } from '../src/outcome.js';
import { type StepRunner, runWorkflow } from '../src/pipeline/workflow-runner.js';
import { type EventContext, Streams } from '../src/pipeline/streams.js';
import type { RedemptionInput } from '../src/redemption/workflow.js';
import { redemptionWorkflow } from '../src/redemption/workflow.js';
import { err, ok } from '../src/result.js';
import type { DebitFacts, StepCommand } from '../src/steps.js';
import { type AppendResult, type EventStore, type ExpectedRevision, type NewEvent, WrongExpectedRevisionError } from '../src/store/port.js';
import { InMemoryEventStore } from '../src/store/in-memory.js';
import { ForwardingEventStore } from '../src/testing/index.js';
import { ManualClock } from '../src/time.js';
import { transferWorkflow } from '../src/transfer/workflow.js';
import type { Workflow } from '../src/workflow.js';

const stream = 'redemption-c1-d1';
const organiser: Actor = { id: 'org-1', role: 'organiser', communityId: 'c1' };
const context: EventContext = { actor: organiser, correlationId: 'req-1', causationId: 'req-1', idempotency: { key: 'k1', requestHash: 'h1' } };
const expiresAt = '2026-03-13T12:00:00.000Z';

const request: RedemptionInput = { type: 'RequestRedemption', communityId: 'c1', redemptionId: 'd1', memberId: 'alice', itemId: 'rice', quantity: 1, points: '15.00', expiresAt, requestedBy: 'alice' };
const fulfil: RedemptionInput = { type: 'FulfilRedemption', communityId: 'c1', redemptionId: 'd1', fulfilledBy: 'org-1', volunteerId: null, itemKind: 'goods', service: null, now: '2026-03-10T12:00:00.000Z' };
const resume: RedemptionInput = { type: 'ResumeRedemption', communityId: 'c1', redemptionId: 'd1' };

const noStock = domainError('stock-exhausted', 'rice: none left');
const insufficient = domainError('insufficient-points', 'insufficient points: available 1.00, needed 15.00');
const busy = domainError('busy', 'too much queued');

interface Sent {
  readonly step: StepCommand;
  readonly causationId: string;
  readonly correlationId: string;
}

/** The other streams, as a script: each step appends one event unless told to refuse or answer otherwise. */
class ScriptedSteps implements StepRunner {
  readonly sent: Sent[] = [];
  readonly previewed: StepCommand['type'][] = [];
  private nextId = 0;
  constructor(
    private readonly answers: Partial<Record<StepCommand['type'], DomainError | 'unchanged'>> = {},
    private readonly previews: Partial<Record<StepCommand['type'], DomainError>> = {},
    private readonly debits: DebitFacts | null = null,
  ) {}
  async send(step: StepCommand, ctx: EventContext): Promise<ExecuteResult> {
    this.sent.push({ step, causationId: ctx.causationId, correlationId: ctx.correlationId });
    const answer = this.answers[step.type];
    if (answer && answer !== 'unchanged') return err(answer);
    const streamName = `${step.type}-stream`;
    if (answer === 'unchanged') return ok({ streamName, revision: 0, position: null, events: [], replayed: false });
    this.nextId += 1;
    const outcome: CommandOutcome = {
      streamName,
      revision: 0,
      position: String(100 + this.nextId),
      events: [{ eventId: `step-event-${this.nextId}`, type: `${step.type}Done`, revision: 0, data: {} }],
      replayed: false,
    };
    return ok(outcome);
  }
  async preview(step: StepCommand): Promise<DomainError | null> {
    this.previewed.push(step.type);
    return this.previews[step.type] ?? null;
  }
  async debit(): Promise<DebitFacts | null> {
    return this.debits;
  }
}

function streamsOver(store: EventStore = new InMemoryEventStore()) {
  return { store, streams: new Streams({ store, clock: new ManualClock(new Date('2026-03-10T12:00:00.000Z')), maxCachedStreams: 100, validateOnAppend: true, validateStoredEvents: true }) };
}

const run = <I, S, E extends DomainEvent>(streams: Streams, steps: StepRunner, workflow: Workflow<I, S, E>, input: I, fromCaller = true, name = stream) =>
  runWorkflow(streams, steps, workflow, name, input, context, { fromCaller });

const typesOf = async (store: EventStore, name = stream) => (await store.readStream(name)).map((e) => e.type);
const sentTypes = (steps: ScriptedSteps) => steps.sent.map((s) => s.step.type);

async function heldRedemption() {
  const { store, streams } = streamsOver();
  await run(streams, new ScriptedSteps(), redemptionWorkflow, request);
  return { store, streams };
}

describe('a caller’s new phase is previewed before anything is recorded (rule 10)', () => {
  it('every step of the phase is previewed, in order; all clear: recorded, sent, done', async () => {
    const { store, streams } = streamsOver();
    const steps = new ScriptedSteps();
    const result = await run(streams, steps, redemptionWorkflow, request);
    expect(result.ok).toBe(true);
    expect(steps.previewed).toEqual(['ReserveStock', 'PlaceHold']);
    expect(sentTypes(steps)).toEqual(['ReserveStock', 'PlaceHold']);
    expect(await typesOf(store)).toEqual(['RedemptionRequested', 'RedemptionHeld']);
  });

  it('a step that would be refused: the caller hears it, nothing is recorded, nothing sent, later steps not even asked', async () => {
    const { store, streams } = streamsOver();
    const steps = new ScriptedSteps({}, { ReserveStock: noStock });
    expect(await run(streams, steps, redemptionWorkflow, request)).toEqual(err(noStock));
    expect(steps.previewed).toEqual(['ReserveStock']);
    expect(steps.sent).toEqual([]);
    expect(await typesOf(store)).toEqual([]);
  });

  it('the second step refused in preview: the same', async () => {
    const { store, streams } = streamsOver();
    const steps = new ScriptedSteps({}, { PlaceHold: insufficient });
    expect(await run(streams, steps, redemptionWorkflow, request)).toEqual(err(insufficient));
    expect(steps.sent).toEqual([]);
    expect(await typesOf(store)).toEqual([]);
  });

  it('a resume (not a caller) is not previewed: it carries on what was recorded', async () => {
    const { store, streams } = streamsOver();
    await run(streams, new ScriptedSteps({ ReserveStock: busy }), redemptionWorkflow, request);
    const steps = new ScriptedSteps({}, { ReserveStock: noStock });
    expect((await run(streams, steps, redemptionWorkflow, resume, false)).ok).toBe(true);
    expect(steps.previewed).toEqual([]);
    expect(await typesOf(store)).toEqual(['RedemptionRequested', 'RedemptionHeld']);
  });

  it('a caller repeating an unfinished phase records nothing new, so nothing is previewed', async () => {
    const { streams } = streamsOver();
    await run(streams, new ScriptedSteps({ PlaceHold: busy }), redemptionWorkflow, request);
    const steps = new ScriptedSteps({}, { ReserveStock: noStock });
    expect((await run(streams, steps, redemptionWorkflow, request)).ok).toBe(true);
    expect(steps.previewed).toEqual([]);
  });
});

describe('a step refused mid-phase is undone before the workflow hears of it (rule 10)', () => {
  it('the hold refused after the stock was reserved: the stock is released, then the redemption is rejected', async () => {
    const { store, streams } = streamsOver();
    const steps = new ScriptedSteps({ PlaceHold: insufficient });
    expect(await run(streams, steps, redemptionWorkflow, request, false)).toEqual(err(insufficient));
    expect(sentTypes(steps)).toEqual(['ReserveStock', 'PlaceHold', 'ReleaseStock']);
    expect(await typesOf(store)).toEqual(['RedemptionRequested', 'RedemptionRejected']);
  });

  it('several steps done: undone newest first', async () => {
    const { streams } = await heldRedemption();
    const service = { recordId: 'redemption.d1', category: 'culture', serviceDate: '2026-03-10', hours: '1.00' };
    const steps = new ScriptedSteps({ SpendHold: domainError('in-deficit', 'owes') });
    // A workflow whose phase is [ReserveStock, PlaceHold, RecordServiceGiven, SpendHold]: three to undo.
    const wide: Workflow<'go', null, never> = {
      initialState: () => null,
      evolve: (s) => s,
      decide: (input) =>
        input === 'go'
          ? ok({
              record: [],
              send: [
                { type: 'ReserveStock', communityId: 'c1', itemId: 'rice', redemptionId: 'd9', memberId: 'alice', quantity: 1 },
                { type: 'PlaceHold', communityId: 'c1', memberId: 'alice', holdId: 'd9', redemptionId: 'd9', points: '1.00', expiresAt },
                { type: 'RecordServiceGiven', communityId: 'c1', memberId: 'bob', redemptionId: 'd9', ...service },
                { type: 'SpendHold', communityId: 'c1', memberId: 'alice', holdId: 'd9' },
              ],
            })
          : ok({ record: [], send: [], ...(input.type === 'PhaseRefused' ? { refusal: input.error } : {}) }),
    };
    expect((await run(streams, steps, wide, 'go', false, 'wide-1')).ok).toBe(false);
    expect(sentTypes(steps)).toEqual(['ReserveStock', 'PlaceHold', 'RecordServiceGiven', 'SpendHold', 'WithdrawServiceGiven', 'ReleaseHold', 'ReleaseStock']);
  });

  it('a transient answer while undoing stops the run where it is (the phase is recorded; a resume finishes it)', async () => {
    const { store, streams } = streamsOver();
    const steps = new ScriptedSteps({ PlaceHold: insufficient, ReleaseStock: busy });
    expect(await run(streams, steps, redemptionWorkflow, request, false)).toEqual(err(busy));
    expect(await typesOf(store)).toEqual(['RedemptionRequested']);
  });

  it('an undo refused for good is corruption: thrown', async () => {
    const { streams } = streamsOver();
    const steps = new ScriptedSteps({ PlaceHold: insufficient, ReleaseStock: domainError('not-found', 'no reservation') });
    await expect(run(streams, steps, redemptionWorkflow, request, false)).rejects.toThrow(/ReleaseStock \(undoing ReserveStock\) was refused: no reservation/);
  });

  it('a step refused after one that cannot be undone (a spend) is corruption: thrown', async () => {
    const { streams } = await heldRedemption();
    const steps = new ScriptedSteps({ IssueStock: noStock });
    await expect(run(streams, steps, redemptionWorkflow, fulfil)).rejects.toThrow(InvariantViolation);
    await expect(run(streams, new ScriptedSteps({ IssueStock: noStock }), redemptionWorkflow, resume, false)).rejects.toThrow(/IssueStock was refused after SpendHold, which cannot be undone/);
  });
});

describe('transient answers and conflicts', () => {
  it('a transient answer from a step stops the run; the recorded phase is carried on by the same request', async () => {
    const { store, streams } = streamsOver();
    expect(await run(streams, new ScriptedSteps({ PlaceHold: busy }), redemptionWorkflow, request)).toEqual(err(busy));
    expect(await typesOf(store)).toEqual(['RedemptionRequested']);
    const steps = new ScriptedSteps();
    expect((await run(streams, steps, redemptionWorkflow, request)).ok).toBe(true);
    expect(sentTypes(steps)).toEqual(['ReserveStock', 'PlaceHold']);
    expect(await typesOf(store)).toEqual(['RedemptionRequested', 'RedemptionHeld']);
  });

  it('another instance moved the stream before the first append: decided again on what it wrote', async () => {
    const inner = new InMemoryEventStore();
    class Racing extends ForwardingEventStore {
      raced = false;
      override async appendToStream(name: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> {
        if (!this.raced && name === stream) {
          this.raced = true;
          // The other instance records the same request first.
          await this.inner.appendToStream(name, events, options);
        }
        return super.appendToStream(name, events, options);
      }
    }
    const { store, streams } = streamsOver(new Racing(inner));
    const steps = new ScriptedSteps();
    expect((await run(streams, steps, redemptionWorkflow, request)).ok).toBe(true);
    expect(await typesOf(store)).toEqual(['RedemptionRequested', 'RedemptionHeld']);
    expect(sentTypes(steps)).toEqual(['ReserveStock', 'PlaceHold']);
  });

  it(`a stream that keeps changing: conflict after ${maxConflictRetries} attempts, nothing sent`, async () => {
    let appends = 0;
    class AlwaysMoved extends ForwardingEventStore {
      override appendToStream(name: string): Promise<AppendResult> {
        appends += 1;
        return Promise.reject(new WrongExpectedRevisionError(name, 'no_stream', 0));
      }
    }
    const { streams } = streamsOver(new AlwaysMoved(new InMemoryEventStore()));
    const steps = new ScriptedSteps();
    const result = await run(streams, steps, redemptionWorkflow, request);
    expect(result.ok ? null : result.error.code).toBe('conflict');
    expect(appends).toBe(maxConflictRetries);
    expect(steps.sent).toEqual([]);
  });

  it('the completion’s append losing to another instance: conflict (the other instance, or a retry, carries on)', async () => {
    class MovedAtCompletion extends ForwardingEventStore {
      override appendToStream(name: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> {
        if (events.some((e) => e.type === 'RedemptionHeld')) return Promise.reject(new WrongExpectedRevisionError(name, options.expectedRevision, 5));
        return super.appendToStream(name, events, options);
      }
    }
    const { store, streams } = streamsOver(new MovedAtCompletion(new InMemoryEventStore()));
    const result = await run(streams, new ScriptedSteps(), redemptionWorkflow, request);
    expect(result.ok ? null : result.error.code).toBe('conflict');
    expect(await typesOf(store)).toEqual(['RedemptionRequested']);
  });
});

describe('what the caller is told, and what the events say about why they were written', () => {
  it('the outcome gathers every stream’s events in order, with the last position, the workflow’s revision', async () => {
    const { streams } = streamsOver();
    const result = await run(streams, new ScriptedSteps(), redemptionWorkflow, request);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.events.map((e) => [e.streamName, e.type])).toEqual([
      [stream, 'RedemptionRequested'],
      ['ReserveStock-stream', 'ReserveStockDone'],
      ['PlaceHold-stream', 'PlaceHoldDone'],
      [stream, 'RedemptionHeld'],
    ]);
    expect(result.value).toMatchObject({ streamName: stream, revision: 1, replayed: false });
    expect(BigInt(result.value.position!)).toBe((await streams.store.readStream(stream)).at(-1)!.position);
  });

  it('a step appending nothing (it happened before) leaves the position where the run put it', async () => {
    const { streams } = streamsOver();
    const result = await run(streams, new ScriptedSteps({ ReserveStock: 'unchanged', PlaceHold: 'unchanged' }), redemptionWorkflow, request);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.events.map((e) => e.type)).toEqual(['RedemptionRequested', 'RedemptionHeld']);
  });

  it('nothing to do: the process’s events as they stand, replayed', async () => {
    const { streams } = await heldRedemption();
    const steps = new ScriptedSteps();
    const result = await run(streams, steps, redemptionWorkflow, request);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.replayed).toBe(true);
    expect(result.value.events.map((e) => e.type)).toEqual(['RedemptionRequested', 'RedemptionHeld']);
    expect(steps.sent).toEqual([]);
  });

  it('a refused input: nothing recorded, nothing sent', async () => {
    const { store, streams } = streamsOver();
    const steps = new ScriptedSteps();
    const result = await run(streams, steps, redemptionWorkflow, fulfil);
    expect(result.ok ? null : result.error.code).toBe('not-found');
    expect([steps.sent.length, steps.previewed.length, (await typesOf(store)).length]).toEqual([0, 0, 0]);
  });

  it('causation: the first event names what caused the request; steps name the event that decided their phase; the completion names the phase’s last event', async () => {
    const { store, streams } = streamsOver();
    const steps = new ScriptedSteps();
    await run(streams, steps, redemptionWorkflow, request);
    const [requested, held] = await store.readStream(stream);
    expect(requested!.metadata).toMatchObject({ causationId: 'req-1', correlationId: 'req-1', idempotencyKey: 'k1', actor: 'org-1' });
    expect(steps.sent.map((s) => [s.causationId, s.correlationId])).toEqual([
      [requested!.eventId, 'req-1'],
      [requested!.eventId, 'req-1'],
    ]);
    expect(held!.metadata).toMatchObject({ causationId: 'step-event-2', correlationId: 'req-1', idempotencyKey: 'k1' });
  });

  it('causation when the phase’s steps appended nothing: the completion names the event that decided the phase', async () => {
    const { store, streams } = streamsOver();
    await run(streams, new ScriptedSteps({ ReserveStock: 'unchanged', PlaceHold: 'unchanged' }), redemptionWorkflow, request);
    const [requested, held] = await store.readStream(stream);
    expect(held!.metadata.causationId).toBe(requested!.eventId);
  });

  it('a workflow that refuses the result of its own phase is corruption: thrown', async () => {
    const { streams } = streamsOver();
    const stubborn: Workflow<'go', null, never> = {
      initialState: () => null,
      evolve: (s) => s,
      decide: (input) => (input === 'go' ? ok({ record: [], send: [{ type: 'SpendHold', communityId: 'c1', memberId: 'alice', holdId: 'h' }] }) : err(domainError('validation', 'no'))),
    };
    await expect(run(streams, new ScriptedSteps(), stubborn, 'go', false, 'stubborn-1')).rejects.toThrow(/refused the result of its own phase: no/);
  });

  it('a run on a stream with no events that ends with nothing recorded answers with no revision', async () => {
    const { streams } = streamsOver();
    const quiet: Workflow<'go', null, never> = {
      initialState: () => null,
      evolve: (s) => s,
      decide: (input) => ok(input === 'go' ? { record: [], send: [{ type: 'SpendHold', communityId: 'c1', memberId: 'alice', holdId: 'h' }] } : { record: [], send: [] }),
    };
    const result = await run(streams, new ScriptedSteps(), quiet, 'go', false, 'quiet-1');
    expect(result.ok && result.value.revision).toBe('no_stream');
  });
});

describe('a run answers only once what it appended is durable', () => {
  /** Counts the calls asking the store to make deferred appends durable, and what was appended deferred before each. */
  class SyncCounting extends ForwardingEventStore {
    readonly deferredBeforeSync: number[] = [];
    private deferredSinceSync = 0;
    override appendToStream(streamName: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision; readonly durability?: 'durable' | 'deferred' }): Promise<AppendResult> {
      this.deferredSinceSync = options.durability === 'deferred' ? this.deferredSinceSync + 1 : 0;
      return super.appendToStream(streamName, events, options);
    }
    override async syncDeferred(): Promise<void> {
      this.deferredBeforeSync.push(this.deferredSinceSync);
      this.deferredSinceSync = 0;
    }
  }

  it('a phase closed by its record (durable) needs no sync', async () => {
    const store = new SyncCounting(new InMemoryEventStore());
    const { streams } = streamsOver(store);
    expect((await run(streams, new ScriptedSteps(), redemptionWorkflow, request)).ok).toBe(true);
    expect(store.deferredBeforeSync).toEqual([]);
  });

  it('a run that ends after a step (deferred), with nothing recorded after it, asks the store to make it durable before answering', async () => {
    const store = new SyncCounting(new InMemoryEventStore());
    const { streams } = streamsOver(store);
    // The hold is refused for now: the run stops after the stock was reserved (a deferred step) and the request recorded.
    expect(await run(streams, new ScriptedSteps({ PlaceHold: busy }), redemptionWorkflow, request)).toEqual(err(busy));
    expect(store.deferredBeforeSync).toEqual([1]);
  });
});

describe('transfers: the debit is read back with the receipt of SendPoints', () => {
  const give = { type: 'RequestTransfer' as const, communityId: 'c1', transferId: 't1', from: 'alice', to: 'bob', points: '5.00', reason: 'gift' as const, requestedBy: 'alice', recipientHouseholdId: null };
  const debit: DebitFacts = { points: '5.00', portions: [{ lotId: 'lot:a', points: '5.00', accruedAt: '2026-03-01T00:00:00.000Z', expiresAt: null }], refunded: false };

  it('the delivery carries the debit as the sender’s stream holds it', async () => {
    const { store, streams } = streamsOver();
    const steps = new ScriptedSteps({}, {}, debit);
    expect((await run(streams, steps, transferWorkflow, give, true, 'transfer-c1-t1')).ok).toBe(true);
    expect(steps.sent.map((s) => s.step)).toEqual([
      { type: 'SendPoints', communityId: 'c1', memberId: 'alice', transferId: 't1', to: 'bob', points: '5.00', reason: 'gift', recipientHouseholdId: null },
      { type: 'ReceivePoints', communityId: 'c1', memberId: 'bob', transferId: 't1', from: 'alice', points: '5.00', portions: debit.portions },
    ]);
    expect(await typesOf(store, 'transfer-c1-t1')).toEqual(['TransferRequested', 'TransferDebited', 'TransferCompleted']);
  });

  it('no debit to read back after SendPoints went through is corruption: thrown', async () => {
    const { streams } = streamsOver();
    await expect(run(streams, new ScriptedSteps({}, {}, null), transferWorkflow, give, true, 'transfer-c1-t1')).rejects.toThrow(/holds no debit/);
  });

  it('the recipient refuses: the points are refunded, the transfer returned, the caller told', async () => {
    const { store, streams } = streamsOver();
    const overCap = domainError('max-balance-exceeded', 'bob is full');
    const steps = new ScriptedSteps({ ReceivePoints: overCap }, {}, debit);
    expect(await run(streams, steps, transferWorkflow, give, true, 'transfer-c1-t1')).toEqual(err({ ...overCap, details: { transfer: 'returned' } }));
    expect(sentTypes(steps)).toEqual(['SendPoints', 'ReceivePoints', 'RefundTransfer']);
    expect(await typesOf(store, 'transfer-c1-t1')).toEqual(['TransferRequested', 'TransferDebited', 'TransferReturned']);
  });
});

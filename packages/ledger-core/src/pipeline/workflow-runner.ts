/**
 * The runner that carries out a workflow's decisions: record its events on its own stream, send the phase's
 * steps in order, hand the phase's result back to the workflow, until nothing is left to send.
 *
 * - A phase a caller starts (its decision records events) is first previewed against the streams it will
 *   touch; if a step would be refused, the caller is told so and nothing at all is recorded (rule 10).
 * - A step refused mid-phase makes the runner undo the phase's earlier steps, newest first, before the
 *   workflow hears of it — so the workflow sees a refused phase as one that left nothing behind.
 * - A transient answer (another instance wrote a stream, the ledger is busy) or a fault stops the run where
 *   it is; the phase is recorded, so the same request, a resume, or the recovery pass carries it on.
 *
 * Every event carries the caller's correlation id and idempotency key; its causation id is the event that
 * caused it: a step names the event that decided its phase, a completion names the phase's last event.
 */
import { type DomainError, InvariantViolation } from '../errors.js';
import type { DomainEvent } from '../events.js';
import { type CommandOutcome, type ExecuteResult, type OutcomeEvent } from '../outcome.js';
import { err, ok } from '../result.js';
import { type DebitFacts, type StepCommand, compensationOf } from '../steps.js';
import type { PhaseResult, StepReceipt, Workflow, WorkflowDecision } from '../workflow.js';
import { maxConflictRetries } from '../limits.js';
import { isTransient } from './idempotency.js';
import { type EventContext, type StreamKind, Streams } from './streams.js';
import { domainError } from '../errors.js';

/** What the runner needs to carry out steps on other streams. */
export interface StepRunner {
  /** Decides and appends one step on its stream (queued there, retried on conflict, no authorisation). */
  send(step: StepCommand, context: EventContext): Promise<ExecuteResult>;
  /** What the step's stream would say now, appending nothing: a refusal, or null. */
  preview(step: StepCommand, context: EventContext): Promise<DomainError | null>;
  /** The sender's debit of a transfer as its stream holds it (the receipt of SendPoints). */
  debit(communityId: string, memberId: string, transferId: string): Promise<DebitFacts | null>;
}

/** Collects what one run appended, across streams, for the caller's outcome. */
class Trail {
  readonly events: OutcomeEvent[] = [];
  position: string | null = null;
  /** The run's last append was deferred: it is not durable yet, and nothing durable followed it. */
  deferredWaiting = false;
  add(outcome: CommandOutcome, durability: 'durable' | 'deferred'): void {
    for (const event of outcome.events) this.events.push({ ...event, streamName: outcome.streamName });
    if (outcome.position !== null) this.position = outcome.position;
    if (outcome.events.length > 0) this.deferredWaiting = durability === 'deferred';
  }
}

export interface RunOptions {
  /** The input comes from a caller: a phase it starts is previewed before anything is recorded. */
  readonly fromCaller: boolean;
}

/**
 * Runs a workflow from `input` until nothing is left to send, and answers only once what it appended is durable:
 * a phase is made durable by the record that closes it, and when the workflow records nothing after its steps
 * (an attendee checked in: their presence is the last append), the store is asked to make them durable.
 */
export async function runWorkflow<I, S, E extends DomainEvent>(
  streams: Streams,
  steps: StepRunner,
  workflow: Workflow<I, S, E>,
  streamName: string,
  input: I,
  context: EventContext,
  options: RunOptions,
): Promise<ExecuteResult> {
  const trail = new Trail();
  const result = await carryOut({ streams, steps, workflow, streamName, input, context, options }, trail);
  if (trail.deferredWaiting) await streams.syncDeferred();
  return result;
}

interface WorkflowRun<I, S, E extends DomainEvent> {
  readonly streams: Streams;
  readonly steps: StepRunner;
  readonly workflow: Workflow<I, S, E>;
  readonly streamName: string;
  readonly input: I;
  readonly context: EventContext;
  readonly options: RunOptions;
}

async function carryOut<I, S, E extends DomainEvent>(run: WorkflowRun<I, S, E>, trail: Trail): Promise<ExecuteResult> {
  const { streams, steps, workflow, streamName, input, context, options } = run;
  const kind: StreamKind<S, E> = workflow;
  let causation = context.causationId;
  let decision: WorkflowDecision<E> | null = null;
  let entry = await streams.load(streamName, kind, false);

  // The caller's input: decided, previewed and recorded — retried from fresh state if another instance moved the stream.
  for (let attempt = 0; decision === null; attempt += 1) {
    if (attempt >= maxConflictRetries) {
      return err(domainError('conflict', `${streamName} kept changing while deciding (${maxConflictRetries} attempts); retry the command`, { stream: streamName }));
    }
    if (attempt > 0) entry = await streams.load(streamName, kind, true);
    const decided = workflow.decide(input, entry.state);
    const nothingNew = decided.ok && decided.value.record.length === 0 && decided.value.send.length === 0 && decided.value.refusal === undefined;
    // A refusal, or "nothing to do", on cached state is confirmed against the store: another instance may have moved the process on.
    if (attempt === 0 && (!decided.ok || nothingNew)) continue;
    if (!decided.ok) return decided;
    const { record, send } = decided.value;
    if (nothingNew) {
      // Nothing new: the process is where an earlier request left it. Its events are the answer.
      return ok(await streams.eventsAsOutcome(streamName));
    }
    if (options.fromCaller && record.length > 0) {
      const refusal = await previewPhase(steps, [...send, ...(decided.value.check ?? [])], context);
      if (refusal) return err(refusal);
    }
    if (record.length > 0) {
      const durability = durabilityOf(send);
      const appended = await streams.append(streamName, entry, kind, record, { ...context, causationId: causation, durability });
      if (appended === 'conflict') continue;
      trail.add(appended, durability);
      causation = appended.events.at(-1)!.eventId;
    }
    decision = decided.value;
  }
  // A caller refused with a repair phase to send (see WorkflowDecision.refusal) is refused once it is carried out.
  const callerRefusal = decision.refusal;

  // Phases, until the workflow has nothing left to send.
  while (decision.send.length > 0) {
    const phase = await runPhase(steps, decision.send, { ...context, causationId: causation, durability: 'deferred' }, trail);
    if ('code' in phase) return err(phase);
    causation = trail.events.at(-1)?.eventId ?? causation;
    const next = workflow.decide(phase.result, entry.state);
    if (!next.ok) throw new InvariantViolation(`${streamName}: the workflow refused the result of its own phase: ${next.error.message}`);
    decision = next.value;
    if (decision.record.length > 0) {
      const durability = durabilityOf(decision.send);
      const appended = await streams.append(streamName, entry, kind, decision.record, { ...context, causationId: causation, durability });
      // Only another instance working on the same process can get here first; it (or a retry) carries on.
      if (appended === 'conflict') return err(domainError('conflict', `${streamName} was moved on by another instance; retry the command to see where it stands`, { stream: streamName }));
      trail.add(appended, durability);
      causation = appended.events.at(-1)!.eventId;
    }
  }
  const refusal = decision.refusal ?? callerRefusal;
  if (refusal) return err(refusal);
  return ok({ streamName, revision: entry.revision < 0 ? 'no_stream' : entry.revision, position: trail.position, events: trail.events, replayed: false });
}

/**
 * One durable commit per phase a person waits for: what a run appends before its last record is deferred, and
 * the last record — nothing sent after it — is durable, making everything before it durable too.
 */
const durabilityOf = (sendAfter: readonly StepCommand[]): 'durable' | 'deferred' => (sendAfter.length > 0 ? 'deferred' : 'durable');

async function previewPhase(steps: StepRunner, send: readonly StepCommand[], context: EventContext): Promise<DomainError | null> {
  for (const step of send) {
    const refusal = await steps.preview(step, context);
    if (refusal) return refusal;
  }
  return null;
}

/** Sends a phase's steps in order; on a refusal, undoes the ones done, newest first. A transient answer stops it. */
async function runPhase(
  steps: StepRunner,
  send: readonly StepCommand[],
  context: EventContext,
  trail: Trail,
): Promise<{ result: PhaseResult } | DomainError> {
  const receipts: StepReceipt[] = [];
  for (const step of send) {
    const result = await steps.send(step, context);
    if (result.ok) {
      trail.add(result.value, context.durability ?? 'durable');
      const debit = step.type === 'SendPoints' ? await steps.debit(step.communityId, step.memberId, step.transferId) : undefined;
      receipts.push(debit === undefined ? { step, events: result.value.events } : { step, events: result.value.events, debit });
      continue;
    }
    if (isTransient(result.error)) return result.error;
    for (const done of [...receipts].reverse()) {
      const undo = compensationOf(done.step);
      if (!undo) throw new InvariantViolation(`${step.type} was refused after ${done.step.type}, which cannot be undone: ${result.error.message}`);
      const undone = await steps.send(undo, context);
      if (!undone.ok) {
        if (isTransient(undone.error)) return undone.error;
        throw new InvariantViolation(`${undo.type} (undoing ${done.step.type}) was refused: ${undone.error.message}`);
      }
      trail.add(undone.value, context.durability ?? 'durable');
    }
    return { result: { type: 'PhaseRefused', refused: step, error: result.error } };
  }
  return { result: { type: 'PhaseDone', receipts } };
}

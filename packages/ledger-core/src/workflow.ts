/**
 * A process that spans streams is a decider too (STYLE: Emmett's `Workflow`): `decide(input, state)` says what
 * to record on the process's own stream and which commands to send to other streams next; `evolve` folds the
 * process's events; `initialState` starts it. The workflow never awaits anything: a runner in the ledger
 * records, sends, and hands each phase's result back as the next input, until there is nothing left to send.
 *
 * A phase is the commands of one decision, carried out in order, each on its own stream. If one is refused,
 * the runner first undoes the phase's earlier steps (each step kind names its compensation), so the workflow
 * sees a refused phase as one that left nothing behind.
 */
import type { DomainError } from './errors.js';
import type { OutcomeEvent } from './outcome.js';
import type { DebitFacts, StepCommand } from './steps.js';

/** What a step did: the command as sent and the events it appended (none when it had happened before). */
export interface StepReceipt {
  readonly step: StepCommand;
  readonly events: readonly OutcomeEvent[];
  /** For a debit (SendPoints): the debit as the sender's stream holds it now, first time or repeat alike. */
  readonly debit?: DebitFacts | null;
}

/** The result of a phase, handed back to the workflow as its next input. */
export type PhaseResult =
  | { readonly type: 'PhaseDone'; readonly receipts: readonly StepReceipt[] }
  /** One step was refused; every step before it in the phase has been compensated. */
  | { readonly type: 'PhaseRefused'; readonly refused: StepCommand; readonly error: DomainError };

export interface WorkflowDecision<Event> {
  /** Appended to the workflow's own stream before anything is sent. */
  readonly record: readonly Event[];
  /** The next phase: commands carried out in order on their own streams. */
  readonly send: readonly StepCommand[];
  /**
   * Steps of a later phase this decision leads to, previewed with the phase when a caller starts it (never
   * sent from here): a refusal they would meet is then answered before anything is recorded.
   */
  readonly check?: readonly StepCommand[];
  /**
   * When set and nothing is sent: the process ended in this refusal, and the caller is told so. When set with a
   * phase to send, that phase repairs what an interrupted run may have left undone (its steps are repeats, nothing
   * on their streams when nothing is missing), and the caller is refused all the same.
   */
  readonly refusal?: DomainError;
}

/** Neither records nor sends: the input changes nothing (a repeat, or a process already past this point). */
export const nothingToDo = { record: [], send: [] } as const satisfies WorkflowDecision<never>;

export interface Workflow<Input, State, Event> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  /** A refusal here means the input is refused before anything is recorded or sent. */
  decide(input: Input | PhaseResult, state: State): { ok: true; value: WorkflowDecision<Event> } | { ok: false; error: DomainError };
}

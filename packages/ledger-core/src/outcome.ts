/** What a caller is told about a command: the events it appended, where, and whether it was a repeat. */
import type { DomainError } from './errors.js';
import type { Result } from './result.js';
import type { JsonObject, RecordedEvent } from './store/port.js';

export interface OutcomeEvent {
  /** Set when a process's outcome gathers events of several streams. */
  readonly streamName?: string;
  readonly eventId: string;
  readonly type: string;
  readonly revision: number;
  readonly data: JsonObject;
}

export interface CommandOutcome {
  readonly streamName: string;
  /** The stream's revision after the command. */
  readonly revision: number | 'no_stream';
  /** Global position of the last event appended; null when the command changed nothing. */
  readonly position: string | null;
  readonly events: readonly OutcomeEvent[];
  /** True when this outcome was recorded earlier and is returned again for a repeated request. */
  readonly replayed: boolean;
}

export type ExecuteResult = Result<CommandOutcome, DomainError>;

export const outcomeEvent = (event: RecordedEvent, withStream = false): OutcomeEvent => ({
  ...(withStream ? { streamName: event.streamName } : {}),
  eventId: event.eventId,
  type: event.type,
  revision: event.revision,
  data: event.data,
});

/** The outcome of a command that appended nothing. */
export const unchanged = (streamName: string, revision: number): CommandOutcome => ({
  streamName,
  revision: revision < 0 ? 'no_stream' : revision,
  position: null,
  events: [],
  replayed: false,
});

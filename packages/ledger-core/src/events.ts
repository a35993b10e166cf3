/**
 * Events as deciders see them (`{ type, data }`) and as stores keep them (`NewEvent` with id, schema
 * version and metadata). Every event type is declared once with its zod schema and version; reading an
 * event lifts old versions through the type's upcasters before validating it, so deciders only ever see
 * the current shape.
 */
import type { z } from 'zod';
import type { JsonObject, RecordedEvent } from './store/port.js';
import { InvariantViolation } from './errors.js';

/** An event as a decider emits and folds it. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** Lifts data of version n to version n + 1. */
export type Upcaster = (data: JsonObject) => JsonObject;

export interface EventDefinition<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly schema: Schema;
  /** upcasters[n] lifts version n to n + 1. Empty while every stored event is current. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

export function defineEvent<Type extends string, Schema extends z.ZodType>(
  type: Type,
  schema: Schema,
  options: { schemaVersion?: number; upcasters?: Record<number, Upcaster> } = {},
): EventDefinition<Type, Schema> {
  return { type, schema, schemaVersion: options.schemaVersion ?? 1, upcasters: options.upcasters ?? {} };
}

/** The union of `{ type, data }` for a tuple of definitions. */
export type EventOf<Defs extends readonly EventDefinition[]> = {
  [K in keyof Defs]: Defs[K] extends EventDefinition<infer T, infer S> ? DomainEvent<T, z.output<S>> : never;
}[number];

export class EventRegistry {
  private readonly byType = new Map<string, EventDefinition>();

  constructor(definitions: Iterable<EventDefinition>) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`event type ${definition.type} is declared twice`);
      this.byType.set(definition.type, definition);
    }
  }

  definition(type: string): EventDefinition {
    const definition = this.byType.get(type);
    if (!definition) throw new InvariantViolation(`unknown event type ${type}: this ledger version cannot read it`);
    return definition;
  }

  schemaVersion(type: string): number {
    return this.definition(type).schemaVersion;
  }

  /**
   * Stored event → current-version domain event: upcast, then validate (a stored event that fails is corruption).
   * With `validate: false` an event already at the current version is taken as it is — for events this
   * ledger's own typed deciders wrote to a store it owns; an older version is always lifted and validated.
   */
  decode(event: Pick<RecordedEvent, 'type' | 'schemaVersion' | 'data' | 'streamName' | 'revision'>, options: { validate?: boolean } = {}): DomainEvent {
    const definition = this.definition(event.type);
    if (options.validate === false && event.schemaVersion === definition.schemaVersion) {
      if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) {
        throw new InvariantViolation(`${event.streamName}@${event.revision}: stored ${event.type} has no data object`);
      }
      return { type: event.type, data: event.data };
    }
    let data = event.data;
    if (event.schemaVersion > definition.schemaVersion) {
      throw new InvariantViolation(
        `${event.streamName}@${event.revision}: ${event.type} v${event.schemaVersion} is newer than this ledger reads (v${definition.schemaVersion}); upgrade the library`,
      );
    }
    for (let version = event.schemaVersion; version < definition.schemaVersion; version += 1) {
      const upcast = definition.upcasters[version];
      if (!upcast) throw new InvariantViolation(`${event.type}: no upcaster from v${version}`);
      data = upcast(data);
    }
    const parsed = definition.schema.safeParse(data);
    if (!parsed.success) {
      throw new InvariantViolation(`${event.streamName}@${event.revision}: stored ${event.type} is malformed: ${parsed.error.message}`);
    }
    return { type: event.type, data: parsed.data };
  }
}

/** Who issues a command. Every actor belongs to one community, except the platform (`'*'`). */
export type Role = 'admin' | 'organiser' | 'member' | 'system';
export interface Actor {
  readonly id: string;
  readonly role: Role;
  /** The community the credential is bound to; `'*'` for the platform operator and internal jobs. */
  readonly communityId: string;
}

export const systemActor = (job: string): Actor => ({ id: `system:${job}`, role: 'system', communityId: '*' });

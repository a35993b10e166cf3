/**
 * Read-model snapshots: the folded state as JSON, so a restarted service catches up from its checkpoint
 * instead of replaying everything. Maps, sets and amounts are tagged so they come back as themselves.
 */
import { Hours, Points } from '../money.js';

export interface SnapshotStore {
  load(name: string): Promise<{ position: bigint; data: string } | null>;
  save(name: string, position: bigint, data: string): Promise<void>;
}

export class InMemorySnapshotStore implements SnapshotStore {
  private readonly snapshots = new Map<string, { position: bigint; data: string }>();
  async load(name: string) {
    return this.snapshots.get(name) ?? null;
  }
  async save(name: string, position: bigint, data: string) {
    this.snapshots.set(name, { position, data });
  }
}

export function toSnapshotJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Map) return { $map: [...raw.entries()] };
    if (raw instanceof Set) return { $set: [...raw.values()] };
    if (raw instanceof Points) return { $points: raw.toString() };
    if (raw instanceof Hours) return { $hours: raw.toString() };
    return v;
  });
}

export function fromSnapshotJson<T>(json: string): T {
  return JSON.parse(json, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const tagged = v as Record<string, unknown>;
      if ('$map' in tagged) return new Map(tagged['$map'] as Array<[unknown, unknown]>);
      if ('$set' in tagged) return new Set(tagged['$set'] as unknown[]);
      if ('$points' in tagged) return Points.of(tagged['$points'] as string);
      if ('$hours' in tagged) return Hours.of(tagged['$hours'] as string);
    }
    return v;
  }) as T;
}
